"""Hypothesis strategies for catalog, venue, show, user and review values.

Every strategy yields values that pass the domain's validation, so adapter authors can round-trip
them through a store.  Parameters narrow the space where a test needs collisions (few screens, a
short time window) or a fixed reference (a theater id, a layout).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from bookmyshow.domain.catalog import Certificate, Format, Movie, MovieStatus
from bookmyshow.domain.layouts import RowSpec, SeatLayout
from bookmyshow.domain.money import Money
from bookmyshow.domain.reviews import MAX_RATING, MIN_RATING, Review, ViewingRecord
from bookmyshow.domain.shows import Show, ShowStatus
from bookmyshow.domain.users import (
    Email,
    Phone,
    Principal,
    Resource,
    ResourceKind,
    Role,
    User,
)
from bookmyshow.domain.venues import City, GeoPoint, Screen, Theater

__all__ = [
    "CATEGORIES",
    "LANGUAGES",
    "TIME_ZONES",
    "aware_datetimes",
    "cities",
    "durations",
    "email_texts",
    "emails",
    "geo_points",
    "ids",
    "movies",
    "names",
    "phone_texts",
    "phones",
    "prices_for",
    "principals",
    "ratings",
    "resources",
    "reviews",
    "screens",
    "seat_layouts",
    "shows",
    "theaters",
    "users",
    "viewing_records",
]

LANGUAGES = ("Hindi", "English", "Tamil", "Telugu", "Kannada", "Malayalam", "Bengali", "Marathi")
CATEGORIES = ("regular", "premium", "recliner")
TIME_ZONES = ("Asia/Kolkata", "UTC", "Asia/Dubai", "America/New_York", "Asia/Kathmandu")
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
_ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"


def ids(prefix: str = "id", max_value: int = 10**9) -> st.SearchStrategy[str]:
    """Identifiers ``prefix-N``; a small ``max_value`` makes collisions likely."""
    return st.integers(0, max_value).map(lambda n: f"{prefix}-{n}")


def names(max_size: int = 40) -> st.SearchStrategy[str]:
    """Non-empty printable names without surrounding spaces (as the domain stores them)."""
    alphabet = st.characters(
        categories=("L", "N"), min_codepoint=0x30, max_codepoint=0x24F, include_characters=" "
    )
    return st.text(alphabet, min_size=1, max_size=max_size).map(str.strip).filter(lambda s: s != "")


def durations() -> st.SearchStrategy[timedelta]:
    """Movie durations in whole minutes, 1 minute to 8 hours."""
    return st.integers(1, 480).map(lambda m: timedelta(minutes=m))


def aware_datetimes(
    start: datetime = _EPOCH, span: timedelta = timedelta(days=365)
) -> st.SearchStrategy[datetime]:
    """UTC instants in ``[start, start + span]``, to the minute."""
    minutes = int(span.total_seconds() // 60)
    return st.integers(0, minutes).map(lambda m: start + timedelta(minutes=m))


def movies(
    movie_id: st.SearchStrategy[str] | None = None,
    status: st.SearchStrategy[MovieStatus] | None = None,
) -> st.SearchStrategy[Movie]:
    """Valid movies released in 2020-2024 (unrated; see ``Movie.with_rating``)."""
    return st.builds(
        Movie,
        movie_id=movie_id if movie_id is not None else ids("movie"),
        title=names(),
        description=st.just("") | names(200),
        genres=st.lists(st.sampled_from(("Action", "Drama", "Comedy", "Thriller")), unique=True),
        languages=st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=4, unique=True).map(
            tuple
        ),
        duration=durations(),
        release_date=st.dates(date(2020, 1, 1), date(2024, 12, 31)),
        certificate=st.sampled_from(Certificate),
        cast=st.lists(names(), max_size=5).map(tuple),
        director=names(),
        formats=st.frozensets(st.sampled_from(Format), min_size=1),
        status=status if status is not None else st.sampled_from(MovieStatus),
        popularity=st.integers(0, 10**6),
    )


def geo_points() -> st.SearchStrategy[GeoPoint]:
    """Any point on Earth, at micro-degree precision."""
    return st.builds(
        GeoPoint,
        st.integers(-90_000_000, 90_000_000).map(lambda n: Decimal(n).scaleb(-6)),
        st.integers(-180_000_000, 180_000_000).map(lambda n: Decimal(n).scaleb(-6)),
    )


def cities() -> st.SearchStrategy[City]:
    """Valid cities in a handful of time zones."""
    return st.builds(
        City,
        city_id=ids("city"),
        name=names(),
        state=names(),
        time_zone=st.sampled_from(TIME_ZONES),
    )


def theaters(theater_id: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Theater]:
    """Valid theaters anywhere, in a handful of time zones."""
    return st.builds(
        Theater,
        theater_id=theater_id if theater_id is not None else ids("theater"),
        name=names(),
        city_id=ids("city", 50),
        address=names(80),
        location=geo_points(),
        time_zone=st.sampled_from(TIME_ZONES),
        amenities=st.frozensets(st.sampled_from(("parking", "food court", "wheelchair access"))),
    )


@st.composite
def seat_layouts(draw: st.DrawFn, max_rows: int = 6, max_cells: int = 12) -> SeatLayout:
    """Small layouts: rows ``A``, ``B``, … with one of :data:`CATEGORIES` each."""
    count = draw(st.integers(1, max_rows))
    rows = []
    for i in range(count):
        cells = draw(st.text(alphabet="sswx_", min_size=1, max_size=max_cells))
        if not any(c in "swx" for c in cells):
            cells += "s"
        rows.append(RowSpec(string.ascii_uppercase[i], draw(st.sampled_from(CATEGORIES)), cells))
    return SeatLayout.from_rows(rows)


def screens(
    theater_id: st.SearchStrategy[str] | None = None,
    layout: st.SearchStrategy[SeatLayout] | None = None,
) -> st.SearchStrategy[Screen]:
    """Valid screens with small layouts."""
    return st.builds(
        Screen,
        screen_id=ids("screen"),
        theater_id=theater_id if theater_id is not None else ids("theater"),
        name=names(),
        layout=layout if layout is not None else seat_layouts(),
        formats=st.frozensets(st.sampled_from(Format), min_size=1),
    )


def prices_for(
    categories: Sequence[str], currency: str = "INR"
) -> st.SearchStrategy[dict[str, Money]]:
    """A positive price (₹1 to ₹5000) for each of ``categories``."""
    return st.fixed_dictionaries(
        {c: st.integers(100, 500_000).map(lambda a: Money(a, currency)) for c in categories}
    )


def shows(
    *,
    screen_ids: Sequence[str] = ("screen-1", "screen-2"),
    theater_id: str = "theater-1",
    start: datetime = _EPOCH,
    span: timedelta = timedelta(hours=24),
    show_id: st.SearchStrategy[str] | None = None,
    cancelled: st.SearchStrategy[bool] | None = None,
    runtime: st.SearchStrategy[timedelta] | None = None,
) -> st.SearchStrategy[Show]:
    """Shows on a few screens of one theater inside a short window, so that they often collide.

    By default about one in five is cancelled.
    """
    cancelled = cancelled if cancelled is not None else st.sampled_from((False,) * 4 + (True,))

    def build(
        *, sid: str, screen: str, at: datetime, runtime: timedelta, gone: bool, fmt: Format
    ) -> Show:
        return Show(
            show_id=sid,
            movie_id="movie-1",
            theater_id=theater_id,
            screen_id=screen,
            starts_at=at,
            runtime=runtime,
            format=fmt,
            language="Hindi",
            prices={"regular": Money.of(250)},
            status=ShowStatus.CANCELLED if gone else ShowStatus.SCHEDULED,
            cancel_reason="test" if gone else None,
        )

    return st.builds(
        build,
        sid=show_id if show_id is not None else ids("show"),
        screen=st.sampled_from(tuple(screen_ids)),
        at=aware_datetimes(start, span),
        runtime=runtime if runtime is not None else durations(),
        gone=cancelled,
        fmt=st.sampled_from(Format),
    )


@st.composite
def email_texts(draw: st.DrawFn) -> str:
    """Valid email addresses as text, with domains in mixed case."""
    atoms = draw(st.lists(st.text(_ATEXT, min_size=1, max_size=8), min_size=1, max_size=3))
    label = st.text(string.ascii_letters + string.digits, min_size=1, max_size=10)
    labels = draw(st.lists(label, min_size=1, max_size=3))
    tld = draw(st.text(string.ascii_letters, min_size=2, max_size=6))
    return ".".join(atoms) + "@" + ".".join([*labels, tld])


def emails() -> st.SearchStrategy[Email]:
    """Valid :class:`Email` values."""
    return email_texts().map(Email)


@st.composite
def phone_texts(draw: st.DrawFn) -> str:
    """Phone numbers as people type them: E.164, or Indian mobiles with or without 0/91/+91."""
    mobile = str(draw(st.integers(6_000_000_000, 9_999_999_999)))
    style = draw(st.sampled_from(("e164", "plain", "zero", "91", "+91 spaced", "foreign")))
    if style == "foreign":
        country = draw(st.sampled_from(("1", "44", "971", "65")))
        rest = str(draw(st.integers(10_000_000, 999_999_999)))
        return f"+{country}{rest}"
    return {
        "e164": f"+91{mobile}",
        "plain": mobile,
        "zero": f"0{mobile}",
        "91": f"91{mobile}",
        "+91 spaced": f"+91 {mobile[:5]} {mobile[5:]}",
    }[style]


def phones() -> st.SearchStrategy[Phone]:
    """Valid :class:`Phone` values."""
    return phone_texts().map(Phone)


@st.composite
def principals(
    draw: st.DrawFn,
    user_ids: Sequence[str] = ("user-1", "user-2"),
    theater_ids: Sequence[str] = ("theater-1", "theater-2"),
) -> Principal:
    """Principals over few users and theaters, so ownership and management often match."""
    roles = draw(st.frozensets(st.sampled_from(Role), min_size=1))
    managed: frozenset[str] = frozenset()
    if Role.THEATER_ADMIN in roles:
        managed = draw(st.frozensets(st.sampled_from(tuple(theater_ids))))
    return Principal(
        user_id=draw(st.sampled_from(tuple(user_ids))), roles=roles, theater_ids=managed
    )


def resources(
    user_ids: Sequence[str] = ("user-1", "user-2"),
    theater_ids: Sequence[str] = ("theater-1", "theater-2"),
) -> st.SearchStrategy[Resource]:
    """Resources of every kind, owned by and located in the same few users and theaters."""
    return st.builds(
        Resource,
        kind=st.sampled_from(ResourceKind),
        resource_id=st.none() | ids("res", 100),
        owner_id=st.none() | st.sampled_from(tuple(user_ids)),
        theater_id=st.none() | st.sampled_from(tuple(theater_ids)),
    )


@st.composite
def users(draw: st.DrawFn) -> User:
    """Valid users; theater admins manage up to three theaters."""
    roles = draw(st.frozensets(st.sampled_from(Role), min_size=1))
    managed: frozenset[str] = frozenset()
    if Role.THEATER_ADMIN in roles:
        managed = draw(st.frozensets(ids("theater", 100), max_size=3))
    return User(
        user_id=draw(ids("user")),
        email=draw(emails()),
        name=draw(names()),
        password_hash=draw(st.text(string.ascii_letters + "$=+/", min_size=8, max_size=40)),
        phone=draw(st.none() | phones()),
        roles=roles,
        theater_ids=managed,
        active=draw(st.booleans()),
    )


def ratings() -> st.SearchStrategy[int]:
    """Valid ratings, 1 to 10."""
    return st.integers(MIN_RATING, MAX_RATING)


@st.composite
def reviews(
    draw: st.DrawFn,
    movie_ids: Sequence[str] = ("movie-1", "movie-2"),
    user_ids: Sequence[str] = ("user-1", "user-2", "user-3"),
) -> Review:
    """Valid reviews over few movies and users; some edited after creation."""
    created = draw(aware_datetimes())
    edited = draw(st.none() | st.integers(0, 10_000).map(lambda m: created + timedelta(minutes=m)))
    return Review(
        review_id=draw(ids("review")),
        movie_id=draw(st.sampled_from(tuple(movie_ids))),
        user_id=draw(st.sampled_from(tuple(user_ids))),
        rating=draw(ratings()),
        text=draw(st.just("") | names(100)),
        created_at=created,
        edited_at=edited,
        verified=draw(st.booleans()),
    )


def viewing_records(
    movie_ids: Sequence[str] = ("movie-1", "movie-2"),
    user_ids: Sequence[str] = ("user-1", "user-2"),
) -> st.SearchStrategy[ViewingRecord]:
    """Booking summaries in any status, for the review-verification rule."""
    return st.builds(
        ViewingRecord,
        user_id=st.sampled_from(tuple(user_ids)),
        movie_id=st.sampled_from(tuple(movie_ids)),
        starts_at=aware_datetimes(),
        booking_status=st.sampled_from(
            ("confirmed", "checked_in", "cancelled", "pending", "failed", "refunded")
        ),
    )
