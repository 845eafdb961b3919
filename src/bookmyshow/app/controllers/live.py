"""Routes: the live seat map, a WebSocket of a show's seat changes.

``WS /api/shows/{show_id}/live`` needs no token: a change names seats, never who took them.
After the handshake the server sends JSON text messages:

- ``{"type": "hello", "show_id": …}`` once the subscription is open: read the seat map
  (``GET /api/shows/{show_id}/seats``) *after* this, then apply the changes that follow;
- ``{"type": "seats", "show_id": …, "kind": "held"|"released"|"expired"|"sold"|"returned",
  "seats": ["A1", …], "at": "<ISO 8601 instant>"}`` per change, in the show's order;
- ``{"type": "resync", "show_id": …}`` when this connection fell behind and changes were lost:
  re-read the seat map, then keep applying changes (a change applied twice is harmless, each says
  what state its seats are in now).  It comes after a short pause (:data:`LAG_BACKOFF_S`, doubled
  while the connection keeps falling behind).

The server never expects messages from the client (it reads them only to notice the client
leaving).  It closes the connection with code ``4000 + the HTTP status`` of the error that ended
it, and the error's code as the reason: ``4404``/``not_found`` for an unknown show,
``4503``/``backend_unavailable`` when the feed's backend fails (reconnect later); ``1012``
(service restart) when the app shuts down; ``1011`` when no live feed is wired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Final

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.status_codes import WS_1011_INTERNAL_ERROR, WS_1012_SERVICE_RESTART
from litestar.types import ControllerRouterHandler

from bookmyshow.app.dependencies import TicketingDep
from bookmyshow.app.errors import status_of
from bookmyshow.app.metrics import metrics_of
from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.errors import BookMyShowError
from bookmyshow.ports.seat_updates import FeedLagged, SeatChange, SeatUpdates

__all__ = ["LAG_BACKOFF_MAX_S", "LAG_BACKOFF_S", "ROUTES", "change_message", "live_seats"]

_log = logging.getLogger("bookmyshow.app.live")

_CLIENT_GONE: Final = None

LAG_BACKOFF_S: Final = 0.1
"""Seconds to wait before resubscribing after the feed lagged; doubled for each further lag
with no change delivered in between, up to :data:`LAG_BACKOFF_MAX_S`."""

LAG_BACKOFF_MAX_S: Final = 2.0
"""The longest wait before resubscribing after a lag."""


def change_message(change: SeatChange) -> dict[str, Any]:
    """The wire form of one seat change (see the module)."""
    return {
        "type": "seats",
        "show_id": change.show_id,
        "kind": change.kind.value,
        "seats": sorted(change.seats),
        "at": change.occurred_at.isoformat(),
    }


async def _send(socket: WebSocket[Any, Any, Any], message: dict[str, Any]) -> bool:
    """Send ``message``; ``False`` if the client has gone (the watcher ends the session then)."""
    try:
        await socket.send_json(message)
    except (WebSocketDisconnect, OSError):
        # A send racing the client's close fails this way (uvicorn raises ClientDisconnected,
        # an OSError); that is the client leaving, not a fault.
        return False
    return True


async def _close(socket: WebSocket[Any, Any, Any], code: int, reason: str) -> None:
    """Close the connection with ``code`` and ``reason``; nothing to do if the client has gone."""
    with contextlib.suppress(WebSocketDisconnect, OSError):
        # Closing races the client's own close just as a send does (see _send).
        await socket.close(code=code, reason=reason)


async def _relay(
    socket: WebSocket[Any, Any, Any], ticketing: Ticketing, updates: SeatUpdates, show_id: str
) -> tuple[int, str] | None:
    """Forward the show's changes until the feed ends or fails; the close code and reason to
    end with, or ``None`` if the client has gone."""
    first = True
    lags = 0
    while True:
        try:
            async with updates.subscribe(show_id) as changes:
                # Subscribed before saying hello, so a seat map read after the hello misses
                # nothing; after a lag, the new subscription is open before the resync.
                if first:
                    await ticketing.browsing.show(None, show_id)  # NotFound: unknown show
                    first = False
                    greeting = {"type": "hello", "show_id": show_id}
                else:
                    greeting = {"type": "resync", "show_id": show_id}
                if not await _send(socket, greeting):
                    return _CLIENT_GONE
                async for change in changes:
                    if not await _send(socket, change_message(change)):
                        return _CLIENT_GONE
                    lags = 0
        except FeedLagged:
            lags += 1
            # A reader that fell behind in a burst would fall behind again at once; the
            # resync after the pause covers what it skips.
            delay = min(LAG_BACKOFF_S * 2 ** (lags - 1), LAG_BACKOFF_MAX_S)
            _log.info("live feed of show %s lagged; resubscribing in %.1fs", show_id, delay)
            await asyncio.sleep(delay)
            continue
        except BookMyShowError as exc:
            if status_of(exc) >= 500:
                _log.warning("live feed of show %s ended: %s", show_id, exc)
            return 4000 + status_of(exc), exc.code
        # The subscription was closed under us: the feed is shutting down with the app.
        return WS_1012_SERVICE_RESTART, "shutting down"


async def _until_disconnect(socket: WebSocket[Any, Any, Any]) -> None:
    """Read (and ignore) what the client sends until it leaves."""
    with contextlib.suppress(WebSocketDisconnect):  # the normal way this ends
        while True:
            await socket.receive_data(mode="text")


@websocket("/api/shows/{show_id:str}/live", name="live_seats")
async def live_seats(
    socket: WebSocket[Any, Any, Any], show_id: str, ticketing: TicketingDep
) -> None:
    """Stream the seat changes of show ``show_id`` (see the module for the messages)."""
    await socket.accept()
    updates = ticketing.ports.seat_updates
    if updates is None:
        await _close(socket, WS_1011_INTERNAL_ERROR, "no live seat feed is wired")
        return
    metrics = metrics_of(socket.app.state)
    if metrics is not None:
        metrics.live_connections.inc()
    relay = asyncio.create_task(_relay(socket, ticketing, updates, show_id))
    left = asyncio.create_task(_until_disconnect(socket))
    try:
        await asyncio.wait({relay, left}, return_when=asyncio.FIRST_COMPLETED)
        if not relay.done():
            # The client left: stop relaying, which closes the subscription.
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay
            return
        # The relay's own errors are bugs: let them propagate (Litestar logs them).
        ending = relay.result()
        if ending is not None and not left.done():
            await _close(socket, *ending)
    finally:
        for task in (relay, left):
            task.cancel()
        # Both are done or cancelled here; waiting lets their cancellation finish.
        await asyncio.wait({relay, left})
        if metrics is not None:
            metrics.live_connections.dec()


ROUTES: Final[list[ControllerRouterHandler]] = [live_seats]
