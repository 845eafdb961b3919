"""The SQL boundary's one cattrs converter: domain values to JSON-ready data and back.

Row mapping is explicit per table (in the repositories); this converter handles the values inside
JSON columns and the outbox payloads.  Its encodings are stable, because stored rows outlive
releases:

* ``Money`` → ``{"amount": int, "currency": "INR"}``;
* ``Fraction`` → ``"numerator/denominator"`` (exact; never a float);
* ``Decimal`` → its string; ``datetime`` → ISO 8601 in UTC; ``date`` → ISO; ``time`` → ISO;
  ``timedelta`` → whole and fractional seconds as ``{"seconds": int, "microseconds": int}``;
* ``frozenset`` → a sorted list; enums → their value.

Structuring re-runs the attrs classes' own converters and validators, so a corrupted row fails
loudly with :class:`~bookmyshow.domain.errors.InvalidInput` instead of yielding a bad aggregate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import cattrs
from cattrs.preconf.json import make_converter

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import DomainEvent, event_type
from bookmyshow.domain.money import Money

__all__ = ["converter", "decode_event", "encode_event"]


def _make() -> cattrs.Converter:
    conv = make_converter(forbid_extra_keys=True)

    conv.register_unstructure_hook(Money, lambda m: {"amount": m.amount, "currency": m.currency})
    conv.register_structure_hook(Money, lambda d, _t: Money(d["amount"], d["currency"]))
    conv.register_unstructure_hook(Fraction, lambda f: f"{f.numerator}/{f.denominator}")
    conv.register_structure_hook(Fraction, lambda s, _t: Fraction(s))
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, lambda s, _t: Decimal(s))
    conv.register_unstructure_hook(datetime, lambda d: d.astimezone(UTC).isoformat())
    conv.register_structure_hook(datetime, lambda s, _t: datetime.fromisoformat(s))
    conv.register_unstructure_hook(date, lambda d: d.isoformat())
    conv.register_structure_hook(date, lambda s, _t: date.fromisoformat(s))
    conv.register_unstructure_hook(time, lambda t: t.isoformat())
    conv.register_structure_hook(time, lambda s, _t: time.fromisoformat(s))
    conv.register_unstructure_hook(
        timedelta,
        lambda d: {"seconds": d.days * 86_400 + d.seconds, "microseconds": d.microseconds},
    )
    conv.register_structure_hook(
        timedelta, lambda d, _t: timedelta(seconds=d["seconds"], microseconds=d["microseconds"])
    )
    conv.register_unstructure_hook_func(
        lambda t: t in (frozenset, set) or getattr(t, "__origin__", None) in (frozenset, set),
        lambda s: sorted(conv.unstructure(v) for v in s),
    )
    return conv


converter = _make()
"""The converter; use it for every JSON value the SQL adapters store."""


def encode_event(event: DomainEvent) -> tuple[str, dict[str, Any]]:
    """The event's stable name and its payload (JSON-ready; ``occurred_at`` included)."""
    if not isinstance(event, DomainEvent):
        raise InvalidInput(field="event", reason="must be a DomainEvent")
    payload = converter.unstructure(event)
    if not isinstance(payload, dict):  # pragma: no cover - attrs classes unstructure to dicts
        raise InvalidInput(field="event", reason="did not encode to an object")
    return type(event).name, payload


def decode_event(name: str, payload: Mapping[str, Any]) -> DomainEvent:
    """Rebuild an event from its name and payload.

    Raises :class:`~bookmyshow.domain.events.UnknownEventType` for an unknown name and
    ``InvalidInput`` for a payload that does not fit the event.
    """
    cls = event_type(name)
    try:
        event = converter.structure(dict(payload), cls)
    except (cattrs.BaseValidationError, KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(field="payload", reason=f"not a {name} event: {exc}") from exc
    return event
