"""The composition root: in_memory() wiring, bootstrap(), Settings and the backend plan."""

from __future__ import annotations

import asyncio
import string
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bookmyshow.adapters.memory import (
    ManualClock,
    MemoryEventBus,
    MemoryPaymentGateway,
    MemorySeatHolds,
    MemorySeatSales,
    ScryptPasswordHasher,
    SequentialIds,
)
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from bookmyshow.adapters.sql import (
    SqlCouponRedemptions,
    SqlIdempotencyStore,
    SqlReviewStore,
    SqlSeatHolds,
    SqlSeatSales,
    SqlUnitOfWorkFactory,
)
from bookmyshow.adapters.sql.migrate import upgrade
from bookmyshow.bootstrap import (
    Backend,
    BackendNotAvailable,
    BackendPlan,
    Settings,
    Ticketing,
    bootstrap,
    from_settings,
    in_memory,
    plan_backends,
)
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import BookingConfirmed, DomainEvent, SeatsHeld
from bookmyshow.domain.holds import HoldPolicy
from bookmyshow.domain.users import Role
from bookmyshow.ports.security import InvalidToken
from bookmyshow.services.accounts import Accounts
from bookmyshow.services.bookings import Bookings
from bookmyshow.services.browsing import Browsing, SeatMapStatus
from bookmyshow.services.catalog import Catalog
from bookmyshow.services.context import Policies
from bookmyshow.services.coupons import Coupons
from bookmyshow.services.operations import Operations
from bookmyshow.services.seats import Seats
from tests.services.world import (
    PASSWORD,
    assert_money_reconciles,
    assert_seats_reconcile,
    build_world,
)

SECRET = b"s" * 32
DB = "mysql+asyncmy://app:hunter2-secret@db.internal:3306/bookmyshow"
REDIS = "redis://:redis-pass-42@cache.internal:6379/0"
TTL_VAR = "BOOKMYSHOW_HOLD_TTL_SECONDS"


def embedded(clock: ManualClock, **kwargs: object) -> Ticketing:
    """in_memory() on ``clock`` with sequential ids, fast hashing and a fixed token secret."""
    return in_memory(
        clock=clock,
        ids=SequentialIds(),
        passwords=ScryptPasswordHasher.fast_for_tests(),
        token_secret=SECRET,
        **kwargs,  # type: ignore[arg-type]
    )


def error_text(error: BaseException) -> str:
    """Everything an error would show in a log or traceback: str, repr, fields, causes."""
    parts = [str(error), repr(error), repr(error.args)]
    details = getattr(error, "details", None)
    if callable(details):
        parts.append(repr(details()))
    if error.__cause__ is not None:
        parts.append(error_text(error.__cause__))
    if error.__context__ is not None and not error.__suppress_context__:
        parts.append(error_text(error.__context__))
    return "\n".join(parts)


def settings_outcome(**fields: str | None) -> BaseException | None:
    """The error that building ``Settings(**fields)`` and the system it describes raises, or
    ``None`` when the system builds (it is closed again; building connects to nothing)."""
    try:
        app = from_settings(Settings(**fields))  # type: ignore[arg-type]
    except (InvalidInput, BackendNotAvailable) as error:
        return error
    asyncio.run(app.close())
    return None


def settings_error(**fields: str | None) -> BaseException:
    """The error that building ``Settings(**fields)`` and the system it describes raises."""
    error = settings_outcome(**fields)
    if error is None:
        raise AssertionError(f"no error for {fields}")
    return error


def outcome_text(error: BaseException | None) -> str:
    """:func:`error_text` of an outcome; empty when the system was built."""
    return "" if error is None else error_text(error)


# --- in_memory(): every service over one set of ports ---------------------------------------------


def test_in_memory_wires_every_use_case(clock: ManualClock) -> None:
    """in_memory() returns each service, all over the ports and policies it reports."""
    policies = Policies(holds=HoldPolicy(max_seats_per_hold=4, max_seats_per_user=4))
    app = embedded(clock, policies=policies)
    services = {
        "accounts": Accounts,
        "catalog": Catalog,
        "coupons": Coupons,
        "browsing": Browsing,
        "seats": Seats,
        "bookings": Bookings,
        "operations": Operations,
    }
    for name, kind in services.items():
        assert isinstance(getattr(app, name), kind), name
    assert app.policies is policies
    assert app.ports.clock is clock
    assert isinstance(app.ports.holds, MemorySeatHolds)
    assert isinstance(app.ports.sales, MemorySeatSales)


