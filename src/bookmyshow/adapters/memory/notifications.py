"""An in-process notifier that keeps an outbox instead of delivering."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.notifications import Notification

__all__ = ["MemoryNotifier"]


class MemoryNotifier:
    """A :class:`~bookmyshow.ports.notifications.Notifier` that records what it was given.

    :attr:`outbox` lists the notifications sent, in order, each id once.  :meth:`fail_next`
    makes the next sends raise :class:`~bookmyshow.ports.errors.BackendUnavailable` (recording
    nothing), to test how callers cope with an outage.  A send yields to the event loop once (a
    round trip), then records under a :class:`threading.Lock`, so one notifier may serve several
    event loops or threads.
    """

    def __init__(self) -> None:
        self._outbox: list[Notification] = []
        self._sent_ids: set[str] = set()
        self._failures_left = 0
        self._lock = threading.Lock()

    @property
    def outbox(self) -> Sequence[Notification]:
        """Every notification sent so far, oldest first (a copy)."""
        with self._lock:
            return tuple(self._outbox)

    def sent_to(self, user_id: str) -> Sequence[Notification]:
        """The notifications sent to ``user_id``, oldest first; InvalidInput for an empty id."""
        if not isinstance(user_id, str) or not user_id:
            raise InvalidInput(field="user_id", reason="must be a non-empty string")
        return tuple(n for n in self.outbox if n.user_id == user_id)

    def fail_next(self, count: int = 1) -> None:
        """Make the next ``count`` calls to :meth:`send` fail with ``BackendUnavailable``.

        Raises ``InvalidInput`` for a negative count.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidInput(field="count", reason="must be a non-negative integer")
        with self._lock:
            self._failures_left = count

    async def send(self, notification: Notification) -> None:
        """Record ``notification`` unless its id was already sent.

        Raises ``BackendUnavailable`` while simulated failures remain, and ``InvalidInput`` for
        something that is not a :class:`Notification`.
        """
        if not isinstance(notification, Notification):
            raise InvalidInput(field="notification", reason="must be a Notification")
        await asyncio.sleep(0)
        with self._lock:
            if self._failures_left:
                self._failures_left -= 1
                raise BackendUnavailable(backend="notifier", reason="simulated outage")
            if notification.notification_id in self._sent_ids:
                return
            self._sent_ids.add(notification.notification_id)
            self._outbox.append(notification)
