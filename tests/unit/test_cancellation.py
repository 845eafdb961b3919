"""Cancellation: refund tiers, what is refunded, who cannot cancel, and full refunds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.cancellation import (
    DEFAULT_TIERS,
    CancellationPolicy,
    NotCancellable,
    RefundDecision,
    RefundKind,
    RefundTier,
    full_refund,
    refund_for,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import CurrencyMismatch, Money
from bookmyshow.domain.pricing import Quote
from bookmyshow.testing.strategies.pricing import amounts, cancellation_policies, quotes
from tests.unit.test_pricing import (
    SATURDAY_EVENING,
    half_up,
    render_lines,
    worked_example_quote,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
POLICY = CancellationPolicy()
STARTS = SATURDAY_EVENING
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
# Clock changes, as UTC instants: New York falls back and springs forward, then London.
CLOCK_CHANGES = (
    (NEW_YORK, datetime(2024, 11, 3, 6, tzinfo=UTC)),
    (NEW_YORK, datetime(2024, 3, 10, 7, tzinfo=UTC)),
    (LONDON, datetime(2024, 10, 27, 1, tzinfo=UTC)),
    (LONDON, datetime(2024, 3, 31, 1, tzinfo=UTC)),
)


def cancel(
    q: Quote,
    before: timedelta,
    policy: CancellationPolicy = POLICY,
    paid: Money | None = None,
) -> RefundDecision:
    """Cancel the whole booking ``before`` the show, having paid the quote total (or ``paid``)."""
    return refund_for(q, q.total if paid is None else paid, STARTS, STARTS - before, policy)


def reason(error: pytest.ExceptionInfo[NotCancellable]) -> str:
    """The reason of a NotCancellable error."""
    return error.value.reason


# --- the worked example ---------------------------------------------------------------------------


def test_worked_example_numbers() -> None:
    """Three hours before: 75% of tickets and their GST, no fee: ₹378.30 of ₹610.61."""
    decision = cancel(worked_example_quote(), timedelta(hours=3))
    assert decision.tier == DEFAULT_TIERS[0]
    assert decision.amount == Money.of("378.30")
    assert [line.amount.amount for line in decision.lines[:3]] == [6443, 6443, 19829]


def test_worked_example_tables_are_in_the_docs() -> None:
    """docs/cancellation.md shows exactly the refunds the worked example produces."""
    q = worked_example_quote()
    text = (DOCS / "cancellation.md").read_text(encoding="utf-8")
    for decision in (
        cancel(q, timedelta(hours=3)),
        cancel(q, timedelta(minutes=45)),
        full_refund(q, q.total),
    ):
        assert render_lines(decision.lines, decision.amount) in text


# --- tiers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "rate"),
    [
        (timedelta(days=3), Fraction(3, 4)),
        (timedelta(hours=2), Fraction(3, 4)),
        (timedelta(hours=2) - timedelta(microseconds=1), Fraction(1, 2)),
        (timedelta(minutes=20), Fraction(1, 2)),
    ],
)
def test_default_tiers(before: timedelta, rate: Fraction) -> None:
    """>= 2 h refunds 75%, 20 min to 2 h refunds 50%; lower bounds are inclusive."""
    decision = cancel(worked_example_quote(), before)
    assert decision.tier is not None
    assert decision.tier.ticket_rate == rate


@pytest.mark.parametrize(
    "before",
    [timedelta(minutes=20) - timedelta(microseconds=1), timedelta(0), timedelta(hours=-1)],
)
def test_too_late(before: timedelta) -> None:
    """Less than 20 minutes before the show, or after it started, is too late."""
    with pytest.raises(NotCancellable) as info:
        cancel(worked_example_quote(), before)
    assert info.value.code == "not_cancellable"
    assert reason(info) == "too_late"


def test_time_zones_do_not_matter() -> None:
    """The time left is the same whatever zones the show time and now are given in."""
    q = worked_example_quote()
    now = STARTS - timedelta(hours=2)
    utc = refund_for(q, q.total, STARTS.astimezone(UTC), now, POLICY)
    assert utc == refund_for(q, q.total, STARTS, now, POLICY)


@pytest.mark.parametrize(
    ("show", "now", "rate"),
    [
        # New York falls back at 02:00 EDT on 3 Nov 2024: 00:30 EDT to 02:00 EST is 2 h 30.
        (datetime(2024, 11, 3, 2, tzinfo=NEW_YORK), datetime(2024, 11, 3, 0, 30), Fraction(3, 4)),
        # 01:40 EDT to the second 01:10 (EST) is 30 minutes, though the wall clock went back.
        (
            datetime(2024, 11, 3, 1, 10, fold=1, tzinfo=NEW_YORK),
            datetime(2024, 11, 3, 1, 40),
            Fraction(1, 2),
        ),
        # New York springs forward at 02:00 EST on 10 Mar 2024: 01:20 EST to 03:30 EDT is 1 h 10.
        (
            datetime(2024, 3, 10, 3, 30, tzinfo=NEW_YORK),
            datetime(2024, 3, 10, 1, 20),
            Fraction(1, 2),
        ),
    ],
)
def test_time_left_is_elapsed_time_across_a_clock_change(
    show: datetime, now: datetime, rate: Fraction
) -> None:
    """Both times in one zone that changes its clocks: the tier follows real elapsed time."""
    q = worked_example_quote()
    decision = refund_for(q, q.total, show, now.replace(tzinfo=NEW_YORK), POLICY)
    assert decision.tier is not None
    assert decision.tier.ticket_rate == rate


# --- what is refunded -----------------------------------------------------------------------------


def test_gst_is_refunded_in_proportion_per_slab() -> None:
    """GST comes back at the tier rate, one line per slab, each ticket rounded half-up."""
    decision = cancel(worked_example_quote(), timedelta(minutes=45))
    gst = [line for line in decision.lines if line.kind == RefundKind.GST_TICKET_REFUND]
    # 50% of 10.31 is 5.155 -> 5.16 per regular ticket; 50% of 47.59 is 23.795 -> 23.80.
    assert [line.amount.amount for line in gst] == [516 + 516, 2380]
    assert all(line.rate == Fraction(1, 2) for line in gst)


def test_fee_flags_decide_whether_fees_come_back() -> None:
    """The convenience fee and its GST are refunded only when the policy says so."""
    q = worked_example_quote()
    base = cancel(q, timedelta(hours=3))
    with_fee = cancel(q, timedelta(hours=3), evolve(POLICY, refund_convenience_fee=True))
    with_both = cancel(
        q, timedelta(hours=3), evolve(POLICY, refund_convenience_fee=True, refund_fee_gst=True)
    )
    assert with_fee.amount - base.amount == Money.of("90")
    assert with_both.amount - with_fee.amount == Money.of("16.20")
    kinds = {line.kind for line in with_both.lines}
    assert {RefundKind.CONVENIENCE_FEE_REFUND, RefundKind.GST_FEE_REFUND} <= kinds


def test_refund_is_limited_to_what_was_paid() -> None:
    """If less was paid than the quote says, the refund stops at the amount paid."""
    q = worked_example_quote()
    decision = cancel(q, timedelta(hours=3), paid=Money.of("100"))
    assert decision.amount == Money.of("100")
    assert decision.lines[-1].kind == RefundKind.LIMIT


def test_some_seats_can_be_cancelled() -> None:
    """Cancelling only D5 refunds only D5's share."""
    q = worked_example_quote()
    now = STARTS - timedelta(hours=3)
    one = refund_for(q, q.total, STARTS, now, POLICY, seats={"D5"})
    assert one.seats == ("D5",)
    assert one.amount == Money(19829 + 3569)
    with pytest.raises(InvalidInput):
        refund_for(q, q.total, STARTS, now, POLICY, seats={"Z9"})
    with pytest.raises(InvalidInput):
        refund_for(q, q.total, STARTS, now, POLICY, seats=set())


