"""Schemathesis against the app's own OpenAPI schema, over real HTTP: no request it can generate
makes the app answer 5xx, and every answer matches the schema (status, content type, body)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pytest
import requests
import schemathesis
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from bookmyshow.app import AppConfig, RateLimits, create_app
from bookmyshow.bootstrap import Settings
from bookmyshow.demo import DEMO_ADMIN_EMAIL, DEMO_CUSTOMER_EMAIL, DEMO_PASSWORD
from tests.app.server import serve_in_thread

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The app of :func:`_config` on a real server."""
    with serve_in_thread(create_app(_config())) as url:
        yield url


class Tokens:
    """Access tokens of the demo accounts on one server, each logged in again when less than a
    minute of it is left: a long fuzzing run outlives the access tokens' fifteen minutes."""

    _MARGIN: Final = timedelta(minutes=1)

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._cached: dict[str, tuple[str, datetime]] = {}

    def of(self, email: str) -> str:
        """A live access token of ``email`` (password :data:`DEMO_PASSWORD`)."""
        cached = self._cached.get(email)
        if cached is None or cached[1] - datetime.now(UTC) < self._MARGIN:
            response = requests.post(
                f"{self.base_url}/api/auth/login",
                json={"email": email, "password": DEMO_PASSWORD},
                timeout=10,
            )
            response.raise_for_status()
            body = response.json()
            cached = (body["access_token"], datetime.fromisoformat(body["expires_at"]))
            self._cached[email] = cached
        return cached[0]


@pytest.fixture(scope="module")
def tokens(base_url: str) -> Tokens:
    """Access tokens of the demo customer and the demo platform admin, kept fresh."""
    return Tokens(base_url)


def _config() -> AppConfig:
    """The demo app (in memory, one day of shows) without rate limits: the fuzzer is a flood."""
    return AppConfig(
        settings=Settings(token_secret=b"f" * 32),
        demo=True,
        demo_days=1,
        maintenance_interval=None,
        rate_limits=RateLimits(login=None, hold=None, checkout=None),
    )


# The schema the app serves at /schema/openapi.json, generated without starting the app (a lazy
# schema from a fixture would do, but Schemathesis's fixture loader does not run on pytest 9).
schema = schemathesis.openapi.from_dict(create_app(_config()).openapi_schema.to_schema())

_CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@schema.parametrize()
def test_anonymous_requests_never_fail_the_server(case: Case[Any], base_url: str) -> None:
    """Without a token every operation answers per its schema, never 5xx."""
    case.call_and_validate(base_url=base_url, checks=_CHECKS)


@schema.parametrize()
def test_customer_requests_never_fail_the_server(
    case: Case[Any], base_url: str, tokens: Tokens
) -> None:
    """With a customer's token every operation answers per its schema, never 5xx."""
    _as(case, base_url, tokens.of(DEMO_CUSTOMER_EMAIL))


@schema.parametrize()
def test_admin_requests_never_fail_the_server(
    case: Case[Any], base_url: str, tokens: Tokens
) -> None:
    """With a platform admin's token every operation answers per its schema, never 5xx."""
    _as(case, base_url, tokens.of(DEMO_ADMIN_EMAIL))


def _as(case: Case[Any], base_url: str, token: str) -> None:
    case.call_and_validate(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, checks=_CHECKS
    )
