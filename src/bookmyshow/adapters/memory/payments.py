"""The test payment gateway: an in-memory :class:`~bookmyshow.ports.payments.PaymentGateway`.

It behaves like a provider's sandbox.  The outcome of a charge is chosen by the card number used
as ``payment_method``; any other payment method is declined with
``DeclineCode.INVALID_PAYMENT_METHOD`` (like a sandbox refusing real cards), so a typo in a test
cannot pass as a success.

- :data:`CARD_SUCCEEDS` ``4111111111111111``: SUCCEEDED;
- :data:`CARD_DECLINED` ``4000000000000002``: DECLINED, ``card_declined``;
- :data:`CARD_INSUFFICIENT_FUNDS` ``4000000000009995``: DECLINED, ``insufficient_funds``;
- :data:`CARD_TIMEOUT_CAPTURED` ``4000000000000119``: UNKNOWN, but the money was captured:
  ``charge_status`` and a replay say SUCCEEDED;
- :data:`CARD_TIMEOUT_NOT_CAPTURED` ``4000000000000127``: UNKNOWN, never received:
  ``charge_status`` is ``None`` and a replay times out again;
- :data:`CARD_REFUNDS_FAIL` ``4000000000005126``: SUCCEEDED, and every refund of it FAILED;
- :data:`CARD_UNAVAILABLE` ``4000000000000036``: ``BackendUnavailable``, nothing happens.

For one-off trouble on any card, :meth:`MemoryPaymentGateway.inject_charge_faults` and
:meth:`~MemoryPaymentGateway.inject_refund_faults` queue :class:`ChargeFault` /
:class:`RefundFault` values consumed by the next newly processed charges / refunds (replays do
not consume them).

The :attr:`~MemoryPaymentGateway.ledger` records every capture and refund that really happened
(including those whose answer was "lost"), so tests can assert that money reconciles:
:meth:`~MemoryPaymentGateway.net_for_booking`, :meth:`~MemoryPaymentGateway.net_captured`.

Each call yields to the event loop once (standing in for the network round trip) and then does
its whole check-and-record under one :class:`threading.Lock` without awaiting, so many
concurrent tasks get one effect per key — also when one gateway serves several event loops on
several threads (a sync test client runs the app on its own loop; an ``asyncio.Lock`` is bound
to one loop).
"""

from __future__ import annotations

import asyncio
import enum
import itertools
import threading
from collections import deque
from collections.abc import Sequence
from typing import Final, Literal

from attrs import frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import Money
from bookmyshow.ports.errors import BackendUnavailable, IdempotencyKeyReused, NotFound
from bookmyshow.ports.payments import (
    ChargeOutcome,
    ChargeRequest,
    ChargeResult,
    DeclineCode,
    RefundExceedsCapture,
    RefundOutcome,
    RefundRequest,
    RefundResult,
    check_idempotency_key,
)

__all__ = [
    "CARD_DECLINED",
    "CARD_INSUFFICIENT_FUNDS",
    "CARD_REFUNDS_FAIL",
    "CARD_SUCCEEDS",
    "CARD_TIMEOUT_CAPTURED",
    "CARD_TIMEOUT_NOT_CAPTURED",
    "CARD_UNAVAILABLE",
    "REFUND_FAILED_CODE",
    "ChargeFault",
    "MemoryPaymentGateway",
    "LedgerEntry",
    "RefundFault",
]

CARD_SUCCEEDS: Final = "4111111111111111"
"""Charges succeed."""
CARD_DECLINED: Final = "4000000000000002"
"""Charges are declined with ``card_declined``."""
CARD_INSUFFICIENT_FUNDS: Final = "4000000000009995"
"""Charges are declined with ``insufficient_funds``."""
CARD_TIMEOUT_CAPTURED: Final = "4000000000000119"
"""Charges time out (UNKNOWN) after the money was captured."""
CARD_TIMEOUT_NOT_CAPTURED: Final = "4000000000000127"
"""Charges time out (UNKNOWN) before reaching the gateway: nothing is captured or recorded."""
CARD_REFUNDS_FAIL: Final = "4000000000005126"
"""Charges succeed; refunds of them fail with :data:`REFUND_FAILED_CODE`."""
CARD_UNAVAILABLE: Final = "4000000000000036"
"""The gateway cannot be reached: ``charge`` raises ``BackendUnavailable``."""

REFUND_FAILED_CODE: Final = "refund_failed"
"""The ``failure_code`` of a refund that failed."""

_BACKEND: Final = "payment_gateway"


class ChargeFault(enum.Enum):
    """Trouble for the next newly processed charge, whatever its card."""

    TIMEOUT_CAPTURED = "timeout_captured"
    """Processed as the card says, but the caller gets UNKNOWN."""
    TIMEOUT_LOST = "timeout_lost"
    """Never reaches the gateway: UNKNOWN, nothing recorded."""
    UNAVAILABLE = "unavailable"
    """Connection refused: ``BackendUnavailable``, nothing recorded."""


