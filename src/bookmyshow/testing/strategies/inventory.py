"""Hypothesis strategies for seat holds and sales: seat sets over a layout, policies, requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from bookmyshow.domain.holds import HoldPolicy, HoldRequest
from bookmyshow.domain.layouts import SeatLayout

__all__ = [
    "EPOCH",
    "aware_datetimes",
    "hold_policies",
    "hold_requests",
    "seat_labels",
    "seat_sets",
]

EPOCH = datetime(2030, 1, 1, 18, 0, tzinfo=UTC)
"""A fixed, timezone-aware starting instant for clocks in tests."""


def seat_labels(layout: SeatLayout | Sequence[str]) -> tuple[str, ...]:
    """The sellable seat labels of ``layout`` (or the labels given), in layout order."""
    if isinstance(layout, SeatLayout):
        return tuple(s.label for s in layout.sellable())
    return tuple(layout)


def seat_sets(
    layout: SeatLayout | Sequence[str], *, min_size: int = 1, max_size: int = 4
) -> st.SearchStrategy[frozenset[str]]:
    """Sets of ``min_size``..``max_size`` distinct sellable seats of ``layout``."""
    labels = seat_labels(layout)
    return st.frozensets(
        st.sampled_from(labels), min_size=min_size, max_size=min(max_size, len(labels))
    )


def aware_datetimes(
    start: datetime = EPOCH, span: timedelta = timedelta(days=1)
) -> st.SearchStrategy[datetime]:
    """Timezone-aware instants in ``[start, start + span]``, to the microsecond."""
    return st.integers(min_value=0, max_value=span // timedelta(microseconds=1)).map(
        lambda us: start + timedelta(microseconds=us)
    )


def hold_policies(*, max_seats: int = 10) -> st.SearchStrategy[HoldPolicy]:
    """Valid hold policies: ttl ≤ max_duration, per-hold cap ≤ per-user cap ≤ ``max_seats``."""

    @st.composite
    def build(draw: st.DrawFn) -> HoldPolicy:
        ttl = timedelta(seconds=draw(st.integers(min_value=1, max_value=3600)))
        extra = timedelta(seconds=draw(st.integers(min_value=0, max_value=3600)))
        per_hold = draw(st.integers(min_value=1, max_value=max_seats))
        per_user = draw(st.integers(min_value=per_hold, max_value=max(per_hold, max_seats)))
        return HoldPolicy(
            ttl=ttl,
            max_duration=ttl + extra,
            max_seats_per_hold=per_hold,
            max_seats_per_user=per_user,
        )

    return build()


def hold_requests(
    layout: SeatLayout | Sequence[str],
    *,
    show_id: str = "show-1",
    owners: Sequence[str] = ("alice", "bob", "carol"),
    policy: HoldPolicy | st.SearchStrategy[HoldPolicy] | None = None,
) -> st.SearchStrategy[HoldRequest]:
    """Valid hold requests for ``show_id`` with unique-looking hold ids and seats of ``layout``.

    Seat sets never exceed the policy's per-hold cap, so building the request never raises.
    """
    policies: st.SearchStrategy[HoldPolicy]
    if policy is None:
        policies = st.just(HoldPolicy())
    elif isinstance(policy, HoldPolicy):
        policies = st.just(policy)
    else:
        policies = policy

    @st.composite
    def build(draw: st.DrawFn) -> HoldRequest:
        chosen = draw(policies)
        return HoldRequest(
            hold_id=f"hold-{draw(st.uuids()).hex[:12]}",
            show_id=show_id,
            owner_id=draw(st.sampled_from(tuple(owners))),
            seats=draw(seat_sets(layout, max_size=chosen.max_seats_per_hold)),
            policy=chosen,
        )

    return build()
