"""What is specific to the test payment gateway: its cards, injected faults and ledger."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.adapters.memory.payments import (
    CARD_REFUNDS_FAIL,
    CARD_SUCCEEDS,
    CARD_TIMEOUT_CAPTURED,
    CARD_TIMEOUT_NOT_CAPTURED,
    CARD_UNAVAILABLE,
    REFUND_FAILED_CODE,
    ChargeFault,
    MemoryPaymentGateway,
    RefundFault,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import Money
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.payments import (
    ChargeOutcome,
    ChargeRequest,
    ChargeResult,
    DeclineCode,
    RefundOutcome,
    RefundRequest,
    RefundResult,
)

_keys = itertools.count()


def charge(method: str = CARD_SUCCEEDS, amount: int = 10000, booking: str = "b1") -> ChargeRequest:
    return ChargeRequest(
        idempotency_key=f"c{next(_keys)}",
        booking_id=booking,
        amount=Money(amount),
        payment_method=method,
    )


def refund(payment_id: str, amount: int) -> RefundRequest:
    return RefundRequest(
        idempotency_key=f"r{next(_keys)}", payment_id=payment_id, amount=Money(amount)
    )


async def pay(
    gateway: MemoryPaymentGateway,
    *,
    method: str = CARD_SUCCEEDS,
    amount: int = 10000,
    booking: str = "b1",
) -> ChargeResult:
    result = await gateway.charge(charge(method, amount, booking))
    assert result.payment_id is not None
    return result


@pytest.mark.asyncio
async def test_unrecognised_payment_method_is_declined() -> None:
    """A payment method that is not a test card is DECLINED as invalid_payment_method."""
    result = await MemoryPaymentGateway().charge(charge("tok_visa"))
    assert result.decline_code is DeclineCode.INVALID_PAYMENT_METHOD


@pytest.mark.asyncio
async def test_unavailable_card_changes_nothing() -> None:
    """The unavailable card raises BackendUnavailable and records no charge."""
    gateway = MemoryPaymentGateway()
    request = charge(CARD_UNAVAILABLE)
    with pytest.raises(BackendUnavailable) as info:
        await gateway.charge(request)
    assert info.value.backend == "payment_gateway"
    assert await gateway.charge_status(request.idempotency_key) is None
    assert gateway.ledger == ()


@pytest.mark.asyncio
async def test_timeouts_and_the_ledger() -> None:
    """A capture lost in transit is in the ledger; a charge that never arrived is not."""
    gateway = MemoryPaymentGateway()
    await gateway.charge(charge(CARD_TIMEOUT_CAPTURED, 700))
    await gateway.charge(charge(CARD_TIMEOUT_NOT_CAPTURED, 900))
    assert [e.amount for e in gateway.captures()] == [Money(700)]
    assert gateway.net_captured() == Money(700)


@pytest.mark.asyncio
async def test_concurrent_replays_leave_one_capture_in_the_ledger() -> None:
    """100 concurrent sends of one charge leave exactly one capture in the ledger."""
    gateway = MemoryPaymentGateway()
    request = charge(amount=5000)
    await asyncio.gather(*(gateway.charge(request) for _ in range(100)))
    assert len(gateway.captures()) == 1
    assert gateway.net_for_booking("b1") == Money(5000)


@pytest.mark.asyncio
async def test_refunds_of_the_refund_failing_card_fail() -> None:
    """Refunds of a CARD_REFUNDS_FAIL payment are FAILED, stored, and move no money."""
    gateway = MemoryPaymentGateway()
    paid = await pay(gateway, method=CARD_REFUNDS_FAIL, amount=4000)
    assert paid.payment_id is not None
    request = refund(paid.payment_id, 4000)
    failed = await gateway.refund(request)
    assert (failed.outcome, failed.failure_code) == (RefundOutcome.FAILED, REFUND_FAILED_CODE)
    assert await gateway.refund(request) == failed
    assert await gateway.refund_status(request.idempotency_key) == failed
    assert gateway.refunds() == ()
    assert gateway.net_captured() == Money(4000)


@pytest.mark.asyncio
async def test_injected_refund_fail_then_retry_with_new_key() -> None:
    """An injected FAIL affects one refund; a retry with a new key succeeds."""
    gateway = MemoryPaymentGateway()
    paid = await pay(gateway, amount=3000)
    assert paid.payment_id is not None
    gateway.inject_refund_faults(RefundFault.FAIL)
    assert (await gateway.refund(refund(paid.payment_id, 3000))).outcome is RefundOutcome.FAILED
    assert (await gateway.refund(refund(paid.payment_id, 3000))).outcome is RefundOutcome.SUCCEEDED
    assert gateway.net_for_booking("b1") == Money.zero()


@pytest.mark.asyncio
async def test_refund_timeout_applied_is_settled_by_status() -> None:
    """A refund applied but timed out is UNKNOWN; its status and a replay say SUCCEEDED."""
    gateway = MemoryPaymentGateway()
    paid = await pay(gateway, amount=3000)
    assert paid.payment_id is not None
    gateway.inject_refund_faults(RefundFault.TIMEOUT_APPLIED)
    request = refund(paid.payment_id, 1000)
    lost = await gateway.refund(request)
    assert (lost.outcome, lost.refund_id) == (RefundOutcome.UNKNOWN, None)
    status = await gateway.refund_status(request.idempotency_key)
    assert status is not None
    assert status.outcome is RefundOutcome.SUCCEEDED
    assert await gateway.refund(request) == status
    assert gateway.net_for_booking("b1") == Money(2000)


@pytest.mark.asyncio
async def test_refund_timeout_lost_is_retried_with_same_key() -> None:
    """A refund lost before the gateway is UNKNOWN with no status; the same key then works."""
    gateway = MemoryPaymentGateway()
    paid = await pay(gateway, amount=3000)
    assert paid.payment_id is not None
    gateway.inject_refund_faults(RefundFault.TIMEOUT_LOST, RefundFault.UNAVAILABLE)
    request = refund(paid.payment_id, 3000)
    assert (await gateway.refund(request)).outcome is RefundOutcome.UNKNOWN
    assert await gateway.refund_status(request.idempotency_key) is None
    with pytest.raises(BackendUnavailable):
        await gateway.refund(request)
    done = await gateway.refund(request)
    assert done.outcome is RefundOutcome.SUCCEEDED
    assert gateway.net_captured() == Money.zero()


@pytest.mark.asyncio
async def test_injected_charge_faults_apply_once_each_in_order() -> None:
    """Queued charge faults hit the next new charges in order, then cards behave normally."""
    gateway = MemoryPaymentGateway()
    gateway.inject_charge_faults(
        ChargeFault.UNAVAILABLE, ChargeFault.TIMEOUT_LOST, ChargeFault.TIMEOUT_CAPTURED
    )
    request = charge(amount=2500)
    with pytest.raises(BackendUnavailable):
        await gateway.charge(request)
    assert (await gateway.charge(request)).outcome is ChargeOutcome.UNKNOWN
    assert await gateway.charge_status(request.idempotency_key) is None
    assert (await gateway.charge(request)).outcome is ChargeOutcome.UNKNOWN
    status = await gateway.charge_status(request.idempotency_key)
    assert status is not None
    assert status.outcome is ChargeOutcome.SUCCEEDED
    assert (await gateway.charge(charge())).outcome is ChargeOutcome.SUCCEEDED
    assert len(gateway.captures()) == 2


@pytest.mark.asyncio
async def test_replays_do_not_consume_faults() -> None:
    """Replaying a processed charge leaves queued faults for the next new charge."""
    gateway = MemoryPaymentGateway()
    request = charge()
    first = await gateway.charge(request)
    gateway.inject_charge_faults(ChargeFault.TIMEOUT_LOST)
    assert await gateway.charge(request) == first
    assert (await gateway.charge(charge())).outcome is ChargeOutcome.UNKNOWN


@pytest.mark.asyncio
@given(
    bookings=st.lists(
        st.tuples(st.sampled_from(["b1", "b2"]), st.integers(1, 10_000), st.integers(0, 10_000)),
        max_size=10,
    )
)
async def test_net_is_captures_minus_refunds(bookings: list[tuple[str, int, int]]) -> None:
    """Per booking and overall, net equals what was captured minus what was refunded."""
    gateway = MemoryPaymentGateway()
    expected = {"b1": 0, "b2": 0}
    for booking, amount, refund_amount in bookings:
        paid = await pay(gateway, amount=amount, booking=booking)
        assert paid.payment_id is not None
        expected[booking] += amount
        if 0 < refund_amount <= amount:
            await gateway.refund(refund(paid.payment_id, refund_amount))
            expected[booking] -= refund_amount
    for booking, net in expected.items():
        assert gateway.net_for_booking(booking) == Money(net)
    assert gateway.net_captured() == Money(sum(expected.values()))


def test_fault_injection_checks_types() -> None:
    """Injecting something that is not a fault raises InvalidInput."""
    gateway = MemoryPaymentGateway()
    with pytest.raises(InvalidInput):
        gateway.inject_charge_faults(RefundFault.FAIL)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        gateway.inject_refund_faults(ChargeFault.TIMEOUT_LOST)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"booking_id": ""}, "booking_id"),
        ({"payment_method": ""}, "payment_method"),
        ({"amount": Money(0)}, "amount"),
        ({"amount": Money(-5)}, "amount"),
    ],
)
def test_malformed_charge_requests_are_refused(kwargs: dict[str, object], field: str) -> None:
    """ChargeRequest raises InvalidInput naming an empty field or a non-positive amount."""
    args: dict[str, object] = {
        "idempotency_key": "k",
        "booking_id": "b",
        "amount": Money(100),
        "payment_method": CARD_SUCCEEDS,
    }
    with pytest.raises(InvalidInput) as info:
        ChargeRequest(**(args | kwargs))  # type: ignore[arg-type]
    assert info.value.field == field


def test_results_must_be_consistent() -> None:
    """Results refuse impossible combinations (UNKNOWN with an id, DECLINED without a code)."""
    with pytest.raises(InvalidInput):
        ChargeResult(
            outcome=ChargeOutcome.UNKNOWN, idempotency_key="k", amount=Money(1), payment_id="p"
        )
    with pytest.raises(InvalidInput):
        ChargeResult(
            outcome=ChargeOutcome.DECLINED, idempotency_key="k", amount=Money(1), payment_id="p"
        )
    with pytest.raises(InvalidInput):
        RefundResult(
            outcome=RefundOutcome.SUCCEEDED,
            idempotency_key="k",
            payment_id="p",
            amount=Money(1),
            refund_id="r",
            failure_code="x",
        )
