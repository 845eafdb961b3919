"""Schema migrations: upgrade, downgrade and inspect a database with the packaged Alembic scripts.

Driver errors become :class:`~bookmyshow.ports.errors.BackendUnavailable`; Alembic's own errors
(an unknown revision) pass through.

``bookmyshow db upgrade --url …`` calls :func:`upgrade`; applications may call it at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.errors import unavailable

__all__ = ["current_revision", "downgrade", "head_revision", "upgrade"]

_SCRIPTS = Path(__file__).with_name("migrations")


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision the package ships."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise RuntimeError("no migration revisions are packaged")
    return head


async def _on(target: str | URL | SqlDatabase, work: Any) -> Any:
    database = target if isinstance(target, SqlDatabase) else create_database(target)
    try:
        engine: AsyncEngine = database.writer
        async with engine.connect() as connection:
            result = await connection.run_sync(work)
            await connection.commit()
            return result
    except (SQLAlchemyError, OSError) as exc:
        raise unavailable(exc, database.backend) from exc
    finally:
        if database is not target:
            await database.dispose()


async def upgrade(target: str | URL | SqlDatabase, revision: str = "head") -> None:
    """Migrate the database at ``target`` (a URL or a :class:`SqlDatabase`) up to ``revision``."""

    def run(connection: Connection) -> None:
        command.upgrade(_config(connection), revision)

    await _on(target, run)


async def downgrade(target: str | URL | SqlDatabase, revision: str = "base") -> None:
    """Migrate the database at ``target`` down to ``revision`` (``"base"``: an empty schema)."""

    def run(connection: Connection) -> None:
        command.downgrade(_config(connection), revision)

    await _on(target, run)


async def current_revision(target: str | URL | SqlDatabase) -> str | None:
    """The revision the database at ``target`` is at (``None`` before the first upgrade)."""

    def run(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    result: str | None = await _on(target, run)
    return result
