"""The results writer: JSON that reads back, the targets table, the ceiling comparison, charts;
and the machine description of a server that is not there."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from benchmarks.machine import UNREACHABLE, describe
from benchmarks.measure import Figure, Latency, Run
from benchmarks.options import Options, ServiceUrls
from benchmarks.report import ceiling_comparison, load, markdown, write

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHARTS = ("steady_throughput.png", "latency.png", "rush.png")


def latency(p99_ms: float, *, max_ms: float | None = None) -> Latency:
    """A distribution with the given p99 (the other percentiles below it)."""
    return Latency(
        count=100,
        mean_ms=p99_ms / 4,
        p50_ms=p99_ms / 4,
        p95_ms=p99_ms / 2,
        p99_ms=p99_ms,
        max_ms=max_ms if max_ms is not None else p99_ms * 2,
    )


def steady(backend: str, confirmed: float, *, concurrency: int = 16, batch: int = 1) -> Figure:
    setting: dict[str, float | int | str] = {"mode": "closed", "concurrency": concurrency}
    if batch > 1:
        setting["batch"] = batch
    return Figure(
        scenario="steady",
        backend=backend,
        setting=setting,
        elapsed_s=2.0,
        throughput={"confirmed": confirmed},
        latency={"booking": latency(8.0), "hold": latency(2.0)},
        counters={"confirmed": int(confirmed * 2), "errors": 0},
    )


def ceiling(confirmed: float, *, concurrency: int = 16, batch: int = 1) -> Figure:
    return Figure(
        scenario="ceiling",
        backend="bare-drivers",
        setting={"mode": "closed", "concurrency": concurrency, "batch": batch},
        elapsed_s=2.0,
        throughput={"confirmed": confirmed},
        latency={"booking": latency(4.0)},
    )


def rush(backend: str, *, confirmed: float, hold_p99: float = 10.0, oversold: int = 0) -> Figure:
    return Figure(
        scenario="rush",
        backend=backend,
        setting={"mode": "closed", "buyers": 2000, "concurrency": 64},
        elapsed_s=3.5,
        throughput={
            "holds": confirmed * 3,
            "attempts": confirmed * 6,
            "confirmed": confirmed,
            # Half the bookings of a run that oversold share a seat.
            "sound_confirmed": confirmed / 2 if oversold else confirmed,
        },
        latency={"hold": latency(hold_p99, max_ms=hold_p99 + 31.5), "booking": latency(40.0)},
        counters={"oversold": oversold, "unsold_with_demand": 0, "errors": 0},
    )


def search(layer: str, *, p99: float, movies: int = 58_788) -> Figure:
    return Figure(
        scenario="search",
        backend="memory",
        setting={"mode": "closed", "concurrency": 1, "movies": movies, "layer": layer},
        elapsed_s=1.0,
        throughput={"queries": 800.0},
        latency={"all": latency(p99), "text": latency(p99 / 2)},
    )


def http(*, booking_p99: float, rate: int = 500, mode: str = "open") -> Figure:
    setting: dict[str, float | int | str] = (
        {"mode": "open", "rate": rate} if mode == "open" else {"mode": "closed", "concurrency": 8}
    )
    return Figure(
        scenario="http",
        backend="hybrid",
        setting=setting,
        elapsed_s=4.0,
        throughput={"requests": 498.5, "bookings": 50.0},
        latency={"all": latency(20.0), "booking": latency(booking_p99)},
    )


def passing() -> list[Figure]:
    """One figure per target, each on the right side of it."""
    return [
        steady("hybrid", 2_500.0),
        steady("hybrid", 4_500.0, concurrency=64, batch=20),
        steady("memory", 25_000.0),
        ceiling(4_000.0),
        ceiling(7_500.0, batch=20),
        rush("hybrid", confirmed=1_800.0),
        rush("memory", confirmed=9_000.0),
        rush("baseline", confirmed=500.0, oversold=40),
        search("engine", p99=6.0),
        search("service", p99=9.0),
        http(booking_p99=60.0),
    ]


def failing() -> list[Figure]:
    """One figure per target, each on the wrong side of it."""
    return [
        steady("hybrid", 1_000.0),
        steady("hybrid", 3_500.0, concurrency=64, batch=20),
        steady("memory", 15_000.0),
        ceiling(4_000.0),
        ceiling(7_500.0, batch=20),
        rush("hybrid", confirmed=600.0, hold_p99=30.0),
        rush("memory", confirmed=9_000.0, oversold=1),
        rush("baseline", confirmed=500.0, oversold=40),
        search("engine", p99=25.0),
        search("service", p99=30.0),
        http(booking_p99=150.0),
    ]


def a_run(figures: list[Figure], *, quick: bool = False) -> Run:
    return Run(
        started_at="2025-01-01T10:00:00+00:00",
        command="python -m benchmarks" + (" --quick" if quick else ""),
        quick=quick,
        machine={"cpu_count": 2, "cpu_model": "Test CPU", "mariadb_sync_binlog": 0},
        figures=figures,
        skipped={"search/elasticsearch": "no Elasticsearch"},
    )


def section(text: str, title: str) -> list[str]:
    """The lines of the Markdown section headed ``## title``, up to the next ``## ``."""
    lines = text.splitlines()
    start = lines.index(f"## {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def table_rows(lines: list[str]) -> list[list[str]]:
    """The body rows of the first Markdown table in ``lines``, as stripped cells."""
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    rows = lines[start:end]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[2:]]


