"""The MongoDB review store: :class:`MongoReviewStore` on PyMongo's native async API.

Three collections in one database (``bookmyshow`` unless told another):

* ``reviews`` — one document per review, ``_id`` = review id (see :mod:`.codec`), with its
  ``helpful`` count;
* ``review_votes`` — ``{review_id, user_id}``, one document per helpful vote;
* ``rating_summaries`` — ``{_id: movie_id, counts: {"1": n, ..., "10": n}}``.

Rules enforced by unique indexes (:data:`INDEXES`, created by
:meth:`MongoReviewStore.ensure_indexes`): one review per ``(movie_id, user_id)`` and one vote per
``(review_id, user_id)``.  Pages are keyset queries on the indexes that match the port's orders
exactly (``created_at.us`` is the exact instant in µs; strings compare by UTF-8 bytes, i.e. by
code point, as the port orders them).

**Consistency path.**  Every write is one atomic single-document operation, followed by an atomic
``$inc`` of the movie's summary by what that operation changed: ``add`` inserts and adds its
rating; ``replace`` uses ``find_one_and_update`` and moves the rating *it* replaced (the
pre-image), and ``remove`` uses ``find_one_and_delete`` and uncounts the pre-image's rating, so
concurrent edits of one review move exactly the ratings they overwrote.  The increments commute,
so once concurrent writes finish the summary equals the reviews.  A crash (or a lost connection)
between a review write and its ``$inc`` leaves the summary off by that one write, and so does a
write the server applied but could not acknowledge under the write concern (it raises
``BackendUnavailable`` before the ``$inc``): :meth:`MongoReviewStore.recompute` rebuilds the
summary from the reviews with a ``$group`` aggregation and replaces the summary document.  A
recompute racing review writes of the same movie may miss or double one of their increments;
run it again once the movie is quiet.  A vote checks the review exists, inserts the vote (a
duplicate means "already voted": nothing changes), then ``$inc``-s the review's ``helpful``; a
crash in between leaves the count one short, which :meth:`MongoReviewStore.recount_helpful`
repairs.  Removing a review deletes its votes; a vote whose review vanished meanwhile is
withdrawn.

The movie's rating in the catalog and the search index follows the summaries through domain
events raised by the review service, never inside these writes.

Every driver error becomes ``BackendUnavailable(backend="mongo")``; arguments are checked first
and refused with ``InvalidInput`` before anything is sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC
from types import TracebackType
from typing import Any, Final, Self

from bson.codec_options import CodecOptions
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import ConfigurationError, DuplicateKeyError
from pymongo.read_preferences import (
    Nearest,
    Primary,
    PrimaryPreferred,
    ReadPreference,
    Secondary,
    SecondaryPreferred,
)
from pymongo.uri_parser import parse_uri
from pymongo.write_concern import WriteConcern

from bookmyshow.adapters.mongo.codec import (
    helpful_from,
    rating_from,
    review_document,
    review_fields,
    review_from,
    stored_review_from,
    summary_document,
    summary_from,
)
from bookmyshow.adapters.mongo.errors import translated, violated_index
from bookmyshow.domain.catalog import require_id
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.reviews import MAX_RATING, MIN_RATING, RatingSummary, Review, ReviewExists
from bookmyshow.domain.validation import require_instance
from bookmyshow.ports.errors import Conflict, NotFound
from bookmyshow.ports.reviews import (
    DEFAULT_PAGE_SIZE,
    ReviewOrder,
    ReviewPage,
    StoredReview,
    check_order,
    check_page_size,
    decode_cursor,
    page_of,
)

__all__ = [
    "DEFAULT_DATABASE",
    "DEFAULT_WRITE_CONCERN",
    "INDEXES",
    "REVIEWS",
    "SUMMARIES",
    "VOTES",
    "Document",
    "MongoReviewStore",
    "ReadPreferenceMode",
    "connect",
]

Document = dict[str, Any]
"""The document type of the store's client and collections."""
ReadPreferenceMode = Primary | PrimaryPreferred | Secondary | SecondaryPreferred | Nearest
"""A PyMongo read preference, e.g. ``ReadPreference.PRIMARY`` or ``SecondaryPreferred()``."""

