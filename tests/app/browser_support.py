"""What the browser tests need: the real app served over HTTP on a loopback port, Debian's
Chromium, and a place for screenshots.

The app runs in a :class:`uvicorn.Server` on a thread of its own (with its own event loop), so
the browser test's loop only drives Playwright and a slow request on one side never stalls the
other.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import uvicorn
from litestar import Litestar
from playwright.async_api import ViewportSize

__all__ = [
    "ARTIFACTS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PHONE",
    "DESKTOP",
    "serve",
]

CHROMIUM: Final = Path("/usr/bin/chromium")
"""Debian's Chromium (CI installs it with apt; ``playwright install`` cannot download here)."""

CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Headless flags: no sandbox (containers), and no calls home, so the test stays offline."""

ARTIFACTS: Final = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
"""Where the browser tests save screenshots (git-ignored)."""

DESKTOP: Final = ViewportSize(width=1280, height=900)
"""A laptop-sized viewport."""
PHONE: Final = ViewportSize(width=390, height=844)
"""A phone-sized viewport (an iPhone 12-14 in CSS pixels)."""

_STARTUP_S: Final = 60.0


@contextmanager
def serve(app: Litestar) -> Iterator[str]:
    """Serve ``app`` on a free loopback port until the block ends; yields its base URL.

    Waits for the app's lifespan start-up (the demo seeding included) before yielding, and
    for a clean shutdown after.  Raises :class:`RuntimeError` if the server does not start.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port: int = listener.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="seat-page-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + _STARTUP_S
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the app server stopped during start-up (see the log)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app server did not start within {_STARTUP_S:.0f}s")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()
