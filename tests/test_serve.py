"""``bookmyshow serve``: the reference app under uvicorn, configured from the environment."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import uvicorn
import uvicorn.supervisors
from litestar import Litestar
from uvicorn.config import STARTUP_FAILURE
from uvicorn.importer import import_from_string

from bookmyshow.adapters.sql.migrate import current_revision, head_revision, upgrade
from bookmyshow.app.request_log import ACCESS_LOGGER
from bookmyshow.cli import DATABASE_URL_ENV, main
from bookmyshow.demo import (
    DEMO_ADMIN_EMAIL,
    DEMO_CUSTOMER_EMAIL,
    DEMO_PASSWORD,
    DEMO_STAFF_EMAIL,
)

pytestmark = pytest.mark.timeout(120)

SECRET = "s" * 32
DEMO_CITIES = {"Mumbai", "Delhi", "Bengaluru", "Hyderabad", "Chennai", "Kolkata"}


def _clean_environ() -> dict[str, str]:
    """The environment without any BOOKMYSHOW_* variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BOOKMYSHOW_")}


def _shows_account(out: str, email: str) -> bool:
    """Whether a line of ``out`` gives ``email`` with the demo password."""
    return any(
        email in line and line.endswith(f"password: {DEMO_PASSWORD}") for line in out.splitlines()
    )


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """uvicorn.run replaced by a recorder of its calls; BOOKMYSHOW_* variables cleared."""
    for name in list(os.environ):
        if name.startswith("BOOKMYSHOW_"):
            monkeypatch.delenv(name)
    calls: list[tuple[Any, dict[str, Any]]] = []

    def run(app: Any, **options: Any) -> None:
        calls.append((app, options))

    monkeypatch.setattr(uvicorn, "run", run)
    return calls


