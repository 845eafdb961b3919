"""What one ``python -m benchmarks`` run was asked to do, handed to every scenario.

A scenario module exposes ``async def run(options: Options) -> list[Figure]``; it reads its sizes
from ``options`` (``options.quick`` shrinks them for the CI smoke run), its servers from
``options.services``, and shows progress with :meth:`Options.progress`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Never

from attrs import frozen
from tqdm import tqdm

__all__ = ["BACKENDS", "BOOKING_BACKENDS", "Options", "ServiceUrls"]

BOOKING_BACKENDS = ("memory", "sqlite", "mariadb", "hybrid", "cluster")
"""Every backend a booking scenario can run on, in report order: everything in memory; SQLite;
MariaDB for holds and sales; Redis holds + MariaDB sales (the hybrid); the hybrid with a
three-master Redis Cluster that the run starts."""

BACKENDS = (*BOOKING_BACKENDS, "elasticsearch")
"""Every backend ``--backends`` knows; each scenario runs on those it supports (search: memory
and Elasticsearch; HTTP: memory and the hybrid; rush and steady: the booking backends)."""

_MARIADB = "mysql+asyncmy://root@127.0.0.1:3306"
_REDIS = "redis://127.0.0.1:6379/0"


@frozen(kw_only=True)
class ServiceUrls:
    """Where the servers are.  The benchmarks make their own databases, keys and clusters and
    remove them afterwards."""

    mariadb: str = _MARIADB
    """A MariaDB server URL without a database: each run creates and drops its own."""
    redis: str = _REDIS
    cluster: str | None = None
    """A Redis Cluster URL (``redis+cluster://``); ``python -m benchmarks`` starts one for the
    run when the ``cluster`` backend is asked for and none is given."""
    elasticsearch: str | None = None
    """An Elasticsearch URL; ``None`` starts the emulator from ../shared/SERVICES.md if it is
    installed."""

    @classmethod
    def from_env(cls) -> ServiceUrls:
        """Defaults, overridden by ``BOOKMYSHOW_BENCH_MARIADB_URL``, ``BOOKMYSHOW_REDIS_URL``
        ``BOOKMYSHOW_REDIS_CLUSTER_URL`` and ``BOOKMYSHOW_ES_URL``."""
        return cls(
            mariadb=os.environ.get("BOOKMYSHOW_BENCH_MARIADB_URL", _MARIADB).rstrip("/"),
            redis=os.environ.get("BOOKMYSHOW_REDIS_URL", "").strip() or _REDIS,
            cluster=os.environ.get("BOOKMYSHOW_REDIS_CLUSTER_URL", "").strip() or None,
            elasticsearch=os.environ.get("BOOKMYSHOW_ES_URL", "").strip() or None,
        )


@frozen(kw_only=True)
class Options:
    """The run's choices: which backends, how big, where the servers are, where results go."""

    quick: bool = False
    """Small numbers for a smoke run (CI): every code path, no meaningful figures."""
    backends: tuple[str, ...] = BACKENDS
    services: ServiceUrls = ServiceUrls()
    seed: int = 7
    results: Path = Path("benchmarks/results")
    show_progress: bool = True

    def progress(self, total: int, description: str) -> tqdm[Never]:
        """A progress bar on stderr for ``total`` jobs (silent when progress is off)."""
        return tqdm(
            total=total,
            desc=description,
            unit="op",
            leave=False,
            file=sys.stderr,
            disable=not self.show_progress,
            dynamic_ncols=True,
        )

    def size(self, full: int, quick: int) -> int:
        """``quick`` in a smoke run, else ``full``."""
        return quick if self.quick else full
