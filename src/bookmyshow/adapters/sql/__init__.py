"""The SQL adapters: MySQL / MariaDB (asyncmy) and SQLite (aiosqlite) through SQLAlchemy 2 Core.

Everything durable lives here — repositories and the unit of work, seat holds, seat sales guarded
by the database itself, idempotency keys, coupon redemptions, a transactional outbox and a review
store with exact rating summaries — over one :class:`SqlDatabase` (a writer engine and an
optional reader engine for lag-tolerant reads)::

    database = create_database("mysql+asyncmy://app:secret@db:3306/bookmyshow")
    await upgrade(database)                      # bookmyshow.adapters.sql.migrate
    ports = sql_ports(database)                  # bookmyshow.bootstrap

Install with the ``sql`` extra (SQLite) or ``mysql`` (adds asyncmy).  See ``docs/sql.md``.
"""

from bookmyshow.adapters.sql.coupons import SqlCouponRedemptions
from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.idempotency import SqlIdempotencyStore
from bookmyshow.adapters.sql.inventory import SqlSeatHolds, SqlSeatSales
from bookmyshow.adapters.sql.outbox import OutboxPublishFailed, OutboxRelay, append_events
from bookmyshow.adapters.sql.repositories import (
    SqlBookingRepository,
    SqlCouponRepository,
    SqlMovieRepository,
    SqlReviewRepository,
    SqlShowRepository,
    SqlUserRepository,
    SqlVenueRepository,
)
from bookmyshow.adapters.sql.reviews import SqlReviewStore
from bookmyshow.adapters.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "OutboxPublishFailed",
    "OutboxRelay",
    "SqlBookingRepository",
    "SqlCouponRedemptions",
    "SqlCouponRepository",
    "SqlDatabase",
    "SqlIdempotencyStore",
    "SqlMovieRepository",
    "SqlReviewRepository",
    "SqlReviewStore",
    "SqlSeatHolds",
    "SqlSeatSales",
    "SqlShowRepository",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "SqlUserRepository",
    "SqlVenueRepository",
    "append_events",
    "create_database",
]
