"""Test-wide settings: Hypothesis profiles."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI: no deadline (real servers have jitter) and a bounded number of examples.
settings.register_profile(
    "ci", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("thorough", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
