"""``bookmyshow serve``: the reference app under uvicorn, configured from the environment."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from litestar import Litestar
from uvicorn.importer import import_from_string

from bookmyshow.adapters.sql.migrate import current_revision, head_revision
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
    """By default serve runs one app instance on 127.0.0.1:8000, prints no demo banner, and
    leaves the SIGTERM handler as it found it."""
    monkeypatch.setenv("BOOKMYSHOW_JWT_SECRET", SECRET)
    handler = signal.getsignal(signal.SIGTERM)
    assert main(["serve"]) == 0
    assert signal.getsignal(signal.SIGTERM) is handler
    [(app, options)] = runs
    assert isinstance(app, Litestar)
    assert options == {"host": "127.0.0.1", "port": 8000, "log_level": "info"}
    assert capsys.readouterr().out == ""


def test_several_workers_build_their_apps_from_the_environment(
    runs: list[tuple[Any, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--workers N hands uvicorn an import string of a factory that builds the app from env."""
    monkeypatch.setenv("BOOKMYSHOW_JWT_SECRET", SECRET)
    assert main(["serve", "--host", "0.0.0.0", "--port", "9001", "--workers", "3"]) == 0
    [(target, options)] = runs
    assert options == {
        "host": "0.0.0.0",
        "port": 9001,
        "log_level": "info",
        "factory": True,
        "workers": 3,
    }
    assert isinstance(target, str)
    assert isinstance(import_from_string(target)(), Litestar)


def test_demo_runs_one_worker_and_prints_the_accounts(
    runs: list[tuple[Any, dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    """--demo needs no secret, runs one in-memory worker and prints the URL and the accounts."""
    assert main(["serve", "--demo", "--port", "8123", "--workers", "4"]) == 0
    [(app, options)] = runs
    assert isinstance(app, Litestar)
    assert "workers" not in options
    captured = capsys.readouterr()
    assert "--demo runs one worker" in captured.err
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


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_serve_demo_answers_and_stops_on_a_signal(signal_number: int) -> None:
    """A real `serve --demo` seeds the showcase, answers HTTP, and exits 0 soon after SIGTERM
    or SIGINT."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "bookmyshow.cli", "serve", "--demo", "--port", str(port)],
        env=_clean_environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                if _get(f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass  # not listening yet
            assert time.monotonic() < deadline, "no answer from /health within 60 s"
            time.sleep(0.2)
        status, body = _get(f"{base}/schema/openapi.json")
        assert status == 200
        assert json.loads(body)["info"]["title"] == "bookmyshow"
        status, body = _get(f"{base}/api/cities")
        assert status == 200, body
        assert {city["name"] for city in json.loads(body)} >= DEMO_CITIES
        process.send_signal(signal_number)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert f"{base}/" in out
    assert _shows_account(out, DEMO_CUSTOMER_EMAIL)
    assert _shows_account(out, DEMO_ADMIN_EMAIL)
    assert "Traceback" not in err
