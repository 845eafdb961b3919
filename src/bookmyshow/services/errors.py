"""Refusals that only the use cases can decide: they look at several aggregates at once."""

from __future__ import annotations

from typing import ClassVar

from attrs import define

from bookmyshow.domain.errors import DomainError

__all__ = ["BookingNotPayable", "CheckInClosed", "HoldInCheckout", "ShowNotBookable"]


@define(auto_exc=True, kw_only=True)
class ShowNotBookable(DomainError):
    """Seats of the show cannot be held or sold: ``reason`` is ``cancelled`` or ``started``."""

    code: ClassVar[str] = "show_not_bookable"
    show_id: str
    reason: str


@define(auto_exc=True, kw_only=True)
class BookingNotPayable(DomainError):
    """Only a booking awaiting payment can be paid; this one is ``status``."""

    code: ClassVar[str] = "booking_not_payable"
    booking_id: str
    status: str


@define(auto_exc=True, kw_only=True)
class HoldInCheckout(DomainError):
    """The hold already has booking ``booking_id`` awaiting payment; pay or let it lapse."""

    code: ClassVar[str] = "hold_in_checkout"
    hold_id: str
    booking_id: str


@define(auto_exc=True, kw_only=True)
class CheckInClosed(DomainError):
    """The show has ended (or was cancelled), so its tickets can no longer be scanned."""

    code: ClassVar[str] = "check_in_closed"
    booking_id: str
    show_id: str
