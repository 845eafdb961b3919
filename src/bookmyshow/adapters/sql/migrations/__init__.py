"""Alembic migrations shipped inside the package.

Run them with :mod:`bookmyshow.adapters.sql.migrate` or ``bookmyshow db upgrade``.
"""

__all__: list[str] = []
