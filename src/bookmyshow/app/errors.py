"""The one place where errors become HTTP responses.

Every error body has one shape, :class:`ErrorBody` (``{code, message, details}``): ``code`` is the
library error's stable code (or one of the app's own below), ``details`` its fields.  Statuses
follow what the error means, not where it came from: malformed requests 400, missing or bad
credentials 401, refused permissions 403, unknown things 404, a rule that refuses the request in the
current state 409, invalid values 422, rate limits 429, a backend that is down 503.  Anything else
is a bug: it is logged with its traceback and answered 500 without internals.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from attrs import define, frozen
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from bookmyshow.bootstrap import BackendNotAvailable
from bookmyshow.domain.errors import BookMyShowError, DomainError, InvalidInput, PermissionDenied
from bookmyshow.domain.events import UnknownEventType
from bookmyshow.domain.holds import HoldNotFound, NotHoldOwner
from bookmyshow.domain.money import CurrencyMismatch
from bookmyshow.domain.reviews import CannotVoteOwnReview, NotReviewAuthor
from bookmyshow.domain.users import UserInactive
from bookmyshow.ports.errors import (
    BackendUnavailable,
    Conflict,
    IdempotencyKeyReused,
    NotFound,
    RateLimited,
)
from bookmyshow.ports.idempotency import IdempotencyInProgress
from bookmyshow.ports.security import InvalidToken
from bookmyshow.services.accounts import InvalidCredentials
from bookmyshow.services.reviews import ReviewsNotConfigured

__all__ = [
    "INTERNAL_ERROR",
    "ErrorBody",
    "NotAuthenticated",
    "error_responses",
    "exception_handlers",
    "status_of",
]

_log = logging.getLogger("bookmyshow.app")


@frozen(kw_only=True)
class ErrorBody:
    """What every error response carries."""

    code: str
    """Stable and machine-readable: branch on this, never on ``message``."""
    message: str
    """For people; may change between releases."""
    details: dict[str, Any]
    """The error's fields (e.g. ``field`` and ``reason`` of ``invalid_input``)."""


@define(auto_exc=True, kw_only=True)
class NotAuthenticated(BookMyShowError):
    """The request needs an access token (``Authorization: Bearer <token>``) and has none."""

    code: ClassVar[str] = "not_authenticated"
    reason: str


INTERNAL_ERROR: Final = "internal_error"
"""The code of a 500: a bug, logged with its traceback; the body reveals nothing of it."""


# Most specific first: the first class an error is an instance of decides.  Port errors are
# listed one by one: the others (an unreadable password hash, a failed event delivery, a refund
# the gateway refuses as exceeding its capture, …) mean something is broken, not that the
# request was wrong, so they are logged 500s like any bug.
_STATUSES: Final[tuple[tuple[type[BookMyShowError], int], ...]] = (
    (NotAuthenticated, HTTP_401_UNAUTHORIZED),
    (InvalidToken, HTTP_401_UNAUTHORIZED),
    (InvalidCredentials, HTTP_401_UNAUTHORIZED),
    (RateLimited, HTTP_429_TOO_MANY_REQUESTS),
    (BackendUnavailable, HTTP_503_SERVICE_UNAVAILABLE),
    (BackendNotAvailable, HTTP_503_SERVICE_UNAVAILABLE),
    (ReviewsNotConfigured, HTTP_503_SERVICE_UNAVAILABLE),
    (UserInactive, HTTP_403_FORBIDDEN),
    (PermissionDenied, HTTP_403_FORBIDDEN),
    (NotHoldOwner, HTTP_403_FORBIDDEN),
    (NotReviewAuthor, HTTP_403_FORBIDDEN),
    (CannotVoteOwnReview, HTTP_403_FORBIDDEN),
    (NotFound, HTTP_404_NOT_FOUND),
    (HoldNotFound, HTTP_404_NOT_FOUND),
    (InvalidInput, HTTP_422_UNPROCESSABLE_ENTITY),
    (Conflict, HTTP_409_CONFLICT),
    (IdempotencyKeyReused, HTTP_409_CONFLICT),
    (IdempotencyInProgress, HTTP_409_CONFLICT),
    # Domain errors that can only mean a bug (mixed currencies, an event type nobody knows).
    (CurrencyMismatch, HTTP_500_INTERNAL_SERVER_ERROR),
    (UnknownEventType, HTTP_500_INTERNAL_SERVER_ERROR),
    (DomainError, HTTP_409_CONFLICT),
)

