"""Movie documents to Elasticsearch ``_source`` and back, exactly.

:func:`source_of` turns a :class:`~bookmyshow.domain.search.MovieDocument` into the ``_source``
of its index document (the fields of :mod:`bookmyshow.adapters.elasticsearch.mapping`, text
analyzed in Python), plus the whole document as plain JSON under ``doc``;
:func:`document_from` reads that ``doc`` back, so ``document_from(source_of(d)) == d`` for every
document (ratings travel as decimal strings, dates as ISO strings).

Two encodings make the index answer exactly as the domain does:

* :func:`rating_key` writes a Decimal as a string whose byte order is the Decimal order, so the
  ``min_rating`` range and the rating sort compare ratings exactly (a double would round);
* :func:`show_keys` writes each show as every ``city|date|format`` key with any part replaced by
  the empty wildcard, so "one and the same show is in this city, on one of these dates and in one
  of these formats" is a single ``terms`` filter (see ``queries.show_filter_keys``).  Ids are
  never empty, so the wildcard cannot be mistaken for a city.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from bookmyshow.domain.catalog import Format
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.search import MovieDocument, ShowFact, analyze, fold
from bookmyshow.domain.validation import require_instance

__all__ = [
    "MAX_LONG",
    "WILDCARD",
    "document_from",
    "document_json",
    "rating_key",
    "show_key",
    "show_keys",
    "source_of",
]

MAX_LONG: Final = 2**63 - 1
"""The largest value of an Elasticsearch ``long`` (popularity is one)."""

WILDCARD: Final = ""
"""The part of a show key that stands for "any" city, date or format."""

# rating_key: a sign byte, the adjusted exponent shifted to non-negative and zero-padded, then
# the digits.  Decimal exponents stay within about +-2 * 10**18, well inside the shift.
_EXPONENT_SHIFT: Final = 10**19
_EXPONENT_WIDTH: Final = 20
_NEGATIVE, _ZERO, _POSITIVE = "0", "1", "2"
_NEGATIVE_END: Final = "~"  # sorts after every digit: a shorter negative mantissa is larger


def rating_key(value: Decimal) -> str:
    """An ASCII string whose order is the order of ``value``: for finite Decimals ``a`` and
    ``b``, ``rating_key(a) < rating_key(b)`` exactly when ``a < b`` (equal keys for equal
    values, ``8.5`` and ``8.50`` included).

    Raises :class:`InvalidInput` for a non-Decimal or a NaN or infinity.
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput(field="rating", reason="a finite Decimal")
    if value.is_zero():
        return _ZERO
    sign, digits, _ = value.as_tuple()
    mantissa = "".join(str(d) for d in digits).rstrip("0")
    # value = 0.<mantissa> * 10**(adjusted + 1): the exponent decides first, then the digits.
    exponent = value.adjusted() + _EXPONENT_SHIFT
    if not 0 <= exponent < 10**_EXPONENT_WIDTH:
        raise InvalidInput(field="rating", reason="an exponent beyond any Decimal context")
    if not sign:
        return f"{_POSITIVE}{exponent:0{_EXPONENT_WIDTH}d}{mantissa}"
    complement = 10**_EXPONENT_WIDTH - 1 - exponent
    flipped = "".join(str(9 - int(d)) for d in mantissa)
    return f"{_NEGATIVE}{complement:0{_EXPONENT_WIDTH}d}{flipped}{_NEGATIVE_END}"


def show_key(city_id: str, day: date | None, kind: Format | None) -> str:
    """The key of a city (or :data:`WILDCARD`), a date (or ``None``: any) and a format (or
    ``None``: any).  No part of a real key is empty, and only the city can hold ``|``, so keys
    are unambiguous."""
    day_part = WILDCARD if day is None else day.isoformat()
    kind_part = WILDCARD if kind is None else kind.value
    return f"{city_id}|{day_part}|{kind_part}"


def show_keys(shows: Iterable[ShowFact]) -> list[str]:
    """Every key of every show, sorted and without repeats: for each show the 8 keys with its
    city, date and format each either kept or replaced by the wildcard.

    Raises :class:`InvalidInput` if an item is not a :class:`ShowFact`.
    """
    keys: set[str] = set()
    for show in shows:
        require_instance(show, ShowFact, "shows")
        for city in (show.city_id, WILDCARD):
            for day in (show.date, None):
                for kind in (show.format, None):
                    keys.add(show_key(city, day, kind))
    return sorted(keys)


def _joined(text: str) -> str:
    return " ".join(analyze(text))


