"""Routes: hold seats of a show (chosen or best available), read, extend and release a hold, and
price it.

A hold is always the caller's own; only its owner (or a platform admin) may read, extend or
release it.  Making holds is rate limited per user (``config.rate_limits.hold``).
"""

from __future__ import annotations

from typing import Final

from litestar import delete, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from bookmyshow.app.dependencies import SECURED, ConfigDep, TicketingDep, limit
from bookmyshow.app.errors import error_responses
from bookmyshow.app.schemas.common import wire_names
from bookmyshow.app.schemas.holds import BestAvailableCreate, HoldCreate, HoldRead, QuoteRead
from bookmyshow.domain.users import Principal

__all__ = ["ROUTES", "extend_hold", "get_hold", "hold_seats", "quote_hold", "release_hold"]

_TAGS: Final = ["holds"]
_HOLD: Final = "/api/shows/{show_id:str}/holds/{hold_id:str}"
# The library checks a coupon as ``code``; the client sent it as the ``coupon`` parameter.
_QUOTE_PARAMETER_OF: Final = {"code": "coupon"}


@post(
    "/api/shows/{show_id:str}/holds",
    operation_id="holdSeats",
    tags=_TAGS,
    security=SECURED,
    status_code=HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 429),
)
async def hold_seats(
    show_id: str,
    data: HoldCreate,
    ticketing: TicketingDep,
    config: ConfigDep,
    principal: Principal,
) -> HoldRead:
    """Hold seats of the show for the caller, all or none, until the hold expires.

    Give either ``seats`` (labels) or ``best_available`` (``count`` and optionally
    ``category``); best-available reports how it placed the seats in ``placement``.  409
    ``seats_unavailable`` names the seats someone else holds or bought; other 409s:
    ``show_not_bookable``, ``orphan_seat``, ``hold_limit_exceeded``, ``not_enough_seats``,
    ``seats_not_together``.  422 for an unknown or blocked seat.  Rate limited per user (429).
    """
    await limit(ticketing, config.rate_limits.hold, f"hold:{principal.user_id}")
    chosen = data.chosen()
    if isinstance(chosen, BestAvailableCreate):
        made = await ticketing.seats.hold_best_available(
            principal,
            show_id,
            chosen.count,
            category=chosen.category,
            wheelchair=chosen.wheelchair,
        )
        return HoldRead.of_best(made)
    return HoldRead.of(await ticketing.seats.hold(principal, show_id, chosen))


@get(
    _HOLD,
    operation_id="getHold",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(401, 403, 404),
)
async def get_hold(
    show_id: str, hold_id: str, ticketing: TicketingDep, principal: Principal
) -> HoldRead:
    """The caller's live hold.  404 ``hold_not_found`` (released or never made) or
    ``hold_expired``; 403 for someone else's hold."""
    return HoldRead.of(await ticketing.seats.get(principal, show_id, hold_id))


@post(
    _HOLD + "/extension",
    operation_id="extendHold",
    tags=_TAGS,
    security=SECURED,
    status_code=HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409),
)
async def extend_hold(
    show_id: str, hold_id: str, ticketing: TicketingDep, principal: Principal
) -> HoldRead:
    """Extend the caller's live hold by the hold policy's time to live, up to its maximum.

    409 ``hold_extension_limit`` once the hold lasts as long as allowed; 404 and 403 as for
    reading the hold.
    """
    return HoldRead.of(await ticketing.seats.extend(principal, show_id, hold_id))


@delete(
    _HOLD,
    operation_id="releaseHold",
    tags=_TAGS,
    security=SECURED,
    status_code=HTTP_200_OK,
    responses=error_responses(401, 403, 404),
)
async def release_hold(
    show_id: str, hold_id: str, ticketing: TicketingDep, principal: Principal
) -> HoldRead:
    """Release the caller's hold: its seats are free at once.  Returns the released hold.

    An expired hold can still be released by its owner; 404 ``hold_not_found`` for a hold that
    is gone, 403 for someone else's.
    """
    return HoldRead.of(await ticketing.seats.release(principal, show_id, hold_id))


@get(
    _HOLD + "/quote",
    operation_id="quoteHold",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(401, 403, 404, 409),
)
async def quote_hold(
    show_id: str,
    hold_id: str,
    ticketing: TicketingDep,
    principal: Principal,
    coupon: str | None = None,
) -> QuoteRead:
    """The itemized price of the caller's hold (with the ``coupon``, if given), without booking.

    403 ``not_hold_owner`` for someone else's hold; 404 ``hold_not_found``/``hold_expired``;
    409 ``coupon_rejected`` or ``show_not_bookable``; 422 ``invalid_input`` naming ``coupon``
    for a malformed code.
    """
    with wire_names(_QUOTE_PARAMETER_OF):
        quote = await ticketing.bookings.quote(principal, show_id, hold_id, coupon_code=coupon)
    return QuoteRead.of(quote)


ROUTES: Final[list[ControllerRouterHandler]] = [
    hold_seats,
    get_hold,
    extend_hold,
    release_hold,
    quote_hold,
]