def test_in_memory_uses_the_adapters_it_is_given(clock: ManualClock) -> None:
    """Adapters passed to in_memory() are the ones its ports use, not copies or defaults."""
    gateway, bus = MemoryPaymentGateway(), MemoryEventBus()
    app = embedded(clock, payments=gateway, events=bus)
    assert app.ports.payments is gateway
    assert app.ports.events is bus


async def test_a_hold_made_through_seats_shows_on_the_seat_map(clock: ManualClock) -> None:
    """A hold taken through app.seats (under the given policies) is what app.browsing reports."""
    app = embedded(clock, policies=Policies(holds=HoldPolicy(ttl=timedelta(minutes=3))))
    world = await build_world(app, clock)
    hold = await app.seats.hold(world.alice, world.show.show_id, ["C3", "C4"])
    assert hold.expires_at == clock.now() + timedelta(minutes=3)
    mine = await app.browsing.seat_map(world.alice, world.show.show_id)
    theirs = await app.browsing.seat_map(world.bob, world.show.show_id)
    held = {s.label for s in mine.seats if s.status is SeatMapStatus.HELD}
    assert held == set(hold.seats)
    assert {s.label for s in mine.seats if s.held_by_you} == held
    assert not any(s.held_by_you for s in theirs.seats)
    listing = (await app.browsing.shows(world.bob, city_id=world.theater_a.city_id))[0]
    assert listing.show_id == world.show.show_id
    assert listing.seats_left == theirs.count(SeatMapStatus.AVAILABLE)


async def test_one_booking_end_to_end_over_in_memory(clock: ManualClock) -> None:
    """Hold, check out, pay, cancel over in_memory(): events, money and seats all line up."""
    app = embedded(clock)
    world = await build_world(app, clock)
    picked = await app.seats.hold_best_available(world.alice, world.show.show_id, 2)
    pending = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=picked.hold.hold_id, idempotency_key="c"
    )
    booking = await app.bookings.pay(
        world.alice, pending.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="p"
    )
    assert booking.status is BookingStatus.CONFIRMED
    assert booking.seats == picked.hold.seats
    bus = app.ports.events
    assert isinstance(bus, MemoryEventBus)
    assert [e.booking_id for e in bus.of_type(BookingConfirmed)] == [booking.booking_id]
    assert len(bus.of_type(SeatsHeld)) == 1
    gateway = app.ports.payments
    assert isinstance(gateway, MemoryPaymentGateway)
    assert gateway.net_captured() == booking.amount
    await assert_seats_reconcile(app, world.show.show_id)
    cancelled = await app.bookings.cancel(world.alice, booking.booking_id)
    assert cancelled.status is BookingStatus.REFUNDED
    await assert_money_reconciles(app)
    await assert_seats_reconcile(app, world.show.show_id)
    seat_map = await app.browsing.seat_map(world.bob, world.show.show_id)
    assert seat_map.count(SeatMapStatus.SOLD) == 0


async def test_in_memory_tokens_are_signed_per_system_by_default() -> None:
    """Without a token_secret each in_memory() signs with its own secret: tokens don't cross."""
    fast = ScryptPasswordHasher.fast_for_tests()
    first, second = in_memory(passwords=fast), in_memory(passwords=fast)
    await first.accounts.register("asha@example.com", "Asha", PASSWORD)
    tokens = await first.accounts.login("asha@example.com", PASSWORD)
    assert (await first.accounts.authenticate(tokens.access_token)).user_id == tokens.user_id
    with pytest.raises(InvalidToken):
        await second.accounts.authenticate(tokens.access_token)


def test_in_memory_refuses_a_short_token_secret() -> None:
    """A token secret under 32 bytes is refused when the system is built."""
    with pytest.raises(InvalidInput):
        in_memory(token_secret=b"x" * 31)


# --- bootstrap() ----------------------------------------------------------------------------------


