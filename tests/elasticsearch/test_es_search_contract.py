"""The Elasticsearch movie search engine against the search contract."""

from __future__ import annotations

import pytest

from bookmyshow.testing.contracts.search import MovieSearchContract, SearchFactory
from tests.elasticsearch.conftest import EngineFactory

__all__ = ["TestElasticsearchMovieSearch"]

# The Hypothesis properties send hundreds of requests per test (the write property opens a fresh
# index per example); the bound is for a hung server, not a slow one.
pytestmark = pytest.mark.timeout(600)


class TestElasticsearchMovieSearch(MovieSearchContract):
    """ElasticsearchMovieSearch keeps the movie search contract."""

    @pytest.fixture
    def search_factory(self, engine_factory: EngineFactory) -> SearchFactory:
        """Each engine works on a fresh alias with a random suffix; its indices go on exit."""
        return engine_factory
