"""Unit and property tests of the pure sale rules in bookmyshow.domain.sales."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.holds import SeatsUnavailable
from bookmyshow.domain.sales import ShowSales, StaleFencingToken, validate_sale
from bookmyshow.testing.strategies.inventory import seat_sets

SHOW = "show-1"
SEATS = tuple(f"A{n}" for n in range(1, 9))
_T = TypeVar("_T")


def attempt(call: Callable[[], _T]) -> tuple[_T | None, DomainError | None]:
    """Run ``call``; return its result or the domain error it raised."""
    try:
        return call(), None
    except DomainError as exc:
        return None, exc


def test_sell_records_every_seat_and_its_fence() -> None:
    """A sale records each seat for the booking with the sale's token as its fence."""
    sales = ShowSales(show_id=SHOW)
    assert sales.sell("b1", frozenset({"A1", "A2"}), 4) is True
    assert sales.snapshot() == {"A1": "b1", "A2": "b1"}
    assert sales.fence == {"A1": 4, "A2": 4}


def test_retrying_the_same_sale_is_a_no_op() -> None:
    """The same seats to the same booking again returns False and changes nothing."""
    sales = ShowSales(show_id=SHOW)
    sales.sell("b1", frozenset({"A1", "A2"}), 4)
    assert sales.sell("b1", frozenset({"A1", "A2"}), 4) is False
    assert sales.sell("b1", frozenset({"A1"}), 9) is False
    assert sales.fence == {"A1": 4, "A2": 4}


def test_sold_seats_are_refused_by_name_and_nothing_is_sold() -> None:
    """Overlapping a sold seat raises SeatsUnavailable(reason="sold") naming just those seats."""
    sales = ShowSales(show_id=SHOW)
    sales.sell("b1", frozenset({"A1", "A2"}), 1)
    with pytest.raises(SeatsUnavailable) as info:
        sales.sell("b2", frozenset({"A2", "A3"}), 2)
    assert (info.value.seats, info.value.reason, info.value.show_id) == (
        frozenset({"A2"}),
        "sold",
        SHOW,
    )
    assert sales.snapshot() == {"A1": "b1", "A2": "b1"}


def test_returned_seats_keep_their_fence() -> None:
    """give_back frees the seats but a token not above their fence is StaleFencingToken."""
    sales = ShowSales(show_id=SHOW)
    sales.sell("b1", frozenset({"A1", "A2"}), 5)
    assert sales.give_back("b1") == {"A1", "A2"}
    assert sales.give_back("b1") == frozenset()
    with pytest.raises(StaleFencingToken) as info:
        sales.sell("b2", frozenset({"A2", "A3"}), 5)
    assert info.value.code == "stale_fencing_token"
    assert (info.value.seats, info.value.token, info.value.fence) == (frozenset({"A2"}), 5, 5)
    assert sales.snapshot() == {}
    assert sales.sell("b3", frozenset({"A2", "A3"}), 6)
    assert sales.fence == {"A1": 5, "A2": 6, "A3": 6}


def test_snapshot_is_a_copy() -> None:
    """Mutating a snapshot does not change the record."""
    sales = ShowSales(show_id=SHOW)
    sales.sell("b1", frozenset({"A1"}), 1)
    snap = sales.snapshot()
    assert isinstance(snap, dict)
    snap["A2"] = "forged"
    assert sales.snapshot() == {"A1": "b1"}


@pytest.mark.parametrize(
    ("show_id", "booking_id", "seats", "token", "field"),
    [
        ("", "b1", frozenset({"A1"}), 1, "show_id"),
        (SHOW, "", frozenset({"A1"}), 1, "booking_id"),
        (SHOW, "b1", frozenset(), 1, "seats"),
        (SHOW, "b1", frozenset({""}), 1, "seats"),
        (SHOW, "b1", frozenset({"A1"}), 0, "fencing_token"),
        (SHOW, "b1", frozenset({"A1"}), True, "fencing_token"),
    ],
)
def test_malformed_sales_are_invalid_input(
    show_id: str, booking_id: str, seats: frozenset[str], token: Any, field: str
) -> None:
    """Empty ids, no seats or a non-positive (or bool) token are InvalidInput naming the field."""
    with pytest.raises(InvalidInput) as info:
        validate_sale(show_id, booking_id, seats, token)
    assert info.value.field == field
    if not show_id:  # the record itself refuses an empty show id
        with pytest.raises(InvalidInput):
            ShowSales(show_id=show_id)
        return
    sales = ShowSales(show_id=show_id)
    with pytest.raises(InvalidInput):
        sales.sell(booking_id, seats, token)
    assert sales.snapshot() == {}
    assert sales.fence == {}


_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("sell"), st.integers(0, 5), seat_sets(SEATS), st.integers(1, 12)),
        st.tuples(st.just("return"), st.integers(0, 5)),
    ),
    max_size=40,
)


@given(ops=_OPS)
def test_sales_match_the_rule_and_never_sell_twice(ops: list[tuple[Any, ...]]) -> None:
    """A sale succeeds iff no seat is sold elsewhere and every fence is below its token."""
    sales = ShowSales(show_id=SHOW)
    for op in ops:
        before = copy.deepcopy((sales.sold, sales.fence))
        if op[0] == "return":
            booking = f"b{op[1]}"
            returned = sales.give_back(booking)
            assert returned == {s for s, b in before[0].items() if b == booking}
            assert sales.fence == before[1]
            continue
        _, booking, seats, token = op
        booking = f"b{booking}"
        result, error = attempt(partial(sales.sell, booking, seats, token))
        retry = all(before[0].get(s) == booking for s in seats)
        elsewhere = {s for s in seats if s in before[0]}
        fenced = {s for s in seats if before[1].get(s, 0) >= token}
        if retry:
            assert (result, error) == (False, None)
            assert (sales.sold, sales.fence) == before
        elif elsewhere:
            assert isinstance(error, SeatsUnavailable)
            assert error.seats == elsewhere
            assert (sales.sold, sales.fence) == before
        elif fenced:
            assert isinstance(error, StaleFencingToken)
            assert (error.seats, error.fence) == (
                frozenset(fenced),
                max(before[1][s] for s in fenced),
            )
            assert (sales.sold, sales.fence) == before
        else:
            assert (result, error) == (True, None)
            assert sales.sold == before[0] | dict.fromkeys(seats, booking)
        # Fences only ever go up, and every sold seat has one.
        assert all(sales.fence.get(s, 0) >= f for s, f in before[1].items())
        assert sales.sold.keys() <= sales.fence.keys()
