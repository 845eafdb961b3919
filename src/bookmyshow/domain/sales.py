"""The record of truth for sold seats, as pure rules.

A seat of a show is sold to at most one booking.  A sale presents the fencing token of the hold it
comes from; the record remembers, per seat, the highest token that ever sold it, and refuses a sale
whose token is not greater — so a stale holder (whose hold expired and whose seats were sold and
returned since) can never sell them again.  Returned seats keep their fence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from attrs import define, field

from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.holds import SeatsUnavailable
from bookmyshow.domain.validation import label_set, require_count, require_text

__all__ = ["ShowSales", "StaleFencingToken", "validate_sale"]


@define(auto_exc=True, kw_only=True)
class StaleFencingToken(DomainError):
    """The sale's hold token is older than one that already sold these seats."""

    code: ClassVar[str] = "stale_fencing_token"
    show_id: str
    seats: frozenset[str]
    token: int
    fence: int


def validate_sale(show_id: str, booking_id: str, seats: frozenset[str], token: int) -> None:
    """Check a sale request's shape; raises :class:`InvalidInput`.

    ``seats`` must be a non-empty collection of seat labels (a bare string is refused).
    """
    require_text(show_id, "show_id")
    require_text(booking_id, "booking_id")
    if not label_set(seats, "seats"):
        raise InvalidInput(field="seats", reason="a sale needs at least one seat label")
    if isinstance(token, bool) or not isinstance(token, int) or token <= 0:
        raise InvalidInput(field="fencing_token", reason="must be a positive integer")


@define(kw_only=True)
class ShowSales:
    """Sold seats of one show and their fences.  Not thread-safe: lock around it.

    Construction checks the shape of the record (a non-empty show id, booking ids by seat,
    positive fences by seat) and raises :class:`InvalidInput` otherwise.
    """

    show_id: str
    sold: dict[str, str] = field(factory=dict)
    fence: dict[str, int] = field(factory=dict)

    def __attrs_post_init__(self) -> None:
        require_text(self.show_id, "show_id")
        if not isinstance(self.sold, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in self.sold.items()
        ):
            raise InvalidInput(field="sold", reason="a dict of seat label to booking id")
        if not isinstance(self.fence, dict) or not all(isinstance(k, str) for k in self.fence):
            raise InvalidInput(field="fence", reason="a dict of seat label to fencing token")
        for value in self.fence.values():
            require_count(value, "fence", minimum=1)

    def sell(self, booking_id: str, seats: frozenset[str], token: int) -> bool:
        """Sell every seat to ``booking_id`` or none.

        Returns ``False`` (and changes nothing) when exactly these seats are already sold to this
        booking — a retried sale.  Raises :class:`SeatsUnavailable` (``reason="sold"``) naming the
        seats sold to another booking, or :class:`StaleFencingToken`.
        """
        validate_sale(self.show_id, booking_id, seats, token)
        seats = frozenset(seats)
        if all(self.sold.get(s) == booking_id for s in seats):
            return False
        taken = frozenset(s for s in seats if s in self.sold)
        if taken:
            raise SeatsUnavailable(show_id=self.show_id, seats=taken, reason="sold")
        fenced = {s: self.fence[s] for s in seats if self.fence.get(s, 0) >= token}
        if fenced:
            raise StaleFencingToken(
                show_id=self.show_id,
                seats=frozenset(fenced),
                token=token,
                fence=max(fenced.values()),
            )
        for s in seats:
            self.sold[s] = booking_id
            self.fence[s] = token
        return True

    def give_back(self, booking_id: str) -> frozenset[str]:
        """Return every seat sold to ``booking_id`` to sale; returns them (empty if none).

        Raises :class:`InvalidInput` for an empty or non-string ``booking_id``.
        """
        require_text(booking_id, "booking_id")
        seats = frozenset(s for s, b in self.sold.items() if b == booking_id)
        for s in seats:
            del self.sold[s]
        return seats

    def snapshot(self) -> Mapping[str, str]:
        """Each sold seat and its booking id."""
        return dict(self.sold)
