"""Opening Redis clients: standalone and cluster from one URL, errors as port errors."""

from __future__ import annotations

import pytest
from redis.asyncio.cluster import RedisCluster

from bookmyshow.adapters.redis import RedisClient, connect, is_cluster_url
from bookmyshow.adapters.redis.errors import translated
from bookmyshow.adapters.redis.scripts import LuaScript
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import BackendUnavailable
from tests.redis_backends import free_port


async def test_client_answers(redis_client: RedisClient, redis_namespace: str) -> None:
    """A client from the URL (standalone or cluster) reads back what it wrote."""
    key = f"{redis_namespace}:hello"
    await redis_client.set(key, b"world")
    assert await redis_client.get(key) == b"world"


@pytest.mark.parametrize(
    ("url", "cluster"),
    [
        ("redis://h:1/0", False),
        ("rediss://h:1", False),
        ("redis+cluster://h:1", True),
        ("REDISS+CLUSTER://h:1", True),
    ],
)
def test_cluster_urls_are_told_apart(url: str, cluster: bool) -> None:
    """Only the +cluster schemes name a cluster."""
    assert is_cluster_url(url) is cluster


@pytest.mark.parametrize("url", ["http://h:1", "h:1", "", "mysql://x"])
def test_other_schemes_are_refused(url: str) -> None:
    """A URL that is not Redis is an InvalidInput naming redis_url."""
    with pytest.raises(InvalidInput) as refused:
        connect(url)
    assert refused.value.field == "redis_url"


def test_refusal_never_quotes_the_password() -> None:
    """A malformed URL's error does not contain its password."""
    with pytest.raises(InvalidInput) as refused:
        connect("redis://user:s3cret@host:notaport/0")
    assert "s3cret" not in str(refused.value)


async def test_unreachable_server_is_backend_unavailable() -> None:
    """A refused connection becomes BackendUnavailable(backend='redis')."""
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    try:
        with pytest.raises(BackendUnavailable) as failed, translated("ping"):
            await client.ping()
        assert failed.value.backend == "redis"
    finally:
        await client.aclose()


async def test_script_survives_script_flush(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """After SCRIPT FLUSH a script still runs (reloaded by EVAL) and is cached again."""
    script = LuaScript("incr", "return redis.call('INCR', KEYS[1])")
    key = f"{redis_namespace}:{{n}}"
    assert await script.run(redis_client, [key], []) == 1
    await redis_client.script_flush()
    assert not await _cached(redis_client, script, key)
    assert await script.run(redis_client, [key], []) == 2
    assert await _cached(redis_client, script, key)


async def _cached(client: RedisClient, script: LuaScript, key: str) -> bool:
    """Whether the node serving ``key`` has ``script`` in its script cache."""
    if isinstance(client, RedisCluster):
        node = client.get_node_from_key(key)
        reply = await client.execute_command("SCRIPT EXISTS", script.sha, target_nodes=node)
    else:
        reply = await client.script_exists(script.sha)
    return bool(reply[0])
