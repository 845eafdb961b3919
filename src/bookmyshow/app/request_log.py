"""One structured log line and one metrics sample per HTTP request.

:class:`RequestLogMiddleware` times every request that reaches a route, records it in the app's
:class:`~bookmyshow.app.metrics.AppMetrics`, and writes one JSON line to the logger
``bookmyshow.app.access`` at INFO::

    {"event": "request", "method": "POST", "path": "/api/shows/{show_id}/holds",
     "status": 201, "duration_ms": 12.3, "request_id": "5f0c…"}

``path`` is the route's template, so that logs and metrics group requests by route and carry no
ids.  The request id is the client's ``X-Request-ID`` when it is a sane token (1 to 128 letters,
digits and ``-_.:``), else a fresh one; either way the response echoes it in ``X-Request-ID``, so
a client, a proxy and these logs can name the same request.

Litestar runs app middleware only for requests that match a route: a request for an unknown path
is answered 404 before it, so it is neither logged nor counted here.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Iterable
from typing import Final

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from bookmyshow.app.metrics import metrics_of

__all__ = ["ACCESS_LOGGER", "REQUEST_ID_HEADER", "RequestLogMiddleware", "request_id_of"]

ACCESS_LOGGER: Final = "bookmyshow.app.access"
"""The logger every request line goes to."""

REQUEST_ID_HEADER: Final = "X-Request-ID"

_log = logging.getLogger(ACCESS_LOGGER)
_SANE_ID: Final = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Litestar templates carry the parameter's type ("{show_id:str}"); the type is noise in labels.
_TYPED_PARAMETER: Final = re.compile(r"\{([^}:]+):[^}]*\}")


def request_id_of(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The client's request id from raw ASGI ``headers`` if it is a sane token, else a new one.

    A token outside the safe alphabet is replaced rather than echoed, so that nobody can write
    arbitrary text into logs or response headers through it.
    """
    wanted = REQUEST_ID_HEADER.lower().encode()
    for name, value in headers:
        if name.lower() == wanted:
            text = value.decode("latin-1").strip()
            if _SANE_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def _route_of(scope: Scope) -> str:
    template = scope.get("path_template")
    if not isinstance(template, str) or not template:
        return "unmatched"
    return _TYPED_PARAMETER.sub(r"{\1}", template)


class RequestLogMiddleware(ASGIMiddleware):
    """Times, counts and logs each HTTP request (see the module)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Serve the request with ``next_app``, then record it; an escaping error counts as 500
        and is raised on."""
        started = time.perf_counter()
        request_id = request_id_of(scope.get("headers", []))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await next_app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method = str(scope.get("method", "GET"))
            route = _route_of(scope)
            metrics = metrics_of(scope["litestar_app"].state)
            if metrics is not None:
                metrics.observe_request(method, route, status, seconds)
            _log.info(
                json.dumps(
                    {
                        "event": "request",
                        "method": method,
                        "path": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 3),
                        "request_id": request_id,
                    },
                    separators=(",", ":"),
                )
            )
