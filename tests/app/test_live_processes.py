"""The live seat map across processes: two app servers (``uvicorn``, configured from the
environment like a deployment) share one MariaDB database and one Redis; a viewer connected to
one server sees a hold made through the other."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

import httpx
import pytest

from bookmyshow.adapters.memory import ManualClock, ScryptPasswordHasher
from bookmyshow.adapters.redis import connect as connect_redis
from bookmyshow.adapters.redis.seat_updates import RedisSeatUpdates
from bookmyshow.adapters.sql.database import create_database
from bookmyshow.bootstrap import ENV_PREFIX, bootstrap, hybrid_ports
from tests.app.api import Actors
from tests.app.live_server import next_json, open_live
from tests.redis_backends import drop_namespace, free_port
from tests.services.world import World, build_world

pytestmark = pytest.mark.timeout(240)

_JWT_SECRET: Final = "p" * 32
_START_TIMEOUT_S: Final = 60.0


@pytest.fixture
async def shared_namespace(redis_url: str) -> AsyncIterator[str]:
    """A Redis key namespace of this test's own, dropped afterwards."""
    namespace = f"t{uuid.uuid4().hex[:12]}"
    yield namespace
    client = connect_redis(redis_url)
    try:
        await drop_namespace(client, namespace)
    finally:
        await client.aclose()


def server_environment(database_url: str, redis_url: str, namespace: str) -> dict[str, str]:
    """The environment of an app process: this one's, minus every ``BOOKMYSHOW_`` variable,
    plus the shared backends, the shared JWT secret, no sweep and no rate limits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env.update(
        {
            f"{ENV_PREFIX}DATABASE_URL": database_url,
            f"{ENV_PREFIX}REDIS_URL": redis_url,
            f"{ENV_PREFIX}REDIS_NAMESPACE": namespace,
            f"{ENV_PREFIX}JWT_SECRET": _JWT_SECRET,
            f"{ENV_PREFIX}MAINTENANCE_SECONDS": "0",
            f"{ENV_PREFIX}RATE_LIMITS": "off",
        }
    )
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _launch(port: int, env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """One uvicorn process serving ``bookmyshow.app:create_app`` (built from ``env``) on
    ``port``, its output appended to ``log``."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "bookmyshow.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:] if log.exists() else "(no log)"


async def serves(address: str, process: subprocess.Popen[bytes], log: Path) -> bool:
    """Poll ``GET /health`` until the process answers (True) or exits (False); fail with its log
    if it takes longer than a minute."""
    deadline = time.monotonic() + _START_TIMEOUT_S
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=2) as client:
        while process.poll() is None:
            try:
                if (await client.get("/health")).status_code == 200:
                    return True
            except httpx.TransportError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                pytest.fail(f"app process on {address} did not start: {_tail(log)}")
            await asyncio.sleep(0.1)
    return False


@asynccontextmanager
async def app_servers(count: int, env: Mapping[str, str], logs: Path) -> AsyncIterator[list[str]]:
    """Start ``count`` uvicorn processes (see :func:`_launch`) on free loopback ports and wait
    until each answers; yield their ``host:port``; stop them after.

    A port is chosen before the process binds it, so another process may take it in between: a
    process that exits during start-up is started once more on another port.
    """
    processes: list[subprocess.Popen[bytes]] = []
    addresses: list[str] = []
    try:
        for index in range(count):
            log = logs / f"app-{index}.log"
            for attempt in (1, 2):
                port = free_port()
                address = f"127.0.0.1:{port}"
                processes.append(_launch(port, env, log))
                if await serves(address, processes[-1], log):
                    addresses.append(address)
                    break
                if attempt == 2:
                    pytest.fail(f"app process on {address} exited: {_tail(log)}")
        yield addresses
    finally:
        for process in processes:
            _stop(process)


async def seed(database_url: str, redis_url: str, namespace: str) -> World:
    """The test world, written through the library into the shared database and Redis (with
    fast password hashing: a hash carries its own parameters, so the servers verify it)."""
    database = create_database(database_url)
    redis = connect_redis(redis_url)
    ports = hybrid_ports(
        database,
        redis,
        namespace=namespace,
        passwords=ScryptPasswordHasher.fast_for_tests(),
        token_secret=_JWT_SECRET.encode(),
    )
    try:
        # The world's show starts two days after its clock's 2030 start: in the real future.
        return await build_world(bootstrap(ports), ManualClock())
    finally:
        updates = ports.seat_updates
        if isinstance(updates, RedisSeatUpdates):
            await updates.aclose()
        await redis.aclose()
        await database.dispose()


async def test_a_viewer_of_one_process_sees_a_hold_made_through_another(
    mariadb_fresh_url: str, redis_url: str, shared_namespace: str, tmp_path: Path
) -> None:
    """With two app processes on one database and one Redis, a hold made through process A's
    API reaches a viewer connected to process B's live seat map."""
    world = await seed(mariadb_fresh_url, redis_url, shared_namespace)
    show_id = world.show.show_id
    env = server_environment(mariadb_fresh_url, redis_url, shared_namespace)
    async with (
        app_servers(2, env, tmp_path) as (a, b),
        httpx.AsyncClient(base_url=f"http://{a}", timeout=30) as http_a,
    ):
        for address in (a, b):
            ready = await http_a.get(f"http://{address}/ready")
            assert ready.status_code == 200, ready.text
            assert ready.json()["backends"] == {"database": "ok", "redis": "ok"}
        async with open_live(b, show_id) as viewer:
            assert await next_json(viewer) == {"type": "hello", "show_id": show_id}
            held = await Actors(http_a).call(
                "POST", f"/api/shows/{show_id}/holds", "alice", json={"seats": ["B2", "B3"]}
            )
            assert held.status_code == 201, held.text
            message = await next_json(viewer, timeout_s=20)
            assert message["type"] == "seats"
            assert message["show_id"] == show_id
            assert message["kind"] == "held"
            assert message["seats"] == ["B2", "B3"]