def test_bootstrap_refuses_ports_of_the_wrong_type() -> None:
    """bootstrap() with something other than Ports raises InvalidInput naming ports."""
    with pytest.raises(InvalidInput) as info:
        bootstrap(object())  # type: ignore[arg-type]
    assert info.value.field == "ports"


def test_bootstrap_refuses_policies_of_the_wrong_type(clock: ManualClock) -> None:
    """bootstrap() with policies that are not Policies raises InvalidInput naming policies."""
    ports = embedded(clock).ports
    with pytest.raises(InvalidInput) as info:
        bootstrap(ports, {"holds": HoldPolicy()})  # type: ignore[arg-type]
    assert info.value.field == "policies"


def test_bootstrap_defaults_the_policies(clock: ManualClock) -> None:
    """bootstrap() without policies applies the defaults over exactly the ports given."""
    ports = embedded(clock).ports
    app = bootstrap(ports)
    assert app.ports is ports
    assert app.policies == Policies()


# --- Settings.from_env and the backend plan -------------------------------------------------------


def test_an_empty_environment_means_everything_in_memory() -> None:
    """No BOOKMYSHOW_* variables: default settings, and every backend is memory."""
    settings = Settings.from_env({})
    assert settings == Settings()
    assert plan_backends(settings) == BackendPlan(
        holds=Backend.MEMORY, sales=Backend.MEMORY, cache=Backend.MEMORY
    )


def test_blank_variables_count_as_unset() -> None:
    """Variables set to blanks keep the defaults instead of being refused."""
    env = {f"BOOKMYSHOW_{name}": "  " for name in Settings.ENV.values()}
    assert Settings.from_env(env) == Settings()


