"""What a benchmark run ran on: hardware, software, the checkout, and the servers' durability.

Figures mean little without the machine beside them: a 2-core laptop and a 64-core server give
different numbers, and a MariaDB with ``innodb_flush_log_at_trx_commit=2`` or a Redis without
persistence is not the durable setup the targets are stated for.  :func:`describe` gathers one
flat mapping of what a reader needs to judge and reproduce the figures.  A server it cannot reach
is described as ``"unreachable"`` rather than failing the run: the scenarios that need it are
skipped with their own reason.
"""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
from collections.abc import Awaitable, Callable
from importlib import metadata
from pathlib import Path
from typing import Final

from benchmarks.options import Options
from benchmarks.services import reachable

__all__ = ["UNREACHABLE", "describe"]

UNREACHABLE: Final = "unreachable"
"""The value of every server setting whose server did not accept a connection."""

Description = dict[str, str | int | float]

_TIMEOUT: Final = 5.0
"""Seconds a server gets to answer; a description must not hang a run."""
_CHECKOUT: Final = Path(__file__).resolve().parent.parent
_PACKAGES: Final = {
    "bookmyshow_version": "bookmyshow",
    "redis_py_version": "redis",
    "sqlalchemy_version": "sqlalchemy",
    "asyncmy_version": "asyncmy",
    "litestar_version": "litestar",
}


async def describe(options: Options) -> Description:
    """The machine, software, checkout and servers of this run, as one flat mapping.

    Keys: ``cpu_model``, ``cpu_count``, ``cpu_usable``, ``memory_total_gib``,
    ``memory_available_gib``, ``os``, ``kernel``, ``python``, ``python_implementation``,
    ``git_commit``, ``git_dirty``, the package versions (``bookmyshow_version``, ...),
    ``mariadb_version``, ``mariadb_innodb_flush_log_at_trx_commit``, ``mariadb_sync_binlog``,
    ``redis_version``, ``redis_appendonly``, ``redis_save`` and ``load_1m``/``5m``/``15m``.
    Never raises for a missing server: its values are ``"unreachable"``.
    """
    # The load is read first: it is the load the run starts under, before our own queries.
    load_1m, load_5m, load_15m = os.getloadavg()
    description: Description = {
        "load_1m": round(load_1m, 2),
        "load_5m": round(load_5m, 2),
        "load_15m": round(load_15m, 2),
    }
    description |= _hardware()
    description |= {
        "os": platform.platform(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
    }
    description |= await asyncio.to_thread(_checkout)
    description |= {key: _version(package) for key, package in _PACKAGES.items()}
    mariadb, redis = await asyncio.gather(
        _server("mariadb", options.services.mariadb, 3306, _mariadb),
        _server("redis", options.services.redis, 6379, _redis),
    )
    return description | mariadb | redis


def _hardware() -> Description:
    """CPU model and counts and memory, from ``/proc`` where there is one."""
    cpuinfo = _proc_fields("/proc/cpuinfo")
    meminfo = _proc_fields("/proc/meminfo")
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux: every CPU is taken as usable
        usable = os.cpu_count() or 0
    return {
        "cpu_model": cpuinfo.get("model name") or platform.processor() or "unknown",
        "cpu_count": os.cpu_count() or 0,
        "cpu_usable": usable,
        "memory_total_gib": _gib(meminfo.get("MemTotal")),
        "memory_available_gib": _gib(meminfo.get("MemAvailable")),
    }


def _proc_fields(path: str) -> dict[str, str]:
    """The first value of each ``name: value`` line of a ``/proc`` file (empty if absent)."""
    fields: dict[str, str] = {}
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return fields
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon:
            fields.setdefault(name.strip(), value.strip())
    return fields


def _gib(kib: str | None) -> float:
    """``"24576000 kB"`` as GiB, one decimal; 0.0 when unknown."""
    try:
        return round(int((kib or "").split()[0]) / 1024**2, 1)
    except (IndexError, ValueError):
        return 0.0


def _checkout() -> Description:
    """The commit of the checkout the benchmarks run from, and whether tracked files changed."""

    def git(*arguments: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(_CHECKOUT), *arguments],
                capture_output=True,
                text=True,
                timeout=_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"git_commit": "none", "git_dirty": "unknown"}
    # Untracked files (a results folder, a scratch script) do not change what was measured.
    changes = git("status", "--porcelain", "--untracked-files=no")
    dirty = "unknown" if changes is None else ("yes" if changes else "no")
    return {"git_commit": commit, "git_dirty": dirty}


def _version(package: str) -> str:
    """The installed version of ``package``, or ``"not installed"``."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


async def _server(
    name: str,
    url: str,
    default_port: int,
    query: Callable[[str], Awaitable[Description]],
) -> Description:
    """``query(url)``'s settings of one server, ``"unreachable"`` when it takes no connection
    and ``"unknown (why)"`` when it connects but does not answer."""
    keys = _SERVER_KEYS[name]
    try:
        if not await asyncio.to_thread(reachable, url, default_port):
            return dict.fromkeys(keys, UNREACHABLE)
        return await asyncio.wait_for(query(url), _TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - a description reports what it could not learn
        reason = f"unknown ({type(exc).__name__}: {exc})"
        return dict.fromkeys(keys, reason)


async def _mariadb(url: str) -> Description:
    """Version and durability settings of the MariaDB server at a SQLAlchemy-style URL."""
    import asyncmy  # noqa: PLC0415 - drivers load only when a server is there to ask
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    parts = make_url(url)
    connection = await asyncmy.connect(
        host=parts.host or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        connect_timeout=int(_TIMEOUT),
    )
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(
                "SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@sync_binlog"
            )
            version, flush, sync_binlog = await cursor.fetchone()
    finally:
        connection.close()
    return {
        "mariadb_version": str(version),
        "mariadb_innodb_flush_log_at_trx_commit": int(flush),
        "mariadb_sync_binlog": int(sync_binlog),
    }


async def _redis(url: str) -> Description:
    """Version and persistence settings of the Redis server at ``url``."""
    from redis.asyncio import Redis  # noqa: PLC0415 - drivers load only when needed

    client = Redis.from_url(url, socket_connect_timeout=_TIMEOUT, socket_timeout=_TIMEOUT)
    try:
        info = await client.info("server")
        settings: dict[str, str] = {}
        for name in ("appendonly", "save"):
            # CONFIG is often renamed away on managed servers: say so rather than fail.
            try:
                found = await client.config_get(name)
            except Exception as exc:  # noqa: BLE001 - reported as the setting's value
                found = {name: f"unknown ({type(exc).__name__}: {exc})"}
            settings[name] = _text(found.get(name, "unknown"))
    finally:
        await client.aclose()
    return {
        "redis_version": _text(info.get("redis_version", "unknown")),
        "redis_appendonly": settings["appendonly"],
        # An empty "save" means no snapshots at all: spell it out in the report.
        "redis_save": settings["save"] or "(none)",
    }


def _text(value: object) -> str:
    """A server's answer as text, whether the client decoded it or not."""
    return value.decode() if isinstance(value, bytes) else str(value)


_SERVER_KEYS: Final = {
    "mariadb": (
        "mariadb_version",
        "mariadb_innodb_flush_log_at_trx_commit",
        "mariadb_sync_binlog",
    ),
    "redis": ("redis_version", "redis_appendonly", "redis_save"),
}


if __name__ == "__main__":  # pragma: no cover - a look at this machine by hand
    for key, value in asyncio.run(describe(Options())).items():
        print(f"{key}: {value}")
