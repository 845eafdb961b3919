"""Adapter-specific behaviour of the id generators."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.ids import SequentialIds, SortableIds
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.ids import BOOKING_NUMBER_BITS


def test_sequential_ids_are_predictable() -> None:
    """Sequential ids count per prefix from 1, zero-padded to 12 digits."""
    ids = SequentialIds()
    assert [ids.new_id("bkg"), ids.new_id("show"), ids.new_id("bkg")] == [
        "bkg_000000000001",
        "show_000000000001",
        "bkg_000000000002",
    ]


def test_sequential_booking_numbers_count_up() -> None:
    """Sequential booking numbers start at first_booking_number and count up."""
    ids = SequentialIds(first_booking_number=41)
    assert [ids.new_booking_number() for _ in range(3)] == [41, 42, 43]


def test_sequential_booking_numbers_wrap_within_40_bits() -> None:
    """The last booking number is followed by 0."""
    ids = SequentialIds(first_booking_number=2**BOOKING_NUMBER_BITS - 1)
    assert [ids.new_booking_number(), ids.new_booking_number()] == [2**BOOKING_NUMBER_BITS - 1, 0]


@pytest.mark.parametrize("start", [-1, 2**BOOKING_NUMBER_BITS])
def test_sequential_start_out_of_range_is_refused(start: int) -> None:
    """A first booking number outside the booking-number range raises InvalidInput."""
    with pytest.raises(InvalidInput) as info:
        SequentialIds(first_booking_number=start)
    assert info.value.field == "first_booking_number"


def test_sortable_ids_follow_the_clock() -> None:
    """An id made later by the clock sorts after one made earlier, with a 26-char suffix."""
    clock = ManualClock()
    ids = SortableIds(clock)
    first = ids.new_id("bkg")
    clock.advance(timedelta(milliseconds=1))
    second = ids.new_id("bkg")
    assert first < second
    assert len(first) == len("bkg_") + 26


def test_sortable_ids_stay_sorted_when_the_clock_steps_back() -> None:
    """Ids keep increasing even after the clock is set back an hour."""
    clock = ManualClock()
    ids = SortableIds(clock)
    first = ids.new_id("bkg")
    clock.set(clock.now() - timedelta(hours=1))
    assert ids.new_id("bkg") > first


def test_sortable_ids_embed_the_timestamp() -> None:
    """The first 10 suffix chars encode the clock's milliseconds, so ids are time-ordered."""
    clock = ManualClock()
    ids = SortableIds(clock)
    suffix = ids.new_id("x").partition("_")[2]
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    millis = 0
    for char in suffix[:10]:
        millis = millis * 32 + alphabet.index(char)
    assert millis == int(clock.now().timestamp() * 1000)
