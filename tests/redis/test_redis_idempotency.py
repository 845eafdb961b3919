"""The Redis idempotency store: the contract on a standalone server and a cluster, plus its
scripts' specifics (concurrent begins, judging by the injected clock, TTLs, bytes, failures)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.idempotency import MemoryIdempotencyStore
from bookmyshow.adapters.redis import RedisClient, connect
from bookmyshow.adapters.redis.idempotency import (
    IDEMPOTENCY_KEY_GRACE,
    MAX_SPAN,
    RedisIdempotencyStore,
)
from bookmyshow.adapters.redis.keys import idempotency_key
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import BackendUnavailable, IdempotencyKeyReused, NotFound, PortError
from bookmyshow.ports.idempotency import (
    Completed,
    IdempotencyInProgress,
    IdempotencyStore,
    Started,
)
from bookmyshow.testing.contracts.idempotency import IdempotencyStoreContract
from tests.redis_backends import free_port

pytestmark = pytest.mark.timeout(120)

LEASE = timedelta(minutes=5)
RETENTION = timedelta(hours=24)
_runs = itertools.count()


class TestRedisIdempotencyStore(IdempotencyStoreContract):
    """RedisIdempotencyStore keeps the idempotency store contract on both targets."""

    @pytest.fixture
    def store(
        self, clock: ManualClock, redis_client: RedisClient, redis_namespace: str
    ) -> IdempotencyStore:
        """A Redis store on the manual clock, in the test's own namespace."""
        return RedisIdempotencyStore(
            redis_client,
            clock=clock,
            lease=self.lease,
            retention=self.retention,
            namespace=redis_namespace,
        )


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock at an instant with a non-zero microsecond part."""
    return ManualClock(datetime(2030, 1, 1, 9, 0, 0, 654_321, tzinfo=UTC))


@pytest.fixture
def store(
    clock: ManualClock, redis_client: RedisClient, redis_namespace: str
) -> RedisIdempotencyStore:
    """A Redis store on the manual clock (5 min lease, 24 h retention), in its own namespace."""
    return RedisIdempotencyStore(
        redis_client, clock=clock, lease=LEASE, retention=RETENTION, namespace=redis_namespace
    )


async def test_fifty_concurrent_begins_start_once(store: RedisIdempotencyStore) -> None:
    """Of 50 concurrent begin() calls on a free key, one is Started, 49 IdempotencyInProgress."""
    results = await asyncio.gather(
        *(store.begin("hot", "fp") for _ in range(50)), return_exceptions=True
    )
    assert sum(isinstance(r, Started) for r in results) == 1
    assert sum(isinstance(r, IdempotencyInProgress) for r in results) == 49


async def test_concurrent_takeovers_of_a_stale_start_start_once(
    store: RedisIdempotencyStore, clock: ManualClock
) -> None:
    """Once a lease ran out, of 50 concurrent begin() calls exactly one takes the key over."""
    await store.begin("stale", "fp")
    clock.advance(LEASE)
    results = await asyncio.gather(
        *(store.begin("stale", "fp") for _ in range(50)), return_exceptions=True
    )
    assert sum(isinstance(r, Started) for r in results) == 1
    assert sum(isinstance(r, IdempotencyInProgress) for r in results) == 49


async def test_lease_end_is_exact_to_the_microsecond(
    store: RedisIdempotencyStore, clock: ManualClock
) -> None:
    """One µs before the lease ends the key is in progress; at the lease end it is free."""
    await store.begin("k", "fp")
    clock.advance(LEASE - timedelta(microseconds=1))
    with pytest.raises(IdempotencyInProgress):
        await store.begin("k", "fp")
    clock.advance(timedelta(microseconds=1))
    assert await store.begin("k", "fp") == Started(key="k")


async def test_late_completion_is_kept_until_a_takeover(
    store: RedisIdempotencyStore, clock: ManualClock
) -> None:
    """A start completed after its lease but before anyone took it over records the response."""
    await store.begin("slow", "fp")
    clock.advance(LEASE * 3)
    await store.complete("slow", "done")
    assert await store.begin("slow", "fp") == Completed(key="slow", response="done")


async def test_an_unfinished_start_is_forgotten_a_retention_after_its_lease(
    store: RedisIdempotencyStore, clock: ManualClock
) -> None:
    """A start never completed is remembered until its lease ended a retention ago, then not."""
    await store.begin("dead", "fp")
    await store.begin("alive", "fp")
    clock.advance(LEASE + RETENTION - timedelta(microseconds=1))
    assert await store.abandon("alive") is True
    clock.advance(timedelta(microseconds=1))
    with pytest.raises(NotFound):
        await store.complete("dead", "late")
    assert await store.abandon("dead") is False


async def test_key_ttls_outlive_the_entries(
    store: RedisIdempotencyStore, redis_client: RedisClient, redis_namespace: str
) -> None:
    """A start's hash lives lease + retention + grace; a completion's retention + grace."""
    key = idempotency_key(redis_namespace, "ttl")
    ms = timedelta(milliseconds=1)
    await store.begin("ttl", "fp")
    started = (LEASE + RETENTION + IDEMPOTENCY_KEY_GRACE) // ms
    assert started - 5_000 < await redis_client.pttl(key) <= started
    await store.complete("ttl", "ok")
    completed = (RETENTION + IDEMPOTENCY_KEY_GRACE) // ms
    assert completed - 5_000 < await redis_client.pttl(key) <= completed


async def test_text_round_trips_byte_for_byte(store: RedisIdempotencyStore) -> None:
    """Fingerprints and responses with any Unicode (lone surrogates too) are kept exactly."""
    fingerprint = "fp-é-\ud800"
    response = '{"name": "Zoë 🎬", "odd": "\udfff"}'
    await store.begin("u", fingerprint)
    await store.complete("u", response)
    assert await store.begin("u", fingerprint) == Completed(key="u", response=response)
    with pytest.raises(IdempotencyKeyReused):
        await store.begin("u", "fp-é-\ud801")


async def test_keys_that_look_alike_are_independent(store: RedisIdempotencyStore) -> None:
    """Keys differing only around braces or colons never share an entry."""
    keys = ["a", "a}", "{a}", "a:b", "a}:{b"]
    for key in keys:
        assert await store.begin(key, "fp") == Started(key=key)
    for key in keys:
        await store.complete(key, f"r-{key}")
    for key in keys:
        assert await store.begin(key, "fp") == Completed(key=key, response=f"r-{key}")


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["begin", "begin", "complete", "abandon", "advance"]),
            st.sampled_from(["a", "b"]),
            st.sampled_from(["f1", "f2"]),
            st.sampled_from([timedelta(seconds=1), LEASE - timedelta(seconds=1), LEASE]),
        ),
        max_size=30,
    )
)
async def test_agrees_with_the_memory_store(
    redis_client: RedisClient,
    redis_namespace: str,
    ops: list[tuple[str, str, str, timedelta]],
) -> None:
    """Any sequence of calls and clock moves within a retention gets the memory store's answers."""
    clock = ManualClock()
    redis = RedisIdempotencyStore(
        redis_client,
        clock=clock,
        lease=LEASE,
        retention=RETENTION,
        namespace=f"{redis_namespace}:p{next(_runs)}",
    )
    memory = MemoryIdempotencyStore(clock, lease=LEASE, retention=RETENTION)
    stores: tuple[IdempotencyStore, IdempotencyStore] = (redis, memory)
    for step, (op, key, fingerprint, by) in enumerate(ops):
        if op == "advance":
            clock.advance(by)
            continue
        answers = [await _outcome(store, op, key, fingerprint, f"r{step % 3}") for store in stores]
        assert answers[0] == answers[1], (op, key)


