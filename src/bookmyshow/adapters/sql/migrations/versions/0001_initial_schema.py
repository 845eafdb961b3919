"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26 16:53:36.987470
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Instants: naive UTC, microseconds kept (DATETIME(6) on MySQL/MariaDB).
_INSTANT = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _options() -> dict[str, Any]:
    """InnoDB tables in utf8mb4 that compare keys byte for byte *without* padding: the ``_bin``
    collations ignore trailing spaces, so ``"k"`` and ``"k "`` would be one key."""
    bind = op.get_bind()
    if bind.dialect.name != "mysql":
        return {}
    mariadb = bool(getattr(bind.dialect, "is_mariadb", False))
    return {
        "mysql_engine": "InnoDB",
        "mysql_charset": "utf8mb4",
        "mysql_collate": "utf8mb4_nopad_bin" if mariadb else "utf8mb4_0900_bin",
    }


__all__ = ["downgrade", "upgrade"]

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "cities",
        sa.Column("city_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("city_id"),
        **_options(),
    )
    op.create_table(
        "coupon_redemptions",
        sa.Column("redemption_id", sa.String(length=255), nullable=False),
        sa.Column("coupon_code", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("redemption_id"),
        **_options(),
    )
    op.create_index(
        op.f("ix_coupon_redemptions_coupon_code_user_id"),
        "coupon_redemptions",
        ["coupon_code", "user_id"],
        unique=False,
    )

    op.create_table(
        "coupon_usage",
        sa.Column("coupon_code", sa.String(length=64), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("coupon_code"),
        **_options(),
    )
    op.create_table(
        "coupons",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("discount", sa.JSON(), nullable=False),
        sa.Column("valid_from", _INSTANT, nullable=False),
        sa.Column("valid_until", _INSTANT, nullable=False),
        sa.Column("max_discount", sa.JSON(), nullable=True),
        sa.Column("min_order", sa.JSON(), nullable=True),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("per_user_limit", sa.Integer(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=True),
        sa.Column("movies", sa.JSON(), nullable=True),
        sa.Column("non_cancellable", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
        **_options(),
    )
    op.create_index(
        op.f("ix_coupons_valid_from_valid_until"),
        "coupons",
        ["valid_from", "valid_until"],
        unique=False,
    )

    op.create_table(
        "hold_counters",
        sa.Column("show_id", sa.String(length=128), nullable=False),
        sa.Column("last_token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("show_id"),
        **_options(),
    )
    op.create_table(
        "hold_seats",
        sa.Column("show_id", sa.String(length=128), nullable=False),
        sa.Column("seat", sa.String(length=32), nullable=False),
        sa.Column("hold_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("show_id", "seat"),
        **_options(),
    )
    op.create_index(
        op.f("ix_hold_seats_show_id_hold_id"), "hold_seats", ["show_id", "hold_id"], unique=False
    )

    op.create_table(
        "holds",
        sa.Column("show_id", sa.String(length=128), nullable=False),
        sa.Column("hold_id", sa.String(length=128), nullable=False),
        sa.Column("owner_id", sa.String(length=128), nullable=False),
        sa.Column("seats", sa.JSON(), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _INSTANT, nullable=False),
        sa.Column("expires_at", _INSTANT, nullable=False),
        sa.Column("max_expires_at", _INSTANT, nullable=False),
        sa.Column("claimed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("show_id", "hold_id"),
        **_options(),
    )
    op.create_index(
        op.f("ix_holds_show_id_expires_at"), "holds", ["show_id", "expires_at"], unique=False
    )
    op.create_index(
        op.f("ix_holds_show_id_owner_id"), "holds", ["show_id", "owner_id"], unique=False
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=255), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("until", _INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("key"),
        **_options(),
    )
    op.create_index(op.f("ix_idempotency_keys_until"), "idempotency_keys", ["until"], unique=False)

    op.create_table(
        "movies",
        sa.Column("movie_id", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("release_date", sa.Date(), nullable=False),
        sa.Column("certificate", sa.String(length=16), nullable=False),
        sa.Column("formats", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("genres", sa.JSON(), nullable=False),
        sa.Column("cast", sa.JSON(), nullable=False),
        sa.Column("director", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=True),
        sa.Column("rating_count", sa.Integer(), nullable=False),
        sa.Column("popularity", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("movie_id"),
        **_options(),
    )
    op.create_index(op.f("ix_movies_status"), "movies", ["status"], unique=False)

    op.create_table(
        "outbox",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("aggregate_id", sa.String(length=255), nullable=False),
        sa.Column("event_name", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", _INSTANT, nullable=False),
        sa.Column("published_at", _INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("position"),
        **_options(),
    )
    op.create_index(
        op.f("ix_outbox_published_at_position"),
        "outbox",
        ["published_at", "position"],
        unique=False,
    )

    op.create_table(
        "seat_fences",
        sa.Column("show_id", sa.String(length=128), nullable=False),
        sa.Column("seat", sa.String(length=32), nullable=False),
        sa.Column("fence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("show_id", "seat"),
        **_options(),
    )
    op.create_table(
        "sold_seats",
        sa.Column("show_id", sa.String(length=128), nullable=False),
        sa.Column("seat", sa.String(length=32), nullable=False),
        sa.Column("booking_id", sa.String(length=128), nullable=False),
        sa.Column("fencing_token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("show_id", "seat"),
        **_options(),
    )
    op.create_index(
        op.f("ix_sold_seats_show_id_booking_id"),
        "sold_seats",
        ["show_id", "booking_id"],
        unique=False,
    )

    op.create_table(
        "users",
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=512), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("theater_ids", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        **_options(),
    )
    op.create_table(
        "reviews",
        sa.Column("review_id", sa.String(length=128), nullable=False),
        sa.Column("movie_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("created_at", _INSTANT, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("edited_at", _INSTANT, nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["movie_id"], ["movies.movie_id"], name=op.f("fk_reviews_movie_id_movies")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name=op.f("fk_reviews_user_id_users")
        ),
        sa.PrimaryKeyConstraint("review_id"),
        sa.UniqueConstraint("movie_id", "user_id", name=op.f("uq_reviews_movie_id_user_id")),
        **_options(),
    )
    op.create_index(
        op.f("ix_reviews_movie_id_created_at"), "reviews", ["movie_id", "created_at"], unique=False
    )

    op.create_table(
        "theaters",
        sa.Column("theater_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city_id", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=1000), nullable=False),
        sa.Column("lat", sa.String(length=16), nullable=False),
        sa.Column("lon", sa.String(length=16), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("amenities", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"], ["cities.city_id"], name=op.f("fk_theaters_city_id_cities")
        ),
        sa.PrimaryKeyConstraint("theater_id"),
        **_options(),
    )
    op.create_index(op.f("ix_theaters_city_id_name"), "theaters", ["city_id", "name"], unique=False)

    op.create_table(
        "screens",
        sa.Column("screen_id", sa.String(length=128), nullable=False),
        sa.Column("theater_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("formats", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["theater_id"], ["theaters.theater_id"], name=op.f("fk_screens_theater_id_theaters")
        ),
        sa.PrimaryKeyConstraint("screen_id"),
        **_options(),
    )
    op.create_index(
        op.f("ix_screens_theater_id_name"), "screens", ["theater_id", "name"], unique=False
    )

    op.create_table(
        "shows",
        sa.Column("show_id", sa.String(length=128), nullable=False),
        sa.Column("movie_id", sa.String(length=128), nullable=False),
        sa.Column("theater_id", sa.String(length=128), nullable=False),
        sa.Column("screen_id", sa.String(length=128), nullable=False),
        sa.Column("starts_at", _INSTANT, nullable=False),
        sa.Column("ends_at", _INSTANT, nullable=False),
        sa.Column("runtime_seconds", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=64), nullable=False),
        sa.Column("prices", sa.JSON(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cancel_reason", sa.String(length=1000), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["movie_id"], ["movies.movie_id"], name=op.f("fk_shows_movie_id_movies")
        ),
        sa.ForeignKeyConstraint(
            ["screen_id"], ["screens.screen_id"], name=op.f("fk_shows_screen_id_screens")
        ),
        sa.ForeignKeyConstraint(
            ["theater_id"], ["theaters.theater_id"], name=op.f("fk_shows_theater_id_theaters")
        ),
        sa.PrimaryKeyConstraint("show_id"),
        **_options(),
    )
    op.create_index(
        op.f("ix_shows_movie_id_starts_at"), "shows", ["movie_id", "starts_at"], unique=False
    )
    op.create_index(
        op.f("ix_shows_screen_id_starts_at"), "shows", ["screen_id", "starts_at"], unique=False
    )
    op.create_index(op.f("ix_shows_starts_at"), "shows", ["starts_at"], unique=False)
    op.create_index(
        op.f("ix_shows_theater_id_starts_at"), "shows", ["theater_id", "starts_at"], unique=False
    )

    op.create_table(
        "bookings",
        sa.Column("booking_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("show_id", sa.String(length=128), nullable=False),
        sa.Column("hold_id", sa.String(length=128), nullable=False),
        sa.Column("seats", sa.JSON(), nullable=False),
        sa.Column("fencing_token", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("tickets", sa.JSON(), nullable=False),
        sa.Column("coupon_code", sa.String(length=64), nullable=True),
        sa.Column("non_cancellable", sa.Boolean(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", _INSTANT, nullable=False),
        sa.Column("payment_due_at", _INSTANT, nullable=False),
        sa.Column("updated_at", _INSTANT, nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("payment_id", sa.String(length=255), nullable=True),
        sa.Column("booking_code", sa.String(length=32), nullable=True),
        sa.Column("failure_reason", sa.String(length=1000), nullable=True),
        sa.Column("confirmed_at", _INSTANT, nullable=True),
        sa.Column("cancelled_at", _INSTANT, nullable=True),
        sa.Column("cancel_reason", sa.String(length=32), nullable=True),
        sa.Column("checked_in_at", _INSTANT, nullable=True),
        sa.Column("refunds", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.show_id"], name=op.f("fk_bookings_show_id_shows")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name=op.f("fk_bookings_user_id_users")
        ),
        sa.PrimaryKeyConstraint("booking_id"),
        sa.UniqueConstraint("booking_code", name=op.f("uq_bookings_booking_code")),
        sa.UniqueConstraint(
            "user_id", "idempotency_key", name=op.f("uq_bookings_user_id_idempotency_key")
        ),
        **_options(),
    )
    op.create_index(
        op.f("ix_bookings_show_id_created_at"), "bookings", ["show_id", "created_at"], unique=False
    )
    op.create_index(
        op.f("ix_bookings_status_payment_due_at"),
        "bookings",
        ["status", "payment_due_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_bookings_user_id_created_at"), "bookings", ["user_id", "created_at"], unique=False
    )


def downgrade() -> None:
    """Undo this revision."""

    op.drop_table("bookings")

    op.drop_table("shows")

    op.drop_table("screens")

    op.drop_table("theaters")

    op.drop_table("reviews")
    op.drop_table("users")

    op.drop_table("sold_seats")
    op.drop_table("seat_fences")

    op.drop_table("outbox")

    op.drop_table("movies")

    op.drop_table("idempotency_keys")

    op.drop_table("holds")

    op.drop_table("hold_seats")
    op.drop_table("hold_counters")

    op.drop_table("coupons")
    op.drop_table("coupon_usage")

    op.drop_table("coupon_redemptions")
    op.drop_table("cities")