def test_no_jwt_secret_outside_demo_fails_fast(
    runs: list[tuple[Any, dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Without BOOKMYSHOW_JWT_SECRET, serve exits 2 naming the variable and starts nothing."""
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bookmyshow: error: BOOKMYSHOW_JWT_SECRET: ")
    assert "Traceback" not in err
    assert runs == []


def test_a_bad_variable_fails_fast(
    runs: list[tuple[Any, dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A too-short secret is refused the same way, in one line, before uvicorn starts."""
    monkeypatch.setenv("BOOKMYSHOW_JWT_SECRET", "short")
    assert main(["serve", "--demo"]) == 2
    assert "BOOKMYSHOW_JWT_SECRET: at least 32 bytes" in capsys.readouterr().err
    assert runs == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "0"], "not a port"),
        (["--port", "65536"], "not a port"),
        (["--port", "http"], "not a port"),
        (["--workers", "0"], "not a worker count"),
        (["--workers", "-2"], "not a worker count"),
        (["--reload"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2(
    runs: list[tuple[Any, dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    """Ports outside 1..65535, worker counts below one and unknown options exit 2."""
    assert main(["serve", *argv]) == 2
    assert message in capsys.readouterr().err
    assert runs == []


def test_one_worker_serves_the_configured_app(
    runs: list[tuple[Any, dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """By default serve runs one app instance on 127.0.0.1:8000 with the app's loggers and no
    uvicorn access log, prints no demo banner, and leaves the SIGTERM handler as it found it."""
    monkeypatch.setenv("BOOKMYSHOW_JWT_SECRET", SECRET)
    handler = signal.getsignal(signal.SIGTERM)
    assert main(["serve"]) == 0
    assert signal.getsignal(signal.SIGTERM) is handler
    [(app, options)] = runs
    assert isinstance(app, Litestar)
    log_config = options.pop("log_config")
    assert options == {"host": "127.0.0.1", "port": 8000, "log_level": "info", "access_log": False}
    assert log_config["loggers"]["bookmyshow"]["level"] == "INFO"
    assert log_config["loggers"][ACCESS_LOGGER]["level"] == "INFO"
    assert {"uvicorn", "uvicorn.error", "uvicorn.access"} <= set(log_config["loggers"])
    assert capsys.readouterr().out == ""


@dataclass
class Supervision:
    """What serve asked of uvicorn's Config and Multiprocess (faked), and how workers end."""

    exit_codes: list[int | None] = field(default_factory=lambda: [0, 0])
    configs: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    runs: int = 0


@pytest.fixture
def supervised(monkeypatch: pytest.MonkeyPatch) -> Iterator[Supervision]:
    """uvicorn.Config and its Multiprocess supervisor replaced by recorders (nothing binds,
    nothing spawns, the test process's logging is left alone); BOOKMYSHOW_* cleared, a secret
    set."""
    for name in list(os.environ):
        if name.startswith("BOOKMYSHOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BOOKMYSHOW_JWT_SECRET", SECRET)
    record = Supervision()

    class Config:
        def __init__(self, app: Any, **options: Any) -> None:
            record.configs.append((app, options))

        def bind_socket(self) -> socket.socket:
            return socket.socket()

    class Multiprocess:
        def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
            self.processes = [SimpleNamespace(exitcode=code) for code in record.exit_codes]

        def run(self) -> None:
            # As uvicorn's does: handlers for the supervisor's signals, left installed.
            signal.signal(signal.SIGINT, lambda number, frame: None)
            signal.signal(signal.SIGTERM, lambda number, frame: None)
            record.runs += 1

    monkeypatch.setattr(uvicorn, "Config", Config)
    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", Multiprocess)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield record
    for number, handler in handlers.items():  # in case serve left the fakes' handlers behind
        signal.signal(number, handler)


def test_several_workers_build_their_apps_from_the_environment(
    supervised: Supervision,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """--workers N on a database and Redis hands uvicorn's supervisor an import string of a
    factory that builds the app from env, warns of nothing, and restores the signal handlers
    the supervisor installs."""
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    monkeypatch.setenv("BOOKMYSHOW_REDIS_URL", "redis://127.0.0.1:6379/0")
    handlers = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    assert main(["serve", "--host", "0.0.0.0", "--port", "9001", "--workers", "3"]) == 0
    assert supervised.runs == 1
    [(target, options)] = supervised.configs
    options.pop("log_config")
    assert options == {
        "host": "0.0.0.0",
        "port": 9001,
        "log_level": "info",
        "access_log": False,
        "factory": True,
        "workers": 3,
    }
    assert isinstance(target, str)
    assert isinstance(import_from_string(target)(), Litestar)
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
    assert capsys.readouterr().err == ""


def test_a_worker_that_fails_to_start_is_the_exit_status(
    supervised: Supervision, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """When the supervisor stops because a worker failed to start, serve exits 3 (uvicorn's
    startup failure), not 0."""
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    supervised.exit_codes = [-signal.SIGTERM, STARTUP_FAILURE]
    assert main(["serve", "--workers", "2"]) == STARTUP_FAILURE


def test_several_workers_in_memory_are_refused(
    supervised: Supervision, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a database --workers 2 exits 2 in one line naming BOOKMYSHOW_DATABASE_URL
    (each worker would have its own data) and starts nothing."""
    assert main(["serve", "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"bookmyshow: error: --workers 2 needs {DATABASE_URL_ENV}: ")
    assert err.count("\n") == 1
    assert supervised.configs == []


@pytest.mark.parametrize(
    ("es_url", "per_process"),
    [
        (None, "live seat updates, rate limits and the search index"),
        ("http://127.0.0.1:9200", "live seat updates, rate limits"),
    ],
    ids=["memory-search", "elasticsearch"],
)
def test_several_workers_without_redis_warn(
    supervised: Supervision,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    *,
    es_url: str | None,
    per_process: str,
) -> None:
    """On a database without Redis, several workers start with a warning naming what is per
    process (the search index only when it is in memory)."""
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    if es_url is not None:
        monkeypatch.setenv("BOOKMYSHOW_ES_URL", es_url)
    assert main(["serve", "--workers", "2"]) == 0
    assert supervised.runs == 1
    assert capsys.readouterr().err == (
        f"bookmyshow: warning: without BOOKMYSHOW_REDIS_URL {per_process} are per worker process\n"
    )


def test_one_worker_without_redis_does_not_warn(
    runs: list[tuple[Any, dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A single worker on a database needs no Redis to share anything: no warning."""
    monkeypatch.setenv("BOOKMYSHOW_JWT_SECRET", SECRET)
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    assert main(["serve"]) == 0
    assert len(runs) == 1
    assert capsys.readouterr().err == ""


def test_demo_runs_one_worker_and_prints_the_accounts(
    runs: list[tuple[Any, dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    """--demo needs no secret, runs one in-memory worker and prints the URL and the accounts."""
    assert main(["serve", "--demo", "--port", "8123", "--workers", "4"]) == 0
    [(app, options)] = runs
    assert isinstance(app, Litestar)
    assert "workers" not in options
    captured = capsys.readouterr()
    assert captured.err == "bookmyshow: --demo runs one worker (ignoring --workers 4)\n"
    assert "http://127.0.0.1:8123/" in captured.out
    for email in (DEMO_CUSTOMER_EMAIL, DEMO_ADMIN_EMAIL, DEMO_STAFF_EMAIL):
        assert _shows_account(captured.out, email)
    assert "in memory" in captured.out


def test_demo_on_a_database_migrates_it_first(
    runs: list[tuple[Any, dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """--demo with BOOKMYSHOW_DATABASE_URL upgrades that database to the head before serving."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    assert main(["serve", "--demo", "--host", "::"]) == 0
    assert len(runs) == 1
    assert asyncio.run(current_revision(url)) == head_revision()
    out = capsys.readouterr().out
    assert f"the database in ${DATABASE_URL_ENV}" in out
    assert "http://[::1]:8000/" in out


def test_a_failed_start_is_the_exit_status(
    runs: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When uvicorn exits (a port in use, a failed startup) serve returns its status."""

    def fail(app: Any, **options: Any) -> None:
        raise SystemExit(3)

    monkeypatch.setattr(uvicorn, "run", fail)
    assert main(["serve", "--demo"]) == 3


def test_a_missing_app_extra_is_named(
    runs: list[tuple[Any, dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without uvicorn installed, serve exits 1 saying which extra to install."""
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert main(["serve", "--demo"]) == 1
    err = capsys.readouterr().err
    assert "uvicorn is not installed: pip install 'bookmyshow[app]'" in err
    assert "Traceback" not in err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@dataclass
class Served:
    """A ``bookmyshow serve`` subprocess and the files its output goes to."""

    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    def output(self) -> tuple[str, str]:
        """What the process has written so far to standard output and standard error."""
        return self.out.read_text(errors="replace"), self.err.read_text(errors="replace")


@contextmanager
def serving(argv: list[str], env: dict[str, str], tmp_path: Path) -> Iterator[Served]:
    """Run ``bookmyshow serve *argv`` with its output in files under ``tmp_path`` (a pipe
    nobody reads could fill and block the server); kill it on the way out, whatever happened."""
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bookmyshow.cli", "serve", *argv],
            env=env,
            stdout=stdout,
            stderr=stderr,
            # Its own process group, so that the workers of a multi-worker serve die with it.
            start_new_session=True,
        )
    try:
        yield Served(process, out, err)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        else:
            with contextlib.suppress(ProcessLookupError):  # orphaned workers, if any
                os.killpg(process.pid, signal.SIGKILL)


def _wait_until_healthy(served: Served, base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert served.process.poll() is None, served.output()
        try:
            if _get(f"{base}/health")[0] == 200:
                return
        except OSError:
            pass  # not listening yet
        assert time.monotonic() < deadline, ("no answer from /health within 60 s", served.output())
        time.sleep(0.2)


def _requests_logged(out: str) -> list[dict[str, Any]]:
    """The app's JSON request lines among ``out``'s lines."""
    found = []
    for line in out.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if isinstance(record, dict) and record.get("event") == "request":
                found.append(record)
    return found


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_serve_demo_answers_logs_and_stops_on_a_signal(signal_number: int, tmp_path: Path) -> None:
    """A real `serve --demo` seeds the showcase, answers HTTP, writes one JSON line per request
    on stdout (and no uvicorn access line), and exits 0 soon after SIGTERM or SIGINT."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(["--demo", "--port", str(port)], _clean_environ(), tmp_path) as served:
        _wait_until_healthy(served, base)
        status, body = _get(f"{base}/schema/openapi.json")
        assert status == 200
        assert json.loads(body)["info"]["title"] == "bookmyshow"
        status, body = _get(f"{base}/api/cities")
        assert status == 200, body
        assert {city["name"] for city in json.loads(body)} >= DEMO_CITIES
        served.process.send_signal(signal_number)
        assert served.process.wait(timeout=10) == 0, served.output()
        out, err = served.output()
    assert f"{base}/" in out
    assert _shows_account(out, DEMO_CUSTOMER_EMAIL)
    assert _shows_account(out, DEMO_ADMIN_EMAIL)
    cities = [r for r in _requests_logged(out) if r["path"] == "/api/cities"]
    assert [(r["method"], r["status"]) for r in cities] == [("GET", 200)]
    assert "GET /api/cities HTTP/1.1" not in out + err
    assert "Traceback" not in err


def test_several_workers_serve_log_and_stop(tmp_path: Path) -> None:
    """A real `serve --workers 2` on a migrated database answers HTTP, its workers write the
    JSON request lines, it warns that without Redis some state is per process, and SIGTERM
    stops it with status 0."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    asyncio.run(upgrade(url, "head"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = _clean_environ() | {
        "BOOKMYSHOW_JWT_SECRET": SECRET,
        DATABASE_URL_ENV: url,
        "BOOKMYSHOW_MAINTENANCE_SECONDS": "0",
    }
    with serving(["--workers", "2", "--port", str(port)], env, tmp_path) as served:
        _wait_until_healthy(served, base)
        for _ in range(4):
            status, body = _get(f"{base}/api/cities")
            assert (status, json.loads(body)) == (200, [])
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=30) == 0, served.output()
        out, err = served.output()
    cities = [r for r in _requests_logged(out) if r["path"] == "/api/cities"]
    assert [(r["method"], r["status"]) for r in cities] == [("GET", 200)] * 4
    assert "bookmyshow: warning: without BOOKMYSHOW_REDIS_URL" in err
    assert "Traceback" not in err


def test_a_worker_failing_to_start_stops_serve_with_status_3(tmp_path: Path) -> None:
    """When the workers of `serve --workers 2` fail to start (Redis Cluster unreachable at
    startup), serve exits 3, uvicorn's startup-failure status, instead of 0."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    env = _clean_environ() | {
        "BOOKMYSHOW_JWT_SECRET": SECRET,
        DATABASE_URL_ENV: url,
        # Nothing listens there: connecting is refused at once, and the cluster client must
        # load its slot map at startup.
        "BOOKMYSHOW_REDIS_URL": f"redis+cluster://127.0.0.1:{_free_port()}",
    }
    with serving(["--workers", "2", "--port", str(_free_port())], env, tmp_path) as served:
        assert served.process.wait(timeout=90) == STARTUP_FAILURE, served.output()
        _, err = served.output()
    assert "failed to start" in err
