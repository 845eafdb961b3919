"""Test-wide settings: Hypothesis profiles and the "services are required" rule."""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The SQL databases, shared by the adapter tests and the service journeys.
from tests.redis_backends import (
    private_redis,
    redis_client,
    redis_cluster_url,
    redis_namespace,
    redis_target,
    redis_url,
)
from tests.sql_backends import mariadb_url, sql_database, sql_url, sqlite_url

__all__ = [
    "mariadb_url",
    "private_redis",
    "redis_client",
    "redis_cluster_url",
    "redis_namespace",
    "redis_target",
    "redis_url",
    "sql_database",
    "sql_url",
    "sqlite_url",
]

# CI: no deadline (real servers have jitter), a bounded number of examples, and derandomized so a
# submission's one CI run is reproducible; "thorough" searches far wider, with fresh randomness.
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=40,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("thorough", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

REQUIRE_SERVICES = os.environ.get("BOOKMYSHOW_REQUIRE_SERVICES") == "1"
_DIFFERENCES_FILE = Path(__file__).with_name("emulator_differences.txt")


def _allowed_skips() -> frozenset[str]:
    """Node ids listed in emulator_differences.txt, each with the difference it names."""
    allowed = set()
    for raw in _DIFFERENCES_FILE.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            allowed.add(line.split()[0])
    return frozenset(allowed)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Under BOOKMYSHOW_REQUIRE_SERVICES=1 a skip that is not a listed emulator difference fails."""
    report = yield
    if REQUIRE_SERVICES and report.skipped and item.nodeid not in _allowed_skips():
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} skipped while BOOKMYSHOW_REQUIRE_SERVICES=1 "
            f"(not listed in tests/emulator_differences.txt): {report.longrepr!r}"
        )
    return report
