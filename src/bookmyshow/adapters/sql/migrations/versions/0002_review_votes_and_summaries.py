"""review votes and rating summaries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 20:45:00.000000

The SQL review store (``adapters/sql/reviews.py``): a ``helpful`` count on each review, one row
per helpful vote, one row of rating counts per movie (filled from the reviews already stored),
indexes for the two page orders, and no more foreign keys from reviews to movies and users.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

__all__ = ["downgrade", "upgrade"]

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _options() -> dict[str, Any]:
    """InnoDB tables in utf8mb4 that compare keys byte for byte without padding (as in 0001)."""
    bind = op.get_bind()
    if bind.dialect.name != "mysql":
        return {}
    mariadb = bool(getattr(bind.dialect, "is_mariadb", False))
    return {
        "mysql_engine": "InnoDB",
        "mysql_charset": "utf8mb4",
        "mysql_collate": "utf8mb4_nopad_bin" if mariadb else "utf8mb4_0900_bin",
    }


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("reviews") as batch:
        # Existing reviews start with no votes.
        batch.add_column(
            sa.Column("helpful", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        # The review store keeps reviews of any movie and user id, like a document store: the
        # services check that the movie exists and who the user is.  (A foreign key would also
        # make every review insert lock the movie row that rating updates write.)
        batch.drop_constraint(op.f("fk_reviews_movie_id_movies"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_reviews_user_id_users"), type_="foreignkey")
        # The new newest-first index ends in review_id (SQLite would end 0001's in its rowid),
        # so it replaces 0001's (movie_id, created_at).
        batch.create_index(
            op.f("ix_reviews_movie_id_created_at_review_id"),
            ["movie_id", "created_at", "review_id"],
            unique=False,
        )
        batch.create_index(
            op.f("ix_reviews_movie_id_helpful_created_at_review_id"),
            ["movie_id", "helpful", "created_at", "review_id"],
            unique=False,
        )
        batch.drop_index(op.f("ix_reviews_movie_id_created_at"))
    if op.get_bind().dialect.name == "mysql":
        # The index MySQL/MariaDB made for the user foreign key outlives the key.
        op.drop_index("fk_reviews_user_id_users", table_name="reviews")

    op.create_table(
        "review_votes",
        sa.Column("review_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.review_id"],
            name=op.f("fk_review_votes_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", "user_id"),
        **_options(),
    )
    op.create_table(
        "rating_summaries",
        sa.Column("movie_id", sa.String(length=128), nullable=False),
        *(
            sa.Column(f"rating_{r}", sa.Integer(), server_default=sa.text("0"), nullable=False)
            for r in range(1, 11)
        ),
        sa.PrimaryKeyConstraint("movie_id"),
        **_options(),
    )
    # Count the reviews already stored, so that the summaries start exact.
    columns = ", ".join(f"rating_{r}" for r in range(1, 11))
    counts = ", ".join(f"SUM(CASE WHEN rating = {r} THEN 1 ELSE 0 END)" for r in range(1, 11))
    op.execute(
        f"INSERT INTO rating_summaries (movie_id, {columns}) "
        f"SELECT movie_id, {counts} FROM reviews GROUP BY movie_id"
    )


def downgrade() -> None:
    """Undo this revision: votes and summaries are dropped, and so are reviews whose movie or
    user has no row (0001's foreign keys would refuse them)."""
    op.drop_table("rating_summaries")
    op.drop_table("review_votes")
    op.execute(
        "DELETE FROM reviews WHERE movie_id NOT IN (SELECT movie_id FROM movies) "
        "OR user_id NOT IN (SELECT user_id FROM users)"
    )
    with op.batch_alter_table("reviews") as batch:
        batch.create_index(
            op.f("ix_reviews_movie_id_created_at"), ["movie_id", "created_at"], unique=False
        )
        batch.drop_index(op.f("ix_reviews_movie_id_helpful_created_at_review_id"))
        batch.drop_index(op.f("ix_reviews_movie_id_created_at_review_id"))
        batch.drop_column("helpful")
        batch.create_foreign_key(
            op.f("fk_reviews_movie_id_movies"), "movies", ["movie_id"], ["movie_id"]
        )
        batch.create_foreign_key(
            op.f("fk_reviews_user_id_users"), "users", ["user_id"], ["user_id"]
        )