def document_json(document: MovieDocument) -> dict[str, Any]:
    """The document as plain JSON values (the ``doc`` field): strings, lists, ints and None;
    the rating as its decimal string, dates as ISO strings.  The inverse of :func:`document_from`
    on ``{"doc": ...}``.  Raises :class:`InvalidInput` for a non-document."""
    require_instance(document, MovieDocument, "document")
    return {
        "movie_id": document.movie_id,
        "title": document.title,
        "cast": list(document.cast),
        "director": document.director,
        "description": document.description,
        "genres": list(document.genres),
        "languages": list(document.languages),
        "status": document.status.value,
        "rating": None if document.rating is None else str(document.rating),
        "popularity": document.popularity,
        "release_date": document.release_date.isoformat(),
        "shows": [
            {
                "show_id": show.show_id,
                "city_id": show.city_id,
                "date": show.date.isoformat(),
                "format": show.format.value,
            }
            for show in document.shows
        ],
    }


def _approximate(rating: Decimal | None) -> float | None:
    if rating is None:
        return None
    value = float(rating)
    return value if math.isfinite(value) else None


def source_of(document: MovieDocument) -> dict[str, Any]:
    """The ``_source`` that indexes ``document`` (its ``_id`` is ``document.movie_id``).

    Raises :class:`InvalidInput` for a non-document, or a popularity above :data:`MAX_LONG`
    (Elasticsearch's ``long`` cannot hold it).
    """
    require_instance(document, MovieDocument, "document")
    if document.popularity > MAX_LONG:
        raise InvalidInput(field="popularity", reason=f"at most {MAX_LONG} in Elasticsearch")
    title = analyze(document.title)
    rated = document.rating is not None
    return {
        "movie_id": document.movie_id,
        "title": " ".join(title),
        "cast": [_joined(name) for name in document.cast],
        "director": _joined(document.director),
        "description": _joined(document.description),
        "title_suffixes": [" ".join(title[i:]) for i in range(len(title))],
        "title_sort": fold(document.title),
        "genres": sorted({fold(genre) for genre in document.genres}),
        "languages": sorted({fold(language) for language in document.languages}),
        "status": document.status.value,
        "rated": 1 if rated else 0,
        # Unrated movies share the key of 0, as the domain's sort key gives them Decimal(0).
        "rating_key": rating_key(document.rating if document.rating is not None else Decimal(0)),
        # For people and dashboards (Kibana, range queries by hand); the engine orders and
        # filters by the exact rating_key.  None when unrated or beyond a double's range.
        "rating": _approximate(document.rating),
        "popularity": document.popularity,
        "release_ordinal": document.release_date.toordinal(),
        "release_date": document.release_date.isoformat(),
        "show_count": len(document.shows),
        "show_keys": show_keys(document.shows),
        "doc": document_json(document),
    }


# --- reading back --------------------------------------------------------------------------------


def _field(values: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in values:
        raise InvalidInput(field=f"source.doc.{name}", reason="missing")
    value = values[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidInput(field=f"source.doc.{name}", reason="of the wrong type")
    return value


def _day(values: Mapping[str, Any], name: str) -> date:
    text = _field(values, name, str)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field=f"source.doc.{name}", reason="not an ISO date") from None


def _strings(values: Mapping[str, Any], name: str) -> tuple[str, ...]:
    # MovieDocument checks the items are strings.
    return tuple(_field(values, name, list))


def _rating(values: Mapping[str, Any]) -> Decimal | None:
    text = _field(values, "rating", (str, type(None)))
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise InvalidInput(field="source.doc.rating", reason="not a decimal string") from None


def _show(values: object) -> ShowFact:
    if not isinstance(values, Mapping):
        raise InvalidInput(field="source.doc.shows", reason="not an object")
    return ShowFact(
        show_id=_field(values, "show_id", str),
        city_id=_field(values, "city_id", str),
        date=_day(values, "date"),
        format=_field(values, "format", str),
    )


def document_from(source: Mapping[str, Any]) -> MovieDocument:
    """The :class:`MovieDocument` that ``source`` (a ``_source`` from :func:`source_of`, at least
    its ``doc`` field) holds, exactly as it was indexed.

    Raises :class:`InvalidInput` (``field`` names the bad part) when ``source`` is not such a
    mapping or its ``doc`` is malformed.
    """
    if not isinstance(source, Mapping) or not isinstance(source.get("doc"), Mapping):
        raise InvalidInput(field="source", reason="a _source with a doc object")
    doc: Mapping[str, Any] = source["doc"]
    return MovieDocument(
        movie_id=_field(doc, "movie_id", str),
        title=_field(doc, "title", str),
        cast=_strings(doc, "cast"),
        director=_field(doc, "director", str),
        description=_field(doc, "description", str),
        genres=_strings(doc, "genres"),
        languages=_strings(doc, "languages"),
        status=_field(doc, "status", str),
        rating=_rating(doc),
        popularity=_field(doc, "popularity", int),
        release_date=_day(doc, "release_date"),
        shows=tuple(_show(show) for show in _field(doc, "shows", list)),
    )
