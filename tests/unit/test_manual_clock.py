"""ManualClock: moves only when told, always in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.adapters.memory.clock import DEFAULT_START, ManualClock
from bookmyshow.domain.errors import InvalidInput

IST = timezone(timedelta(hours=5, minutes=30))


def test_starts_at_default_start() -> None:
    """Without a start the clock reads DEFAULT_START and stays there."""
    clock = ManualClock()
    assert clock.now() == DEFAULT_START
    assert clock.now() == DEFAULT_START


@given(steps=st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3))))
def test_advance_adds_up(steps: list[timedelta]) -> None:
    """After a series of advances the clock reads the start plus their sum."""
    clock = ManualClock()
    for step in steps:
        clock.advance(step)
    assert clock.now() == DEFAULT_START + sum(steps, timedelta(0))


def test_negative_advance_is_refused() -> None:
    """advance() with a negative delta raises InvalidInput and leaves the clock alone."""
    clock = ManualClock()
    with pytest.raises(InvalidInput) as info:
        clock.advance(timedelta(seconds=-1))
    assert info.value.field == "by"
    assert clock.now() == DEFAULT_START


def test_set_converts_to_utc_and_may_go_back() -> None:
    """set() accepts any aware instant, returns and reads it in UTC, even if earlier."""
    clock = ManualClock()
    target = datetime(2029, 6, 1, 12, 0, tzinfo=IST)
    assert clock.set(target) == target
    assert clock.now().tzinfo is UTC
    assert clock.now() == target


def test_naive_instants_are_refused() -> None:
    """A naive start or set() instant raises InvalidInput."""
    with pytest.raises(InvalidInput):
        ManualClock(datetime(2030, 1, 1))
    clock = ManualClock()
    with pytest.raises(InvalidInput):
        clock.set(datetime(2030, 1, 1))
    assert clock.now() == DEFAULT_START
