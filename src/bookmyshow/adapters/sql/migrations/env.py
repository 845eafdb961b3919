"""Alembic environment: runs migrations over an async engine given by the caller.

:func:`bookmyshow.adapters.sql.migrate.upgrade` puts an open synchronous connection in
``config.attributes["connection"]``; nothing here reads ``alembic.ini`` or the environment.
"""

from __future__ import annotations

from alembic import context

from bookmyshow.adapters.sql.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things in place: batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