def test_from_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no mapping given, from_env reads os.environ."""
    for name in Settings.ENV.values():
        monkeypatch.delenv(f"BOOKMYSHOW_{name}", raising=False)
    monkeypatch.setenv(TTL_VAR, "120")
    monkeypatch.setenv("BOOKMYSHOW_TOKEN_ISSUER", "box-office")
    settings = Settings.from_env()
    assert settings.hold_ttl == timedelta(seconds=120)
    assert settings.token_issuer == "box-office"
    assert settings.database_url is None


def test_a_database_alone_keeps_holds_and_sales_in_it() -> None:
    """Only a database URL: holds, sales and the fast stores all go to SQL."""
    settings = Settings.from_env({"BOOKMYSHOW_DATABASE_URL": DB})
    assert settings.database_url == DB
    assert plan_backends(settings) == BackendPlan(
        holds=Backend.SQL, sales=Backend.SQL, cache=Backend.SQL, reviews=Backend.SQL
    )


def test_database_and_redis_make_the_hybrid() -> None:
    """A database and Redis: holds (and the fast stores) in Redis, the sale record in SQL."""
    env = {"BOOKMYSHOW_DATABASE_URL": DB, "BOOKMYSHOW_REDIS_URL": REDIS}
    assert plan_backends(Settings.from_env(env)) == BackendPlan(
        holds=Backend.REDIS, sales=Backend.SQL, cache=Backend.REDIS, reviews=Backend.SQL
    )


@pytest.mark.parametrize("database", [None, DB])
def test_an_es_url_puts_search_in_elasticsearch_whatever_the_rest(database: str | None) -> None:
    """An ES URL, alone or with a database, moves only search to Elasticsearch; password hidden."""
    # The password stays out of the settings' repr.
    env = {"BOOKMYSHOW_ES_URL": "https://elastic:es-pass-99@search.internal:9200"}
    if database is not None:
        env["BOOKMYSHOW_DATABASE_URL"] = database
    settings = Settings.from_env(env)
    stores = Backend.MEMORY if database is None else Backend.SQL
    assert plan_backends(settings) == BackendPlan(
        holds=stores, sales=stores, cache=stores, search=Backend.ELASTICSEARCH, reviews=stores
    )
    assert "es-pass-99" not in repr(settings)


@pytest.mark.parametrize("database", [None, DB])
def test_a_mongo_url_puts_reviews_in_mongodb_whatever_the_rest(database: str | None) -> None:
    """A Mongo URL moves only reviews to MongoDB, with or without a database; password hidden."""
    env = {"BOOKMYSHOW_MONGO_URL": "mongodb://app:mongo-pass-7@reviews.internal:27017"}
    if database is not None:
        env["BOOKMYSHOW_DATABASE_URL"] = database
    settings = Settings.from_env(env)
    stores = Backend.MEMORY if database is None else Backend.SQL
    assert plan_backends(settings) == BackendPlan(
        holds=stores, sales=stores, cache=stores, reviews=Backend.MONGO
    )
    assert "mongo-pass-7" not in repr(settings)


@pytest.mark.parametrize("name", ["", "a.b", "a b", "a$b", "a/b", "x" * 64, "a\ud800"])
def test_a_bad_mongo_database_name_is_refused(name: str) -> None:
    """A database name MongoDB would refuse is InvalidInput naming mongo_database."""
    with pytest.raises(InvalidInput) as info:
        Settings(mongo_database=name)
    assert info.value.field == "mongo_database"


def test_a_mongo_url_must_be_mongodb() -> None:
    """A Mongo URL with another scheme is InvalidInput naming mongo_url."""
    with pytest.raises(InvalidInput) as info:
        Settings(mongo_url="redis://reviews:27017")
    assert info.value.field == "mongo_url"


def test_an_es_url_must_be_http() -> None:
    """An Elasticsearch URL that is not http(s) is InvalidInput naming elasticsearch_url."""
    with pytest.raises(InvalidInput) as info:
        Settings(elasticsearch_url="redis://cache:6379")
    assert info.value.field == "elasticsearch_url"


def test_redis_without_a_database_is_refused() -> None:
    """Redis alone has no durable sale record, so planning and building raise InvalidInput."""
    settings = Settings.from_env({"BOOKMYSHOW_REDIS_URL": REDIS})
    with pytest.raises(InvalidInput) as info:
        plan_backends(settings)
    assert info.value.field == "database_url"
    with pytest.raises(InvalidInput):
        from_settings(settings)


@pytest.mark.parametrize(
    ("variable", "setting", "url"),
    [
        ("BOOKMYSHOW_DATABASE_URL", "database_url", "postgresql://app@db/bookmyshow"),
        ("BOOKMYSHOW_DATABASE_URL", "database_url", REDIS),
        ("BOOKMYSHOW_REDIS_URL", "redis_url", "memcached://cache:11211"),
        ("BOOKMYSHOW_REDIS_URL", "redis_url", DB),
    ],
)
def test_an_unknown_url_scheme_is_refused_naming_the_setting(
    variable: str, setting: str, url: str
) -> None:
    """A URL whose scheme no backend of its kind serves raises InvalidInput naming the setting."""
    with pytest.raises(InvalidInput) as info:
        Settings.from_env({variable: url})
    assert info.value.field == setting
    assert "unsupported scheme" in info.value.reason


@pytest.mark.parametrize("url", [DB, REDIS, "sqlite+aiosqlite:///:memory:", "rediss://c:6380"])
def test_supported_schemes_are_accepted(url: str) -> None:
    """Every documented scheme is accepted for its own setting."""
    if url.startswith("redis"):
        assert Settings(redis_url=url).redis_url == url
    else:
        assert Settings(database_url=url).database_url == url


def test_a_refused_url_never_shows_its_password() -> None:
    """The error for a bad URL shows where it points but hides the password."""
    error = settings_error(database_url="postgresql://app:hunter2-secret@db.internal/bookmyshow")
    text = error_text(error)
    assert "hunter2-secret" not in text
    assert "db.internal" in text


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:pa[ss-secret@db.internal/bookmyshow",
        "mysql://app:pa/ss#secret@db.internal/bookmyshow",
        "mysql://app:pa\uff03ss-secret@db.internal/bookmyshow",
        "mysql:app:pass-secret@db.internal",
    ],
)
def test_a_password_a_url_parser_would_misread_stays_hidden(url: str) -> None:
    """A password with unencoded delimiters or odd characters never shows in a settings error."""
    # Each URL is refused with InvalidInput or built; either way the password stays hidden.
    assert "secret" not in outcome_text(settings_outcome(database_url=url))


def test_a_short_token_secret_is_refused_without_showing_it() -> None:
    """BOOKMYSHOW_TOKEN_SECRET under 32 bytes raises InvalidInput and the secret is not echoed."""
    with pytest.raises(InvalidInput) as info:
        Settings.from_env({"BOOKMYSHOW_TOKEN_SECRET": "tiny-secret-31-bytes-long......"})
    assert info.value.field == "token_secret"
    assert "tiny-secret" not in error_text(info.value)
    ok = Settings.from_env({"BOOKMYSHOW_TOKEN_SECRET": "k" * 32})
    assert ok.token_secret == b"k" * 32


async def test_the_configured_token_secret_and_audience_sign_the_tokens() -> None:
    """Two systems built from one secret accept each other's tokens; another audience does not."""
    env = {"BOOKMYSHOW_TOKEN_SECRET": "k" * 32, "BOOKMYSHOW_TOKEN_AUDIENCE": "box-office"}
    first, second = (from_settings(Settings.from_env(env)) for _ in range(2))
    other = from_settings(Settings.from_env({**env, "BOOKMYSHOW_TOKEN_AUDIENCE": "kiosk"}))
    token = await first.ports.tokens.issue("usr1", ttl=timedelta(minutes=5))
    assert (await second.ports.tokens.verify(token)).subject == "usr1"
    with pytest.raises(InvalidToken):
        await other.ports.tokens.verify(token)


