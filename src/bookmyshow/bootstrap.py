"""The composition root: the only place that chooses adapters.

- :func:`bootstrap` wires every use case over ports you pass in explicitly;
- :func:`in_memory` builds the whole embedded system (in-memory adapters, the test payment
  gateway, a search index kept current from the in-process event bus) — for tests, demos and
  single-process use;
- :func:`from_settings` picks adapters from a :class:`Settings` value, which the reference app
  and the CLI fill from environment variables (:meth:`Settings.from_env`).  With a database URL
  and a Redis URL, holds go to Redis and sales to the database (the hybrid); with only a
  database URL both go to the database; with neither, everything is in memory.
  :func:`plan_backends` states that choice without connecting anywhere.

Nothing here connects or reads the environment at import time.
"""

from __future__ import annotations

import enum
import os
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Final, cast

from attrs import define, evolve, field, frozen

from bookmyshow.adapters.memory import (
    HmacTokenService,
    MemoryCouponRedemptions,
    MemoryDatabase,
    MemoryEventBus,
    MemoryIdempotencyStore,
    MemoryInventoryStore,
    MemoryNotifier,
    MemoryPaymentGateway,
    MemoryRateLimiter,
    MemorySeatHolds,
    MemorySeatSales,
    MemoryUnitOfWorkFactory,
    ScryptPasswordHasher,
    SortableIds,
    SystemClock,
)
from bookmyshow.adapters.memory.reviews import MemoryReviewStore
from bookmyshow.adapters.memory.search import MemoryMovieSearch
from bookmyshow.adapters.memory.seat_updates import MemorySeatUpdates
from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.events import EventBus, EventPublisher
from bookmyshow.ports.ids import IdGenerator
from bookmyshow.ports.payments import PaymentGateway
from bookmyshow.ports.search import MovieSearch
from bookmyshow.ports.security import PasswordHasher
from bookmyshow.services.accounts import Accounts
from bookmyshow.services.bookings import Bookings
from bookmyshow.services.browsing import Browsing
from bookmyshow.services.catalog import Catalog
from bookmyshow.services.context import Policies, Ports
from bookmyshow.services.coupons import Coupons
from bookmyshow.services.operations import Operations
from bookmyshow.services.reviews import RatingPropagator, Reviews
from bookmyshow.services.search import Search, SearchIndexer
from bookmyshow.services.seat_feed import SeatFeed
from bookmyshow.services.seats import Seats

if TYPE_CHECKING:
    from bookmyshow.adapters.redis import RedisClient
    from bookmyshow.adapters.redis.seat_updates import RedisSeatUpdates
    from bookmyshow.adapters.sql import SqlDatabase

__all__ = [
    "Backend",
    "BackendPlan",
    "BackendNotAvailable",
    "Settings",
    "Ticketing",
    "bootstrap",
    "from_settings",
    "hybrid_ports",
    "in_memory",
    "in_memory_ports",
    "plan_backends",
    "sql_ports",
]

ENV_PREFIX: Final = "BOOKMYSHOW_"

_SQL_SCHEMES: Final = frozenset(
    {"mysql", "mysql+asyncmy", "mariadb", "mariadb+asyncmy", "sqlite", "sqlite+aiosqlite"}
)
_REDIS_SCHEMES: Final = frozenset({"redis", "rediss", "redis+cluster", "rediss+cluster"})
_SEARCH_SCHEMES: Final = frozenset({"http", "https"})
_MONGO_SCHEMES: Final = frozenset({"mongodb", "mongodb+srv"})
_SCHEME: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_MAX_HOLD_TTL: Final = timedelta(days=1)


