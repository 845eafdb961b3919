"""Fixtures for use-case tests: the whole embedded system on a hand-driven clock."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory import ManualClock, ScryptPasswordHasher, SequentialIds
from bookmyshow.bootstrap import in_memory_ports
from bookmyshow.services.context import Policies, Ports


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test advances it (starts 2030-01-01 09:00 UTC)."""
    return ManualClock()


@pytest.fixture
def ports(clock: ManualClock) -> Ports:
    """In-memory ports on ``clock``, with readable sequential ids and fast password hashing."""
    return in_memory_ports(
        clock=clock,
        ids=SequentialIds(),
        passwords=ScryptPasswordHasher.fast_for_tests(),
        token_secret=b"t" * 32,
    )


@pytest.fixture
def policies() -> Policies:
    """The default policies."""
    return Policies()
