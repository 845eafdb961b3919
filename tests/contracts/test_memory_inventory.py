"""The inventory contract for the in-memory holds and sales adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from bookmyshow.adapters.memory.inventory import (
    MemoryInventoryStore,
    MemorySeatHolds,
    MemorySeatSales,
)
from bookmyshow.testing.contracts.inventory import (
    InventoryContract,
    InventoryFactory,
    InventoryPair,
)


def _pair(store: MemoryInventoryStore) -> InventoryPair:
    def reopen() -> AbstractAsyncContextManager[InventoryPair]:
        """Another pair of adapter instances over the same store."""
        return _opened(store)

    return InventoryPair(holds=MemorySeatHolds(store), sales=MemorySeatSales(store), reopen=reopen)


@asynccontextmanager
async def _opened(store: MemoryInventoryStore) -> AsyncIterator[InventoryPair]:
    yield _pair(store)


def memory_inventory() -> AbstractAsyncContextManager[InventoryPair]:
    """A fresh store; its pair reopens new adapter instances over the same store."""
    return _opened(MemoryInventoryStore())


class TestMemoryInventory(InventoryContract):
    """Memory holds and memory sales over one shared store."""

    @pytest.fixture
    def inventory_factory(self) -> InventoryFactory:
        """Each pair gets a fresh in-memory store."""
        return memory_inventory
