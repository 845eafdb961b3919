"""The in-memory idempotency store against the idempotency contract."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.idempotency import MemoryIdempotencyStore
from bookmyshow.ports.idempotency import IdempotencyStore
from bookmyshow.testing.contracts.idempotency import IdempotencyStoreContract


class TestMemoryIdempotencyStore(IdempotencyStoreContract):
    """MemoryIdempotencyStore keeps the idempotency store contract."""

    @pytest.fixture
    def store(self, clock: ManualClock) -> IdempotencyStore:
        """An in-memory store on the manual clock with the contract's lease and retention."""
        return MemoryIdempotencyStore(clock, lease=self.lease, retention=self.retention)
