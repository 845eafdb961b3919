"""Contract suite for :class:`bookmyshow.ports.payments.PaymentGateway` adapters.

Subclass :class:`PaymentGatewayContract` and override two fixtures: ``gateway`` (a fresh gateway
in test mode) and ``scenarios`` (:class:`PaymentScenarios`: the payment methods that make the
gateway succeed, decline, or time out with and without capturing).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from attrs import evolve, frozen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import Money
from bookmyshow.ports.errors import IdempotencyKeyReused, NotFound
from bookmyshow.ports.payments import (
    ChargeOutcome,
    ChargeRequest,
    ChargeResult,
    DeclineCode,
    PaymentGateway,
    RefundExceedsCapture,
    RefundOutcome,
    RefundRequest,
)

__all__ = ["PaymentGatewayContract", "PaymentScenarios"]

_contract = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
)
_serial = itertools.count()


@frozen(kw_only=True)
class PaymentScenarios:
    """Payment methods (test card tokens) that drive an adapter's test mode to each outcome."""

    succeeds: str
    declined: str
    """Declined with ``DeclineCode.CARD_DECLINED``."""
    insufficient_funds: str
    """Declined with ``DeclineCode.INSUFFICIENT_FUNDS``."""
    timeout_captured: str
    """UNKNOWN to the caller, but captured: the status says SUCCEEDED."""
    timeout_not_captured: str
    """UNKNOWN to the caller and never received: the status is ``None``."""


def _charge(
    method: str, amount: int = 50000, key: str = "", booking: str = "bkg1"
) -> ChargeRequest:
    return ChargeRequest(
        idempotency_key=key or f"ch-{next(_serial)}",
        booking_id=booking,
        amount=Money(amount),
        payment_method=method,
        description="2 tickets",
    )


def _refund(payment_id: str, amount: int, key: str = "") -> RefundRequest:
    return RefundRequest(
        idempotency_key=key or f"rf-{next(_serial)}",
        payment_id=payment_id,
        amount=Money(amount),
        reason="cancelled",
    )


async def _paid(gateway: PaymentGateway, method: str, amount: int = 50000) -> str:
    result = await gateway.charge(_charge(method, amount))
    assert result.outcome is ChargeOutcome.SUCCEEDED
    assert result.payment_id is not None
    return result.payment_id


