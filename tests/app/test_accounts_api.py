"""The accounts routes: register, log in, refresh, who am I; tokens and the log-in and
registration rate limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from attrs import evolve
from httpx import ASGITransport, AsyncClient
from litestar import Litestar

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.app import AppConfig, RateLimit, RateLimits, create_app
from bookmyshow.bootstrap import Ticketing
from tests.app.api import Api, asgi_client, assert_error
from tests.services.world import PASSWORD, World

NEW = {"email": "carol@example.com", "name": "Carol", "password": "a long passphrase"}


class Addresses:
    """Clients of one running app, each calling from a client address of its own."""

    def __init__(self, app: Litestar, stack: AsyncExitStack) -> None:
        self._app = app
        self._stack = stack
        self._clients: dict[str, AsyncClient] = {}

    def at(self, address: str) -> AsyncClient:
        """A client whose requests come from ``address`` (made once per address)."""
        if address not in self._clients:
            # httpx types its ASGI app more narrowly than Litestar types its __call__.
            transport = ASGITransport(app=cast("Any", self._app), client=(address, 40000))
            client = AsyncClient(transport=transport, base_url="http://testserver")
            self._clients[address] = client
            self._stack.push_async_callback(client.aclose)
        return self._clients[address]


@pytest.fixture
def config(config: AppConfig, request: pytest.FixtureRequest) -> AppConfig:
    """The conftest's configuration, with the rate limits a test parametrizes indirectly."""
    limits: RateLimits | None = getattr(request, "param", None)
    return config if limits is None else evolve(config, rate_limits=limits)


@pytest.fixture
async def addresses(system: Ticketing, world: World, config: AppConfig) -> AsyncIterator[Addresses]:
    """The app serving the world, called from client addresses the test chooses."""
    app = create_app(config, system=system)
    async with asgi_client(app), AsyncExitStack() as stack:
        yield Addresses(app, stack)


async def test_register_creates_a_customer_who_can_log_in(api: Api) -> None:
    """Registering answers 201 with the account (customer, no theaters, no password), and the
    new credentials log in."""
    response = await api.call("POST", "/api/auth/register", json=NEW)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"user_id", "email", "name", "phone", "roles", "theater_ids"}
    assert body["email"] == "carol@example.com"
    assert body["name"] == "Carol"
    assert body["roles"] == ["customer"]
    assert body["theater_ids"] == []
    login = await api.call(
        "POST", "/api/auth/login", json={"email": NEW["email"], "password": NEW["password"]}
    )
    assert login.status_code == 200, login.text
    assert login.json()["user_id"] == body["user_id"]


async def test_register_refuses_a_weak_password(api: Api) -> None:
    """A too-short password is 422 ``weak_password`` naming the password field."""
    response = await api.call("POST", "/api/auth/register", json={**NEW, "password": "short"})
    details = assert_error(response, 422, "weak_password")
    assert details["field"] == "password"


async def test_register_refuses_a_malformed_email(api: Api) -> None:
    """A malformed e-mail is 422 ``invalid_input`` naming the email field."""
    response = await api.call("POST", "/api/auth/register", json={**NEW, "email": "not-an-email"})
    details = assert_error(response, 422, "invalid_input")
    assert details["field"] == "email"


async def test_register_refuses_a_taken_email(api: Api) -> None:
    """An e-mail another account uses (whatever the domain's case) is 409 ``email_taken``."""
    response = await api.call(
        "POST", "/api/auth/register", json={**NEW, "email": "alice@EXAMPLE.com"}
    )
    assert_error(response, 409, "email_taken")


async def test_register_refuses_a_body_of_the_wrong_shape(api: Api) -> None:
    """A body missing a field or with a mistyped one is 400 ``invalid_request``."""
    missing = await api.call("POST", "/api/auth/register", json={"email": NEW["email"]})
    assert_error(missing, 400, "invalid_request")
    mistyped = await api.call("POST", "/api/auth/register", json={**NEW, "password": 12345678})
    assert_error(mistyped, 400, "invalid_request")


