"""Read-through caching of the public catalog reads over any :class:`~bookmyshow.ports.cache.Cache`.

:class:`CatalogCache` serves a movie, a theater, the theaters of a city and the static context
of a show's seat map (the show, its movie, theater and screen) from the cache, and reads the
catalog store on the primary (:func:`~bookmyshow.services._units.read_unit`) on a miss, so a
replica still behind a change is never cached for a whole ttl.  Seat states are never cached:
they are strongly consistent and always read live.

Entries, by cache key (a Redis cache prefixes them with ``<ns>:cache:``):

====================================  =====================  ===========================
key                                   value                  ttl (:class:`CacheTtls`)
====================================  =====================  ===========================
``catalog:movie:<movie_id>``          the movie              ``movie`` (1 h)
``catalog:theater:<theater_id>``      the theater            ``theater`` (1 h)
``catalog:city-theaters:<city_id>``   the city's theaters    ``city_theaters`` (10 min)
``catalog:show:<show_id>``            the show               ``show_context`` (5 min)
``catalog:screen:<screen_id>``        the screen             ``show_context`` (5 min)
====================================  =====================  ===========================

A show's context is assembled from four entries (show, screen, movie, theater), so a change to a
movie or a theater invalidates one key, not every show that names it.

**Encoding.**  One private cattrs converter writes each entry as JSON with a format marker
(:data:`CACHE_FORMAT`), the entry's kind, the instant it expires and what loading it cost.  An
entry that cannot be read — another format, another kind, corrupt bytes, a record under the
wrong id — is a miss: it is loaded again and overwritten, never an error.

**Invalidation.**  :meth:`CatalogCache.handle` deletes the keys an event makes stale
(:data:`INVALIDATING_EVENTS`); :meth:`CatalogCache.subscribe` registers it on an event bus.  A
load in this process that overlaps an invalidation of one of its keys is returned to its callers
but not stored.  Staleness that invalidation cannot see — a change made by another process whose
events do not reach this one, or another process's load that read the old record before the
change and stores it after the invalidation — lasts at most the ttl.

**Stampede protection.**  Concurrent misses of one key in this process share one load
(single-flight); and a hit may be refreshed early, before it expires, with a probability that
grows as expiry nears and with what the load cost (XFetch: refresh when
``now + cost * beta * -ln(1 - u) >= expires_at`` for ``u`` drawn from ``random``), so one
reader reloads a hot key while the others keep reading the cached value.

**Failure.**  A cache that fails (``BackendUnavailable``) never fails a read: the read falls
back to the catalog store and a warning is logged.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import json
import logging
import math
import random as _random
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, cast

import cattrs
from attrs import field, frozen
from cattrs.preconf.json import make_converter

from bookmyshow.domain.catalog import Movie
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import (
    DomainEvent,
    MovieAdded,
    MovieChanged,
    MovieRetired,
    ReviewAdded,
    ReviewEdited,
    ReviewRemoved,
    ScreenAdded,
    ShowCancelled,
    TheaterAdded,
    TheaterChanged,
)
from bookmyshow.domain.layouts import SeatLayout
from bookmyshow.domain.money import Money
from bookmyshow.domain.shows import Show
from bookmyshow.domain.validation import instances, require_collection, require_instance, shift
from bookmyshow.domain.venues import Screen, Theater
from bookmyshow.ports.cache import Cache, check_key
from bookmyshow.ports.errors import BackendUnavailable, NotFound
from bookmyshow.ports.events import EventBus
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._subscriptions import subscribe_once
from bookmyshow.services._units import lagging_read, read_unit
from bookmyshow.services.context import Ports, _positive

__all__ = [
    "CACHE_FORMAT",
    "INVALIDATING_EVENTS",
    "CacheTtls",
    "CatalogCache",
    "EntryKind",
    "ShowContext",
    "catalog_key",
    "stale_keys",
]

CACHE_FORMAT: Final = 1
"""The format marker of every entry; an entry with another marker is a miss."""

INVALIDATING_EVENTS: Final[tuple[type[DomainEvent], ...]] = (
    MovieAdded,
    MovieChanged,
    MovieRetired,
    ReviewAdded,
    ReviewEdited,
    ReviewRemoved,
    TheaterAdded,
    TheaterChanged,
    ScreenAdded,
    ShowCancelled,
)
"""The events :meth:`CatalogCache.subscribe` listens to (see :func:`stale_keys`)."""

_log = logging.getLogger("bookmyshow.services")


@frozen(kw_only=True)
class CacheTtls:
    """How long each kind of entry is served before it is read from the store again.

    The defaults: a movie and a theater 1 hour (they change rarely, and every change
    invalidates them at once); a city's theater list 10 minutes; a show and its screen 5 minutes
    (a cancellation invalidates the show; the short ttl bounds what a lost event can leave).
    Raises :class:`InvalidInput` for a non-positive duration.
    """

    movie: timedelta = field(default=timedelta(hours=1), validator=_positive)
    theater: timedelta = field(default=timedelta(hours=1), validator=_positive)
    city_theaters: timedelta = field(default=timedelta(minutes=10), validator=_positive)
    show_context: timedelta = field(default=timedelta(minutes=5), validator=_positive)


@frozen(kw_only=True)
class ShowContext:
    """The static part of a show's listing and seat map: the show and what it names.

    Shared between concurrent readers of one load: treat it (the show included) as read-only.
    """

    show: Show
    movie: Movie
    theater: Theater
    screen: Screen


class EntryKind(enum.StrEnum):
    """What a cache entry holds; the middle part of its key."""

    MOVIE = "movie"
    THEATER = "theater"
    CITY_THEATERS = "city-theaters"
    SHOW = "show"
    SCREEN = "screen"


def catalog_key(kind: EntryKind | str, record_id: str) -> str:
    """The cache key of ``kind``'s entry for ``record_id`` (``catalog:<kind>:<record_id>``).

    Raises :class:`InvalidInput` for an unknown kind or an empty or non-string id.
    """
    try:
        entry = EntryKind(kind)
    except ValueError:
        raise InvalidInput(field="kind", reason=f"one of {', '.join(EntryKind)}") from None
    if not _cacheable(record_id):
        raise InvalidInput(field="record_id", reason="must be a non-empty string")
    return f"catalog:{entry}:{record_id}"


def stale_keys(event: DomainEvent) -> tuple[str, ...]:
    """The keys ``event`` makes stale (none for an event that changes no cached record).

    Movie and review events: the movie.  ``TheaterAdded``/``TheaterChanged``: the theater and
    its city's list.  ``ScreenAdded``: the screen.  ``ShowCancelled``: the show.  Raises
    :class:`InvalidInput` for a non-event.
    """
    require_instance(event, DomainEvent, "event")
    if isinstance(event, MovieAdded | MovieChanged | MovieRetired):
        return (catalog_key(EntryKind.MOVIE, event.movie_id),)
    if isinstance(event, ReviewAdded | ReviewEdited | ReviewRemoved):
        # A review moves the movie's rating.
        return (catalog_key(EntryKind.MOVIE, event.movie_id),)
    if isinstance(event, TheaterAdded | TheaterChanged):
        return (
            catalog_key(EntryKind.THEATER, event.theater_id),
            catalog_key(EntryKind.CITY_THEATERS, event.city_id),
        )
    if isinstance(event, ScreenAdded):
        return (catalog_key(EntryKind.SCREEN, event.screen_id),)
    if isinstance(event, ShowCancelled):
        return (catalog_key(EntryKind.SHOW, event.show_id),)
    return ()


def _cacheable(record_id: object) -> bool:
    return isinstance(record_id, str) and bool(record_id)


# --- encoding --------------------------------------------------------------------------------


def _make_converter() -> cattrs.Converter:
    conv = make_converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(Money, lambda m: {"amount": m.amount, "currency": m.currency})
    conv.register_structure_hook(Money, lambda d, _t: Money(d["amount"], d["currency"]))
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(Decimal, lambda s, _t: Decimal(s))
    conv.register_unstructure_hook(datetime, lambda d: d.astimezone(UTC).isoformat())
    conv.register_structure_hook(datetime, lambda s, _t: datetime.fromisoformat(s))
    conv.register_unstructure_hook(date, lambda d: d.isoformat())
    conv.register_structure_hook(date, lambda s, _t: date.fromisoformat(s))
    conv.register_unstructure_hook(timedelta, lambda d: d // timedelta(microseconds=1))
    conv.register_structure_hook(timedelta, lambda n, _t: timedelta(microseconds=n))
    conv.register_unstructure_hook(SeatLayout, lambda layout: [list(r) for r in _rows(layout)])
    conv.register_structure_hook(SeatLayout, lambda rows, _t: SeatLayout.from_rows(rows))
    conv.register_unstructure_hook_func(
        lambda t: t in (frozenset, set) or getattr(t, "__origin__", None) in (frozenset, set),
        lambda s: sorted(conv.unstructure(v) for v in s),
    )
    return conv


def _rows(layout: SeatLayout) -> list[tuple[str, str, str]]:
    return [(spec.label, spec.category, spec.cells) for spec in layout.specs]


_converter: Final = _make_converter()
"""The cache boundary's one converter (JSON-ready data; stable encodings, see the module)."""

