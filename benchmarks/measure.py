"""What every scenario measures with: latency summaries, counters, and the two ways to drive load.

- :func:`closed_loop` keeps ``concurrency`` jobs in flight until ``count`` have run: the
  throughput at saturation for that concurrency.
- :func:`open_loop` starts job ``i`` at ``i / rate`` seconds whatever the earlier jobs are doing,
  and hands each job its *scheduled* start, so a job's latency includes the time it waited
  behind a slow system (no coordinated omission).

A :class:`Recorder` collects latencies per operation (seconds, from ``time.perf_counter``) and
counters; :meth:`Recorder.figure` turns them into one :class:`Figure` of the results file.
Unexpected exceptions are counted under ``errors`` and a few are kept as text: a benchmark
that hides its errors measures nothing.
"""

from __future__ import annotations

import asyncio
import math
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from attrs import define, field, frozen

__all__ = [
    "Figure",
    "Latency",
    "Progress",
    "Recorder",
    "Run",
    "closed_loop",
    "open_loop",
]

Job = Callable[[int, float], Awaitable[None]]
"""One unit of load: called with its index and its start instant (``time.perf_counter``)."""

_KEPT_ERRORS = 5


class Progress(Protocol):
    """Anything that can be told a job finished (a tqdm bar, or nothing)."""

    def update(self, n: int = 1) -> object:
        """Count ``n`` more finished jobs."""
        ...


@frozen(kw_only=True)
class Latency:
    """A latency distribution in milliseconds: count, median, tail percentiles and maximum."""

    count: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        """Summarize samples given in seconds (nearest-rank percentiles; zeros when empty)."""
        if not seconds:
            return cls(count=0, mean_ms=0.0, p50_ms=0.0, p95_ms=0.0, p99_ms=0.0, max_ms=0.0)
        ordered = sorted(seconds)

        def rank(p: float) -> float:
            return ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000

        return cls(
            count=len(ordered),
            mean_ms=sum(ordered) / len(ordered) * 1000,
            p50_ms=rank(0.50),
            p95_ms=rank(0.95),
            p99_ms=rank(0.99),
            max_ms=ordered[-1] * 1000,
        )


@define(kw_only=True)
class Figure:
    """One measured setting of one scenario on one backend: a row of the results."""

    scenario: str
    backend: str
    setting: dict[str, float | int | str] = field(factory=dict)
    """What was varied: ``mode`` (``closed``/``open``), ``concurrency``, ``rate``, sizes."""
    elapsed_s: float = 0.0
    throughput: dict[str, float] = field(factory=dict)
    """Operations per second, by operation (``holds``, ``confirmed``, ``queries``, ...)."""
    latency: dict[str, Latency] = field(factory=dict)
    counters: dict[str, int] = field(factory=dict)
    """Correctness and outcome counters: ``oversold``, ``errors``, refusals by code, ..."""
    errors: list[str] = field(factory=list)
    """The first few unexpected errors, as text."""
    notes: list[str] = field(factory=list)


@define(kw_only=True)
class Run:
    """One ``python -m benchmarks`` run: what was asked, on what machine, and every figure."""

    started_at: str
    """ISO 8601 UTC instant the run began."""
    command: str
    quick: bool
    machine: dict[str, str | int | float] = field(factory=dict)
    figures: list[Figure] = field(factory=list)
    skipped: dict[str, str] = field(factory=dict)
    """``"scenario/backend"`` -> why it did not run (a server missing)."""

    @property
    def failed(self) -> list[Figure]:
        """Figures showing an unexpected error, or an oversold seat sold by the library (the
        baseline oversells by design: that is what it is there to show)."""
        return [
            f
            for f in self.figures
            if f.counters.get("errors", 0) > 0
            or (f.backend != "baseline" and f.counters.get("oversold", 0) > 0)
        ]


