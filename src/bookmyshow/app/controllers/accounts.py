"""Routes: register, log in, refresh tokens, and the caller's own account (tag ``accounts``)."""

from __future__ import annotations

import hashlib
from typing import Any, Final

from litestar import Request, get, post
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_429_TOO_MANY_REQUESTS,
)
from litestar.types import ControllerRouterHandler

from bookmyshow.app.dependencies import SECURED, ConfigDep, TicketingDep, client_address, limit
from bookmyshow.app.errors import error_responses
from bookmyshow.app.schemas.accounts import (
    LoginCreate,
    RefreshCreate,
    RegisterCreate,
    TokenRead,
    UserRead,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.users import Email, Principal

__all__ = ["ROUTES", "login", "me", "refresh", "register"]

_TAGS: Final = ["accounts"]
_KEY_DIGEST_CHARS: Final = 32


def _limit_key(kind: str, value: str) -> str:
    """The rate limiter's key for ``value`` (an address or an e-mail) counted as ``kind``.

    A digest, not the value: its size is bounded whatever the client sent, and the limiter's
    store does not collect e-mail addresses.
    """
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}:{digest[:_KEY_DIGEST_CHARS]}"


def _account(email: str) -> str | None:
    """The e-mail as the library keys accounts (``Email``: the domain lower-cased, the local part
    as given), or ``None`` for one it refuses."""
    try:
        return Email(email).value
    except InvalidInput:
        # No account can have this e-mail: the log-in goes on to refuse it (422 naming the
        # e-mail), counted against the address alone.
        return None


@post(
    "/api/auth/register",
    operation_id="register",
    tags=_TAGS,
    responses=error_responses(HTTP_409_CONFLICT, HTTP_429_TOO_MANY_REQUESTS),
)
async def register(
    ticketing: TicketingDep,
    config: ConfigDep,
    request: Request[Any, Any, Any],
    data: RegisterCreate,
) -> UserRead:
    """Create a customer account (201).

    422 ``weak_password`` for a password the policy refuses (8 to 128 characters, not only
    whitespace, not the e-mail), 422 ``invalid_input`` for a malformed e-mail, name or phone, and
    409 ``email_taken`` when another account uses the e-mail.  429 ``rate_limited`` (with
    ``Retry-After``) after too many registrations from one client address: each one hashes a
    password, work anyone could otherwise ask for without end.  Log in afterwards for tokens.
    """
    address = _limit_key("register", client_address(request))
    await limit(ticketing, config.rate_limits.register, address)
    user = await ticketing.accounts.register(data.email, data.name, data.password, data.phone)
    return UserRead.of(user)


@post(
    "/api/auth/login",
    operation_id="login",
    tags=_TAGS,
    status_code=HTTP_200_OK,
    responses=error_responses(
        HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN, HTTP_429_TOO_MANY_REQUESTS
    ),
)
async def login(
    ticketing: TicketingDep, config: ConfigDep, request: Request[Any, Any, Any], data: LoginCreate
) -> TokenRead:
    """Exchange an e-mail and password for an access token and a refresh token.

    401 ``invalid_credentials`` for an unknown e-mail or a wrong password (indistinguishable),
    403 ``user_inactive`` for a deactivated account, and 429 ``rate_limited`` (with
    ``Retry-After``) after too many attempts from one client address (whatever the accounts) or
    for one account (whatever the addresses).  Attempts are counted before the password is
    checked, so that guessing is slowed whether the guesses are right or wrong.
    """
    rule = config.rate_limits.login
    await limit(ticketing, rule, _limit_key("login-ip", client_address(request)))
    account = _account(data.email)
    if account is not None:
        await limit(ticketing, rule, _limit_key("login-account", account))
    pair = await ticketing.accounts.login(data.email, data.password)
    return TokenRead.of(pair)


@post(
    "/api/auth/refresh",
    operation_id="refreshTokens",
    tags=_TAGS,
    status_code=HTTP_200_OK,
    responses=error_responses(HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN),
)
async def refresh(ticketing: TicketingDep, data: RefreshCreate) -> TokenRead:
    """Exchange a refresh token for a new token pair carrying the account's current roles.

    401 ``token_expired`` for an expired refresh token and ``invalid_token`` for any other bad
    one (an access token, a forged or revoked one); 403 ``user_inactive`` for a deactivated
    account.
    """
    pair = await ticketing.accounts.refresh(data.refresh_token)
    return TokenRead.of(pair)


@get(
    "/api/me",
    operation_id="getMe",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND),
)
async def me(ticketing: TicketingDep, principal: Principal) -> UserRead:
    """The caller's own account as stored now.

    401 without a valid access token, 403 ``user_inactive`` for a deactivated account and 404
    for one that no longer exists.
    """
    return UserRead.of(await ticketing.accounts.me(principal))


ROUTES: Final[list[ControllerRouterHandler]] = [register, login, refresh, me]