async def _outcome(
    store: IdempotencyStore, op: str, key: str, fingerprint: str, response: str
) -> object:
    """What one call returned, or its error's class and fields (errors compare by identity)."""
    try:
        if op == "begin":
            return await store.begin(key, fingerprint)
        if op == "complete":
            await store.complete(key, response)
            return None
        return await store.abandon(key)
    except PortError as exc:
        return (type(exc), str(exc))


@pytest.mark.parametrize("name", ["lease", "retention"])
@pytest.mark.parametrize("value", [timedelta(0), MAX_SPAN + timedelta(microseconds=1)])
async def test_bad_spans_are_refused(name: str, value: timedelta) -> None:
    """A lease or retention that is not positive or exceeds ten years is InvalidInput naming it."""
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    try:
        with pytest.raises(InvalidInput) as refused:
            RedisIdempotencyStore(client, clock=ManualClock(), **{name: value})  # type: ignore[arg-type]
        assert refused.value.field == name
    finally:
        await client.aclose()


async def test_clock_past_the_exact_range_is_refused_before_sending() -> None:
    """A clock so late that now + lease + retention reaches 2**53 µs is InvalidInput on now."""
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    try:
        edge = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=2**53) - LEASE - RETENTION
        store = RedisIdempotencyStore(
            client, clock=ManualClock(edge), lease=LEASE, retention=RETENTION
        )
        for call in (store.begin("k", "fp"), store.complete("k", "r"), store.abandon("k")):
            with pytest.raises(InvalidInput) as refused:
                await call
            assert refused.value.field == "now"
    finally:
        await client.aclose()


async def test_key_without_utf8_form_is_refused(store: RedisIdempotencyStore) -> None:
    """A key with a lone surrogate is InvalidInput on key."""
    with pytest.raises(InvalidInput) as refused:
        await store.begin("bad\ud800", "fp")
    assert refused.value.field == "key"


async def test_unreachable_server_is_backend_unavailable() -> None:
    """Each call on a server that is not there raises BackendUnavailable(backend='redis')."""
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    try:
        store = RedisIdempotencyStore(client, clock=ManualClock())
        for call in (store.begin("k", "fp"), store.complete("k", "r"), store.abandon("k")):
            with pytest.raises(BackendUnavailable) as failed:
                await call
            assert failed.value.backend == "redis"
    finally:
        await client.aclose()
