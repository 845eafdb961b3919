"""Wire shapes of the accounts routes: registration, log-in, token refresh and the caller's own
account.

Request bodies are decoded as they are; the library validates the values (a malformed e-mail is
422 ``invalid_input`` with ``field="email"``, a weak password 422 ``weak_password``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from attrs import frozen

from bookmyshow.domain.users import User
from bookmyshow.services.accounts import TokenPair

__all__ = ["LoginCreate", "RefreshCreate", "RegisterCreate", "TokenRead", "UserRead"]


@frozen(kw_only=True)
class RegisterCreate:
    """A new customer account: its e-mail (the log-in), display name, password (8 to 128
    characters, not the e-mail) and optional phone number."""

    email: str
    name: str
    password: str
    phone: str | None = None


@frozen(kw_only=True)
class LoginCreate:
    """Credentials to exchange for a token pair."""

    email: str
    password: str


@frozen(kw_only=True)
class RefreshCreate:
    """A refresh token (from a log-in or an earlier refresh) to exchange for a new pair."""

    refresh_token: str


@frozen(kw_only=True)
class UserRead:
    """An account as its owner sees it (never the password hash).

    ``roles`` are ``customer``, ``theater_admin`` and/or ``platform_admin``; ``theater_ids``
    are the theaters a theater admin manages (sorted).
    """

    user_id: str
    email: str
    name: str
    phone: str | None
    roles: list[str]
    theater_ids: list[str]

    @classmethod
    def of(cls, user: User) -> UserRead:
        """The wire shape of ``user``."""
        return cls(
            user_id=user.user_id,
            email=user.email.value,
            name=user.name,
            phone=None if user.phone is None else user.phone.value,
            roles=sorted(role.value for role in user.roles),
            theater_ids=sorted(user.theater_ids),
        )


@frozen(kw_only=True)
class TokenRead:
    """A token pair.

    Send ``access_token`` as ``Authorization: Bearer <access_token>``; it expires at
    ``expires_at`` (minutes).  Exchange ``refresh_token`` at ``POST /api/auth/refresh`` for a new
    pair before ``refresh_expires_at`` (days).
    """

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_at: datetime
    refresh_expires_at: datetime
    user_id: str

    @classmethod
    def of(cls, pair: TokenPair) -> TokenRead:
        """The wire shape of ``pair``."""
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            token_type="bearer",
            expires_at=pair.access_expires_at,
            refresh_expires_at=pair.refresh_expires_at,
            user_id=pair.user_id,
        )
