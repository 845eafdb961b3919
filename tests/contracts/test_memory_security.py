"""The stdlib security adapters against the security contracts."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.security import HmacTokenService, ScryptPasswordHasher
from bookmyshow.ports.security import PasswordHasher, TokenService
from bookmyshow.testing.contracts.security import PasswordHasherContract, TokenServiceContract


class TestScryptPasswordHasher(PasswordHasherContract):
    """scrypt (with test-sized parameters) keeps the password hasher contract."""

    @pytest.fixture
    def hasher(self) -> PasswordHasher:
        """A fast scrypt hasher."""
        return ScryptPasswordHasher.fast_for_tests()


class TestHmacTokenService(TokenServiceContract):
    """HS256 tokens keep the token service contract."""

    @pytest.fixture
    def token_service(self, clock: ManualClock) -> TokenService:
        """An HMAC token service on the manual clock."""
        return HmacTokenService(b"k" * 32, clock=clock)

    @pytest.fixture
    def foreign_token_service(self, clock: ManualClock) -> TokenService:
        """The same service with another secret."""
        return HmacTokenService(b"q" * 32, clock=clock)
