"""The Redis adapters (``redis.asyncio``): seat holds in Lua, cache, rate limiter, idempotency
keys and the live seat feed, on a standalone server or a Redis Cluster.

Open a client with :func:`connect` (``redis://…`` or ``redis+cluster://…``) and hand it to the
adapters; :func:`bookmyshow.bootstrap.from_settings` does this when ``BOOKMYSHOW_REDIS_URL`` is
set, keeping seat holds in Redis and sales in the database (the hybrid).  Key names and lifetimes
are in :mod:`bookmyshow.adapters.redis.keys`; see ``docs/redis.md``.  Install with the ``redis``
extra.
"""

from bookmyshow.adapters.redis.connection import RedisClient, connect, is_cluster_url, ping, ready
from bookmyshow.adapters.redis.errors import BACKEND

__all__ = ["BACKEND", "RedisClient", "connect", "is_cluster_url", "ping", "ready"]