def verdicts(run: Run) -> dict[str, tuple[str, str]]:
    """Target -> (measured, verdict) as the Markdown targets table states them."""
    rows = table_rows(section(markdown(run), "Targets (issue 10)"))
    return {target: (value, verdict.strip("*")) for target, value, _, verdict in rows}


def verdict_of(table: dict[str, tuple[str, str]], fragment: str) -> str:
    """The verdict of the one target whose name contains ``fragment``."""
    found = [verdict for target, (_, verdict) in table.items() if fragment in target]
    assert len(found) == 1, (fragment, list(table))
    return found[0]


FRAGMENTS = (
    "on MariaDB + Redis",
    "share of the bare-driver ceiling",
    "batched commits",
    "in memory (steady",
    "Rush hold p99 on hybrid",
    "Rush hold p99 on memory",
    "baseline",
    "engine layer",
    "service layer",
    "HTTP booking p99",
)


def test_json_round_trips_every_figure(tmp_path: Path) -> None:
    """results.json holds every figure and the machine, and reads back into an equal run."""
    run = a_run(passing())
    write(run, tmp_path)
    document = json.loads((tmp_path / "results.json").read_text())
    assert len(document["figures"]) == len(run.figures)
    assert document["machine"] == run.machine
    assert load(tmp_path / "results.json") == run


def test_json_rounds_floats_and_orders_keys(tmp_path: Path) -> None:
    """Floats are rounded (small ones keep significant digits) and mapping keys are sorted."""
    figure = steady("hybrid", 2_500.123456)
    figure.latency = {"hold": latency(0.0123456), "booking": latency(8.0)}
    write(a_run([figure]), tmp_path)
    saved = json.loads((tmp_path / "results.json").read_text())["figures"][0]
    assert saved["throughput"]["confirmed"] == 2_500.123
    assert saved["latency"]["hold"]["p99_ms"] == 0.01235
    assert list(saved["latency"]) == ["booking", "hold"]
    assert list(saved["setting"]) == sorted(saved["setting"])


def test_targets_met_by_figures_above_them() -> None:
    """Figures on the right side of every target are reported met, the max beside each p99."""
    table = verdicts(a_run(passing()))
    assert {fragment: verdict_of(table, fragment) for fragment in FRAGMENTS} == dict.fromkeys(
        FRAGMENTS, "met"
    )
    (hold_value,) = [
        value for target, (value, _) in table.items() if "Rush hold p99 on hybrid" in target
    ]
    assert hold_value.startswith("10.0 ms (max 41.5)")


