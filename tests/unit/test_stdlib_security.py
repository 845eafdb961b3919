"""What is specific to the embedded security adapters: scrypt encoding and PyJWT-made HS256 JWTs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.security import (
    HmacTokenService,
    ScryptParameters,
    ScryptPasswordHasher,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.security import ExpiredToken, InvalidToken

SECRET = b"s" * 32
OTHER_SECRET = b"o" * 32

# RFC 7914 section 12, second vector: scrypt("password", "NaCl", N=1024, r=8, p=16, dkLen=64).
RFC_7914_DIGEST = bytes.fromhex(
    "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
    "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _b64url_json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _sign(claims: dict[str, Any], secret: bytes = SECRET) -> str:
    """An HS256 JWT built by hand (independently of PyJWT and of the service under test)."""
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_segment(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def _claims(clock: ManualClock, **changes: Any) -> dict[str, Any]:
    """Valid claims for the default issuer and audience, issued now for a minute."""
    now = int(clock.now().timestamp())
    claims: dict[str, Any] = {
        "sub": "alice",
        "iss": "bookmyshow",
        "aud": "bookmyshow",
        "iat": now,
        "exp": now + 60,
        "jti": "t1",
    }
    return claims | changes


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
async def test_hand_signed_jwt_verifies() -> None:
    """A JWT signed by hand with the shared secret verifies: nothing private in the format."""
    clock = ManualClock()
    service = HmacTokenService(SECRET, clock=clock)
    claims = await service.verify(_sign(_claims(clock, roles=["customer"])))
    assert (claims.subject, claims.token_id) == ("alice", "t1")
    assert claims.extra == {"roles": ("customer",)}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "change",
    [
        {"iss": "someone-else"},
        {"iss": 7},
        {"aud": "another-api"},
        {"aud": ["bookmyshow"]},
        {"exp": "never"},
        {"exp": True},
        {"iat": 1.5},
        {"sub": ""},
        {"sub": 42},
        {"jti": None},
        {"jti": 7},
        {"extra": {"nested": "object"}},
        {"exp": 10**20},
    ],
)
async def test_genuine_but_wrong_claims_are_invalid(change: dict[str, Any]) -> None:
    """A correctly signed token with a wrong issuer, audience or claim type is InvalidToken."""
    clock = ManualClock()
    service = HmacTokenService(SECRET, clock=clock)
    assert (await service.verify(_sign(_claims(clock)))).subject == "alice"
    with pytest.raises(InvalidToken) as info:
        await service.verify(_sign(_claims(clock, **change)))
    assert not isinstance(info.value, ExpiredToken)


@pytest.mark.asyncio
@pytest.mark.parametrize("missing", ["sub", "iss", "aud", "iat", "exp", "jti"])
async def test_every_registered_claim_is_required(missing: str) -> None:
    """A correctly signed token lacking any of sub/iss/aud/iat/exp/jti is InvalidToken."""
    clock = ManualClock()
    claims = _claims(clock)
    del claims[missing]
    with pytest.raises(InvalidToken):
        await HmacTokenService(SECRET, clock=clock).verify(_sign(claims))


@pytest.mark.asyncio
async def test_token_signed_with_another_key_is_invalid() -> None:
    """A PyJWT-made HS256 token under another secret is refused, the jwt error kept as cause."""
    clock = ManualClock()
    token = jwt.encode(_claims(clock), OTHER_SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken) as info:
        await HmacTokenService(SECRET, clock=clock).verify(token)
    assert isinstance(info.value.__cause__, jwt.InvalidSignatureError)


@pytest.mark.asyncio
@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
async def test_other_hmac_algorithms_are_refused(algorithm: str) -> None:
    """A token correctly signed with our secret but another algorithm is InvalidToken."""
    clock = ManualClock()
    secret = b"L" * 64  # long enough for every HMAC algorithm, so only the algorithm differs
    token = jwt.encode(_claims(clock), secret, algorithm=algorithm)
    with pytest.raises(InvalidToken) as info:
        await HmacTokenService(secret, clock=clock).verify(token)
    assert isinstance(info.value.__cause__, jwt.InvalidAlgorithmError)


@pytest.mark.asyncio
@pytest.mark.parametrize("signature", ["", "c2lnbmF0dXJl"])
async def test_alg_none_is_refused(signature: str) -> None:
    """An unsecured (alg "none") token is InvalidToken, with or without a signature segment."""
    clock = ManualClock()
    header = _segment({"alg": "none", "typ": "JWT"})
    token = f"{header}.{_segment(_claims(clock))}.{signature}"
    with pytest.raises(InvalidToken) as info:
        await HmacTokenService(SECRET, clock=clock).verify(token)
    assert isinstance(info.value.__cause__, jwt.InvalidAlgorithmError)


@pytest.mark.asyncio
async def test_tampered_payload_is_invalid() -> None:
    """Re-encoding the payload with another subject while keeping the signature is refused."""
    clock = ManualClock()
    header, _, signature = _sign(_claims(clock)).split(".")
    forged = f"{header}.{_segment(_claims(clock, sub='mallory'))}.{signature}"
    with pytest.raises(InvalidToken):
        await HmacTokenService(SECRET, clock=clock).verify(forged)


@pytest.mark.asyncio
@pytest.mark.parametrize("junk", ["!", "=", "~", " ", "+/"])
async def test_stray_characters_in_a_genuine_token_are_refused(junk: str) -> None:
    """A genuine token with characters outside base64url appended to its signature is refused."""
    clock = ManualClock()
    token = _sign(_claims(clock))
    service = HmacTokenService(SECRET, clock=clock)
    assert (await service.verify(token)).subject == "alice"
    with pytest.raises(InvalidToken):
        await service.verify(token + junk)


@pytest.mark.asyncio
@pytest.mark.parametrize(("issuer", "audience"), [("other", "bookmyshow"), ("bookmyshow", "other")])
async def test_foreign_issuer_or_audience_is_invalid(issuer: str, audience: str) -> None:
    """A token from a service with the same secret but another issuer or audience is refused."""
    clock = ManualClock()
    foreign = HmacTokenService(SECRET, clock=clock, issuer=issuer, audience=audience)
    token = await foreign.issue("alice", ttl=timedelta(minutes=5))
    with pytest.raises(InvalidToken):
        await HmacTokenService(SECRET, clock=clock).verify(token)


@pytest.mark.asyncio
async def test_time_is_judged_by_the_clock_not_the_host() -> None:
    """Validity follows the injected clock: a 2001 token verifies at 2001, expires at 2001+ttl."""
    clock = ManualClock(datetime(2001, 1, 1, tzinfo=UTC))
    service = HmacTokenService(SECRET, clock=clock)
    token = await service.issue("alice", ttl=timedelta(hours=1))
    assert (await service.verify(token)).subject == "alice"
    clock.advance(timedelta(hours=1))
    with pytest.raises(ExpiredToken) as info:
        await service.verify(token)
    assert info.value.expired_at == datetime(2001, 1, 1, 1, tzinfo=UTC)


@pytest.mark.asyncio
async def test_token_issued_in_the_future_is_invalid() -> None:
    """A token whose iat is after now (beyond the leeway) raises InvalidToken."""
    clock = ManualClock()
    service = HmacTokenService(SECRET, clock=clock, leeway=timedelta(seconds=30))
    token = await service.issue("alice", ttl=timedelta(minutes=5))
    clock.set(clock.now() - timedelta(seconds=30))
    assert (await service.verify(token)).subject == "alice"
    clock.set(clock.now() - timedelta(seconds=1))
    with pytest.raises(InvalidToken) as info:
        await service.verify(token)
    assert not isinstance(info.value, ExpiredToken)


@pytest.mark.asyncio
async def test_token_not_valid_before_nbf_is_invalid() -> None:
    """A token carrying an nbf after now (beyond the leeway) is InvalidToken until then."""
    clock = ManualClock()
    service = HmacTokenService(SECRET, clock=clock)
    token = _sign(_claims(clock, nbf=int(clock.now().timestamp()) + 30))
    with pytest.raises(InvalidToken):
        await service.verify(token)
    clock.advance(timedelta(seconds=30))
    assert (await service.verify(token)).subject == "alice"


@pytest.mark.asyncio
async def test_leeway_extends_expiry() -> None:
    """With a leeway, a token still verifies that long after exp, and not at exp + leeway."""
    clock = ManualClock()
    service = HmacTokenService(SECRET, clock=clock, leeway=timedelta(seconds=30))
    token = await service.issue("alice", ttl=timedelta(minutes=1))
    clock.advance(timedelta(seconds=89))
    assert (await service.verify(token)).subject == "alice"
    clock.advance(timedelta(seconds=1))
    with pytest.raises(ExpiredToken):
        await service.verify(token)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"secret": b"short"}, "secret"),
        ({"secret": "s" * 32}, "secret"),
        ({"issuer": ""}, "issuer"),
        ({"audience": ""}, "audience"),
        ({"leeway": timedelta(seconds=-1)}, "leeway"),
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, Any], field: str) -> None:
    """A short or text secret, empty issuer/audience or negative leeway raises InvalidInput."""
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
