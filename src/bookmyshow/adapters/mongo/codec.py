"""The Mongo boundary's one cattrs converter: reviews and rating summaries to BSON documents and
back, exactly.

**Instants.**  A BSON date holds milliseconds, a review's instants hold microseconds, and the
pages' keyset cursors compare exact instants.  So every instant is stored as a sub-document::

    {"at": <BSON date, floored to the millisecond>, "us": <int64 µs since the Unix epoch>}

``us`` is the truth: it is what is read back, sorted on and compared with cursors
(:func:`~bookmyshow.ports.reviews.epoch_micros`); ``at`` is there for people and tools (the
shell, date queries, TTL or time-series work), and is never read by this package.

**Documents.**  A review (collection ``reviews``)::

    {"_id": review_id, "movie_id": str, "user_id": str, "rating": int,
     "created_at": {"at", "us"}, "text": str, "edited_at": {"at", "us"} | null,
     "verified": bool, "helpful": int}

A rating summary (collection ``rating_summaries``) is ``{"_id": movie_id, "counts": {"1": n,
..., "10": n}}``; a missing count is zero, so an ``$inc`` on a missing document or field makes a
valid summary.

Structuring is strict — ints must be ints (not bools or floats), strings strings — and re-runs the
domain classes' validation, so a corrupt document fails loudly with
:class:`~bookmyshow.ports.errors.BackendUnavailable` instead of yielding a bad review.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from bookmyshow.adapters.mongo.errors import BACKEND
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.reviews import MAX_RATING, MIN_RATING, RatingSummary, Review
from bookmyshow.domain.validation import require_instance
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.reviews import StoredReview, epoch_micros

__all__ = [
    "converter",
    "helpful_from",
    "instant_from",
    "rating_from",
    "review_document",
    "review_fields",
    "review_from",
    "stored_review_from",
    "summary_document",
    "summary_from",
]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_RATING_KEYS: Final = tuple(str(r) for r in range(MIN_RATING, MAX_RATING + 1))

# Reading a document can fail in these ways; each means the stored data is corrupt.
_UNREADABLE: Final = (
    cattrs.BaseValidationError,
    InvalidInput,
    KeyError,
    TypeError,
    ValueError,
    OverflowError,
)


def _instant_document(instant: datetime) -> dict[str, Any]:
    # bson floors an aware datetime to the millisecond when it encodes "at".
    return {"at": instant.astimezone(UTC), "us": epoch_micros(instant)}


def instant_from(value: object) -> datetime:
    """The exact UTC instant of a stored ``{"at", "us"}`` sub-document (read from ``us``).

    Raises ``TypeError`` / ``OverflowError`` for anything else (a corrupt document).
    """
    if not isinstance(value, Mapping):
        raise TypeError("an instant is a {at, us} document")
    return _EPOCH + _strict_int(value["us"]) * _MICROSECOND


def _strict_int(value: object, _type: object = int) -> int:
    # bson returns Int64 (an int subclass) for 64-bit values; bools and floats are refused.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return int(value)


def _strict_str(value: object, _type: object = str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _strict_bool(value: object, _type: object = bool) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}")
    return value


def _summary_fields(summary: RatingSummary) -> dict[str, Any]:
    return {"counts": {str(rating): count for rating, count in summary.histogram.items()}}


def _make() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_unstructure_hook(datetime, _instant_document)
    conv.register_structure_hook(datetime, lambda value, _t: instant_from(value))
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_unstructure_hook(
        Review, make_dict_unstructure_fn(Review, conv, review_id=override(rename="_id"))
    )
    conv.register_structure_hook(
        Review, make_dict_structure_fn(Review, conv, review_id=override(rename="_id"))
    )
    conv.register_unstructure_hook(RatingSummary, _summary_fields)
    return conv


converter: Final = _make()
"""The converter; use it for every value the Mongo adapter stores (see the module for the
encodings)."""


def _corrupt(what: str, document: object, exc: BaseException) -> BackendUnavailable:
    key = document.get("_id") if isinstance(document, Mapping) else None
    if isinstance(exc, cattrs.BaseValidationError):
        detail = "; ".join(cattrs.transform_error(exc))
    else:
        detail = f"{type(exc).__name__}: {exc}"
    return BackendUnavailable(
        backend=BACKEND, reason=f"corrupt {what} document {key!r}: {detail[:300]}"
    )


def review_document(review: Review, *, helpful: int = 0) -> dict[str, Any]:
    """The ``reviews`` document of ``review`` with ``helpful`` votes (see the module).

    Raises ``InvalidInput`` for a non-Review.
    """
    require_instance(review, Review, "review")
    document: dict[str, Any] = converter.unstructure(review, Review)
    document["helpful"] = helpful
    return document


def review_fields(review: Review) -> dict[str, Any]:
    """The fields an edit sets (everything but ``_id`` and ``helpful``, which votes own)."""
    document = review_document(review)
    del document["_id"], document["helpful"]
    return document


def review_from(document: Mapping[str, Any]) -> Review:
    """The review a ``reviews`` document holds; ``BackendUnavailable`` if it is corrupt."""
    try:
        fields = {k: v for k, v in document.items() if k != "helpful"}
        return converter.structure(fields, Review)
    except _UNREADABLE as exc:
        raise _corrupt("review", document, exc) from exc


def stored_review_from(document: Mapping[str, Any]) -> StoredReview:
    """The review and its helpful count; ``BackendUnavailable`` if the document is corrupt."""
    return StoredReview(review=review_from(document), helpful=helpful_from(document))


def helpful_from(document: Mapping[str, Any]) -> int:
    """The helpful count of a ``reviews`` document, which may be projected to ``helpful``;
    ``BackendUnavailable`` if it is missing or not a non-negative integer."""
    try:
        helpful = _strict_int(document["helpful"])
        if helpful < 0:
            raise ValueError(f"helpful count {helpful} is negative")
    except _UNREADABLE as exc:
        raise _corrupt("review", document, exc) from exc
    return helpful


def rating_from(document: Mapping[str, Any]) -> int:
    """The rating (1-10) of a ``reviews`` document, which may be projected to ``rating``;
    ``BackendUnavailable`` if it is missing or not a rating."""
    try:
        rating = _strict_int(document["rating"])
        if not MIN_RATING <= rating <= MAX_RATING:
            raise ValueError(f"rating {rating} is not from {MIN_RATING} to {MAX_RATING}")
    except _UNREADABLE as exc:
        raise _corrupt("review", document, exc) from exc
    return rating


def summary_document(summary: RatingSummary) -> dict[str, Any]:
    """The ``rating_summaries`` fields of ``summary``: ``{"counts": {"1": n, ..., "10": n}}``."""
    require_instance(summary, RatingSummary, "summary")
    fields: dict[str, Any] = converter.unstructure(summary, RatingSummary)
    return fields


def summary_from(document: Mapping[str, Any] | None) -> RatingSummary:
    """The summary a ``rating_summaries`` document holds (empty for ``None``).

    A count missing from the document is zero.  A negative count is read as zero: counts move
    by ``$inc`` after each review write, so one can dip below zero for a moment while an add and
    a remove of the same review race (the remove's ``-1`` landing first), and stays there only
    after a crash between a review write and its ``$inc`` — drift that ``recompute`` repairs.
    Raises ``BackendUnavailable`` for a count that is not an integer or a key that is not a
    rating.
    """
    if document is None:
        return RatingSummary()
    try:
        counts = document.get("counts", {})
        if not isinstance(counts, Mapping):
            raise TypeError("counts is not a document")
        unknown = set(counts) - set(_RATING_KEYS)
        if unknown:
            raise ValueError(f"counts of no rating: {sorted(map(str, unknown))}")
        return RatingSummary(tuple(max(0, _strict_int(counts.get(key, 0))) for key in _RATING_KEYS))
    except _UNREADABLE as exc:
        raise _corrupt("rating summary", document, exc) from exc
