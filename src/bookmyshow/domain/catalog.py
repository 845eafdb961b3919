"""The movie catalog: what can be shown, in which languages and formats, and how it is rated.

A :class:`Movie` is an immutable record.  Its transitions (:meth:`Movie.with_rating`,
:meth:`Movie.retire`, …) return a new movie and never change the one they are called on, so a
movie read from a cache or an in-memory store can be shared safely and a failed update leaves
nothing half-done.  The rating kept on a movie is a display value (one decimal, exact); the exact
average lives in :class:`bookmyshow.domain.reviews.RatingSummary`.

This module also holds :func:`require_id` and :func:`clean_text`, the small text rules every
catalog-like record (venues, shows, users, reviews) shares.
"""

from __future__ import annotations

import enum
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Final, TypeVar

from attrs import evolve, field, frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.validation import require_collection

if TYPE_CHECKING:
    # reviews imports the text rules below, so the import back is for type checking only.
    from bookmyshow.domain.reviews import RatingSummary

__all__ = [
    "MAX_DURATION",
    "MIN_DURATION",
    "Certificate",
    "Format",
    "Movie",
    "MovieStatus",
    "clean_text",
    "parse_enum",
    "require_id",
]

MIN_DURATION: Final = timedelta(minutes=1)
MAX_DURATION: Final = timedelta(hours=8)
_MAX_ID = 128
_MAX_TITLE = 300
_MAX_DESCRIPTION = 10_000
_MAX_NAME = 200
_MAX_NAMES = 100
_RATING_STEP: Final = Decimal("0.1")

_E = TypeVar("_E", bound=enum.StrEnum)


def require_id(value: object, name: str) -> str:
    """Check an identifier: a non-empty string of at most 128 characters, no whitespace.

    Returns it unchanged; raises :class:`InvalidInput` naming ``name`` otherwise.
    """
    if not isinstance(value, str) or not value:
        raise InvalidInput(field=name, reason="must be a non-empty string")
    if len(value) > _MAX_ID:
        raise InvalidInput(field=name, reason=f"at most {_MAX_ID} characters")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise InvalidInput(field=name, reason="must not contain whitespace or control characters")
    return value


def clean_text(value: object, name: str, *, max_length: int, allow_empty: bool = False) -> str:
    """Strip surrounding whitespace and check length; returns the stripped text.

    Raises :class:`InvalidInput` naming ``name`` if ``value`` is not a string, is empty after
    stripping (unless ``allow_empty``), is longer than ``max_length`` or holds control characters
    other than newlines, carriage returns and tabs.  Format characters stay allowed: Indic scripts
    and emoji need the zero-width (non-)joiners.  A ``max_length`` that is not a non-negative
    int, or an ``allow_empty`` that is not a bool, is refused too.
    """
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 0:
        raise InvalidInput(field="max_length", reason="a non-negative integer")
    if not isinstance(allow_empty, bool):
        raise InvalidInput(field="allow_empty", reason="must be a bool")
    if not isinstance(value, str):
        raise InvalidInput(field=name, reason="must be a string")
    text = value.strip()
    if not text and not allow_empty:
        raise InvalidInput(field=name, reason="must not be empty")
    if len(text) > max_length:
        raise InvalidInput(field=name, reason=f"at most {max_length} characters")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in text):
        raise InvalidInput(field=name, reason="must not contain control characters")
    return text


def _names(values: object, name: str, *, required: bool) -> tuple[str, ...]:
    # A bare string is iterable too; refusing it avoids ("H", "i", "n", "d", "i").  A mapping
    # would silently contribute its keys.
    values = require_collection(values, name)
    out: list[str] = []
    seen: set[str] = set()
    for i, v in enumerate(values):
        text = clean_text(v, f"{name}[{i}]", max_length=_MAX_NAME)
        # Duplicates differing only in case are one name; the first spelling wins.
        if text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    if required and not out:
        raise InvalidInput(field=name, reason="at least one is required")
    if len(out) > _MAX_NAMES:
        raise InvalidInput(field=name, reason=f"at most {_MAX_NAMES}")
    return tuple(out)


class Certificate(enum.StrEnum):
    """A CBFC certificate.  ``UA7+``, ``UA13+`` and ``UA16+`` refine ``UA`` (2024 rules)."""

    U = "U"
    UA = "UA"
    UA7 = "UA7+"
    UA13 = "UA13+"
    UA16 = "UA16+"
    A = "A"


class Format(enum.StrEnum):
    """A projection format a movie is released in and a screen can play."""

    TWO_D = "2D"
    THREE_D = "3D"
    IMAX = "IMAX"
    FOUR_DX = "4DX"


