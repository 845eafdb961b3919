"""The test-suite rule: under BOOKMYSHOW_REQUIRE_SERVICES=1 an unlisted skip fails the run."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

_CONFTEST = (Path(__file__).parent / "conftest.py").read_text()

_SKIPPING = """
import pytest

def test_needs_server() -> None:
    pytest.skip("server unreachable")

def test_known_difference() -> None:
    pytest.skip("emulator differs")
"""


def _setup(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest(_CONFTEST)
    pytester.makefile(
        ".txt",
        emulator_differences=(
            "# comment\ntest_skipping.py::test_known_difference  the emulator omits empty buckets\n"
        ),
    )
    pytester.makepyfile(test_skipping=_SKIPPING)


def test_skips_pass_without_required_services(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the variable, a skipped service test is just a skip."""
    monkeypatch.delenv("BOOKMYSHOW_REQUIRE_SERVICES", raising=False)
    _setup(pytester)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(skipped=2)


def test_unlisted_skip_fails_when_services_required(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the variable set, only skips listed as emulator differences stay skips."""
    monkeypatch.setenv("BOOKMYSHOW_REQUIRE_SERVICES", "1")
    _setup(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*test_needs_server*BOOKMYSHOW_REQUIRE_SERVICES=1*"])
