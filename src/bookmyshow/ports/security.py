"""Security ports: password hashing and signed access tokens.

Both are async: hashing is deliberately slow (an adapter runs it off the event loop) and a token
service may consult a key store or a revocation list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import ClassVar, Final, Protocol, TypeAlias

from attrs import define, field, frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import PortError

__all__ = [
    "RESERVED_CLAIMS",
    "ClaimValue",
    "ExpiredToken",
    "InvalidPasswordHash",
    "InvalidToken",
    "PasswordHasher",
    "TokenClaims",
    "TokenService",
]

ClaimValue: TypeAlias = str | int | bool | Sequence[str] | None
"""What an extra claim may hold: JSON scalars (no floats) or a list of strings (e.g. roles)."""

RESERVED_CLAIMS: Final = frozenset({"sub", "iss", "aud", "iat", "nbf", "exp", "jti"})
"""Registered claim names the token service sets itself; they may not appear in ``extra``."""


@define(auto_exc=True, kw_only=True)
class InvalidToken(PortError):
    """The token is malformed, forged, tampered with, or meant for another issuer or audience."""

    code: ClassVar[str] = "invalid_token"
    reason: str


@define(auto_exc=True, kw_only=True)
class ExpiredToken(InvalidToken):
    """The token was genuine but its expiry has passed."""

    code: ClassVar[str] = "token_expired"
    expired_at: datetime


@define(auto_exc=True, kw_only=True)
class InvalidPasswordHash(PortError):
    """A stored password hash is not in a format this hasher understands (corrupt data)."""

    code: ClassVar[str] = "invalid_password_hash"
    reason: str


def _freeze_extra(value: Mapping[str, ClaimValue]) -> Mapping[str, ClaimValue]:
    if not isinstance(value, Mapping):
        raise InvalidInput(field="extra", reason="a mapping of claim name to value")
    out: dict[str, ClaimValue] = {}
    for k, v in value.items():
        if isinstance(v, str | int | bool | None):
            out[k] = v
        elif isinstance(v, list | tuple) and all(isinstance(item, str) for item in v):
            out[k] = tuple(v)
        else:
            raise InvalidInput(field=f"extra.{k}", reason="claims are str, int, bool, None or strs")
    return out


@frozen(kw_only=True)
class TokenClaims:
    """What a verified token says: who (``subject``), for whom, until when, plus ``extra``.

    ``issued_at`` and ``expires_at`` are whole seconds in UTC (tokens carry integer timestamps).
    Sequences in ``extra`` come back as tuples; ``extra`` holding anything but claim values raises
    :class:`~bookmyshow.domain.errors.InvalidInput`.
    """

    subject: str
    issuer: str
    audience: str
    issued_at: datetime
    expires_at: datetime
    token_id: str
    extra: Mapping[str, ClaimValue] = field(factory=dict, converter=_freeze_extra)


class PasswordHasher(Protocol):
    """Hashes passwords with a slow, salted key-derivation function."""

    async def hash(self, password: str) -> str:
        """A self-describing encoded hash (algorithm, parameters, salt, digest) of ``password``.

        Two calls with the same password give different strings (random salt).  Raises
        :class:`~bookmyshow.domain.errors.InvalidInput` (``field="password"``) for an empty
        password or one that is not Unicode text (a lone surrogate has no UTF-8 form); such a
        password never verifies.
        """
        ...

    async def verify(self, password: str, encoded: str) -> bool:
        """Whether ``password`` matches ``encoded``; the comparison takes constant time.

        Raises :class:`InvalidPasswordHash` if ``encoded`` is not a hash this hasher made.
        """
        ...

    def needs_rehash(self, encoded: str) -> bool:
        """Whether ``encoded`` was made with weaker parameters than the hasher now uses.

        Raises :class:`InvalidPasswordHash` if ``encoded`` is not a hash this hasher made.
        """
        ...


class TokenService(Protocol):
    """Issues and verifies signed, expiring bearer tokens."""

    async def issue(
        self, subject: str, *, ttl: timedelta, extra: Mapping[str, ClaimValue] | None = None
    ) -> str:
        """A signed token for ``subject`` valid for ``ttl`` from now, carrying ``extra`` claims.

        Raises :class:`~bookmyshow.domain.errors.InvalidInput` for an empty subject, a ``ttl``
        under one second, or an ``extra`` claim named in :data:`RESERVED_CLAIMS`.
        """
        ...

    async def verify(self, token: str) -> TokenClaims:
        """The claims of a genuine, unexpired token issued by this service for its audience.

        Raises :class:`ExpiredToken` once ``now >= expires_at``, and :class:`InvalidToken` for
        anything else wrong (bad format, bad signature, wrong algorithm, issuer or audience).
        """
        ...
