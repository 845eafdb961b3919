"""The inventory contract for Redis seat holds: on a standalone Redis and on a 3-master cluster
(sales in memory), and in the hybrid (holds in Redis, sales in MariaDB)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from bookmyshow.adapters.memory.inventory import MemoryInventoryStore, MemorySeatSales
from bookmyshow.adapters.redis import connect
from bookmyshow.adapters.redis.holds import RedisSeatHolds
from bookmyshow.adapters.sql import SqlSeatSales, create_database
from bookmyshow.ports.inventory import SeatSales
from bookmyshow.testing.contracts.inventory import (
    InventoryContract,
    InventoryFactory,
    InventoryPair,
)
from tests.redis_backends import drop_namespace


def redis_inventory(
    url: str, sales: Callable[[], AbstractAsyncContextManager[SeatSales]]
) -> InventoryFactory:
    """Pairs of Redis holds (a fresh namespace each) and sales opened by ``sales``; a reopened
    pair is a new client and new sales instance over the same namespace and store."""

    def factory() -> AbstractAsyncContextManager[InventoryPair]:
        return _opened(url, f"c{uuid.uuid4().hex[:12]}", sales, owner=True)

    return factory


@asynccontextmanager
async def _opened(
    url: str,
    namespace: str,
    sales: Callable[[], AbstractAsyncContextManager[SeatSales]],
    *,
    owner: bool,
) -> AsyncIterator[InventoryPair]:
    client = connect(url)
    try:
        async with sales() as sale_store:

            def reopen() -> AbstractAsyncContextManager[InventoryPair]:
                """New client and sales instance over the same keys and sale store."""
                return _opened(url, namespace, sales, owner=False)

            yield InventoryPair(
                holds=RedisSeatHolds(client, namespace=namespace),
                sales=sale_store,
                reopen=reopen,
            )
    finally:
        try:
            if owner:
                await drop_namespace(client, namespace)
        finally:
            await client.aclose()


def _memory_sales() -> Callable[[], AbstractAsyncContextManager[SeatSales]]:
    store = MemoryInventoryStore()

    @asynccontextmanager
    async def opened() -> AsyncIterator[SeatSales]:
        yield MemorySeatSales(store)

    return opened


def _fresh_memory_sales_factory(url: str) -> InventoryFactory:
    """Each pair gets its own memory sale store, shared by its reopened pairs."""

    def factory() -> AbstractAsyncContextManager[InventoryPair]:
        return redis_inventory(url, _memory_sales())()

    return factory


class TestRedisHoldsStandalone(InventoryContract):
    """Redis holds on the shared standalone server, sales in memory."""

    @pytest.fixture
    def inventory_factory(self, redis_url: str) -> InventoryFactory:
        """Pairs over the shared Redis."""
        return _fresh_memory_sales_factory(redis_url)


class TestRedisHoldsCluster(InventoryContract):
    """Redis holds on a real three-master Redis Cluster, sales in memory."""

    @pytest.fixture
    def inventory_factory(self, redis_cluster_url: str) -> InventoryFactory:
        """Pairs over the session's cluster."""
        return _fresh_memory_sales_factory(redis_cluster_url)


class TestHybridInventory(InventoryContract):
    """The production wiring: Redis holds, sales in MariaDB under the database's guard."""

    @pytest.fixture
    def inventory_factory(self, redis_url: str, mariadb_url: str) -> InventoryFactory:
        """Pairs of Redis holds and MariaDB sales (a new engine per pair)."""

        @asynccontextmanager
        async def sales() -> AsyncIterator[SeatSales]:
            database = create_database(mariadb_url)
            try:
                yield SqlSeatSales(database)
            finally:
                await database.dispose()

        return redis_inventory(redis_url, sales)
