"""Driver errors, classified and translated into port errors.

MySQL/MariaDB report a numeric code first in the driver error's arguments; SQLite only a message.
Everything here reads those two shapes, so adapters never look at driver exceptions themselves.
"""

from __future__ import annotations

import enum
import re
from typing import Final

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from bookmyshow.ports.errors import BackendUnavailable

__all__ = ["Failure", "classify", "unavailable", "violated_columns"]

_DEADLOCK: Final = 1213
_LOCK_WAIT_TIMEOUT: Final = 1205
_DUPLICATE_ENTRY: Final = 1062
# MariaDB/MySQL: "Cannot delete or update a parent row" / "Cannot add or update a child row".
_FOREIGN_KEY: Final = frozenset({1451, 1452})
_LOST: Final = frozenset({2003, 2006, 2013, 2055, 1927, 4031})
# "Duplicate entry '…' for key 'uq_users_email'" (MariaDB) or "… for key 'users.uq_users_email'"
# (MySQL 8).
_MYSQL_KEY: Final = re.compile(r"for key '(?:[^'.]+\.)?([^']+)'")
# "UNIQUE constraint failed: bookings.user_id, bookings.idempotency_key"
_SQLITE_UNIQUE: Final = re.compile(r"UNIQUE constraint failed: (.+)$")


class Failure(enum.Enum):
    """What a driver error means to a caller."""

    DEADLOCK = "deadlock"
    LOCK_TIMEOUT = "lock_timeout"
    DUPLICATE = "duplicate"
    FOREIGN_KEY = "foreign_key"
    DISCONNECTED = "disconnected"
    OTHER = "other"

    @property
    def retryable(self) -> bool:
        """A whole transaction that met this may simply be run again."""
        return self in {Failure.DEADLOCK, Failure.LOCK_TIMEOUT}


def _mysql_code(exc: DBAPIError) -> int | None:
    args = getattr(exc.orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    return None


def _message(exc: DBAPIError) -> str:
    return str(exc.orig) if exc.orig is not None else str(exc)


def classify(exc: SQLAlchemyError) -> Failure:
    """What ``exc`` means: a deadlock, a lock-wait timeout, a duplicate key, a missing parent row,
    a lost connection."""
    if not isinstance(exc, DBAPIError):
        return Failure.OTHER
    if exc.connection_invalidated:
        return Failure.DISCONNECTED
    code = _mysql_code(exc)
    if code == _DEADLOCK:
        return Failure.DEADLOCK
    if code == _LOCK_WAIT_TIMEOUT:
        return Failure.LOCK_TIMEOUT
    if code == _DUPLICATE_ENTRY:
        return Failure.DUPLICATE
    if code in _FOREIGN_KEY:
        return Failure.FOREIGN_KEY
    if code in _LOST:
        return Failure.DISCONNECTED
    message = _message(exc)
    if isinstance(exc, IntegrityError) and "UNIQUE constraint failed" in message:
        return Failure.DUPLICATE
    if isinstance(exc, IntegrityError) and "FOREIGN KEY constraint failed" in message:
        return Failure.FOREIGN_KEY
    if "database is locked" in message or "database table is locked" in message:
        # SQLite's busy timeout ran out waiting for the write lock.
        return Failure.LOCK_TIMEOUT
    return Failure.OTHER


def violated_columns(exc: SQLAlchemyError, table: Table) -> frozenset[str] | None:
    """The columns of ``table``'s unique key that ``exc`` violated, or ``None`` if ``exc`` is not
    a duplicate key of ``table`` (or names a key the table does not have)."""
    if not isinstance(exc, DBAPIError) or classify(exc) is not Failure.DUPLICATE:
        return None
    message = _message(exc)
    if (match := _MYSQL_KEY.search(message)) is not None:
        name = match.group(1)
        if name == "PRIMARY":
            return frozenset(c.name for c in table.primary_key.columns)
        for constraint in table.constraints:
            if constraint.name == name:
                return frozenset(c.name for c in getattr(constraint, "columns", ()))
        for index in table.indexes:
            if index.name == name and index.unique:
                return frozenset(c.name for c in index.columns)
        return None
    if (match := _SQLITE_UNIQUE.search(message)) is not None:
        columns = set()
        for qualified in match.group(1).split(","):
            table_name, _, column = qualified.strip().partition(".")
            if table_name != table.name:
                return None
            columns.add(column)
        return frozenset(columns)
    return None


def unavailable(exc: BaseException, backend: str) -> BackendUnavailable:
    """A :class:`~bookmyshow.ports.errors.BackendUnavailable` for a driver error (chain it)."""
    reason = type(exc).__name__
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        reason = f"{type(exc.orig).__name__}: {exc.orig}"
    return BackendUnavailable(backend=backend, reason=reason[:500])
