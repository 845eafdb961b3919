"""Contract suites for the security ports: :class:`PasswordHasherContract` and
:class:`TokenServiceContract`.

Subclass them and override the fixtures.  Token tests drive time through the ``clock`` fixture
(a :class:`~bookmyshow.adapters.memory.clock.ManualClock`): build the token service on it, with
issuer ``"bookmyshow"`` and audience ``"bookmyshow"``, and make ``foreign_token_service`` use a
different signing key with that same issuer and audience.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.security import (
    ExpiredToken,
    InvalidPasswordHash,
    InvalidToken,
    PasswordHasher,
    TokenService,
)

__all__ = ["PasswordHasherContract", "TokenServiceContract"]

# One adapter instance serves every example (nothing in it leaks between examples), and the
# same property runs under several subclasses.
_contract = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
)
_passwords = st.text(min_size=1, max_size=40)


class PasswordHasherContract:
    """What every password hasher promises: salted, verifiable, strict about its format."""

    @pytest.fixture
    def hasher(self) -> PasswordHasher:
        """The hasher under test (override; cheap parameters keep the suite fast)."""
        raise NotImplementedError

    @pytest.mark.asyncio
    @_contract
    @given(password=_passwords, other=_passwords)
    async def test_verify_accepts_only_the_password(
        self, hasher: PasswordHasher, password: str, other: str
    ) -> None:
        """A hash verifies its own password and no other."""
        encoded = await hasher.hash(password)
        assert encoded != password
        assert await hasher.verify(password, encoded)
        assert await hasher.verify(other, encoded) == (other == password)

    @pytest.mark.asyncio
    async def test_hashes_are_salted(self, hasher: PasswordHasher) -> None:
        """Hashing one password twice gives two different strings that both verify."""
        first, second = await hasher.hash("correct horse"), await hasher.hash("correct horse")
        assert first != second
        assert await hasher.verify("correct horse", first)
        assert await hasher.verify("correct horse", second)

    @pytest.mark.asyncio
    async def test_fresh_hash_needs_no_rehash(self, hasher: PasswordHasher) -> None:
        """A hash just made with the hasher's parameters needs no rehash."""
        assert not hasher.needs_rehash(await hasher.hash("pässwörd"))

    @pytest.mark.asyncio
    async def test_empty_password_is_refused(self, hasher: PasswordHasher) -> None:
        """hash("") raises InvalidInput(field="password"); verify("") is False."""
        with pytest.raises(InvalidInput) as info:
            await hasher.hash("")
        assert info.value.field == "password"
        assert not await hasher.verify("", await hasher.hash("x"))

    @pytest.mark.asyncio
    async def test_password_that_is_not_unicode_text_is_refused(
        self, hasher: PasswordHasher
    ) -> None:
        """A password with a lone surrogate (no UTF-8 form) is InvalidInput to hash() and
        matches nothing in verify()."""
        with pytest.raises(InvalidInput) as info:
            await hasher.hash("pass\ud800word")
        assert info.value.field == "password"
        assert not await hasher.verify("pass\ud800word", await hasher.hash("password"))

    @pytest.mark.asyncio
    @pytest.mark.parametrize("encoded", ["", "plaintext", "$scrypt$", "$2b$12$abc", "$argon2id$"])
    async def test_malformed_hash_is_an_error(self, hasher: PasswordHasher, encoded: str) -> None:
        """verify() and needs_rehash() raise InvalidPasswordHash for a foreign string."""
        with pytest.raises(InvalidPasswordHash) as info:
            await hasher.verify("password", encoded)
        assert info.value.code == "invalid_password_hash"
        with pytest.raises(InvalidPasswordHash):
            hasher.needs_rehash(encoded)