# --- the hold ttl ---------------------------------------------------------------------------------


def test_the_hold_ttl_is_read_in_seconds() -> None:
    """BOOKMYSHOW_HOLD_TTL_SECONDS is a whole number of seconds (surrounding blanks ignored)."""
    assert Settings.from_env({TTL_VAR: " 420 "}).hold_ttl == timedelta(minutes=7)


@pytest.mark.parametrize(
    "value", ["0", "00", "-5", "+5", "1.5", "1e3", "ten", "5s", "²", "٣", "86401", "9" * 30]
)
def test_a_bad_hold_ttl_is_refused_naming_the_variable(value: str) -> None:
    """Zero, signs, fractions, words, non-ASCII digits and absurd sizes raise InvalidInput."""
    with pytest.raises(InvalidInput) as info:
        Settings.from_env({TTL_VAR: value})
    assert info.value.field == TTL_VAR


def test_the_hold_ttl_setting_is_at_most_a_day() -> None:
    """A day is the longest hold ttl accepted, from the environment or as a value."""
    assert Settings.from_env({TTL_VAR: "86400"}).hold_ttl == timedelta(days=1)
    with pytest.raises(InvalidInput) as info:
        Settings(hold_ttl=timedelta(days=1, seconds=1))
    assert info.value.field == "hold_ttl"


def parse_ttl(value: str) -> Settings | InvalidInput:
    """Settings from ``BOOKMYSHOW_HOLD_TTL_SECONDS=value``, or the InvalidInput raised."""
    try:
        return Settings.from_env({TTL_VAR: value})
    except InvalidInput as error:
        return error


@given(st.text(max_size=12))
def test_any_hold_ttl_text_is_either_whole_seconds_or_refused(value: str) -> None:
    """Any value parses to exactly its ASCII whole seconds, or InvalidInput naming the variable."""
    settings = parse_ttl(value)
    if isinstance(settings, InvalidInput):
        assert settings.field == TTL_VAR
        return
    text = value.strip()
    if not text:
        assert settings.hold_ttl is None
        return
    assert text.isascii()
    assert text.isdigit()
    assert settings.hold_ttl == timedelta(seconds=int(text))


def test_the_hold_ttl_setting_is_applied_to_the_hold_policy() -> None:
    """from_settings puts the ttl into the hold policy and keeps the other policies given."""
    chosen = Policies(holds=HoldPolicy(max_seats_per_hold=4), claim_lease=timedelta(minutes=5))
    app = from_settings(Settings.from_env({TTL_VAR: "180"}), chosen)
    assert app.policies.holds.ttl == timedelta(minutes=3)
    assert app.policies.holds.max_duration == HoldPolicy().max_duration
    assert app.policies.holds.max_seats_per_hold == 4
    assert app.policies.claim_lease == timedelta(minutes=5)


