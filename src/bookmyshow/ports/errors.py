"""Errors that cross a port.  Adapters translate driver errors into these (``raise … from exc``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from attrs import define, field

from bookmyshow.domain.errors import BookMyShowError

__all__ = [
    "BackendUnavailable",
    "Conflict",
    "IdempotencyKeyReused",
    "NotFound",
    "PortError",
    "RateLimited",
]


def _key_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@define(auto_exc=True, kw_only=True)
class PortError(BookMyShowError):
    """Something went wrong at an I/O boundary."""

    code: ClassVar[str] = "port_error"


@define(auto_exc=True, kw_only=True)
class NotFound(PortError):
    """No ``kind`` with id ``key`` exists."""

    code: ClassVar[str] = "not_found"
    kind: str
    key: str


@define(auto_exc=True, kw_only=True)
class Conflict(PortError):
    """A write collided with existing data: ``what`` names the constraint, ``keys`` the values."""

    code: ClassVar[str] = "conflict"
    what: str
    keys: tuple[str, ...] = field(factory=tuple, converter=_key_tuple)


@define(auto_exc=True, kw_only=True)
class BackendUnavailable(PortError):
    """The backend could not be reached or failed; the request may be retried."""

    code: ClassVar[str] = "backend_unavailable"
    backend: str
    reason: str


@define(auto_exc=True, kw_only=True)
class IdempotencyKeyReused(PortError):
    """The idempotency key was used before for a different request."""

    code: ClassVar[str] = "idempotency_key_reused"
    key: str


@define(auto_exc=True, kw_only=True)
class RateLimited(PortError):
    """Too many requests for ``key``; retry after ``retry_after_seconds``."""

    code: ClassVar[str] = "rate_limited"
    key: str
    retry_after_seconds: float