DEFAULT_DATABASE: Final = "bookmyshow"
"""The database the store's collections live in unless told another."""
DEFAULT_WRITE_CONCERN: Final = WriteConcern(w="majority", j=True)
"""Acknowledged by a majority of the replica set and journaled: an acknowledged review survives
a failover."""

REVIEWS: Final = "reviews"
VOTES: Final = "review_votes"
SUMMARIES: Final = "rating_summaries"

_CREATED: Final = "created_at.us"
_NEWEST_SORT: Final = [(_CREATED, DESCENDING), ("_id", DESCENDING)]
_HELPFUL_SORT: Final = [("helpful", DESCENDING), *_NEWEST_SORT]

INDEXES: Final[Mapping[str, tuple[IndexModel, ...]]] = {
    REVIEWS: (
        # One review per user per movie; also serves by_author.
        IndexModel(
            [("movie_id", ASCENDING), ("user_id", ASCENDING)], unique=True, name="movie_user"
        ),
        IndexModel([("movie_id", ASCENDING), *_NEWEST_SORT], name="movie_newest"),
        IndexModel([("movie_id", ASCENDING), *_HELPFUL_SORT], name="movie_helpful"),
    ),
    # One vote per user per review; its review_id prefix serves removing a review's votes.
    VOTES: (
        IndexModel(
            [("review_id", ASCENDING), ("user_id", ASCENDING)], unique=True, name="review_user"
        ),
    ),
}
"""The indexes :meth:`MongoReviewStore.ensure_indexes` creates, by collection (``_id`` — the
review id, the summary's movie id — is unique by itself)."""

_CODEC_OPTIONS: Final[CodecOptions[Document]] = CodecOptions(
    document_class=dict, tz_aware=True, tzinfo=UTC
)
_UPSERT_ATTEMPTS: Final = 5
"""Tries of a summary upsert: two first upserts of a movie can race on its ``_id``; the loser
wrote nothing and tries again (MongoDB 4.2+ retries such upserts in the server already)."""
_FORBIDDEN_IN_DATABASE: Final = frozenset('/\\. "$\x00')
_MAX_DATABASE: Final = 63


def _database_name(value: object) -> str:
    if (
        not isinstance(value, str)
        or not 1 <= len(value.encode()) <= _MAX_DATABASE
        or any(c in _FORBIDDEN_IN_DATABASE for c in value)
    ):
        raise InvalidInput(field="database", reason='1-63 bytes without / \\ . " $, spaces or NUL')
    return value


