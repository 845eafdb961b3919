"""How the reference app is configured: the library's settings plus what only a web app needs.

:meth:`AppConfig.from_env` reads the library's ``BOOKMYSHOW_*`` variables (see
:class:`bookmyshow.bootstrap.Settings`) and the app's own (see :data:`APP_ENV`).  Outside demo mode
the app refuses to start without a JWT secret: a random per-process secret would log everyone out
at every restart and would not let two processes share sessions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Final

from attrs import evolve, field, frozen

from bookmyshow.bootstrap import ENV_PREFIX, Settings
from bookmyshow.domain.errors import InvalidInput

__all__ = ["APP_ENV", "AppConfig", "RateLimit", "RateLimits"]

APP_ENV: Final[Mapping[str, str]] = {
    "JWT_SECRET": "the secret that signs access tokens (at least 32 bytes); required outside demo",
    "MAX_BODY_BYTES": "the largest request body accepted, in bytes (default 65536)",
    "MAINTENANCE_SECONDS": "how often expired bookings, unsettled payments and failed refunds "
    "are swept (default 30; 0 turns the sweep off)",
    "RATE_LIMITS": "'off' turns the log-in, registration, hold and checkout rate limits off "
    "(load tests)",
}
"""The app's own variables (after the ``BOOKMYSHOW_`` prefix) and what each one sets."""


def _positive_count(_instance: object, attribute: object, value: int) -> None:
    name = getattr(attribute, "name", "value")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(field=name, reason="must be a positive integer")


def _window(_instance: object, attribute: object, value: timedelta) -> None:
    name = getattr(attribute, "name", "window")
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidInput(field=name, reason="must be a positive timedelta")


@frozen(kw_only=True)
class RateLimit:
    """At most ``limit`` requests per ``window`` for one key (a user, an account or an address)."""

    limit: int = field(validator=_positive_count)
    window: timedelta = field(validator=_window)


@frozen(kw_only=True)
class RateLimits:
    """The limits on the expensive or abusable endpoints; ``None`` turns one off."""

    login: RateLimit | None = RateLimit(limit=10, window=timedelta(minutes=1))
    """Log-in attempts, counted twice: per client address (one address spraying accounts) and
    per account (addresses taking turns on one account).  Slows password guessing."""
    register: RateLimit | None = RateLimit(limit=5, window=timedelta(minutes=10))
    """Registrations per client address: each one hashes a password, work anyone can ask for."""
    hold: RateLimit | None = RateLimit(limit=30, window=timedelta(minutes=1))
    """Per user: stops one account from sweeping a show's seats."""
    checkout: RateLimit | None = RateLimit(limit=20, window=timedelta(minutes=1))
    """Per user."""


_NO_LIMITS: Final = RateLimits(login=None, register=None, hold=None, checkout=None)


@frozen(kw_only=True)
class AppConfig:
    """Everything the app needs to start.

    ``settings`` chooses the library's backends; ``demo`` seeds the demo catalog at start and
    allows a random JWT secret.  ``max_body_bytes`` bounds request bodies (413 beyond it);
    ``maintenance_interval`` paces the background sweep (``None`` turns it off).  Raises
    :class:`InvalidInput` (field ``BOOKMYSHOW_JWT_SECRET``) outside demo mode without a secret.
    """

    settings: Settings = field(factory=Settings)
    demo: bool = False
    demo_days: int = 7
    max_body_bytes: int = field(default=64 * 1024, validator=_positive_count)
    rate_limits: RateLimits = field(factory=RateLimits)
    maintenance_interval: timedelta | None = timedelta(seconds=30)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.settings, Settings):
            raise InvalidInput(field="settings", reason="must be a Settings value")
        if not self.demo and self.settings.token_secret is None:
            raise InvalidInput(
                field=ENV_PREFIX + "JWT_SECRET",
                reason="set a secret of at least 32 bytes to sign tokens (only --demo may "
                "run without one)",
            )
        interval = self.maintenance_interval
        if interval is not None and (
            not isinstance(interval, timedelta) or interval <= timedelta(0)
        ):
            raise InvalidInput(field="maintenance_interval", reason="a positive timedelta or None")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, demo: bool = False) -> AppConfig:
        """Read the library's and the app's ``BOOKMYSHOW_*`` variables from ``environ``.

        ``BOOKMYSHOW_JWT_SECRET`` signs tokens (the library's ``BOOKMYSHOW_TOKEN_SECRET`` is
        accepted too; set both only to the same value).  Raises :class:`InvalidInput` naming the
        variable for a bad value, and as :class:`AppConfig` does.
        """
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name, "").strip()
            return value or None

        settings = Settings.from_env(env)
        jwt_secret = get("JWT_SECRET")
        if jwt_secret is not None:
            encoded = jwt_secret.encode()
            if settings.token_secret is not None and settings.token_secret != encoded:
                raise InvalidInput(
                    field=ENV_PREFIX + "JWT_SECRET",
                    reason="differs from BOOKMYSHOW_TOKEN_SECRET; set one of them",
                )
            if len(encoded) < 32:
                raise InvalidInput(field=ENV_PREFIX + "JWT_SECRET", reason="at least 32 bytes")
            settings = evolve(settings, token_secret=encoded)
        body = _whole(get("MAX_BODY_BYTES"), "MAX_BODY_BYTES", minimum=1024)
        sweep = _whole(get("MAINTENANCE_SECONDS"), "MAINTENANCE_SECONDS", minimum=0)
        limits = get("RATE_LIMITS")
        if limits not in (None, "on", "off"):
            raise InvalidInput(field=ENV_PREFIX + "RATE_LIMITS", reason="'on' or 'off'")
        return cls(
            settings=settings,
            demo=demo,
            max_body_bytes=64 * 1024 if body is None else body,
            rate_limits=_NO_LIMITS if limits == "off" else RateLimits(),
            maintenance_interval=(
                timedelta(seconds=30)
                if sweep is None
                else (timedelta(seconds=sweep) if sweep else None)
            ),
        )


def _whole(text: str | None, name: str, *, minimum: int) -> int | None:
    if text is None:
        return None
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else -1
    if value < minimum:
        raise InvalidInput(field=ENV_PREFIX + name, reason=f"a whole number of at least {minimum}")
    return value
