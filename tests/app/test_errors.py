"""The one error-to-HTTP map: every library error has a status, and every error one body shape."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import Any

import pytest
from litestar import Litestar, get, post
from litestar.params import JSONBody
from litestar.testing import AsyncTestClient

import bookmyshow
from bookmyshow import BookMyShowError, InvalidInput, PermissionDenied
from bookmyshow.app.errors import NotAuthenticated, exception_handlers, status_of
from bookmyshow.domain.holds import HoldExpired, NotHoldOwner, SeatsUnavailable
from bookmyshow.ports.errors import BackendUnavailable, Conflict, NotFound, RateLimited
from bookmyshow.ports.security import ExpiredToken, InvalidPasswordHash
from bookmyshow.services.accounts import EmailTaken, InvalidCredentials, WeakPassword
from tests.app.api import assert_error

_OPTIONAL = {"pytest", "hypothesis", "elasticsearch", "pymongo", "redis", "sqlalchemy", "asyncmy"}


def _library_errors() -> list[type[BookMyShowError]]:
    for info in pkgutil.walk_packages(bookmyshow.__path__, prefix="bookmyshow."):
        if info.name == "bookmyshow.adapters.sql.migrations.env":
            continue
        try:
            importlib.import_module(info.name)
        except ModuleNotFoundError as exc:
            if not (exc.name and exc.name.split(".")[0] in _OPTIONAL):
                raise
    found: list[type[BookMyShowError]] = []
    pending: list[type[BookMyShowError]] = [BookMyShowError]
    while pending:
        kind = pending.pop()
        for sub in kind.__subclasses__():
            if sub.__module__.startswith("bookmyshow."):
                found.append(sub)
            pending.append(sub)
    return found


def _blank(kind: type[BookMyShowError]) -> BookMyShowError:
    """An instance for isinstance checks only (its fields are never read)."""
    return kind.__new__(kind)


# Errors that mean something is broken, not that the request was wrong: logged 500s.
_INTERNAL = {
    "PortError",
    "InvalidPasswordHash",
    "EventDeliveryFailed",
    "OutboxPublishFailed",
    "RefundExceedsCapture",
    "FeedLagged",
    "CurrencyMismatch",
    "UnknownEventType",
}


@pytest.mark.parametrize("kind", _library_errors(), ids=lambda k: f"{k.__module__}.{k.__name__}")
def test_every_library_error_has_a_status(kind: type[BookMyShowError]) -> None:
    """A refused request maps to a 4xx or 503; only errors that mean a fault are 500s."""
    status = status_of(_blank(kind))
    if kind.__name__ in _INTERNAL:
        assert status == 500
    else:
        assert status in {400, 401, 403, 404, 409, 422, 429, 503}


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (NotAuthenticated, 401),
        (ExpiredToken, 401),
        (InvalidCredentials, 401),
        (PermissionDenied, 403),
        (NotHoldOwner, 403),
        (NotFound, 404),
        (HoldExpired, 404),
        (InvalidInput, 422),
        (WeakPassword, 422),
        (EmailTaken, 409),
        (SeatsUnavailable, 409),
        (Conflict, 409),
        (RateLimited, 429),
        (BackendUnavailable, 503),
    ],
)
def test_statuses_follow_meaning(kind: type[BookMyShowError], status: int) -> None:
    """Credentials 401, permissions 403, unknown 404, rules 409, values 422, limits 429, 503."""
    assert status_of(_blank(kind)) == status


def _probe_app(error: Exception) -> Litestar:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise error

    @post("/echo", sync_to_thread=False)
    def echo(data: JSONBody[dict[str, int]]) -> dict[str, int]:
        return data

    return Litestar(
        [boom, echo],
        exception_handlers=exception_handlers,  # type: ignore[arg-type]
        request_max_body_size=64,
        logging_config=None,
    )


async def _call(error: Exception, method: str = "GET", path: str = "/boom", **kw: Any) -> Any:
    async with AsyncTestClient(_probe_app(error)) as client:
        return await client.request(method, path, **kw)


async def test_library_error_body_carries_code_and_fields() -> None:
    """A library error answers {code, message, details} with its fields as details."""
    response = await _call(InvalidInput(field="seats", reason="at most 10"))
    details = assert_error(response, 422, "invalid_input")
    assert details == {"field": "seats", "reason": "at most 10"}


async def test_rate_limited_says_when_to_retry() -> None:
    """A 429 carries Retry-After in whole seconds, rounded up."""
    response = await _call(RateLimited(key="login:x", retry_after_seconds=2.2))
    assert_error(response, 429, "rate_limited")
    assert response.headers["retry-after"] == "3"


async def test_401_asks_for_a_bearer_token() -> None:
    """A 401 carries a WWW-Authenticate challenge for bearer tokens."""
    response = await _call(NotAuthenticated(reason="no token"))
    assert_error(response, 401, "not_authenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_unexpected_errors_hide_internals(caplog: pytest.LogCaptureFixture) -> None:
    """An exception no rule covers is a logged 500 whose body reveals nothing of it."""
    with caplog.at_level(logging.ERROR, logger="bookmyshow.app"):
        response = await _call(RuntimeError("secret detail"))
    assert_error(response, 500, "internal_error")
    assert "secret detail" not in response.text
    assert any("secret detail" in str(r.exc_info) for r in caplog.records)


async def test_unknown_route_has_the_error_shape() -> None:
    """Litestar's own 404 answers in the same body shape."""
    response = await _call(RuntimeError(), path="/nowhere")
    assert_error(response, 404, "not_found")


async def test_malformed_body_is_a_400() -> None:
    """A body that does not decode to the declared type is 400 invalid_request with errors."""
    response = await _call(RuntimeError(), "POST", "/echo", content=b"{not json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in {"bad_request", "invalid_request"}
    assert set(body) == {"code", "message", "details"}


async def test_oversized_body_is_a_413() -> None:
    """A body over the size limit is refused with 413 request_too_large."""
    response = await _call(RuntimeError(), "POST", "/echo", json={"k": 1, "pad": 10**60})
    assert_error(response, 413, "request_too_large")


async def test_messages_are_plain_sentences() -> None:
    """Messages carry no reStructuredText markup and no field reprs; the fields are in details."""
    response = await _call(SeatsUnavailable(show_id="s1", seats=frozenset({"A1"})))
    body = response.json()
    assert "`" not in body["message"]
    assert "=" not in body["message"]
    assert "A1" in body["message"]
    assert body["message"]
    assert body["details"]["seats"] == ["A1"]


async def test_invalid_input_message_names_the_field() -> None:
    """An invalid value's message is its field and reason."""
    response = await _call(InvalidInput(field="seats", reason="at most 10"))
    assert response.json()["message"] == "seats: at most 10"


async def test_503_hides_the_drivers_reason() -> None:
    """A backend outage names the backend but not the driver's text (hosts, users, paths)."""
    response = await _call(BackendUnavailable(backend="redis", reason="Error 111 at 10.0.0.5:6379"))
    details = assert_error(response, 503, "backend_unavailable")
    assert details == {"backend": "redis"}
    assert "10.0.0.5" not in response.text


async def test_internal_port_errors_are_hidden_500s() -> None:
    """A port error that means a fault (an unreadable password hash) is a 500 without details."""
    response = await _call(InvalidPasswordHash(reason="bad salt in $scrypt$…"))
    assert_error(response, 500, "internal_error")
    assert "scrypt" not in response.text
