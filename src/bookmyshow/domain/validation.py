"""Argument checks shared by the domain and the adapters; each raises ``InvalidInput``.

They exist so that a wrong type is refused where it enters, with the parameter's name, instead of
surfacing later as a ``TypeError`` or ``AttributeError`` from deep inside a rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TypeVar

from bookmyshow.domain.errors import InvalidInput

__all__ = [
    "aware_utc",
    "elapsed",
    "in_zone",
    "instances",
    "label_set",
    "require_bool",
    "require_collection",
    "require_count",
    "require_instance",
    "require_optional_text",
    "require_text",
    "require_timedelta",
    "shift",
]

_T = TypeVar("_T")


def require_text(value: object, name: str) -> str:
    """``value`` if it is a non-empty string."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(field=name, reason="must be a non-empty string")
    return value


def require_optional_text(value: object, name: str) -> str | None:
    """``value`` if it is ``None`` or a non-empty string."""
    return None if value is None else require_text(value, name)


def require_bool(value: object, name: str) -> bool:
    """``value`` if it is a bool (not merely truthy)."""
    if not isinstance(value, bool):
        raise InvalidInput(field=name, reason="must be a bool")
    return value


def require_count(value: object, name: str, *, minimum: int = 0) -> int:
    """``value`` if it is an int (bools refused) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(field=name, reason=f"must be an integer of at least {minimum}")
    return value


def require_timedelta(value: object, name: str, *, positive: bool = False) -> timedelta:
    """``value`` if it is a timedelta (and positive, when asked)."""
    if not isinstance(value, timedelta):
        raise InvalidInput(field=name, reason="must be a timedelta")
    if positive and value <= timedelta(0):
        raise InvalidInput(field=name, reason="must be positive")
    return value


def require_instance(value: object, kind: type[_T], name: str) -> _T:
    """``value`` if it is a ``kind``."""
    if not isinstance(value, kind):
        raise InvalidInput(field=name, reason=f"must be a {kind.__name__}")
    return value


def require_collection(values: object, name: str) -> Iterable[object]:
    """``values`` if it is a collection; a string, bytes or a mapping is refused on ``name``."""
    # A bare string is iterable too, and a mapping iterates its keys: both are slips, not data.
    if isinstance(values, str | bytes | bytearray | Mapping) or not isinstance(values, Iterable):
        raise InvalidInput(field=name, reason="must be a collection, not a string or mapping")
    return values


def instances(values: object, kind: type[_T], name: str) -> tuple[_T, ...]:
    """The items of collection ``values`` as a tuple, each checked to be a ``kind``."""
    out: list[_T] = []
    for index, item in enumerate(require_collection(values, name)):
        if not isinstance(item, kind):
            raise InvalidInput(field=f"{name}[{index}]", reason=f"must be a {kind.__name__}")
        out.append(item)
    return tuple(out)


def label_set(values: object, name: str) -> frozenset[str]:
    """The items of collection ``values`` as a frozenset of non-empty strings (may be empty)."""
    labels: list[str] = []
    for item in require_collection(values, name):
        if not isinstance(item, str) or not item:
            raise InvalidInput(field=name, reason="items must be non-empty strings")
        labels.append(item)
    return frozenset(labels)


def shift(instant: datetime, delta: timedelta, name: str) -> datetime:
    """``instant + delta``; an instant outside the calendar becomes ``InvalidInput`` on ``name``."""
    try:
        return instant + delta
    except OverflowError:
        raise InvalidInput(field=name, reason="the resulting instant is out of range") from None


def in_zone(instant: datetime, zone: tzinfo, name: str) -> datetime:
    """``instant`` converted to ``zone``; one that falls outside the calendar there is refused."""
    try:
        return instant.astimezone(zone)
    except OverflowError:
        raise InvalidInput(field=name, reason="out of range in this time zone") from None


def aware_utc(value: object, name: str) -> datetime:
    """``value`` as an instant in UTC; a naive or non-datetime value is refused on ``name``.

    Rules compare and add instants in UTC: two datetimes that share one tzinfo object (a zone
    with daylight saving, say) are compared and subtracted by their wall-clock readings, which is
    wrong across a clock change.
    """
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(field=name, reason="a timezone-aware datetime is required")
    return in_zone(value, UTC, name)


def elapsed(start: datetime, end: datetime, *, name: str = "now") -> timedelta:
    """Real time from ``start`` to ``end`` (both aware), correct across a clock change."""
    return aware_utc(end, name) - aware_utc(start, name)
