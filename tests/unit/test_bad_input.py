"""Bad input anywhere in the public API gets a coded domain error and leaves no partial state.

The audit walks every public constructor, function and method of the domain, the port value
classes and helpers, and the in-memory adapters.  Each *target* knows how to make one valid call;
the audit then replaces one argument at a time with a bad value — well typed but invalid, or of
the wrong type — and checks that:

* the call either succeeds or raises a :class:`BookMyShowError` whose ``code`` is snake_case
  (never a raw ``TypeError``, ``AttributeError``, ``OverflowError``, ...);
* a value that cannot be right for the parameter's annotation (``None`` where it is not
  optional, a naive datetime, a ``float`` for an ``int``, a bare string for a collection, an
  arbitrary object) is refused, not silently stored;
* a refused call on a mutable aggregate or an adapter leaves its state exactly as it was.

:func:`test_every_public_callable_is_audited` keeps the target list complete: a new public
callable that takes arguments fails it until it gets a target or a written-down exemption.
"""

from __future__ import annotations

import asyncio
import builtins
import collections.abc
import enum
import functools
import importlib
import inspect
import itertools
import math
import operator
import re
import reprlib
import sys
import threading
import types
import typing
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest
from attrs import field, frozen
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.adapters.memory.cache import MemoryCache
from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.coupons import MemoryCouponRedemptions
from bookmyshow.adapters.memory.database import MemoryDatabase, MemoryTransaction, Table
from bookmyshow.adapters.memory.events import MemoryEventBus
from bookmyshow.adapters.memory.idempotency import MemoryIdempotencyStore
from bookmyshow.adapters.memory.ids import SequentialIds, SortableIds
from bookmyshow.adapters.memory.inventory import (
    MemoryInventoryStore,
    MemorySeatHolds,
    MemorySeatSales,
)
from bookmyshow.adapters.memory.notifications import MemoryNotifier
from bookmyshow.adapters.memory.payments import (
    CARD_SUCCEEDS,
    ChargeFault,
    LedgerEntry,
    MemoryPaymentGateway,
    RefundFault,
)
from bookmyshow.adapters.memory.rate_limit import MemoryRateLimiter
from bookmyshow.adapters.memory.repositories import (
    MemoryBookingRepository,
    MemoryCouponRepository,
    MemoryMovieRepository,
    MemoryReviewRepository,
    MemoryShowRepository,
    MemoryUserRepository,
    MemoryVenueRepository,
)
from bookmyshow.adapters.memory.reviews import MemoryReviewStore
from bookmyshow.adapters.memory.search import MemoryMovieSearch
from bookmyshow.adapters.memory.seat_updates import FeedSubscription, MemorySeatUpdates
from bookmyshow.adapters.memory.security import (
    HmacTokenService,
    ScryptParameters,
    ScryptPasswordHasher,
)
from bookmyshow.adapters.memory.unit_of_work import MemoryUnitOfWork, MemoryUnitSales
from bookmyshow.domain import search as search_rules
from bookmyshow.domain.booking import (
    Booking,
    BookingLine,
    BookingStatus,
    CancelReason,
    Refund,
    booking_code_from,
    normalize_booking_code,
    parse_booking_code,
)
from bookmyshow.domain.cancellation import (
    CancellationPolicy,
    RefundTier,
    full_refund,
    refund_for,
)
from bookmyshow.domain.catalog import (
    Format,
    MovieStatus,
    clean_text,
    parse_enum,
    require_id,
)
from bookmyshow.domain.coupons import Coupon, check_coupon, check_coupon_for_order
from bookmyshow.domain.errors import BookMyShowError
from bookmyshow.domain.events import EVENT_TYPES, BookingEvent, DomainEvent, event_type
from bookmyshow.domain.holds import (
    Hold,
    HoldPolicy,
    HoldRequest,
    ShowHolds,
    claimed,
    extended,
    grant,
    require_aware,
    seat_set,
    seats_of,
)
from bookmyshow.domain.layouts import RowSpec, SeatLayout, SeatRow
from bookmyshow.domain.money import MAX_AMOUNT, Money, round_half_up, to_rate, total
from bookmyshow.domain.pricing import (
    Adjustment,
    ConvenienceFee,
    GstSchedule,
    GstSlab,
    PriceModifier,
    PricingRules,
    Quote,
    SurgeBand,
    SurgePolicy,
    allocate,
    format_rate,
    price_tickets,
    quote,
    seat_sort_key,
)
from bookmyshow.domain.reviews import (
    RatingSummary,
    ViewingRecord,
    check_can_add,
    check_rating,
    is_verified,
    write_review,
)
from bookmyshow.domain.sales import ShowSales, validate_sale
from bookmyshow.domain.seating import (
    RelaxationStep,
    SeatSelection,
    best_available,
    check_hold_seats,
    check_no_orphans,
    isolated_seats,
    orphans_created,
    seat_distance,
)
from bookmyshow.domain.shows import (
    ScheduleRules,
    check_no_overlap,
    local_start,
    schedule_show,
)
from bookmyshow.domain.users import (
    Action,
    Email,
    Phone,
    Principal,
    Resource,
    ResourceKind,
    Role,
    can,
    denial_reason,
    require,
)
from bookmyshow.domain.venues import (
    GeoPoint,
    check_time_zone,
    distance_m,
    theaters_near,
)
from bookmyshow.ports.cache import check_key, check_ttl
from bookmyshow.ports.coupons import CouponUsage, Redemption, check_redeem_arguments
from bookmyshow.ports.idempotency import Completed, Started, check_idempotency_arguments
from bookmyshow.ports.ids import BOOKING_NUMBER_BITS, check_prefix
from bookmyshow.ports.notifications import Notification
from bookmyshow.ports.payments import (
    ChargeOutcome,
    ChargeRequest,
    ChargeResult,
    RefundOutcome,
    RefundRequest,
    RefundResult,
    check_idempotency_key,
)
from bookmyshow.ports.rate_limit import RateDecision, check, check_rate_arguments
from bookmyshow.ports.reviews import (
    CursorKey,
    ReviewOrder,
    ReviewPage,
    StoredReview,
    after_cursor,
    check_order,
    check_page_size,
    decode_cursor,
    encode_cursor,
    epoch_micros,
    page_of,
)
from bookmyshow.ports.reviews import sort_key as review_sort_key
from bookmyshow.ports.seat_updates import FeedLagged, SeatChange, SeatChangeKind, check_buffer
from bookmyshow.ports.security import TokenClaims
from bookmyshow.testing.fixtures import (
    SAMPLE_PRICES,
    T0,
    sample_booking,
    sample_city,
    sample_layout,
    sample_movie,
    sample_review,
    sample_screen,
    sample_show,
    sample_theater,
    sample_user,
)
from bookmyshow.testing.strategies import booking as booking_st
from bookmyshow.testing.strategies import catalog as catalog_st
from bookmyshow.testing.strategies import inventory as inventory_st
from bookmyshow.testing.strategies import pricing as pricing_st
from bookmyshow.testing.strategies import seating as seating_st

_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_SHORT = reprlib.Repr()
_SHORT.maxstring = 40
_SHORT.maxother = 60

AWARE_MAX = datetime.max.replace(tzinfo=UTC)
AWARE_MIN = datetime.min.replace(tzinfo=UTC)
# Valid wall-clock values whose instant lies past either end of the calendar once put in UTC.
PAST_THE_END = datetime.max.replace(tzinfo=timezone(timedelta(hours=-12)))
BEFORE_THE_START = datetime.min.replace(tzinfo=timezone(timedelta(hours=14)))
NAIVE = datetime(2030, 1, 7, 12, 0)
LATER = T0 + timedelta(minutes=1)


# --- the harness -------------------------------------------------------------------------------


class Opaque:
    """An object no public API may accept for any parameter."""

    def __repr__(self) -> str:
        return "<opaque>"


@functools.cache
def _runner() -> asyncio.Runner:
    return asyncio.Runner()


@pytest.fixture(scope="module", autouse=True)
def _close_runner() -> Iterator[None]:
    """Close the shared event loop the async targets run on once the module is done."""
    yield
    _runner().close()
    _runner.cache_clear()


def run(value: Any) -> Any:
    """Await ``value`` on the shared loop if it is a coroutine; return it otherwise."""
    if inspect.iscoroutine(value):
        return _runner().run(value)
    return value


@frozen
class Call:
    """One valid call: ``fn(**args)``.  ``state`` is what a refused call must leave unchanged.

    ``star`` names a ``*args`` parameter: its value is a tuple passed positionally.
    """

    fn: Callable[..., Any]
    args: Mapping[str, Any] = field(factory=dict)
    state: object = None
    star: str | None = None

    def invoke(self, replace: str | None = None, value: object = None) -> Any:
        """Call, with ``args[replace]`` replaced by ``value`` (a lone item for ``star``)."""
        kwargs = dict(self.args)
        if replace is not None:
            kwargs[replace] = (value,) if replace == self.star else value
        positional = kwargs.pop(self.star, ()) if self.star else ()
        return run(self.fn(*positional, **kwargs))


@frozen
class Target:
    """A public callable under audit and how to make a fresh valid call of it.

    ``strategy`` draws fresh valid calls (from the shipped strategies where there are some);
    ``extras`` are hand-picked invalid values per parameter, each of which must be refused;
    ``skip`` names parameters that are not data (labels used only in error messages, and
    collaborators such as clocks and stores that are wired, not passed by users).  A ``result``
    target is a value the library builds and hands out (a seat of a layout, a rate decision):
    it must never raise anything but a coded error, but it is not required to refuse wrong
    types, since only the library's own validated data goes in.
    """

    name: str
    make: Callable[[], Call]
    strategy: st.SearchStrategy[Call] | None = None
    extras: Mapping[str, tuple[object, ...]] = field(factory=dict)
    skip: frozenset[str] = frozenset()
    result: bool = False

    @property
    def area(self) -> str:
        """Where the target lives: its domain module, ``ports`` or ``memory``."""
        return self.name.split(".")[0]

    def calls(self) -> st.SearchStrategy[Call]:
        """Fresh valid calls: the drawn ones, or ``make()`` each time."""
        return self.strategy if self.strategy is not None else st.builds(self.make)

    def params(self, call: Call) -> list[str]:
        """The parameters the audit replaces."""
        return [name for name in call.args if name not in self.skip]

    def __repr__(self) -> str:
        return self.name


def catalogue() -> list[object]:
    """Fresh bad values of every kind: invalid but well typed, and of the wrong type."""
    return [
        # missing, wrong type, bool for int
        None,
        Opaque(),
        True,
        False,
        1j,
        # numbers out of range, floats, non-finite values
        0,
        -1,
        2**63,
        -(10**30),
        1.5,
        -0.0,
        math.nan,
        math.inf,
        Decimal("-1"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("1E+999999"),
        Fraction(-1, 3),
        Fraction(10**30),
        # text: empty, blank, control characters, unknown values, overly long
        "",
        " ",
        "\t\n ",
        "\x00",
        "ab\x07cd",
        "\u202e\u200b",
        "bogus",
        "A1",
        "x" * 10_000,
        b"A1",
        bytearray(b"x"),
        # collections: empty, wrong items, duplicates, unhashable items, mappings
        [],
        [None],
        [[]],
        [{}],
        ["A1", "A1"],
        [""],
        [1, 2],
        (),
        ("A1", None),
        {},
        {"a": 1},
        {None: None},
        set(),
        frozenset({""}),
        frozenset({1}),
        range(3),
        # instants and durations: naive, out of range, wrong kind, zero, negative, huge
        NAIVE,
        AWARE_MIN,
        AWARE_MAX,
        PAST_THE_END,
        BEFORE_THE_START,
        date(2030, 1, 7),
        time(12, 0),
        timedelta(0),
        -timedelta(microseconds=1),
        timedelta.max,
        timedelta.min,
        # money: negative, zero, another currency, huge
        Money(-1),
        Money(0),
        Money(100, "USD"),
        Money(MAX_AMOUNT),
        # a member of an unrelated enum
        Role.CUSTOMER,
    ]


def bad_values() -> st.SearchStrategy[object]:
    """The catalogue plus generated bad values, for the Hypothesis half of the audit."""
    size = len(catalogue())
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.decimals(),
        st.fractions(),
        st.text(),
        st.binary(max_size=8),
    )
    return st.one_of(
        st.integers(0, size - 1).map(lambda i: catalogue()[i]),
        scalars,
        st.datetimes(),
        st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-12))])),
        st.dates(),
        st.timedeltas(),
        st.builds(Money, st.integers(-MAX_AMOUNT, MAX_AMOUNT), st.sampled_from(["INR", "USD"])),
        st.lists(scalars, max_size=4),
        st.frozensets(st.text(max_size=4) | st.integers(), max_size=4),
        st.dictionaries(st.text(max_size=4), scalars, max_size=3),
    )


_PLAIN = frozenset({str, int, bool, datetime, timedelta, Money})  # the common leaves, fast
_FROZEN_SETATTR = Money.__setattr__  # what attrs installs on every frozen class
_LOCKS = (type(threading.Lock()), type(threading.RLock()), asyncio.Lock)
_ATOMS: tuple[type, ...] = (
    *(str, bytes, int, float, complex, Decimal, Fraction, date, time, timedelta, enum.Enum),
    *(types.FunctionType, types.MethodType),
)