def test_theater_cancellation_after_a_partial_one_refunds_only_the_rest() -> None:
    """D5 cancelled (₹233.98 back), then the show is cancelled: ₹376.63 more, ₹610.61 in all."""
    q = worked_example_quote()
    first = refund_for(q, q.total, STARTS, STARTS - timedelta(hours=3), POLICY, seats={"D5"})
    assert first.amount == Money.of("233.98")
    rest = full_refund(q, q.total, seats={"A1", "A2"}, already_refunded=first.amount)
    assert rest.amount == Money.of("376.63")
    assert rest.seats == ("A1", "A2")
    assert first.amount + rest.amount == q.total


def test_partial_refunds_stop_at_what_is_left_of_the_payment() -> None:
    """When ₹100 was paid, cancelling D5 then A1 and A2 refunds ₹100 in all, not ₹100 twice."""
    q = worked_example_quote()
    paid = Money.of("100")
    now = STARTS - timedelta(hours=3)
    first = refund_for(q, paid, STARTS, now, POLICY, seats={"D5"})
    assert first.amount == paid
    second = refund_for(q, paid, STARTS, now, POLICY, seats={"A1", "A2"}, already_refunded=paid)
    assert second.amount == Money(0)
    assert second.lines[-1].kind == RefundKind.LIMIT
    with pytest.raises(InvalidInput) as info:
        refund_for(q, paid, STARTS, now, POLICY, already_refunded=paid + Money(1))
    assert info.value.field == "already_refunded"
    with pytest.raises(InvalidInput):
        full_refund(q, paid, already_refunded=Money(-1))
    with pytest.raises(CurrencyMismatch):
        full_refund(q, paid, already_refunded=Money(0, "USD"))


