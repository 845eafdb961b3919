"""Routes: liveness, readiness and metrics; the request log middleware and the metrics wiring.

- ``GET /health`` answers as long as the process serves requests (a liveness probe);
- ``GET /ready`` asks every backend the app was wired with (see :mod:`bookmyshow.app.readiness`)
  and answers 503 ``not_ready`` naming the ones that are down (a readiness probe:
  take the instance out of the load balancer, do not restart it);
- ``GET /metrics`` is the Prometheus text exposition of the app's own registry (see
  :mod:`bookmyshow.app.metrics`).
"""

from __future__ import annotations

from typing import Any, Final

from attrs import frozen
from litestar import Litestar, Response, get
from litestar.datastructures import State
from litestar.types import ControllerRouterHandler, Middleware

from bookmyshow.app.config import AppConfig
from bookmyshow.app.dependencies import TicketingDep
from bookmyshow.app.errors import error_responses
from bookmyshow.app.metrics import AppMetrics, metrics_of
from bookmyshow.app.readiness import require_ready
from bookmyshow.app.request_log import RequestLogMiddleware
from bookmyshow.bootstrap import Ticketing

__all__ = [
    "METRICS_MEDIA_TYPE",
    "MIDDLEWARE",
    "ROUTES",
    "HealthRead",
    "ReadyRead",
    "initial_state",
    "on_start",
]

METRICS_MEDIA_TYPE: Final = "text/plain; version=0.0.4"
"""The Prometheus text format (Litestar adds ``charset=utf-8``)."""


@frozen(kw_only=True)
class HealthRead:
    """The process is alive."""

    status: str
    """Always ``"ok"``."""


@frozen(kw_only=True)
class ReadyRead:
    """Every backend answered."""

    status: str
    """Always ``"ready"``."""
    backends: dict[str, str]
    """Each backend the app was wired with (``database``, ``redis``, ``elasticsearch``,
    ``mongo``, ``memory``…) and ``"ok"``."""


@get("/health", operation_id="health", tags=["operations"])
async def health() -> HealthRead:
    """Liveness: the process serves requests.  Asks no backend."""
    return HealthRead(status="ok")


@get(
    "/ready",
    operation_id="ready",
    tags=["operations"],
    responses=error_responses(),
)
async def ready(ticketing: TicketingDep) -> ReadyRead:
    """Readiness: every backend answers a trivial question within a few seconds.

    503 ``not_ready`` otherwise, with ``details.down`` naming the backends that did not
    answer and ``details.backends`` the state of each.
    """
    backends = await require_ready(ticketing)
    return ReadyRead(status="ready", backends=dict(backends))


@get(
    "/metrics",
    operation_id="metrics",
    tags=["operations"],
    media_type=METRICS_MEDIA_TYPE,
    responses=error_responses(),
)
async def metrics(state: State) -> Response[bytes]:
    """The app's metrics in the Prometheus text exposition format."""
    found = metrics_of(state)
    body = b"" if found is None else found.render()
    return Response(body, media_type=METRICS_MEDIA_TYPE)


def initial_state(config: AppConfig) -> dict[str, Any]:
    """What the app's state holds before it starts: its configuration and its own metrics."""
    return {"config": config, "metrics": AppMetrics()}


async def on_start(app: Litestar, ticketing: Ticketing) -> None:
    """Once the library is started: count its booking events in the app's metrics (when its
    publisher is an in-process bus; a broker-backed one is counted by its consumer)."""
    found = metrics_of(app.state)
    bus = ticketing.in_process_bus
    if found is not None and bus is not None:
        found.follow(bus)


MIDDLEWARE: Final[list[Middleware]] = [RequestLogMiddleware()]

ROUTES: Final[list[ControllerRouterHandler]] = [health, ready, metrics]
