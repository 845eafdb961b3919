"""The Redis seat feed: the contract on a standalone server and a cluster, then what is Redis's
own — the entry format, readers on connections of their own, trimming, failures."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest

from bookmyshow.adapters.redis import RedisClient, connect
from bookmyshow.adapters.redis.keys import ShowKeys
from bookmyshow.adapters.redis.seat_updates import RedisSeatUpdates
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.seat_updates import MAX_BUFFER, FeedLagged, SeatChange, SeatUpdates
from bookmyshow.testing.contracts.seat_updates import Reopen, SeatUpdatesContract, receive
from tests.redis_backends import PrivateRedis, drop_namespace

AT = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
QUICK = timedelta(milliseconds=500)
"""A short blocking read, so tests notice a stopped server within a second or two."""


def _show() -> str:
    return f"show-{uuid.uuid4().hex[:12]}"


def _change(show_id: str, n: int) -> SeatChange:
    return SeatChange(
        show_id=show_id, kind="held", seats=[f"A{n % 9 + 1}"], occurred_at=AT + n * QUICK
    )


async def _eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait until ``check()`` holds; fail the test after ten seconds."""
    deadline = asyncio.get_running_loop().time() + 10
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.05)


class TestRedisSeatUpdates(SeatUpdatesContract):
    """RedisSeatUpdates keeps the seat-feed contract, standalone and on a cluster; ``reopen``
    is a second adapter on a client of its own (another process, as far as Redis can tell)."""

    @pytest.fixture
    async def redis_updates(
        self, redis_client: RedisClient, redis_namespace: str
    ) -> AsyncIterator[RedisSeatUpdates]:
        """The adapter on the test's client and namespace, closed after the test."""
        updates = RedisSeatUpdates(redis_client, namespace=redis_namespace, block=QUICK)
        try:
            yield updates
        finally:
            await updates.aclose()

    @pytest.fixture
    def seat_updates(self, redis_updates: RedisSeatUpdates) -> SeatUpdates:
        """The adapter under test."""
        return redis_updates

    @pytest.fixture
    def reopen(self, redis_target: str, redis_namespace: str) -> Reopen:
        """Another adapter on a new client of the same server, in the same namespace."""

        @asynccontextmanager
        async def other() -> AsyncIterator[SeatUpdates]:
            client = connect(redis_target)
            updates = RedisSeatUpdates(client, namespace=redis_namespace, block=QUICK)
            try:
                yield updates
            finally:
                await updates.aclose()
                await client.aclose()

        return other


