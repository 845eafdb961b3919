"""What is specific to MemoryIdempotencyStore: configuration and forgetting old keys."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.idempotency import MemoryIdempotencyStore
from bookmyshow.domain.errors import InvalidInput


@pytest.mark.asyncio
async def test_old_completions_are_swept() -> None:
    """Completed keys past retention are dropped by the periodic sweep, fresh ones kept."""
    clock = ManualClock()
    store = MemoryIdempotencyStore(clock, retention=timedelta(hours=1))
    for i in range(500):
        await store.begin(f"old{i}", "fp")
        await store.complete(f"old{i}", "ok")
    clock.advance(timedelta(hours=1))
    for i in range(524):
        await store.begin(f"new{i}", "fp")
    assert len(store) == 524


@pytest.mark.parametrize("name", ["lease", "retention"])
def test_non_positive_durations_are_refused(name: str) -> None:
    """A zero lease or retention raises InvalidInput naming it."""
    with pytest.raises(InvalidInput) as info:
        MemoryIdempotencyStore(ManualClock(), **{name: timedelta(0)})
    assert info.value.field == name


@pytest.mark.asyncio
async def test_response_must_be_text() -> None:
    """complete() with bytes raises InvalidInput(field="response")."""
    store = MemoryIdempotencyStore(ManualClock())
    await store.begin("k", "fp")
    with pytest.raises(InvalidInput) as info:
        await store.complete("k", b"ok")  # type: ignore[arg-type]
    assert info.value.field == "response"
