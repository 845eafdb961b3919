"""redis.connection.ping: the readiness check of the Redis adapter."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.redis import RedisClient, connect
from bookmyshow.adapters.redis.connection import ping
from bookmyshow.ports.errors import BackendUnavailable
from tests.redis_backends import free_port


async def test_a_live_server_answers_the_ping(redis_client: RedisClient) -> None:
    """A reachable standalone server or cluster answers the ping."""
    await ping(redis_client)  # raises when it gets no answer


@pytest.mark.parametrize("scheme", ["redis", "redis+cluster"])
async def test_a_dead_port_is_backend_unavailable(scheme: str) -> None:
    """No server on the port: the ping raises BackendUnavailable, not a driver error."""
    client = connect(f"{scheme}://127.0.0.1:{free_port()}", timeout=0.5)
    try:
        with pytest.raises(BackendUnavailable) as failed:
            await ping(client)
        assert failed.value.backend == "redis"
    finally:
        await client.aclose()
