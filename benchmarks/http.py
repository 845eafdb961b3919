"""The HTTP scenario: the reference app served by a real server process, loaded from another.

For each of the ``memory`` and ``hybrid`` backends asked for, :func:`run` starts
``python -m bookmyshow.cli serve --demo`` on a free loopback port (the demo showcase: six
cities, a week of shows), with rate limits off and a JWT secret; on ``hybrid`` it serves a
fresh MariaDB database (``--demo`` migrates and seeds it) and a fresh Redis key namespace, both
removed afterwards.  Once ``/ready`` answers, the load generator
(:mod:`benchmarks.http_load`) runs in a process of its own — registering customers through the
API, then an open-loop phase at the stated request rate (500/s, the target's), a closed-loop
phase at saturation, and an open-loop phase at 70% of the request rate that saturation reached
— and prints its samples as JSON, which become one :class:`~benchmarks.measure.Figure` per
phase.  The server is stopped with SIGTERM.

Server and generator share the machine's cores; each figure's notes say how much CPU each of
them used, so a reader can tell whether the generator was the limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any, Final

import aiohttp
from attrs import frozen

from benchmarks.backends import drop_mariadb, drop_namespace, fresh_mariadb, missing_reason
from benchmarks.http_load import MIX
from benchmarks.measure import Figure, Recorder
from benchmarks.options import Options, ServiceUrls
from benchmarks.services import PartialRun, ServiceMissing
from bookmyshow.adapters.redis import connect
from bookmyshow.bootstrap import ENV_PREFIX

__all__ = ["HTTP_BACKENDS", "HttpSize", "run", "run_backend"]

HTTP_BACKENDS: Final = ("memory", "hybrid")
"""The backends the app is served on: everything in memory, and MariaDB + Redis."""

_HOST: Final = "127.0.0.1"
_REPOSITORY: Final = Path(__file__).resolve().parents[1]
_START_TIMEOUT_S: Final = 180.0
"""Seeding a week of demo shows into MariaDB takes ~10 s on these machines."""
_STOP_TIMEOUT_S: Final = 20.0
_LOAD_TIMEOUT_S: Final = 1800.0


@frozen(kw_only=True)
class HttpSize:
    """How much load: customers registered, the open-loop request rate and duration, and the
    closed-loop concurrency and number of visits (a visit is 1.6 requests on average)."""

    customers: int
    open_rate: float
    open_seconds: float
    closed_concurrency: int
    closed_visits: int
    relative_rate: float = 0.7
    """A last open loop runs at this fraction of the closed loop's request rate."""

    @classmethod
    def of(cls, options: Options) -> HttpSize:
        """The full size (500 requests/s for 25 s; 64 visits in flight), or a few seconds in a
        quick run."""
        return cls(
            customers=options.size(48, 2),
            open_rate=float(options.size(500, 30)),
            open_seconds=float(options.size(25, 3)),
            closed_concurrency=options.size(64, 4),
            closed_visits=options.size(4000, 40),
        )


async def run(options: Options) -> list[Figure]:
    """The HTTP scenario on each of :data:`HTTP_BACKENDS` that ``options`` asks for.

    A backend whose servers are missing is skipped; its reason is raised as
    :class:`~benchmarks.services.PartialRun` after the others ran."""
    size = HttpSize.of(options)
    figures: list[Figure] = []
    missing: list[str] = []
    for backend in options.backends:
        if backend not in HTTP_BACKENDS:
            continue
        try:
            figures.extend(await run_backend(options, backend, size))
        except ServiceMissing as exc:
            missing.append(f"{backend}: {exc}")
    if missing:
        raise PartialRun(figures, missing)
    return figures


async def run_backend(options: Options, backend: str, size: HttpSize) -> list[Figure]:
    """Serve the app on ``backend``, load it, and return the open- and closed-loop figures.

    Raises :class:`ServiceMissing` when the backend's servers are not there; any other failure
    (the server not starting, the generator failing) becomes one figure with the error."""
    reason = missing_reason(backend, options.services)
    if reason is not None:
        raise ServiceMissing(reason)
    try:
        async with (
            _storage(backend, options.services) as environment,
            _server(environment) as (url, pid),
        ):
            result = await _generate(url, pid, size, options)
    except ServiceMissing:
        raise
    except Exception as exc:  # noqa: BLE001 - reported as the figure's error, not swallowed
        recorder = Recorder()
        recorder.error(exc)
        return [
            recorder.figure(
                "http",
                backend,
                elapsed=0.0,
                setting={"mode": "open", "rate": size.open_rate},
            )
        ]
    return [_figure(backend, phase, result) for phase in result["phases"]]


# -- the server -------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _storage(backend: str, services: ServiceUrls) -> AsyncIterator[dict[str, str]]:
    """The server's environment for ``backend``: none for memory; a fresh database and Redis
    namespace for the hybrid, dropped when the block ends."""
    if backend == "memory":
        yield {}
        return
    name, database_url = await fresh_mariadb(services.mariadb)
    namespace = f"benchhttp{uuid.uuid4().hex[:8]}"
    try:
        yield {
            "DATABASE_URL": database_url,
            "REDIS_URL": services.redis,
            "REDIS_NAMESPACE": namespace,
        }
    finally:
        try:
            client = connect(services.redis)
            try:
                await drop_namespace(client, namespace)
            finally:
                await client.aclose()
        finally:
            await drop_mariadb(services.mariadb, name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((_HOST, 0))
        port: int = probe.getsockname()[1]
    return port


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-3000:]


