"""Routes: the seat page at ``/`` and its static assets under ``/static/``.

The page is plain HTML, CSS and JavaScript modules shipped inside the package (no build step, no
CDN), so a fresh install serves it offline.  It talks to the app only through the public API.
Neither route is part of the OpenAPI schema: they are a client of the API, not part of it.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path
from typing import Final

from litestar import MediaType, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from bookmyshow.app.dependencies import ConfigDep
from bookmyshow.demo import DEMO_CUSTOMER_EMAIL, DEMO_PASSWORD

__all__ = ["CONTENT_SECURITY_POLICY", "ROUTES", "STATIC_DIR"]

STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "static"
"""Where the seat page's files live inside the installed package."""

CONTENT_SECURITY_POLICY: Final = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # The e-ticket's QR code is shown as a data: image, never as inline markup.
        "img-src 'self' data:",
        # 'self' covers the same-origin ws:/wss: of the live socket (CSP Level 3, as browsers do).
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
"""The seat page loads only its own files and talks only to its own origin."""

# The marker in index.html that demo mode fills with the demo customer's credentials.
_DEMO_MARKER: Final = b'data-demo-email="" data-demo-password=""'


@functools.cache
def _page(demo: bool) -> bytes:
    # Read once per process: the package's files do not change while it runs.
    page = (STATIC_DIR / "index.html").read_bytes()
    if not demo:
        return page
    filled = (
        f'data-demo-email="{html.escape(DEMO_CUSTOMER_EMAIL)}" '
        f'data-demo-password="{html.escape(DEMO_PASSWORD)}"'
    )
    return page.replace(_DEMO_MARKER, filled.encode())


@get("/", include_in_schema=False, media_type=MediaType.HTML, sync_to_thread=False)
def seat_page(config: ConfigDep) -> Response[bytes]:
    """The seat page: browse shows, pick seats, pay and manage bookings in a browser.

    In demo mode the log-in form comes filled in with the demo customer's credentials.
    """
    return Response(
        _page(config.demo),
        media_type=MediaType.HTML,
        headers={
            # The page's URL stays "/" across releases: browsers must revalidate it.
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )


ROUTES: Final[list[ControllerRouterHandler]] = [
    seat_page,
    create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        include_in_schema=False,
        name="static",
        # Asset URLs are not versioned, so a new release must not hide behind a stale cache.
        cache_control=CacheControlHeader(no_cache=True),
    ),
]
