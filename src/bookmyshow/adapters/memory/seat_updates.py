"""The live seat feed in one process, and the bounded subscription queue other adapters reuse."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from bookmyshow.domain.errors import BookMyShowError
from bookmyshow.domain.validation import require_instance, require_text
from bookmyshow.ports.seat_updates import DEFAULT_BUFFER, FeedLagged, SeatChange, check_buffer

__all__ = ["FeedSubscription", "MemorySeatUpdates"]


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class FeedSubscription:
    """One subscription's bounded queue of changes, read as an async iterator.

    Producers call :meth:`offer`, :meth:`fail` and :meth:`close` from any thread or event loop;
    the reader iterates from one task.  A change offered to a full queue lags the subscription
    (see :mod:`bookmyshow.ports.seat_updates`): the queue is emptied and every later step raises
    :class:`FeedLagged`.  After :meth:`fail` every step raises that error; after :meth:`close`
    iteration ends.  An error or a close is final: later offers are ignored.
    """

    def __init__(self, show_id: str, buffer: int) -> None:
        """A subscription to ``show_id`` holding at most ``buffer`` undelivered changes;
        ``InvalidInput`` for an empty show id or a ``buffer`` outside 1 … ``MAX_BUFFER``."""
        self.show_id = require_text(show_id, "show_id")
        self.buffer = check_buffer(buffer)
        self._lock = threading.Lock()
        self._queue: deque[SeatChange] = deque()
        self._error: BookMyShowError | None = None
        self._closed = False
        self._waiter: asyncio.Future[None] | None = None

    def __aiter__(self) -> FeedSubscription:
        return self

    async def __anext__(self) -> SeatChange:
        """The next change; raises the subscription's error, or ends once it is closed."""
        while True:
            with self._lock:
                error = self._error
                if error is None:
                    if self._queue:
                        return self._queue.popleft()
                    if self._closed:
                        raise StopAsyncIteration
                    waiter = asyncio.get_running_loop().create_future()
                    self._waiter = waiter
            if error is not None:
                raise error
            try:
                await waiter
            finally:
                with self._lock:
                    if self._waiter is waiter:
                        self._waiter = None

    @property
    def is_open(self) -> bool:
        """Whether changes may still arrive (not closed, lagged or failed)."""
        with self._lock:
            return not self._closed and self._error is None

    def offer(self, change: SeatChange) -> None:
        """Queue ``change``, or lag the subscription if its queue is full."""
        require_instance(change, SeatChange, "change")
        with self._lock:
            if self._closed or self._error is not None:
                return
            if len(self._queue) >= self.buffer:
                self._queue.clear()
                self._error = FeedLagged(show_id=self.show_id, buffer=self.buffer)
            else:
                self._queue.append(change)
            waiter, self._waiter = self._waiter, None
        self._notify(waiter)

    def fail(self, error: BookMyShowError) -> None:
        """End the subscription with ``error`` (raised by every later step), dropping the queue."""
        require_instance(error, BookMyShowError, "error")
        with self._lock:
            if self._closed or self._error is not None:
                return
            self._queue.clear()
            self._error = error
            waiter, self._waiter = self._waiter, None
        self._notify(waiter)

    def close(self) -> None:
        """End the subscription: a waiting or later step ends the iteration."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            waiter, self._waiter = self._waiter, None
        self._notify(waiter)

    @staticmethod
    def _notify(waiter: asyncio.Future[None] | None) -> None:
        if waiter is None:
            return
        loop = waiter.get_loop()
        if loop.is_closed():
            return  # the reader's loop is gone, and the reader with it: nobody to wake
        # Thread-safe even when the producer runs on the reader's own loop.
        loop.call_soon_threadsafe(_wake, waiter)


class MemorySeatUpdates:
    """A :class:`~bookmyshow.ports.seat_updates.SeatUpdates` within one process.

    ``publish`` hands the change to every open subscription of its show before it returns, so
    every subscriber sees one order per show.  Safe for concurrent tasks, and for one instance
    used from several event loops or threads (a subscriber is woken on its own loop).  Nothing
    crosses a process boundary: use the Redis adapter for that.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._shows: dict[str, list[FeedSubscription]] = {}

    async def publish(self, change: SeatChange) -> None:
        """Deliver ``change`` to the open subscriptions of its show; raises ``InvalidInput``
        for anything but a :class:`~bookmyshow.ports.seat_updates.SeatChange`."""
        require_instance(change, SeatChange, "change")
        await asyncio.sleep(0)
        with self._lock:
            # Offering under the lock gives concurrent publishers one order for everyone.
            for subscription in self._shows.get(change.show_id, ()):
                subscription.offer(change)

    def subscribe(
        self, show_id: str, *, buffer: int = DEFAULT_BUFFER
    ) -> AbstractAsyncContextManager[AsyncIterator[SeatChange]]:
        """Subscribe to ``show_id``'s changes (see the port); raises ``InvalidInput`` at once."""
        require_text(show_id, "show_id")
        size = check_buffer(buffer)
        return self._subscription(show_id, size)

    def subscriber_count(self, show_id: str) -> int:
        """Open subscriptions to ``show_id`` on this instance."""
        require_text(show_id, "show_id")
        with self._lock:
            return len(self._shows.get(show_id, ()))

    @asynccontextmanager
    async def _subscription(self, show_id: str, buffer: int) -> AsyncIterator[FeedSubscription]:
        subscription = FeedSubscription(show_id, buffer)
        with self._lock:
            self._shows.setdefault(show_id, []).append(subscription)
        try:
            yield subscription
        finally:
            subscription.close()
            with self._lock:
                members = self._shows.get(show_id, [])
                members.remove(subscription)
                if not members:
                    self._shows.pop(show_id, None)
