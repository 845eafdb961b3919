"""Wire shapes of seat holds and of the price quote of a hold."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from fractions import Fraction

from attrs import evolve, frozen

from bookmyshow.app.schemas.common import MoneyRead
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.holds import Hold
from bookmyshow.domain.pricing import Quote, QuoteLine, TicketBreakdown, format_rate
from bookmyshow.services.seats import BestAvailableHold

__all__ = [
    "BestAvailableCreate",
    "HoldCreate",
    "HoldRead",
    "LineRead",
    "PlacementRead",
    "QuoteRead",
    "TicketPriceRead",
]


@frozen(kw_only=True)
class BestAvailableCreate:
    """Let the server pick ``count`` seats: the best of ``category`` (default: the best
    category with room), together if possible; ``wheelchair`` asks for wheelchair spaces."""

    count: int
    category: str | None = None
    wheelchair: bool = False


@frozen(kw_only=True)
class HoldCreate:
    """Hold seats of a show: exactly one of ``seats`` (seat labels, e.g. ``["A1", "A2"]``) or
    ``best_available``."""

    seats: list[str] | None = None
    best_available: BestAvailableCreate | None = None

    def chosen(self) -> list[str] | BestAvailableCreate:
        """The one way of choosing seats the body gives.

        Raises :class:`InvalidInput` (field ``seats``) when it gives both or neither.
        """
        if self.best_available is None and self.seats is not None:
            return self.seats
        if self.seats is None and self.best_available is not None:
            return self.best_available
        raise InvalidInput(field="seats", reason="give exactly one of 'seats' and 'best_available'")


@frozen(kw_only=True)
class PlacementRead:
    """How best-available placed a hold: the ``category`` it used and how far the seat rules
    relaxed (``strict``, ``orphans_allowed``, ``adjacent_rows`` or ``any``)."""

    category: str
    step: str


@frozen(kw_only=True)
class HoldRead:
    """A hold: its seats are the holder's until ``expires_at``; it can be extended up to
    ``max_expires_at``.  ``token`` is the hold's fencing token (increasing per show).
    ``placement`` is set on a hold just made by best-available."""

    hold_id: str
    show_id: str
    seats: list[str]
    token: int
    created_at: datetime
    expires_at: datetime
    max_expires_at: datetime
    placement: PlacementRead | None = None

    @classmethod
    def of(cls, hold: Hold) -> HoldRead:
        """The wire shape of ``hold`` (seats sorted by label)."""
        return cls(
            hold_id=hold.hold_id,
            show_id=hold.show_id,
            seats=sorted(hold.seats),
            token=hold.token,
            created_at=hold.created_at,
            expires_at=hold.expires_at,
            max_expires_at=hold.max_expires_at,
        )

    @classmethod
    def of_best(cls, made: BestAvailableHold) -> HoldRead:
        """The wire shape of a best-available hold, with its placement."""
        placement = PlacementRead(category=made.category, step=made.step.value)
        return evolve(cls.of(made.hold), placement=placement)


def _rate(rate: Fraction | None) -> str | None:
    return None if rate is None else format_rate(rate)


@frozen(kw_only=True)
class LineRead:
    """One invoice line: ``kind`` (``ticket``, ``discount``, ``convenience_fee``,
    ``gst_ticket``, ``gst_fee``; refunds use ``ticket_refund``, …, ``limit``), the ``seat`` of a
    per-seat line, and its ``amount`` (negative for a discount).  ``rate`` (e.g. ``"18%"``) is
    set where a rate produced the amount."""

    kind: str
    seat: str | None
    description: str
    amount: MoneyRead
    rate: str | None = None

    @classmethod
    def of(cls, line: QuoteLine) -> LineRead:
        """The wire shape of ``line``."""
        return cls(
            kind=line.kind,
            seat=line.seat,
            description=line.description,
            amount=MoneyRead.of(line.amount),
            rate=_rate(line.rate),
        )

    @classmethod
    def all_of(cls, lines: Iterable[QuoteLine]) -> list[LineRead]:
        """The wire shapes of ``lines``, in order."""
        return [cls.of(line) for line in lines]


@frozen(kw_only=True)
class TicketPriceRead:
    """What one seat costs: its ``price`` (base, modifiers and surge), the ``discount`` share,
    the convenience ``fee``, the GST on each, and the ticket's ``total``."""

    seat: str
    category: str
    price: MoneyRead
    discount: MoneyRead
    gst: MoneyRead
    fee: MoneyRead
    fee_gst: MoneyRead
    total: MoneyRead

    @classmethod
    def of(cls, ticket: TicketBreakdown) -> TicketPriceRead:
        """The wire shape of ``ticket``."""
        return cls(
            seat=ticket.seat,
            category=ticket.category,
            price=MoneyRead.of(ticket.price),
            discount=MoneyRead.of(ticket.discount),
            gst=MoneyRead.of(ticket.gst),
            fee=MoneyRead.of(ticket.fee),
            fee_gst=MoneyRead.of(ticket.fee_gst),
            total=MoneyRead.of(ticket.total),
        )


@frozen(kw_only=True)
class QuoteRead:
    """The itemized price of a hold: invoice ``lines`` summing exactly to ``total``, each
    ticket's breakdown, the ``subtotal`` before discount, fees and tax, the ``discount``, and
    the coupon applied (``non_cancellable`` when the coupon forbids cancelling)."""

    seats: list[str]
    lines: list[LineRead]
    tickets: list[TicketPriceRead]
    subtotal: MoneyRead
    discount: MoneyRead
    total: MoneyRead
    coupon_code: str | None
    non_cancellable: bool

    @classmethod
    def of(cls, quote: Quote) -> QuoteRead:
        """The wire shape of ``quote``."""
        return cls(
            seats=list(quote.seats),
            lines=LineRead.all_of(quote.lines),
            tickets=[TicketPriceRead.of(t) for t in quote.tickets],
            subtotal=MoneyRead.of(quote.subtotal),
            discount=MoneyRead.of(quote.discount),
            total=MoneyRead.of(quote.total),
            coupon_code=quote.coupon_code,
            non_cancellable=quote.non_cancellable,
        )