class MongoReviewStore:
    """A :class:`~bookmyshow.ports.reviews.ReviewStore` in MongoDB (see the module).

    ``client`` is owned by the store from then on: :meth:`close` (or leaving ``async with``)
    closes it.  ``write_concern`` (default :data:`DEFAULT_WRITE_CONCERN`) applies to every write;
    ``read_preference`` (default primary) to the listing reads (:meth:`page`, :meth:`ratings`) —
    a secondary may answer them without the caller's latest writes.  Reads that decide a write
    (:meth:`get` and :meth:`by_author`, which the services edit and vote on, :meth:`summary`,
    which the rating propagator copies into the catalog, the pre-images, a recompute's
    aggregation) always go to the primary.

    Call :meth:`ensure_indexes` at start-up; the first write does it too if nobody did, because
    the rules rest on the unique indexes.  Raises ``InvalidInput`` for a non-client or a bad
    database name, write concern or read preference.
    """

    def __init__(
        self,
        client: AsyncMongoClient[Document],
        *,
        database: str = DEFAULT_DATABASE,
        write_concern: WriteConcern = DEFAULT_WRITE_CONCERN,
        read_preference: ReadPreferenceMode = ReadPreference.PRIMARY,
    ) -> None:
        self._client = require_instance(client, AsyncMongoClient, "client")
        require_instance(write_concern, WriteConcern, "write_concern")
        if not isinstance(read_preference, ReadPreferenceMode):
            raise InvalidInput(field="read_preference", reason="a pymongo read preference")
        db = client.get_database(
            _database_name(database),
            codec_options=_CODEC_OPTIONS,
            write_concern=write_concern,
            read_preference=ReadPreference.PRIMARY,
        )
        self._db = db
        self._database = db.name
        self._reviews: AsyncCollection[Document] = db[REVIEWS]
        self._votes: AsyncCollection[Document] = db[VOTES]
        self._summaries: AsyncCollection[Document] = db[SUMMARIES]
        self._read_reviews = self._reviews.with_options(read_preference=read_preference)
        self._indexed = False

    @property
    def client(self) -> AsyncMongoClient[Document]:
        """The PyMongo client (owned by the store)."""
        return self._client

    @property
    def database(self) -> str:
        """The name of the database holding the store's collections."""
        return self._database

    # --- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        """The store itself; leaving the block closes it."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the client."""
        await self.close()

    async def close(self) -> None:
        """Close the client and its connections."""
        await self._client.close()

    async def ping(self) -> None:
        """Send the ``ping`` command: a readiness check.

        Raises ``BackendUnavailable`` when no server is selectable within the client's
        ``serverSelectionTimeoutMS`` (or the server refuses the command).
        """
        with translated("ping"):
            await self._client.admin.command("ping")

    async def ensure_indexes(self) -> None:
        """Create the :data:`INDEXES` that do not exist yet (idempotent: existing ones with the
        same definition are left alone).

        Raises ``BackendUnavailable`` if the server fails, or if an index of the same name
        exists with another definition, or existing data breaks a unique index.
        """
        for collection, models in INDEXES.items():
            with translated(f"create the indexes of {self._database}.{collection}"):
                await self._db[collection].create_indexes(list(models))
        self._indexed = True

    async def _ready(self) -> None:
        # Concurrent first writes may each send createIndexes; the server makes that harmless.
        if not self._indexed:
            await self.ensure_indexes()

    # --- ReviewStore -----------------------------------------------------------------------------

    async def add(self, review: Review) -> None:
        """Store a new review (no votes) and count its rating in the movie's summary.

        Raises ``ReviewExists`` when its author already reviewed the movie (also when the id is
        taken too), ``Conflict(what="review_id")`` for a review id in use, ``InvalidInput`` for
        a non-Review, ``BackendUnavailable``.
        """
        document = review_document(review)
        await self._ready()
        duplicate: DuplicateKeyError | None = None
        with translated(f"add review {review.review_id!r}"):
            try:
                await self._reviews.insert_one(document)
            except DuplicateKeyError as exc:
                duplicate = exc
        if duplicate is not None:
            raise await self._refusal(review, duplicate) from duplicate
        await self._count(review.movie_id, add=review.rating)

    async def _refusal(self, review: Review, exc: DuplicateKeyError) -> Exception:
        if violated_index(exc) != "movie_user":
            # The id is taken (or the server did not say which index): the author's earlier
            # review still takes precedence, as in every other store.
            with translated(f"add review {review.review_id!r}"):
                mine = await self._reviews.find_one(
                    {"movie_id": review.movie_id, "user_id": review.user_id}, {"_id": 1}
                )
            if mine is None:
                return Conflict(what="review_id", keys=(review.review_id,))
        return ReviewExists(movie_id=review.movie_id, user_id=review.user_id)

    async def get(self, review_id: str) -> StoredReview:
        """The review and its votes; ``NotFound(kind="review")``, ``InvalidInput`` for a
        malformed id, ``BackendUnavailable``."""
        require_id(review_id, "review_id")
        with translated(f"read review {review_id!r}"):
            # From the primary: the services decide writes (edits, votes) on what this returns.
            document = await self._reviews.find_one({"_id": review_id})
        if document is None:
            raise NotFound(kind="review", key=review_id)
        return stored_review_from(document)

    async def by_author(self, movie_id: str, user_id: str) -> StoredReview | None:
        """The user's review of the movie, if any (``InvalidInput``, ``BackendUnavailable``)."""
        require_id(movie_id, "movie_id")
        require_id(user_id, "user_id")
        with translated(f"read the review of {movie_id!r} by {user_id!r}"):
            # From the primary, like get(): the services decide on it.
            document = await self._reviews.find_one({"movie_id": movie_id, "user_id": user_id})
        return None if document is None else stored_review_from(document)

    async def replace(self, review: Review) -> Review:
        """Store the edited ``review`` over the one with its id (votes kept) and move its rating
        in the summary; returns the review it replaced.

        Raises ``NotFound(kind="review")``, ``InvalidInput`` if the movie or author differ from
        the stored review's (nothing is written) or for a non-Review, ``BackendUnavailable``.
        """
        fields = review_fields(review)
        rid = review.review_id
        with translated(f"replace review {rid!r}"):
            # The filter makes "same movie and author" part of the atomic write; the pre-image
            # is the review this edit overwrote, whatever other edits did meanwhile.  $set, not
            # a whole-document replace, so votes counted meanwhile are kept.
            before = await self._reviews.find_one_and_update(
                {"_id": rid, "movie_id": review.movie_id, "user_id": review.user_id},
                {"$set": fields},
                return_document=ReturnDocument.BEFORE,
            )
            current = (
                None
                if before is not None
                else await self._reviews.find_one({"_id": rid}, {"movie_id": 1, "user_id": 1})
            )
        if before is None:
            # Not there when the write ran (or there with another movie or author).
            if current is not None and current.get("movie_id") != review.movie_id:
                raise InvalidInput(field="review.movie_id", reason="an edit keeps the movie")
            if current is not None and current.get("user_id") != review.user_id:
                raise InvalidInput(field="review.user_id", reason="an edit keeps the author")
            raise NotFound(kind="review", key=rid)
        old = review_from(before)
        await self._count(review.movie_id, add=review.rating, remove=old.rating)
        return old

    async def remove(self, review_id: str) -> Review:
        """Delete the review and its votes, uncount its rating, and return it.

        Raises ``NotFound(kind="review")``, ``InvalidInput`` for a malformed id,
        ``BackendUnavailable``.
        """
        require_id(review_id, "review_id")
        with translated(f"remove review {review_id!r}"):
            before = await self._reviews.find_one_and_delete({"_id": review_id})
        if before is None:
            raise NotFound(kind="review", key=review_id)
        old = review_from(before)
        # Uncount first: if the vote clean-up fails, orphan votes are harmless, a rating still
        # counted for a deleted review is not.
        await self._count(old.movie_id, remove=old.rating)
        with translated(f"remove the votes of review {review_id!r}"):
            await self._votes.delete_many({"review_id": review_id})
        return old

    async def vote_helpful(self, review_id: str, user_id: str) -> int:
        """Record that ``user_id`` found the review helpful (once: voting again changes nothing)
        and return its helpful count.

        Raises ``NotFound(kind="review")``, ``InvalidInput`` for a malformed id,
        ``BackendUnavailable``.
        """
        require_id(review_id, "review_id")
        require_id(user_id, "user_id")
        await self._ready()
        vote = {"review_id": review_id, "user_id": user_id}
        document: Document | None = None
        with translated(f"vote for review {review_id!r} by {user_id!r}"):
            # Look first: a vote is only recorded for a review that exists, so a vote never
            # waits on a review that is still being added (a repeat of it would then count as
            # "already voted" for a vote about to be withdrawn).
            if await self._reviews.find_one({"_id": review_id}, {"_id": 1}) is not None:
                try:
                    await self._votes.insert_one(dict(vote))
                except DuplicateKeyError:
                    # Already voted: report the count as it stands.
                    document = await self._reviews.find_one({"_id": review_id}, {"helpful": 1})
                else:
                    document = await self._reviews.find_one_and_update(
                        {"_id": review_id},
                        {"$inc": {"helpful": 1}},
                        projection={"helpful": 1},
                        return_document=ReturnDocument.AFTER,
                    )
                if document is None:
                    # Removed meanwhile, perhaps before its votes were deleted: the vote must
                    # not outlive it.
                    await self._votes.delete_one(vote)
        if document is None:
            raise NotFound(kind="review", key=review_id)
        return helpful_from(document)

    async def page(
        self,
        movie_id: str,
        *,
        order: ReviewOrder = ReviewOrder.NEWEST,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> ReviewPage:
        """Up to ``limit`` reviews of the movie in ``order``, strictly after ``cursor``.

        Raises ``InvalidInput`` for a malformed id or order, a ``limit`` outside 1..100 or a
        cursor not made for this movie and order; ``BackendUnavailable``.
        """
        require_id(movie_id, "movie_id")
        check_order(order)
        check_page_size(limit)
        query: dict[str, Any] = {"movie_id": movie_id}
        if cursor is not None:
            key = decode_cursor(cursor, movie_id, order)
            created, rid = key.created_us, key.review_id
            newer: list[dict[str, Any]] = [
                {_CREATED: {"$lt": created}},
                {_CREATED: created, "_id": {"$lt": rid}},
            ]
            if order is ReviewOrder.HELPFUL:
                query["$or"] = [
                    {"helpful": {"$lt": key.helpful}},
                    *({"helpful": key.helpful, **branch} for branch in newer),
                ]
            else:
                query["$or"] = newer
        sort = _HELPFUL_SORT if order is ReviewOrder.HELPFUL else _NEWEST_SORT
        with translated(f"page the reviews of {movie_id!r}"):
            # One more than the page tells whether another page follows.
            documents = await self._read_reviews.find(query, sort=sort, limit=limit + 1).to_list()
        return page_of(movie_id, order, [stored_review_from(d) for d in documents], limit)

    async def summary(self, movie_id: str) -> RatingSummary:
        """The movie's rating summary as maintained (empty when it has none).

        Raises ``InvalidInput`` for a malformed id, ``BackendUnavailable``.
        """
        require_id(movie_id, "movie_id")
        with translated(f"read the rating summary of {movie_id!r}"):
            # From the primary: the rating propagator copies it into the catalog right after a
            # write, and a lagging secondary's copy would stay there.
            document = await self._summaries.find_one({"_id": movie_id})
        return summary_from(document)

    async def recompute(self, movie_id: str) -> RatingSummary:
        """Rebuild the movie's summary from its reviews (a ``$group`` aggregation on the
        primary), store it in place of the maintained one, and return it.

        Raises ``InvalidInput`` for a malformed id, ``BackendUnavailable``.
        """
        require_id(movie_id, "movie_id")
        pipeline: list[dict[str, Any]] = [
            {"$match": {"movie_id": movie_id}},
            {"$group": {"_id": "$rating", "n": {"$sum": 1}}},
        ]
        with translated(f"recompute the rating summary of {movie_id!r}"):
            cursor = await self._reviews.aggregate(pipeline)
            groups = await cursor.to_list()
        counts = [0] * (MAX_RATING - MIN_RATING + 1)
        for group in groups:
            rating = rating_from({"_id": movie_id, "rating": group.get("_id")})
            counts[rating - MIN_RATING] = int(group["n"])
        rebuilt = RatingSummary(tuple(counts))
        await self._upsert_summary(
            movie_id,
            lambda: self._summaries.replace_one(
                {"_id": movie_id}, summary_document(rebuilt), upsert=True
            ),
        )
        return rebuilt

    async def ratings(self, movie_id: str) -> Sequence[int]:
        """Every rating given to the movie, in no particular order (``InvalidInput``,
        ``BackendUnavailable``)."""
        require_id(movie_id, "movie_id")
        with translated(f"read the ratings of {movie_id!r}"):
            documents = await self._read_reviews.find(
                {"movie_id": movie_id}, {"rating": 1}
            ).to_list()
        return [rating_from(d) for d in documents]

    # --- repairs ---------------------------------------------------------------------------------

    async def recount_helpful(self, movie_id: str) -> int:
        """Set each review of the movie's ``helpful`` to its number of votes; return how many
        reviews were off.

        Repairs a vote whose ``$inc`` was lost to a crash.  Like :meth:`recompute`, a vote
        racing the recount may leave one review off by one; run it when the movie is quiet.
        Raises ``InvalidInput`` for a malformed id, ``BackendUnavailable``.
        """
        require_id(movie_id, "movie_id")
        action = f"recount the helpful votes of {movie_id!r}"
        with translated(action):
            reviews = await self._reviews.find({"movie_id": movie_id}, {"helpful": 1}).to_list()
            counted: dict[Any, int] = {}
            if reviews:
                cursor = await self._votes.aggregate(
                    [
                        {"$match": {"review_id": {"$in": [d["_id"] for d in reviews]}}},
                        {"$group": {"_id": "$review_id", "n": {"$sum": 1}}},
                    ]
                )
                counted = {g["_id"]: int(g["n"]) for g in await cursor.to_list()}
            fixed = 0
            for document in reviews:
                votes = counted.get(document["_id"], 0)
                if document.get("helpful") != votes:
                    await self._reviews.update_one(
                        {"_id": document["_id"]}, {"$set": {"helpful": votes}}
                    )
                    fixed += 1
        return fixed

    # --- summary writes --------------------------------------------------------------------------

    async def _count(
        self, movie_id: str, *, add: int | None = None, remove: int | None = None
    ) -> None:
        """``$inc`` the movie's summary: one more ``add`` rating, one fewer ``remove`` rating.

        Unconditional, so increments commute: a remove whose ``-1`` lands before its add's
        ``+1`` leaves a moment's negative count, and the right count once both ran.
        """
        if add == remove:
            return
        change: dict[str, int] = {}
        if add is not None:
            change[f"counts.{add}"] = 1
        if remove is not None:
            change[f"counts.{remove}"] = -1
        await self._upsert_summary(
            movie_id,
            lambda: self._summaries.update_one({"_id": movie_id}, {"$inc": change}, upsert=True),
        )

    async def _upsert_summary(self, movie_id: str, write: Callable[[], Awaitable[object]]) -> None:
        action = f"update the rating summary of {movie_id!r}"
        for attempt in range(1, _UPSERT_ATTEMPTS + 1):
            with translated(action):
                try:
                    await write()
                except DuplicateKeyError:
                    # A concurrent first upsert of this movie inserted the document; ours did
                    # nothing, and now finds the document.
                    if attempt == _UPSERT_ATTEMPTS:
                        raise
                    continue
            return


def connect(
    url: str,
    *,
    database: str = DEFAULT_DATABASE,
    write_concern: WriteConcern = DEFAULT_WRITE_CONCERN,
    read_preference: ReadPreferenceMode = ReadPreference.PRIMARY,
    **client_options: Any,
) -> MongoReviewStore:
    """A store over a new :class:`~pymongo.AsyncMongoClient` for ``url`` (``mongodb://`` or
    ``mongodb+srv://``; URL options such as ``serverSelectionTimeoutMS`` or ``replicaSet`` are
    honoured, and ``client_options`` are passed to the client).

    Nothing is sent until the first call; then ``await store.ensure_indexes()``.  A
    ``mongodb://`` URL is parsed strictly first, so an unknown option or a bad option value is
    refused rather than ignored with a warning (``mongodb+srv://`` URLs need DNS to parse and
    are left to the driver).  Raises ``InvalidInput(field="url")`` for a URL or option the
    driver refuses, and as :class:`MongoReviewStore` for the other arguments.
    """
    if not isinstance(url, str) or not url.startswith(("mongodb://", "mongodb+srv://")):
        raise InvalidInput(field="url", reason="a mongodb:// or mongodb+srv:// URL")
    _database_name(database)
    try:
        if url.startswith("mongodb://"):
            parse_uri(url)
        client: AsyncMongoClient[Document] = AsyncMongoClient(url, **client_options)
    except (ConfigurationError, ValueError, TypeError) as exc:
        # The driver's messages name the offending part, never a password.
        raise InvalidInput(field="url", reason=f"{type(exc).__name__}: {exc}") from exc
    return MongoReviewStore(
        client, database=database, write_concern=write_concern, read_preference=read_preference
    )
