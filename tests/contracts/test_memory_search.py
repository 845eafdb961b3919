"""The in-memory movie search engine against the search contract."""

from __future__ import annotations

from contextlib import nullcontext

import pytest

from bookmyshow.adapters.memory.search import MemoryMovieSearch
from bookmyshow.testing.contracts.search import MovieSearchContract, SearchFactory


class TestMemoryMovieSearch(MovieSearchContract):
    """MemoryMovieSearch keeps the movie search contract."""

    @pytest.fixture
    def search_factory(self) -> SearchFactory:
        """Each engine is a fresh, empty MemoryMovieSearch."""
        return lambda: nullcontext(MemoryMovieSearch())