class RefundFault(enum.Enum):
    """Trouble for the next newly processed refund."""

    FAIL = "fail"
    """The refund is refused (FAILED, stored: a retry needs a new key)."""
    TIMEOUT_APPLIED = "timeout_applied"
    """The refund happens, but the caller gets UNKNOWN."""
    TIMEOUT_LOST = "timeout_lost"
    """Never reaches the gateway: UNKNOWN, nothing recorded."""
    UNAVAILABLE = "unavailable"
    """Connection refused: ``BackendUnavailable``, nothing recorded."""


@frozen(kw_only=True)
class LedgerEntry:
    """Money that really moved: a ``"capture"`` (positive) or a ``"refund"`` of a payment."""

    kind: Literal["capture", "refund"]
    payment_id: str
    booking_id: str
    amount: Money
    reference: str
    """The payment id for a capture, the refund id for a refund."""
    idempotency_key: str


@frozen(kw_only=True)
class _Payment:
    payment_id: str
    booking_id: str
    payment_method: str
    captured: Money


_DECLINES: Final = {
    CARD_DECLINED: DeclineCode.CARD_DECLINED,
    CARD_INSUFFICIENT_FUNDS: DeclineCode.INSUFFICIENT_FUNDS,
}
_SUCCEEDING: Final = frozenset(
    {CARD_SUCCEEDS, CARD_TIMEOUT_CAPTURED, CARD_TIMEOUT_NOT_CAPTURED, CARD_REFUNDS_FAIL}
)