async def test_entries_are_a_small_field_map_with_a_ttl(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """An entry holds seq, kind, sorted seats as JSON and microseconds; the key expires."""
    updates = RedisSeatUpdates(redis_client, namespace=redis_namespace, ttl=timedelta(minutes=5))
    show = _show()
    at = datetime(2030, 1, 1, 9, 0, 0, 250, tzinfo=UTC)
    await updates.publish(SeatChange(show_id=show, kind="sold", seats=["B2", "A1"], occurred_at=at))
    await updates.publish(_change(show, 1))
    key = ShowKeys(redis_namespace, show).feed
    entries = await redis_client.xrange(key)
    assert entries is not None
    assert entries[0][1] == {
        b"seq": b"1",
        b"kind": b"sold",
        b"seats": b'["A1","B2"]',
        b"at": str(int(at.timestamp()) * 1_000_000 + 250).encode(),
    }
    assert entries[1][1] is not None
    assert entries[1][1][b"seq"] == b"2"
    assert 0 < await redis_client.pttl(key) <= 5 * 60 * 1000


@pytest.mark.parametrize("protocol", [2, 3])
async def test_both_protocols_read_the_feed(
    redis_target: str, redis_namespace: str, protocol: int
) -> None:
    """Readers decode XREAD replies in RESP2 and RESP3 alike."""
    client = connect(f"{redis_target}?protocol={protocol}")
    updates = RedisSeatUpdates(client, namespace=redis_namespace, block=QUICK)
    show = _show()
    try:
        async with updates.subscribe(show) as feed:
            await updates.publish(_change(show, 1))
            await updates.publish(_change(show, 2))
            assert await receive(feed, 2) == [_change(show, 1), _change(show, 2)]
    finally:
        await updates.aclose()
        await drop_namespace(client, redis_namespace)
        await client.aclose()


async def test_streams_are_trimmed_approximately(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """With maxlen 10, 400 publishes leave the stream far shorter than 400 (whole nodes go)."""
    updates = RedisSeatUpdates(redis_client, namespace=redis_namespace, maxlen=10)
    show = _show()
    for n in range(400):
        await updates.publish(_change(show, n))
    length = await redis_client.xlen(ShowKeys(redis_namespace, show).feed)
    assert 10 <= length <= 110


async def test_readers_do_not_use_the_client_pool(redis_target: str, redis_namespace: str) -> None:
    """Blocked feed readers use no pool connection: with a pool of two, six shows' commands run."""
    # Two connections (per node), readers blocking three seconds at a time: no command may
    # wait out its one-second timeout.
    client = connect(redis_target, max_connections=2, timeout=1)
    updates = RedisSeatUpdates(client, namespace=redis_namespace, block=timedelta(seconds=3))
    shows = [_show() for _ in range(6)]
    try:
        async with _subscribed(updates, shows) as feeds:
            await _eventually(lambda: _true(updates.watched_shows() == frozenset(shows)))
            # Let every reader sit in a blocking read, then use the client as usual.
            await asyncio.sleep(0.2)
            for show, feed in zip(shows, feeds, strict=True):
                await updates.publish(_change(show, 1))
                assert await receive(feed, 1) == [_change(show, 1)]
            assert await client.ping()
    finally:
        await updates.aclose()
        await drop_namespace(client, redis_namespace)
        await client.aclose()


async def test_the_reader_stops_with_the_last_subscription(
    private_redis: PrivateRedis,
) -> None:
    """A show's subscribers share one reader connection, which goes when the last one closes."""
    client = connect(private_redis.url)
    updates = RedisSeatUpdates(client, block=QUICK)
    show = _show()

    async def blocked_readers() -> int:
        clients = await client.client_list()
        return sum(1 for c in clients if c.get("cmd") == "xread")

    try:
        async with updates.subscribe(show), updates.subscribe(show):
            assert updates.watched_shows() == {show}
            await _eventually(lambda: _equals(blocked_readers(), 1))
        assert updates.watched_shows() == frozenset()
        assert updates.subscriber_count(show) == 0
        await _eventually(lambda: _equals(blocked_readers(), 0))
    finally:
        await updates.aclose()
        await client.aclose()


async def test_a_reader_that_falls_behind_the_trim_lags(
    redis_client: RedisClient, redis_target: str, redis_namespace: str
) -> None:
    """Entries trimmed before the reader got them raise FeedLagged; a later subscription is fine."""
    # FeedLagged even with room in the subscriptions' buffers.
    updates = RedisSeatUpdates(redis_client, namespace=redis_namespace, maxlen=10, block=QUICK)
    show = _show()

    def publish_elsewhere() -> None:
        async def run() -> None:
            client = connect(redis_target)
            other = RedisSeatUpdates(client, namespace=redis_namespace, maxlen=10)
            try:
                for n in range(600):
                    await other.publish(_change(show, n))
            finally:
                await client.aclose()

        asyncio.run(run())

    try:
        async with updates.subscribe(show, buffer=MAX_BUFFER) as feed:
            # Joined without awaiting: this loop, and so the reader, stands still meanwhile.
            thread = threading.Thread(target=publish_elsewhere)
            thread.start()
            thread.join()
            with pytest.raises(FeedLagged) as lagged:
                await asyncio.wait_for(anext(feed), 10)
            assert lagged.value.show_id == show
            async with updates.subscribe(show) as fresh:
                await updates.publish(_change(show, 1000))
                assert await receive(fresh, 1) == [_change(show, 1000)]
    finally:
        await updates.aclose()


async def test_a_malformed_entry_is_backend_unavailable(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """A feed entry this adapter did not write ends subscriptions with BackendUnavailable."""
    # Not a driver or decoding error.
    updates = RedisSeatUpdates(redis_client, namespace=redis_namespace, block=QUICK)
    show = _show()
    try:
        async with updates.subscribe(show) as feed:
            await redis_client.xadd(ShowKeys(redis_namespace, show).feed, {b"seq": b"x"})
            with pytest.raises(BackendUnavailable) as failed:
                await asyncio.wait_for(anext(feed), 10)
            assert failed.value.backend == "redis"
            assert "malformed" in failed.value.reason
    finally:
        await updates.aclose()


async def test_an_entry_of_an_unknown_kind_is_skipped(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """An entry of a kind this version does not know (a newer writer) is skipped, not fatal."""
    updates = RedisSeatUpdates(redis_client, namespace=redis_namespace, block=QUICK)
    show = _show()
    try:
        async with updates.subscribe(show) as feed:
            await updates.publish(_change(show, 1))
            # Numbered as the publish script numbers entries, so no gap is seen.
            await redis_client.xadd(
                ShowKeys(redis_namespace, show).feed,
                {b"seq": b"2", b"kind": b"teleported", b"seats": b'["A9"]', b"at": b"0"},
            )
            await updates.publish(_change(show, 3))
            first, second = await receive(feed, 2)
            assert (first, second) == (_change(show, 1), _change(show, 3))
    finally:
        await updates.aclose()


async def test_a_server_that_goes_away_fails_subscribers(private_redis: PrivateRedis) -> None:
    """A stopped server fails subscribers, publishes and new subscriptions: BackendUnavailable."""
    # Failed, not left hanging; after a restart a new subscription works.
    client = connect(private_redis.url, timeout=1)
    updates = RedisSeatUpdates(client, block=QUICK)
    show = _show()
    try:
        async with updates.subscribe(show) as first, updates.subscribe(show) as second:
            await updates.publish(_change(show, 1))
            assert await receive(first, 1) == [_change(show, 1)]
            assert await receive(second, 1) == [_change(show, 1)]
            waiting = asyncio.ensure_future(anext(second))
            await asyncio.sleep(0)
            private_redis.stop()
            for step in (waiting, anext(first)):
                with pytest.raises(BackendUnavailable) as failed:
                    await asyncio.wait_for(step, 10)
                assert failed.value.backend == "redis"
            assert updates.watched_shows() == frozenset()
            with pytest.raises(BackendUnavailable):
                await updates.publish(_change(show, 2))
            with pytest.raises(BackendUnavailable):
                async with updates.subscribe(show):
                    pass
        private_redis.start()
        async with updates.subscribe(show) as again:
            await updates.publish(_change(show, 3))
            assert await receive(again, 1) == [_change(show, 3)]
    finally:
        await updates.aclose()
        await client.aclose()


async def test_aclose_ends_subscriptions(redis_client: RedisClient, redis_namespace: str) -> None:
    """aclose() stops the readers and ends open subscriptions; later ones are refused."""
    updates = RedisSeatUpdates(redis_client, namespace=redis_namespace, block=QUICK)
    show = _show()
    async with updates.subscribe(show) as feed:
        waiting = asyncio.ensure_future(anext(feed))
        await asyncio.sleep(0)
        await updates.aclose()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(waiting, 10)
        assert updates.watched_shows() == frozenset()
    with pytest.raises(BackendUnavailable):
        async with updates.subscribe(show):
            pass
    await updates.aclose()


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"namespace": "a{b"}, "namespace"),
        ({"maxlen": 0}, "maxlen"),
        ({"ttl": timedelta(0)}, "ttl"),
        ({"ttl": timedelta(microseconds=10)}, "ttl"),
        ({"block": timedelta(seconds=-1)}, "block"),
        ({"block": 5}, "block"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, object], field: str) -> None:
    """A bad namespace, maxlen under 1, or ttl or block under 1 ms is InvalidInput naming it."""
    # The client points at a closed port: the refusal needs no server.
    client = connect("redis://127.0.0.1:1/0")
    with pytest.raises(InvalidInput) as refused:
        RedisSeatUpdates(client, **options)  # type: ignore[arg-type]
    assert refused.value.field == field


# --- helpers -------------------------------------------------------------------------------


async def _true(value: bool) -> bool:
    return value


async def _equals(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


@asynccontextmanager
async def _subscribed(
    updates: RedisSeatUpdates, shows: list[str]
) -> AsyncIterator[list[AsyncIterator[SeatChange]]]:
    """One open subscription per show, closed together."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(updates.subscribe(s)) for s in shows]