def test_breakdowns_work_like_the_quote() -> None:
    """Passing the ticket breakdowns gives the same decision as passing the quote."""
    q = worked_example_quote()
    now = STARTS - timedelta(hours=3)
    assert refund_for(q.tickets, q.total, STARTS, now, POLICY) == refund_for(
        q, q.total, STARTS, now, POLICY
    )


# --- who cannot cancel ----------------------------------------------------------------------------


def test_non_cancellable_coupon() -> None:
    """A booking paid with a non-cancellable coupon cannot be cancelled, however early."""
    q = evolve(worked_example_quote(), non_cancellable=True)
    with pytest.raises(NotCancellable) as info:
        cancel(q, timedelta(days=5))
    assert reason(info) == "coupon"
    plain = worked_example_quote()
    with pytest.raises(NotCancellable) as info:
        refund_for(
            plain.tickets,
            plain.total,
            STARTS,
            STARTS - timedelta(days=5),
            POLICY,
            non_cancellable=True,
        )
    assert reason(info) == "coupon"


def test_only_confirmed_bookings_can_be_cancelled() -> None:
    """A pending or already-cancelled booking is not_confirmed, which outranks the other reasons."""
    q = evolve(worked_example_quote(), non_cancellable=True)
    for status in ("pending", "cancelled"):
        with pytest.raises(NotCancellable) as info:
            refund_for(q, q.total, STARTS, STARTS, POLICY, status=status)
        assert reason(info) == "not_confirmed"
    with pytest.raises(NotCancellable) as info:
        refund_for(q, q.total, STARTS, STARTS, POLICY)
    assert reason(info) == "coupon"


# --- full refund ----------------------------------------------------------------------------------


def test_full_refund_returns_everything_paid() -> None:
    """A show cancelled by the theater refunds tickets, GST, fee and fee GST: all ₹610.61."""
    q = evolve(worked_example_quote(), non_cancellable=True)
    decision = full_refund(q, q.total)
    assert decision.amount == q.total
    assert decision.full
    assert decision.tier is None
    assert not any(line.kind == RefundKind.LIMIT for line in decision.lines)


def test_full_refund_follows_the_amount_paid() -> None:
    """If the amount paid differs from the quote, the full refund is still exactly that amount."""
    q = worked_example_quote()
    for paid in (Money(0), q.total - Money(1), q.total + Money(1)):
        decision = full_refund(q, paid)
        assert decision.amount == paid
        assert decision.lines[-1].kind == RefundKind.LIMIT


# --- refusals -------------------------------------------------------------------------------------


