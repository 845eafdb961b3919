"""MongoReviewStore.ping: the readiness check of the MongoDB adapter."""

from __future__ import annotations

import pytest
from pymongo import AsyncMongoClient

from bookmyshow.adapters.mongo.reviews import Document, MongoReviewStore
from bookmyshow.ports.errors import BackendUnavailable
from tests.mongo.conftest import StoreFactory, free_port


async def test_a_live_server_answers_the_ping(store_factory: StoreFactory) -> None:
    """A reachable server answers the ping."""
    async with store_factory(ensure_indexes=False) as store:
        await store.ping()  # raises when it gets no answer


async def test_a_dead_port_is_backend_unavailable() -> None:
    """No server on the port: the ping raises BackendUnavailable, not a driver error."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{free_port()}", serverSelectionTimeoutMS=300
    )
    async with MongoReviewStore(client) as store:
        with pytest.raises(BackendUnavailable) as failed:
            await store.ping()
        assert failed.value.backend == "mongo"
