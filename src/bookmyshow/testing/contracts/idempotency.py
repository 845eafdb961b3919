"""Contract suite for :class:`bookmyshow.ports.idempotency.IdempotencyStore` adapters.

Subclass :class:`IdempotencyStoreContract` and override ``store``: build it on the ``clock``
fixture with ``lease=self.lease`` and ``retention=self.retention``.  A backend that expires keys on
its own server clock overrides :meth:`IdempotencyStoreContract.advance`.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import Conflict, IdempotencyKeyReused, NotFound
from bookmyshow.ports.idempotency import (
    Completed,
    IdempotencyInProgress,
    IdempotencyStore,
    Started,
)

__all__ = ["IdempotencyStoreContract"]

_contract = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
)
_keys = itertools.count()


class IdempotencyStoreContract:
    """What every idempotency store promises: one start per key, replayed completions."""

    lease: ClassVar[timedelta] = timedelta(minutes=5)
    retention: ClassVar[timedelta] = timedelta(hours=24)

    @pytest.fixture
    def clock(self) -> ManualClock:
        """The manual clock the store reads."""
        return ManualClock()

    @pytest.fixture
    def store(self, clock: ManualClock) -> IdempotencyStore:
        """The store under test, empty, with ``self.lease``/``self.retention`` (override)."""
        raise NotImplementedError

    async def advance(self, clock: ManualClock, by: timedelta) -> None:
        """Let ``by`` pass for the store (hook for backends on their own clock)."""
        clock.advance(by)

    @pytest.mark.asyncio
    async def test_first_begin_starts(self, store: IdempotencyStore) -> None:
        """begin() on a fresh key returns Started for that key."""
        assert await store.begin("k1", "fp") == Started(key="k1")

    @pytest.mark.asyncio
    async def test_completed_key_replays_response(self, store: IdempotencyStore) -> None:
        """After complete(), begin() with the same fingerprint returns the stored response."""
        await store.begin("k1", "fp")
        await store.complete("k1", '{"booking": "b1"}')
        assert await store.begin("k1", "fp") == Completed(key="k1", response='{"booking": "b1"}')
        assert await store.begin("k1", "fp") == Completed(key="k1", response='{"booking": "b1"}')

    @pytest.mark.asyncio
    async def test_reused_key_is_refused(self, store: IdempotencyStore) -> None:
        """A started or completed key with another fingerprint raises IdempotencyKeyReused."""
        await store.begin("started", "fp1")
        await store.begin("done", "fp1")
        await store.complete("done", "ok")
        for key in ("started", "done"):
            with pytest.raises(IdempotencyKeyReused) as info:
                await store.begin(key, "fp2")
            assert (info.value.code, info.value.key) == ("idempotency_key_reused", key)

    @pytest.mark.asyncio
    async def test_second_begin_while_started_is_in_progress(self, store: IdempotencyStore) -> None:
        """begin() again before completion raises IdempotencyInProgress; nothing changes."""
        await store.begin("k1", "fp")
        with pytest.raises(IdempotencyInProgress) as info:
            await store.begin("k1", "fp")
        assert info.value.code == "idempotency_in_progress"
        await store.complete("k1", "ok")
        assert await store.begin("k1", "fp") == Completed(key="k1", response="ok")

    @pytest.mark.asyncio
    async def test_concurrent_begins_start_once(self, store: IdempotencyStore) -> None:
        """Of 100 concurrent begin() calls on one key, exactly one gets Started."""
        results = await asyncio.gather(
            *(store.begin("hot", "fp") for _ in range(100)), return_exceptions=True
        )
        assert sum(isinstance(r, Started) for r in results) == 1
        assert all(isinstance(r, Started | IdempotencyInProgress) for r in results)

    @pytest.mark.asyncio
    async def test_abandon_frees_the_key(self, store: IdempotencyStore) -> None:
        """abandon() drops a start (True) so a retry starts again, even with a new fingerprint."""
        await store.begin("k1", "fp")
        assert await store.abandon("k1") is True
        assert await store.abandon("k1") is False
        assert await store.begin("k1", "other") == Started(key="k1")

    @pytest.mark.asyncio
    async def test_abandon_keeps_completions(self, store: IdempotencyStore) -> None:
        """abandon() of a completed key returns False and the response stays."""
        await store.begin("k1", "fp")
        await store.complete("k1", "ok")
        assert await store.abandon("k1") is False
        assert await store.begin("k1", "fp") == Completed(key="k1", response="ok")

    @pytest.mark.asyncio
    async def test_complete_errors(self, store: IdempotencyStore) -> None:
        """complete() of an unknown key is NotFound; a different second response is Conflict."""
        with pytest.raises(NotFound) as missing:
            await store.complete("nope", "ok")
        assert (missing.value.kind, missing.value.key) == ("idempotency_key", "nope")
        await store.begin("k1", "fp")
        await store.complete("k1", "ok")
        await store.complete("k1", "ok")
        with pytest.raises(Conflict) as conflict:
            await store.complete("k1", "different")
        assert conflict.value.what == "idempotency_response"
        assert await store.begin("k1", "fp") == Completed(key="k1", response="ok")

    @pytest.mark.asyncio
    async def test_stale_start_is_taken_over_after_the_lease(
        self, store: IdempotencyStore, clock: ManualClock
    ) -> None:
        """A start never completed blocks the key for the lease, then begin() starts again."""
        await store.begin("k1", "fp")
        await self.advance(clock, self.lease - timedelta(seconds=1))
        with pytest.raises(IdempotencyInProgress):
            await store.begin("k1", "fp")
        await self.advance(clock, timedelta(seconds=1))
        assert await store.begin("k1", "fp") == Started(key="k1")

    @pytest.mark.asyncio
    async def test_completions_are_forgotten_after_retention(
        self, store: IdempotencyStore, clock: ManualClock
    ) -> None:
        """A completed key replays within the retention and is free again after it."""
        await store.begin("k1", "fp")
        await store.complete("k1", "ok")
        await self.advance(clock, self.retention - timedelta(seconds=1))
        assert isinstance(await store.begin("k1", "fp"), Completed)
        await self.advance(clock, timedelta(seconds=1))
        assert await store.begin("k1", "other") == Started(key="k1")

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        ("key", "fingerprint", "field"),
        [("", "fp", "key"), ("k", "", "fingerprint"), ("k" * 256, "fp", "key")],
    )
    async def test_bad_arguments_are_refused(
        self, store: IdempotencyStore, key: str, fingerprint: str, field: str
    ) -> None:
        """An empty or over-long key or empty fingerprint raises InvalidInput naming it."""
        with pytest.raises(InvalidInput) as info:
            await store.begin(key, fingerprint)
        assert info.value.field == field

    @pytest.mark.asyncio
    @_contract
    @given(
        ops=st.lists(
            st.tuples(st.sampled_from(["begin", "complete", "abandon"]), st.sampled_from("ab")),
            max_size=25,
        )
    )
    async def test_matches_a_model(
        self, store: IdempotencyStore, ops: list[tuple[str, str]]
    ) -> None:
        """Any sequence of begin/complete/abandon behaves like a simple state-machine model."""
        prefix = f"m{next(_keys)}-"
        model: dict[str, str | None] = {}  # key -> None while started, response once completed
        for step, (op, name) in enumerate(ops):
            key = prefix + name
            if op == "begin":
                expected = model.get(key, "absent")
                if expected == "absent":
                    assert await store.begin(key, "fp") == Started(key=key)
                    model[key] = None
                elif expected is None:
                    with pytest.raises(IdempotencyInProgress):
                        await store.begin(key, "fp")
                else:
                    assert await store.begin(key, "fp") == Completed(key=key, response=expected)
            elif op == "complete":
                if key not in model:
                    with pytest.raises(NotFound):
                        await store.complete(key, f"r{step}")
                elif model[key] is None:
                    await store.complete(key, f"r{step}")
                    model[key] = f"r{step}"
                else:
                    with pytest.raises(Conflict):
                        await store.complete(key, f"r{step}")
            else:
                dropped = key in model and model[key] is None
                assert await store.abandon(key) is dropped
                if dropped:
                    del model[key]
