"""The SQL repositories against the repository contracts, on SQLite and MariaDB."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.sql.database import SqlDatabase
from bookmyshow.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
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

pytestmark = pytest.mark.timeout(120)


class _Sql:
    @pytest.fixture
    def uow_factory(self, sql_database: SqlDatabase) -> UnitOfWorkFactory:
        """Units over the session's migrated database of each SQL backend."""
        return SqlUnitOfWorkFactory(sql_database)


class TestSqlMovieRepository(_Sql, MovieRepositoryContract):
    """SqlMovieRepository keeps the movie repository contract."""


class TestSqlVenueRepository(_Sql, VenueRepositoryContract):
    """SqlVenueRepository keeps the venue repository contract."""


class TestSqlShowRepository(_Sql, ShowRepositoryContract):
    """SqlShowRepository keeps the show repository contract."""


class TestSqlBookingRepository(_Sql, BookingRepositoryContract):
    """SqlBookingRepository keeps the booking repository contract."""


class TestSqlUserRepository(_Sql, UserRepositoryContract):
    """SqlUserRepository keeps the user repository contract."""


class TestSqlReviewRepository(_Sql, ReviewRepositoryContract):
    """SqlReviewRepository keeps the review repository contract."""


class TestSqlCouponRepository(_Sql, CouponRepositoryContract):
    """SqlCouponRepository keeps the coupon repository contract."""