def snapshot(value: object, seen: frozenset[int] = frozenset()) -> object:
    """A deep, comparable picture of ``value``'s state (attrs fields, ``vars``, containers)."""
    if type(value) in _PLAIN or value is None or isinstance(value, _ATOMS):
        return value
    if isinstance(value, _LOCKS):
        return "<lock>"
    if id(value) in seen:
        return "<cycle>"
    seen = seen | {id(value)}
    if attrs.has(type(value)):
        if type(value).__setattr__ is _FROZEN_SETATTR:
            return value  # immutable: equal now means equal then
        fields = attrs.fields(typing.cast(Any, type(value)))
        return (
            type(value),
            tuple((a.name, snapshot(getattr(value, a.name), seen)) for a in fields),
        )
    if isinstance(value, list | tuple | deque):
        return ("seq", tuple(snapshot(v, seen) for v in value))
    if isinstance(value, dict | Mapping):
        return ("map", tuple((snapshot(k, seen), snapshot(v, seen)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted((snapshot(v, seen) for v in value), key=repr)))
    if isinstance(value, itertools.count):
        return repr(value)
    if hasattr(value, "__dict__"):
        items = sorted(vars(value).items())
        return (type(value), tuple((k, snapshot(v, seen)) for k, v in items))
    return value


# Annotations are strings (``from __future__ import annotations``); they are resolved against
# the callable's module plus the usual typing names.
_NAMESPACE: dict[str, Any] = {
    **vars(builtins),
    **{n: getattr(collections.abc, n) for n in collections.abc.__all__},
    "datetime": datetime,
    "date": date,
    "time": time,
    "timedelta": timedelta,
    "Decimal": Decimal,
    "Fraction": Fraction,
}
_COLLECTIONS = frozenset(
    {"frozenset", "set", "tuple", "list", "Iterable", "Sequence", "Collection", "AbstractSet"}
)
_MAPPINGS = frozenset({"Mapping", "dict", "MutableMapping"})


def _split_union(annotation: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in annotation:
        depth += ch in "[("
        depth -= ch in "])"
        if ch == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


def _module_of(fn: Callable[..., Any]) -> str:
    target = getattr(fn, "__func__", fn)
    return getattr(target, "__module__", "") or ""


def _annotation(fn: Callable[..., Any], name: str) -> str | None:
    try:
        parameter = inspect.signature(fn).parameters.get(name)
    except (TypeError, ValueError):
        return None
    if parameter is None or not isinstance(parameter.annotation, str):
        return None
    return parameter.annotation


def must_refuse(fn: Callable[..., Any], name: str, value: object) -> bool:
    """Whether ``value`` cannot be right for parameter ``name`` of ``fn``, by its annotation.

    Unknown or open annotations (``object``, ``Any``, aliases) demand nothing but refusing an
    :class:`Opaque`.  Collection annotations accept any iterable except a bare string; a bool is
    refused where only ``int`` is accepted; a naive datetime where ``datetime`` is.
    """
    if isinstance(value, Opaque):
        return True
    annotation = _annotation(fn, name)
    if annotation is None:
        return False
    namespace = {**_NAMESPACE, **vars(sys.modules.get(_module_of(fn), builtins))}
    accepted: list[Any] = []
    for part in _split_union(annotation):
        if part == "None":
            accepted.append(type(None))
            continue
        base = part.split("[", 1)[0].strip()
        resolved = namespace.get(base)
        if resolved is None or resolved is object or resolved is typing.Any:
            return False
        if base in _COLLECTIONS:
            accepted.append("collection")
        elif base in _MAPPINGS:
            accepted.append(Mapping)
        elif isinstance(resolved, type | types.UnionType):
            accepted.append(resolved)
        else:
            return False
    return not any(_fits(value, kind) for kind in accepted)


def _fits(value: object, kind: Any) -> bool:
    if kind == "collection":
        return isinstance(value, collections.abc.Iterable) and not isinstance(
            value, str | bytes | bytearray | Mapping
        )
    try:
        fits = isinstance(value, kind)
    except TypeError:  # a union holding a parameterized generic: nothing to demand
        return True
    if isinstance(value, bool) and kind is not bool:
        members = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
        return bool in members
    if isinstance(value, datetime) and kind is datetime:
        return value.utcoffset() is not None
    return fits


def attempt(target: Target, call: Call, name: str, value: object, *, strict: bool) -> str | None:
    """Call with ``name`` replaced by ``value``; describe what went wrong, or return None.

    ``strict`` demands a refusal whatever the annotation says (hand-picked invalid values);
    otherwise the annotation decides, except for a ``result`` target.
    """
    before = snapshot(call.state) if call.state is not None else None
    shown = f"{target.name}({name}={_SHORT.repr(value)})"
    try:
        call.invoke(name, value)
    except BookMyShowError as exc:
        if not isinstance(exc.code, str) or not _CODE.fullmatch(exc.code):
            return f"{shown}: error code {exc.code!r} is not snake_case"
        if call.state is not None and snapshot(call.state) != before:
            return f"{shown}: refused with {exc.code} but changed the state"
        return None
    except Exception as exc:  # noqa: BLE001 -- the audit reports whatever else escapes
        return f"{shown}: raised {type(exc).__name__}: {_SHORT.repr(str(exc))}"
    if strict or (not target.result and must_refuse(call.fn, name, value)):
        return f"{shown}: accepted"
    return None


def audit(target: Target, make: Callable[[], Call]) -> list[str]:
    """Every problem found replacing each parameter with each catalogue value and extra."""
    problems: list[str] = []
    for name in target.params(make()):
        for value in catalogue():
            problem = attempt(target, make(), name, value, strict=False)
            if problem is not None:
                problems.append(problem)
        for value in target.extras.get(name, ()):
            problem = attempt(target, make(), name, value, strict=True)
            if problem is not None:
                problems.append(problem)
    return problems


def ctor(value: Any, **override: Any) -> Call:
    """A call rebuilding attrs instance ``value`` from its init fields (``override`` replaces)."""
    cls = type(value)
    args = {a.alias: getattr(value, a.name) for a in attrs.fields(cls) if a.init}
    args.update(override)
    return Call(cls, args)


def method(obj: Any, name: str, *, mutable: bool = False, **args: Any) -> Call:
    """A call of ``obj.name(**args)``; a ``mutable`` object's state must survive a refusal."""
    return Call(getattr(obj, name), args, state=obj if mutable else None)


# --- domain targets ----------------------------------------------------------------------------

_LABELS = frozenset({"name", "field_name"})


def _holds() -> ShowHolds:
    holds = ShowHolds(show_id="show-1")
    holds.hold(
        HoldRequest(hold_id="h1", show_id="show-1", owner_id="alice", seats={"A1", "A2"}), T0
    )
    return holds


def _hold() -> Hold:
    return _holds().holds["h1"]


def _sales() -> ShowSales:
    sales = ShowSales(show_id="show-1")
    sales.sell("b1", frozenset({"A1"}), 1)
    return sales


def _refund(amount: Money = SAMPLE_PRICES["regular"], refund_id: str = "r-1") -> Refund:
    return Refund(refund_id=refund_id, amount=amount, reason="customer cancelled", created_at=T0)


def _pending() -> Booking:
    return sample_booking()


def _confirmed() -> Booking:
    booking = sample_booking()
    booking.confirm("pay-1", booking_code_from(7), booking.created_at + timedelta(minutes=5))
    return booking


def _cancelled() -> Booking:
    booking = _confirmed()
    booking.cancel(_refund(), T0 - timedelta(hours=2), CancelReason.USER_REQUEST)
    return booking


@functools.cache
def _quote() -> Quote:
    return quote(
        prices=SAMPLE_PRICES,
        seats={"A1": "regular", "B1": "premium"},
        starts_at=T0,
        occupied=2,
        sellable=8,
        rules=PricingRules(convenience_fee=ConvenienceFee.flat(Money(3000))),
    )


def _coupon(**override: Any) -> Coupon:
    args: dict[str, Any] = {
        "code": "first50",
        "discount": Fraction(50, 100),
        "valid_from": T0 - timedelta(days=1),
        "valid_until": T0 + timedelta(days=1),
        "max_discount": Money(10_000),
        "min_order": Money(100),
        "usage_limit": 100,
        "per_user_limit": 2,
        "categories": frozenset({"regular"}),
        "movies": frozenset({"movie-1"}),
    }
    args.update(override)
    return Coupon(**args)


def _modifier() -> PriceModifier:
    return PriceModifier(
        name="weekend",
        change=Fraction(20, 100),
        weekdays=frozenset({5, 6}),
        starts=time(18),
        ends=time(2),
        categories=frozenset({"regular"}),
    )


def _surge() -> SurgePolicy:
    return SurgePolicy(
        bands=(
            SurgeBand(Fraction(1, 2), Fraction(1, 10)),
            SurgeBand(Fraction(9, 10), Fraction(3, 10)),
        ),
        max_rate=Fraction(2, 10),
        max_per_ticket=Money(5000),
    )


def _event_value(hint: Any) -> Any:
    values: dict[Any, Any] = {
        str: "x-1",
        int: 5,
        Money: Money(100),
        datetime: T0,
        frozenset[str]: frozenset({"A1"}),
        str | None: "x-1",
    }
    return values[hint]


_EVENT_ARGS: dict[type[DomainEvent], Mapping[str, Any]] = {}


def _event_args(cls: type[DomainEvent]) -> Mapping[str, Any]:
    if cls not in _EVENT_ARGS:
        hints = typing.get_type_hints(cls)
        _EVENT_ARGS[cls] = {a.name: _event_value(hints[a.name]) for a in attrs.fields(cls)}
    return _EVENT_ARGS[cls]


def _event_call(cls: type[DomainEvent]) -> Call:
    return Call(cls, dict(_event_args(cls)))


def drawn(
    values: st.SearchStrategy[Any], make: Callable[[Any], Call] = ctor
) -> st.SearchStrategy[Call]:
    """A strategy of calls made from drawn valid values (by default, rebuilding them)."""
    return values.map(make)


_SHOWS = catalog_st.shows(screen_ids=("screen-1",))


def _search_show() -> search_rules.ShowFact:
    """A show fact for the search targets."""
    return search_rules.ShowFact(
        show_id="s1", city_id="blr", date=date(2030, 1, 5), format=Format.IMAX
    )


def _search_doc() -> search_rules.MovieDocument:
    """A search document for the search targets."""
    return search_rules.MovieDocument(
        movie_id="m1",
        title="The Dark Knight",
        genres=("Action",),
        release_date=date(2008, 7, 18),
        shows=(_search_show(),),
    )


DOMAIN_TARGETS: list[Target] = [
    # money
    Target("money.Money", lambda: Call(Money, {"amount": 12345, "currency": "INR"})),
    Target("money.Money.zero", lambda: Call(Money.zero, {"currency": "INR"})),
    Target("money.Money.of", lambda: Call(Money.of, {"major": "123.45", "currency": "INR"})),
    Target("money.Money.times", lambda: method(Money(12345), "times", rate=Fraction(18, 100))),
    Target("money.Money.min", lambda: method(Money(12345), "min", other=Money(1))),
    Target("money.Money.max", lambda: method(Money(12345), "max", other=Money(1))),
    Target(
        "money.to_rate",
        lambda: Call(to_rate, {"value": Fraction(1, 2), "field_name": "rate"}),
        skip=_LABELS,
    ),
    Target("money.round_half_up", lambda: Call(round_half_up, {"value": Fraction(5, 2)})),
    Target(
        "money.total",
        lambda: Call(total, {"amounts": [Money(1), Money(2)], "currency": "INR"}),
        extras={"amounts": ([Money(1), Money(1, "USD")],)},
    ),
    # layouts
    Target("layouts.RowSpec", lambda: Call(RowSpec, {"label": "A", "category": "r", "cells": "s"})),
    Target("layouts.Seat", lambda: ctor(sample_layout().seat("A1")), result=True),
    Target("layouts.SeatRow", lambda: ctor(sample_layout().rows[0]), result=True),
    Target(
        "layouts.SeatLayout",
        lambda: ctor(sample_layout()),
        strategy=drawn(seating_st.seat_layouts()),
        extras={
            "rows": (
                [RowSpec("A", "r", "s"), RowSpec("A", "r", "s")],
                [SeatRow(label="A", index=0, category="r", seats=(), blocks=())],
                [RowSpec("A", "r", "s"), "B"],
            )
        },
    ),
    Target(
        "layouts.SeatLayout.from_rows",
        lambda: Call(SeatLayout.from_rows, {"rows": [("A", "regular", "ss_ss"), ("B", "p", "s")]}),
        extras={"rows": ([("A", "r")], [("A", "r", "q")], [("A", "r", "s"), ("A", "r", "s")])},
    ),
    Target(
        "layouts.SeatLayout.seat",
        lambda: method(sample_layout(), "seat", label="A1"),
        extras={"label": ("Z9",)},
    ),
    Target(
        "layouts.SeatLayout.check_sellable",
        lambda: method(sample_layout(), "check_sellable", labels=["A1", "B2"]),
        extras={"labels": (["Z9"], "A1")},
    ),
    Target(
        "layouts.SeatLayout.sellable", lambda: method(sample_layout(), "sellable", category="p")
    ),
    # holds
    Target("holds.require_aware", lambda: Call(require_aware, {"value": T0}), skip=_LABELS),
    Target("holds.seat_set", lambda: Call(seat_set, {"values": ["A1", "A2"]})),
    Target("holds.seats_of", lambda: Call(seats_of, {"holds": [_hold()]})),
    Target(
        "holds.grant",
        lambda: Call(
            grant,
            {
                "request": HoldRequest(hold_id="h9", show_id="s1", owner_id="o1", seats={"A1"}),
                "token": 1,
                "owned": 0,
                "now": LATER,
            },
        ),
        extras={"owned": (10,), "token": (0,)},
    ),
    Target(
        "holds.extended",
        lambda: Call(extended, {"hold": _hold(), "by": timedelta(minutes=1)}),
        extras={"by": (timedelta(0), timedelta(minutes=-1))},
    ),
    Target(
        "holds.claimed",
        lambda: Call(claimed, {"hold": _hold(), "lease": timedelta(minutes=2), "now": LATER}),
        extras={"lease": (timedelta(0),), "now": (datetime(2030, 1, 1),)},
    ),
    Target(
        "holds.HoldPolicy",
        lambda: ctor(HoldPolicy()),
        strategy=drawn(inventory_st.hold_policies()),
        extras={"max_duration": (timedelta(minutes=1),), "max_seats_per_user": (1,)},
    ),
    Target(
        "holds.HoldRequest",
        lambda: Call(
            HoldRequest,
            {"hold_id": "h1", "show_id": "s1", "owner_id": "o1", "seats": {"A1"}},
        ),
        strategy=drawn(inventory_st.hold_requests(sample_layout())),
        extras={"seats": ([f"A{i}" for i in range(1, 12)],)},
    ),
    Target("holds.Hold", lambda: ctor(_hold())),
    Target("holds.Hold.is_live", lambda: method(_hold(), "is_live", now=LATER)),
    Target(
        "holds.ShowHolds",
        lambda: ctor(_holds()),
        extras={"last_token": (-1,), "holds": ({"h1": "not a hold"},)},
    ),
    Target(
        "holds.ShowHolds.hold",
        lambda: method(
            _holds(),
            "hold",
            mutable=True,
            request=HoldRequest(hold_id="h2", show_id="show-1", owner_id="bob", seats={"A3"}),
            now=LATER,
        ),
        extras={
            "request": (
                HoldRequest(hold_id="h1", show_id="show-1", owner_id="bob", seats={"A3"}),
                HoldRequest(hold_id="h2", show_id="show-2", owner_id="bob", seats={"A3"}),
                HoldRequest(hold_id="h2", show_id="show-1", owner_id="bob", seats={"A1"}),
            )
        },
    ),
    Target(
        "holds.ShowHolds.get",
        lambda: method(_holds(), "get", mutable=True, hold_id="h1", now=LATER),
        extras={"hold_id": ("h9",), "now": (T0 + timedelta(hours=1),)},
    ),
    Target(
        "holds.ShowHolds.extend",
        lambda: method(
            _holds(),
            "extend",
            mutable=True,
            hold_id="h1",
            owner_id="alice",
            by=timedelta(1),
            now=LATER,
        ),
        extras={"owner_id": ("bob",), "hold_id": ("h9",)},
    ),
    Target(
        "holds.ShowHolds.claim",
        lambda: method(
            _holds(),
            "claim",
            mutable=True,
            hold_id="h1",
            owner_id="alice",
            lease=timedelta(minutes=5),
            now=LATER,
        ),
        extras={"owner_id": ("bob",), "hold_id": ("h9",), "now": (T0 + timedelta(hours=1),)},
    ),
    Target(
        "holds.ShowHolds.release",
        lambda: method(
            _holds(), "release", mutable=True, hold_id="h1", owner_id="alice", now=LATER
        ),
        extras={"owner_id": ("bob",), "hold_id": ("h9",)},
    ),
    Target("holds.ShowHolds.active", lambda: method(_holds(), "active", mutable=True, now=LATER)),
    Target("holds.ShowHolds.purge", lambda: method(_holds(), "purge", mutable=True, now=LATER)),
    Target(
        "holds.ShowHolds.held_seats",
        lambda: method(_holds(), "held_seats", mutable=True, now=LATER),
    ),
    # sales
    Target(
        "sales.validate_sale",
        lambda: Call(
            validate_sale,
            {"show_id": "s1", "booking_id": "b1", "seats": frozenset({"A1"}), "token": 1},
        ),
    ),
    Target("sales.ShowSales", lambda: ctor(_sales()), extras={"fence": ({"A1": -1},)}),
    Target(
        "sales.ShowSales.sell",
        lambda: method(
            _sales(), "sell", mutable=True, booking_id="b2", seats=frozenset({"A2"}), token=2
        ),
        extras={"seats": (frozenset({"A1", "A2"}),)},
    ),
    Target(
        "sales.ShowSales.give_back",
        lambda: method(_sales(), "give_back", mutable=True, booking_id="b1"),
    ),
    # seating
    Target(
        "seating.isolated_seats",
        lambda: Call(isolated_seats, {"layout": sample_layout(), "taken": frozenset({"A1"})}),
        extras={"taken": ({"Z9"},)},
    ),
    Target(
        "seating.orphans_created",
        lambda: Call(
            orphans_created,
            {"layout": sample_layout(), "taken": frozenset({"B1"}), "chosen": frozenset({"B3"})},
        ),
        extras={"chosen": ({"Z9"},)},
    ),
    Target(
        "seating.check_no_orphans",
        lambda: Call(
            check_no_orphans,
            {"layout": sample_layout(), "taken": frozenset(), "chosen": frozenset({"B3", "B4"})},
        ),
        extras={"chosen": ({"B2"},)},
    ),
    Target(
        "seating.check_hold_seats",
        lambda: Call(
            check_hold_seats,
            {
                "layout": sample_layout(),
                "seats": frozenset({"B3", "B4"}),
                "taken": frozenset(),
                "forbid_orphans": True,
            },
        ),
        extras={"seats": ({"B2"}, {"Z9"})},
    ),
    Target(
        "seating.seat_distance",
        lambda: Call(seat_distance, {"layout": sample_layout(), "seat": "A1"}),
        extras={"seat": ("Z9",)},
    ),
    Target(
        "seating.best_available",
        lambda: Call(
            best_available,
            {
                "layout": sample_layout(),
                "taken": frozenset({"B1"}),
                "count": 2,
                "category": "premium",
                "wheelchair": False,
                "allow": RelaxationStep.ANY,
                "max_seats": 10,
            },
        ),
        strategy=drawn(
            seating_st.layouts_with_taken(),
            lambda pair: Call(best_available, {"layout": pair[0], "taken": pair[1], "count": 1}),
        ),
        extras={"count": (11,), "category": ("vip",), "allow": ("any",)},
    ),
    Target(
        "seating.SeatSelection",
        lambda: Call(
            SeatSelection, {"seats": ("A1",), "step": RelaxationStep.STRICT, "category": "r"}
        ),
        result=True,
    ),
    # catalog
    Target(
        "catalog.require_id", lambda: Call(require_id, {"value": "m-1", "name": "id"}), skip=_LABELS
    ),
    Target(
        "catalog.clean_text",
        lambda: Call(
            clean_text, {"value": " x ", "name": "t", "max_length": 10, "allow_empty": False}
        ),
        skip=_LABELS,
    ),
    Target(
        "catalog.parse_enum",
        lambda: Call(parse_enum, {"kind": Format, "value": "2D", "name": "format"}),
        skip=_LABELS,
    ),
    Target(
        "catalog.Movie",
        lambda: ctor(sample_movie()),
        strategy=drawn(catalog_st.movies()),
        extras={
            "rating": (Decimal("8.25"), Decimal("0.5")),
            "rating_count": (-1,),
            "formats": (frozenset(),),
            "languages": ((),),
        },
    ),
    Target("catalog.Movie.speaks", lambda: method(sample_movie(), "speaks", language="hindi")),
    Target(
        "catalog.Movie.is_released", lambda: method(sample_movie(), "is_released", on=T0.date())
    ),
    Target(
        "catalog.Movie.with_rating",
        lambda: method(sample_movie(), "with_rating", summary=RatingSummary.from_ratings([7, 8])),
    ),
    Target(
        "catalog.Movie.with_popularity",
        lambda: method(sample_movie(), "with_popularity", popularity=5),
    ),
    # venues
    Target(
        "venues.check_time_zone",
        lambda: Call(check_time_zone, {"name": "Asia/Kolkata", "field_name": "tz"}),
        skip=frozenset({"field_name"}),
        extras={"name": ("Mars/Olympus", "../etc/passwd")},
    ),
    Target(
        "venues.GeoPoint",
        lambda: Call(GeoPoint, {"lat": Decimal("12.9"), "lon": Decimal("77.6")}),
        strategy=drawn(catalog_st.geo_points()),
        extras={"lat": (Decimal("90.5"), "north", 91.0), "lon": (-180.5,)},
    ),
    Target(
        "venues.distance_m",
        lambda: Call(distance_m, {"a": GeoPoint(12, 77), "b": GeoPoint(13, 77)}),
    ),
    Target("venues.City", lambda: ctor(sample_city()), strategy=drawn(catalog_st.cities())),
    Target(
        "venues.Theater",
        lambda: ctor(sample_theater()),
        strategy=drawn(catalog_st.theaters()),
        extras={"amenities": (["x"] * 51 + [str(i) for i in range(51)],)},
    ),
    Target("venues.Theater.local_time", lambda: method(sample_theater(), "local_time", instant=T0)),
    Target(
        "venues.Screen",
        lambda: ctor(sample_screen()),
        strategy=drawn(catalog_st.screens()),
        extras={"formats": (frozenset(), ["8K"])},
    ),
    Target(
        "venues.Screen.supports", lambda: method(sample_screen(), "supports", format=Format.IMAX)
    ),
    Target(
        "venues.theaters_near",
        lambda: Call(
            theaters_near,
            {
                "origin": GeoPoint(12.9, 77.6),
                "theaters": [sample_theater()],
                "radius_m": 10_000,
                "limit": 5,
            },
        ),
    ),
    # shows
    Target("shows.ScheduleRules", lambda: Call(ScheduleRules, {"cleaning_buffer": timedelta(0)})),
    Target(
        "shows.Show",
        lambda: ctor(sample_show()),
        strategy=drawn(_SHOWS),
        extras={
            "prices": (
                {"regular": Money(100), "premium": Money(100, "USD")},
                {"regular": Money(0)},
            ),
            "cancel_reason": ("why",),
            "runtime": (timedelta(hours=9),),
        },
    ),
    Target(
        "shows.Show.has_started", lambda: method(sample_show(), "has_started", mutable=True, now=T0)
    ),
    Target(
        "shows.Show.has_ended", lambda: method(sample_show(), "has_ended", mutable=True, now=T0)
    ),
    Target(
        "shows.Show.is_bookable", lambda: method(sample_show(), "is_bookable", mutable=True, now=T0)
    ),
    Target(
        "shows.Show.price_of",
        lambda: method(sample_show(), "price_of", mutable=True, category="regular"),
        extras={"category": ("vip",)},
    ),
    Target(
        "shows.Show.busy_until",
        lambda: method(sample_show(), "busy_until", mutable=True, rules=ScheduleRules()),
    ),
    Target(
        "shows.Show.cancel",
        lambda: method(sample_show(), "cancel", mutable=True, reason="projector failure"),
        extras={"reason": ("x" * 501,)},
    ),
    Target(
        "shows.check_no_overlap",
        lambda: Call(
            check_no_overlap,
            {
                "new": sample_show("show-2", starts_at=T0 + timedelta(hours=6)),
                "existing": [sample_show()],
                "rules": ScheduleRules(),
            },
        ),
        extras={"new": (sample_show("show-2", starts_at=T0 + timedelta(hours=1)),)},
    ),
    Target(
        "shows.schedule_show",
        lambda: Call(
            schedule_show,
            {
                "show_id": "show-2",
                "movie": sample_movie(),
                "theater": sample_theater(),
                "screen": sample_screen(),
                "starts_at": T0 + timedelta(days=1),
                "format": Format.TWO_D,
                "language": "Hindi",
                "prices": dict(SAMPLE_PRICES),
                "existing": [sample_show()],
                "now": T0,
                "rules": ScheduleRules(),
            },
        ),
        extras={
            "movie": (sample_movie(status=MovieStatus.INACTIVE),),
            "theater": (sample_theater("theater-2"),),
            "starts_at": (T0 + timedelta(hours=1), T0 - timedelta(days=1)),
            "format": (Format.IMAX,),
            "language": ("Tamil",),
            "prices": ({"regular": Money(100)},),
            "now": (T0 + timedelta(days=2),),
        },
    ),
    Target(
        "shows.local_start",
        lambda: Call(local_start, {"show": sample_show(), "theater": sample_theater()}),
        extras={"theater": (sample_theater("theater-2"),)},
    ),
    # pricing
    Target("pricing.format_rate", lambda: Call(format_rate, {"rate": Fraction(18, 100)})),
    Target("pricing.seat_sort_key", lambda: Call(seat_sort_key, {"label": "A10"})),
    Target(
        "pricing.allocate",
        lambda: Call(allocate, {"total": 100, "weights": [1, 2, 3]}),
        extras={"weights": ([0, 0], [1, -1])},
    ),
    Target(
        "pricing.PriceModifier",
        lambda: ctor(_modifier()),
        strategy=drawn(pricing_st.price_modifiers("m")),
        extras={"weekdays": ({7},), "ends": (time(18),), "change": (Fraction(-2),)},
    ),
    Target(
        "pricing.PriceModifier.matches",
        lambda: method(_modifier(), "matches", starts_at=T0, category="regular"),
    ),
    Target(
        "pricing.PriceModifier.amount_for", lambda: method(_modifier(), "amount_for", base=Money(1))
    ),
    Target(
        "pricing.SurgeBand",
        lambda: Call(SurgeBand, {"at_least": Fraction(1, 2), "rate": Fraction(1, 10)}),
        extras={"at_least": (0, 2)},
    ),
    Target(
        "pricing.SurgePolicy",
        lambda: ctor(_surge()),
        strategy=drawn(pricing_st.surge_policies()),
        extras={
            "bands": (
                (SurgeBand(Fraction(1, 2), 1), SurgeBand(Fraction(1, 2), 2)),
                (SurgeBand(Fraction(1, 2), 1), SurgeBand(Fraction(3, 4), 0)),
            )
        },
    ),
    Target(
        "pricing.SurgePolicy.rate_for",
        lambda: method(_surge(), "rate_for", occupied=5, sellable=8),
        extras={"occupied": (9,)},
    ),
    Target(
        "pricing.SurgePolicy.amount_for",
        lambda: method(_surge(), "amount_for", price=Money(10_000), rate=Fraction(1, 10)),
    ),
    Target(
        "pricing.ConvenienceFee",
        lambda: Call(ConvenienceFee, {"per_ticket": Money(3000)}),
        strategy=drawn(pricing_st.convenience_fees()),
        extras={"per_ticket": (Fraction(3, 2),)},
    ),
    Target("pricing.ConvenienceFee.flat", lambda: Call(ConvenienceFee.flat, {"amount": Money(1)})),
    Target(
        "pricing.ConvenienceFee.percent",
        lambda: Call(ConvenienceFee.percent, {"rate": Fraction(1, 100)}),
    ),
    Target(
        "pricing.ConvenienceFee.amount_for",
        lambda: method(ConvenienceFee.flat(Money(3000)), "amount_for", net=Money(10_000)),
    ),
    Target(
        "pricing.GstSlab",
        lambda: Call(GstSlab, {"up_to": Money(10_000), "rate": Fraction(12, 100)}),
    ),
    Target(
        "pricing.GstSchedule",
        lambda: ctor(GstSchedule()),
        strategy=drawn(pricing_st.gst_schedules()),
        extras={"ticket_slabs": ((GstSlab(Money(1), Fraction(1, 10)),),)},
    ),
    Target("pricing.GstSchedule.rate_for", lambda: method(GstSchedule(), "rate_for", net=Money(1))),
    Target(
        "pricing.PricingRules",
        lambda: Call(
            PricingRules,
            {
                "modifiers": (_modifier(),),
                "surge": _surge(),
                "convenience_fee": ConvenienceFee.flat(Money(3000)),
                "gst": GstSchedule(),
            },
        ),
        strategy=drawn(pricing_st.pricing_rules()),
        extras={"modifiers": ((_modifier(), _modifier()),)},
    ),
    Target(
        "pricing.Adjustment",
        lambda: Call(Adjustment, {"name": "weekend", "amount": Money(10), "rate": Fraction(1, 5)}),
    ),
    Target(
        "pricing.TicketBreakdown",
        lambda: ctor(_quote().tickets[0]),
        extras={"discount": (Money(10**9),), "adjustments": ((Adjustment("x", Money(-(10**9))),),)},
    ),
    Target("pricing.QuoteLine", lambda: ctor(_quote().lines[0])),
    Target(
        "pricing.Quote",
        lambda: ctor(_quote()),
        strategy=drawn(pricing_st.quotes()),
        extras={"total": (Money(1),), "tickets": ((),)},
    ),
    Target("pricing.Quote.ticket", lambda: method(_quote(), "ticket", seat="A1")),
    Target(
        "pricing.price_tickets",
        lambda: Call(price_tickets, pricing_st.PricingCase(**_case()).kwargs()),
        strategy=drawn(pricing_st.pricing_cases(), lambda case: Call(price_tickets, case.kwargs())),
        extras={"seats": ({"A1": "vip"},), "occupied": (9,), "sellable": (0,)},
    ),
    Target(
        "pricing.quote",
        lambda: Call(quote, pricing_st.PricingCase(**_case()).kwargs()),
        strategy=drawn(pricing_st.pricing_cases(), lambda case: Call(quote, case.kwargs())),
        extras={"seats": ({"A1": "vip"},), "occupied": (9,), "sellable": (0,)},
    ),
    # coupons
    Target(
        "coupons.Coupon",
        lambda: ctor(_coupon()),
        strategy=drawn(pricing_st.coupons()),
        extras={
            "valid_until": (T0 - timedelta(days=2),),
            "discount": (Fraction(3, 2), 0),
            "max_discount": (Money(1, "USD"),),
            "categories": (frozenset(),),
        },
    ),
    Target(
        "coupons.Coupon.applies_to_category",
        lambda: method(_coupon(), "applies_to_category", category="regular"),
    ),
    Target(
        "coupons.Coupon.discount_on",
        lambda: method(_coupon(), "discount_on", eligible_subtotal=Money(10_000)),
    ),
    Target(
        "coupons.check_coupon",
        lambda: Call(
            check_coupon,
            {
                "coupon": _coupon(),
                "order_subtotal": Money(10_000),
                "now": T0,
                "user_uses": 0,
                "global_uses": 0,
                "movie_id": "movie-1",
                "categories": ["regular"],
            },
        ),
        extras={"now": (T0 + timedelta(days=2),), "user_uses": (2,), "categories": (["vip"],)},
    ),
    Target(
        "coupons.check_coupon_for_order",
        lambda: Call(
            check_coupon_for_order,
            {
                "coupon": _coupon(),
                "order_subtotal": Money(10_000),
                "movie_id": "movie-1",
                "categories": ["regular"],
            },
        ),
        extras={"movie_id": ("movie-9",), "order_subtotal": (Money(1),)},
    ),
    # cancellation
    Target(
        "cancellation.RefundTier",
        lambda: Call(RefundTier, {"before": timedelta(hours=2), "ticket_rate": Fraction(3, 4)}),
        extras={"ticket_rate": (2,)},
    ),
    Target(
        "cancellation.CancellationPolicy",
        lambda: ctor(CancellationPolicy()),
        strategy=drawn(pricing_st.cancellation_policies()),
        extras={
            "tiers": (
                (RefundTier(timedelta(hours=1), 1), RefundTier(timedelta(hours=1), 0)),
                (RefundTier(timedelta(hours=2), 0), RefundTier(timedelta(hours=1), 1)),
            )
        },
    ),
    Target(
        "cancellation.CancellationPolicy.tier_for",
        lambda: method(CancellationPolicy(), "tier_for", time_left=timedelta(hours=3)),
    ),
    Target(
        "cancellation.RefundDecision",
        lambda: ctor(full_refund(_quote(), _quote().total)),
        extras={"amount": (Money(1),)},
    ),
    Target(
        "cancellation.refund_for",
        lambda: Call(
            refund_for,
            {
                "quote_or_breakdown": _quote(),
                "paid": _quote().total,
                "show_starts_at": T0,
                "now": T0 - timedelta(hours=3),
                "policy": CancellationPolicy(),
                "status": "confirmed",
                "non_cancellable": False,
                "seats": ["A1"],
            },
        ),
        extras={
            "seats": (["Z9"],),
            "status": ("cancelled",),
            "now": (T0,),
            "paid": (Money(1, "USD"),),
        },
    ),
    Target(
        "cancellation.full_refund",
        lambda: Call(full_refund, {"quote_or_breakdown": _quote(), "paid": _quote().total}),
    ),
    # booking
    Target("booking.booking_code_from", lambda: Call(booking_code_from, {"n": 7})),
    Target(
        "booking.parse_booking_code",
        lambda: Call(parse_booking_code, {"code": booking_code_from(7)}),
        extras={"code": ("0000000A", "ABCDEFGH")},
    ),
    Target(
        "booking.normalize_booking_code",
        lambda: Call(normalize_booking_code, {"code": booking_code_from(7).lower()}),
    ),
    Target(
        "booking.BookingLine",
        lambda: Call(BookingLine, {"kind": "ticket", "amount": Money(100), "seat": "A1"}),
    ),
    Target("booking.Refund", lambda: ctor(_refund()), extras={"settled_at": (T0,)}),
    Target(
        "booking.Booking",
        lambda: ctor(_pending()),
        strategy=drawn(booking_st.pending_bookings()),
        extras={
            "payment_due_at": (T0 - timedelta(days=2),),
            "lines": ((BookingLine(kind="ticket", amount=Money(1)),),),
            "refunds": ((_refund(Money(1, "USD")),), (_refund(), _refund(Money(1)))),
        },
    ),
    Target(
        "booking.Booking.create",
        lambda: Call(
            Booking.create,
            {
                "booking_id": "b1",
                "user_id": "u1",
                "show_id": "s1",
                "hold_id": "h1",
                "seats": ["A1"],
                "fencing_token": 1,
                "amount": Money(100),
                "idempotency_key": "k1",
                "created_at": T0,
                "payment_due_at": T0 + timedelta(minutes=15),
                "lines": [BookingLine(kind="ticket", amount=Money(100), seat="A1")],
                "coupon_code": "FIRST50",
                "non_cancellable": False,
            },
        ),
        extras={"lines": ([BookingLine(kind="ticket", amount=Money(100), seat="B9")],)},
    ),
    Target(
        "booking.Booking.can_move_to",
        lambda: method(_pending(), "can_move_to", mutable=True, status=BookingStatus.CONFIRMED),
    ),
    Target(
        "booking.Booking.confirm",
        lambda: method(
            _pending(),
            "confirm",
            mutable=True,
            payment_id="pay-1",
            booking_code=booking_code_from(9),
            now=T0,
        ),
        extras={"booking_code": ("0000000A",)},
    ),
    Target(
        "booking.Booking.fail_payment",
        lambda: method(_pending(), "fail_payment", mutable=True, reason="declined", now=T0),
    ),
    Target(
        "booking.Booking.mark_payment_unknown",
        lambda: method(_pending(), "mark_payment_unknown", mutable=True, now=T0, payment_id="p-1"),
    ),
    Target(
        "booking.Booking.expire",
        lambda: method(_pending(), "expire", mutable=True, now=T0),
        extras={"now": (T0 - timedelta(days=1),)},
    ),
    Target(
        "booking.Booking.fail_and_refund",
        lambda: method(
            _pending(),
            "fail_and_refund",
            mutable=True,
            refund=_refund(SAMPLE_PRICES["regular"] * 2),
            now=T0,
            payment_id="pay-1",
        ),
        extras={"refund": (_refund(Money(1)), _refund(Money(10**9)), _refund(Money(1, "USD")))},
    ),
    Target(
        "booking.Booking.cancel",
        lambda: method(
            _confirmed(),
            "cancel",
            mutable=True,
            refund=_refund(),
            now=T0 - timedelta(hours=2),
            reason=CancelReason.USER_REQUEST,
        ),
        extras={"refund": (_refund(Money(10**9)),), "reason": ("bored",)},
    ),
    Target(
        "booking.Booking.settle_refund",
        lambda: method(_cancelled(), "settle_refund", mutable=True, refund_id="r-1", now=T0),
        extras={"refund_id": ("r-9",)},
    ),
    Target(
        "booking.Booking.retry_refund",
        lambda: method(
            _cancelled(),
            "retry_refund",
            mutable=True,
            refund_id="r-1",
            failure_code="declined",
            now=T0,
        ),
        extras={"refund_id": ("r-9",)},
    ),
    Target(
        "booking.Booking.check_in",
        lambda: method(_confirmed(), "check_in", mutable=True, now=T0),
    ),
    # events
    *(
        Target(
            f"events.{cls.__name__}",
            functools.partial(_event_call, cls),
            strategy=drawn(booking_st.events_of(cls), ctor),
        )
        for cls in EVENT_TYPES.values()
    ),
    Target("events.DomainEvent", lambda: Call(DomainEvent, {"occurred_at": T0})),
    Target("events.BookingEvent", functools.partial(_event_call, BookingEvent)),
    Target(
        "events.event_type",
        lambda: Call(event_type, {"name": "booking.created"}),
        extras={"name": ("booking.exploded",)},
    ),
    # reviews
    Target("reviews.check_rating", lambda: Call(check_rating, {"value": 7}), skip=_LABELS),
    Target(
        "reviews.ViewingRecord",
        lambda: Call(
            ViewingRecord,
            {
                "user_id": "u1",
                "movie_id": "m1",
                "starts_at": T0,
                "booking_status": BookingStatus.CONFIRMED,
            },
        ),
        strategy=drawn(catalog_st.viewing_records()),
    ),
    Target(
        "reviews.is_verified",
        lambda: Call(
            is_verified,
            {
                "user_id": "u1",
                "movie_id": "m1",
                "viewings": [
                    ViewingRecord(
                        user_id="u1", movie_id="m1", starts_at=T0, booking_status="confirmed"
                    )
                ],
                "now": LATER,
            },
        ),
    ),
    Target(
        "reviews.Review",
        lambda: ctor(sample_review()),
        strategy=drawn(catalog_st.reviews()),
        extras={"edited_at": (T0 - timedelta(days=1),), "rating": (11,)},
    ),
    Target(
        "reviews.Review.edit",
        lambda: method(sample_review(), "edit", by="user-1", at=LATER, rating=9, text="better"),
        extras={"by": ("user-2",), "at": (T0 - timedelta(days=1),)},
    ),
    Target(
        "reviews.check_can_add",
        lambda: Call(
            check_can_add, {"movie_id": "m2", "user_id": "user-1", "existing": [sample_review()]}
        ),
        extras={"movie_id": ("movie-1",)},
    ),
    Target(
        "reviews.write_review",
        lambda: Call(
            write_review,
            {
                "review_id": "r2",
                "movie_id": "movie-1",
                "user_id": "user-2",
                "rating": 8,
                "now": T0,
                "existing": [sample_review()],
                "viewings": [],
                "text": "Good",
            },
        ),
        extras={"user_id": ("user-1",)},
    ),
    Target(
        "reviews.RatingSummary",
        lambda: Call(RatingSummary, {"counts": (0,) * 9 + (1,)}),
        extras={"counts": ((0,) * 9,)},
    ),
    Target(
        "reviews.RatingSummary.from_ratings",
        lambda: Call(RatingSummary.from_ratings, {"ratings": [1, 10]}),
        extras={"ratings": ([0],)},
    ),
    Target(
        "reviews.RatingSummary.add",
        lambda: method(RatingSummary.from_ratings([8]), "add", rating=9),
    ),
    Target(
        "reviews.RatingSummary.remove",
        lambda: method(RatingSummary.from_ratings([8]), "remove", rating=8),
        extras={"rating": (9,)},
    ),
    Target(
        "reviews.RatingSummary.replace",
        lambda: method(RatingSummary.from_ratings([8]), "replace", old=8, new=9),
        extras={"old": (9,)},
    ),
    # users
    Target(
        "users.Email",
        lambda: Call(Email, {"value": "asha@Example.COM"}),
        strategy=drawn(catalog_st.email_texts(), lambda text: Call(Email, {"value": text})),
        extras={"value": ("no-at-sign", "a@b", "a b@example.com", f"{'a' * 65}@example.com")},
    ),
    Target(
        "users.Phone",
        lambda: Call(Phone, {"value": "98765 43210"}),
        strategy=drawn(catalog_st.phone_texts(), lambda text: Call(Phone, {"value": text})),
        extras={"value": ("12345", "+91123", "+0123456789")},
    ),
    Target(
        "users.Principal",
        lambda: Call(
            Principal,
            {"user_id": "u1", "roles": {Role.THEATER_ADMIN}, "theater_ids": {"theater-1"}},
        ),
        strategy=drawn(catalog_st.principals()),
        extras={"roles": ({"superuser"}, set())},
    ),
    Target(
        "users.User",
        lambda: ctor(sample_user()),
        strategy=drawn(catalog_st.users()),
        extras={"theater_ids": ({"theater-1"},)},
    ),
    Target(
        "users.User.with_roles",
        lambda: method(
            sample_user(), "with_roles", roles=[Role.THEATER_ADMIN], theater_ids=["theater-1"]
        ),
    ),
    Target(
        "users.User.with_password_hash",
        lambda: method(sample_user(), "with_password_hash", password_hash="$scrypt$x"),
    ),
    Target(
        "users.Resource",
        lambda: Call(
            Resource,
            {
                "kind": ResourceKind.BOOKING,
                "resource_id": "b1",
                "owner_id": "u1",
                "theater_id": "t1",
            },
        ),
        strategy=drawn(catalog_st.resources()),
    ),
    *(
        Target(
            f"users.{fn.__name__}",
            functools.partial(
                lambda fn: Call(
                    fn,
                    {
                        "principal": Principal(user_id="u1", roles={Role.CUSTOMER}),
                        "action": Action.VIEW_BOOKING,
                        "resource": Resource(kind=ResourceKind.BOOKING, owner_id="u1"),
                    },
                ),
                fn,
            ),
            extras={"action": ("fly",)},
        )
        for fn in (can, denial_reason, require)
    ),
    # search
    *(
        Target(f"search.{fn.__name__}", functools.partial(Call, fn, {"text": "Amélie Poulain"}))
        for fn in (search_rules.fold, search_rules.analyze, search_rules.token_spans)
    ),
    Target("search.fuzziness", lambda: Call(search_rules.fuzziness, {"term": "knight"})),
    Target(
        "search.edit_distance",
        lambda: Call(search_rules.edit_distance, {"a": "knight", "b": "kniggt", "limit": 2}),
        extras={"limit": (-1,)},
    ),
    Target(
        "search.score",
        lambda: Call(
            search_rules.score,
            {"terms": ("dark", "knight"), "fields": _search_doc().analyzed_fields()},
        ),
        extras={"fields": ({"plot": ((),)}, {"title": "dark"}, {"title": ((1,),)})},
    ),
    Target(
        "search.highlight",
        lambda: Call(search_rules.highlight, {"title": "The Dark Knight", "terms": ("dark",)}),
        extras={"terms": ("dark", [1])},
    ),
    Target(
        "search.ShowFact",
        lambda: Call(
            search_rules.ShowFact,
            {"show_id": "s1", "city_id": "blr", "date": date(2030, 1, 5), "format": "IMAX"},
        ),
        extras={"date": (datetime(2030, 1, 5, tzinfo=UTC),), "format": ("8K",)},
    ),
    Target(
        "search.MovieDocument",
        lambda: Call(
            search_rules.MovieDocument,
            {
                "movie_id": "m1",
                "title": "The Dark Knight",
                "cast": ("Christian Bale",),
                "genres": ("Action",),
                "languages": ("English",),
                "release_date": date(2008, 7, 18),
                "rating": Decimal("9.0"),
                "popularity": 10,
                "shows": (_search_show(),),
            },
        ),
        extras={"shows": ((_search_show(), _search_show()),), "cast": (["Bale"],)},
    ),
    Target(
        "search.MovieDocument.from_movie",
        lambda: Call(
            search_rules.MovieDocument.from_movie,
            {"movie": sample_movie(), "shows": (_search_show(),)},
        ),
    ),
    Target(
        "search.DateRange",
        lambda: Call(search_rules.DateRange, {"start": date(2030, 1, 1), "end": date(2030, 1, 7)}),
        extras={"end": (date(2029, 12, 31), date(2032, 1, 1))},
    ),
    Target(
        "search.SearchQuery",
        lambda: Call(
            search_rules.SearchQuery,
            {
                "text": "dark knight",
                "genres": ["Action"],
                "languages": ["English"],
                "city_id": "blr",
                "formats": ["IMAX"],
                "min_rating": Decimal("7.5"),
                "page_size": 10,
                "offset": 10,
                "facets": ["genres"],
            },
        ),
        extras={
            "page_size": (0, 101),
            "offset": (search_rules.MAX_OFFSET_WINDOW,),
            "min_rating": (Decimal(11),),
            "text": ("x" * 201,),
        },
    ),
    Target(
        "search.SearchQuery.show_matches",
        lambda: method(
            search_rules.SearchQuery(city_id="blr"), "show_matches", show=_search_show()
        ),
    ),
    Target(
        "search.SearchQuery.matches_filters",
        lambda: method(
            search_rules.SearchQuery(genres=["action"]), "matches_filters", document=_search_doc()
        ),
    ),
    *(
        Target(f"search.{cls.__name__}", make, result=True)
        for cls, make in (
            (
                search_rules.SearchHit,
                lambda: Call(search_rules.SearchHit, {"movie_id": "m1", "score": 6}),
            ),
            (
                search_rules.FacetCount,
                lambda: Call(search_rules.FacetCount, {"value": "action", "count": 2}),
            ),
            (
                search_rules.SearchResult,
                lambda: Call(search_rules.SearchResult, {"total": 0, "hits": ()}),
            ),
            (
                search_rules.Suggestion,
                lambda: Call(search_rules.Suggestion, {"movie_id": "m1", "title": "Up"}),
            ),
        )
    ),
    Target(
        "search.sort_key",
        lambda: Call(
            search_rules.sort_key,
            {"sort": "rating", "document": _search_doc(), "hit_score": 4},
        ),
    ),
    Target(
        "search.encode_cursor",
        lambda: Call(search_rules.encode_cursor, {"sort": "popularity", "key": (-5, "m1")}),
        extras={"key": ((), (1.5, "m1"), (1, 2))},
    ),
    Target(
        "search.decode_cursor",
        lambda: Call(
            search_rules.decode_cursor,
            {
                "cursor": search_rules.encode_cursor(search_rules.SortBy.POPULARITY, (-5, "m1")),
                "sort": "popularity",
            },
        ),
        extras={"cursor": ("", "%%%", "e30")},
    ),
]


def _case() -> dict[str, Any]:
    return {
        "prices": dict(SAMPLE_PRICES),
        "seats": {"A1": "regular", "B1": "premium"},
        "starts_at": T0,
        "occupied": 3,
        "sellable": 8,
        "rules": PricingRules(modifiers=(_modifier(),), surge=_surge()),
        "coupon": _coupon(),
        "movie_id": "movie-1",
    }


# --- port and memory-adapter targets -----------------------------------------------------------

_WIRING = frozenset({"clock", "store", "transaction", "database", "inventory", "limiter"})
_SECRET = b"s" * 32


def _clock() -> ManualClock:
    return ManualClock(T0)


def _charge(key: str = "k1", **override: Any) -> ChargeRequest:
    args: dict[str, Any] = {
        "idempotency_key": key,
        "booking_id": "b1",
        "amount": Money(1000),
        "payment_method": CARD_SUCCEEDS,
    }
    args.update(override)
    return ChargeRequest(**args)


def _refund_request(**override: Any) -> RefundRequest:
    args: dict[str, Any] = {
        "idempotency_key": "r1",
        "payment_id": "pay_000001",
        "amount": Money(400),
        "reason": "cancelled",
    }
    args.update(override)
    return RefundRequest(**args)


def _gateway() -> MemoryPaymentGateway:
    gateway = MemoryPaymentGateway()
    run(gateway.charge(_charge()))
    return gateway


def _cache() -> MemoryCache:
    cache = MemoryCache(_clock(), max_entries=3)
    run(cache.set("a", b"1", ttl=timedelta(minutes=1)))
    return cache


def _search_engine() -> MemoryMovieSearch:
    engine = MemoryMovieSearch()
    run(engine.index(_search_doc()))
    return engine


def _redemptions() -> MemoryCouponRedemptions:
    redemptions = MemoryCouponRedemptions()
    run(
        redemptions.redeem(
            redemption_id="x1",
            coupon_code="FIRST50",
            user_id="u1",
            global_limit=None,
            per_user_limit=None,
        )
    )
    return redemptions


def _bus() -> MemoryEventBus:
    bus = MemoryEventBus()
    run(bus.publish([_event_call(EVENT_TYPES["movie.retired"]).invoke()]))
    return bus


async def _ignore(_event: DomainEvent) -> None:
    return None


def _idempotency() -> MemoryIdempotencyStore:
    store = MemoryIdempotencyStore(_clock())
    run(store.begin("k1", "f1"))
    return store


def _inventory() -> MemoryInventoryStore:
    store = MemoryInventoryStore()
    request = HoldRequest(hold_id="h1", show_id="s1", owner_id="alice", seats={"A1"})
    store.show_holds("s1", create=True).hold(request, T0)
    store.show_sales("s1", create=True).sell("b1", frozenset({"B1"}), 1)
    return store


def _seat_holds() -> MemorySeatHolds:
    return MemorySeatHolds(_inventory())


def _seat_sales() -> MemorySeatSales:
    return MemorySeatSales(_inventory())


def _limiter() -> MemoryRateLimiter:
    limiter = MemoryRateLimiter(_clock())
    run(limiter.hit("k", limit=3, window=timedelta(minutes=1)))
    return limiter


def _tokens() -> HmacTokenService:
    return HmacTokenService(_SECRET, clock=_clock(), leeway=timedelta(seconds=5))


@functools.cache
def _seed() -> tuple[Any, ...]:
    # Built once: the tables copy mutable rows (shows, bookings) on the way in.
    return (
        sample_city(),
        sample_theater(),
        sample_screen(),
        sample_movie(),
        sample_show(),
        sample_user(),
        _confirmed(),
        sample_review(),
        _coupon(),
    )


def _database() -> MemoryDatabase:
    database = MemoryDatabase(_inventory())
    tables: tuple[Table[Any], ...] = (
        database.cities,
        database.theaters,
        database.screens,
        database.movies,
        database.shows,
        database.users,
        database.bookings,
        database.reviews,
        database.coupons,
    )
    tx = database.transaction()
    tx.begin()
    for table, row in zip(tables, _seed(), strict=True):
        tx.add(table, row)
    tx.commit()
    return database


def _open(database: MemoryDatabase) -> MemoryTransaction:
    tx = database.transaction()
    tx.begin()
    return tx


def _repo(kind: Callable[[MemoryTransaction], Any], name: str, **args: Any) -> Call:
    repository = kind(_open(_database()))
    return method(repository, name, mutable=True, **args)


def _uow() -> MemoryUnitOfWork:
    uow = MemoryUnitOfWork(_database())
    run(uow.__aenter__())
    return uow


_NOTIFICATION: dict[str, Any] = {
    "notification_id": "n1",
    "user_id": "u1",
    "template": "booking.confirmed",
    "email": "asha@example.com",
    "data": {"seats": ["A1"], "total": "INR 200.00", "show": {"id": "s1"}},
}


def _stored_review(**override: Any) -> StoredReview:
    return StoredReview(review=sample_review(**override), helpful=2)


def _cursor_key() -> CursorKey:
    return CursorKey(created_at=LATER, review_id="review-9", helpful=3)


def _reviews() -> MemoryReviewStore:
    store = MemoryReviewStore()
    run(store.add(sample_review()))
    run(store.add(sample_review("review-2", user_id="user-2", created_at=LATER)))
    run(store.vote_helpful("review-1", "user-2"))
    return store


def _first_cursor(order: ReviewOrder = ReviewOrder.NEWEST) -> str:
    page = run(_reviews().page("movie-1", order=order, limit=1))
    assert page.next_cursor is not None
    return str(page.next_cursor)


def _seat_change(**override: Any) -> SeatChange:
    args: dict[str, Any] = {
        "show_id": "s1",
        "kind": SeatChangeKind.HELD,
        "seats": frozenset({"A1", "A2"}),
        "occurred_at": T0,
    }
    args.update(override)
    return SeatChange(**args)


# Open subscription blocks, kept referenced: a collected one would close (and unregister) its
# subscription on the next loop run, in the middle of an audited call.
_OPEN_FEEDS: list[object] = []


def _seat_updates() -> MemorySeatUpdates:
    updates = MemorySeatUpdates()
    # An open subscription whose queue a refused publish must leave as it was.
    block = updates.subscribe("s1", buffer=4)
    run(block.__aenter__())
    _OPEN_FEEDS.append(block)
    return updates


def _feed() -> FeedSubscription:
    subscription = FeedSubscription("s1", 2)
    subscription.offer(_seat_change())
    return subscription


def _self_referential() -> list[object]:
    items: list[object] = []
    items.append(items)
    return items


def _nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = [value]
    return value


PORT_TARGETS: list[Target] = [
    Target("ports.cache.check_key", lambda: Call(check_key, {"key": "k"})),
    Target(
        "ports.cache.check_ttl",
        lambda: Call(check_ttl, {"ttl": timedelta(1)}),
        extras={"ttl": (timedelta(0),)},
    ),
    Target(
        "ports.coupons.check_redeem_arguments",
        lambda: Call(
            check_redeem_arguments,
            {
                "redemption_id": "x1",
                "coupon_code": "FIRST50",
                "user_id": "u1",
                "global_limit": 10,
                "per_user_limit": None,
            },
        ),
    ),
    Target(
        "ports.coupons.Redemption",
        lambda: Call(Redemption, {"redemption_id": "x", "coupon_code": "C", "user_id": "u"}),
        result=True,
    ),
    Target(
        "ports.coupons.CouponUsage",
        lambda: Call(CouponUsage, {"coupon_code": "C", "user_id": "u", "total": 1, "by_user": 1}),
        result=True,
    ),
    Target(
        "ports.idempotency.check_idempotency_arguments",
        lambda: Call(check_idempotency_arguments, {"key": "k", "fingerprint": "f"}),
        extras={"key": ("k" * 256,)},
    ),
    Target("ports.idempotency.Started", lambda: Call(Started, {"key": "k"}), result=True),
    Target(
        "ports.idempotency.Completed",
        lambda: Call(Completed, {"key": "k", "response": "{}"}),
        result=True,
    ),
    Target(
        "ports.ids.check_prefix",
        lambda: Call(check_prefix, {"prefix": "bkg"}),
        extras={"prefix": ("Bkg", "1a", "a" * 17)},
    ),
    Target(
        "ports.notifications.Notification",
        lambda: Call(Notification, dict(_NOTIFICATION)),
        extras={
            "template": ("Booking Confirmed",),
            "email": ("not an email",),
            "data": ({"x": _self_referential()}, {"x": _nested(1000)}, {"x": 1.5}),
        },
    ),
    Target(
        "ports.payments.check_idempotency_key",
        lambda: Call(check_idempotency_key, {"key": "k1", "field": "key"}),
        skip=frozenset({"field"}),
    ),
    Target(
        "ports.payments.ChargeRequest",
        lambda: ctor(_charge()),
        extras={"amount": (Money(0),)},
    ),
    Target(
        "ports.payments.ChargeResult",
        lambda: Call(
            ChargeResult,
            {
                "outcome": ChargeOutcome.SUCCEEDED,
                "idempotency_key": "k1",
                "amount": Money(1000),
                "payment_id": "pay_1",
                "decline_code": None,
            },
        ),
        extras={"outcome": (ChargeOutcome.DECLINED, "exploded")},
    ),
    Target(
        "ports.payments.RefundRequest",
        lambda: ctor(_refund_request()),
        extras={"amount": (Money(0),)},
    ),
    Target(
        "ports.payments.RefundResult",
        lambda: Call(
            RefundResult,
            {
                "outcome": RefundOutcome.FAILED,
                "idempotency_key": "r1",
                "payment_id": "pay_1",
                "amount": Money(400),
                "refund_id": "re_1",
                "failure_code": "refund_failed",
            },
        ),
        extras={"outcome": (RefundOutcome.SUCCEEDED, "exploded")},
    ),
    Target(
        "ports.rate_limit.check_rate_arguments",
        lambda: Call(check_rate_arguments, {"key": "k", "limit": 5, "window": timedelta(1)}),
    ),
    Target(
        "ports.rate_limit.check",
        lambda: Call(
            check,
            {
                "limiter": MemoryRateLimiter(_clock()),
                "key": "k",
                "limit": 5,
                "window": timedelta(minutes=1),
            },
        ),
        skip=_WIRING,
    ),
    Target(
        "ports.rate_limit.RateDecision",
        lambda: Call(
            RateDecision,
            {"allowed": True, "limit": 5, "remaining": 4, "retry_after": timedelta(0)},
        ),
        result=True,
    ),
    Target("ports.reviews.check_page_size", lambda: Call(check_page_size, {"limit": 20})),
    Target(
        "ports.reviews.page_of",
        lambda: Call(
            page_of,
            {
                "movie_id": "mov-1",
                "order": ReviewOrder.NEWEST,
                "found": [_stored_review(movie_id="mov-1")],
                "limit": 1,
            },
        ),
        extras={"limit": (0, 101), "found": (["x"],)},
    ),
    Target(
        "ports.reviews.check_order",
        lambda: Call(check_order, {"order": ReviewOrder.NEWEST}),
        extras={"order": ("newest", None)},
    ),
    Target(
        "ports.reviews.epoch_micros",
        lambda: Call(epoch_micros, {"instant": T0}),
        extras={"instant": (NAIVE,)},
    ),
    Target("ports.reviews.StoredReview", lambda: ctor(_stored_review())),
    Target(
        "ports.reviews.ReviewPage",
        lambda: Call(ReviewPage, {"items": (_stored_review(),), "next_cursor": "abc"}),
        result=True,
    ),
    Target("ports.reviews.CursorKey", lambda: ctor(_cursor_key()), result=True),
    Target(
        "ports.reviews.CursorKey.sort_key",
        lambda: method(_cursor_key(), "sort_key", order=ReviewOrder.HELPFUL),
        result=True,
    ),
    Target(
        "ports.reviews.sort_key",
        lambda: Call(review_sort_key, {"order": ReviewOrder.HELPFUL, "stored": _stored_review()}),
        result=True,
    ),
    Target(
        "ports.reviews.after_cursor",
        lambda: Call(
            after_cursor,
            {"order": ReviewOrder.NEWEST, "stored": _stored_review(), "key": _cursor_key()},
        ),
        result=True,
    ),
    Target(
        "ports.reviews.encode_cursor",
        lambda: Call(
            encode_cursor,
            {"movie_id": "movie-1", "order": ReviewOrder.NEWEST, "stored": _stored_review()},
        ),
        extras={"order": ("newest",)},
    ),
    Target(
        "ports.reviews.decode_cursor",
        lambda: Call(
            decode_cursor,
            {"cursor": _first_cursor(), "movie_id": "movie-1", "order": ReviewOrder.NEWEST},
        ),
        extras={
            "cursor": (_first_cursor(ReviewOrder.HELPFUL), "x" * 4096, "e30", "!!"),
            "movie_id": ("movie-2",),
            "order": (ReviewOrder.HELPFUL, "newest"),
        },
    ),
    Target(
        "ports.seat_updates.SeatChange",
        lambda: ctor(_seat_change()),
        extras={"kind": ("exploded",), "seats": ("A1", frozenset(), ["A1", ""])},
    ),
    Target(
        "ports.seat_updates.check_buffer",
        lambda: Call(check_buffer, {"buffer": 10}),
        extras={"buffer": (0, 10_001)},
    ),
    Target(
        "ports.security.TokenClaims",
        lambda: Call(
            TokenClaims,
            {
                "subject": "u1",
                "issuer": "bookmyshow",
                "audience": "bookmyshow",
                "issued_at": T0,
                "expires_at": LATER,
                "token_id": "t1",
                "extra": {"roles": ["customer"]},
            },
        ),
        result=True,
    ),
]

MEMORY_TARGETS: list[Target] = [
    # cache
    Target(
        "memory.cache.MemoryCache",
        lambda: Call(MemoryCache, {"clock": _clock(), "max_entries": 10}),
        skip=_WIRING,
    ),
    Target("memory.cache.MemoryCache.get", lambda: method(_cache(), "get", mutable=True, key="a")),
    Target(
        "memory.cache.MemoryCache.get_many",
        lambda: method(_cache(), "get_many", mutable=True, keys=["a", "b"]),
    ),
    Target(
        "memory.cache.MemoryCache.set",
        lambda: method(
            _cache(), "set", mutable=True, key="b", value=b"2", ttl=timedelta(minutes=1)
        ),
    ),
    Target(
        "memory.cache.MemoryCache.delete", lambda: method(_cache(), "delete", mutable=True, key="a")
    ),
    # clock
    Target("memory.clock.ManualClock", lambda: Call(ManualClock, {"start": T0})),
    Target(
        "memory.clock.ManualClock.advance",
        lambda: method(_clock(), "advance", mutable=True, by=timedelta(minutes=1)),
    ),
    Target(
        "memory.clock.ManualClock.set", lambda: method(_clock(), "set", mutable=True, instant=LATER)
    ),
    # search
    Target(
        "memory.search.MemoryMovieSearch.index",
        lambda: method(
            _search_engine(),
            "index",
            mutable=True,
            document=attrs.evolve(_search_doc(), movie_id="m2", title="Up"),
        ),
    ),
    Target(
        "memory.search.MemoryMovieSearch.index_many",
        lambda: method(
            _search_engine(),
            "index_many",
            mutable=True,
            documents=[attrs.evolve(_search_doc(), movie_id="m2", title="Up")],
        ),
        extras={"documents": ([_search_doc(), "m3"],)},
    ),
    Target(
        "memory.search.MemoryMovieSearch.remove",
        lambda: method(_search_engine(), "remove", mutable=True, movie_id="m1"),
    ),
    Target(
        "memory.search.MemoryMovieSearch.put_show",
        lambda: method(
            _search_engine(),
            "put_show",
            mutable=True,
            movie_id="m1",
            show=attrs.evolve(_search_show(), show_id="s2"),
        ),
        extras={"movie_id": ("m9",)},
    ),
    Target(
        "memory.search.MemoryMovieSearch.remove_show",
        lambda: method(_search_engine(), "remove_show", mutable=True, movie_id="m1", show_id="s1"),
    ),
    Target(
        "memory.search.MemoryMovieSearch.get",
        lambda: method(_search_engine(), "get", movie_id="m1"),
    ),
    Target(
        "memory.search.MemoryMovieSearch.search",
        lambda: method(
            _search_engine(),
            "search",
            query=search_rules.SearchQuery(text="dark knigth", facets=["genres"]),
        ),
    ),
    Target(
        "memory.search.MemoryMovieSearch.suggest",
        lambda: method(_search_engine(), "suggest", prefix="dar", limit=5),
        extras={"limit": (0, 21), "prefix": ("x" * 101,)},
    ),
    # coupons
    Target(
        "memory.coupons.MemoryCouponRedemptions.redeem",
        lambda: method(
            _redemptions(),
            "redeem",
            mutable=True,
            redemption_id="x2",
            coupon_code="FIRST50",
            user_id="u1",
            global_limit=5,
            per_user_limit=2,
        ),
        extras={"per_user_limit": (1,), "global_limit": (0, 1)},
    ),
    Target(
        "memory.coupons.MemoryCouponRedemptions.release",
        lambda: method(_redemptions(), "release", mutable=True, redemption_id="x1"),
    ),
    Target(
        "memory.coupons.MemoryCouponRedemptions.usage",
        lambda: method(_redemptions(), "usage", mutable=True, coupon_code="FIRST50", user_id="u1"),
    ),
    # events
    Target(
        "memory.events.MemoryEventBus.subscribe",
        lambda: method(_bus(), "subscribe", mutable=True, event_type=DomainEvent, handler=_ignore),
        extras={"event_type": (int, Money)},
    ),
    Target(
        "memory.events.MemoryEventBus.publish",
        lambda: method(
            _bus(),
            "publish",
            mutable=True,
            events=[_event_call(EVENT_TYPES["movie.added"]).invoke()],
        ),
        extras={"events": ([_event_call(EVENT_TYPES["movie.added"]).invoke(), "not an event"],)},
    ),
    Target(
        "memory.events.MemoryEventBus.of_type",
        lambda: method(_bus(), "of_type", mutable=True, event_type=DomainEvent),
    ),
    # idempotency
    Target(
        "memory.idempotency.MemoryIdempotencyStore",
        lambda: Call(
            MemoryIdempotencyStore,
            {"clock": _clock(), "lease": timedelta(minutes=5), "retention": timedelta(hours=1)},
        ),
        skip=_WIRING,
    ),
    Target(
        "memory.idempotency.MemoryIdempotencyStore.begin",
        lambda: method(_idempotency(), "begin", mutable=True, key="k2", fingerprint="f2"),
        extras={"key": ("k1",)},
    ),
    Target(
        "memory.idempotency.MemoryIdempotencyStore.complete",
        lambda: method(_idempotency(), "complete", mutable=True, key="k1", response="{}"),
        extras={"key": ("k9",)},
    ),
    Target(
        "memory.idempotency.MemoryIdempotencyStore.abandon",
        lambda: method(_idempotency(), "abandon", mutable=True, key="k1"),
    ),
    # reviews
    Target(
        "memory.reviews.MemoryReviewStore.add",
        lambda: method(
            _reviews(),
            "add",
            mutable=True,
            review=sample_review("review-3", user_id="user-3"),
        ),
        extras={"review": (sample_review("review-3"), sample_review(user_id="user-3"))},
    ),
    Target(
        "memory.reviews.MemoryReviewStore.get",
        lambda: method(_reviews(), "get", mutable=True, review_id="review-1"),
        extras={"review_id": ("review-9",)},
    ),
    Target(
        "memory.reviews.MemoryReviewStore.by_author",
        lambda: method(_reviews(), "by_author", mutable=True, movie_id="movie-1", user_id="user-1"),
    ),
    Target(
        "memory.reviews.MemoryReviewStore.replace",
        lambda: method(
            _reviews(),
            "replace",
            mutable=True,
            review=sample_review(rating=3, text="On second thought, no."),
        ),
        extras={
            "review": (
                sample_review("review-9"),
                sample_review(movie_id="movie-2"),
                sample_review(user_id="user-2"),
            )
        },
    ),
    Target(
        "memory.reviews.MemoryReviewStore.remove",
        lambda: method(_reviews(), "remove", mutable=True, review_id="review-1"),
        extras={"review_id": ("review-9",)},
    ),
    Target(
        "memory.reviews.MemoryReviewStore.vote_helpful",
        lambda: method(
            _reviews(), "vote_helpful", mutable=True, review_id="review-2", user_id="user-1"
        ),
        extras={"review_id": ("review-9",)},
    ),
    Target(
        "memory.reviews.MemoryReviewStore.page",
        lambda: method(
            _reviews(),
            "page",
            mutable=True,
            movie_id="movie-1",
            order=ReviewOrder.NEWEST,
            limit=1,
            cursor=_first_cursor(),
        ),
        extras={
            "limit": (0, 101),
            "order": ("newest", ReviewOrder.HELPFUL),
            "cursor": ("x" * 4096, _first_cursor(ReviewOrder.HELPFUL)),
            "movie_id": ("movie-2",),
        },
    ),
    Target(
        "memory.reviews.MemoryReviewStore.summary",
        lambda: method(_reviews(), "summary", mutable=True, movie_id="movie-1"),
    ),
    Target(
        "memory.reviews.MemoryReviewStore.recompute",
        lambda: method(_reviews(), "recompute", mutable=True, movie_id="movie-1"),
    ),
    Target(
        "memory.reviews.MemoryReviewStore.ratings",
        lambda: method(_reviews(), "ratings", mutable=True, movie_id="movie-1"),
    ),
    # seat updates
    Target(
        "memory.seat_updates.FeedSubscription",
        lambda: Call(FeedSubscription, {"show_id": "s1", "buffer": 4}),
        extras={"buffer": (0, 10_001)},
    ),
    Target(
        "memory.seat_updates.FeedSubscription.offer",
        lambda: method(_feed(), "offer", mutable=True, change=_seat_change(show_id="s1")),
    ),
    Target(
        "memory.seat_updates.FeedSubscription.fail",
        lambda: method(_feed(), "fail", mutable=True, error=FeedLagged(show_id="s1", buffer=2)),
    ),
    Target(
        "memory.seat_updates.MemorySeatUpdates.publish",
        lambda: method(_seat_updates(), "publish", mutable=True, change=_seat_change()),
    ),
    Target(
        "memory.seat_updates.MemorySeatUpdates.subscribe",
        lambda: method(_seat_updates(), "subscribe", mutable=True, show_id="s2", buffer=8),
        extras={"buffer": (0, 10_001)},
    ),
    Target(
        "memory.seat_updates.MemorySeatUpdates.subscriber_count",
        lambda: method(_seat_updates(), "subscriber_count", mutable=True, show_id="s1"),
    ),
    # ids
    Target(
        "memory.ids.SequentialIds",
        lambda: Call(SequentialIds, {"first_booking_number": 5}),
        extras={"first_booking_number": (2**BOOKING_NUMBER_BITS,)},
    ),
    Target(
        "memory.ids.SequentialIds.new_id",
        lambda: method(SequentialIds(), "new_id", mutable=True, prefix="bkg"),
    ),
    Target(
        "memory.ids.SortableIds.new_id",
        lambda: method(SortableIds(_clock()), "new_id", mutable=True, prefix="bkg"),
    ),
    # inventory
    Target(
        "memory.inventory.MemoryInventoryStore.show_holds",
        lambda: method(_inventory(), "show_holds", mutable=True, show_id="s2", create=True),
    ),
    Target(
        "memory.inventory.MemoryInventoryStore.show_sales",
        lambda: method(_inventory(), "show_sales", mutable=True, show_id="s2", create=True),
    ),
    Target(
        "memory.inventory.MemorySeatHolds.hold",
        lambda: method(
            _seat_holds(),
            "hold",
            mutable=True,
            request=HoldRequest(hold_id="h2", show_id="s1", owner_id="bob", seats={"A2"}),
            now=LATER,
        ),
        extras={
            "request": (HoldRequest(hold_id="h2", show_id="s1", owner_id="bob", seats={"A1"}),)
        },
    ),
    Target(
        "memory.inventory.MemorySeatHolds.get",
        lambda: method(_seat_holds(), "get", mutable=True, show_id="s1", hold_id="h1", now=LATER),
        extras={"hold_id": ("h9",)},
    ),
    Target(
        "memory.inventory.MemorySeatHolds.extend",
        lambda: method(
            _seat_holds(),
            "extend",
            mutable=True,
            show_id="s1",
            hold_id="h1",
            owner_id="alice",
            by=timedelta(minutes=1),
            now=LATER,
        ),
        extras={"owner_id": ("bob",)},
    ),
    Target(
        "memory.inventory.MemorySeatHolds.claim",
        lambda: method(
            _seat_holds(),
            "claim",
            mutable=True,
            show_id="s1",
            hold_id="h1",
            owner_id="alice",
            lease=timedelta(minutes=1),
            now=LATER,
        ),
        extras={"owner_id": ("bob",)},
    ),
    Target(
        "memory.inventory.MemorySeatHolds.release",
        lambda: method(
            _seat_holds(),
            "release",
            mutable=True,
            show_id="s1",
            hold_id="h1",
            owner_id="alice",
            now=LATER,
        ),
        extras={"owner_id": ("bob",)},
    ),
    Target(
        "memory.inventory.MemorySeatHolds.active_holds",
        lambda: method(_seat_holds(), "active_holds", mutable=True, show_id="s1", now=LATER),
    ),
    Target(
        "memory.inventory.MemorySeatHolds.purge_expired",
        lambda: method(_seat_holds(), "purge_expired", mutable=True, show_id="s1", now=LATER),
    ),
    Target(
        "memory.inventory.MemorySeatSales.sell",
        lambda: method(
            _seat_sales(),
            "sell",
            mutable=True,
            show_id="s1",
            booking_id="b2",
            seats=frozenset({"A2"}),
            fencing_token=2,
        ),
        extras={"seats": (frozenset({"B1"}),)},
    ),
    Target(
        "memory.inventory.MemorySeatSales.return_seats",
        lambda: method(_seat_sales(), "return_seats", mutable=True, show_id="s1", booking_id="b1"),
    ),
    Target(
        "memory.inventory.MemorySeatSales.sold_seats",
        lambda: method(_seat_sales(), "sold_seats", mutable=True, show_id="s1"),
    ),
    # notifications
    Target(
        "memory.notifications.MemoryNotifier.sent_to",
        lambda: method(MemoryNotifier(), "sent_to", mutable=True, user_id="u1"),
    ),
    Target(
        "memory.notifications.MemoryNotifier.fail_next",
        lambda: method(MemoryNotifier(), "fail_next", mutable=True, count=2),
    ),
    Target(
        "memory.notifications.MemoryNotifier.send",
        lambda: method(
            MemoryNotifier(), "send", mutable=True, notification=Notification(**_NOTIFICATION)
        ),
    ),
    # payments
    Target(
        "memory.payments.LedgerEntry",
        lambda: Call(
            LedgerEntry,
            {
                "kind": "capture",
                "payment_id": "p1",
                "booking_id": "b1",
                "amount": Money(1),
                "reference": "p1",
                "idempotency_key": "k1",
            },
        ),
        result=True,
    ),
    Target(
        "memory.payments.MemoryPaymentGateway.inject_charge_faults",
        lambda: Call(
            _gateway().inject_charge_faults,
            {"faults": (ChargeFault.TIMEOUT_LOST,)},
            star="faults",
        ),
    ),
    Target(
        "memory.payments.MemoryPaymentGateway.inject_refund_faults",
        lambda: Call(
            _gateway().inject_refund_faults, {"faults": (RefundFault.FAIL,)}, star="faults"
        ),
    ),
    Target(
        "memory.payments.MemoryPaymentGateway.net_for_booking",
        lambda: method(_gateway(), "net_for_booking", booking_id="b1", currency="INR"),
    ),
    Target(
        "memory.payments.MemoryPaymentGateway.net_captured",
        lambda: method(_gateway(), "net_captured", currency="INR"),
    ),
    Target(
        "memory.payments.MemoryPaymentGateway.charge",
        lambda: method(_gateway(), "charge", mutable=True, request=_charge("k2")),
        extras={"request": (_charge(amount=Money(1)),)},
    ),
    Target(
        "memory.payments.MemoryPaymentGateway.charge_status",
        lambda: method(_gateway(), "charge_status", mutable=True, idempotency_key="k1"),
    ),
    Target(
        "memory.payments.MemoryPaymentGateway.refund",
        lambda: method(_gateway(), "refund", mutable=True, request=_refund_request()),
        extras={
            "request": (
                _refund_request(amount=Money(10**6)),
                _refund_request(amount=Money(1, "USD")),
                _refund_request(payment_id="pay_404"),
            )
        },
    ),
    Target(
        "memory.payments.MemoryPaymentGateway.refund_status",
        lambda: method(_gateway(), "refund_status", mutable=True, idempotency_key="r1"),
    ),
    # rate limit
    Target(
        "memory.rate_limit.MemoryRateLimiter.hit",
        lambda: method(
            _limiter(),
            "hit",
            mutable=True,
            key="k",
            limit=3,
            window=timedelta(minutes=1),
        ),
    ),
    # security
    Target(
        "memory.security.ScryptParameters",
        lambda: Call(ScryptParameters, {"log2_n": 8, "r": 8, "p": 1}),
        extras={"log2_n": (25,), "r": (65,)},
    ),
    Target(
        "memory.security.ScryptPasswordHasher",
        lambda: Call(ScryptPasswordHasher, {"parameters": ScryptParameters(8, 8, 1)}),
    ),
    Target(
        "memory.security.ScryptPasswordHasher.hash",
        lambda: method(ScryptPasswordHasher.fast_for_tests(), "hash", password="s3cret"),
    ),
    Target(
        "memory.security.ScryptPasswordHasher.verify",
        lambda: method(
            ScryptPasswordHasher.fast_for_tests(),
            "verify",
            password="s3cret",
            encoded=run(ScryptPasswordHasher.fast_for_tests().hash("s3cret")),
        ),
        extras={"encoded": ("$scrypt$ln=99,r=8,p=1$AAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",)},
    ),
    Target(
        "memory.security.ScryptPasswordHasher.needs_rehash",
        lambda: method(
            ScryptPasswordHasher.fast_for_tests(),
            "needs_rehash",
            encoded=run(ScryptPasswordHasher.fast_for_tests().hash("s3cret")),
        ),
    ),
    Target(
        "memory.security.HmacTokenService",
        lambda: Call(
            HmacTokenService,
            {
                "secret": _SECRET,
                "clock": _clock(),
                "issuer": "bms",
                "audience": "bms",
                "leeway": timedelta(0),
            },
        ),
        skip=_WIRING,
        extras={"secret": (b"short",)},
    ),
    Target(
        "memory.security.HmacTokenService.issue",
        lambda: method(
            _tokens(), "issue", subject="u1", ttl=timedelta(hours=1), extra={"roles": ["admin"]}
        ),
        extras={"extra": ({"sub": "u2"}, {"x": 1.5}), "ttl": (timedelta(milliseconds=10),)},
    ),
    Target(
        "memory.security.HmacTokenService.verify",
        lambda: method(
            _tokens(), "verify", token=run(_tokens().issue("u1", ttl=timedelta(hours=1)))
        ),
        extras={"token": ("a.b.c", "x" * 9000)},
    ),
    # unit of work and its sales
    Target(
        "memory.unit_of_work.MemoryUnitOfWork.record",
        lambda: Call(
            _uow().record,
            {"events": (_event_call(EVENT_TYPES["movie.added"]).invoke(),)},
            star="events",
        ),
    ),
    Target(
        "memory.unit_of_work.MemoryUnitSales.sell",
        lambda: method(
            MemoryUnitSales(_open(_database())),
            "sell",
            mutable=True,
            show_id="s1",
            booking_id="b2",
            seats=frozenset({"A3"}),
            fencing_token=3,
        ),
        extras={"seats": (frozenset({"B1"}),)},
    ),
    Target(
        "memory.unit_of_work.MemoryUnitSales.return_seats",
        lambda: method(
            MemoryUnitSales(_open(_database())),
            "return_seats",
            mutable=True,
            show_id="s1",
            booking_id="b1",
        ),
    ),
    Target(
        "memory.unit_of_work.MemoryUnitSales.sold_seats",
        lambda: method(
            MemoryUnitSales(_open(_database())), "sold_seats", mutable=True, show_id="s1"
        ),
    ),
    Target(
        "memory.database.MemoryDatabase",
        lambda: Call(MemoryDatabase, {"inventory": MemoryInventoryStore()}),
    ),
    Target(
        "memory.database.MemoryTransaction.sell",
        lambda: method(
            _open(_database()),
            "sell",
            mutable=True,
            show_id="s1",
            booking_id="b2",
            seats=frozenset({"A3"}),
            token=3,
        ),
    ),
    Target(
        "memory.database.MemoryTransaction.give_back",
        lambda: method(
            _open(_database()), "give_back", mutable=True, show_id="s1", booking_id="b1"
        ),
    ),
    Target(
        "memory.database.MemoryTransaction.sold",
        lambda: method(_open(_database()), "sold", mutable=True, show_id="s1"),
    ),
    Target(
        "memory.database.MemoryTransaction.record",
        lambda: Call(
            _open(_database()).record,
            {"events": (_event_call(EVENT_TYPES["movie.added"]).invoke(),)},
            star="events",
        ),
    ),
    # repositories
    Target(
        "memory.repositories.MemoryMovieRepository.add",
        lambda: _repo(MemoryMovieRepository, "add", movie=sample_movie("movie-2")),
        extras={"movie": (sample_movie(),)},
    ),
    Target(
        "memory.repositories.MemoryMovieRepository.get",
        lambda: _repo(MemoryMovieRepository, "get", movie_id="movie-1"),
        extras={"movie_id": ("movie-9",)},
    ),
    Target(
        "memory.repositories.MemoryMovieRepository.save",
        lambda: _repo(MemoryMovieRepository, "save", movie=sample_movie().retire()),
        extras={"movie": (sample_movie("movie-9"),)},
    ),
    Target(
        "memory.repositories.MemoryMovieRepository.list",
        lambda: _repo(MemoryMovieRepository, "list", status=MovieStatus.ACTIVE),
    ),
    Target(
        "memory.repositories.MemoryVenueRepository.add_city",
        lambda: _repo(MemoryVenueRepository, "add_city", city=sample_city("city-2")),
        extras={"city": (sample_city(),)},
    ),
    Target(
        "memory.repositories.MemoryVenueRepository.get_city",
        lambda: _repo(MemoryVenueRepository, "get_city", city_id="city-1"),
    ),
    Target(
        "memory.repositories.MemoryVenueRepository.add_theater",
        lambda: _repo(MemoryVenueRepository, "add_theater", theater=sample_theater("theater-2")),
        extras={"theater": (sample_theater("theater-3", city_id="city-9"),)},
    ),
    Target(
        "memory.repositories.MemoryVenueRepository.get_theater",
        lambda: _repo(MemoryVenueRepository, "get_theater", theater_id="theater-1"),
    ),
    Target(
        "memory.repositories.MemoryVenueRepository.save_theater",
        lambda: _repo(MemoryVenueRepository, "save_theater", theater=sample_theater(name="New")),
        extras={"theater": (sample_theater("theater-9"),)},
    ),
    Target(
        "memory.repositories.MemoryVenueRepository.theaters_in_city",
        lambda: _repo(MemoryVenueRepository, "theaters_in_city", city_id="city-1"),
    ),
    Target(
        "memory.repositories.MemoryVenueRepository.add_screen",
        lambda: _repo(MemoryVenueRepository, "add_screen", screen=sample_screen("screen-2")),
        extras={"screen": (sample_screen("screen-3", theater_id="theater-9"),)},
    ),
    Target(
        "memory.repositories.MemoryVenueRepository.get_screen",
        lambda: _repo(MemoryVenueRepository, "get_screen", screen_id="screen-1"),
    ),
    Target(
        "memory.repositories.MemoryVenueRepository.screens_of",
        lambda: _repo(MemoryVenueRepository, "screens_of", theater_id="theater-1"),
    ),
    Target(
        "memory.repositories.MemoryShowRepository.add",
        lambda: _repo(MemoryShowRepository, "add", show=sample_show("show-2")),
        extras={"show": (sample_show(),)},
    ),
    Target(
        "memory.repositories.MemoryShowRepository.get",
        lambda: _repo(MemoryShowRepository, "get", show_id="show-1", for_update=True),
    ),
    Target(
        "memory.repositories.MemoryShowRepository.save",
        lambda: _repo(MemoryShowRepository, "save", show=sample_show(cancelled=True)),
        extras={"show": (sample_show("show-9"),)},
    ),
    Target(
        "memory.repositories.MemoryShowRepository.on_screen",
        lambda: _repo(
            MemoryShowRepository,
            "on_screen",
            screen_id="screen-1",
            starts_before=T0 + timedelta(days=1),
            ends_after=T0 - timedelta(days=1),
        ),
    ),
    Target(
        "memory.repositories.MemoryShowRepository.find",
        lambda: _repo(
            MemoryShowRepository,
            "find",
            movie_id="movie-1",
            theater_ids=["theater-1"],
            starts_from=T0 - timedelta(days=1),
            starts_before=T0 + timedelta(days=1),
            include_cancelled=False,
        ),
    ),
    Target(
        "memory.repositories.MemoryBookingRepository.add",
        lambda: _repo(MemoryBookingRepository, "add", booking=sample_booking("booking-2")),
        extras={"booking": (sample_booking(),)},
    ),
    Target(
        "memory.repositories.MemoryBookingRepository.get",
        lambda: _repo(MemoryBookingRepository, "get", booking_id="booking-1", for_update=True),
    ),
    Target(
        "memory.repositories.MemoryBookingRepository.save",
        lambda: _repo(MemoryBookingRepository, "save", booking=_cancelled()),
        extras={"booking": (sample_booking("booking-9"),)},
    ),
    Target(
        "memory.repositories.MemoryBookingRepository.by_code",
        lambda: _repo(MemoryBookingRepository, "by_code", booking_code=booking_code_from(7)),
        extras={"booking_code": (booking_code_from(8),)},
    ),
    Target(
        "memory.repositories.MemoryBookingRepository.by_idempotency_key",
        lambda: _repo(
            MemoryBookingRepository, "by_idempotency_key", user_id="user-1", key="key-booking-1"
        ),
    ),
    Target(
        "memory.repositories.MemoryBookingRepository.of_user",
        lambda: _repo(MemoryBookingRepository, "of_user", user_id="user-1"),
    ),
    Target(
        "memory.repositories.MemoryBookingRepository.of_show",
        lambda: _repo(
            MemoryBookingRepository,
            "of_show",
            show_id="show-1",
            statuses=[BookingStatus.CONFIRMED],
            hold_id="hold-1",
        ),
    ),
    Target(
        "memory.repositories.MemoryBookingRepository.with_status",
        lambda: _repo(
            MemoryBookingRepository,
            "with_status",
            statuses=[BookingStatus.CONFIRMED],
            due_before=T0,
        ),
    ),
    Target(
        "memory.repositories.MemoryUserRepository.add",
        lambda: _repo(MemoryUserRepository, "add", user=sample_user("user-2")),
        extras={"user": (sample_user(), sample_user("user-3", email="user-1@example.com"))},
    ),
    Target(
        "memory.repositories.MemoryUserRepository.get",
        lambda: _repo(MemoryUserRepository, "get", user_id="user-1"),
    ),
    Target(
        "memory.repositories.MemoryUserRepository.by_email",
        lambda: _repo(MemoryUserRepository, "by_email", email="USER-1@example.com"),
    ),
    Target(
        "memory.repositories.MemoryUserRepository.save",
        lambda: _repo(MemoryUserRepository, "save", user=sample_user().deactivate()),
        extras={"user": (sample_user("user-9"),)},
    ),
    Target(
        "memory.repositories.MemoryReviewRepository.add",
        lambda: _repo(MemoryReviewRepository, "add", review=sample_review("review-2", rating=3)),
        extras={"review": (sample_review(),)},
    ),
    Target(
        "memory.repositories.MemoryReviewRepository.get",
        lambda: _repo(MemoryReviewRepository, "get", review_id="review-1"),
    ),
    Target(
        "memory.repositories.MemoryReviewRepository.save",
        lambda: _repo(MemoryReviewRepository, "save", review=sample_review(rating=2)),
        extras={"review": (sample_review("review-9"),)},
    ),
    Target(
        "memory.repositories.MemoryReviewRepository.remove",
        lambda: _repo(MemoryReviewRepository, "remove", review_id="review-1"),
        extras={"review_id": ("review-9",)},
    ),
    Target(
        "memory.repositories.MemoryReviewRepository.by_author",
        lambda: _repo(MemoryReviewRepository, "by_author", movie_id="movie-1", user_id="user-1"),
    ),
    Target(
        "memory.repositories.MemoryReviewRepository.of_movie",
        lambda: _repo(MemoryReviewRepository, "of_movie", movie_id="movie-1", limit=5, offset=0),
    ),
    Target(
        "memory.repositories.MemoryReviewRepository.ratings_of",
        lambda: _repo(MemoryReviewRepository, "ratings_of", movie_id="movie-1"),
    ),
    Target(
        "memory.repositories.MemoryCouponRepository.add",
        lambda: _repo(MemoryCouponRepository, "add", coupon=_coupon(code="new10")),
        extras={"coupon": (_coupon(), _coupon(code=" First50 ", usage_limit=1))},
    ),
    Target(
        "memory.repositories.MemoryCouponRepository.get",
        lambda: _repo(MemoryCouponRepository, "get", code=" first50 "),
        extras={"code": ("second50", "FIRST 50", "x" * 65)},
    ),
    Target(
        "memory.repositories.MemoryCouponRepository.save",
        lambda: _repo(MemoryCouponRepository, "save", coupon=_coupon(usage_limit=5)),
        extras={"coupon": (_coupon(code="new10"),)},
    ),
    Target(
        "memory.repositories.MemoryCouponRepository.list",
        lambda: _repo(MemoryCouponRepository, "list", valid_at=T0),
    ),
]


TARGETS: list[Target] = [*DOMAIN_TARGETS, *PORT_TARGETS, *MEMORY_TARGETS]
_BY_NAME = {t.name: t for t in TARGETS}
assert len(_BY_NAME) == len(TARGETS), "target names must be unique"


# --- completeness ------------------------------------------------------------------------------

_DOMAIN_MODULES = (
    "money",
    "layouts",
    "holds",
    "sales",
    "seating",
    "catalog",
    "venues",
    "shows",
    "pricing",
    "coupons",
    "cancellation",
    "booking",
    "events",
    "reviews",
    "users",
    "search",
)

_WIRED_ONLY = (
    "takes only collaborators (a clock, store, transaction or database) wired by bootstrap"
)
_PLUMBING = "table-level plumbing of the memory repositories, audited through them"

EXEMPT: Mapping[str, str] = {
    "memory.ids.SortableIds": _WIRED_ONLY,
    "memory.rate_limit.MemoryRateLimiter": _WIRED_ONLY,
    "memory.inventory.MemorySeatHolds": _WIRED_ONLY,
    "memory.inventory.MemorySeatSales": _WIRED_ONLY,
    "memory.database.MemoryTransaction": _WIRED_ONLY,
    "memory.unit_of_work.MemoryUnitOfWork": _WIRED_ONLY,
    "memory.unit_of_work.MemoryUnitOfWorkFactory": _WIRED_ONLY,
    "memory.unit_of_work.MemoryUnitSales": _WIRED_ONLY,
    **{
        f"memory.repositories.Memory{kind}Repository": _WIRED_ONLY
        for kind in ("Movie", "Venue", "Show", "Booking", "User", "Review", "Coupon")
    },
    "memory.database.Table": _PLUMBING,
    "memory.database.UniqueKey": _PLUMBING,
    **{f"memory.database.Table.{name}": _PLUMBING for name in ("read", "find", "owner", "select")},
    **{
        f"memory.database.MemoryTransaction.{name}": _PLUMBING
        for name in ("get", "exists", "get_by", "select", "add", "save", "remove")
    },
}
"""Public callables taking arguments that the audit does not call, and why."""


def _takes_arguments(fn: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return any(name not in {"self", "cls"} for name in parameters)


def _public_callables(module_name: str, short: str) -> Iterator[tuple[str, Callable[..., Any]]]:
    module = importlib.import_module(module_name)
    for name in module.__all__:
        value = getattr(module, name)
        if getattr(value, "__module__", None) != module_name:
            continue  # re-exported from elsewhere: audited there
        if isinstance(value, type):
            if issubclass(value, BaseException | enum.Enum) or getattr(
                value, "_is_protocol", False
            ):
                continue
            yield f"{short}.{name}", value
            for attr, member in vars(value).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, classmethod | staticmethod):
                    yield f"{short}.{name}.{attr}", getattr(value, attr)
                elif isinstance(member, types.FunctionType):
                    yield f"{short}.{name}.{attr}", member
        elif callable(value) and not isinstance(value, types.UnionType):
            yield f"{short}.{name}", value


_PORT_MODULES = (
    "cache",
    "clock",
    "coupons",
    "errors",
    "events",
    "idempotency",
    "ids",
    "inventory",
    "notifications",
    "payments",
    "rate_limit",
    "repositories",
    "security",
    "unit_of_work",
    "search",
    "reviews",
    "seat_updates",
)
_MEMORY_MODULES = (
    "cache",
    "clock",
    "coupons",
    "database",
    "events",
    "idempotency",
    "ids",
    "inventory",
    "notifications",
    "payments",
    "rate_limit",
    "repositories",
    "security",
    "unit_of_work",
    "search",
    "reviews",
    "seat_updates",
)


def _audited_modules() -> list[tuple[str, str]]:
    return [
        *((f"bookmyshow.domain.{m}", m) for m in _DOMAIN_MODULES),
        *((f"bookmyshow.ports.{m}", f"ports.{m}") for m in _PORT_MODULES),
        *((f"bookmyshow.adapters.memory.{m}", f"memory.{m}") for m in _MEMORY_MODULES),
    ]


def test_every_public_callable_is_audited() -> None:
    """Every public constructor, function and method that takes arguments has a target."""
    missing = []
    for module_name, short in _audited_modules():
        for name, fn in _public_callables(module_name, short):
            if name in _BY_NAME or name in EXEMPT or not _takes_arguments(fn):
                continue
            missing.append(name)
    assert missing == []


def test_exemptions_name_real_callables() -> None:
    """Every exemption names a public callable that exists and states a reason."""
    names = {n for m, s in _audited_modules() for n, _ in _public_callables(m, s)}
    for name, reason in EXEMPT.items():
        assert name in names, name
        assert reason.strip()


# --- the audit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_catalogue_of_bad_values_is_refused_with_a_code(target: Target) -> None:
    """Each catalogue value and hand-picked invalid value, in each parameter, is refused cleanly."""
    assert audit(target, target.make) == []


@pytest.mark.parametrize("area", sorted({t.area for t in TARGETS}))
@given(data=st.data())
def test_generated_bad_values_are_refused_with_a_code(area: str, data: st.DataObject) -> None:
    """A generated bad value in one parameter of a drawn valid call is refused cleanly."""
    target = data.draw(st.sampled_from([t for t in TARGETS if t.area == area]))
    call = data.draw(target.calls())
    names = target.params(call)
    if not names:
        return
    name = data.draw(st.sampled_from(names))
    value = data.draw(bad_values())
    assert attempt(target, call, name, value, strict=False) is None


@pytest.mark.parametrize(
    "op", [operator.add, operator.sub, operator.lt, operator.le, operator.gt, operator.ge]
)
def test_money_operators_leave_foreign_operands_to_python(op: Callable[..., Any]) -> None:
    """A Money operator with a non-Money operand defers (NotImplemented): Python's TypeError."""
    with pytest.raises(TypeError, match=r"not supported|unsupported operand"):
        op(Money(100), 5)
