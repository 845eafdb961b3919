"""The MongoDB test server: one per session, on a free loopback port, stopped at the end.

``BOOKMYSHOW_MONGO_URL`` (e.g. ``mongodb://127.0.0.1:27017``) points the tests at a server of
your own (a real ``mongod`` or replica set); otherwise the session starts the SecantusDB server
(``secantusd-py``, installed next to the Python running the tests) with in-memory storage, waits
until it answers a ping, and stops it (SIGTERM, then a wait) when the session ends.  If neither
works the tests skip with the reason; under ``BOOKMYSHOW_REQUIRE_SERVICES=1`` that skip fails the
run (see ``tests/conftest.py``).

Each store works in its own database with a random name (:func:`fresh_database`), dropped when
the test ends, so tests and concurrent runs never meet.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Final

import pytest
from pymongo import AsyncMongoClient, MongoClient
from pymongo.errors import PyMongoError

from bookmyshow.adapters.mongo.reviews import Document, MongoReviewStore

__all__ = [
    "StoreFactory",
    "free_port",
    "fresh_database",
    "mongo_emulator",
    "mongo_url",
    "store_factory",
]

_URL_VARIABLE: Final = "BOOKMYSHOW_MONGO_URL"
_START_TIMEOUT: Final = 30.0
_STOP_TIMEOUT: Final = 15.0
_LOG_TAIL: Final = 2000


def _answers(url: str) -> bool:
    """Whether the server at ``url`` answers a ping within a second."""
    client: MongoClient[Document] = MongoClient(
        url, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000
    )
    try:
        client.admin.command("ping")
    except PyMongoError:
        return False
    finally:
        client.close()
    return True


def free_port() -> int:
    """A loopback port nothing listens on (at the moment of asking)."""
    # The port is free when the socket closes; the server binds it moments later.  A rare
    # collision with another process shows as a failed start and the next port is tried.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _server_binary() -> Path | None:
    # Installed as a console script of the SecantusDB wheel, beside this interpreter.
    binary = Path(sys.executable).with_name("secantusd-py")
    return binary if binary.is_file() else None


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server and wait for it; kill it if it will not stop."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=_STOP_TIMEOUT)


def _start_server(binary: Path, log_path: Path) -> tuple[subprocess.Popen[bytes], str] | str:
    """Start the server on a free port: ``(process, url)``, or the reason it did not start."""
    reason = "not started"
    for _ in range(3):
        port = free_port()
        url = f"mongodb://127.0.0.1:{port}/"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [
                    str(binary),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--storage-path",
                    ":memory:",
                    "--log-level",
                    "WARNING",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(url):
                return process, url
            time.sleep(0.1)
        _stop(process)
        tail = log_path.read_text(errors="replace")[-_LOG_TAIL:]
        reason = f"exit code {process.returncode}; output: {tail!r}"
    return reason


@pytest.fixture(scope="session")
def mongo_url() -> Iterator[str]:
    """The MongoDB server of the session: ``BOOKMYSHOW_MONGO_URL``, or SecantusDB."""
    given = os.environ.get(_URL_VARIABLE)
    if given:
        if not _answers(given):
            pytest.skip(f"MongoDB at {_URL_VARIABLE} does not answer a ping")
        yield given
        return
    binary = _server_binary()
    if binary is None:
        pytest.skip(
            f"no MongoDB: {_URL_VARIABLE} is not set and the SecantusDB server "
            "(pip install SecantusDB==0.7.0b3) is not installed"
        )
    with tempfile.TemporaryDirectory(prefix="bms-mongo-") as scratch:
        started = _start_server(binary, Path(scratch) / "secantus.log")
        if isinstance(started, str):
            pytest.skip(f"the SecantusDB server did not start: {started}")
        process, url = started
        try:
            yield url
        finally:
            _stop(process)


@pytest.fixture(scope="session")
def mongo_emulator(mongo_url: str) -> str | None:
    """The SecantusDB version when the session's server is that emulator, else ``None``
    (its ``buildInfo`` names it; a real MongoDB's does not)."""
    client: MongoClient[Document] = MongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    try:
        version = client.admin.command("buildInfo").get("secantusVersion")
    finally:
        client.close()
    return None if version is None else str(version)


def fresh_database(label: str = "t") -> str:
    """A database name no other test uses: ``bms_<label>_<random>``."""
    return f"bms_{label}_{uuid.uuid4().hex[:12]}"


StoreFactory = Callable[..., AbstractAsyncContextManager[MongoReviewStore]]
"""``factory(database=None, *, ensure_indexes=True, **store_options)`` opens a store; see
:func:`store_factory`."""


@pytest.fixture
def store_factory(mongo_url: str) -> StoreFactory:
    """Opens stores on the session server, each on a fresh database (or the one given) with its
    indexes made; on exit the database is dropped and the client closed."""

    @contextlib.asynccontextmanager
    async def open_store(
        database: str | None = None, *, ensure_indexes: bool = True, **options: Any
    ) -> AsyncIterator[MongoReviewStore]:
        name = database or fresh_database()
        client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_url)
        store = MongoReviewStore(client, database=name, **options)
        try:
            if ensure_indexes:
                await store.ensure_indexes()
            yield store
        finally:
            try:
                await client.drop_database(name)
            finally:
                await store.close()

    return open_store
