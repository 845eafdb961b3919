"""Tests of the SQL adapters against SQLite files and a real MariaDB."""
