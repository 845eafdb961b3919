"""Elasticsearch client errors, told apart and translated into the port's errors.

Every failure of the client — the server cannot be reached, times out, answers 5xx, lacks the
index, or refuses a request as malformed — becomes
:class:`~bookmyshow.ports.errors.BackendUnavailable` with ``backend="elasticsearch"`` and a
reason naming the action and the server's error type.  A refused request (HTTP 400) is a bug of
this adapter or a misconfigured index, never the caller's input: callers' input is checked, and
refused with ``InvalidInput``, before any request is sent.
"""

from __future__ import annotations

from typing import Any, Final

from elasticsearch import (
    ApiError,
    BadRequestError,
    ConnectionTimeout,
    NotFoundError,
    TransportError,
)
from elasticsearch import ConnectionError as EsConnectionError

from bookmyshow.ports.errors import BackendUnavailable

__all__ = [
    "BACKEND",
    "error_type",
    "is_missing_index",
    "unavailable",
]

BACKEND: Final = "elasticsearch"
"""The ``backend`` field of every :class:`BackendUnavailable` this adapter raises."""

_REASON_LIMIT: Final = 500
"""Server reasons can quote whole documents; the port error keeps their start."""


def _error_object(exc: ApiError) -> dict[str, Any] | None:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return error
    return None


def error_type(exc: ApiError) -> str | None:
    """The server's error type (``"index_not_found_exception"``, ...), if the body names one."""
    error = _error_object(exc)
    kind = error.get("type") if error is not None else None
    return kind if isinstance(kind, str) else None


def _error_reason(exc: ApiError) -> str:
    error = _error_object(exc)
    reason = error.get("reason") if error is not None else None
    text = reason if isinstance(reason, str) else str(exc.body)
    return text[:_REASON_LIMIT]


def is_missing_index(exc: BaseException) -> bool:
    """Whether ``exc`` says the index (or alias) addressed does not exist.

    A 404 for a missing *document* is not one: its body has no ``error`` object.
    """
    return isinstance(exc, NotFoundError) and error_type(exc) == "index_not_found_exception"


def unavailable(exc: ApiError | TransportError, action: str) -> BackendUnavailable:
    """The :class:`BackendUnavailable` for a client error met while doing ``action``.

    ``action`` says what was being done, e.g. ``"search 'bookmyshow-movies'"``.
    """
    if isinstance(exc, ConnectionTimeout):
        reason = f"{action}: timed out ({exc})"
    elif isinstance(exc, EsConnectionError):
        reason = f"{action}: cannot connect ({exc})"
    elif isinstance(exc, TransportError):
        reason = f"{action}: {type(exc).__name__} ({exc})"
    elif is_missing_index(exc):
        reason = (
            f"{action}: the index does not exist ({_error_reason(exc)}); create it with "
            "ensure_index() or rebuild()"
        )
    elif isinstance(exc, BadRequestError):
        reason = (
            f"{action}: the server refused the request, a bug of the Elasticsearch adapter or "
            f"a misconfigured index: {error_type(exc)}: {_error_reason(exc)}"
        )
    else:
        reason = f"{action}: HTTP {exc.status_code} {error_type(exc)}: {_error_reason(exc)}"
    return BackendUnavailable(backend=BACKEND, reason=reason)
