"""Embedded security adapters: scrypt password hashing and HS256 JWTs.

Nothing here is a stub.  :class:`ScryptPasswordHasher` is a real memory-hard KDF
(:func:`hashlib.scrypt`) with random salts and constant-time comparison.  :class:`HmacTokenService`
issues standard JWTs signed with HS256 through PyJWT (a core dependency), pinning the algorithm
and verifying signature, issuer, audience and required claims, with expiry judged by the
injected clock.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import jwt
from attrs import frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.validation import shift
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.security import (
    RESERVED_CLAIMS,
    ClaimValue,
    ExpiredToken,
    InvalidPasswordHash,
    InvalidToken,
    TokenClaims,
)

__all__ = ["HmacTokenService", "ScryptParameters", "ScryptPasswordHasher"]

_MAX_SCRYPT_MEMORY: Final = 1 << 30  # 1 GiB: refuse parameters that could exhaust the host
_SALT_BYTES: Final = 16
_DIGEST_BYTES: Final = 32
_PHC: Final = re.compile(
    r"\$scrypt\$ln=(?P<ln>\d{1,2}),r=(?P<r>\d{1,3}),p=(?P<p>\d{1,3})"
    r"\$(?P<salt>[A-Za-z0-9+/]{6,88})\$(?P<digest>[A-Za-z0-9+/]{22,88})"
)
_ALGORITHM: Final = "HS256"
_REQUIRED: Final = ("sub", "iss", "aud", "iat", "exp", "jti")
# header.payload.signature; the signature may be empty so that PyJWT itself refuses alg "none".
_COMPACT_JWS: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_MAX_TOKEN_CHARS: Final = 8192
_MIN_SECRET_BYTES: Final = 32


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _utf8(text: str) -> bytes | None:
    # A lone surrogate has no UTF-8 form: such a password can be neither hashed nor matched.
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


@frozen
class ScryptParameters:
    """scrypt cost: ``n = 2**log2_n``, block size ``r``, parallelism ``p``.

    Raises :class:`~bookmyshow.domain.errors.InvalidInput` for parameters out of range or
    needing more than 1 GiB of memory.
    """

    log2_n: int
    r: int
    p: int

    def __attrs_post_init__(self) -> None:
        for name in ("log2_n", "r", "p"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInput(field="scrypt", reason=f"{name} must be an integer")
        if not (1 <= self.log2_n <= 24 and 1 <= self.r <= 64 and 1 <= self.p <= 16):
            raise InvalidInput(field="scrypt", reason="need 1<=log2_n<=24, 1<=r<=64, 1<=p<=16")
        if self.memory > _MAX_SCRYPT_MEMORY:
            raise InvalidInput(field="scrypt", reason="parameters need more than 1 GiB")

    @property
    def n(self) -> int:
        """The CPU/memory cost ``N``."""
        return 1 << self.log2_n

    @property
    def memory(self) -> int:
        """Bytes scrypt needs for these parameters (``128 * r * (N + p + 2)``)."""
        return 128 * self.r * (self.n + self.p + 2)


class ScryptPasswordHasher:
    """Password hashing with :func:`hashlib.scrypt`, encoded in PHC string format.

    Hashes look like ``$scrypt$ln=17,r=8,p=1$<salt>$<digest>`` (unpadded base64, 16-byte salt,
    32-byte digest).  The default parameters are OWASP's minimum (N=2**17, r=8, p=1: about
    128 MiB and a noticeable fraction of a second); :meth:`fast_for_tests` trades all of that
    for speed.  The KDF runs in a worker thread so the event loop stays responsive.  Hashes made
    with other parameters still verify; :meth:`needs_rehash` tells when to upgrade them.
    """

    def __init__(self, parameters: ScryptParameters | None = None) -> None:
        if parameters is not None and not isinstance(parameters, ScryptParameters):
            raise InvalidInput(field="parameters", reason="ScryptParameters or None")
        self.parameters = parameters or ScryptParameters(log2_n=17, r=8, p=1)

    @classmethod
    def fast_for_tests(cls) -> ScryptPasswordHasher:
        """A hasher with tiny parameters (N=2**8): still scrypt, never for production."""
        return cls(ScryptParameters(log2_n=8, r=8, p=1))

    @staticmethod
    def _derive(password: bytes, salt: bytes, params: ScryptParameters, length: int) -> bytes:
        return hashlib.scrypt(
            password,
            salt=salt,
            n=params.n,
            r=params.r,
            p=params.p,
            maxmem=params.memory + (1 << 20),
            dklen=length,
        )

    async def hash(self, password: str) -> str:
        """An encoded scrypt hash of ``password`` with a fresh random salt.

        Raises :class:`~bookmyshow.domain.errors.InvalidInput` for an empty password or one with
        no UTF-8 form (a lone surrogate).
        """
        if not isinstance(password, str) or not password:
            raise InvalidInput(field="password", reason="must be a non-empty string")
        secret = _utf8(password)
        if secret is None:
            raise InvalidInput(field="password", reason="must be Unicode text (no lone surrogate)")
        params = self.parameters
        salt = secrets.token_bytes(_SALT_BYTES)
        digest = await asyncio.to_thread(self._derive, secret, salt, params, _DIGEST_BYTES)
        return (
            f"$scrypt$ln={params.log2_n},r={params.r},p={params.p}"
            f"${_b64encode(salt)}${_b64encode(digest)}"
        )

    @staticmethod
    def _parse(encoded: str) -> tuple[ScryptParameters, bytes, bytes]:
        match = _PHC.fullmatch(encoded) if isinstance(encoded, str) else None
        if match is None:
            raise InvalidPasswordHash(reason="not a $scrypt$ PHC string")
        try:
            params = ScryptParameters(int(match["ln"]), int(match["r"]), int(match["p"]))
            salt, digest = _b64decode(match["salt"]), _b64decode(match["digest"])
        except (InvalidInput, binascii.Error) as exc:
            raise InvalidPasswordHash(reason=f"bad scrypt hash: {exc}") from exc
        return params, salt, digest

    async def verify(self, password: str, encoded: str) -> bool:
        """Whether ``password`` matches ``encoded`` (constant-time digest comparison).

        An empty password, or one :meth:`hash` refuses as not Unicode text, never matches.
        Raises :class:`InvalidPasswordHash` for a string that is not an scrypt PHC hash, and
        ``InvalidInput`` for a password that is not a string.
        """
        params, salt, expected = self._parse(encoded)
        if not isinstance(password, str):
            raise InvalidInput(field="password", reason="must be a string")
        secret = _utf8(password)
        if not secret:
            return False
        actual = await asyncio.to_thread(self._derive, secret, salt, params, len(expected))
        return hmac.compare_digest(actual, expected)

    def needs_rehash(self, encoded: str) -> bool:
        """Whether ``encoded`` differs from what :meth:`hash` makes now (parameters or sizes).

        Raises :class:`InvalidPasswordHash` for a string that is not an scrypt PHC hash.
        """
        params, salt, digest = self._parse(encoded)
        return params != self.parameters or len(salt) != _SALT_BYTES or len(digest) != _DIGEST_BYTES


def _check_extra(extra: Mapping[str, ClaimValue]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in extra.items():
        if not isinstance(name, str) or not name or name in RESERVED_CLAIMS:
            raise InvalidInput(field="extra", reason=f"claim name {name!r} is reserved or empty")
        if isinstance(value, str | int | bool) or value is None:
            out[name] = value
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            out[name] = list(value)
        else:
            raise InvalidInput(
                field=f"extra.{name}", reason="claims are str, int, bool, None or strs"
            )
    return out


def _decode_extra(payload: Mapping[str, Any]) -> dict[str, ClaimValue]:
    out: dict[str, ClaimValue] = {}
    for name, value in payload.items():
        if name in RESERVED_CLAIMS:
            continue
        if isinstance(value, str | int | bool) or value is None:
            out[name] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[name] = tuple(value)
        else:
            raise InvalidToken(reason=f"unsupported value for claim {name!r}")
    return out


def _instant_claim(payload: Mapping[str, Any], name: str) -> datetime:
    value = payload.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidToken(reason=f"missing or non-integer {name}")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise InvalidToken(reason=f"{name} out of range") from exc


class HmacTokenService:
    """HS256-signed JWTs (made and checked by PyJWT) with ``sub``, ``iss``, ``aud``, ``iat``,
    ``exp`` and ``jti`` claims.

    ``secret`` must be at least 32 bytes.  Time comes from ``clock``, never from the host:
    PyJWT checks the signature, the pinned algorithm, the required claims, the issuer and the
    audience, and this class then judges ``iat``, ``nbf`` and ``exp`` against ``clock.now()``,
    tolerating ``leeway`` of clock skew.  Raises :class:`~bookmyshow.domain.errors.InvalidInput`
    for a short secret, an empty issuer or audience, or a negative leeway.
    """

    def __init__(
        self,
        secret: bytes,
        *,
        clock: Clock,
        issuer: str = "bookmyshow",
        audience: str = "bookmyshow",
        leeway: timedelta = timedelta(0),
    ) -> None:
        if not isinstance(secret, bytes) or len(secret) < _MIN_SECRET_BYTES:
            raise InvalidInput(field="secret", reason="need at least 32 bytes")
        for name, value in (("issuer", issuer), ("audience", audience)):
            if not isinstance(value, str) or not value:
                raise InvalidInput(field=name, reason="must be a non-empty string")
        if not isinstance(leeway, timedelta) or leeway < timedelta(0):
            raise InvalidInput(field="leeway", reason="must be a non-negative timedelta")
        self._secret = secret
        self._clock = clock
        self.issuer = issuer
        self.audience = audience
        self._leeway = leeway

    async def issue(
        self, subject: str, *, ttl: timedelta, extra: Mapping[str, ClaimValue] | None = None
    ) -> str:
        """A signed token for ``subject`` that expires ``ttl`` (whole seconds, truncated) from now.

        Raises :class:`~bookmyshow.domain.errors.InvalidInput` for an empty subject, a ttl under
        one second (or reaching past the calendar), or extra claims that are not a mapping of
        unreserved names to claim values.
        """
        if not isinstance(subject, str) or not subject:
            raise InvalidInput(field="subject", reason="must be a non-empty string")
        if not isinstance(ttl, timedelta) or ttl < timedelta(seconds=1):
            raise InvalidInput(field="ttl", reason="must be a timedelta of at least one second")
        if extra is not None and not isinstance(extra, Mapping):
            raise InvalidInput(field="extra", reason="a mapping of claim name to value")
        claims = _check_extra(extra or {})
        now = self._clock.now()
        expires = shift(now, ttl, "ttl")
        claims.update(
            sub=subject,
            iss=self.issuer,
            aud=self.audience,
            iat=int(now.timestamp()),
            exp=int(expires.timestamp()),
            jti=secrets.token_urlsafe(16),
        )
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    async def verify(self, token: str) -> TokenClaims:
        """The claims of ``token`` if it is genuine, ours, for our audience and unexpired.

        Raises :class:`ExpiredToken` when ``now >= exp + leeway`` and :class:`InvalidToken` for
        a malformed token, a bad signature, an algorithm other than HS256 (``none`` included), a
        foreign issuer or audience, missing or mistyped claims, or an issue time in the future.
        """
        if not isinstance(token, str) or len(token) > _MAX_TOKEN_CHARS:
            raise InvalidToken(reason="not a token")
        # Older PyJWT releases allowed by the dependency range decode base64 leniently
        # (dropping stray characters): checking the shape here keeps one spelling per token.
        if not _COMPACT_JWS.fullmatch(token):
            raise InvalidToken(reason="not a compact JWS")
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=self.issuer,
                audience=self.audience,
                options={
                    "require": list(_REQUIRED),
                    "strict_aud": True,
                    # Time is the injected clock's to judge (below), not the host's.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(reason=str(exc) or type(exc).__name__) from exc
        return self._claims(payload)

    def _claims(self, payload: dict[str, Any]) -> TokenClaims:
        sub, jti = payload["sub"], payload["jti"]
        if not (isinstance(sub, str) and sub and isinstance(jti, str)):
            raise InvalidToken(reason="missing subject or token id")
        issued_at = _instant_claim(payload, "iat")
        expires_at = _instant_claim(payload, "exp")
        now = self._clock.now()
        if issued_at > now + self._leeway:
            raise InvalidToken(reason="issued in the future")
        if "nbf" in payload and _instant_claim(payload, "nbf") > now + self._leeway:
            raise InvalidToken(reason="not valid yet")
        if now >= expires_at + self._leeway:
            raise ExpiredToken(reason="expired", expired_at=expires_at)
        return TokenClaims(
            subject=sub,
            issuer=self.issuer,
            audience=self.audience,
            issued_at=issued_at,
            expires_at=expires_at,
            token_id=jti,
            extra=_decode_extra(payload),
        )
