"""Domain events: the registry, stable names, and plain frozen values."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain import events
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import (
    EVENT_TYPES,
    BookingEvent,
    DomainEvent,
    HoldLapsed,
    SeatsHeld,
    UnknownEventType,
    event_type,
)
from bookmyshow.domain.money import Money
from bookmyshow.testing.strategies.booking import aware_datetimes, domain_events, events_of

NOW = datetime(2026, 5, 1, 18, 30, tzinfo=UTC)


def _event_classes() -> list[type[DomainEvent]]:
    """Every DomainEvent subclass the events module exports."""
    return [
        obj
        for name in events.__all__
        if isinstance(obj := getattr(events, name), type) and issubclass(obj, DomainEvent)
    ]


def _concrete() -> list[type[DomainEvent]]:
    return [cls for cls in _event_classes() if "name" in vars(cls)]


def test_every_concrete_event_class_is_registered() -> None:
    """Each exported event class with a name is in EVENT_TYPES, and the registry holds no other."""
    assert set(_concrete()) == set(EVENT_TYPES.values())
    assert len(_concrete()) == 25


def test_only_the_abstract_bases_lack_a_name() -> None:
    """Every exported event class except DomainEvent and BookingEvent defines its own name."""
    assert set(_event_classes()) - set(_concrete()) == {DomainEvent, BookingEvent}


def test_event_names_are_unique() -> None:
    """No two event classes share a name, so the registry lost none of them."""
    names = [cls.name for cls in _concrete()]
    assert len(names) == len(set(names)) == len(EVENT_TYPES)


def test_event_names_are_dotted_snake_case() -> None:
    """Names look like "booking.payment_failed": an aggregate, a dot, a snake_case verb."""
    pattern = re.compile(r"^[a-z]+\.[a-z]+(_[a-z]+)*$")
    assert [n for n in EVENT_TYPES if not pattern.match(n)] == []


def test_registry_keys_match_class_names() -> None:
    """EVENT_TYPES maps each name to the class that carries exactly that name."""
    assert all(cls.name == name for name, cls in EVENT_TYPES.items())


def test_registry_is_read_only() -> None:
    """The registry cannot be changed at run time."""
    with pytest.raises(TypeError):
        EVENT_TYPES["x.y"] = HoldLapsed  # type: ignore[index]


def test_event_type_looks_up_by_name() -> None:
    """event_type("seats.held") is SeatsHeld."""
    assert event_type("seats.held") is SeatsHeld


def test_unknown_event_name_is_refused_with_a_code() -> None:
    """An unregistered name raises UnknownEventType (code "unknown_event_type") naming it."""
    with pytest.raises(UnknownEventType) as info:
        event_type("booking.teleported")
    assert info.value.code == "unknown_event_type"
    assert info.value.details() == {"name": "booking.teleported"}


def test_hold_lapsed_is_not_the_hold_expired_error() -> None:
    """The lapsed-hold event neither is nor shadows the HoldExpired error of domain.holds."""
    assert "HoldExpired" not in events.__all__
    assert not issubclass(HoldLapsed, Exception)
    assert HoldLapsed.name == "hold.lapsed"


def test_seats_are_stored_as_a_frozenset() -> None:
    """A seat list given to an event is kept as a frozenset, so events hash and compare."""
    event = SeatsHeld(
        occurred_at=NOW,
        show_id="s1",
        hold_id="h1",
        owner_id="u1",
        seats=["A2", "A1", "A1"],
        expires_at=NOW,
    )
    assert event.seats == frozenset({"A1", "A2"})
    assert hash(event) == hash(attrs.evolve(event))


@given(domain_events())
def test_events_are_frozen(event: DomainEvent) -> None:
    """No field of any event can be reassigned."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.occurred_at = NOW  # type: ignore[misc]


@given(domain_events())
def test_events_rebuild_from_their_name_and_fields(event: DomainEvent) -> None:
    """Looking up the name and passing the fields back gives an equal event (as serialisers do)."""
    fields = attrs.asdict(event, recurse=False)
    assert event_type(event.name)(**fields) == event


@given(domain_events())
def test_event_fields_are_plain_values(event: DomainEvent) -> None:
    """Every field is a str, int, Money, aware datetime, frozenset of str, or None."""
    for value in attrs.asdict(event, recurse=False).values():
        if isinstance(value, datetime):
            assert value.utcoffset() is not None
        elif isinstance(value, frozenset):
            assert all(isinstance(v, str) for v in value)
        else:
            assert value is None or isinstance(value, str | int | Money)


@given(st.sampled_from(sorted(EVENT_TYPES)), st.data())
def test_naive_occurred_at_is_refused(name: str, data: st.DataObject) -> None:
    """Building any event with a naive occurred_at raises InvalidInput naming the field."""
    good = data.draw(events_of(EVENT_TYPES[name]))
    naive = data.draw(st.datetimes())
    with pytest.raises(InvalidInput) as info:
        attrs.evolve(good, occurred_at=naive)
    assert info.value.field == "occurred_at"


@given(aware_datetimes(), st.datetimes())
def test_naive_expiry_is_refused(now: datetime, naive: datetime) -> None:
    """A naive datetime in a payload field (SeatsHeld.expires_at) raises InvalidInput too."""
    with pytest.raises(InvalidInput) as info:
        SeatsHeld(
            occurred_at=now, show_id="s", hold_id="h", owner_id="u", seats={"A1"}, expires_at=naive
        )
    assert info.value.field == "expires_at"
