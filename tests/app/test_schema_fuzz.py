"""Schemathesis against the app's own OpenAPI schema, over real HTTP: no request it can generate
makes the app answer 5xx, and every answer matches the schema (status, content type, body)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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


def _token(base_url: str, email: str) -> str:
    response = requests.post(
        f"{base_url}/api/auth/login", json={"email": email, "password": DEMO_PASSWORD}, timeout=10
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


@pytest.fixture(scope="module")
def tokens(base_url: str) -> dict[str, str]:
    """Access tokens of the demo customer and the demo platform admin."""
    return {
        "customer": _token(base_url, DEMO_CUSTOMER_EMAIL),
        "admin": _token(base_url, DEMO_ADMIN_EMAIL),
    }


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
    case: Case[Any], base_url: str, tokens: dict[str, str]
) -> None:
    """With a customer's token every operation answers per its schema, never 5xx."""
    _as(case, base_url, tokens["customer"])


@schema.parametrize()
def test_admin_requests_never_fail_the_server(
    case: Case[Any], base_url: str, tokens: dict[str, str]
) -> None:
    """With a platform admin's token every operation answers per its schema, never 5xx."""
    _as(case, base_url, tokens["admin"])


def _as(case: Case[Any], base_url: str, token: str) -> None:
    case.call_and_validate(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, checks=_CHECKS
    )