@frozen(kw_only=True)
class Ticketing:
    """Every use case of the library, wired over one set of ports and policies.

    ``indexer`` keeps ``ports.search`` current: :func:`bootstrap` (so :func:`in_memory` and
    :func:`from_settings` too) subscribes it to ``ports.events`` when that is an in-process bus,
    with the catalog cache's invalidation and the live seat feed; with a broker-backed publisher,
    feed events to ``indexer.handle`` (and ``browsing.catalog_cache.handle``, and a
    :class:`~bookmyshow.services.seat_feed.SeatFeed`) from your consumer.
    """

    ports: Ports
    policies: Policies
    accounts: Accounts
    catalog: Catalog
    coupons: Coupons
    browsing: Browsing
    seats: Seats
    bookings: Bookings
    operations: Operations
    search: Search
    indexer: SearchIndexer
    reviews: Reviews
    ratings: RatingPropagator
    """Keeps each movie's rating in the catalog (and so in search) equal to its review summary,
    from review events."""
    resources: tuple[Callable[[], Awaitable[None]], ...] = ()
    """Closers of what the builder opened (connection pools); :meth:`close` runs them."""
    preparations: tuple[Callable[[], Awaitable[object]], ...] = ()
    """Steps to run once before serving (e.g. creating the search index); :meth:`start` runs
    them."""
    probes: tuple[tuple[str, Callable[[], Awaitable[object]]], ...] = ()
    """One named check per backend the builder wired (``"database"``, ``"database_replica"``,
    ``"redis"``, ``"elasticsearch"``, ``"mongo"``, or ``"memory"`` when the data is in this
    process): each asks its backend one trivial question and raises ``BackendUnavailable`` when
    it gets no answer.  Readiness checks run them; :func:`bootstrap` wires none."""

    @property
    def in_process_bus(self) -> EventBus | None:
        """``ports.events`` when it is an in-process bus (it has ``subscribe``), which handlers
        can follow directly; ``None`` for a broker-backed publisher, whose events reach
        handlers through your consumer instead."""
        events = self.ports.events
        return cast(EventBus, events) if callable(getattr(events, "subscribe", None)) else None

    async def start(self) -> None:
        """Prepare what the builder wired (creates the Elasticsearch index behind its alias
        when missing).  Idempotent; call it once before serving, and :meth:`close` after."""
        for step in self.preparations:
            await step()

    async def close(self) -> None:
        """Release what the builder opened (database pools), newest first.  Idempotent."""
        for closer in reversed(self.resources):
            await closer()


def bootstrap(ports: Ports, policies: Policies | None = None) -> Ticketing:
    """Wire every use case over ``ports`` with ``policies`` (defaults if ``None``).

    When ``ports.events`` is an in-process bus (it has ``subscribe``), what follows events is
    subscribed to it: the search indexer, the catalog cache's invalidation (when ``ports.cache``
    is set), the live seat feed (when ``ports.seat_updates`` is set) and the rating propagator
    (when ``ports.reviews`` is set).  Raises
    :class:`InvalidInput` if ``ports`` or ``policies`` has the wrong type.
    """
    if not isinstance(ports, Ports):
        raise InvalidInput(field="ports", reason="must be a Ports value")
    rules = Policies() if policies is None else policies
    if not isinstance(rules, Policies):
        raise InvalidInput(field="policies", reason="must be a Policies value or None")
    # One Browsing, so that tickets read through the catalog cache the events invalidate.
    browsing = Browsing(ports, rules)
    system = Ticketing(
        ports=ports,
        policies=rules,
        accounts=Accounts(ports, rules),
        catalog=Catalog(ports, rules),
        coupons=Coupons(ports, rules),
        browsing=browsing,
        seats=Seats(ports, rules),
        bookings=Bookings(ports, rules, browsing=browsing),
        operations=Operations(ports, rules),
        search=Search(ports, rules),
        indexer=SearchIndexer(ports, rules),
        reviews=Reviews(ports, rules),
        ratings=RatingPropagator(ports, rules),
    )
    return _index_from_events(system)