@contextlib.asynccontextmanager
async def _server(settings: dict[str, str]) -> AsyncIterator[tuple[str, int]]:
    """``bookmyshow serve --demo`` on a free loopback port with ``settings`` (names after the
    ``BOOKMYSHOW_`` prefix); yields its URL and process id once ``/ready`` answers 200."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    environment.update(
        {
            f"{ENV_PREFIX}RATE_LIMITS": "off",  # a load test is all one client address
            f"{ENV_PREFIX}JWT_SECRET": secrets.token_urlsafe(48),
            **{ENV_PREFIX + name: value for name, value in settings.items()},
        }
    )
    port = _free_port()
    url = f"http://{_HOST}:{port}"
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bookmyshow.cli",
            "serve",
            "--demo",
            "--host",
            _HOST,
            "--port",
            str(port),
            env=environment,
            # The access log is a JSON line per request on stdout: a pipe nobody read would
            # fill and stall the server.
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )
        try:
            await _ready(url, process, log)
            yield url, process.pid
        finally:
            await _stop(process)


async def _ready(url: str, process: asyncio.subprocess.Process, log: IO[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"the app server exited {process.returncode}: {_tail(log)}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(f"{url}/ready") as response:
                    if response.status == 200:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app server was not ready in time: {_tail(log)}")
            await asyncio.sleep(0.2)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), _STOP_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()


# -- the load ---------------------------------------------------------------------------------


async def _generate(url: str, pid: int, size: HttpSize, options: Options) -> dict[str, Any]:
    """Run :mod:`benchmarks.http_load` against ``url`` in its own process; its JSON result."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.http_load",
        "--url",
        url,
        "--customers",
        str(size.customers),
        "--open-rate",
        str(size.open_rate),
        "--open-seconds",
        str(size.open_seconds),
        "--closed-concurrency",
        str(size.closed_concurrency),
        "--closed-visits",
        str(size.closed_visits),
        "--relative-rate",
        str(size.relative_rate),
        "--seed",
        str(options.seed),
        "--server-pid",
        str(pid),
    ]
    if options.show_progress:
        command.append("--progress")
    generator = await asyncio.create_subprocess_exec(
        *command, cwd=_REPOSITORY, stdout=asyncio.subprocess.PIPE
    )
    try:
        out, _ = await asyncio.wait_for(generator.communicate(), _LOAD_TIMEOUT_S)
    finally:
        if generator.returncode is None:
            generator.kill()
            await generator.wait()
    if generator.returncode != 0:
        raise RuntimeError(f"the load generator exited {generator.returncode} (see stderr)")
    result: dict[str, Any] = json.loads(out)
    return result


def _figure(backend: str, phase: dict[str, Any], result: dict[str, Any]) -> Figure:
    """The figure of one phase of the generator's result."""
    recorder = Recorder()
    recorder.samples = {kind: list(values) for kind, values in phase["samples"].items()}
    recorder.counters = Counter({"errors": 0, "timeouts": 0, **phase["counters"]})
    recorder.errors = list(phase["errors"])
    elapsed = float(phase["elapsed_s"])
    figure = recorder.figure(
        "http",
        backend,
        elapsed=elapsed,
        setting=dict(phase["setting"]),
        rates={"requests": "answered", "bookings": "confirmed"},
    )
    mix = ", ".join(f"{kind} {share:.0%}" for kind, share in MIX.items())
    figure.notes.append(
        f"bookmyshow serve --demo (1 process) loaded by benchmarks.http_load (1 process, aiohttp) "
        f"on the same machine; {result['customers']} customers, {result['shows']} shows "
        f"({result['hot_shows']} on the soonest day get 40% of picks); visits: {mix} "
        f"(a booking = seat map, hold, checkout, pay: {result['requests_per_visit']:.1f} "
        "requests per visit); booking latency = each of hold, checkout, pay; booking_flow = "
        "seat map to confirmed"
    )
    server_cpu = phase["server_cpu"]
    figure.notes.append(
        f"CPU used (cores, of {os.cpu_count()}): server "
        + ("?" if server_cpu is None else f"{server_cpu:.2f}")
        + f", generator {phase['generator_cpu']:.2f}; the generator started visits up to "
        f"{phase['start_lag_p99_ms']:.1f} ms late (p99)"
    )
    if phase["setting"]["mode"] == "open":
        share = phase.get("of_saturation")
        figure.notes.append(
            f"asked {phase['setting']['rate']:g} requests/s"
            + (
                ""
                if share is None
                else f" ({share:.0%} of what the closed loop reached just before)"
            )
            + f", served {figure.throughput.get('requests', 0.0):.0f}/s over {elapsed:.1f} s"
        )
    if not phase.get("settled_before", True):
        figure.notes.append("the server was still busy with the previous phase when this began")
    return figure
