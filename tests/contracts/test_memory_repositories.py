"""The memory repositories against the repository contracts."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from bookmyshow.ports.unit_of_work import UnitOfWorkFactory
from bookmyshow.testing.contracts.repositories import (
    BookingRepositoryContract,
    CouponRepositoryContract,
    MovieRepositoryContract,
    ReviewRepositoryContract,
    ShowRepositoryContract,
    UserRepositoryContract,
    VenueRepositoryContract,
)


class _Memory:
    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        """Units over a fresh in-memory database."""
        return MemoryUnitOfWorkFactory()


class TestMemoryMovieRepository(_Memory, MovieRepositoryContract):
    """MemoryMovieRepository keeps the movie repository contract."""


class TestMemoryVenueRepository(_Memory, VenueRepositoryContract):
    """MemoryVenueRepository keeps the venue repository contract."""


class TestMemoryShowRepository(_Memory, ShowRepositoryContract):
    """MemoryShowRepository keeps the show repository contract."""


class TestMemoryBookingRepository(_Memory, BookingRepositoryContract):
    """MemoryBookingRepository keeps the booking repository contract."""


class TestMemoryUserRepository(_Memory, UserRepositoryContract):
    """MemoryUserRepository keeps the user repository contract."""


class TestMemoryReviewRepository(_Memory, ReviewRepositoryContract):
    """MemoryReviewRepository keeps the review repository contract."""


class TestMemoryCouponRepository(_Memory, CouponRepositoryContract):
    """MemoryCouponRepository keeps the coupon repository contract."""