def _index_from_events(system: Ticketing) -> Ticketing:
    """Subscribe what follows events to the system's publisher when it is an in-process bus:
    the search indexer, the catalog cache's invalidation (when a cache is wired), the live seat
    feed (when ``ports.seat_updates`` is set) and the rating propagator (when ``ports.reviews``
    is set)."""
    bus = system.in_process_bus
    if bus is not None:
        system.indexer.subscribe(bus)
        catalog_cache = system.browsing.catalog_cache
        if catalog_cache is not None:
            catalog_cache.subscribe(bus)
        if system.ports.seat_updates is not None:
            SeatFeed(system.ports.seat_updates).subscribe(bus)
        if system.ports.reviews is not None:
            system.ratings.subscribe(bus)
    return system


def in_memory_ports(
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    payments: PaymentGateway | None = None,
    events: EventPublisher | None = None,
    passwords: PasswordHasher | None = None,
    token_secret: bytes | None = None,
    token_issuer: str = "bookmyshow",
    token_audience: str = "bookmyshow",
    search: MovieSearch | None = None,
) -> Ports:
    """Every port served by the in-memory adapters, sharing one seat store and one database.

    Defaults: the system clock, sortable ids, the test payment gateway, an in-process event
    bus, scrypt password hashing, HS256 tokens signed with a fresh random secret (so tokens
    do not outlive the process; pass ``token_secret`` to keep them), an in-memory search
    index, rate limiter and live seat feed, and no catalog cache (the data is in memory
    already).  Raises ``InvalidInput`` for a ``token_secret`` under 32 bytes or an empty issuer or
    audience.
    """
    clock = clock if clock is not None else SystemClock()
    store = MemoryInventoryStore()
    secret = token_secret if token_secret is not None else secrets.token_bytes(32)
    return Ports(
        uow=MemoryUnitOfWorkFactory(MemoryDatabase(inventory=store)),
        holds=MemorySeatHolds(store),
        sales=MemorySeatSales(store),
        clock=clock,
        ids=ids if ids is not None else SortableIds(clock),
        payments=payments if payments is not None else MemoryPaymentGateway(),
        idempotency=MemoryIdempotencyStore(clock),
        coupon_redemptions=MemoryCouponRedemptions(),
        events=events if events is not None else MemoryEventBus(),
        passwords=passwords if passwords is not None else ScryptPasswordHasher(),
        tokens=HmacTokenService(secret, clock=clock, issuer=token_issuer, audience=token_audience),
        notifier=MemoryNotifier(),
        search=search if search is not None else MemoryMovieSearch(),
        rate_limiter=MemoryRateLimiter(clock),
        seat_updates=MemorySeatUpdates(),
        reviews=MemoryReviewStore(),
    )


def in_memory(
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    payments: PaymentGateway | None = None,
    events: EventPublisher | None = None,
    passwords: PasswordHasher | None = None,
    token_secret: bytes | None = None,
    policies: Policies | None = None,
    search: MovieSearch | None = None,
) -> Ticketing:
    """The whole embedded system: :func:`in_memory_ports` wired by :func:`bootstrap`.

    The search indexer is subscribed to the event bus, so catalog and show changes reach the
    search index as soon as they are committed.  An ``events`` publisher without ``subscribe``
    (a broker client) is used as given and indexes nothing: feed the indexer from the broker,
    or rebuild with ``indexer.reindex_all``.
    """
    ports = in_memory_ports(
        clock=clock,
        ids=ids,
        payments=payments,
        events=events,
        passwords=passwords,
        token_secret=token_secret,
        search=search,
    )
    return bootstrap(ports, policies)


