"""The accounts routes: register, log in, refresh, who am I; tokens and the log-in rate limit."""

from __future__ import annotations

from datetime import datetime, timedelta

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.app import AppConfig
from bookmyshow.bootstrap import Ticketing
from tests.app.api import Api, assert_error
from tests.services.world import PASSWORD

NEW = {"email": "carol@example.com", "name": "Carol", "password": "a long passphrase"}


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


async def test_login_is_rate_limited_per_email_and_address(
    api: Api, config: AppConfig, clock: ManualClock
) -> None:
    """After the limit of attempts for one e-mail, even the right password is 429
    ``rate_limited`` with Retry-After; another e-mail is unaffected, and the window passing
    lets the e-mail in again."""
    rule = config.rate_limits.login
    assert rule is not None
    wrong = {"email": "bob@example.com", "password": "not the password"}
    for _ in range(rule.limit):
        assert_error(
            await api.call("POST", "/api/auth/login", json=wrong), 401, "invalid_credentials"
        )
    right = {"email": "bob@example.com", "password": PASSWORD}
    limited = await api.call("POST", "/api/auth/login", json=right)
    details = assert_error(limited, 429, "rate_limited")
    assert details["retry_after_seconds"] > 0
    assert 1 <= int(limited.headers["Retry-After"]) <= rule.window.total_seconds()
    other = await api.call(
        "POST", "/api/auth/login", json={"email": "alice@example.com", "password": PASSWORD}
    )
    assert other.status_code == 200, other.text
    clock.advance(rule.window + timedelta(seconds=1))
    again = await api.call("POST", "/api/auth/login", json=right)
    assert again.status_code == 200, again.text


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
