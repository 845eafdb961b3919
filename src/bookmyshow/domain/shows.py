"""Shows: one screening of a movie on a screen at a time, with a price per seat category.

:func:`schedule_show` is the only way the library makes a show: it checks the movie, screen,
theater, format, language and prices agree, and that the screen is free
(:func:`check_no_overlap`).  A screen is busy from a show's start until its end plus the cleaning
buffer of :class:`ScheduleRules`; two shows on one screen overlap when those half-open intervals
intersect.  Cancelled shows block nothing.

Times are stored as given (timezone-aware, normally UTC); :func:`local_start` gives the start in
the theater's zone for display.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import ClassVar

from attrs import define, field, frozen, setters

from bookmyshow.domain.catalog import (
    MAX_DURATION,
    MIN_DURATION,
    Format,
    Movie,
    clean_text,
    parse_enum,
    require_id,
)
from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.holds import require_aware
from bookmyshow.domain.money import Money
from bookmyshow.domain.validation import instances, require_instance, shift
from bookmyshow.domain.venues import Screen, Theater

__all__ = [
    "MovieNotSchedulable",
    "ScheduleRules",
    "Show",
    "ShowAlreadyCancelled",
    "ShowOverlap",
    "ShowStatus",
    "check_no_overlap",
    "local_start",
    "schedule_show",
]

_MAX_REASON = 500
_MAX_CATEGORY = 50


class ShowStatus(enum.StrEnum):
    """A show is scheduled until it is cancelled; cancelling is final."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@define(auto_exc=True, kw_only=True)
class ShowOverlap(DomainError):
    """The screen is busy: ``conflicting_show_id`` (plus cleaning buffer) overlaps the new show."""

    code: ClassVar[str] = "show_overlap"
    show_id: str
    conflicting_show_id: str


@define(auto_exc=True, kw_only=True)
class ShowAlreadyCancelled(DomainError):
    """The show was cancelled before; a show is cancelled once."""

    code: ClassVar[str] = "show_already_cancelled"
    show_id: str


@define(auto_exc=True, kw_only=True)
class MovieNotSchedulable(DomainError):
    """The movie is retired (inactive): it gets no new shows."""

    code: ClassVar[str] = "movie_not_schedulable"
    movie_id: str
    status: str


@frozen(kw_only=True)
class ScheduleRules:
    """How shows share a screen: ``cleaning_buffer`` must pass between one's end and the next."""

    cleaning_buffer: timedelta = timedelta(minutes=15)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.cleaning_buffer, timedelta) or self.cleaning_buffer < timedelta(0):
            raise InvalidInput(field="cleaning_buffer", reason="must be a non-negative timedelta")


def _check_prices(prices: object) -> dict[str, Money]:
    if not isinstance(prices, Mapping) or not prices:
        raise InvalidInput(field="prices", reason="a price per seat category is required")
    out: dict[str, Money] = {}
    for category, price in prices.items():
        if not isinstance(category, str) or not category.strip() or len(category) > _MAX_CATEGORY:
            raise InvalidInput(field="prices", reason=f"bad seat category {category!r}")
        if not isinstance(price, Money) or price.amount <= 0:
            raise InvalidInput(field=f"prices.{category}", reason="must be a positive Money")
        out[category] = price
    if len({p.currency for p in out.values()}) != 1:
        raise InvalidInput(field="prices", reason="all prices must be in one currency")
    return out


# Identity and timing never change once scheduled (moving a show means a new overlap check, so
# it is a new show); only the status fields move, and only through Show.cancel.
_FIXED = setters.frozen