def sql_ports(
    database: SqlDatabase,
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    payments: PaymentGateway | None = None,
    events: EventPublisher | None = None,
    passwords: PasswordHasher | None = None,
    token_secret: bytes | None = None,
    token_issuer: str = "bookmyshow",
    token_audience: str = "bookmyshow",
    search: MovieSearch | None = None,
) -> Ports:
    """Every durable port served by the SQL adapters over ``database`` (a SQL-only deployment).

    Repositories, sales, holds, idempotency keys, coupon counters and reviews (with their votes
    and rating summaries) all live in the database;
    lag-tolerant browsing reads go to ``database.reader`` when a replica is configured.  Events
    are written to the outbox with each commit (relay them with ``bookmyshow outbox relay``) and
    also handed to ``events`` (an in-process bus by default) right after it.  The other defaults
    are those of :func:`in_memory_ports`.  The schema must be migrated first
    (:func:`bookmyshow.adapters.sql.migrate.upgrade` or ``bookmyshow db upgrade``).
    """
    from bookmyshow.adapters.sql import (  # noqa: PLC0415 - the sql extra is optional
        SqlCouponRedemptions,
        SqlDatabase,
        SqlIdempotencyStore,
        SqlReviewStore,
        SqlSeatHolds,
        SqlSeatSales,
        SqlUnitOfWorkFactory,
    )

    if not isinstance(database, SqlDatabase):
        raise InvalidInput(field="database", reason="must be a SqlDatabase")
    clock = clock if clock is not None else SystemClock()
    memory = in_memory_ports(
        clock=clock,
        ids=ids,
        payments=payments,
        events=events,
        passwords=passwords,
        token_secret=token_secret,
        token_issuer=token_issuer,
        token_audience=token_audience,
        search=search,
    )
    return evolve(
        memory,
        uow=SqlUnitOfWorkFactory(database),
        replica_uow=(
            SqlUnitOfWorkFactory(database, replica=True) if database.reader is not None else None
        ),
        holds=SqlSeatHolds(database),
        sales=SqlSeatSales(database),
        idempotency=SqlIdempotencyStore(database, clock=clock),
        coupon_redemptions=SqlCouponRedemptions(database),
        reviews=SqlReviewStore(database),
    )


def hybrid_ports(
    database: SqlDatabase,
    redis: RedisClient,
    *,
    namespace: str = "bms",
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    payments: PaymentGateway | None = None,
    events: EventPublisher | None = None,
    passwords: PasswordHasher | None = None,
    token_secret: bytes | None = None,
    token_issuer: str = "bookmyshow",
    token_audience: str = "bookmyshow",
    search: MovieSearch | None = None,
) -> Ports:
    """The recommended production wiring: :func:`sql_ports` with the fast stores in Redis.

    Seat holds (one Lua script per hold), idempotency keys, the catalog cache, the rate limiter
    and the live seat feed live in Redis, while sales, repositories and coupon counters stay in
    ``database``, whose primary key on (show, seat) sells a seat at most once even if Redis loses
    a hold; a buyer whose seats were sold meanwhile is refunded at once.  Call
    ``ports.seat_updates.aclose()`` before closing ``redis`` (:func:`from_settings` does).
    ``redis`` comes from :func:`bookmyshow.adapters.redis.connect` (a standalone server or a
    cluster); ``namespace`` prefixes every Redis key.  See ``docs/redis.md``.
    """
    # The redis extra is optional.
    from bookmyshow.adapters.redis.cache import RedisCache  # noqa: PLC0415
    from bookmyshow.adapters.redis.holds import RedisSeatHolds  # noqa: PLC0415
    from bookmyshow.adapters.redis.idempotency import RedisIdempotencyStore  # noqa: PLC0415
    from bookmyshow.adapters.redis.rate_limit import RedisRateLimiter  # noqa: PLC0415
    from bookmyshow.adapters.redis.seat_updates import RedisSeatUpdates  # noqa: PLC0415

    clock = clock if clock is not None else SystemClock()
    base = sql_ports(
        database,
        clock=clock,
        ids=ids,
        payments=payments,
        events=events,
        passwords=passwords,
        token_secret=token_secret,
        token_issuer=token_issuer,
        token_audience=token_audience,
        search=search,
    )
    return evolve(
        base,
        holds=RedisSeatHolds(redis, namespace=namespace),
        idempotency=RedisIdempotencyStore(redis, clock=clock, namespace=namespace),
        cache=RedisCache(redis, clock=clock, namespace=namespace),
        rate_limiter=RedisRateLimiter(redis, clock=clock, namespace=namespace),
        seat_updates=RedisSeatUpdates(redis, namespace=namespace),
    )


