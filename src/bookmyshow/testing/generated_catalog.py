"""A generated movie catalog of any size, for scale tests and benchmarks of search engines.

:func:`generate_catalog` is deterministic for a seed: made-up words (some accented) for titles,
names and descriptions, so near neighbours abound for typo tolerance, plus genres, languages,
statuses, ratings, popularity, release dates and up to five shows per movie in thirty cities over
thirty days from :data:`DAY0`.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from bookmyshow.domain.catalog import Format, MovieStatus
from bookmyshow.domain.search import MovieDocument, ShowFact

__all__ = ["DAY0", "GENRES", "LANGUAGES", "generate_catalog"]

DAY0: Final = date(2030, 1, 1)
GENRES: Final = ("Drama", "Action", "Comédie", "Thriller", "Romance", "Horror", "Sci-Fi", "Family")
LANGUAGES: Final = (
    "Hindi",
    "English",
    "Tamil",
    "Telugu",
    "Malayalam",
    "Kannada",
    "Bengali",
    "Marathi",
)
_CONSONANTS: Final = "bdgklmnprstv"
_VOWELS: Final = "aeioué"


def _words(rng: random.Random, count: int, syllables: tuple[int, int]) -> list[str]:
    """``count`` distinct made-up words (some with an accent): near neighbours abound."""
    found: dict[str, None] = {}
    while len(found) < count:
        size = rng.randint(*syllables)
        word = "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(size))
        found[word] = None
    return list(found)


def generate_catalog(count: int, seed: int = 4) -> list[MovieDocument]:
    """``count`` movies with titles, cast, directors, descriptions, filters and shows."""
    rng = random.Random(seed)
    title_words = _words(rng, 4000, (1, 4))
    text_words = _words(rng, 6000, (2, 4))
    first_names = [w.title() for w in _words(rng, 400, (2, 3))]
    last_names = [w.title() for w in _words(rng, 1500, (2, 4))]
    formats = list(Format)
    statuses = [MovieStatus.ACTIVE] * 7 + [MovieStatus.COMING_SOON] * 2 + [MovieStatus.INACTIVE]

    def name() -> str:
        return f"{rng.choice(first_names)} {rng.choice(last_names)}"

    movies = []
    for n in range(count):
        movie_id = f"mov{n:06d}"
        shows = tuple(
            ShowFact(
                show_id=f"{movie_id}-s{k}",
                city_id=f"c{rng.randrange(30):02d}",
                date=DAY0 + timedelta(days=rng.randrange(30)),
                format=rng.choice(formats),
            )
            for k in range(rng.randrange(6))
        )
        movies.append(
            MovieDocument(
                movie_id=movie_id,
                title=" ".join(rng.choices(title_words, k=rng.randint(1, 4))).title(),
                cast=tuple(name() for _ in range(rng.randint(1, 4))),
                director=name(),
                description=" ".join(rng.choices(text_words, k=rng.randint(6, 14))),
                genres=tuple(rng.sample(GENRES, rng.randint(1, 3))),
                languages=tuple(rng.sample(LANGUAGES, rng.randint(1, 2))),
                status=rng.choice(statuses),
                rating=None if rng.random() < 0.2 else Decimal(rng.randint(10, 100)) / 10,
                popularity=rng.randrange(100_000),
                release_date=date(2020, 1, 1) + timedelta(days=rng.randrange(4000)),
                shows=shows,
            )
        )
    return movies
