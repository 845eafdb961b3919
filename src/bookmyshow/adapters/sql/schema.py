"""The SQL schema: SQLAlchemy Core tables, the single source the migrations are checked against.

Domain classes are never mapped onto these tables; :mod:`bookmyshow.adapters.sql.codec` converts
rows to and from the attrs classes explicitly.

Conventions:

* Ids, codes and seat labels are ``VARCHAR`` compared byte for byte, without padding: the
  migrations create MySQL/MariaDB tables in ``utf8mb4_0900_bin`` / ``utf8mb4_nopad_bin`` (the
  default collation would make ``"a1"`` and ``"A1"`` one key, and the ``_bin`` ones ``"k"`` and
  ``"k "``).  The migrations are the DDL of record: they pick the collation the server has.
* Money is an integer amount of minor units (paise) beside a three-letter currency.
* Instants are stored as UTC without an offset, to the microsecond (:class:`UtcDateTime`), and
  come back timezone-aware.
* Lists the seed design keeps as JSON (genres, cast, amenities, a screen's layout, a booking's
  price lines and refunds) are JSON columns.
* Every aggregate row has a ``version``: a unit of work updates ``WHERE version = <read>`` so
  that no update is lost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeDecorator

__all__ = [
    "ID_LENGTH",
    "insert_ignore",
    "RATING_COLUMNS",
    "bookings",
    "cities",
    "coupon_redemptions",
    "coupon_usage",
    "coupons",
    "hold_counters",
    "hold_seats",
    "holds",
    "idempotency_keys",
    "metadata",
    "movies",
    "outbox",
    "rating_summaries",
    "review_votes",
    "reviews",
    "screens",
    "seat_fences",
    "shows",
    "sold_seats",
    "theaters",
    "users",
    "UtcDateTime",
]

ID_LENGTH: Final = 128
_SEAT_LENGTH: Final = 32
_KEY_LENGTH: Final = 255

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    }
)

# InnoDB and full Unicode on MySQL/MariaDB (other dialects ignore these); the byte-wise, no-pad
# collation depends on the server, so the migrations choose it.
_TABLE_ARGS: Final[dict[str, Any]] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware instant stored as naive UTC (microseconds kept), read back aware in UTC.

    Binding a naive datetime raises ``ValueError``: every instant in bookmyshow carries a zone.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name in {"mysql", "mariadb"}:
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: bookmyshow stores aware instants only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _id(name: str, *args: Any, **kwargs: Any) -> Column[str]:
    return Column(name, String(ID_LENGTH), *args, **kwargs)


def _version() -> Column[int]:
    return Column("version", Integer, nullable=False, default=1)


movies = Table(
    "movies",
    metadata,
    _id("movie_id", primary_key=True),
    Column("title", String(300), nullable=False),
    Column("languages", JSON, nullable=False),
    Column("duration_seconds", Integer, nullable=False),
    Column("release_date", Date, nullable=False),
    Column("certificate", String(16), nullable=False),
    Column("formats", JSON, nullable=False),
    Column("description", Text, nullable=False),
    Column("genres", JSON, nullable=False),
    Column("cast", JSON, nullable=False),
    Column("director", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    # A Decimal kept exactly as text: ratings are shown, never summed in SQL.
    Column("rating", String(16), nullable=True),
    Column("rating_count", Integer, nullable=False),
    Column("popularity", BigInteger, nullable=False),
    _version(),
    Index(None, "status"),
    **_TABLE_ARGS,
)

cities = Table(
    "cities",
    metadata,
    _id("city_id", primary_key=True),
    Column("name", String(200), nullable=False),
    Column("state", String(200), nullable=False),
    Column("time_zone", String(64), nullable=False),
    _version(),
    **_TABLE_ARGS,
)

theaters = Table(
    "theaters",
    metadata,
    _id("theater_id", primary_key=True),
    Column("name", String(200), nullable=False),
    _id("city_id", ForeignKey("cities.city_id"), nullable=False),
    Column("address", String(1000), nullable=False),
    # Six-decimal degrees kept exactly as text (GeoPoint rounds to six decimals).
    Column("lat", String(16), nullable=False),
    Column("lon", String(16), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("amenities", JSON, nullable=False),
    _version(),
    Index(None, "city_id", "name"),
    **_TABLE_ARGS,
)

screens = Table(
    "screens",
    metadata,
    _id("screen_id", primary_key=True),
    _id("theater_id", ForeignKey("theaters.theater_id"), nullable=False),
    Column("name", String(200), nullable=False),
    # The layout as its row specs: [[label, category, cells], ...].
    Column("layout", JSON, nullable=False),
    Column("formats", JSON, nullable=False),
    _version(),
    Index(None, "theater_id", "name"),
    **_TABLE_ARGS,
)

shows = Table(
    "shows",
    metadata,
    _id("show_id", primary_key=True),
    _id("movie_id", ForeignKey("movies.movie_id"), nullable=False),
    _id("theater_id", ForeignKey("theaters.theater_id"), nullable=False),
    _id("screen_id", ForeignKey("screens.screen_id"), nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    # starts_at + runtime, stored so that the overlap query can use an index.
    Column("ends_at", UtcDateTime, nullable=False),
    Column("runtime_seconds", Integer, nullable=False),
    Column("format", String(16), nullable=False),
    Column("language", String(64), nullable=False),
    # {category: amount in minor units}; every price of a show has one currency.
    Column("prices", JSON, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("cancel_reason", String(1000), nullable=True),
    _version(),
    Index(None, "movie_id", "starts_at"),
    Index(None, "theater_id", "starts_at"),
    Index(None, "screen_id", "starts_at"),
    Index(None, "starts_at"),
    **_TABLE_ARGS,
)

users = Table(
    "users",
    metadata,
    _id("user_id", primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(512), nullable=False),
    Column("phone", String(32), nullable=True),
    Column("roles", JSON, nullable=False),
    Column("theater_ids", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("token_version", Integer, nullable=False),
    _version(),
    **_TABLE_ARGS,
)

reviews = Table(
    "reviews",
    metadata,
    _id("review_id", primary_key=True),
    # No foreign keys to movies and users (revision 0002): the review store, like a document
    # store, keeps reviews of any ids, and the services check them.
    _id("movie_id", nullable=False),
    _id("user_id", nullable=False),
    Column("rating", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("text", Text, nullable=False),
    Column("edited_at", UtcDateTime, nullable=True),
    Column("verified", Boolean, nullable=False),
    _version(),
    # How many users found the review helpful: one row per vote in review_votes, counted here so
    # that the "most helpful" page reads one index.  The unit of work's repository never sets it.
    Column("helpful", Integer, nullable=False, default=0, server_default=text("0")),
    UniqueConstraint("movie_id", "user_id"),
    # The two page orders, newest and most helpful, each ending in the id that breaks ties.
    Index(None, "movie_id", "created_at", "review_id"),
    Index(None, "movie_id", "helpful", "created_at", "review_id"),
    **_TABLE_ARGS,
)

review_votes = Table(
    "review_votes",
    metadata,
    # One helpful vote per user per review, by primary key; deleted with the review.
    _id("review_id", ForeignKey("reviews.review_id", ondelete="CASCADE"), nullable=False),
    _id("user_id", nullable=False),
    PrimaryKeyConstraint("review_id", "user_id"),
    **_TABLE_ARGS,
)

RATING_COLUMNS: Final = tuple(f"rating_{r}" for r in range(1, 11))
"""The columns of ``rating_summaries`` counting the ratings 1 to 10, in that order."""

rating_summaries = Table(
    "rating_summaries",
    metadata,
    # One row per reviewed movie: how many reviews gave each rating.  Kept in the transaction of
    # every review write of the review store; rebuilt from the reviews by its recompute.
    _id("movie_id", primary_key=True),
    *(
        Column(name, Integer, nullable=False, default=0, server_default=text("0"))
        for name in RATING_COLUMNS
    ),
    **_TABLE_ARGS,
)

coupons = Table(
    "coupons",
    metadata,
    Column("code", String(64), primary_key=True),
    # {"amount": int, "currency": str} or {"rate": "numerator/denominator"}.
    Column("discount", JSON, nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime, nullable=False),
    Column("max_discount", JSON, nullable=True),
    Column("min_order", JSON, nullable=True),
    Column("usage_limit", Integer, nullable=True),
    Column("per_user_limit", Integer, nullable=True),
    Column("categories", JSON, nullable=True),
    Column("movies", JSON, nullable=True),
    Column("non_cancellable", Boolean, nullable=False),
    _version(),
    Index(None, "valid_from", "valid_until"),
    **_TABLE_ARGS,
)

bookings = Table(
    "bookings",
    metadata,
    _id("booking_id", primary_key=True),
    _id("user_id", ForeignKey("users.user_id"), nullable=False),
    _id("show_id", ForeignKey("shows.show_id"), nullable=False),
    _id("hold_id", nullable=False),
    # The booking's seats stay here after a cancellation returns them to sale (its history).
    Column("seats", JSON, nullable=False),
    Column("fencing_token", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("tickets", JSON, nullable=False),
    Column("coupon_code", String(64), nullable=True),
    Column("non_cancellable", Boolean, nullable=False),
    Column("idempotency_key", String(_KEY_LENGTH), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("payment_due_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("status", String(32), nullable=False),
    Column("payment_id", String(_KEY_LENGTH), nullable=True),
    Column("booking_code", String(32), nullable=True, unique=True),
    Column("failure_reason", String(1000), nullable=True),
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("cancelled_at", UtcDateTime, nullable=True),
    Column("cancel_reason", String(32), nullable=True),
    Column("checked_in_at", UtcDateTime, nullable=True),
    Column("refunds", JSON, nullable=False),
    _version(),
    UniqueConstraint("user_id", "idempotency_key"),
    Index(None, "user_id", "created_at"),
    Index(None, "show_id", "created_at"),
    # Checkout's "open bookings of this hold" (migration 0003).
    Index(None, "show_id", "hold_id"),
    Index(None, "status", "payment_due_at"),
    **_TABLE_ARGS,
)

# -- seat inventory ----------------------------------------------------------------------------

sold_seats = Table(
    "sold_seats",
    metadata,
    # The primary key is the guarantee: a second sale of a seat fails in the database itself.
    _id("show_id", nullable=False),
    Column("seat", String(_SEAT_LENGTH), nullable=False),
    _id("booking_id", nullable=False),
    Column("fencing_token", BigInteger, nullable=False),
    PrimaryKeyConstraint("show_id", "seat"),
    Index(None, "show_id", "booking_id"),
    **_TABLE_ARGS,
)

seat_fences = Table(
    "seat_fences",
    metadata,
    # The highest fencing token that ever sold the seat; kept when the seat is returned.
    _id("show_id", nullable=False),
    Column("seat", String(_SEAT_LENGTH), nullable=False),
    Column("fence", BigInteger, nullable=False),
    PrimaryKeyConstraint("show_id", "seat"),
    **_TABLE_ARGS,
)

hold_counters = Table(
    "hold_counters",
    metadata,
    # One row per show: its last fencing token.  Locking it orders every hold change of a show.
    _id("show_id", primary_key=True),
    Column("last_token", BigInteger, nullable=False),
    **_TABLE_ARGS,
)

holds = Table(
    "holds",
    metadata,
    _id("show_id", nullable=False),
    _id("hold_id", nullable=False),
    _id("owner_id", nullable=False),
    Column("seats", JSON, nullable=False),
    Column("token", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("max_expires_at", UtcDateTime, nullable=False),
    Column("claimed", Boolean, nullable=False),
    PrimaryKeyConstraint("show_id", "hold_id"),
    Index(None, "show_id", "owner_id"),
    Index(None, "show_id", "expires_at"),
    **_TABLE_ARGS,
)

hold_seats = Table(
    "hold_seats",
    metadata,
    # Which hold (live or lapsed) has each seat; one holder per seat, by primary key.
    _id("show_id", nullable=False),
    Column("seat", String(_SEAT_LENGTH), nullable=False),
    _id("hold_id", nullable=False),
    PrimaryKeyConstraint("show_id", "seat"),
    Index(None, "show_id", "hold_id"),
    **_TABLE_ARGS,
)

# -- idempotency, coupon redemptions, outbox ----------------------------------------------------

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(_KEY_LENGTH), primary_key=True),
    Column("fingerprint", String(_KEY_LENGTH), nullable=False),
    Column("response", Text, nullable=True),
    # A start's lease end, or a completed key's time of completion.
    Column("until", UtcDateTime, nullable=False),
    Index(None, "until"),
    **_TABLE_ARGS,
)

coupon_usage = Table(
    "coupon_usage",
    metadata,
    # One row per coupon: its total count, locked while a redemption checks the limits.
    Column("coupon_code", String(64), primary_key=True),
    Column("total", Integer, nullable=False),
    **_TABLE_ARGS,
)

coupon_redemptions = Table(
    "coupon_redemptions",
    metadata,
    Column("redemption_id", String(_KEY_LENGTH), primary_key=True),
    Column("coupon_code", String(64), nullable=False),
    _id("user_id", nullable=False),
    Index(None, "coupon_code", "user_id"),
    **_TABLE_ARGS,
)

outbox = Table(
    "outbox",
    metadata,
    Column(
        "position",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("aggregate_id", String(_KEY_LENGTH), nullable=False),
    Column("event_name", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime, nullable=True),
    Index(None, "published_at", "position"),
    **_TABLE_ARGS,
)


def insert_ignore(table: Table) -> Insert:
    """``INSERT`` into ``table`` that skips a row whose key exists (``INSERT IGNORE`` on
    MySQL/MariaDB, ``INSERT OR IGNORE`` on SQLite); the result's ``rowcount`` says whether it
    inserted."""
    return (
        insert(table)
        .prefix_with("IGNORE", dialect="mysql")
        .prefix_with("IGNORE", dialect="mariadb")
        .prefix_with("OR IGNORE", dialect="sqlite")
    )
