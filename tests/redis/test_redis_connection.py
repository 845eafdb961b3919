"""Opening Redis clients: standalone and cluster from one URL, errors as port errors."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio.cluster import RedisCluster

from bookmyshow.adapters.redis import RedisClient, connect, is_cluster_url, ready
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


@pytest.mark.parametrize(
    "url",
    [
        "http://h:1",
        "h:1",
        "",
        "mysql://x",
        "redis://127.0.0.1:6379/0?no_such_option=1",
        "redis+cluster://127.0.0.1:6379/0?no_such_option=1",
        "redis+cluster://127.0.0.1:6379/3",
    ],
)
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


async def test_closing_a_client_closes_its_connections(redis_url: str) -> None:
    """aclose() closes the pooled connections too: the server no longer lists the client."""
    client = connect(redis_url)
    admin = connect(redis_url)
    try:
        name = f"bms-close-{uuid.uuid4().hex[:8]}"
        await client.client_setname(name)
        listed = await admin.client_list()
        assert any(entry.get("name") == name for entry in listed)
        await client.aclose()
        for _ in range(100):
            listed = await admin.client_list()
            if not any(entry.get("name") == name for entry in listed):
                break
            await asyncio.sleep(0.01)
        assert not any(entry.get("name") == name for entry in listed)
    finally:
        await admin.aclose()


async def test_ready_on_an_unreachable_cluster_is_backend_unavailable() -> None:
    """Loading the slot map of a cluster nobody serves is BackendUnavailable, not a driver error."""
    client = connect(f"redis+cluster://127.0.0.1:{free_port()}", timeout=0.5)
    with pytest.raises(BackendUnavailable) as failed:
        await ready(client)
    assert failed.value.backend == "redis"