class MovieStatus(enum.StrEnum):
    """Whether a movie can be scheduled: ``inactive`` movies get no new shows."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    COMING_SOON = "coming_soon"


def parse_enum(kind: type[_E], value: object, name: str) -> _E:
    """``value`` as a member of ``kind`` (members and their string values are accepted).

    Raises :class:`InvalidInput` naming ``name`` and the allowed values otherwise (and naming
    ``kind`` if it is not an enum class).
    """
    if not isinstance(kind, type) or not issubclass(kind, enum.Enum):
        raise InvalidInput(field="kind", reason="an enum class")
    if isinstance(value, kind):
        return value
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidInput(field=name, reason=f"{value!r} is not one of {allowed}") from None


@frozen(kw_only=True)
class Movie:
    """A movie in the catalog.  Construction validates every field and raises InvalidInput.

    Text is stripped; ``genres``, ``languages`` and ``cast`` become tuples with case-insensitive
    duplicates dropped (first spelling kept); ``formats`` becomes a frozenset of :class:`Format`.
    ``rating`` is the average review rating rounded half-up to one decimal (``None`` exactly
    when ``rating_count`` is 0); set it with :meth:`with_rating`.
    """

    movie_id: str
    title: str
    languages: tuple[str, ...]
    duration: timedelta
    release_date: date
    certificate: Certificate
    formats: frozenset[Format] = field(factory=lambda: frozenset({Format.TWO_D}))
    description: str = ""
    genres: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()
    director: str = ""
    status: MovieStatus = MovieStatus.ACTIVE
    rating: Decimal | None = None
    rating_count: int = 0
    popularity: int = 0

    def __attrs_post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        require_id(self.movie_id, "movie_id")
        put("title", clean_text(self.title, "title", max_length=_MAX_TITLE))
        put(
            "description",
            clean_text(
                self.description, "description", max_length=_MAX_DESCRIPTION, allow_empty=True
            ),
        )
        put(
            "director",
            clean_text(self.director, "director", max_length=_MAX_NAME, allow_empty=True),
        )
        put("languages", _names(self.languages, "languages", required=True))
        put("genres", _names(self.genres, "genres", required=False))
        put("cast", _names(self.cast, "cast", required=False))
        if not isinstance(self.duration, timedelta) or not (
            MIN_DURATION <= self.duration <= MAX_DURATION
        ):
            raise InvalidInput(field="duration", reason="must be between 1 minute and 8 hours")
        # datetime is a subclass of date; a release is a calendar day, not an instant.
        if not isinstance(self.release_date, date) or isinstance(self.release_date, datetime):
            raise InvalidInput(field="release_date", reason="must be a date")
        put("certificate", parse_enum(Certificate, self.certificate, "certificate"))
        put("status", parse_enum(MovieStatus, self.status, "status"))
        require_collection(self.formats, "formats")
        formats = frozenset(parse_enum(Format, f, "formats") for f in self.formats)
        if not formats:
            raise InvalidInput(field="formats", reason="at least one format is required")
        put("formats", formats)
        _check_count(self.rating_count, "rating_count")
        _check_count(self.popularity, "popularity")
        if (self.rating is None) != (self.rating_count == 0):
            raise InvalidInput(field="rating", reason="a rating exists exactly when rated")
        if self.rating is not None and (
            not isinstance(self.rating, Decimal)
            or not self.rating.is_finite()
            or not Decimal(1) <= self.rating <= Decimal(10)
            or self.rating != self.rating.quantize(_RATING_STEP)
        ):
            raise InvalidInput(field="rating", reason="a Decimal from 1 to 10, one decimal place")

    def speaks(self, language: str) -> str | None:
        """The movie's own spelling of ``language`` (compared case-insensitively), or None.

        Raises :class:`InvalidInput` if ``language`` is not a string.
        """
        if not isinstance(language, str):
            raise InvalidInput(field="language", reason="must be a string")
        wanted = language.strip().casefold()
        return next((lang for lang in self.languages if lang.casefold() == wanted), None)

    def is_released(self, on: date) -> bool:
        """Whether ``on`` is the release date or later; raises InvalidInput unless it is a date."""
        if not isinstance(on, date) or isinstance(on, datetime):
            raise InvalidInput(field="on", reason="must be a date")
        return on >= self.release_date

    @property
    def schedulable(self) -> bool:
        """Whether new shows may be scheduled (active or coming soon, not retired)."""
        return self.status is not MovieStatus.INACTIVE

    def with_rating(self, summary: RatingSummary) -> Movie:
        """A copy carrying ``summary``'s rounded average and count (None and 0 when empty).

        Raises :class:`InvalidInput` if ``summary`` is not a RatingSummary.
        """
        # Imported here: reviews imports this module's text rules.
        from bookmyshow.domain.reviews import RatingSummary  # noqa: PLC0415

        if not isinstance(summary, RatingSummary):
            raise InvalidInput(field="summary", reason="must be a RatingSummary")
        return evolve(self, rating=summary.rounded_average, rating_count=summary.count)

    def with_popularity(self, popularity: int) -> Movie:
        """A copy with ``popularity`` replaced; raises InvalidInput if it is negative."""
        return evolve(self, popularity=popularity)

    def retire(self) -> Movie:
        """A copy marked inactive: it keeps its shows and reviews but gets no new shows."""
        return evolve(self, status=MovieStatus.INACTIVE)

    def activate(self) -> Movie:
        """A copy marked active (now showing)."""
        return evolve(self, status=MovieStatus.ACTIVE)


def _check_count(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(field=name, reason="must be a non-negative integer")
