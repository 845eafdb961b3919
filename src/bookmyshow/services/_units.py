"""Running one unit of work per step of a use case, and publishing its events after commit.

:func:`in_unit` is how every service changes state: it opens a unit, runs the step, commits, and
only then publishes the events the unit collected, so nothing is published for a rolled-back
change.  A step that lost a race (``Conflict(what="concurrent_update")``) is run again on fresh
reads, up to :attr:`~bookmyshow.services.context.Policies.unit_attempts` times.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bookmyshow.domain.errors import BookMyShowError
from bookmyshow.domain.events import DomainEvent
from bookmyshow.ports.errors import Conflict
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services.context import Policies, Ports

__all__ = ["CONCURRENT_UPDATE", "in_unit", "lagging_read", "publish", "read_unit"]

T = TypeVar("T")

CONCURRENT_UPDATE = "concurrent_update"
_BACKOFF_S = 0.002
"""The longest pause before a unit's second attempt, in seconds; the n-th waits up to n times it."""

_log = logging.getLogger("bookmyshow.services")


async def publish(ports: Ports, events: Sequence[DomainEvent]) -> None:
    """Publish committed ``events``; a delivery failure is logged, never raised.

    The change is already durable when this runs: raising would tell the caller that a done
    thing failed and invite a retry.  Subscribers that must not miss an event read them from an
    outbox (the SQL adapter's) rather than from this best-effort hand-off.
    """
    if not events:
        return
    try:
        await ports.events.publish(events)
    except BookMyShowError:
        _log.exception("publishing %d committed event(s) failed", len(events))


async def in_unit(
    ports: Ports, policies: Policies, step: Callable[[UnitOfWork], Awaitable[T]]
) -> T:
    """Run ``step`` in a fresh unit, commit, publish the unit's events, and return its result.

    ``step`` must not commit.  It is run again in a new unit when the commit (or a read for
    update) raises ``Conflict(what="concurrent_update")``, after a short random pause that grows
    with each attempt, at most ``policies.unit_attempts`` times in all; every other error rolls
    the unit back and propagates.
    """
    attempt = 1
    while True:
        try:
            async with ports.uow() as uow:
                result = await step(uow)
                await uow.commit()
        except Conflict as exc:
            if exc.what != CONCURRENT_UPDATE or attempt >= policies.unit_attempts:
                raise
            # Racers that re-run at once collide again (a customer's two checkouts at 500
            # requests/s used up every attempt): wait a random, growing moment first.
            await asyncio.sleep(_BACKOFF_S * attempt * random.random())
            attempt += 1
            continue
        await publish(ports, uow.committed_events())
        return result


async def read_unit(ports: Ports, read: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run a read-only ``read`` in a unit that is rolled back; returns what it read."""
    async with ports.uow() as uow:
        return await read(uow)


async def lagging_read(ports: Ports, read: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Like :func:`read_unit`, on ``ports.replica_uow`` when one is configured: for reads that
    may be a little behind (browsing), never for anything a booking decides on."""
    factory = ports.replica_uow if ports.replica_uow is not None else ports.uow
    async with factory() as uow:
        return await read(uow)
