"""Servers a benchmark run starts or checks: reachability of a URL, and a Redis Cluster.

The cluster is three ``redis-server`` masters on free loopback ports, made as
``../shared/SERVICES.md`` describes, started once per run and stopped when the run ends.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from benchmarks.measure import Figure

__all__ = ["PartialRun", "ServiceMissing", "reachable", "redis_cluster"]

_HOST = "127.0.0.1"
_START_TIMEOUT = 30.0


class ServiceMissing(RuntimeError):
    """A server a scenario needs is not there; the message says which and why."""


class PartialRun(ServiceMissing):
    """Some backends of a scenario ran and some could not: the figures that were made, and why
    the others were not (``"backend: reason"``)."""

    def __init__(self, figures: list[Figure], missing: list[str]) -> None:
        super().__init__("; ".join(missing))
        self.figures = figures
        self.missing = missing


def reachable(url: str, default_port: int) -> bool:
    """Whether the host and port of ``url`` accept a TCP connection within a second."""
    parts = urlsplit(url)
    host = parts.hostname or _HOST
    port = parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _free_port() -> int:
    """A free loopback port whose cluster-bus port (port + 10000) is free too."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind((_HOST, 0))
            port: int = probe.getsockname()[1]
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind((_HOST, port + 10000))
            except OSError:
                continue
        return port
    raise ServiceMissing("no free loopback port with a free cluster-bus port")


def _wait_open(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while not reachable(f"redis://{_HOST}:{port}", port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise ServiceMissing(f"redis-server on port {port} did not start")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def redis_cluster() -> Iterator[str]:
    """A fresh three-master Redis Cluster on loopback for the block; yields its URL.

    Raises :class:`ServiceMissing` when ``redis-server``/``redis-cli`` are not installed or the
    cluster does not come up.
    """
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server is None or cli is None:
        raise ServiceMissing("redis-server and redis-cli are needed for the Redis Cluster")
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="bms-bench-cluster-") as folder:
        try:
            ports = []
            for _ in range(3):
                port = _free_port()
                process = subprocess.Popen(
                    [
                        server,
                        "--bind",
                        _HOST,
                        "--port",
                        str(port),
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        str(Path(folder) / f"nodes-{port}.conf"),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        folder,
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                processes.append(process)
                ports.append(port)
                _wait_open(port, process)
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
                while (
                    "cluster_state:ok"
                    not in subprocess.run(
                        [cli, "-h", _HOST, "-p", str(port), "cluster", "info"],
                        capture_output=True,
                        text=True,
                        timeout=10,
                        check=False,
                    ).stdout
                ):
                    if time.monotonic() > deadline:
                        raise ServiceMissing(f"cluster node {port} never reached state ok")
                    time.sleep(0.1)
        except BaseException as exc:
            for process in processes:
                _stop(process)
            if isinstance(exc, subprocess.CalledProcessError | subprocess.TimeoutExpired):
                raise ServiceMissing(f"the Redis Cluster did not come up: {exc}") from exc
            raise
        try:
            yield f"redis+cluster://{_HOST}:{ports[0]}"
        finally:
            for process in processes:
                _stop(process)