@define(kw_only=True)
class Show:
    """One screening.  Construction validates the fields (not the references; see schedule_show).

    Raises :class:`InvalidInput` for empty ids, a naive ``starts_at``, a runtime outside 1 min..8 h,
    an empty language, or prices that are not positive Money in one currency.
    """

    show_id: str = field(on_setattr=_FIXED)
    movie_id: str = field(on_setattr=_FIXED)
    theater_id: str = field(on_setattr=_FIXED)
    screen_id: str = field(on_setattr=_FIXED)
    starts_at: datetime = field(on_setattr=_FIXED)
    runtime: timedelta = field(on_setattr=_FIXED)
    format: Format = field(on_setattr=_FIXED)
    language: str = field(on_setattr=_FIXED)
    prices: dict[str, Money] = field(on_setattr=_FIXED)
    status: ShowStatus = ShowStatus.SCHEDULED
    cancel_reason: str | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("show_id", "movie_id", "theater_id", "screen_id"):
            require_id(getattr(self, name), name)
        # Stored in UTC: ends_at and the overlap rule add durations, which must be real time.
        object.__setattr__(self, "starts_at", require_aware(self.starts_at, "starts_at"))
        if not isinstance(self.runtime, timedelta) or not (
            MIN_DURATION <= self.runtime <= MAX_DURATION
        ):
            raise InvalidInput(field="runtime", reason="must be between 1 minute and 8 hours")
        # ends_at is derived on every read: a start whose end is past the calendar is refused now.
        shift(self.starts_at, self.runtime, "starts_at")
        # The frozen fields are set through object.__setattr__ only while constructing.
        object.__setattr__(self, "format", parse_enum(Format, self.format, "format"))
        object.__setattr__(self, "language", clean_text(self.language, "language", max_length=200))
        object.__setattr__(self, "prices", _check_prices(self.prices))
        self.status = parse_enum(ShowStatus, self.status, "status")
        if (self.status is ShowStatus.CANCELLED) != (self.cancel_reason is not None):
            raise InvalidInput(field="cancel_reason", reason="given exactly when cancelled")
        if self.cancel_reason is not None:
            self.cancel_reason = clean_text(
                self.cancel_reason, "cancel_reason", max_length=_MAX_REASON
            )

    @property
    def ends_at(self) -> datetime:
        """When the movie ends: ``starts_at + runtime``."""
        return self.starts_at + self.runtime

    @property
    def currency(self) -> str:
        """The currency every price of this show is in."""
        return next(iter(self.prices.values())).currency

    @property
    def is_cancelled(self) -> bool:
        """Whether the show was cancelled."""
        return self.status is ShowStatus.CANCELLED

    def has_started(self, now: datetime) -> bool:
        """Whether ``now`` is at or after the start; raises InvalidInput if ``now`` is naive."""
        return require_aware(now) >= self.starts_at

    def has_ended(self, now: datetime) -> bool:
        """Whether ``now`` is at or after the end; raises InvalidInput if ``now`` is naive."""
        return require_aware(now) >= self.ends_at

    def is_bookable(self, now: datetime) -> bool:
        """Whether seats can be sold: scheduled and not yet started."""
        return not self.is_cancelled and not self.has_started(now)

    def price_of(self, category: str) -> Money:
        """The price of a seat of ``category``; raises InvalidInput for an unpriced category."""
        if not isinstance(category, str):
            raise InvalidInput(field="category", reason="a seat category name")
        try:
            return self.prices[category]
        except KeyError:
            raise InvalidInput(field="category", reason=f"no price for {category!r}") from None

    def busy_until(self, rules: ScheduleRules) -> datetime:
        """When the screen is free again: the end plus the cleaning buffer.

        Raises :class:`InvalidInput` if ``rules`` is not ScheduleRules or that instant would be
        out of range.
        """
        require_instance(rules, ScheduleRules, "rules")
        return shift(self.ends_at, rules.cleaning_buffer, "rules.cleaning_buffer")

    def cancel(self, reason: str) -> None:
        """Mark the show cancelled with ``reason`` (stripped, 1..500 characters).

        Raises :class:`ShowAlreadyCancelled` if it was cancelled before and :class:`InvalidInput`
        for a bad reason; either way the show is unchanged.
        """
        if self.is_cancelled:
            raise ShowAlreadyCancelled(show_id=self.show_id)
        text = clean_text(reason, "reason", max_length=_MAX_REASON)
        self.cancel_reason = text
        self.status = ShowStatus.CANCELLED


def _overlaps(a: Show, b: Show, rules: ScheduleRules) -> bool:
    return a.starts_at < b.busy_until(rules) and b.starts_at < a.busy_until(rules)