# --- settings ----------------------------------------------------------------------------------


def _optional_url(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(field="url", reason="a URL string or None")
    text = value.strip()
    return text or None


def _scheme(url: str) -> str:
    """The URL's scheme in lower case (``""`` if none).

    Matched by hand rather than with ``urlsplit``, which raises for some netlocs and puts the
    netloc (password included) in its message.
    """
    match = _SCHEME.match(url)
    return "" if match is None else match.group(1).lower()


def _redact(url: str) -> str:
    """The URL with its password replaced by ``***``, for error messages and logs.

    Everything between the scheme and the last ``@`` counts as credentials, so a password with
    an unencoded ``/``, ``?``, ``#`` or ``@`` (which a URL parser reads as path or host) stays
    hidden too; hiding an ``@`` of a path now and then is harmless in a message.
    """
    match = _SCHEME.match(url)
    start = 0 if match is None else match.end()
    if url.startswith("//", start):
        start += 2
    userinfo, at, host = url[start:].rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return f"{url[:start]}{userinfo.partition(':')[0]}:***@{host}"


def _redact_repr(url: str | None) -> str:
    return repr(None if url is None else _redact(url))


@frozen(kw_only=True)
class Settings:
    """Where the system keeps its data and how it signs tokens.

    ``database_url`` (SQLAlchemy style: ``mysql+asyncmy://…``, ``sqlite+aiosqlite:///…``) and
    ``redis_url`` (``redis://…``, ``rediss://…``, ``redis+cluster://…`` for a Redis Cluster)
    choose the backends (see :func:`plan_backends`).  ``token_secret`` signs access tokens (at
    least 32 bytes; random per process when unset).  ``hold_ttl`` replaces the hold policy's ttl
    (at most a day).  ``redis_namespace`` prefixes every Redis key (default ``bms``);
    ``mongo_url`` (``mongodb://…``) puts reviews in MongoDB, in ``mongo_database``.  Raises
    :class:`InvalidInput` for a URL whose scheme no backend serves, a short secret, a
    ``hold_ttl`` that is not positive or longer than a day, or a namespace with braces.
    """

    # The reprs hide credentials: settings end up in logs and tracebacks.
    database_url: str | None = field(default=None, converter=_optional_url, repr=_redact_repr)
    database_replica_url: str | None = field(
        default=None, converter=_optional_url, repr=_redact_repr
    )
    redis_url: str | None = field(default=None, converter=_optional_url, repr=_redact_repr)
    elasticsearch_url: str | None = field(default=None, converter=_optional_url, repr=_redact_repr)
    mongo_url: str | None = field(default=None, converter=_optional_url, repr=_redact_repr)
    token_secret: bytes | None = field(default=None, repr=False)
    token_issuer: str = "bookmyshow"
    token_audience: str = "bookmyshow"
    hold_ttl: timedelta | None = None
    redis_namespace: str = "bms"
    """The prefix of every Redis key, so that deployments can share one Redis."""
    mongo_database: str = "bookmyshow"
    """The MongoDB database that keeps reviews."""

    ENV: ClassVar[Mapping[str, str]] = {
        "database_url": "DATABASE_URL",
        "database_replica_url": "DATABASE_REPLICA_URL",
        "redis_url": "REDIS_URL",
        "elasticsearch_url": "ES_URL",
        "mongo_url": "MONGO_URL",
        "token_secret": "TOKEN_SECRET",
        "token_issuer": "TOKEN_ISSUER",
        "token_audience": "TOKEN_AUDIENCE",
        "hold_ttl": "HOLD_TTL_SECONDS",
        "redis_namespace": "REDIS_NAMESPACE",
        "mongo_database": "MONGO_DATABASE",
    }
    """Each setting and its environment variable (after the ``BOOKMYSHOW_`` prefix)."""

    def __attrs_post_init__(self) -> None:
        if self.database_url is not None:
            _check_scheme(self.database_url, _SQL_SCHEMES, "database_url")
        if self.database_replica_url is not None:
            _check_scheme(self.database_replica_url, _SQL_SCHEMES, "database_replica_url")
            if self.database_url is None:
                raise InvalidInput(
                    field="database_replica_url", reason="a replica needs DATABASE_URL too"
                )
        if self.redis_url is not None:
            _check_scheme(self.redis_url, _REDIS_SCHEMES, "redis_url")
        if self.elasticsearch_url is not None:
            _check_scheme(self.elasticsearch_url, _SEARCH_SCHEMES, "elasticsearch_url")
        if self.mongo_url is not None:
            _check_scheme(self.mongo_url, _MONGO_SCHEMES, "mongo_url")
        name = self.mongo_database
        if (
            not isinstance(name, str)
            or not 0 < len(name.encode(errors="surrogatepass")) <= 63
            or any(c in name for c in '/\\. "$\x00')
            or not name.isprintable()
        ):
            raise InvalidInput(
                field="mongo_database",
                reason="1 to 63 bytes, none of / \\ . \" $, space or NUL (MongoDB's rules)",
            )
        if self.token_secret is not None and (
            not isinstance(self.token_secret, bytes) or len(self.token_secret) < 32
        ):
            raise InvalidInput(field="token_secret", reason="at least 32 bytes")
        for name in ("token_issuer", "token_audience"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InvalidInput(field=name, reason="must be a non-empty string")
        if self.redis_url is not None or self.redis_namespace != "bms":
            _check_namespace(self.redis_namespace)
        if self.hold_ttl is not None and (
            not isinstance(self.hold_ttl, timedelta)
            or not timedelta(0) < self.hold_ttl <= _MAX_HOLD_TTL
        ):
            raise InvalidInput(field="hold_ttl", reason="a positive timedelta of at most a day")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``BOOKMYSHOW_*`` variables from ``environ`` (default: the process environment).

        Unset or empty variables keep the defaults.  Raises :class:`InvalidInput` naming the
        variable for a bad value.
        """
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + cls.ENV[name], "").strip()
            return value or None

        ttl = get("hold_ttl")
        hold_ttl = None
        if ttl is not None:
            # isdigit() alone takes "²" (which int() refuses) and other scripts' digits; the
            # length bound keeps int() and timedelta() from failing on absurd sizes.
            plain = ttl.isascii() and ttl.isdigit() and len(ttl) <= 9
            seconds = int(ttl) if plain else 0
            if not 0 < seconds <= _MAX_HOLD_TTL.total_seconds():
                raise InvalidInput(
                    field=ENV_PREFIX + cls.ENV["hold_ttl"],
                    reason="a whole number of seconds from 1 to 86400",
                )
            hold_ttl = timedelta(seconds=seconds)
        secret = get("token_secret")
        return cls(
            database_url=get("database_url"),
            database_replica_url=get("database_replica_url"),
            redis_url=get("redis_url"),
            elasticsearch_url=get("elasticsearch_url"),
            mongo_url=get("mongo_url"),
            token_secret=None if secret is None else secret.encode(),
            token_issuer=get("token_issuer") or "bookmyshow",
            token_audience=get("token_audience") or "bookmyshow",
            hold_ttl=hold_ttl,
            redis_namespace=get("redis_namespace") or "bms",
            mongo_database=get("mongo_database") or "bookmyshow",
        )


def _check_namespace(namespace: object) -> None:
    """A Redis key prefix: non-empty, no braces (they would move the hash tag), no ``:`` at
    either end."""
    if (
        not isinstance(namespace, str)
        or not namespace
        or "{" in namespace
        or "}" in namespace
        or namespace.startswith(":")
        or namespace.endswith(":")
    ):
        raise InvalidInput(
            field="redis_namespace", reason="a non-empty prefix without braces or edge ':'"
        )


def _check_scheme(url: str, schemes: frozenset[str], name: str) -> None:
    scheme = _scheme(url)
    if scheme not in schemes:
        raise InvalidInput(
            field=name,
            reason=f"unsupported scheme {scheme!r} in {_redact(url)!r}; use one of "
            + ", ".join(sorted(schemes)),
        )


class Backend(enum.StrEnum):
    """Where a kind of data lives."""

    MEMORY = "memory"
    SQL = "sql"
    REDIS = "redis"
    ELASTICSEARCH = "elasticsearch"
    MONGO = "mongo"


@frozen(kw_only=True)
class BackendPlan:
    """Which backend serves holds, sales (with every repository), the fast stores, search and
    reviews."""

    holds: Backend
    sales: Backend
    cache: Backend
    search: Backend = Backend.MEMORY
    reviews: Backend = Backend.MEMORY


def plan_backends(settings: Settings) -> BackendPlan:
    """Choose backends from the URLs, without connecting.

    Database and Redis: holds, idempotency keys, the catalog cache, rate limits and the live
    seat feed in Redis; sales, repositories and coupon counters in the database (the hybrid).
    Database only: everything in the database.  Neither: everything in memory.  Search is in
    Elasticsearch when its URL is set, else in memory, whatever the rest; reviews are in MongoDB
    when its URL is set, else with the sales (the database, or memory).  Raises
    :class:`InvalidInput` for a Redis URL without a database URL (seats held in Redis need a
    durable record of what is sold).
    """
    if settings.redis_url is not None and settings.database_url is None:
        raise InvalidInput(
            field="database_url",
            reason="holds in Redis need a database for the sale record; set DATABASE_URL too",
        )
    search = Backend.MEMORY if settings.elasticsearch_url is None else Backend.ELASTICSEARCH
    if settings.database_url is None:
        stores = (Backend.MEMORY, Backend.MEMORY, Backend.MEMORY)
    elif settings.redis_url is None:
        stores = (Backend.SQL, Backend.SQL, Backend.SQL)
    else:
        stores = (Backend.REDIS, Backend.SQL, Backend.REDIS)
    holds, sales, cache = stores
    if settings.mongo_url is not None:
        reviews = Backend.MONGO
    else:
        reviews = Backend.MEMORY if settings.database_url is None else Backend.SQL
    return BackendPlan(holds=holds, sales=sales, cache=cache, search=search, reviews=reviews)


@define(auto_exc=True, kw_only=True)
class BackendNotAvailable(DomainError):
    """No adapter for ``backend`` is available in this version, so ``url`` cannot be served."""

    code: ClassVar[str] = "backend_not_available"
    backend: str
    url: str
    reason: str


_AVAILABLE: Final = frozenset({Backend.MEMORY, Backend.SQL, Backend.REDIS})


def from_settings(settings: Settings, policies: Policies | None = None) -> Ticketing:
    """Build the system the settings describe (see :func:`plan_backends`).

    Raises :class:`BackendNotAvailable` naming the URL that no installed adapter serves yet,
    and :class:`InvalidInput` for settings that do not fit together.
    """
    if not isinstance(settings, Settings):
        raise InvalidInput(field="settings", reason="must be a Settings value")
    plan = plan_backends(settings)
    for backend, url in (
        (plan.sales, settings.database_url),
        (plan.holds, settings.redis_url if plan.holds is Backend.REDIS else None),
    ):
        if backend not in _AVAILABLE and url is not None:
            raise BackendNotAvailable(
                backend=backend.value,
                url=_redact(url),
                reason=f"this version of bookmyshow has no {backend.value} adapter yet; "
                "leave the URL unset to run in memory",
            )
    rules = Policies() if policies is None else policies
    if settings.hold_ttl is not None:
        rules = _with_hold_ttl(rules, settings.hold_ttl)
    secret, issuer, audience = (
        settings.token_secret,
        settings.token_issuer,
        settings.token_audience,
    )
    closers: list[Callable[[], Awaitable[None]]] = []
    preparations: list[Callable[[], Awaitable[object]]] = []
    probes: list[tuple[str, Callable[[], Awaitable[object]]]] = []
    # Search follows the event bus: in memory, or in Elasticsearch when its URL is set.
    search: MovieSearch | None = None
    if settings.elasticsearch_url is not None:
        from bookmyshow.adapters.elasticsearch import connect  # noqa: PLC0415 - optional extra

        engine = connect(settings.elasticsearch_url)
        search = engine
        preparations.append(engine.ensure_index)
        closers.append(engine.close)
        probes.append(("elasticsearch", engine.ping))
    if settings.database_url is None:
        ports = in_memory_ports(
            token_secret=secret, token_issuer=issuer, token_audience=audience, search=search
        )
        probes.insert(0, ("memory", _nothing_to_probe))
    else:
        from bookmyshow.adapters.sql import create_database  # noqa: PLC0415 - optional extra

        database = create_database(settings.database_url, replica_url=settings.database_replica_url)
        closers.append(database.dispose)
        probes.insert(0, ("database", database.ping))
        if settings.database_replica_url is not None:
            probes.insert(1, ("database_replica", partial(database.ping, replica=True)))
        if settings.redis_url is None:
            ports = sql_ports(
                database,
                token_secret=secret,
                token_issuer=issuer,
                token_audience=audience,
                search=search,
            )
        else:
            from bookmyshow.adapters import redis  # noqa: PLC0415 - optional extra

            redis_client = redis.connect(settings.redis_url)
            closers.append(redis_client.aclose)
            ports = hybrid_ports(
                database,
                redis_client,
                namespace=settings.redis_namespace,
                token_secret=secret,
                token_issuer=issuer,
                token_audience=audience,
                search=search,
            )
            if ports.seat_updates is not None:
                # Closers run newest first: the feed's readers stop before the client closes.
                closers.append(cast("RedisSeatUpdates", ports.seat_updates).aclose)
            preparations.append(lambda: redis.ready(redis_client))
            probes.append(("redis", partial(redis.ping, redis_client)))
    if settings.mongo_url is not None:
        from bookmyshow.adapters import mongo  # noqa: PLC0415 - optional extra

        try:
            reviews = mongo.connect(settings.mongo_url, database=settings.mongo_database)
        except InvalidInput:
            # The driver's message may quote the URL; say which setting, never the password.
            raise InvalidInput(
                field="mongo_url",
                reason=f"not a valid MongoDB URL: {_redact(settings.mongo_url)!r}",
            ) from None
        ports = evolve(ports, reviews=reviews)
        preparations.append(reviews.ensure_indexes)
        closers.append(reviews.close)
        probes.append(("mongo", reviews.ping))
    system = bootstrap(ports, rules)
    return evolve(
        system,
        resources=(*system.resources, *closers),
        preparations=(*system.preparations, *preparations),
        probes=(*system.probes, *probes),
    )


# --- probes: each adapter's ping() asks its backend; the in-process stores need none -----------


async def _nothing_to_probe() -> None:
    """The in-process stores are there as long as the process is."""


def _with_hold_ttl(policies: Policies, ttl: timedelta) -> Policies:
    holds = policies.holds
    longest = max(holds.max_duration, ttl)
    return evolve(policies, holds=evolve(holds, ttl=ttl, max_duration=longest))
