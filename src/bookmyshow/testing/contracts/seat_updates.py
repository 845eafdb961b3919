"""Contract suite for :class:`bookmyshow.ports.seat_updates.SeatUpdates` adapters.

Subclass :class:`SeatUpdatesContract` and override the ``seat_updates`` fixture (a plain or an
async fixture; make it yield to close what it opened).  A backend shared between processes also
overrides ``reopen``: a callable opening a second, independent instance over the same backend (a
new client, as another process would have), which the suite publishes through and subscribes on
to prove that changes cross instances.  By default ``reopen`` yields the same instance.

Every test uses fresh random show ids, so a fixture may reuse one backend between tests.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Final, TypeAlias

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.seat_updates import (
    MAX_BUFFER,
    FeedLagged,
    SeatChange,
    SeatChangeKind,
    SeatUpdates,
)

__all__ = ["DELIVERY_TIMEOUT", "Reopen", "SeatUpdatesContract", "receive"]

Reopen: TypeAlias = Callable[[], AbstractAsyncContextManager[SeatUpdates]]
"""Opens another instance over the same backend, closed when its block ends."""

DELIVERY_TIMEOUT: Final = 10.0
"""Seconds a published change may take to reach a subscriber before a test fails."""

_AT = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
_contract = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
)
_kinds = st.sampled_from(list(SeatChangeKind))
_seat_sets = st.frozensets(st.sampled_from(["A1", "A2", "B1", "B2", "C7"]), min_size=1)


def _show() -> str:
    return f"show-{uuid.uuid4().hex[:12]}"


def _change(show_id: str, n: int, kind: SeatChangeKind = SeatChangeKind.HELD) -> SeatChange:
    return SeatChange(
        show_id=show_id,
        kind=kind,
        seats=frozenset({f"A{n % 20 + 1}", f"Z{n}"}),
        occurred_at=_AT + timedelta(seconds=n),
    )


async def receive(feed: AsyncIterator[SeatChange], count: int) -> list[SeatChange]:
    """The next ``count`` changes of ``feed``; fails the test if one takes too long."""
    out: list[SeatChange] = []
    for _ in range(count):
        out.append(await asyncio.wait_for(anext(feed), DELIVERY_TIMEOUT))
    return out


async def _next_is(feed: AsyncIterator[SeatChange], marker: SeatChange) -> None:
    """Nothing but ``marker`` (published after everything else) arrives next."""
    assert await receive(feed, 1) == [marker]


class SeatUpdatesContract:
    """What every seat feed promises: per-show order, isolation, fan-out, bounded buffers."""

    @pytest.fixture
    def seat_updates(self) -> SeatUpdates:
        """The feed under test (override in a subclass)."""
        raise NotImplementedError

    @pytest.fixture
    def reopen(self, seat_updates: SeatUpdates) -> Reopen:
        """Opens another instance over the same backend; by default the same instance."""

        @asynccontextmanager
        async def same() -> AsyncIterator[SeatUpdates]:
            yield seat_updates

        return same

    @pytest.mark.asyncio
    async def test_changes_arrive_in_publish_order(
        self, seat_updates: SeatUpdates, reopen: Reopen
    ) -> None:
        """A subscriber receives its show's changes, published by another instance, in order."""
        show = _show()
        changes = [_change(show, n, kind) for n, kind in enumerate(SeatChangeKind)]
        async with reopen() as other, seat_updates.subscribe(show) as feed:
            for change in changes:
                await other.publish(change)
            assert await receive(feed, len(changes)) == changes

    @pytest.mark.asyncio
    async def test_change_round_trips_exactly(self, seat_updates: SeatUpdates) -> None:
        """The change received equals the change published, seats and instant included."""
        show = _show()
        change = SeatChange(
            show_id=show,
            kind="returned",
            seats=["A1", "B12", "Balcony-3"],
            occurred_at=datetime(2030, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        )
        async with seat_updates.subscribe(show) as feed:
            await seat_updates.publish(change)
            [got] = await receive(feed, 1)
        assert got == change
        assert got.kind is SeatChangeKind.RETURNED
        assert got.occurred_at.tzinfo is not None

    @pytest.mark.asyncio
    async def test_shows_are_isolated(self, seat_updates: SeatUpdates, reopen: Reopen) -> None:
        """A subscriber of one show receives none of another show's changes."""
        one, two = _show(), _show()
        async with (
            reopen() as other,
            seat_updates.subscribe(one) as first,
            seat_updates.subscribe(two) as second,
        ):
            await other.publish(_change(one, 1))
            await other.publish(_change(two, 2))
            await other.publish(_change(one, 3))
            assert await receive(first, 2) == [_change(one, 1), _change(one, 3)]
            assert await receive(second, 1) == [_change(two, 2)]
            marker = _change(two, 4)
            await other.publish(marker)
            await _next_is(second, marker)

    @pytest.mark.asyncio
    async def test_only_changes_after_subscribing(
        self, seat_updates: SeatUpdates, reopen: Reopen
    ) -> None:
        """Changes published before a subscription was opened never reach it."""
        show = _show()
        async with reopen() as other:
            await other.publish(_change(show, 1))
            await seat_updates.publish(_change(show, 2))
            async with seat_updates.subscribe(show) as feed:
                await other.publish(_change(show, 3))
                assert await receive(feed, 1) == [_change(show, 3)]

    @pytest.mark.asyncio
    async def test_a_later_subscriber_starts_later(
        self, seat_updates: SeatUpdates, reopen: Reopen
    ) -> None:
        """A second subscription to a watched show starts where it was opened."""
        show = _show()
        async with reopen() as other, seat_updates.subscribe(show) as early:
            await other.publish(_change(show, 1))
            assert await receive(early, 1) == [_change(show, 1)]
            await other.publish(_change(show, 2))
            async with seat_updates.subscribe(show) as late:
                await other.publish(_change(show, 3))
                assert await receive(late, 1) == [_change(show, 3)]
            assert await receive(early, 2) == [_change(show, 2), _change(show, 3)]

    @pytest.mark.asyncio
    async def test_every_subscriber_gets_everything(
        self, seat_updates: SeatUpdates, reopen: Reopen
    ) -> None:
        """Subscribers on two instances each receive every change of the show, in order."""
        show = _show()
        changes = [_change(show, n) for n in range(12)]
        async with reopen() as other, AsyncExitStack() as stack:
            feeds = [
                await stack.enter_async_context(seat_updates.subscribe(show)),
                await stack.enter_async_context(seat_updates.subscribe(show)),
                await stack.enter_async_context(other.subscribe(show)),
            ]
            for n, change in enumerate(changes):
                await (other if n % 2 else seat_updates).publish(change)
            for feed in feeds:
                assert await receive(feed, len(changes)) == changes

    @pytest.mark.asyncio
    async def test_concurrent_publishers_give_one_order(
        self, seat_updates: SeatUpdates, reopen: Reopen
    ) -> None:
        """Under 40 concurrent publishes from two instances every subscriber sees one order."""
        show = _show()
        changes = [_change(show, n) for n in range(40)]
        async with (
            reopen() as other,
            seat_updates.subscribe(show) as first,
            other.subscribe(show) as second,
        ):
            await asyncio.gather(
                *((other if n % 2 else seat_updates).publish(c) for n, c in enumerate(changes))
            )
            seen = await receive(first, len(changes))
            assert sorted(seen, key=lambda c: c.occurred_at) == changes
            assert await receive(second, len(changes)) == seen

    @pytest.mark.asyncio
    @_contract
    @given(
        script=st.lists(st.tuples(st.integers(0, 2), _kinds, _seat_sets), max_size=15),
    )
    async def test_any_interleaving_is_delivered_per_show(
        self,
        seat_updates: SeatUpdates,
        reopen: Reopen,
        script: Sequence[tuple[int, SeatChangeKind, frozenset[str]]],
    ) -> None:
        """Any sequence of changes over three shows reaches each show's subscriber as exactly
        that show's changes, in publish order."""
        shows = [_show() for _ in range(3)]
        changes = [
            SeatChange(show_id=shows[i], kind=k, seats=s, occurred_at=_AT + timedelta(seconds=n))
            for n, (i, k, s) in enumerate(script)
        ]
        async with reopen() as other, AsyncExitStack() as stack:
            feeds = [await stack.enter_async_context(seat_updates.subscribe(s)) for s in shows]
            for change in changes:
                await other.publish(change)
            for show, feed in zip(shows, feeds, strict=True):
                expected = [c for c in changes if c.show_id == show]
                assert await receive(feed, len(expected)) == expected
                marker = _change(show, 999)
                await other.publish(marker)
                await _next_is(feed, marker)

    @pytest.mark.asyncio
    async def test_closing_frees_the_subscription(self, seat_updates: SeatUpdates) -> None:
        """A closed subscription is no longer counted, its iterator ends, and the show's other
        subscriptions and new ones go on receiving."""
        show = _show()
        assert seat_updates.subscriber_count(show) == 0
        async with seat_updates.subscribe(show) as staying:
            async with seat_updates.subscribe(show) as leaving:
                assert seat_updates.subscriber_count(show) == 2
            assert seat_updates.subscriber_count(show) == 1
            with pytest.raises(StopAsyncIteration):
                await anext(leaving)
            await seat_updates.publish(_change(show, 1))
            assert await receive(staying, 1) == [_change(show, 1)]
        assert seat_updates.subscriber_count(show) == 0
        with pytest.raises(StopAsyncIteration):
            await anext(staying)
        async with seat_updates.subscribe(show) as again:
            await seat_updates.publish(_change(show, 2))
            assert await receive(again, 1) == [_change(show, 2)]

    @pytest.mark.asyncio
    async def test_a_slow_subscriber_lags(self, seat_updates: SeatUpdates, reopen: Reopen) -> None:
        """A subscription whose buffer overflows raises FeedLagged (and keeps raising it) while
        a subscriber that keeps up receives everything."""
        show = _show()
        changes = [_change(show, n) for n in range(5)]
        async with (
            reopen() as other,
            seat_updates.subscribe(show, buffer=3) as slow,
            seat_updates.subscribe(show) as fast,
        ):
            for change in changes:
                await other.publish(change)
            # The fast one got all five: so all five reached the slow one's buffer of three.
            assert await receive(fast, len(changes)) == changes
            for _ in range(2):
                with pytest.raises(FeedLagged) as lagged:
                    await anext(slow)
                assert lagged.value.code == "feed_lagged"
                assert (lagged.value.show_id, lagged.value.buffer) == (show, 3)
            async with seat_updates.subscribe(show, buffer=3) as fresh:
                await other.publish(_change(show, 9))
                assert await receive(fresh, 1) == [_change(show, 9)]

    @pytest.mark.asyncio
    async def test_a_subscriber_that_keeps_up_never_lags(self, seat_updates: SeatUpdates) -> None:
        """With a buffer of one, reading each change before the next is published loses none."""
        show = _show()
        async with seat_updates.subscribe(show, buffer=1) as feed:
            for n in range(10):
                await seat_updates.publish(_change(show, n))
                assert await receive(feed, 1) == [_change(show, n)]

    @pytest.mark.asyncio
    async def test_bad_input_is_refused(self, seat_updates: SeatUpdates) -> None:
        """publish() of a non-change and subscribe() with an empty show id or a buffer outside
        1..MAX_BUFFER raise InvalidInput naming the argument."""
        with pytest.raises(InvalidInput) as info:
            await seat_updates.publish({"show_id": "s1"})  # type: ignore[arg-type]
        assert info.value.field == "change"
        for show_id in ("", 7):
            with pytest.raises(InvalidInput) as info:
                seat_updates.subscribe(show_id)  # type: ignore[arg-type]
            assert info.value.field == "show_id"
        for buffer in (0, -1, MAX_BUFFER + 1, True, 2.0):
            with pytest.raises(InvalidInput) as info:
                seat_updates.subscribe(_show(), buffer=buffer)  # type: ignore[arg-type]
            assert info.value.field == "buffer"