def test_a_hold_ttl_beyond_the_cap_raises_the_cap() -> None:
    """A ttl longer than the hold's maximum duration lifts the maximum to the ttl."""
    app = from_settings(Settings(hold_ttl=timedelta(hours=1)))
    assert app.policies.holds.ttl == timedelta(hours=1)
    assert app.policies.holds.max_duration == timedelta(hours=1)


def test_without_a_hold_ttl_the_policies_are_untouched() -> None:
    """No ttl setting: from_settings uses exactly the policies given (or the defaults)."""
    policies = Policies(unit_attempts=2)
    assert from_settings(Settings()).policies == Policies()
    assert from_settings(Settings(), policies).policies == policies


# --- from_settings --------------------------------------------------------------------------------


def test_from_settings_without_urls_runs_in_memory() -> None:
    """Default settings build the embedded system."""
    app = from_settings(Settings())
    assert isinstance(app.ports.holds, MemorySeatHolds)
    assert isinstance(app.ports.sales, MemorySeatSales)


def test_from_settings_refuses_anything_but_settings() -> None:
    """from_settings with a mapping instead of Settings raises InvalidInput naming settings."""
    with pytest.raises(InvalidInput) as info:
        from_settings({"database_url": DB})  # type: ignore[arg-type]
    assert info.value.field == "settings"


def test_a_redis_namespace_with_braces_is_refused() -> None:
    """A namespace with a brace would move every key's hash tag: InvalidInput names it."""
    with pytest.raises(InvalidInput) as info:
        Settings(database_url=DB, redis_url=REDIS, redis_namespace="a{b}")
    assert info.value.field == "redis_namespace"


def test_the_redis_namespace_comes_from_the_environment() -> None:
    """BOOKMYSHOW_REDIS_NAMESPACE sets the key prefix; unset, it is "bms"."""
    env = {"BOOKMYSHOW_DATABASE_URL": DB, "BOOKMYSHOW_REDIS_URL": REDIS}
    assert Settings.from_env(env).redis_namespace == "bms"
    named = Settings.from_env({**env, "BOOKMYSHOW_REDIS_NAMESPACE": "shop-2"})
    assert named.redis_namespace == "shop-2"


async def test_a_database_url_builds_the_sql_system(tmp_path: Path) -> None:
    """With only a database URL every durable port is SQL, and the system runs on that file."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"
    await upgrade(url)
    app = from_settings(Settings(database_url=url, token_secret=SECRET))
    try:
        ports = app.ports
        assert isinstance(ports.uow, SqlUnitOfWorkFactory)
        assert isinstance(ports.holds, SqlSeatHolds)
        assert isinstance(ports.sales, SqlSeatSales)
        assert isinstance(ports.idempotency, SqlIdempotencyStore)
        assert isinstance(ports.coupon_redemptions, SqlCouponRedemptions)
        assert isinstance(ports.reviews, SqlReviewStore)
        # The SQLite reader is a second engine on the same file, used for browsing.
        assert isinstance(ports.replica_uow, SqlUnitOfWorkFactory)
        admin = await app.accounts.provision(
            "root@example.com", "Root", "correct horse battery", [Role.PLATFORM_ADMIN]
        )
        city = await app.catalog.add_city(admin.principal(), name="Pune")
        assert await app.browsing.cities(None) == [city]
    finally:
        await app.close()
    # A second system over the same file sees what the first committed.
    again = from_settings(Settings(database_url=url, token_secret=SECRET))
    try:
        assert [c.name for c in await again.browsing.cities(None)] == ["Pune"]
    finally:
        await again.close()


# --- passwords never leak -------------------------------------------------------------------------

_NAMES = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)
_PASSWORDS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=16)
_HOSTS = st.sampled_from(["localhost", "db.internal:3306", "10.0.0.7", "cache"])


_SCHEMES = st.sampled_from(["postgresql", "mongodb", "http", "mysql", "sqlite", "redis"])


@given(
    kind=st.sampled_from(["database_url", "redis_url", "elasticsearch_url", "mongo_url"]),
    parts=st.tuples(_SCHEMES, st.one_of(st.just(""), _NAMES), _HOSTS, _NAMES),
    password=_PASSWORDS,
)
def test_no_password_ever_appears_in_a_settings_error(
    kind: str, parts: tuple[str, str, str, str], password: str
) -> None:
    """No settings error shows a URL's password, in its message or in a chained cause."""
    scheme, user, host, path = parts
    url = f"{scheme}://{user}:{password}@{host}/{path}"
    fields: dict[str, str | None] = {kind: url}
    if kind == "redis_url":
        fields["database_url"] = "sqlite+aiosqlite:///tickets.db"
    error = settings_outcome(**fields)
    blank = settings_outcome(**{**fields, kind: f"{scheme}://{user}:@{host}/{path}"})
    if kind not in {"redis_url", "elasticsearch_url", "mongo_url"}:
        # The outcome is the one a blank password gets (an unknown scheme, a backend this
        # version lacks, or success), so the password cannot be in it.
        assert type(error) is type(blank)
        assert outcome_text(error) == outcome_text(blank)
    # Not for Redis, Elasticsearch or MongoDB: their URLs are parsed when the client is built,
    # so a password that makes one unparseable (a "/", say) can turn success into InvalidInput;
    # that error must still hide it.
    assume(password.strip() and password not in outcome_text(blank))
    assert password not in outcome_text(error)


