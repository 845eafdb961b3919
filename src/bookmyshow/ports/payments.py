"""The payment gateway port: charges, refunds, and settling outcomes that were lost in transit.

Every call carries an idempotency key chosen by the caller.  The same key with the same request
has one effect however often it is sent; the same key with a different request raises
:class:`~bookmyshow.ports.errors.IdempotencyKeyReused`.  Charge and refund keys are separate
namespaces.

A charge ends :attr:`~ChargeOutcome.SUCCEEDED` (captured), :attr:`~ChargeOutcome.DECLINED`
(nothing captured; ``decline_code`` says why) or :attr:`~ChargeOutcome.UNKNOWN`: the request
timed out and the caller cannot tell whether money moved.  An unknown outcome is settled with
:meth:`PaymentGateway.charge_status` (``None`` means the gateway never received the charge), or by
sending the same request with the same key again, which returns the gateway's stored result if it
processed the first attempt and processes it now if it did not.  Refunds work the same way with
:class:`RefundOutcome`, and the gateway never lets the refunds of a payment add up to more than it
captured (:class:`RefundExceedsCapture`).
"""

from __future__ import annotations

import enum
from typing import ClassVar, Protocol

from attrs import define, frozen

from bookmyshow.domain.catalog import parse_enum
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import Money
from bookmyshow.ports.errors import PortError

__all__ = [
    "ChargeOutcome",
    "ChargeRequest",
    "ChargeResult",
    "DeclineCode",
    "PaymentGateway",
    "RefundExceedsCapture",
    "RefundOutcome",
    "RefundRequest",
    "RefundResult",
    "check_idempotency_key",
]


class ChargeOutcome(enum.StrEnum):
    """How a charge ended, as far as the caller can tell."""

    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    UNKNOWN = "unknown"


class RefundOutcome(enum.StrEnum):
    """How a refund ended, as far as the caller can tell."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


class DeclineCode(enum.StrEnum):
    """Why a charge was declined; adapters map their provider's codes onto these."""

    CARD_DECLINED = "card_declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    INVALID_PAYMENT_METHOD = "invalid_payment_method"


@define(auto_exc=True, kw_only=True)
class RefundExceedsCapture(PortError):
    """Refunding ``requested`` would exceed what is left of the capture (``refundable``).

    Amounts are in minor units of ``currency``.  Nothing was refunded.
    """

    code: ClassVar[str] = "refund_exceeds_capture"
    payment_id: str
    requested: int
    refundable: int
    currency: str


def check_idempotency_key(key: str, field: str = "idempotency_key") -> str:
    """Return ``key`` if it is 1-255 characters; raise ``InvalidInput(field=field)`` otherwise."""
    if not isinstance(key, str) or not 1 <= len(key) <= 255:
        raise InvalidInput(field=field, reason="must be 1 to 255 characters")
    return key


def _check_text(owner: object, *names: str) -> None:
    for name in names:
        value = getattr(owner, name)
        if not isinstance(value, str) or not value:
            raise InvalidInput(field=name, reason="must be a non-empty string")


def _check_positive(amount: object) -> None:
    if not isinstance(amount, Money) or amount.amount <= 0:
        raise InvalidInput(field="amount", reason="must be a positive Money amount")


def _check_optional_text(owner: object, *names: str) -> None:
    for name in names:
        if getattr(owner, name) is not None:
            _check_text(owner, name)


def _check_money(amount: object) -> None:
    if not isinstance(amount, Money):
        raise InvalidInput(field="amount", reason="must be Money")


@frozen(kw_only=True)
class ChargeRequest:
    """Charge ``amount`` to ``payment_method`` (a card token) for ``booking_id``.

    Raises :class:`~bookmyshow.domain.errors.InvalidInput` for an empty key, booking id or
    payment method, or a non-positive amount.
    """

    idempotency_key: str
    booking_id: str
    amount: Money
    payment_method: str
    description: str = ""

    def __attrs_post_init__(self) -> None:
        check_idempotency_key(self.idempotency_key)
        _check_text(self, "booking_id", "payment_method")
        _check_positive(self.amount)
        if not isinstance(self.description, str):
            raise InvalidInput(field="description", reason="must be a string")


