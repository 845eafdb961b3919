"""The examples run as documented, print what they promise, and use only the public API.

The adapters of ``examples/custom_adapter.py`` are also held to the shipped contract suites,
which is what the example tells adapter authors to do.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import subprocess
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import cast

import pytest

from bookmyshow.adapters.memory import payments as test_gateway
from bookmyshow.domain.events import DomainEvent
from bookmyshow.ports.events import EventPublisher
from bookmyshow.ports.payments import PaymentGateway
from bookmyshow.testing.contracts.events import EventPublisherContract
from bookmyshow.testing.contracts.payments import PaymentGatewayContract, PaymentScenarios

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


def run(script: Path) -> str:
    """Run ``script`` as the README says (``python examples/<name>.py``); its stdout."""
    result = subprocess.run(
        [sys.executable, str(script.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def rupees(text: str) -> Decimal:
    """The last amount (``INR 123.45``) in ``text``: the amount column of a printed line."""
    found = re.findall(r"INR (-?\d+\.\d\d)", text)
    assert found, text
    return Decimal(found[-1])


def line_starting(output: str, prefix: str) -> str:
    """The one line of ``output`` that starts with ``prefix``."""
    found = [line for line in output.splitlines() if line.startswith(prefix)]
    assert len(found) == 1, (prefix, output)
    return found[0]


def load(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` without running its ``main``."""
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_examples_are_there() -> None:
    """Both documented examples exist, with the README that introduces them."""
    assert {p.name for p in SCRIPTS} >= {"book_a_ticket.py", "custom_adapter.py"}
    assert (EXAMPLES / "README.md").is_file()


# --- book_a_ticket.py ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def booking_output() -> str:
    """What examples/book_a_ticket.py prints."""
    return run(EXAMPLES / "book_a_ticket.py")


def test_book_a_ticket_confirms_and_refunds(booking_output: str) -> None:
    """The booking is confirmed with a code, then cancelled and REFUNDED."""
    paid = line_starting(booking_output, "Paid ")
    assert re.search(r": CONFIRMED, code [0-9A-Z]{8}$", paid), paid
    assert line_starting(booking_output, "Refunded ").endswith("status REFUNDED")


def test_book_a_ticket_returns_the_seats(booking_output: str) -> None:
    """After the cancellation every seat the listing offered is free again."""
    offered = sum(int(n) for n in re.findall(r"\((\d+) left\)", booking_output))
    back = re.search(r" back on sale: (\d+) seats left$", booking_output, re.MULTILINE)
    assert back is not None, booking_output
    assert offered > 0
    assert int(back.group(1)) == offered


def test_book_a_ticket_money_adds_up(booking_output: str) -> None:
    """Quote lines sum to the total paid; the refund and what the gateway keeps sum to it too."""
    lines = booking_output.splitlines()
    start = lines.index("Quote:") + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("  Total"))
    items = [rupees(line) for line in lines[start:end]]
    total = rupees(lines[end])
    paid = rupees(line_starting(booking_output, "Paid "))
    refunded = rupees(line_starting(booking_output, "Refunded "))
    kept = rupees(line_starting(booking_output, "Gateway keeps "))
    assert len(items) >= 2
    assert sum(items) == total == paid
    assert rupees(line_starting(booking_output, "Cancelling now refunds ")) == refunded
    assert 0 < refunded < paid
    assert refunded + kept == paid


def test_book_a_ticket_prints_the_same_every_run(booking_output: str) -> None:
    """With a manual clock and sequential ids, a second run prints exactly the same."""
    assert run(EXAMPLES / "book_a_ticket.py") == booking_output


# --- custom_adapter.py -----------------------------------------------------------------------


def test_custom_adapter_sees_the_events_and_payments() -> None:
    """The custom publisher prints events in order; the recording gateway logs charge and refund."""
    output = run(EXAMPLES / "custom_adapter.py")
    events = re.findall(r"\[event\] ([a-z_.]+)", output)
    assert events.index("seats.held") < events.index("booking.confirmed")
    assert events.index("booking.confirmed") < events.index("booking.refunded")
    assert "is CONFIRMED" in output
    assert "is REFUNDED" in output
    charge = line_starting(output, "  charge ")
    refund = line_starting(output, "  refund ")
    assert charge.endswith(": succeeded")
    assert refund.endswith(": succeeded")
    assert 0 < rupees(refund) < rupees(charge)
    assert f"kept {len(events)} events" in output


_ADAPTERS = load("custom_adapter")


class TestPrintingPublisher(EventPublisherContract):
    """The example's PrintingPublisher keeps the event publisher contract."""

    @pytest.fixture
    def publisher(self) -> EventPublisher:
        """A fresh PrintingPublisher."""
        return cast(EventPublisher, _ADAPTERS.PrintingPublisher())

    async def published(self, publisher: EventPublisher) -> Sequence[DomainEvent]:
        """The events the publisher kept."""
        return cast(Sequence[DomainEvent], getattr(publisher, "events"))  # noqa: B009


class TestRecordingGateway(PaymentGatewayContract):
    """The example's RecordingGateway, around the test gateway, keeps the gateway contract."""

    @pytest.fixture
    def gateway(self) -> PaymentGateway:
        """A recorder around a fresh test gateway."""
        inner = test_gateway.MemoryPaymentGateway()
        return cast(PaymentGateway, _ADAPTERS.RecordingGateway(inner))

    @pytest.fixture
    def scenarios(self) -> PaymentScenarios:
        """The test gateway's cards."""
        return PaymentScenarios(
            succeeds=test_gateway.CARD_SUCCEEDS,
            declined=test_gateway.CARD_DECLINED,
            insufficient_funds=test_gateway.CARD_INSUFFICIENT_FUNDS,
            timeout_captured=test_gateway.CARD_TIMEOUT_CAPTURED,
            timeout_not_captured=test_gateway.CARD_TIMEOUT_NOT_CAPTURED,
        )


# --- only the public API ---------------------------------------------------------------------


def bookmyshow_imports(script: Path) -> list[tuple[str, str]]:
    """Every ``from bookmyshow... import name`` of ``script``, as (module, name)."""
    tree = ast.parse(script.read_text(encoding="utf-8"))
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bookmyshow"):
            found.extend((cast(str, node.module), alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((a.name, "") for a in node.names if a.name.startswith("bookmyshow"))
    return found


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_examples_import_only_public_names(script: Path) -> None:
    """No private module, and every imported name is in its module's ``__all__``."""
    imports = bookmyshow_imports(script)
    assert imports
    for module_name, name in imports:
        assert not any(part.startswith("_") for part in module_name.split(".")), module_name
        if name:
            exported = importlib.import_module(module_name).__all__
            assert name in exported, f"{module_name}.{name} is not public"