def test_targets_missed_by_figures_below_them() -> None:
    """Figures on the wrong side of every target (or an oversold seat) are reported missed."""
    table = verdicts(a_run(failing()))
    assert {fragment: verdict_of(table, fragment) for fragment in FRAGMENTS} == dict.fromkeys(
        FRAGMENTS, "missed"
    )


def test_share_of_ceiling_is_best_against_best() -> None:
    """A hybrid steady at 2,500/s against a 4,000/s ceiling is 62%; at 1,000/s it is 25%."""
    good = verdicts(a_run(passing()))
    bad = verdicts(a_run(failing()))
    (good_share,) = [v for t, (v, _) in good.items() if "share of the bare-driver" in t]
    (bad_share,) = [v for t, (v, _) in bad.items() if "share of the bare-driver" in t]
    assert good_share.startswith("62%")
    assert bad_share.startswith("25%")


def test_targets_without_figures_are_not_measured() -> None:
    """A run with no figure for a target says "not measured" for it, never met or missed."""
    table = verdicts(a_run([]))
    assert set(verdict for _, verdict in table.values()) == {"not measured"}
    assert len(table) == 8


def test_batched_target_needs_a_batched_figure() -> None:
    """Without a hybrid figure whose batch is above 1 the batched target is not measured."""
    table = verdicts(a_run([steady("hybrid", 9_000.0), ceiling(4_000.0)]))
    assert verdict_of(table, "batched commits") == "not measured"
    assert verdict_of(table, "on MariaDB + Redis") == "met"


def test_search_target_needs_the_whole_catalog() -> None:
    """A search over fewer than 58,788 titles does not count for the search target."""
    table = verdicts(a_run([search("engine", p99=1.0, movies=1_000)]))
    assert verdict_of(table, "Search p99") == "not measured"


def test_http_target_needs_an_open_loop_at_500_per_second() -> None:
    """Closed-loop HTTP figures and open loops below 500/s do not count for the HTTP target."""
    figures = [http(booking_p99=1.0, mode="closed"), http(booking_p99=1.0, rate=200)]
    table = verdicts(a_run(figures))
    assert verdict_of(table, "HTTP booking p99") == "not measured"


def test_ceiling_fraction_uses_the_same_concurrency() -> None:
    """Each library figure is divided by the ceiling of its own concurrency, not the best one."""
    run = a_run(
        [
            steady("hybrid", 1_000.0, concurrency=4),
            steady("hybrid", 2_000.0, concurrency=16),
            steady("memory", 20_000.0, concurrency=16),
            ceiling(2_000.0, concurrency=4),
            ceiling(8_000.0, concurrency=16),
            ceiling(10_000.0, concurrency=16, batch=20),
        ]
    )
    rows = ceiling_comparison(run)
    assert [(row.backend, row.setting["concurrency"], row.fraction) for row in rows] == [
        ("hybrid", 4, 0.5),
        ("hybrid", 16, 0.25),
    ]
    assert rows[0].batched_fraction is None
    assert rows[1].batched_fraction == 0.2
    shown = table_rows(section(markdown(run), "Library vs the bare-driver ceiling"))
    assert [row[:5] for row in shown] == [
        ["hybrid", "closed c=4", "1,000", "2,000", "50%"],
        ["hybrid", "closed c=16", "2,000", "8,000", "25%"],
    ]


def test_baseline_comparison_sets_the_rush_side_by_side() -> None:
    """The rush on each library backend is shown beside the baseline with the ratios."""
    run = a_run([rush("hybrid", confirmed=1_500.0), rush("baseline", confirmed=500.0, oversold=7)])
    rows = table_rows(section(markdown(run), "Rush: the library vs the seed design's baseline"))
    assert [row[0] for row in rows] == ["baseline", "hybrid"]
    assert rows[0][6] == "7"
    assert rows[1][2:] == ["1,500", "1,500", "4,500", "9,000", "0", "6.00x", "3.00x"]