class PaymentGatewayContract:
    """What every payment gateway promises: idempotent charges and refunds, capped refunds,
    and a true status for outcomes lost in transit."""

    @pytest.fixture
    def gateway(self) -> PaymentGateway:
        """The gateway under test, in test mode (override in a subclass)."""
        raise NotImplementedError

    @pytest.fixture
    def scenarios(self) -> PaymentScenarios:
        """The adapter's test payment methods (override in a subclass)."""
        raise NotImplementedError

    # --- charges ------------------------------------------------------------------------------

    @pytest.mark.asyncio
    async def test_successful_charge(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """A good card is captured: SUCCEEDED with a payment id; the status agrees."""
        request = _charge(scenarios.succeeds)
        result = await gateway.charge(request)
        assert result.outcome is ChargeOutcome.SUCCEEDED
        assert result.captured
        assert result.payment_id
        assert (result.amount, result.idempotency_key) == (request.amount, request.idempotency_key)
        assert await gateway.charge_status(request.idempotency_key) == result

    @pytest.mark.asyncio
    async def test_declines_carry_a_code(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """Declined cards give DECLINED with the normalised decline code; nothing is captured."""
        for method, code in (
            (scenarios.declined, DeclineCode.CARD_DECLINED),
            (scenarios.insufficient_funds, DeclineCode.INSUFFICIENT_FUNDS),
        ):
            request = _charge(method)
            result = await gateway.charge(request)
            assert (result.outcome, result.decline_code) == (ChargeOutcome.DECLINED, code)
            assert not result.captured
            assert await gateway.charge_status(request.idempotency_key) == result

    @pytest.mark.asyncio
    async def test_replayed_charge_captures_once(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """The same request twice returns the same result and captures once."""
        request = _charge(scenarios.succeeds, 30000)
        first = await gateway.charge(request)
        assert await gateway.charge(request) == first
        assert first.payment_id is not None
        refunded = await gateway.refund(_refund(first.payment_id, 30000))
        assert refunded.outcome is RefundOutcome.SUCCEEDED
        with pytest.raises(RefundExceedsCapture):
            await gateway.refund(_refund(first.payment_id, 1))

    @pytest.mark.asyncio
    async def test_replayed_decline_stays_declined(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """Replaying a declined charge returns the same decline."""
        request = _charge(scenarios.declined)
        assert await gateway.charge(request) == await gateway.charge(request)

    @pytest.mark.asyncio
    @pytest.mark.parametrize("change", ["amount", "booking_id", "payment_method", "description"])
    async def test_charge_key_reuse_is_refused(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios, change: str
    ) -> None:
        """The same key with any field changed raises IdempotencyKeyReused and charges nothing."""
        original = _charge(scenarios.succeeds, 10000)
        first = await gateway.charge(original)
        alterations: dict[str, Any] = {
            "amount": Money(10001),
            "booking_id": "bkg-other",
            "payment_method": scenarios.declined,
            "description": "something else",
        }
        other = evolve(original, **{change: alterations[change]})
        with pytest.raises(IdempotencyKeyReused) as info:
            await gateway.charge(other)
        assert (info.value.code, info.value.key) == (
            "idempotency_key_reused",
            original.idempotency_key,
        )
        assert await gateway.charge_status(original.idempotency_key) == first

    @pytest.mark.asyncio
    async def test_concurrent_replays_capture_once(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """50 concurrent sends of one charge all get the same payment id."""
        request = _charge(scenarios.succeeds, 20000)
        results = await asyncio.gather(*(gateway.charge(request) for _ in range(50)))
        assert len({r.payment_id for r in results}) == 1
        assert all(r.outcome is ChargeOutcome.SUCCEEDED for r in results)

    @pytest.mark.asyncio
    async def test_concurrent_distinct_charges_are_distinct(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """50 concurrent charges with different keys get 50 different payment ids."""
        results = await asyncio.gather(
            *(gateway.charge(_charge(scenarios.succeeds, 100 + i)) for i in range(50))
        )
        assert len({r.payment_id for r in results}) == 50

    @pytest.mark.asyncio
    async def test_timeout_after_capture_is_settled_as_succeeded(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """A timed-out captured charge is UNKNOWN; status and replay then say SUCCEEDED."""
        request = _charge(scenarios.timeout_captured, 45000)
        lost = await gateway.charge(request)
        assert lost == ChargeResult(
            outcome=ChargeOutcome.UNKNOWN,
            idempotency_key=request.idempotency_key,
            amount=request.amount,
        )
        status = await gateway.charge_status(request.idempotency_key)
        assert status is not None
        assert status.outcome is ChargeOutcome.SUCCEEDED
        assert await gateway.charge(request) == status
        assert status.payment_id is not None
        refund = await gateway.refund(_refund(status.payment_id, 45000))
        assert refund.outcome is RefundOutcome.SUCCEEDED

    @pytest.mark.asyncio
    async def test_timeout_before_capture_is_settled_as_never_received(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """A charge lost before the gateway is UNKNOWN and its status is None."""
        request = _charge(scenarios.timeout_not_captured)
        lost = await gateway.charge(request)
        assert lost.outcome is ChargeOutcome.UNKNOWN
        assert lost.payment_id is None
        assert await gateway.charge_status(request.idempotency_key) is None

    @pytest.mark.asyncio
    async def test_status_of_unknown_key_is_none(self, gateway: PaymentGateway) -> None:
        """charge_status and refund_status of a key never sent are None."""
        assert await gateway.charge_status("never-sent") is None
        assert await gateway.refund_status("never-sent") is None

    @pytest.mark.asyncio
    async def test_status_with_malformed_key_is_refused(self, gateway: PaymentGateway) -> None:
        """An empty or over-long key raises InvalidInput(field="idempotency_key")."""
        for key in ("", "k" * 256):
            for call in (gateway.charge_status(key), gateway.refund_status(key)):
                with pytest.raises(InvalidInput) as info:
                    await call
                assert info.value.field == "idempotency_key"

    # --- refunds ------------------------------------------------------------------------------

    @pytest.mark.asyncio
    async def test_partial_refunds_up_to_the_capture(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """Partial refunds succeed until the capture is used up; one paisa more is refused."""
        payment_id = await _paid(gateway, scenarios.succeeds, 50000)
        first = await gateway.refund(_refund(payment_id, 20000))
        second = await gateway.refund(_refund(payment_id, 30000))
        assert {first.outcome, second.outcome} == {RefundOutcome.SUCCEEDED}
        assert first.refund_id
        assert second.refund_id
        assert first.refund_id != second.refund_id
        with pytest.raises(RefundExceedsCapture) as info:
            await gateway.refund(_refund(payment_id, 1))
        error = info.value
        assert (
            error.code,
            error.payment_id,
            error.requested,
            error.refundable,
            error.currency,
        ) == (
            "refund_exceeds_capture",
            payment_id,
            1,
            0,
            "INR",
        )

    @pytest.mark.asyncio
    async def test_refund_over_capture_is_refused_whole(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """A refund larger than the capture is refused and refunds nothing."""
        payment_id = await _paid(gateway, scenarios.succeeds, 10000)
        request = _refund(payment_id, 10001)
        with pytest.raises(RefundExceedsCapture) as info:
            await gateway.refund(request)
        assert (info.value.requested, info.value.refundable) == (10001, 10000)
        assert await gateway.refund_status(request.idempotency_key) is None
        full = await gateway.refund(_refund(payment_id, 10000))
        assert full.outcome is RefundOutcome.SUCCEEDED

    @pytest.mark.asyncio
    async def test_replayed_refund_refunds_once(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """The same refund twice returns the same result and refunds once."""
        payment_id = await _paid(gateway, scenarios.succeeds, 50000)
        request = _refund(payment_id, 20000)
        first = await gateway.refund(request)
        assert await gateway.refund(request) == first
        assert await gateway.refund_status(request.idempotency_key) == first
        rest = await gateway.refund(_refund(payment_id, 30000))
        assert rest.outcome is RefundOutcome.SUCCEEDED

    @pytest.mark.asyncio
    @pytest.mark.parametrize("change", ["amount", "payment_id", "reason"])
    async def test_refund_key_reuse_is_refused(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios, change: str
    ) -> None:
        """The same refund key with any field changed raises IdempotencyKeyReused and refunds
        nothing more."""
        payment_id = await _paid(gateway, scenarios.succeeds, 50000)
        other_payment = await _paid(gateway, scenarios.succeeds, 50000)
        original = _refund(payment_id, 100)
        first = await gateway.refund(original)
        alterations: dict[str, Any] = {
            "amount": Money(200),
            "payment_id": other_payment,
            "reason": "something else",
        }
        with pytest.raises(IdempotencyKeyReused) as info:
            await gateway.refund(evolve(original, **{change: alterations[change]}))
        assert info.value.key == original.idempotency_key
        assert await gateway.refund_status(original.idempotency_key) == first
        for paid in (payment_id, other_payment):
            with pytest.raises(RefundExceedsCapture) as exceeded:
                await gateway.refund(_refund(paid, 50001))
            assert exceeded.value.refundable == (49900 if paid == payment_id else 50000)

    @pytest.mark.asyncio
    async def test_replayed_refund_of_the_whole_capture_replays(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """Replaying a refund that used up the capture returns its result, not an error."""
        payment_id = await _paid(gateway, scenarios.succeeds, 10000)
        request = _refund(payment_id, 10000)
        first = await gateway.refund(request)
        assert first.outcome is RefundOutcome.SUCCEEDED
        assert await gateway.refund(request) == first

    @pytest.mark.asyncio
    async def test_concurrent_replays_refund_once(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """50 concurrent sends of one refund all get the same refund, and it counts once."""
        payment_id = await _paid(gateway, scenarios.succeeds, 10000)
        request = _refund(payment_id, 1000)
        results = await asyncio.gather(*(gateway.refund(request) for _ in range(50)))
        assert len(set(results)) == 1
        assert results[0].outcome is RefundOutcome.SUCCEEDED
        with pytest.raises(RefundExceedsCapture) as info:
            await gateway.refund(_refund(payment_id, 10000))
        assert info.value.refundable == 9000

    @pytest.mark.asyncio
    async def test_refund_of_unknown_payment(self, gateway: PaymentGateway) -> None:
        """Refunding a payment id the gateway never issued raises NotFound(kind="payment")."""
        with pytest.raises(NotFound) as info:
            await gateway.refund(_refund("pay-does-not-exist", 100))
        assert (info.value.kind, info.value.key) == ("payment", "pay-does-not-exist")

    @pytest.mark.asyncio
    async def test_refund_of_declined_payment(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """A declined payment captured nothing, so any refund of it exceeds the capture."""
        declined = await gateway.charge(_charge(scenarios.declined))
        assert declined.payment_id is not None
        with pytest.raises(RefundExceedsCapture) as info:
            await gateway.refund(_refund(declined.payment_id, 1))
        assert info.value.refundable == 0

    @pytest.mark.asyncio
    async def test_refund_in_another_currency_is_refused(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """A refund in a currency other than the payment's raises InvalidInput(field="amount")."""
        payment_id = await _paid(gateway, scenarios.succeeds)
        request = RefundRequest(
            idempotency_key="rf-usd", payment_id=payment_id, amount=Money(1, "USD")
        )
        with pytest.raises(InvalidInput) as info:
            await gateway.refund(request)
        assert info.value.field == "amount"

    @pytest.mark.asyncio
    async def test_concurrent_refunds_never_exceed_the_capture(
        self, gateway: PaymentGateway, scenarios: PaymentScenarios
    ) -> None:
        """20 concurrent refunds of 100 against a capture of 1000: 10 succeed, 10 are refused."""
        payment_id = await _paid(gateway, scenarios.succeeds, 1000)
        results = await asyncio.gather(
            *(gateway.refund(_refund(payment_id, 100)) for _ in range(20)), return_exceptions=True
        )
        succeeded = [r for r in results if not isinstance(r, BaseException)]
        assert len(succeeded) == 10
        assert all(r.outcome is RefundOutcome.SUCCEEDED for r in succeeded)
        assert sum(isinstance(r, RefundExceedsCapture) for r in results) == 10

    @pytest.mark.asyncio
    @_contract
    @given(
        capture=st.integers(1, 100_000),
        amounts=st.lists(st.integers(1, 60_000), min_size=1, max_size=8),
    )
    async def test_refunds_never_exceed_the_capture(
        self,
        gateway: PaymentGateway,
        scenarios: PaymentScenarios,
        capture: int,
        amounts: list[int],
    ) -> None:
        """For any refund amounts, a refund succeeds exactly when it fits in what is left."""
        payment_id = await _paid(gateway, scenarios.succeeds, capture)
        left = capture
        for amount in amounts:
            if amount <= left:
                result = await gateway.refund(_refund(payment_id, amount))
                assert result.outcome is RefundOutcome.SUCCEEDED
                left -= amount
            else:
                with pytest.raises(RefundExceedsCapture) as info:
                    await gateway.refund(_refund(payment_id, amount))
                assert info.value.refundable == left