def test_bad_arguments_are_refused() -> None:
    """Naive times, negative or foreign payments and empty breakdowns are refused."""
    q = worked_example_quote()
    now = STARTS - timedelta(hours=3)
    with pytest.raises(InvalidInput):
        refund_for(q, q.total, STARTS.replace(tzinfo=None), now, POLICY)
    with pytest.raises(InvalidInput):
        refund_for(q, q.total, STARTS, now.replace(tzinfo=None), POLICY)
    with pytest.raises(InvalidInput):
        refund_for(q, Money(-1), STARTS, now, POLICY)
    with pytest.raises(CurrencyMismatch):
        refund_for(q, Money(100, "USD"), STARTS, now, POLICY)
    with pytest.raises(InvalidInput):
        refund_for((), Money(0), STARTS, now, POLICY)
    with pytest.raises(InvalidInput):
        full_refund(q, Money(-1))


@pytest.mark.parametrize(
    "tiers",
    [
        [],
        [RefundTier(timedelta(hours=1), Fraction(1, 2)), RefundTier(timedelta(hours=1), 0)],
        [RefundTier(timedelta(hours=2), Fraction(1, 2)), RefundTier(timedelta(hours=1), 1)],
    ],
)
def test_malformed_policies_are_refused(tiers: list[RefundTier]) -> None:
    """No tiers, a shared bound, or a tier refunding more closer to the show is refused."""
    with pytest.raises(InvalidInput):
        CancellationPolicy(tiers=tiers)