async def test_login_returns_a_bearer_token_pair(api: Api, clock: ManualClock) -> None:
    """A log-in answers an access and a refresh token, type bearer, with their expiries as ISO
    instants with an offset (access in minutes, refresh in days)."""
    response = await api.call(
        "POST", "/api/auth/login", json={"email": "alice@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user_id"] == api.world.alice.user_id
    assert body["access_token"]
    assert body["refresh_token"]
    assert body["access_token"] != body["refresh_token"]
    expires = datetime.fromisoformat(body["expires_at"])
    refresh_expires = datetime.fromisoformat(body["refresh_expires_at"])
    assert expires.utcoffset() is not None
    assert clock.now() < expires <= clock.now() + timedelta(hours=1)
    assert refresh_expires > clock.now() + timedelta(days=1)


async def test_login_refuses_wrong_credentials_alike(api: Api) -> None:
    """A wrong password and an unknown e-mail are the same 401 ``invalid_credentials``."""
    wrong = await api.call(
        "POST", "/api/auth/login", json={"email": "alice@example.com", "password": "not it at all"}
    )
    unknown = await api.call(
        "POST", "/api/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert assert_error(wrong, 401, "invalid_credentials") == {}
    assert assert_error(unknown, 401, "invalid_credentials") == {}
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


async def test_login_refuses_a_malformed_email(api: Api) -> None:
    """A log-in with a malformed e-mail is 422 naming the email field."""
    response = await api.call(
        "POST", "/api/auth/login", json={"email": "no at sign", "password": PASSWORD}
    )
    assert assert_error(response, 422, "invalid_input")["field"] == "email"


async def test_login_is_rate_limited_per_address_across_accounts(
    addresses: Addresses, config: AppConfig, clock: ManualClock
) -> None:
    """One address trying many accounts (unknown and malformed e-mails count too) is 429
    ``rate_limited`` with Retry-After, even for a right password; another address is
    unaffected, and the window passing lets the address in again."""
    rule = config.rate_limits.login
    assert rule is not None
    sprayer = addresses.at("198.51.100.1")
    for n in range(rule.limit - 1):
        guess = {"email": f"someone{n}@example.com", "password": "not the password"}
        response = await sprayer.post("/api/auth/login", json=guess)
        assert_error(response, 401, "invalid_credentials")
    huge = {"email": "x" * 20_000 + "@example.com", "password": "not the password"}
    assert (
        assert_error(await sprayer.post("/api/auth/login", json=huge), 422, "invalid_input")[
            "field"
        ]
        == "email"
    )
    right = {"email": "alice@example.com", "password": PASSWORD}
    limited = await sprayer.post("/api/auth/login", json=right)
    details = assert_error(limited, 429, "rate_limited")
    assert details["retry_after_seconds"] > 0
    assert 1 <= int(limited.headers["Retry-After"]) <= rule.window.total_seconds()
    other = await addresses.at("198.51.100.2").post("/api/auth/login", json=right)
    assert other.status_code == 200, other.text
    clock.advance(rule.window + timedelta(seconds=1))
    again = await sprayer.post("/api/auth/login", json=right)
    assert again.status_code == 200, again.text


async def test_login_is_rate_limited_per_account_across_addresses(
    addresses: Addresses, config: AppConfig, clock: ManualClock
) -> None:
    """Addresses taking turns on one account (its e-mail written with any domain case) are 429
    for it, even with the right password, while other accounts log in from the same addresses;
    the window passing lets the account in again."""
    rule = config.rate_limits.login
    assert rule is not None
    spellings = ["bob@example.com", "bob@EXAMPLE.com", " bob@Example.COM "]
    for n in range(rule.limit):
        guess = {"email": spellings[n % len(spellings)], "password": "not the password"}
        response = await addresses.at(f"203.0.113.{n + 1}").post("/api/auth/login", json=guess)
        assert_error(response, 401, "invalid_credentials")
    fresh = addresses.at("192.0.2.1")
    right = {"email": "bob@example.com", "password": PASSWORD}
    assert_error(await fresh.post("/api/auth/login", json=right), 429, "rate_limited")
    alice = {"email": "alice@example.com", "password": PASSWORD}
    other = await addresses.at("203.0.113.1").post("/api/auth/login", json=alice)
    assert other.status_code == 200, other.text
    clock.advance(rule.window + timedelta(seconds=1))
    again = await fresh.post("/api/auth/login", json=right)
    assert again.status_code == 200, again.text


@pytest.mark.parametrize(
    "config",
    [RateLimits(register=RateLimit(limit=2, window=timedelta(minutes=10)))],
    indirect=True,
    ids=["register-limit-2"],
)
async def test_register_is_rate_limited_per_address(
    addresses: Addresses, config: AppConfig, clock: ManualClock
) -> None:
    """Past the registration limit one address is 429 ``rate_limited`` with Retry-After (and no
    account is made); another address still registers, and so does the first after the window."""
    rule = config.rate_limits.register
    assert rule is not None
    first = addresses.at("198.51.100.7")
    for n in range(rule.limit):
        made = await first.post("/api/auth/register", json={**NEW, "email": f"new{n}@example.com"})
        assert made.status_code == 201, made.text
    late = {**NEW, "email": "late@example.com"}
    limited = await first.post("/api/auth/register", json=late)
    assert assert_error(limited, 429, "rate_limited")["retry_after_seconds"] > 0
    assert 1 <= int(limited.headers["Retry-After"]) <= rule.window.total_seconds()
    login = {"email": late["email"], "password": late["password"]}
    assert_error(await first.post("/api/auth/login", json=login), 401, "invalid_credentials")
    other = await addresses.at("198.51.100.8").post("/api/auth/register", json=late)
    assert other.status_code == 201, other.text
    clock.advance(rule.window + timedelta(seconds=1))
    again = await first.post("/api/auth/register", json={**NEW, "email": "later@example.com"})
    assert again.status_code == 201, again.text


async def test_me_answers_the_callers_account(api: Api) -> None:
    """GET /api/me with a token answers the caller's account, with roles and theaters."""
    alice = await api.call("GET", "/api/me", "alice")
    assert alice.status_code == 200, alice.text
    assert alice.json()["user_id"] == api.world.alice.user_id
    assert alice.json()["email"] == "alice@example.com"
    staff = await api.call("GET", "/api/me", "staff_a")
    assert staff.json()["roles"] == ["theater_admin"]
    assert staff.json()["theater_ids"] == [api.world.theater_a.theater_id]


async def test_me_needs_a_token(api: Api) -> None:
    """Without a token, with a garbage one or a non-bearer scheme, /api/me is 401."""
    assert_error(await api.call("GET", "/api/me"), 401, "not_authenticated")
    garbage = await api.call("GET", "/api/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert_error(garbage, 401, "invalid_token")
    basic = await api.call("GET", "/api/me", headers={"Authorization": "Basic YWxpY2U6eA=="})
    assert_error(basic, 401, "not_authenticated")


async def test_an_expired_access_token_is_refused(
    api: Api, system: Ticketing, clock: ManualClock
) -> None:
    """A token works until its ttl has passed; after it, /api/me is 401 ``token_expired``."""
    token = await api.token("alice")
    headers = {"Authorization": f"Bearer {token}"}
    clock.advance(system.policies.access_token_ttl - timedelta(seconds=5))
    assert (await api.client.get("/api/me", headers=headers)).status_code == 200
    clock.advance(timedelta(seconds=10))
    assert_error(await api.client.get("/api/me", headers=headers), 401, "token_expired")


async def test_refresh_issues_a_new_pair(api: Api, system: Ticketing, clock: ManualClock) -> None:
    """A refresh token, after the access token expired, buys a new working pair."""
    login = await api.call(
        "POST", "/api/auth/login", json={"email": "alice@example.com", "password": PASSWORD}
    )
    tokens = login.json()
    clock.advance(system.policies.access_token_ttl + timedelta(minutes=1))
    response = await api.call(
        "POST", "/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 200, response.text
    fresh = response.json()
    assert fresh["token_type"] == "bearer"
    assert datetime.fromisoformat(fresh["expires_at"]) > clock.now()
    me = await api.client.get(
        "/api/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}
    )
    assert me.status_code == 200, me.text


async def test_refresh_refuses_bad_tokens(api: Api, system: Ticketing, clock: ManualClock) -> None:
    """An access token, garbage or an expired refresh token is 401 on refresh."""
    access = await api.token("alice")
    as_access = await api.call("POST", "/api/auth/refresh", json={"refresh_token": access})
    assert_error(as_access, 401, "invalid_token")
    garbage = await api.call("POST", "/api/auth/refresh", json={"refresh_token": "garbage"})
    assert_error(garbage, 401, "invalid_token")
    login = await api.call(
        "POST", "/api/auth/login", json={"email": "bob@example.com", "password": PASSWORD}
    )
    clock.advance(system.policies.refresh_token_ttl + timedelta(minutes=1))
    expired = await api.call(
        "POST", "/api/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
    )
    assert_error(expired, 401, "token_expired")
