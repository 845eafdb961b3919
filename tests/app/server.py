"""A real uvicorn server on a thread of its own, for tests whose own loop must stay free (the
browser drives Playwright; Schemathesis calls over HTTP from synchronous tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import uvicorn
from litestar import Litestar

__all__ = ["serve_in_thread"]

_STARTUP_S: Final = 60.0


@contextmanager
def serve_in_thread(app: Litestar) -> Iterator[str]:
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
        target=server.run, kwargs={"sockets": [listener]}, name="test-app-server", daemon=True
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