_HTTP_CODES: Final[Mapping[int, str]] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}

_DESCRIPTIONS: Final[Mapping[int, str]] = {
    400: "The request is malformed (bad JSON, a missing or mistyped parameter).",
    401: "No valid access token, or wrong credentials.",
    403: "The caller may not do this.",
    404: "Not found.",
    409: "A business rule refuses the request in the current state.",
    413: "The request body is too large.",
    422: "A value is invalid; details name the field.",
    429: "Too many requests; retry after details.retry_after_seconds.",
    503: "A backend is unavailable; retry later.",
}


def status_of(error: BookMyShowError) -> int:
    """The HTTP status for a library error (500 for one no rule covers)."""
    for kind, status in _STATUSES:
        if isinstance(error, kind):
            return status
    return HTTP_500_INTERNAL_SERVER_ERROR


def _json_safe(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_json_safe(v) for v in value]
        return items if isinstance(value, list | tuple) else sorted(items, key=str)
    return str(value)


def _body(code: str, message: str, details: Mapping[str, Any], status: int) -> Response[Any]:
    headers: dict[str, str] = {}
    retry = details.get("retry_after_seconds")
    if status == HTTP_429_TOO_MANY_REQUESTS and isinstance(retry, int | float):
        headers["Retry-After"] = str(max(1, int(retry + 0.999)))
    if status == HTTP_401_UNAUTHORIZED:
        headers["WWW-Authenticate"] = 'Bearer realm="bookmyshow"'
    content = {"code": code, "message": message, "details": _json_safe(dict(details))}
    return Response(content, status_code=status, media_type=MediaType.JSON, headers=headers)


def _library_error(request: Request[Any, Any, Any], error: BookMyShowError) -> Response[Any]:
    status = status_of(error)
    if status == HTTP_500_INTERNAL_SERVER_ERROR:
        _log.error(
            "unmapped library error on %s %s", request.method, request.url.path, exc_info=error
        )
        return _body(INTERNAL_ERROR, "internal error", {}, status)
    details = error.details()
    if status == HTTP_503_SERVICE_UNAVAILABLE:
        # The reason is the driver's own text (hosts, users, file paths): for the log only.
        _log.warning("backend unavailable on %s %s: %s", request.method, request.url.path, error)
        details.pop("reason", None)
    return _body(error.code, _message(error), details, status)


_ROLE: Final = re.compile(r":[a-z]+:`~?(?:[\w.]*\.)?([^`]+)`")
_LITERAL: Final = re.compile(r"``([^`]+)``")


def _message(error: BookMyShowError) -> str:
    """A sentence for people: the invalid value's field and reason, or the error class's summary
    (its docstring's first paragraph) with the fields it names filled in and no markup."""
    if isinstance(error, InvalidInput):
        return f"{error.field}: {error.reason}"
    details = error.details()

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in details:
            return name
        value = details[name]
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)

    summary = " ".join((type(error).__doc__ or "").strip().split("\n\n")[0].split())
    summary = _LITERAL.sub(fill, _ROLE.sub(r"\1", summary))
    return summary or error.code.replace("_", " ")


def _http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    status = error.status_code
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        _log.error("HTTP %s on %s %s", status, request.method, request.url.path, exc_info=error)
        return _body(INTERNAL_ERROR, "internal error", {}, status)
    details: dict[str, Any] = {}
    extra = error.extra
    if isinstance(extra, list):
        details["errors"] = extra
    elif isinstance(extra, dict):
        details.update(extra)
    code = _HTTP_CODES.get(status, f"http_{status}")
    if status == HTTP_400_BAD_REQUEST and extra:
        code = "invalid_request"
    return _body(code, str(error.detail), details, status)


def _unexpected(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    _log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return _body(INTERNAL_ERROR, "internal error", {}, HTTP_500_INTERNAL_SERVER_ERROR)


exception_handlers: Final = {
    BookMyShowError: _library_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}
"""Handlers for :class:`litestar.Litestar` (``exception_handlers=``)."""


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI documentation of the error statuses a route may answer (always with 400 and 422,
    which any route with parameters can produce, and 503)."""
    wanted = sorted({HTTP_400_BAD_REQUEST, HTTP_422_UNPROCESSABLE_ENTITY, 503, *statuses})
    return {
        status: ResponseSpec(
            data_container=ErrorBody,
            description=_DESCRIPTIONS.get(status, "Error."),
            generate_examples=False,
        )
        for status in wanted
    }