def test_the_repr_of_settings_hides_credentials() -> None:
    """Settings print without the database password or the token secret (they reach logs)."""
    settings = Settings(
        database_url="mysql+asyncmy://app:hunter2hunter2@db/tickets",
        redis_url="redis://:redispass99@cache:6379/0",
        token_secret=b"topsecret" * 4,
    )
    text = repr(settings)
    for secret in ("hunter2hunter2", "redispass99", "topsecret"):
        assert secret not in text
    assert "db/tickets" in text


def test_a_replica_url_is_read_from_the_environment_and_needs_a_primary() -> None:
    """BOOKMYSHOW_DATABASE_REPLICA_URL fills database_replica_url; alone it is InvalidInput."""
    replica = "mysql+asyncmy://reader:replica-pass-7@replica.internal/bookmyshow"
    settings = Settings.from_env(
        {"BOOKMYSHOW_DATABASE_URL": DB, "BOOKMYSHOW_DATABASE_REPLICA_URL": replica}
    )
    assert settings.database_replica_url == replica
    assert "replica-pass-7" not in repr(settings)
    with pytest.raises(InvalidInput) as info:
        Settings(database_replica_url=replica)
    assert info.value.field == "database_replica_url"


# --- readiness probes ---------------------------------------------------------------------------

_REPLICA = "mysql+asyncmy://reader:replica-pass-7@replica.internal/bookmyshow"
_ES = "http://search.internal:9200"
_MONGO = "mongodb://reviews.internal:27017"


@pytest.mark.parametrize(
    ("fields", "names"),
    [
        ({}, ["memory"]),
        ({"database_url": DB}, ["database"]),
        ({"database_url": DB, "database_replica_url": _REPLICA}, ["database", "database_replica"]),
        ({"database_url": DB, "redis_url": REDIS}, ["database", "redis"]),
        (
            {"database_url": DB, "redis_url": REDIS, "elasticsearch_url": _ES, "mongo_url": _MONGO},
            ["database", "elasticsearch", "redis", "mongo"],
        ),
    ],
    ids=["memory", "sql", "sql-with-replica", "hybrid", "hybrid-with-search-and-reviews"],
)
async def test_from_settings_names_one_probe_per_backend(
    fields: dict[str, str], names: list[str]
) -> None:
    """from_settings lists a probe for each backend it wired, by name (building connects to
    nothing, so unreachable hosts do)."""
    app = from_settings(Settings(**fields))  # type: ignore[arg-type]
    try:
        assert [name for name, _ in app.probes] == names
        assert all(callable(probe) for _, probe in app.probes)
    finally:
        await app.close()


def test_the_in_process_bus_is_the_publisher_only_when_it_can_subscribe(
    clock: ManualClock,
) -> None:
    """Ticketing.in_process_bus is the memory bus itself, and None for a publish-only port."""
    bus = MemoryEventBus()
    assert embedded(clock, events=bus).in_process_bus is bus

    class PublishOnly:
        async def publish(self, events: Sequence[DomainEvent]) -> None:
            """Hand the events to a broker (dropped here)."""

    assert embedded(clock, events=PublishOnly()).in_process_bus is None