# Decoding failures of an entry, all of which make it a miss.
_UNREADABLE: Final = (
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    RecursionError,
    cattrs.BaseValidationError,
    InvalidInput,
)


@frozen
class _Ref:
    """One entry: its kind and the id of the record it holds."""

    kind: EntryKind
    record_id: str

    @property
    def key(self) -> str:
        return catalog_key(self.kind, self.record_id)


@frozen
class _Spec:
    """How one kind of entry is typed, kept and loaded."""

    type: Any
    ttl: Callable[[CacheTtls], timedelta]
    owns: Callable[[Any, str], bool]
    load: Callable[[UnitOfWork, str], Awaitable[Any]]


async def _city_theaters(uow: UnitOfWork, city_id: str) -> tuple[Theater, ...]:
    await uow.venues.get_city(city_id)
    return tuple(await uow.venues.theaters_in_city(city_id))


_SPECS: Final[Mapping[EntryKind, _Spec]] = {
    EntryKind.MOVIE: _Spec(
        Movie,
        lambda t: t.movie,
        lambda v, i: isinstance(v, Movie) and v.movie_id == i,
        lambda uow, i: uow.movies.get(i),
    ),
    EntryKind.THEATER: _Spec(
        Theater,
        lambda t: t.theater,
        lambda v, i: isinstance(v, Theater) and v.theater_id == i,
        lambda uow, i: uow.venues.get_theater(i),
    ),
    EntryKind.CITY_THEATERS: _Spec(
        tuple[Theater, ...],
        lambda t: t.city_theaters,
        lambda v, i: isinstance(v, tuple) and all(t.city_id == i for t in v),
        _city_theaters,
    ),
    EntryKind.SHOW: _Spec(
        Show,
        lambda t: t.show_context,
        lambda v, i: isinstance(v, Show) and v.show_id == i,
        lambda uow, i: uow.shows.get(i),
    ),
    EntryKind.SCREEN: _Spec(
        Screen,
        lambda t: t.show_context,
        lambda v, i: isinstance(v, Screen) and v.screen_id == i,
        lambda uow, i: uow.venues.get_screen(i),
    ),
}


