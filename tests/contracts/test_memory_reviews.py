"""The in-memory review store against the review store contract."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory.reviews import MemoryReviewStore
from bookmyshow.ports.reviews import ReviewStore
from bookmyshow.testing.contracts.reviews import ReviewStoreContract


class TestMemoryReviewStore(ReviewStoreContract):
    """MemoryReviewStore keeps the review store contract."""

    @pytest.fixture
    def review_store(self) -> ReviewStore:
        """A fresh in-memory review store."""
        return MemoryReviewStore()