def _tamper(token: str) -> str:
    """The token with its payload's ``sub`` changed but the original signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


class TokenServiceContract:
    """What every token service promises: round trips, expiry, and refusal of forgeries."""

    @pytest.fixture
    def clock(self) -> ManualClock:
        """The manual clock the token service reads."""
        return ManualClock()

    @pytest.fixture
    def token_service(self, clock: ManualClock) -> TokenService:
        """The service under test, on ``clock`` (override in a subclass)."""
        raise NotImplementedError

    @pytest.fixture
    def foreign_token_service(self, clock: ManualClock) -> TokenService:
        """Same issuer and audience, different signing key (override in a subclass)."""
        raise NotImplementedError

    @pytest.mark.asyncio
    @_contract
    @given(
        subject=st.text(min_size=1, max_size=30),
        roles=st.lists(st.text(max_size=10), max_size=4),
        admin=st.booleans(),
        level=st.integers(-(2**53), 2**53),
    )
    async def test_round_trip(
        self,
        token_service: TokenService,
        subject: str,
        roles: list[str],
        admin: bool,
        level: int,
    ) -> None:
        """verify(issue(subject, extra)) gives back the subject and the extra claims."""
        token = await token_service.issue(
            subject, ttl=timedelta(minutes=5), extra={"roles": roles, "admin": admin, "lvl": level}
        )
        claims = await token_service.verify(token)
        assert claims.subject == subject
        assert dict(claims.extra) == {"roles": tuple(roles), "admin": admin, "lvl": level}
        assert (claims.issuer, claims.audience) == ("bookmyshow", "bookmyshow")

    @pytest.mark.asyncio
    async def test_times_and_ids(self, token_service: TokenService, clock: ManualClock) -> None:
        """Claims carry whole-second UTC issue/expiry times and a unique token id."""
        first = await token_service.verify(await token_service.issue("u1", ttl=timedelta(hours=1)))
        second = await token_service.verify(await token_service.issue("u1", ttl=timedelta(hours=1)))
        assert first.issued_at == clock.now().replace(microsecond=0)
        assert first.expires_at - first.issued_at == timedelta(hours=1)
        assert first.expires_at.utcoffset() == timedelta(0)
        assert first.token_id != second.token_id

    @pytest.mark.asyncio
    async def test_expiry(self, token_service: TokenService, clock: ManualClock) -> None:
        """A token verifies one second before its ttl ends and raises ExpiredToken at the end."""
        token = await token_service.issue("u1", ttl=timedelta(minutes=10))
        clock.advance(timedelta(minutes=10) - timedelta(seconds=1))
        assert (await token_service.verify(token)).subject == "u1"
        clock.advance(timedelta(seconds=1))
        with pytest.raises(ExpiredToken) as info:
            await token_service.verify(token)
        assert info.value.code == "token_expired"
        assert isinstance(info.value, InvalidToken)

    @pytest.mark.asyncio
    async def test_tampered_token_is_invalid(self, token_service: TokenService) -> None:
        """Changing a claim without re-signing gives InvalidToken."""
        token = await token_service.issue("alice", ttl=timedelta(minutes=5))
        with pytest.raises(InvalidToken) as info:
            await token_service.verify(_tamper(token))
        assert info.value.code == "invalid_token"

    @pytest.mark.asyncio
    async def test_foreign_key_is_invalid(
        self, token_service: TokenService, foreign_token_service: TokenService
    ) -> None:
        """A token signed with another key is refused with InvalidToken."""
        token = await foreign_token_service.issue("alice", ttl=timedelta(minutes=5))
        with pytest.raises(InvalidToken):
            await token_service.verify(token)

    @pytest.mark.asyncio
    @pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c", "a.b.c.d", "é.é.é", "x" * 10000])
    async def test_garbage_is_invalid(self, token_service: TokenService, token: str) -> None:
        """Strings that are not tokens raise InvalidToken, never another exception."""
        with pytest.raises(InvalidToken):
            await token_service.verify(token)

    @pytest.mark.asyncio
    async def test_unsigned_token_is_invalid(self, token_service: TokenService) -> None:
        """An alg=none token (header swapped, signature dropped) raises InvalidToken."""
        token = await token_service.issue("alice", ttl=timedelta(minutes=5))
        none = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
        _, payload, _ = token.split(".")
        with pytest.raises(InvalidToken):
            await token_service.verify(f"{none}.{payload}.")

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        ("subject", "ttl", "extra", "field"),
        [
            ("", timedelta(minutes=1), {}, "subject"),
            ("u", timedelta(milliseconds=999), {}, "ttl"),
            ("u", timedelta(minutes=1), {"sub": "admin"}, "extra"),
            ("u", timedelta(minutes=1), {"exp": 1}, "extra"),
        ],
    )
    async def test_bad_issue_arguments(
        self,
        token_service: TokenService,
        subject: str,
        ttl: timedelta,
        extra: dict[str, str | int],
        field: str,
    ) -> None:
        """issue() raises InvalidInput naming the bad argument."""
        with pytest.raises(InvalidInput) as info:
            await token_service.issue(subject, ttl=ttl, extra=extra)
        assert info.value.field == field