@frozen
class _Entry:
    value: Any
    expires_at: datetime
    cost: timedelta


def _encode(ref: _Ref, value: object, expires_at: datetime, cost: timedelta) -> bytes:
    document = {
        "v": CACHE_FORMAT,
        "kind": str(ref.kind),
        "expires_at": expires_at.astimezone(UTC).isoformat(),
        "cost_us": cost // timedelta(microseconds=1),
        "data": _converter.unstructure(value, unstructure_as=_SPECS[ref.kind].type),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _decode(ref: _Ref, raw: bytes) -> _Entry | None:
    """The entry in ``raw``, or ``None`` (logged) when it cannot be read as ``ref``'s."""
    spec = _SPECS[ref.kind]
    try:
        document = json.loads(raw)
        if not isinstance(document, dict) or document.get("v") != CACHE_FORMAT:
            _log.info("cache entry %s has another format; reloading it", ref.key)
            return None
        if document["kind"] != ref.kind:
            raise ValueError(f"holds a {document['kind']!r} entry")
        expires_at = datetime.fromisoformat(document["expires_at"])
        if expires_at.utcoffset() is None:
            raise ValueError("naive expiry")
        cost_us = document["cost_us"]
        if isinstance(cost_us, bool) or not isinstance(cost_us, int) or cost_us < 0:
            raise ValueError("bad load cost")
        value = _converter.structure(document["data"], spec.type)
        if not spec.owns(value, ref.record_id):
            raise ValueError("holds another record")
    except _UNREADABLE as exc:
        _log.warning("cache entry %s is unreadable (%s); reloading it", ref.key, exc)
        return None
    return _Entry(value=value, expires_at=expires_at, cost=timedelta(microseconds=cost_us))


# --- the cache -------------------------------------------------------------------------------


class _Flight:
    """One load in progress, shared by every reader that misses one of its keys."""

    def __init__(self) -> None:
        self.task: asyncio.Task[dict[_Ref, object]] | None = None
        self.stale = False
        """Set when an invalidation ran during the load: its result is not stored."""


class CatalogCache:
    """Catalog reads served read-through from ``cache`` (see the module).

    ``ports`` gives the clock and the store to load from (the primary); ``cache`` defaults
    to ``ports.cache``.  ``ttls`` sets the lifetimes; ``random`` (a float in ``[0, 1)`` per
    call, :func:`random.random` by default) and ``beta`` (> 0; larger refreshes earlier) tune
    the early refresh.  Raises :class:`InvalidInput` when there is no cache, or for a bad
    ``ttls``, ``random`` or ``beta``.
    """

    def __init__(
        self,
        ports: Ports,
        *,
        cache: Cache | None = None,
        ttls: CacheTtls | None = None,
        random: Callable[[], float] | None = None,
        beta: float = 1.0,
    ) -> None:
        require_instance(ports, Ports, "ports")
        chosen = ports.cache if cache is None else cache
        if chosen is None:
            raise InvalidInput(field="cache", reason="a Cache port (ports.cache is None)")
        if ttls is not None:
            require_instance(ttls, CacheTtls, "ttls")
        if random is not None and not callable(random):
            raise InvalidInput(field="random", reason="a callable returning a float in [0, 1)")
        if (
            isinstance(beta, bool)
            or not isinstance(beta, int | float)
            or not math.isfinite(beta)
            or beta <= 0
        ):
            raise InvalidInput(field="beta", reason="must be a positive number")
        self._ports = ports
        self._cache = chosen
        self._clock = ports.clock
        self._ttls = CacheTtls() if ttls is None else ttls
        self._random = _random.random if random is None else random
        self._beta = float(beta)
        self._flights: dict[tuple[asyncio.AbstractEventLoop, str], _Flight] = {}
        self._buses: list[EventBus] = []

    @property
    def ttls(self) -> CacheTtls:
        """The lifetimes in force."""
        return self._ttls

    # --- reads -----------------------------------------------------------------------------

    async def movie(self, movie_id: str) -> Movie:
        """The movie, whatever its status; ``NotFound`` for an unknown id."""
        return cast(Movie, await self._one(EntryKind.MOVIE, movie_id))

    async def theater(self, theater_id: str) -> Theater:
        """The theater; ``NotFound`` for an unknown id."""
        return cast(Theater, await self._one(EntryKind.THEATER, theater_id))

    async def theaters_in_city(self, city_id: str) -> tuple[Theater, ...]:
        """The city's theaters, ordered by name then id; ``NotFound`` for an unknown city."""
        return cast(tuple[Theater, ...], await self._one(EntryKind.CITY_THEATERS, city_id))

    async def show_context(self, show_id: str) -> ShowContext:
        """The show with its movie, theater and screen; ``NotFound`` for an unknown show."""
        show = cast(Show, await self._one(EntryKind.SHOW, show_id))
        return (await self.contexts([show]))[0]

    async def contexts(self, shows: Iterable[Show]) -> list[ShowContext]:
        """The context of each of ``shows`` (as given, e.g. fresh from a listing), in order.

        The movies, theaters and screens are read in one ``get_many`` and the misses loaded in
        one unit.  Raises :class:`InvalidInput` unless ``shows`` is a collection of Shows, and
        ``NotFound`` when a show names a record that is not stored.
        """
        given = instances(shows, Show, "shows")
        refs = [
            ref
            for show in given
            for ref in (
                _Ref(EntryKind.MOVIE, show.movie_id),
                _Ref(EntryKind.THEATER, show.theater_id),
                _Ref(EntryKind.SCREEN, show.screen_id),
            )
        ]
        parts = await self._fetch(refs)
        return [
            ShowContext(
                show=show,
                movie=parts[_Ref(EntryKind.MOVIE, show.movie_id)],
                theater=parts[_Ref(EntryKind.THEATER, show.theater_id)],
                screen=parts[_Ref(EntryKind.SCREEN, show.screen_id)],
            )
            for show in given
        ]

    # --- invalidation ----------------------------------------------------------------------

    def subscribe(self, bus: EventBus) -> None:
        """Register :meth:`handle` on ``bus`` for every type of :data:`INVALIDATING_EVENTS`.

        Subscribing to the same bus again does nothing.  Raises :class:`InvalidInput` if
        ``bus`` has no ``subscribe`` method.
        """
        subscribe_once(self._buses, bus, INVALIDATING_EVENTS, self.handle)

    async def handle(self, event: DomainEvent) -> None:
        """Delete the entries ``event`` makes stale (:func:`stale_keys`); others are ignored.

        Raises :class:`InvalidInput` for a non-event and ``BackendUnavailable`` (after trying
        every key) when the cache fails: the stale entries then live until their ttl.
        """
        keys = stale_keys(event)
        if keys:
            await self.invalidate(keys)

    async def invalidate(self, keys: Iterable[str]) -> None:
        """Delete ``keys`` and keep every load of them now in progress from being stored.

        Raises :class:`InvalidInput` (deleting nothing) for a bare string or an empty key, and
        ``BackendUnavailable`` (after trying every key) when the cache fails.
        """
        require_collection(keys, "keys")
        wanted = [check_key(key) for key in keys]
        self._detach_flights(wanted)
        failures: list[BackendUnavailable] = []
        for key in wanted:
            try:
                await self._cache.delete(key)
            except BackendUnavailable as exc:
                failures.append(exc)
        if failures:
            raise failures[0]

    # --- internals -------------------------------------------------------------------------

    async def _one(self, kind: EntryKind, record_id: str) -> object:
        ref = _Ref(kind, record_id) if _cacheable(record_id) else None
        if ref is None:
            # Not a key: the store answers (and refuses) exactly as it does without a cache.
            async def read(uow: UnitOfWork) -> object:
                return await _SPECS[kind].load(uow, record_id)

            return await lagging_read(self._ports, read)
        return (await self._fetch([ref]))[ref]

    async def _fetch(self, refs: Sequence[_Ref]) -> dict[_Ref, Any]:
        """The value of every ref: fresh hits from the cache, the rest loaded (shared)."""
        wanted = list(dict.fromkeys(refs))
        if not wanted:
            return {}
        store = True
        try:
            raw = await self._cache.get_many([ref.key for ref in wanted])
        except BackendUnavailable as exc:
            _log.warning("catalog cache unavailable, reading the store instead: %s", exc)
            raw, store = {}, False
        now = self._clock.now()
        found: dict[_Ref, Any] = {}
        for ref in wanted:
            data = raw.get(ref.key)
            entry = None if data is None else _decode(ref, data)
            if entry is not None and not self._refresh_early(entry, now):
                found[ref] = entry.value
        missing = [ref for ref in wanted if ref not in found]
        if missing:
            found.update(await self._shared_load(missing, store=store))
        return found

    def _refresh_early(self, entry: _Entry, now: datetime) -> bool:
        """XFetch: whether this reader reloads the entry before it expires."""
        left = (entry.expires_at - now).total_seconds()
        if left <= 0:
            return True
        if entry.cost <= timedelta(0):
            return False
        draw = self._random()
        if isinstance(draw, bool) or not isinstance(draw, int | float) or not 0 <= draw < 1:
            raise InvalidInput(field="random", reason="must return a float in [0, 1)")
        return left <= entry.cost.total_seconds() * self._beta * -math.log1p(-draw)

    async def _shared_load(self, refs: Sequence[_Ref], *, store: bool) -> dict[_Ref, Any]:
        """Load ``refs``, joining loads of the same keys already in flight on this loop."""
        loop = asyncio.get_running_loop()
        flights: dict[_Ref, _Flight] = {}
        fresh: list[_Ref] = []
        for ref in refs:
            flight = self._flights.get((loop, ref.key))
            if flight is None:
                fresh.append(ref)
            else:
                flights[ref] = flight
        if fresh:
            flight = _Flight()
            task = loop.create_task(self._fill(flight, fresh, store=store))
            flight.task = task
            for ref in fresh:
                self._flights[(loop, ref.key)] = flight
                flights[ref] = flight
            task.add_done_callback(functools.partial(self._landed, loop, tuple(fresh), flight))
        out: dict[_Ref, Any] = {}
        for ref, flight in flights.items():
            if flight.task is None:  # pragma: no cover - set right after creation
                raise RuntimeError("a flight without its task")
            # Shielded: a reader that gives up does not cancel the load the others wait for.
            outcome = (await asyncio.shield(flight.task))[ref]
            if isinstance(outcome, NotFound):
                raise outcome
            out[ref] = outcome
        return out

    def _landed(
        self,
        loop: asyncio.AbstractEventLoop,
        refs: tuple[_Ref, ...],
        flight: _Flight,
        task: asyncio.Task[dict[_Ref, object]],
    ) -> None:
        for ref in refs:
            if self._flights.get((loop, ref.key)) is flight:
                del self._flights[(loop, ref.key)]
        if not task.cancelled():
            # Every waiter saw the error already; this marks it retrieved if none waited.
            task.exception()

    def _detach_flights(self, keys: Sequence[str]) -> None:
        """Mark the loads in progress of any of ``keys`` stale (not to be stored) and let new
        reads of their keys start loads of their own; other loads go on."""
        doomed = set(keys)
        for (_loop, key), flight in self._flights.items():
            if key in doomed:
                flight.stale = True
        for slot in [slot for slot, flight in self._flights.items() if flight.stale]:
            del self._flights[slot]

    async def _fill(
        self, flight: _Flight, refs: Sequence[_Ref], *, store: bool
    ) -> dict[_Ref, object]:
        started = self._clock.now()
        results = await self._load(refs)
        finished = self._clock.now()
        cost = max(finished - started, timedelta(0))
        if store and not flight.stale:
            await self._store(results, finished, cost)
            if flight.stale:
                # An invalidation ran while the values were written: take them back.
                await self._forget([ref.key for ref in results])
        return results

    async def _load(self, refs: Sequence[_Ref]) -> dict[_Ref, object]:
        """Each ref's record (or its ``NotFound``), read in one unit on the primary: what is
        stored for a ttl must not be a replica's lagging copy."""

        async def read(uow: UnitOfWork) -> dict[_Ref, object]:
            out: dict[_Ref, object] = {}
            for ref in refs:
                try:
                    out[ref] = await _SPECS[ref.kind].load(uow, ref.record_id)
                except NotFound as exc:
                    out[ref] = exc
            return out

        return await read_unit(self._ports, read)

    async def _store(self, results: Mapping[_Ref, object], now: datetime, cost: timedelta) -> None:
        writes: list[Awaitable[None]] = []
        for ref, value in results.items():
            if isinstance(value, NotFound):
                continue
            ttl = _SPECS[ref.kind].ttl(self._ttls)
            data = _encode(ref, value, shift(now, ttl, "ttl"), cost)
            writes.append(self._cache.set(ref.key, data, ttl=ttl))
        outcomes = await asyncio.gather(*writes, return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        for failure in failures:
            if not isinstance(failure, BackendUnavailable):
                raise failure
        if failures:
            _log.warning("catalog cache unavailable, nothing cached: %s", failures[0])

    async def _forget(self, keys: Sequence[str]) -> None:
        for key in keys:
            try:
                await self._cache.delete(key)
            except BackendUnavailable as exc:
                _log.warning("catalog cache unavailable, %s may stay stale: %s", key, exc)
                return
