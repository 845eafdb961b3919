"""Alembic migrations shipped inside the package (run them with :mod:`bookmyshow.adapters.sql.migrate`)."""
