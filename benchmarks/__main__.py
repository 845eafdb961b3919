"""``python -m benchmarks``: run every scenario on the available backends and write the results.

    python -m benchmarks                      # everything, full size (several minutes)
    python -m benchmarks --quick              # the CI smoke run: small numbers, seconds
    python -m benchmarks --scenarios rush,steady --backends memory,hybrid

Results (``results.json``, ``results.md``, PNG charts) go to ``--out`` (default
``benchmarks/results/<UTC timestamp>``).  The exit status is 1 when any figure shows an
oversold seat or an unexpected error, and — under ``--require-services`` or
``BOOKMYSHOW_REQUIRE_SERVICES=1`` — when a backend's servers were missing; else 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from attrs import evolve

from benchmarks import ceiling, http, rush, search, steady
from benchmarks.machine import describe
from benchmarks.measure import Figure, Run
from benchmarks.options import BACKENDS, Options, ServiceUrls
from benchmarks.report import write
from benchmarks.services import PartialRun, ServiceMissing, redis_cluster

__all__ = ["SCENARIOS", "Scenario", "main"]

Scenario = Callable[[Options], Awaitable[list[Figure]]]
"""A scenario: its figures for the run's options (raises ``ServiceMissing``/``PartialRun``)."""

SCENARIOS: dict[str, Scenario] = {
    "ceiling": ceiling.run,
    "steady": steady.run,
    "rush": rush.run,
    "search": search.run,
    "http": http.run,
}
"""Every scenario, in the order a run plays them: the ceiling first, so the library's figures
are compared with a ceiling measured on the same machine minutes before."""


_ON_CLUSTER = frozenset({"steady", "rush"})
"""The scenarios that run on the ``cluster`` backend."""


def _names(value: str, known: tuple[str, ...]) -> tuple[str, ...]:
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {', '.join(unknown) or 'empty list'}; choose from {', '.join(known)}"
        )
    return names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run with small numbers")
    parser.add_argument(
        "--scenarios",
        type=lambda v: _names(v, tuple(SCENARIOS)),
        default=tuple(SCENARIOS),
        help=f"comma-separated, from {','.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument(
        "--backends",
        type=lambda v: _names(v, BACKENDS),
        default=BACKENDS,
        help=f"comma-separated, from {','.join(BACKENDS)} (default: all)",
    )
    parser.add_argument("--out", type=Path, default=None, help="results folder")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument(
        "--require-services",
        action="store_true",
        default=os.environ.get("BOOKMYSHOW_REQUIRE_SERVICES") == "1",
        help="fail when a backend's servers are missing (default: skip it)",
    )
    return parser


@contextmanager
def _cluster_if_needed(
    options: Options, scenarios: tuple[str, ...], skipped: dict[str, str]
) -> Iterator[Options]:
    """Start a Redis Cluster for the run when the cluster backend is asked for without one, by
    a scenario that runs on it (the booking scenarios)."""
    wanted = "cluster" in options.backends and bool(_ON_CLUSTER & set(scenarios))
    if not wanted or options.services.cluster is not None:
        yield options
        return
    with ExitStack() as stack:
        try:
            url = stack.enter_context(redis_cluster())
        except ServiceMissing as exc:
            skipped["*/cluster"] = str(exc)
            yield options
            return
        yield evolve(options, services=evolve(options.services, cluster=url))


async def _play(options: Options, scenarios: tuple[str, ...], run: Run) -> None:
    for name in scenarios:
        print(f"-- {name}", file=sys.stderr)
        try:
            run.figures.extend(await SCENARIOS[name](options))
        except PartialRun as partial:
            run.figures.extend(partial.figures)
            for reason in partial.missing:
                backend, _, why = reason.partition(": ")
                run.skipped[f"{name}/{backend}"] = why
        except ServiceMissing as exc:
            run.skipped[name] = str(exc)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when it is installed (the reference app's uvicorn runs on it too), so the
    library, the ceiling and the baseline all run on the same loop; else asyncio's own."""
    try:
        import uvloop  # noqa: PLC0415 - optional
    except ImportError:
        return None
    return uvloop.new_event_loop


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks as the command line asks; the exit status."""
    args = _parser().parse_args(argv)
    started = datetime.now(UTC)
    folder: Path = args.out or Path("benchmarks/results") / started.strftime("%Y%m%dT%H%M%SZ")
    options = Options(
        quick=args.quick,
        backends=args.backends,
        services=ServiceUrls.from_env(),
        seed=args.seed,
        results=folder,
        show_progress=not args.no_progress,
    )
    run = Run(
        started_at=started.isoformat(timespec="seconds"),
        command=shlex.join(["python", "-m", "benchmarks", *(argv or sys.argv[1:])]),
        quick=args.quick,
    )
    with (
        _cluster_if_needed(options, args.scenarios, run.skipped) as ready,
        asyncio.Runner(loop_factory=_loop_factory()) as loop,
    ):
        run.machine = loop.run(describe(ready))
        run.machine["event_loop"] = type(loop.get_loop()).__module__.split(".")[0]
        loop.run(_play(ready, args.scenarios, run))
    paths = write(run, folder)
    print("\n".join(f"wrote {path}" for path in paths))
    status = 0
    for figure in run.failed:
        print(
            f"FAILED {figure.scenario}/{figure.backend} {figure.setting}: "
            f"oversold {figure.counters.get('oversold', 0)}, "
            f"errors {figure.counters.get('errors', 0)}",
            file=sys.stderr,
        )
        for error in figure.errors:
            print(error, file=sys.stderr)
        status = 1
    for what, why in sorted(run.skipped.items()):
        print(f"{'MISSING' if args.require_services else 'skipped'} {what}: {why}", file=sys.stderr)
        if args.require_services:
            status = 1
    return status


if __name__ == "__main__":
    # A run stopped with SIGTERM unwinds like Ctrl-C, so the Redis Cluster it started, its
    # databases and its keys are removed rather than left running.
    signal.signal(signal.SIGTERM, _stop)
    sys.exit(main())
