"""The ``bookmyshow`` command line, on fresh SQLite files."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bookmyshow.adapters.sql.database import create_database
from bookmyshow.adapters.sql.migrate import head_revision, upgrade
from bookmyshow.adapters.sql.outbox import append_events
from bookmyshow.cli import DATABASE_URL_ENV, main
from bookmyshow.domain.events import DomainEvent, MovieAdded, MovieRetired

pytestmark = pytest.mark.timeout(120)

AT = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
COLLECTED: list[DomainEvent] = []


class CollectingPublisher:
    """A publisher for ``--publisher tests.test_cli:CollectingPublisher``: collects events."""

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Append ``events`` to :data:`COLLECTED`."""
        COLLECTED.extend(events)


@pytest.fixture
def url(tmp_path: Path) -> str:
    """The URL of a SQLite file that does not exist yet."""
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def migrated(url: str) -> str:
    """The URL of a fresh SQLite file migrated to the head revision."""
    asyncio.run(upgrade(url))
    return url


def _append(url: str, events: Sequence[DomainEvent]) -> None:
    async def work() -> None:
        database = create_database(url)
        try:
            async with database.transaction() as connection:
                await append_events(connection, events)
        finally:
            await database.dispose()

    asyncio.run(work())


def _tables(url: str) -> set[str]:
    async def work() -> set[str]:
        database = create_database(url)
        try:
            async with database.writer.connect() as connection:
                names = await connection.run_sync(lambda c: inspect(c).get_table_names())
                return set(names)
        finally:
            await database.dispose()

    return asyncio.run(work())


def test_upgrade_then_current_prints_the_head(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """db upgrade migrates a fresh file to the head, and db current prints that revision."""
    assert main(["db", "current", "--url", url]) == 0
    assert capsys.readouterr().out == "base\n"
    assert main(["db", "upgrade", "--url", url]) == 0
    assert capsys.readouterr().out == f"{head_revision()}\n"
    assert main(["db", "current", "--url", url]) == 0
    assert capsys.readouterr().out == f"{head_revision()}\n"
    assert "outbox" in _tables(url)


def test_downgrade_to_base_empties_the_schema(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """db downgrade --revision base drops every table, and db current then prints base."""
    assert main(["db", "downgrade", "--revision", "base", "--url", migrated]) == 0
    assert capsys.readouterr().out == "base\n"
    assert _tables(migrated) <= {"alembic_version"}
    assert main(["db", "current", "--url", migrated]) == 0
    assert capsys.readouterr().out == "base\n"


def test_url_comes_from_the_environment(
    migrated: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --url the commands use BOOKMYSHOW_DATABASE_URL."""
    monkeypatch.setenv(DATABASE_URL_ENV, migrated)
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out == f"{head_revision()}\n"


def test_missing_url_exits_2_with_a_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --url or BOOKMYSHOW_DATABASE_URL every command exits 2 naming both."""
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    for argv in (["db", "current"], ["db", "upgrade"], ["outbox", "relay", "--once"]):
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert "no database URL" in captured.err
        assert DATABASE_URL_ENV in captured.err
        assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["db", "upgrade", "--revision", "nope"], 2, "Can't locate revision"),
        (["db", "downgrade"], 2, "--revision"),
        (["outbox", "relay", "--interval", "0"], 2, "positive number of seconds"),
        (["outbox", "relay", "--batch-size", "x"], 2, "batch size"),
        (["outbox", "relay", "--once", "--publisher", "nope"], 2, "module:attribute"),
        (["outbox", "relay", "--once", "--publisher", "no_such_mod:x"], 2, "cannot import"),
        (["outbox", "relay", "--once", "--publisher", "json:nothing"], 2, "does not exist"),
        (["outbox", "relay", "--once", "--publisher", "json:decoder"], 2, "not an EventPublisher"),
        (["frobnicate"], 2, "invalid choice"),
    ],
)
def test_bad_input_exits_2_without_a_traceback(
    migrated: str,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    status: int,
    message: str,
) -> None:
    """Bad arguments, revisions and publishers print one clear error and exit 2."""
    assert main([*argv, "--url", migrated] if argv[0] != "frobnicate" else argv) == status
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_bad_urls_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """An unsupported URL exits 2; an unreachable database exits 1; both in one line."""
    assert main(["db", "current", "--url", "postgresql://localhost/x"]) == 2
    assert "url: supported" in capsys.readouterr().err
    # Nothing listens on port 1.  (A SQLite file that cannot be opened would do too, but
    # aiosqlite's worker thread then outlives the event loop and pytest reports it.)
    assert main(["db", "current", "--url", "mysql+asyncmy://root@127.0.0.1:1/x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("bookmyshow: error: database:")
    assert "Traceback" not in err


def test_relay_once_prints_json_lines(migrated: str, capsys: pytest.CaptureFixture[str]) -> None:
    """outbox relay --once writes each pending event as a JSON line, once, oldest first."""
    events = [
        MovieAdded(occurred_at=AT, movie_id="m1", title="Jawan"),
        MovieRetired(occurred_at=AT, movie_id="m1"),
    ]
    _append(migrated, events)
    assert main(["outbox", "relay", "--once", "--url", migrated, "--batch-size", "1"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        {
            "name": "movie.added",
            "occurred_at": "2030-01-01T09:00:00+00:00",
            "payload": {
                "occurred_at": "2030-01-01T09:00:00+00:00",
                "movie_id": "m1",
                "title": "Jawan",
            },
        },
        {
            "name": "movie.retired",
            "occurred_at": "2030-01-01T09:00:00+00:00",
            "payload": {"occurred_at": "2030-01-01T09:00:00+00:00", "movie_id": "m1"},
        },
    ]
    assert main(["outbox", "relay", "--once", "--url", migrated]) == 0
    assert capsys.readouterr().out == ""


def test_relay_uses_the_named_publisher(migrated: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--publisher module:attribute builds the publisher from a class and publishes to it."""
    COLLECTED.clear()
    event = MovieAdded(occurred_at=AT, movie_id="m2", title="Pathaan")
    _append(migrated, [event])
    publisher = "tests.test_cli:CollectingPublisher"
    assert main(["outbox", "relay", "--once", "--url", migrated, "--publisher", publisher]) == 0
    assert [event] == COLLECTED
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_relay_stops_cleanly_on_a_signal(migrated: str, signal_number: int) -> None:
    """outbox relay (without --once) publishes, and exits 0 on SIGTERM or SIGINT."""
    _append(migrated, [MovieAdded(occurred_at=AT, movie_id="m3", title="Dunki")])
    process = subprocess.Popen(
        [sys.executable, "-m", "bookmyshow.cli", "outbox", "relay", "--interval", "0.1"],
        env={**os.environ, DATABASE_URL_ENV: migrated},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until the relay has published
        assert json.loads(first)["payload"]["movie_id"] == "m3"
        time.sleep(0.2)
        process.send_signal(signal_number)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "Traceback" not in err