@frozen(kw_only=True)
class ChargeResult:
    """The outcome of a charge.

    ``payment_id`` is the gateway's reference: set for SUCCEEDED and DECLINED, ``None`` for
    UNKNOWN (no answer came back).  ``decline_code`` is set exactly when DECLINED.  Raises
    ``InvalidInput`` for a combination that breaks these rules or a field of the wrong type
    (``outcome`` and ``decline_code`` may be given as their string values).
    """

    outcome: ChargeOutcome
    idempotency_key: str
    amount: Money
    payment_id: str | None = None
    decline_code: DeclineCode | None = None

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "outcome", parse_enum(ChargeOutcome, self.outcome, "outcome"))
        if self.decline_code is not None:
            code = parse_enum(DeclineCode, self.decline_code, "decline_code")
            object.__setattr__(self, "decline_code", code)
        check_idempotency_key(self.idempotency_key)
        _check_money(self.amount)
        _check_optional_text(self, "payment_id")
        known = self.outcome is not ChargeOutcome.UNKNOWN
        if (self.payment_id is not None) != known:
            raise InvalidInput(field="payment_id", reason="set exactly when the outcome is known")
        if (self.decline_code is not None) != (self.outcome is ChargeOutcome.DECLINED):
            raise InvalidInput(field="decline_code", reason="set exactly when declined")

    @property
    def captured(self) -> bool:
        """Whether money was taken (the outcome is SUCCEEDED)."""
        return self.outcome is ChargeOutcome.SUCCEEDED


@frozen(kw_only=True)
class RefundRequest:
    """Refund ``amount`` of payment ``payment_id``.

    Raises :class:`~bookmyshow.domain.errors.InvalidInput` for an empty key or payment id, or
    a non-positive amount.
    """

    idempotency_key: str
    payment_id: str
    amount: Money
    reason: str = ""

    def __attrs_post_init__(self) -> None:
        check_idempotency_key(self.idempotency_key)
        _check_text(self, "payment_id")
        _check_positive(self.amount)
        if not isinstance(self.reason, str):
            raise InvalidInput(field="reason", reason="must be a string")


@frozen(kw_only=True)
class RefundResult:
    """The outcome of a refund.

    ``refund_id`` is set when SUCCEEDED or FAILED and ``None`` when UNKNOWN; ``failure_code``
    is set exactly when FAILED.  Raises ``InvalidInput`` for a combination that breaks these or
    a field of the wrong type (``outcome`` may be given as its string value).
    """

    outcome: RefundOutcome
    idempotency_key: str
    payment_id: str
    amount: Money
    refund_id: str | None = None
    failure_code: str | None = None

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "outcome", parse_enum(RefundOutcome, self.outcome, "outcome"))
        check_idempotency_key(self.idempotency_key)
        _check_text(self, "payment_id")
        _check_money(self.amount)
        _check_optional_text(self, "refund_id", "failure_code")
        known = self.outcome is not RefundOutcome.UNKNOWN
        if (self.refund_id is not None) != known:
            raise InvalidInput(field="refund_id", reason="set exactly when the outcome is known")
        if (self.failure_code is not None) != (self.outcome is RefundOutcome.FAILED):
            raise InvalidInput(field="failure_code", reason="set exactly when failed")


class PaymentGateway(Protocol):
    """Takes and returns money, idempotently.

    Errors on every method: :class:`~bookmyshow.ports.errors.BackendUnavailable` when the
    gateway could not be reached *and nothing was sent* (safe to retry; a request that may have
    arrived gives an UNKNOWN outcome instead), ``InvalidInput`` for a malformed key.
    """

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        """Capture ``request.amount`` unless this key was processed already.

        A replay returns the stored result (so a replay of a charge that timed out after
        capture returns SUCCEEDED).  Raises ``IdempotencyKeyReused`` if the key was processed
        for a different request.
        """
        ...

    async def charge_status(self, idempotency_key: str) -> ChargeResult | None:
        """The gateway's true result for the charge sent with ``idempotency_key`` (never
        UNKNOWN), or ``None`` if no charge with that key was received."""
        ...

    async def refund(self, request: RefundRequest) -> RefundResult:
        """Refund ``request.amount`` of the payment unless this key was processed already.

        A replay returns the stored result (a FAILED refund stays failed: retry with a new
        key).  Raises ``IdempotencyKeyReused`` for the same key with another request,
        :class:`~bookmyshow.ports.errors.NotFound` (``kind="payment"``) for an unknown payment,
        :class:`RefundExceedsCapture` when the payment's refunds would exceed its capture (a
        declined payment captured nothing), and ``InvalidInput`` (``field="amount"``) for a
        currency other than the payment's.
        """
        ...

    async def refund_status(self, idempotency_key: str) -> RefundResult | None:
        """The gateway's true result for the refund sent with ``idempotency_key`` (never
        UNKNOWN), or ``None`` if no refund with that key was received."""
        ...
