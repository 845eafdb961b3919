"""PyMongo errors translated into the port's errors.

Every failure of the driver — no server selectable, a dropped connection, a timeout, a write
concern that could not be satisfied, a command the server refuses — becomes
:class:`~bookmyshow.ports.errors.BackendUnavailable` with ``backend="mongo"``.  Callers' input is
checked, and refused with ``InvalidInput``, before anything is sent, so a server-side error is a
fault of the backend (or of this adapter), never of the caller.

The one driver error with a meaning of its own is :class:`~pymongo.errors.DuplicateKeyError`:
the adapter catches it where a unique index guards a rule and names the index it hit with
:func:`violated_index`.

A timeout is ambiguous: the write may have happened.  Nothing here retries a write whose outcome
is unknown; the driver's own retryable writes are exactly-once (the server deduplicates them by
transaction number).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from bson.errors import BSONError
from pymongo.errors import DuplicateKeyError, PyMongoError

from bookmyshow.ports.errors import BackendUnavailable

__all__ = ["BACKEND", "translated", "unavailable", "violated_index"]

BACKEND: Final = "mongo"
"""The ``backend`` field of every :class:`BackendUnavailable` this adapter raises."""

_REASON_LIMIT: Final = 300
# "E11000 duplicate key error collection: db.reviews index: movie_user dup key: {...}"
_INDEX_IN_MESSAGE: Final = re.compile(r"\bindex: (\S+) dup key")


def unavailable(action: str, exc: BaseException) -> BackendUnavailable:
    """The port error for a failed ``action``: the error's class and message, shortened."""
    text = str(exc)[:_REASON_LIMIT]
    return BackendUnavailable(backend=BACKEND, reason=f"{action}: {type(exc).__name__}: {text}")


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Raise :class:`BackendUnavailable` (chained) for any driver or BSON error inside the block.

    A ``DuplicateKeyError`` that reaches here was not expected by the caller and is a backend
    fault like any other.
    """
    try:
        yield
    except (PyMongoError, BSONError) as exc:
        raise unavailable(action, exc) from exc


def violated_index(exc: DuplicateKeyError) -> str | None:
    """The name of the unique index ``exc`` violated (``"_id_"`` for the primary key), if known.

    Servers name the index in the error message; MongoDB 4.4+ also reports its key pattern,
    which identifies the primary key when the message cannot be read.
    """
    details = exc.details or {}
    message = details.get("errmsg")
    if isinstance(message, str):
        found = _INDEX_IN_MESSAGE.search(message)
        if found:
            return found.group(1)
    pattern = details.get("keyPattern")
    if isinstance(pattern, dict) and list(pattern) == ["_id"]:
        return "_id_"
    return None
