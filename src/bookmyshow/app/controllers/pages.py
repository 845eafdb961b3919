"""Routes: the seat page at ``/`` and its static assets under ``/static/``.

The page is plain HTML, CSS and JavaScript modules shipped inside the package (no build step, no
CDN), so a fresh install serves it offline.  It talks to the app only through the public API.
Neither route is part of the OpenAPI schema: they are a client of the API, not part of it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Final

from litestar import MediaType, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

__all__ = ["ROUTES", "STATIC_DIR"]

STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "static"
"""Where the seat page's files live inside the installed package."""

# The page changes with every release while its URL stays "/": browsers must revalidate it.
_NO_CACHE: Final = {"Cache-Control": "no-cache"}


@functools.cache
def _index() -> bytes:
    # Read once per process: the package's files do not change while it runs.
    return (STATIC_DIR / "index.html").read_bytes()


@get("/", include_in_schema=False, media_type=MediaType.HTML, sync_to_thread=False)
def seat_page() -> Response[bytes]:
    """The seat page: browse shows, pick seats, pay and manage bookings in a browser."""
    return Response(_index(), media_type=MediaType.HTML, headers=_NO_CACHE)


ROUTES: Final[list[ControllerRouterHandler]] = [
    seat_page,
    create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        include_in_schema=False,
        name="static",
        # Asset URLs are not versioned, so a new release must not be hidden behind a stale cache.
        cache_control=CacheControlHeader(no_cache=True),
    ),
]
