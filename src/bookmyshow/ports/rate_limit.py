"""The rate-limit port: how many hits a key may make in a sliding window.

The guarantee is exact: for any key, the hits allowed in any interval of length ``window`` never
number more than ``limit``.  A denied hit is not counted, so hammering does not prolong the wait.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from attrs import frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import RateLimited

__all__ = ["RateDecision", "RateLimiter", "check", "check_rate_arguments"]


@frozen(kw_only=True)
class RateDecision:
    """The answer to one hit.

    ``remaining`` is how many more hits the window allows now (0 when denied).  ``retry_after``
    is zero when allowed; when denied it is how long until a hit will be allowed again (always
    positive and at most ``window``).
    """

    allowed: bool
    limit: int
    remaining: int
    retry_after: timedelta


def check_rate_arguments(key: str, limit: int, window: timedelta) -> None:
    """Raise :class:`~bookmyshow.domain.errors.InvalidInput` for an empty key, a limit below one
    or a non-positive window."""
    if not isinstance(key, str) or not key:
        raise InvalidInput(field="key", reason="must be a non-empty string")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput(field="limit", reason="must be a positive integer")
    if not isinstance(window, timedelta) or window <= timedelta(0):
        raise InvalidInput(field="window", reason="must be a positive timedelta")


class RateLimiter(Protocol):
    """Counts hits per key in a sliding window.

    Errors: :class:`~bookmyshow.domain.errors.InvalidInput` for bad arguments,
    :class:`~bookmyshow.ports.errors.BackendUnavailable` when the backend fails.
    """

    async def hit(self, key: str, *, limit: int, window: timedelta) -> RateDecision:
        """Record a hit for ``key`` if fewer than ``limit`` were allowed in the last ``window``.

        Atomic: concurrent hits on one key never let more than ``limit`` through.
        """
        ...


async def check(limiter: RateLimiter, key: str, *, limit: int, window: timedelta) -> RateDecision:
    """Hit ``limiter`` and return the decision if allowed.

    Raises :class:`~bookmyshow.ports.errors.RateLimited` (``code="rate_limited"``, with ``key``
    and ``retry_after_seconds``) when the hit is denied, plus whatever ``hit`` raises.
    """
    decision = await limiter.hit(key, limit=limit, window=window)
    if not decision.allowed:
        raise RateLimited(key=key, retry_after_seconds=decision.retry_after.total_seconds())
    return decision
