"""What is specific to the stdlib security adapters: scrypt encoding and HS256 token layout."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.security import (
    HmacTokenService,
    ScryptParameters,
    ScryptPasswordHasher,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.security import InvalidToken

SECRET = b"s" * 32

# RFC 7914 section 12, second vector: scrypt("password", "NaCl", N=1024, r=8, p=16, dkLen=64).
RFC_7914_DIGEST = bytes.fromhex(
    "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
    "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _b64url_json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _sign(claims: dict[str, Any], secret: bytes = SECRET) -> str:
    def seg(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    signing_input = f"{seg({'alg': 'HS256', 'typ': 'JWT'})}.{seg(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


@pytest.mark.asyncio
async def test_scrypt_verifies_the_rfc_7914_vector() -> None:
    """A PHC string built from the RFC 7914 test vector verifies: the KDF really is scrypt."""
    encoded = f"$scrypt$ln=10,r=8,p=16${_b64(b'NaCl')}${_b64(RFC_7914_DIGEST)}"
    hasher = ScryptPasswordHasher.fast_for_tests()
    assert await hasher.verify("password", encoded)
    assert not await hasher.verify("Password", encoded)
    assert hasher.needs_rehash(encoded)


@pytest.mark.asyncio
async def test_scrypt_encoding_layout() -> None:
    """Hashes are $scrypt$ln=..,r=..,p=..$salt$digest with a 16-byte salt and 32-byte digest."""
    hasher = ScryptPasswordHasher(ScryptParameters(log2_n=9, r=4, p=2))
    _, scheme, params, salt, digest = (await hasher.hash("hunter2")).split("$")
    assert (scheme, params) == ("scrypt", "ln=9,r=4,p=2")
    assert len(base64.b64decode(salt + "==")) == 16
    assert len(base64.b64decode(digest + "==")) == 32


def test_default_parameters_meet_owasp_minimum() -> None:
    """The default hasher uses N=2**17, r=8, p=1."""
    assert ScryptPasswordHasher().parameters == ScryptParameters(log2_n=17, r=8, p=1)


@pytest.mark.asyncio
async def test_changed_parameters_need_rehash_but_still_verify() -> None:
    """A hash made with old parameters verifies under new ones and is flagged for rehash."""
    old = await ScryptPasswordHasher.fast_for_tests().hash("pw")
    stronger = ScryptPasswordHasher(ScryptParameters(log2_n=9, r=8, p=1))
    assert await stronger.verify("pw", old)
    assert stronger.needs_rehash(old)


@pytest.mark.parametrize(
    ("log2_n", "r", "p"), [(0, 8, 1), (25, 8, 1), (10, 0, 1), (10, 8, 0), (10, 65, 1), (22, 64, 1)]
)
def test_out_of_range_parameters_are_refused(log2_n: int, r: int, p: int) -> None:
    """Parameters out of range or needing over 1 GiB raise InvalidInput."""
    with pytest.raises(InvalidInput):
        ScryptParameters(log2_n=log2_n, r=r, p=p)


@pytest.mark.asyncio
async def test_tokens_are_standard_hs256_jwts() -> None:
    """The token's header is HS256/JWT and its signature is HMAC-SHA256 over header.payload."""
    service = HmacTokenService(SECRET, clock=ManualClock(), issuer="iss1", audience="aud1")
    token = await service.issue("alice", ttl=timedelta(minutes=1))
    header, payload, signature = token.split(".")
    assert _b64url_json(header) == {"alg": "HS256", "typ": "JWT"}
    claims = _b64url_json(payload)
    assert (claims["sub"], claims["iss"], claims["aud"]) == ("alice", "iss1", "aud1")
    assert claims["exp"] - claims["iat"] == 60
    mac = hmac.new(SECRET, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(mac).decode().rstrip("=") == signature


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "change",
    [
        {"iss": "someone-else"},
        {"aud": "another-api"},
        {"aud": ["bookmyshow"]},
        {"exp": "never"},
        {"iat": 1.5},
        {"sub": ""},
        {"jti": None},
        {"extra": {"nested": "object"}},
        {"exp": 10**20},
    ],
)
async def test_genuine_but_wrong_claims_are_invalid(change: dict[str, Any]) -> None:
    """A correctly signed token with a wrong issuer, audience or claim type is InvalidToken."""
    clock = ManualClock()
    now = int(clock.now().timestamp())
    claims: dict[str, Any] = {
        "sub": "alice",
        "iss": "bookmyshow",
        "aud": "bookmyshow",
        "iat": now,
        "exp": now + 60,
        "jti": "t1",
    }
    service = HmacTokenService(SECRET, clock=clock)
    assert (await service.verify(_sign(claims))).subject == "alice"
    with pytest.raises(InvalidToken):
        await service.verify(_sign(claims | change))


@pytest.mark.asyncio
async def test_token_issued_in_the_future_is_invalid() -> None:
    """A token whose iat is after now (beyond the leeway) raises InvalidToken."""
    clock = ManualClock()
    service = HmacTokenService(SECRET, clock=clock, leeway=timedelta(seconds=30))
    token = await service.issue("alice", ttl=timedelta(minutes=5))
    clock.set(clock.now() - timedelta(seconds=30))
    assert (await service.verify(token)).subject == "alice"
    clock.set(clock.now() - timedelta(seconds=1))
    with pytest.raises(InvalidToken):
        await service.verify(token)


@pytest.mark.asyncio
async def test_leeway_extends_expiry() -> None:
    """With a leeway, a token still verifies that long after exp, and not at exp + leeway."""
    clock = ManualClock()
    service = HmacTokenService(SECRET, clock=clock, leeway=timedelta(seconds=30))
    token = await service.issue("alice", ttl=timedelta(minutes=1))
    clock.advance(timedelta(seconds=89))
    assert (await service.verify(token)).subject == "alice"
    clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidToken):
        await service.verify(token)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"secret": b"short"}, "secret"),
        ({"issuer": ""}, "issuer"),
        ({"audience": ""}, "audience"),
        ({"leeway": timedelta(seconds=-1)}, "leeway"),
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, Any], field: str) -> None:
    """A short secret, empty issuer/audience or negative leeway raises InvalidInput."""
    arguments: dict[str, Any] = {"secret": SECRET} | kwargs
    with pytest.raises(InvalidInput) as info:
        HmacTokenService(clock=ManualClock(), **arguments)
    assert info.value.field == field


@pytest.mark.asyncio
async def test_float_claims_are_refused() -> None:
    """An extra claim holding a float raises InvalidInput (no floats cross the boundary)."""
    service = HmacTokenService(SECRET, clock=ManualClock())
    with pytest.raises(InvalidInput) as info:
        await service.issue("alice", ttl=timedelta(minutes=1), extra={"score": 1.5})  # type: ignore[dict-item]
    assert info.value.field == "extra.score"