def test_malformed_tiers_are_refused() -> None:
    """A rate above 100%, a float rate or a negative bound is refused."""
    with pytest.raises(InvalidInput):
        RefundTier(timedelta(hours=1), Fraction(11, 10))
    with pytest.raises(InvalidInput):
        RefundTier(timedelta(hours=1), 0.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        RefundTier(timedelta(hours=-1), Fraction(1, 2))


def test_tiers_may_come_in_any_order() -> None:
    """Tiers are kept longest notice first whatever order they are given in."""
    policy = CancellationPolicy(tiers=list(reversed(DEFAULT_TIERS)))
    assert policy.tiers == DEFAULT_TIERS


# --- properties -----------------------------------------------------------------------------------

_TIMES_LEFT = st.timedeltas(timedelta(hours=-2), timedelta(days=3))


def _decide(
    q: Quote, paid: Money, left: timedelta, policy: CancellationPolicy
) -> RefundDecision | None:
    """The decision for cancelling ``left`` before the show, or None when that is too late."""
    if left < policy.tiers[-1].before:
        with pytest.raises(NotCancellable) as info:
            refund_for(q, paid, STARTS, STARTS - left, policy)
        assert info.value.reason == "too_late"
        return None
    return refund_for(q, paid, STARTS, STARTS - left, policy)


@given(quotes(), cancellation_policies(), _TIMES_LEFT, st.booleans(), amounts(0, 10**7))
def test_refund_is_between_zero_and_paid(
    q: Quote, policy: CancellationPolicy, left: timedelta, pay_total: bool, other: Money
) -> None:
    """A refund is never negative, never above the amount paid, and its lines sum to it."""
    q = evolve(q, non_cancellable=False)
    paid = q.total if pay_total else other
    decision = _decide(q, paid, left, policy)
    if decision is None:
        return
    assert Money(0) <= decision.amount <= paid
    assert sum(line.amount.amount for line in decision.lines) == decision.amount.amount
    assert decision.amount <= full_refund(q, paid).amount


@given(quotes(), cancellation_policies(), _TIMES_LEFT, _TIMES_LEFT)
def test_refund_never_grows_as_the_show_nears(
    q: Quote, policy: CancellationPolicy, a: timedelta, b: timedelta
) -> None:
    """Cancelling later (less time left) never refunds more; once too late, always too late."""
    q = evolve(q, non_cancellable=False)
    earlier, later = (a, b) if a >= b else (b, a)
    early = _decide(q, q.total, earlier, policy)
    late = _decide(q, q.total, later, policy)
    if late is None:
        return
    assert early is not None
    assert late.amount <= early.amount


@given(quotes(), cancellation_policies(), _TIMES_LEFT)
def test_each_part_refunds_at_most_what_it_cost(
    q: Quote, policy: CancellationPolicy, left: timedelta
) -> None:
    """Per seat the ticket refund is at most its net price; GST refunds at most the GST paid."""
    q = evolve(q, non_cancellable=False)
    decision = _decide(q, q.total, left, policy)
    if decision is None:
        return
    assert decision.tier is not None
    for line in decision.lines:
        if line.kind == RefundKind.TICKET_REFUND:
            assert line.seat is not None
            ticket = q.ticket(line.seat)
            assert line.amount.amount == half_up(ticket.net.amount, decision.tier.ticket_rate)
            assert line.amount <= ticket.net
    gst_refunded = sum(
        line.amount.amount for line in decision.lines if line.kind == RefundKind.GST_TICKET_REFUND
    )
    assert gst_refunded <= sum(t.gst.amount for t in q.tickets)


@given(quotes(), st.data())
def test_cancelling_seats_separately_adds_up(q: Quote, data: st.DataObject) -> None:
    """Refunds of a split of the seats add up to the refund of all of them (before any cap)."""
    q = evolve(q, non_cancellable=False)
    policy = CancellationPolicy(refund_convenience_fee=True, refund_fee_gst=True)
    part = data.draw(st.sets(st.sampled_from(q.seats), min_size=1, max_size=len(q.seats)))
    rest = set(q.seats) - part
    now = STARTS - timedelta(hours=5)
    whole = refund_for(q, q.total, STARTS, now, policy).amount
    first = refund_for(q, q.total, STARTS, now, policy, seats=part).amount
    second = refund_for(q, q.total, STARTS, now, policy, seats=rest).amount if rest else Money(0)
    assert first + second == whole


@given(st.sampled_from(CLOCK_CHANGES), st.integers(-4 * 60, 60), st.integers(-30, 4 * 60))
def test_decision_depends_only_on_the_instants(
    change: tuple[ZoneInfo, datetime], now_minutes: int, left_minutes: int
) -> None:
    """Near a clock change, local times in the theater's zone decide exactly as UTC ones do."""
    zone, moment = change
    now = moment + timedelta(minutes=now_minutes)
    show = now + timedelta(minutes=left_minutes)
    q = worked_example_quote()

    def decide(show_at: datetime, at: datetime) -> RefundDecision | str:
        try:
            return refund_for(q, q.total, show_at, at, POLICY)
        except NotCancellable as error:
            return error.reason

    assert decide(show.astimezone(zone), now.astimezone(zone)) == decide(show, now)


@given(quotes(), cancellation_policies(), st.data(), st.booleans(), amounts(0, 10**7))
def test_refunds_of_one_booking_never_exceed_the_payment(
    q: Quote, policy: CancellationPolicy, data: st.DataObject, pay_total: bool, other: Money
) -> None:
    """Cancelling some seats, then the rest (or the show), never refunds more than was paid."""
    q = evolve(q, non_cancellable=False)
    paid = q.total if pay_total else other
    part = data.draw(st.sets(st.sampled_from(q.seats), min_size=1, max_size=len(q.seats)))
    rest = set(q.seats) - part
    now = STARTS - policy.tiers[0].before
    first = refund_for(q, paid, STARTS, now, policy, seats=part)
    refunded = first.amount
    if rest:
        second = refund_for(q, paid, STARTS, now, policy, seats=rest, already_refunded=refunded)
        assert sum(line.amount.amount for line in second.lines) == second.amount.amount
        refunded += second.amount
    assert Money(0) <= refunded <= paid
    last = full_refund(q, paid, seats=rest or None, already_refunded=refunded)
    assert refunded + last.amount == paid
    assert sum(line.amount.amount for line in last.lines) == last.amount.amount


@given(quotes(), amounts(0, 10**7))
def test_full_refund_is_exactly_what_was_paid(q: Quote, paid: Money) -> None:
    """A theater cancellation refunds exactly the amount paid, itemized, lines summing to it."""
    decision = full_refund(q, paid)
    assert decision.amount == paid
    assert sum(line.amount.amount for line in decision.lines) == paid.amount
    assert full_refund(q, q.total).amount == q.total
