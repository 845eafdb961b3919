"""bookings by hold

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 02:50:00.000000

Checkout asks for the open bookings of one hold (``BookingRepository.of_show(hold_id=...)``): an
index on ``(show_id, hold_id)`` answers that without walking every booking of the show.
"""

from __future__ import annotations

from alembic import op

__all__ = ["downgrade", "upgrade"]

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index the bookings by show and hold."""
    op.create_index(
        op.f("ix_bookings_show_id_hold_id"), "bookings", ["show_id", "hold_id"], unique=False
    )


def downgrade() -> None:
    """Drop the index."""
    op.drop_index(op.f("ix_bookings_show_id_hold_id"), table_name="bookings")
