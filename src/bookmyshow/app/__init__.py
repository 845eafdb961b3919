"""The reference HTTP app (extra ``app``): REST + OpenAPI, JWT, live seat updates over WebSocket,
health, readiness and Prometheus metrics, and a seat page at ``/``.

It is built only from what :mod:`bookmyshow` exports.  Run it with ``bookmyshow serve`` (or
``bookmyshow serve --demo``), or embed it::

    from bookmyshow.app import AppConfig, create_app
    app = create_app(AppConfig.from_env())
"""

from bookmyshow.app.config import APP_ENV, AppConfig, RateLimit, RateLimits
from bookmyshow.app.factory import create_app

__all__ = ["APP_ENV", "AppConfig", "RateLimit", "RateLimits", "create_app"]
