"""Redis client errors translated into the port's errors.

Every failure of the client — the server cannot be reached, a read times out, the cluster is down
or resharding, the server is loading its data set, or a script fails — becomes
:class:`~bookmyshow.ports.errors.BackendUnavailable` with ``backend="redis"``.  Callers' input is
checked, and refused with ``InvalidInput``, before anything is sent, so a server-side error is a
fault of the backend (or of this adapter), never of the caller.

A timeout is ambiguous: the command may have run.  Nothing in this package retries a write after
one (the clients are built with retries off, see :mod:`bookmyshow.adapters.redis.connection`);
callers see ``BackendUnavailable`` and decide, as they do for any backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from redis.exceptions import RedisClusterException, RedisError

from bookmyshow.ports.errors import BackendUnavailable

__all__ = ["BACKEND", "translated", "unavailable"]

BACKEND: Final = "redis"
"""The ``backend`` field of every :class:`BackendUnavailable` this adapter raises."""

_REASON_LIMIT: Final = 300


def unavailable(action: str, exc: BaseException) -> BackendUnavailable:
    """The port error for a failed ``action``: the error's class and message, shortened."""
    text = str(exc)[:_REASON_LIMIT]
    return BackendUnavailable(backend=BACKEND, reason=f"{action}: {type(exc).__name__}: {text}")


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Raise :class:`BackendUnavailable` (chained) for any client error inside the block.

    ``OSError`` counts too (a socket error can escape the client while it connects), and so do
    the cluster client's own errors (a slot no node covers, no node reachable), which are not
    subclasses of ``RedisError``.
    """
    try:
        yield
    except (RedisError, RedisClusterException, OSError) as exc:
        raise unavailable(action, exc) from exc
