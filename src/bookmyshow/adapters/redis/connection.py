"""Opening a Redis client: a standalone server or a Redis Cluster, from one URL.

``redis://host:port/0`` (``rediss://`` for TLS) opens :class:`redis.asyncio.Redis`;
``redis+cluster://host:port`` (``rediss+cluster://``) opens
:class:`redis.asyncio.cluster.RedisCluster`, discovering the other nodes from the one named.  Every
adapter in this package takes either client (:data:`RedisClient`): each script and each
multi-key command touches keys of one hash slot only (see :mod:`bookmyshow.adapters.redis.keys`),
so the same code runs on both.

Retries are off.  A command that timed out may still have run on the server, and running a seat
hold twice must never be the client's decision; failures surface as
:class:`~bookmyshow.ports.errors.BackendUnavailable` instead.  Cluster redirections (``MOVED``,
``ASK``) are still followed: they are answers, not failures.
"""

from __future__ import annotations

import re
from typing import Final, TypeAlias

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisClusterException

from bookmyshow.adapters.redis.errors import translated
from bookmyshow.domain.errors import InvalidInput

__all__ = ["RedisClient", "connect", "is_cluster_url", "no_retries", "ping", "ready"]

RedisClient: TypeAlias = "Redis | RedisCluster"
"""A standalone client or a cluster client; every adapter here accepts both."""

_SCHEME: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_PLAIN: Final = frozenset({"redis", "rediss"})
_CLUSTER: Final = frozenset({"redis+cluster", "rediss+cluster"})

DEFAULT_TIMEOUT: Final = 5.0
"""Seconds to wait for a connection or a reply before the call fails."""


DEFAULT_MAX_CONNECTIONS: Final = 256
"""Connections a standalone client opens at most; further callers wait for one."""

DEFAULT_CLUSTER_MAX_CONNECTIONS: Final = 10_000
"""Connections a cluster client opens at most per node."""


def no_retries() -> Retry:
    """A retry policy that never retries (see the module: a resend is never ours to decide)."""
    return Retry(NoBackoff(), 0)


def is_cluster_url(url: str) -> bool:
    """Whether ``url`` names a Redis Cluster (``redis+cluster://`` or ``rediss+cluster://``)."""
    match = _SCHEME.match(url) if isinstance(url, str) else None
    return match is not None and match.group(1).lower() in _CLUSTER


def connect(
    url: str, *, timeout: float = DEFAULT_TIMEOUT, max_connections: int | None = None
) -> RedisClient:
    """A client for ``url`` with retries off and ``timeout`` seconds for connects and replies.

    ``max_connections`` bounds the connections per server: a standalone client queues callers
    beyond it (for up to ``timeout``), a cluster client fails them (redis-py's async cluster
    cannot queue), so its default is far larger.

    Nothing is sent until the first command.  Raises :class:`InvalidInput` for a scheme other
    than those above, options the client does not know, or a non-positive ``timeout``; the
    message never contains the URL, which may hold a password.
    """
    if not isinstance(url, str):
        raise InvalidInput(field="redis_url", reason="must be a string")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise InvalidInput(field="timeout", reason="must be a positive number of seconds")
    match = _SCHEME.match(url)
    scheme = "" if match is None else match.group(1).lower()
    if scheme not in _PLAIN | _CLUSTER:
        raise InvalidInput(
            field="redis_url",
            reason="use redis://, rediss://, redis+cluster:// or rediss+cluster://",
        )
    try:
        if scheme in _CLUSTER:
            plain = scheme.removesuffix("+cluster") + url[len(scheme) :]
            return RedisCluster.from_url(
                plain,
                retry=no_retries(),
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                # The async cluster client fails a command outright when a node's pool is
                # exhausted (it cannot wait), so its pools are large.
                max_connections=max_connections or DEFAULT_CLUSTER_MAX_CONNECTIONS,
            )
        # A blocking pool queues callers for a free connection (up to ``timeout``) instead of
        # failing them when a rush needs more connections than the pool allows.
        pool = BlockingConnectionPool.from_url(
            url,
            retry=no_retries(),
            retry_on_timeout=False,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            max_connections=max_connections or DEFAULT_MAX_CONNECTIONS,
            timeout=timeout,
        )
        # Building one connection (it does not connect) refuses unknown URL options now rather
        # than at the first command.
        pool.connection_class(**pool.connection_kwargs)
        # from_pool: closing the client closes the pool and its sockets too.
        return Redis.from_pool(pool)
    except (ValueError, TypeError, RedisClusterException):
        # The parser's message may quote the URL, password included.
        raise InvalidInput(field="redis_url", reason="not a valid Redis URL") from None


async def ready(client: RedisClient) -> RedisClient:
    """``client``, with a cluster client's node and slot map loaded; call before each command.

    Cheap after the first call.  Without it, a burst of first commands on a fresh cluster client
    races redis-py's own initialization and some fail with "Connection closed by server"
    (seen with redis-py 8.1); waiting here for one initialization avoids that.  A standalone
    client has nothing to load.  Raises ``BackendUnavailable`` when no node answers.
    """
    with translated("connect"):
        await client.initialize()
    return client


async def ping(client: RedisClient) -> None:
    """Send ``PING`` (to every primary of a cluster): a readiness check.

    Raises ``BackendUnavailable`` when the server (or a node) does not answer.
    """
    with translated("ping"):
        await (await ready(client)).ping()
