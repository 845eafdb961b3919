"""The Elasticsearch test server: one per session, on a free loopback port, stopped at the end.

``BOOKMYSHOW_ES_URL`` (e.g. ``http://127.0.0.1:9200``) points the tests at a server of your own
(real Elasticsearch 8, say); otherwise the session starts the ``noida-db`` emulator with a
temporary data directory, waits until it answers, and stops it (SIGTERM, then a wait) when the
session ends.  If neither works the tests skip with the reason; under
``BOOKMYSHOW_REQUIRE_SERVICES=1`` that skip fails the run (see ``tests/conftest.py``).

Each test works on its own alias with a random suffix (:func:`fresh_alias`) and deletes the
indices it made (:func:`drop_alias`), so tests and concurrent runs never meet.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Final

import pytest
from elasticsearch import AsyncElasticsearch

from bookmyshow.adapters.elasticsearch.engine import ElasticsearchMovieSearch

__all__ = ["EngineFactory", "drop_alias", "engine_factory", "es_url", "fresh_alias"]

_URL_VARIABLE: Final = "BOOKMYSHOW_ES_URL"
_START_TIMEOUT: Final = 30.0
_STOP_TIMEOUT: Final = 15.0
_LOG_TAIL: Final = 2000


def _answers(url: str) -> bool:
    """Whether an HTTP GET of ``url`` answers 200 within a second."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _free_port() -> int:
    # The port is free when the socket closes; the emulator binds it moments later.  A rare
    # collision with another process shows as a failed start and the next port is tried.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _emulator_binary() -> Path | None:
    spec = importlib.util.find_spec("noida_db")
    if spec is None or spec.origin is None:
        return None
    binary = Path(spec.origin).with_name("noida-db")
    return binary if binary.is_file() else None


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the emulator and wait for it; kill it if it will not stop."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=_STOP_TIMEOUT)


def _start_emulator(
    binary: Path, data_dir: Path, log_path: Path
) -> tuple[subprocess.Popen[bytes], str] | str:
    """Start the emulator on a free port: ``(process, url)``, or the reason it did not start."""
    reason = "not started"
    for _ in range(3):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [
                    str(binary),
                    "start",
                    "--data-dir",
                    str(data_dir),
                    "--host",
                    "127.0.0.1",
                    "--only",
                    "elasticsearch",
                    "--elasticsearch-port",
                    str(port),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(url):
                return process, url
            time.sleep(0.05)
        _stop(process)
        tail = log_path.read_text(errors="replace")[-_LOG_TAIL:]
        reason = f"exit code {process.returncode}; output: {tail!r}"
    return reason


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    """The Elasticsearch server of the session: ``BOOKMYSHOW_ES_URL``, or an emulator."""
    given = os.environ.get(_URL_VARIABLE)
    if given:
        if not _answers(given):
            pytest.skip(f"Elasticsearch at {_URL_VARIABLE}={given} does not answer")
        yield given.rstrip("/")
        return
    binary = _emulator_binary()
    if binary is None:
        pytest.skip(
            f"no Elasticsearch: {_URL_VARIABLE} is not set and the noida-db emulator "
            "(pip install noida-db==0.2.3) is not installed"
        )
    data_dir = Path(tempfile.mkdtemp(prefix="bms-es-"))
    try:
        started = _start_emulator(binary, data_dir / "data", data_dir / "noida.log")
        if isinstance(started, str):
            pytest.skip(f"the noida-db Elasticsearch emulator did not start: {started}")
        process, url = started
        try:
            yield url
        finally:
            _stop(process)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def fresh_alias(label: str = "t") -> str:
    """An alias no other test uses: ``bms-<label>-<random>``."""
    return f"bms-{label}-{uuid.uuid4().hex[:12]}"


async def drop_alias(client: AsyncElasticsearch, alias: str) -> None:
    """Delete every index made for ``alias`` (``<alias>-*``), by name: Elasticsearch 8 refuses
    wildcard deletes."""
    response = await client.indices.get(index=f"{alias}-*", expand_wildcards="all")
    names = sorted(response.body)
    if names:
        await client.options(ignore_status=404).indices.delete(index=names)


EngineFactory = Callable[..., AbstractAsyncContextManager[ElasticsearchMovieSearch]]
"""``factory(alias=None, *, ensure_index=True, **engine_options)`` opens an engine; see
:func:`engine_factory`."""


@pytest.fixture
def engine_factory(es_url: str) -> EngineFactory:
    """Opens engines on the session server, each on a fresh alias (or the one given) with its
    first index created; on exit the alias's indices are deleted and the client closed."""

    @contextlib.asynccontextmanager
    async def open_engine(
        alias: str | None = None, *, ensure_index: bool = True, **options: Any
    ) -> AsyncIterator[ElasticsearchMovieSearch]:
        name = alias or fresh_alias()
        engine = ElasticsearchMovieSearch(AsyncElasticsearch(es_url), alias=name, **options)
        try:
            if ensure_index:
                await engine.ensure_index()
            yield engine
        finally:
            try:
                await drop_alias(engine.client, name)
            finally:
                await engine.close()

    return open_engine
