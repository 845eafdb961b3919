"""ElasticsearchMovieSearch.ping: the readiness check of the Elasticsearch adapter."""

from __future__ import annotations

import pytest
from elasticsearch import AsyncElasticsearch

from bookmyshow.adapters.elasticsearch.engine import ElasticsearchMovieSearch
from bookmyshow.ports.errors import BackendUnavailable
from tests.elasticsearch.conftest import EngineFactory
from tests.redis_backends import free_port


async def test_a_live_server_answers_the_ping(engine_factory: EngineFactory) -> None:
    """A reachable server answers the ping (no index needed)."""
    async with engine_factory(ensure_index=False) as engine:
        await engine.ping()  # raises when it gets no answer


async def test_a_dead_port_is_backend_unavailable() -> None:
    """No server on the port: the ping raises BackendUnavailable, not a client error."""
    client = AsyncElasticsearch(f"http://127.0.0.1:{free_port()}", max_retries=0)
    async with ElasticsearchMovieSearch(client) as engine:
        with pytest.raises(BackendUnavailable) as failed:
            await engine.ping()
        assert failed.value.backend == "elasticsearch"
