"""Routes: register, log in, refresh tokens, and the caller's own account (tag ``accounts``)."""

from __future__ import annotations

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

from bookmyshow.app.dependencies import BEARER, ConfigDep, TicketingDep, client_address, limit
from bookmyshow.app.errors import error_responses
from bookmyshow.app.schemas.accounts import (
    LoginCreate,
    RefreshCreate,
    RegisterCreate,
    TokenRead,
    UserRead,
)
from bookmyshow.domain.users import Principal

__all__ = ["ROUTES", "login", "me", "refresh", "register"]

_TAGS: Final = ["accounts"]


@post(
    "/api/auth/register",
    operation_id="register",
    tags=_TAGS,
    responses=error_responses(HTTP_409_CONFLICT),
)
async def register(ticketing: TicketingDep, data: RegisterCreate) -> UserRead:
    """Create a customer account (201).

    422 ``weak_password`` for a password the policy refuses (8 to 128 characters, not only
    whitespace, not the e-mail), 422 ``invalid_input`` for a malformed e-mail, name or phone, and
    409 ``email_taken`` when another account uses the e-mail.  Log in afterwards for tokens.
    """
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
    ``Retry-After``) after too many attempts for one e-mail from one address, counted before the
    password is checked so that guessing is slowed whether the guesses are right or wrong.
    """
    key = f"login:{data.email.strip().lower()}:{client_address(request)}"
    await limit(ticketing, config.rate_limits.login, key)
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
    security=[{BEARER: []}],
    responses=error_responses(HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND),
)
async def me(ticketing: TicketingDep, principal: Principal) -> UserRead:
    """The caller's own account as stored now.

    401 without a valid access token, 403 ``user_inactive`` for a deactivated account and 404
    for one that no longer exists.
    """
    return UserRead.of(await ticketing.accounts.me(principal))


ROUTES: Final[list[ControllerRouterHandler]] = [register, login, refresh, me]