class Recorder:
    """Latency samples per operation and outcome counters for one measured setting."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}
        self.counters: Counter[str] = Counter()
        self.errors: list[str] = []

    def add(self, operation: str, seconds: float) -> None:
        """Record one latency sample of ``operation``."""
        self.samples.setdefault(operation, []).append(seconds)

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the counter ``name``."""
        self.counters[name] += n

    @contextmanager
    def timed(self, operation: str, since: float | None = None) -> Iterator[None]:
        """Time the block as one sample of ``operation`` (from ``since`` when given)."""
        start = time.perf_counter() if since is None else since
        yield
        self.add(operation, time.perf_counter() - start)

    def error(self, exc: BaseException) -> None:
        """Count an unexpected exception and keep the first few, with where they came from."""
        self.counters["errors"] += 1
        if len(self.errors) < _KEPT_ERRORS:
            self.errors.append("".join(traceback.format_exception(exc, limit=-3)).strip())

    def figure(
        self,
        scenario: str,
        backend: str,
        *,
        elapsed: float,
        setting: dict[str, float | int | str] | None = None,
        rates: dict[str, str] | None = None,
    ) -> Figure:
        """The figure of this recording; ``rates`` maps a throughput name to the counter (or
        latency operation) whose count per second it is."""
        throughput: dict[str, float] = {}
        for name, source in (rates or {}).items():
            done = self.counters.get(source, 0) or len(self.samples.get(source, ()))
            throughput[name] = done / elapsed if elapsed > 0 else 0.0
        return Figure(
            scenario=scenario,
            backend=backend,
            setting=dict(setting or {}),
            elapsed_s=elapsed,
            throughput=throughput,
            latency={op: Latency.of(values) for op, values in sorted(self.samples.items())},
            counters=dict(sorted(self.counters.items())),
            errors=list(self.errors),
        )


async def closed_loop(
    job: Job,
    *,
    count: int,
    concurrency: int,
    progress: Progress | None = None,
    seconds: float | None = None,
) -> float:
    """Run ``count`` jobs with ``concurrency`` in flight at all times; the elapsed seconds.

    With ``seconds``, no job starts after that many seconds (those in flight finish), so a slow
    backend is measured for a bounded time rather than for a fixed count.  Each job gets its
    index and the instant it started.  A job's exception propagates: jobs record their own
    expected outcomes and report unexpected ones to their recorder.
    """
    if count < 0 or concurrency < 1:
        raise ValueError("count must be >= 0 and concurrency >= 1")
    next_index = 0
    deadline = None if seconds is None else time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal next_index
        while next_index < count and (deadline is None or time.perf_counter() < deadline):
            index = next_index
            next_index += 1
            await job(index, time.perf_counter())
            if progress is not None:
                progress.update()

    started = time.perf_counter()
    workers = [asyncio.create_task(worker()) for _ in range(min(concurrency, max(count, 1)))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        # Stop the others before the caller tears down what they are using.
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return time.perf_counter() - started


async def open_loop(
    job: Job, *, count: int, rate: float, progress: Progress | None = None
) -> float:
    """Start job ``i`` at ``i / rate`` seconds from now, however the earlier ones are doing.

    Each job gets its *scheduled* start, so the latency it records includes any wait for the
    event loop: a system that falls behind shows it in its latency, not in a lower rate.
    Returns the seconds from the first scheduled start to the last job's end.
    """
    if count < 0 or rate <= 0:
        raise ValueError("count must be >= 0 and rate > 0")
    tasks: set[asyncio.Task[None]] = set()
    failures: list[BaseException] = []

    async def run(index: int, scheduled: float) -> None:
        try:
            await job(index, scheduled)
        except Exception as exc:  # noqa: BLE001 - re-raised below, after the others finish
            failures.append(exc)
        if progress is not None:
            progress.update()

    started = time.perf_counter()
    for index in range(count):
        scheduled = started + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(run(index, scheduled))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    while tasks:
        await asyncio.gather(*list(tasks))
    if failures:
        raise failures[0]
    return time.perf_counter() - started
