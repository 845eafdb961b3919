"""The benchmarks' quick mode: every scenario runs with small numbers and fails on any defect.

The smoke run is a subprocess ``python -m benchmarks --quick`` on every backend whose servers
answer (all of them under ``BOOKMYSHOW_REQUIRE_SERVICES=1``, where a missing one fails it).
The figures mean nothing at this size; what it proves is that every path runs, no seat is
oversold and nothing raised.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import benchmarks.__main__ as runner
from benchmarks.measure import Figure
from benchmarks.options import Options

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(900)
def test_quick_run_passes_with_no_oversold_seat_and_no_error(tmp_path: Path) -> None:
    """``python -m benchmarks --quick`` exits 0 and its results show every scenario, the
    baseline beside the library, no oversold seat and no error."""
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--no-progress", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=880,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads((out / "results.json").read_text())
    if results["skipped"] and os.environ.get("BOOKMYSHOW_REQUIRE_SERVICES") != "1":
        pytest.skip(f"servers missing: {results['skipped']}")
    figures: list[dict[str, Any]] = results["figures"]
    scenarios = {f["scenario"] for f in figures}
    assert {"ceiling", "steady", "rush", "search", "http"} <= scenarios, results.get("skipped")
    library = [f for f in figures if f["backend"] != "baseline"]
    assert all(f["counters"].get("oversold", 0) == 0 for f in library)
    assert all(f["counters"].get("errors", 0) == 0 for f in figures)
    rush = {f["backend"] for f in figures if f["scenario"] == "rush"}
    assert "baseline" in rush
    assert "memory" in rush
    assert (out / "results.md").read_text().strip()


def _fake_scenario(counters: dict[str, int]) -> runner.Scenario:
    async def scenario(options: Options) -> list[Figure]:
        return [Figure(scenario="rush", backend="memory", counters=counters)]

    return scenario


@pytest.mark.parametrize(
    ("counters", "status"),
    [
        ({"oversold": 0, "errors": 0}, 0),
        ({"oversold": 1, "errors": 0}, 1),
        ({"oversold": 0, "errors": 2}, 1),
    ],
)
def test_the_run_fails_on_an_oversold_seat_or_an_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    counters: dict[str, int],
    status: int,
) -> None:
    """A figure with an oversold seat or an unexpected error makes the exit status 1."""
    monkeypatch.setattr(runner, "SCENARIOS", {"rush": _fake_scenario(counters)})
    monkeypatch.setattr(runner, "describe", _no_machine)
    code = runner.main(
        [
            *("--quick", "--no-progress", "--scenarios", "rush", "--backends", "memory"),
            *("--out", str(tmp_path)),
        ]
    )
    assert code == status


def test_the_baseline_may_oversell_but_not_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seed design's baseline overselling is what it shows, not a failure of the run."""

    async def baseline(options: Options) -> list[Figure]:
        return [Figure(scenario="rush", backend="baseline", counters={"oversold": 12})]

    monkeypatch.setattr(runner, "SCENARIOS", {"rush": baseline})
    monkeypatch.setattr(runner, "describe", _no_machine)
    code = runner.main(["--no-progress", "--scenarios", "rush", "--out", str(tmp_path)])
    assert code == 0


async def _no_machine(options: Options) -> dict[str, str | int | float]:
    return {"cpu": "test"}