class MemoryPaymentGateway:
    """The test payment gateway (see the module documentation for its cards and faults)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._charges: dict[str, tuple[ChargeRequest, ChargeResult]] = {}
        self._refunds: dict[str, tuple[RefundRequest, RefundResult]] = {}
        self._payments: dict[str, _Payment] = {}
        self._ledger: list[LedgerEntry] = []
        self._charge_faults: deque[ChargeFault] = deque()
        self._refund_faults: deque[RefundFault] = deque()
        self._payment_numbers = itertools.count(1)
        self._refund_numbers = itertools.count(1)

    # --- test controls and assertions ---------------------------------------------------------

    def inject_charge_faults(self, *faults: ChargeFault) -> None:
        """Queue ``faults`` for the next newly processed charges, one each, in order."""
        for fault in faults:
            if not isinstance(fault, ChargeFault):
                raise InvalidInput(field="faults", reason="must be ChargeFault values")
        with self._lock:
            self._charge_faults.extend(faults)

    def inject_refund_faults(self, *faults: RefundFault) -> None:
        """Queue ``faults`` for the next newly processed refunds, one each, in order."""
        for fault in faults:
            if not isinstance(fault, RefundFault):
                raise InvalidInput(field="faults", reason="must be RefundFault values")
        with self._lock:
            self._refund_faults.extend(faults)

    @property
    def ledger(self) -> Sequence[LedgerEntry]:
        """Every capture and refund that happened, in order (a copy)."""
        with self._lock:
            return tuple(self._ledger)

    def captures(self) -> Sequence[LedgerEntry]:
        """The ledger's captures, in order."""
        return tuple(e for e in self.ledger if e.kind == "capture")

    def refunds(self) -> Sequence[LedgerEntry]:
        """The ledger's refunds, in order."""
        return tuple(e for e in self.ledger if e.kind == "refund")

    def _net(self, entries: Sequence[LedgerEntry], currency: str) -> Money:
        net = Money.zero(currency)
        for entry in entries:
            if entry.amount.currency == currency:
                net = net + entry.amount if entry.kind == "capture" else net - entry.amount
        return net

    def net_for_booking(self, booking_id: str, currency: str = "INR") -> Money:
        """Captured minus refunded for ``booking_id`` (in ``currency``); InvalidInput for an
        empty booking id or a bad currency."""
        if not isinstance(booking_id, str) or not booking_id:
            raise InvalidInput(field="booking_id", reason="must be a non-empty string")
        return self._net([e for e in self.ledger if e.booking_id == booking_id], currency)

    def net_captured(self, currency: str = "INR") -> Money:
        """Captured minus refunded over everything (in ``currency``)."""
        return self._net(self.ledger, currency)

    # --- the port -----------------------------------------------------------------------------

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        """Process ``request`` as its card (or a queued fault) says; see the port and module."""
        if not isinstance(request, ChargeRequest):
            raise InvalidInput(field="request", reason="must be a ChargeRequest")
        key = request.idempotency_key
        await asyncio.sleep(0)  # the round trip; what follows happens at the gateway, atomically
        with self._lock:
            stored = self._charges.get(key)
            if stored is not None:
                if stored[0] != request:
                    raise IdempotencyKeyReused(key=key)
                return stored[1]
            fault = self._charge_faults.popleft() if self._charge_faults else None
            if fault is ChargeFault.UNAVAILABLE or request.payment_method == CARD_UNAVAILABLE:
                raise BackendUnavailable(backend=_BACKEND, reason="connection refused")
            unknown = ChargeResult(
                outcome=ChargeOutcome.UNKNOWN, idempotency_key=key, amount=request.amount
            )
            if fault is ChargeFault.TIMEOUT_LOST or (
                fault is None and request.payment_method == CARD_TIMEOUT_NOT_CAPTURED
            ):
                return unknown
            result = self._process_charge(request)
            if fault is ChargeFault.TIMEOUT_CAPTURED or (
                fault is None and request.payment_method == CARD_TIMEOUT_CAPTURED
            ):
                return unknown
            return result

    def _process_charge(self, request: ChargeRequest) -> ChargeResult:
        payment_id = f"pay_{next(self._payment_numbers):06d}"
        method = request.payment_method
        if method in _SUCCEEDING:
            result = ChargeResult(
                outcome=ChargeOutcome.SUCCEEDED,
                idempotency_key=request.idempotency_key,
                amount=request.amount,
                payment_id=payment_id,
            )
            captured = request.amount
            self._ledger.append(
                LedgerEntry(
                    kind="capture",
                    payment_id=payment_id,
                    booking_id=request.booking_id,
                    amount=request.amount,
                    reference=payment_id,
                    idempotency_key=request.idempotency_key,
                )
            )
        else:
            result = ChargeResult(
                outcome=ChargeOutcome.DECLINED,
                idempotency_key=request.idempotency_key,
                amount=request.amount,
                payment_id=payment_id,
                decline_code=_DECLINES.get(method, DeclineCode.INVALID_PAYMENT_METHOD),
            )
            captured = Money.zero(request.amount.currency)
        self._payments[payment_id] = _Payment(
            payment_id=payment_id,
            booking_id=request.booking_id,
            payment_method=method,
            captured=captured,
        )
        self._charges[request.idempotency_key] = (request, result)
        return result

    async def charge_status(self, idempotency_key: str) -> ChargeResult | None:
        """The stored result for the key, or ``None`` if no charge with it was received."""
        check_idempotency_key(idempotency_key)
        await asyncio.sleep(0)
        with self._lock:
            stored = self._charges.get(idempotency_key)
            return None if stored is None else stored[1]

    def _refunded(self, payment_id: str, currency: str) -> Money:
        total = Money.zero(currency)
        for entry in self._ledger:
            if entry.kind == "refund" and entry.payment_id == payment_id:
                total = total + entry.amount
        return total

    async def refund(self, request: RefundRequest) -> RefundResult:
        """Refund as the payment's card (or a queued fault) says; see the port and module."""
        if not isinstance(request, RefundRequest):
            raise InvalidInput(field="request", reason="must be a RefundRequest")
        key = request.idempotency_key
        await asyncio.sleep(0)  # the round trip; what follows happens at the gateway, atomically
        with self._lock:
            stored = self._refunds.get(key)
            if stored is not None:
                if stored[0] != request:
                    raise IdempotencyKeyReused(key=key)
                return stored[1]
            payment = self._payments.get(request.payment_id)
            if payment is None:
                raise NotFound(kind="payment", key=request.payment_id)
            currency = payment.captured.currency
            if request.amount.currency != currency:
                raise InvalidInput(field="amount", reason=f"the payment is in {currency}")
            refundable = payment.captured - self._refunded(payment.payment_id, currency)
            if request.amount > refundable:
                raise RefundExceedsCapture(
                    payment_id=payment.payment_id,
                    requested=request.amount.amount,
                    refundable=refundable.amount,
                    currency=currency,
                )
            fault = self._refund_faults.popleft() if self._refund_faults else None
            if fault is RefundFault.UNAVAILABLE:
                raise BackendUnavailable(backend=_BACKEND, reason="connection refused")
            unknown = RefundResult(
                outcome=RefundOutcome.UNKNOWN,
                idempotency_key=key,
                payment_id=payment.payment_id,
                amount=request.amount,
            )
            if fault is RefundFault.TIMEOUT_LOST:
                return unknown
            fails = fault is RefundFault.FAIL or payment.payment_method == CARD_REFUNDS_FAIL
            result = self._process_refund(request, payment, fails=fails)
            return unknown if fault is RefundFault.TIMEOUT_APPLIED else result

    def _process_refund(
        self, request: RefundRequest, payment: _Payment, *, fails: bool
    ) -> RefundResult:
        refund_id = f"re_{next(self._refund_numbers):06d}"
        result = RefundResult(
            outcome=RefundOutcome.FAILED if fails else RefundOutcome.SUCCEEDED,
            idempotency_key=request.idempotency_key,
            payment_id=payment.payment_id,
            amount=request.amount,
            refund_id=refund_id,
            failure_code=REFUND_FAILED_CODE if fails else None,
        )
        if not fails:
            self._ledger.append(
                LedgerEntry(
                    kind="refund",
                    payment_id=payment.payment_id,
                    booking_id=payment.booking_id,
                    amount=request.amount,
                    reference=refund_id,
                    idempotency_key=request.idempotency_key,
                )
            )
        self._refunds[request.idempotency_key] = (request, result)
        return result

    async def refund_status(self, idempotency_key: str) -> RefundResult | None:
        """The stored result for the key, or ``None`` if no refund with it was received."""
        check_idempotency_key(idempotency_key)
        await asyncio.sleep(0)
        with self._lock:
            stored = self._refunds.get(idempotency_key)
            return None if stored is None else stored[1]
