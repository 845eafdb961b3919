"""Redis servers for tests: the shared server, a private 3-master cluster, private servers.

- :func:`redis_url` — the shared server at 127.0.0.1:6379 (or ``BOOKMYSHOW_REDIS_URL``).
- :func:`redis_cluster_url` — a real Redis Cluster of three masters, started once per session on
  free loopback ports (each port's cluster-bus port, port + 10000, free too) and stopped at the
  end; ``BOOKMYSHOW_REDIS_CLUSTER_URL`` (``redis+cluster://host:port``) points at one of your own.
- :func:`redis_target` — both of the above, as a parameter: a test using it runs on each.
- :class:`PrivateRedis` — a server of one test's own, which the test may stop and restart (never
  the shared one).

Every test writes under a namespace of its own (:func:`redis_namespace`), so tests and concurrent
runs never meet on a shared server.  Without ``redis-server`` or a reachable server the tests
skip with the reason; under ``BOOKMYSHOW_REQUIRE_SERVICES=1`` that skip fails the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Final

import pytest
import pytest_asyncio

from bookmyshow.adapters.redis import RedisClient, connect

__all__ = [
    "REDIS_TARGETS",
    "PrivateRedis",
    "drop_namespace",
    "free_port",
    "private_redis",
    "redis_client",
    "redis_cluster_url",
    "redis_namespace",
    "redis_target",
    "redis_url",
]

REDIS_TARGETS: Final = ("standalone", "cluster")
"""The parameters of :func:`redis_target`."""

_HOST: Final = "127.0.0.1"
_START_TIMEOUT: Final = 20.0


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((_HOST, port))
        except OSError:
            return False
    return True


def free_port(*, bus: bool = False) -> int:
    """A free loopback port; with ``bus`` its cluster-bus port (port + 10000) is free too."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((_HOST, 0))
            port: int = probe.getsockname()[1]
        if port + 10000 > 65535 and bus:
            continue
        if not bus or _bindable(port + 10000):
            return port
    raise RuntimeError("no free loopback port with a free cluster-bus port")


def _server_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (see ../shared/SERVICES.md)")
    return binary


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while not _reachable(_HOST, port):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            _stop(process)
            raise RuntimeError(f"redis-server on port {port} did not start: {tail}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class PrivateRedis:
    """A ``redis-server`` of one test's own, without persistence, that it may stop and restart."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self._directory = directory
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where the server listens (the port stays the same across restarts)."""
        return f"redis://{_HOST}:{self.port}/0"

    def start(self) -> None:
        """Start the server (empty: nothing is persisted) and wait until it accepts clients."""
        log = self._directory / f"redis-{self.port}.log"
        self._process = subprocess.Popen(
            [
                _server_binary(),
                "--bind",
                _HOST,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self._directory),
                "--logfile",
                str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(self.port, self._process, log)

    def stop(self) -> None:
        """Stop the server; everything it held is gone."""
        if self._process is not None:
            _stop(self._process)
            self._process = None

    def restart(self) -> None:
        """Stop and start again on the same port, empty."""
        self.stop()
        self.start()


def _shared_url() -> str:
    return os.environ.get("BOOKMYSHOW_REDIS_URL", "").strip() or f"redis://{_HOST}:6379/0"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The shared standalone Redis; skips when it is unreachable."""
    url = _shared_url()
    host_port = url.split("://", 1)[1].split("@")[-1].split("/")[0]
    host, _, port = host_port.rpartition(":")
    if not _reachable(host or _HOST, int(port or 6379)):
        pytest.skip(f"Redis is unreachable at {host_port} (see ../shared/SERVICES.md)")
    return url


def _start_cluster(directory: Path) -> tuple[str, list[subprocess.Popen[bytes]]]:
    binary = _server_binary()
    cli = shutil.which("redis-cli")
    if cli is None:
        pytest.skip("redis-cli is not installed (see ../shared/SERVICES.md)")
    processes: list[subprocess.Popen[bytes]] = []
    ports: list[int] = []
    try:
        for _ in range(3):
            port = free_port(bus=True)
            log = directory / f"node-{port}.log"
            process = subprocess.Popen(
                [
                    binary,
                    "--bind",
                    _HOST,
                    "--port",
                    str(port),
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    str(directory / f"nodes-{port}.conf"),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(directory),
                    "--logfile",
                    str(log),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes.append(process)
            ports.append(port)
            _wait_for(port, process, log)
        subprocess.run(
            [
                cli,
                "--cluster",
                "create",
                *(f"{_HOST}:{p}" for p in ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + _START_TIMEOUT
        for port in ports:
            while True:
                info = subprocess.run(
                    [cli, "-h", _HOST, "-p", str(port), "cluster", "info"],
                    capture_output=True,
                    text=True,
                    timeout=10,
                    check=False,
                ).stdout
                if "cluster_state:ok" in info:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cluster node {port} never reached cluster_state:ok")
                time.sleep(0.1)
    except BaseException:
        for process in processes:
            _stop(process)
        raise
    return f"redis+cluster://{_HOST}:{ports[0]}", processes


@pytest.fixture(scope="session")
def redis_cluster_url() -> Iterator[str]:
    """A three-master Redis Cluster for the session (or ``BOOKMYSHOW_REDIS_CLUSTER_URL``)."""
    own = os.environ.get("BOOKMYSHOW_REDIS_CLUSTER_URL", "").strip()
    if own:
        yield own
        return
    directory = Path(tempfile.mkdtemp(prefix="bms-redis-cluster-"))
    try:
        url, processes = _start_cluster(directory)
        try:
            yield url
        finally:
            for process in processes:
                _stop(process)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=REDIS_TARGETS)
def redis_target(request: pytest.FixtureRequest) -> str:
    """The URL of the shared standalone Redis, then of the session's cluster."""
    name = "redis_url" if request.param == "standalone" else "redis_cluster_url"
    url: str = request.getfixturevalue(name)
    return url


async def drop_namespace(client: RedisClient, namespace: str) -> None:
    """Delete every key under ``namespace`` (on every node of a cluster)."""
    async for key in client.scan_iter(match=f"{namespace}:*", count=500):
        await client.delete(key)


@pytest.fixture
def redis_namespace() -> str:
    """A key namespace of this test's own."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest_asyncio.fixture
async def redis_client(redis_target: str, redis_namespace: str) -> AsyncIterator[RedisClient]:
    """A client of the target (standalone, then cluster); the test's keys are dropped after."""
    client = connect(redis_target)
    try:
        yield client
    finally:
        try:
            await drop_namespace(client, redis_namespace)
        finally:
            await client.aclose()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A started private Redis of this test's own, stopped afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="bms-redis-"))
    server = PrivateRedis(directory)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