def check_no_overlap(new: Show, existing: Iterable[Show], rules: ScheduleRules) -> None:
    """Refuse ``new`` if it overlaps a scheduled show on the same screen.

    Each show occupies ``[starts_at, ends_at + cleaning_buffer)``.  Shows on other screens,
    cancelled shows and ``new`` itself (same ``show_id``) are ignored, as is a cancelled ``new``.
    Raises :class:`ShowOverlap` naming the earliest-starting conflict (then the smallest id), and
    :class:`InvalidInput` for arguments of the wrong type.
    """
    require_instance(new, Show, "new")
    others = instances(existing, Show, "existing")
    require_instance(rules, ScheduleRules, "rules")
    if new.is_cancelled:
        return
    screen = (new.theater_id, new.screen_id)
    conflicts = [
        s
        for s in others
        if (s.theater_id, s.screen_id) == screen
        and s.show_id != new.show_id
        and not s.is_cancelled
        and _overlaps(new, s, rules)
    ]
    if conflicts:
        first = min(conflicts, key=lambda s: (s.starts_at, s.show_id))
        raise ShowOverlap(show_id=new.show_id, conflicting_show_id=first.show_id)


def schedule_show(
    *,
    show_id: str,
    movie: Movie,
    theater: Theater,
    screen: Screen,
    starts_at: datetime,
    format: Format | str,
    language: str,
    prices: Mapping[str, Money],
    existing: Iterable[Show],
    now: datetime,
    rules: ScheduleRules | None = None,
) -> Show:
    """Make a new scheduled show of ``movie`` on ``screen``, or raise without side effects.

    ``existing`` are the shows already on the screen (others are ignored).  The runtime is the
    movie's duration and ``language`` is stored in the movie's spelling.
    Raises :class:`MovieNotSchedulable` for a retired movie, :class:`ShowOverlap` when the screen is
    busy, and :class:`InvalidInput` when: the screen is not the theater's; the show starts at or
    before ``now`` or on a local date before the release; the format is not played by both the
    screen and the movie; the movie has no such language; or ``prices`` do not name exactly the
    screen's seat categories with positive amounts in one currency; also for a movie, theater,
    screen, rules or existing show of the wrong type.
    """
    rules = rules if rules is not None else ScheduleRules()
    require_instance(rules, ScheduleRules, "rules")
    require_instance(movie, Movie, "movie")
    require_instance(theater, Theater, "theater")
    require_instance(screen, Screen, "screen")
    others = instances(existing, Show, "existing")
    require_aware(now)
    require_aware(starts_at, "starts_at")
    if not movie.schedulable:
        raise MovieNotSchedulable(movie_id=movie.movie_id, status=movie.status.value)
    if screen.theater_id != theater.theater_id:
        raise InvalidInput(field="screen_id", reason="the screen is not in this theater")
    if starts_at <= now:
        raise InvalidInput(field="starts_at", reason="a show must start in the future")
    if not movie.is_released(theater.local_time(starts_at).date()):
        raise InvalidInput(field="starts_at", reason="before the movie's release date")
    fmt = parse_enum(Format, format, "format")
    if not screen.supports(fmt):
        raise InvalidInput(field="format", reason=f"screen {screen.screen_id} cannot play {fmt}")
    if fmt not in movie.formats:
        raise InvalidInput(field="format", reason=f"the movie is not released in {fmt}")
    spoken = movie.speaks(language) if isinstance(language, str) else None
    if spoken is None:
        raise InvalidInput(field="language", reason=f"the movie has no {language!r} version")
    priced = _check_prices(prices)
    categories = set(screen.layout.categories)
    missing, extra = categories - priced.keys(), priced.keys() - categories
    if missing or extra:
        raise InvalidInput(
            field="prices",
            reason=f"prices must name exactly the screen's categories; "
            f"missing {sorted(missing)}, unknown {sorted(extra)}",
        )
    show = Show(
        show_id=show_id,
        movie_id=movie.movie_id,
        theater_id=theater.theater_id,
        screen_id=screen.screen_id,
        starts_at=starts_at,
        runtime=movie.duration,
        format=fmt,
        language=spoken,
        prices=priced,
    )
    check_no_overlap(show, others, rules)
    return show


def local_start(show: Show, theater: Theater) -> datetime:
    """The show's start as wall-clock time in ``theater``'s zone.

    Raises :class:`InvalidInput` if the show is not in that theater (or either is of the wrong
    type).
    """
    require_instance(show, Show, "show")
    require_instance(theater, Theater, "theater")
    if show.theater_id != theater.theater_id:
        raise InvalidInput(field="theater_id", reason="the show is not in this theater")
    return theater.local_time(show.starts_at)