def test_the_baseline_target_counts_only_bookings_whose_seats_nobody_else_bought() -> None:
    """Against a baseline that oversold, the ratio is of sound bookings: 1,000/s against a
    baseline's 500/s of which half share a seat is 4x, not 2x."""
    figures = [rush("hybrid", confirmed=1_000.0), rush("baseline", confirmed=500.0, oversold=9)]
    table = verdicts(a_run(figures))
    assert verdict_of(table, "baseline") == "met"


def test_charts_are_png_files(tmp_path: Path) -> None:
    """write returns the JSON, the Markdown and the three charts, each chart a PNG file."""
    written = write(a_run(passing()), tmp_path / "results")
    assert [path.name for path in written] == ["results.json", "results.md", *CHARTS]
    for name in CHARTS:
        assert (tmp_path / "results" / name).read_bytes().startswith(PNG_SIGNATURE)


def test_missing_figures_skip_their_charts(tmp_path: Path) -> None:
    """A run with no figures writes the JSON and Markdown and no chart (removing an earlier
    run's charts from the folder), without failing."""
    write(a_run(passing()), tmp_path)
    written = write(a_run([]), tmp_path)
    assert [path.name for path in written] == ["results.json", "results.md"]
    assert not any((tmp_path / name).exists() for name in CHARTS)
    assert "No figures." in (tmp_path / "results.md").read_text()


def test_quick_mode_says_the_figures_mean_nothing() -> None:
    """A quick run's report opens by saying it is a smoke run whose figures mean nothing."""
    text = markdown(a_run(passing(), quick=True))
    opening = "\n".join(text.splitlines()[:4])
    assert "smoke run" in opening
    assert "mean nothing" in opening
    assert "mean nothing" not in markdown(a_run(passing()))


def test_report_tables_put_max_beside_p99() -> None:
    """Each scenario table has a max column right after p99."""
    text = markdown(a_run(passing()))
    headers = [line for line in text.splitlines() if line.startswith("| backend | setting |")]
    scenario_headers = [h for h in headers if "p99" in h]
    assert scenario_headers
    for header in scenario_headers:
        cells = [cell.strip() for cell in header.strip("|").split("|")]
        assert cells[cells.index("p99") + 1] == "max"


def closed_port() -> int:
    """A loopback port that nothing listens on (just released by a probe socket)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_unreachable_servers_are_described_as_unreachable() -> None:
    """With no server behind the URLs the description says "unreachable" instead of raising."""
    port = closed_port()
    services = ServiceUrls(
        mariadb=f"mysql+asyncmy://root@127.0.0.1:{port}",
        redis=f"redis://127.0.0.1:{port}/0",
    )
    described = await describe(Options(services=services, show_progress=False))
    for key in ("mariadb_version", "mariadb_innodb_flush_log_at_trx_commit", "redis_version"):
        assert described[key] == UNREACHABLE
    cpus = described["cpu_count"]
    assert isinstance(cpus, int)
    assert cpus >= 1
    assert described["python"]


@pytest.mark.parametrize("key", ["git_commit", "bookmyshow_version", "load_1m"])
async def test_description_names_the_checkout_and_load(key: str) -> None:
    """The description always has the checkout's commit, the library version and the load."""
    port = closed_port()
    services = ServiceUrls(
        mariadb=f"mysql+asyncmy://root@127.0.0.1:{port}", redis=f"redis://127.0.0.1:{port}/0"
    )
    assert key in await describe(Options(services=services, show_progress=False))


def test_search_target_judges_single_queries_and_open_loops_not_queues() -> None:
    """A closed loop of 16 concurrent queries (a queue on a synchronous engine) does not decide
    the search target; one query at a time and an open loop at a stated rate do."""
    queued = search("engine", p99=150.0)
    queued.setting["concurrency"] = 16
    alone = search("engine", p99=8.0)
    assert verdict_of(verdicts(a_run([queued, alone])), "Search p99") == "met"
    slow_open = search("engine", p99=40.0)
    slow_open.setting = {"mode": "open", "rate": 200, "movies": 58_788, "layer": "engine"}
    assert verdict_of(verdicts(a_run([queued, alone, slow_open])), "Search p99") == "missed"
