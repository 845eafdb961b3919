"""What is specific to MemoryEventBus: logging failures, nesting, and filtering."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from bookmyshow.adapters.memory.events import MemoryEventBus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import DomainEvent, MovieAdded, MovieRetired
from bookmyshow.ports.events import EventDeliveryFailed

AT = datetime(2030, 1, 1, tzinfo=UTC)


def added(n: int) -> MovieAdded:
    return MovieAdded(occurred_at=AT, movie_id=f"m{n}", title="T")


@pytest.mark.asyncio
async def test_failures_are_logged_with_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Each failing handler is logged at ERROR with its exception before the error is raised."""
    bus = MemoryEventBus()

    async def broken(event: MovieAdded) -> None:
        raise ValueError("boom")

    bus.subscribe(MovieAdded, broken)
    with caplog.at_level(logging.ERROR), pytest.raises(EventDeliveryFailed):
        await bus.publish([added(1)])
    [record] = caplog.records
    assert record.exc_info is not None
    assert "movie.added" in record.getMessage()


@pytest.mark.asyncio
async def test_nested_failures_reach_the_outer_publisher() -> None:
    """A failure in a handler of a nested publish is reported by the outer publish once."""
    bus = MemoryEventBus()

    async def cascade(event: MovieAdded) -> None:
        await bus.publish([MovieRetired(occurred_at=AT, movie_id=event.movie_id)])

    async def broken(event: MovieRetired) -> None:
        raise RuntimeError("nested")

    bus.subscribe(MovieAdded, cascade)
    bus.subscribe(MovieRetired, broken)
    with pytest.raises(EventDeliveryFailed) as info:
        await bus.publish([added(1)])
    assert len(info.value.failures) == 1
    assert info.value.failures[0].startswith("movie.retired -> ")


@pytest.mark.asyncio
async def test_cancellation_is_not_collected() -> None:
    """A handler cancelled mid-delivery propagates CancelledError instead of being collected."""
    bus = MemoryEventBus()

    async def cancelled(event: DomainEvent) -> None:
        raise asyncio.CancelledError

    bus.subscribe(DomainEvent, cancelled)
    with pytest.raises(asyncio.CancelledError):
        await bus.publish([added(1)])


@pytest.mark.asyncio
async def test_of_type_filters_published_events() -> None:
    """of_type() returns the published events of one class, in order."""
    bus = MemoryEventBus()
    retired = MovieRetired(occurred_at=AT, movie_id="m1")
    await bus.publish([added(1), retired, added(2)])
    assert bus.of_type(MovieAdded) == (added(1), added(2))
    assert bus.of_type(MovieRetired) == (retired,)


def test_non_callable_handler_is_refused() -> None:
    """subscribe() with a handler that is not callable raises InvalidInput(field="handler")."""
    with pytest.raises(InvalidInput) as info:
        MemoryEventBus().subscribe(MovieAdded, "not a function")  # type: ignore[arg-type]
    assert info.value.field == "handler"
