"""The MongoDB review store against the review store contract, plus what is Mongo's own:
indexes, the BSON codec, drift repair, several clients at once and error translation."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

import bson
import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError
from pymongo.read_preferences import Secondary
from pymongo.write_concern import WriteConcern

from bookmyshow.adapters.mongo import codec
from bookmyshow.adapters.mongo.errors import violated_index
from bookmyshow.adapters.mongo.reviews import (
    INDEXES,
    REVIEWS,
    SUMMARIES,
    VOTES,
    Document,
    MongoReviewStore,
    connect,
)
from bookmyshow.domain.errors import BookMyShowError, InvalidInput
from bookmyshow.domain.reviews import RatingSummary, Review, ReviewExists
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.reviews import ReviewStore, StoredReview, epoch_micros
from bookmyshow.testing.contracts.reviews import ReviewStoreContract
from bookmyshow.testing.fixtures import T0, UniqueIds, sample_review
from bookmyshow.testing.strategies.catalog import reviews
from tests.mongo.conftest import StoreFactory, free_port

pytestmark = pytest.mark.timeout(300)

_SETTINGS: Final = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def ids() -> UniqueIds:
    """Fresh ids for the adapter tests."""
    return UniqueIds(uuid.uuid4().hex[:10])


@pytest.fixture
async def store(store_factory: StoreFactory) -> AsyncIterator[MongoReviewStore]:
    """A store on a fresh database with its indexes, dropped after the test."""
    async with store_factory() as opened:
        yield opened


def _db(store: MongoReviewStore) -> Any:
    """The store's database, for reading and corrupting documents behind its back."""
    return store.client.get_database(
        store.database, codec_options=bson.CodecOptions(tz_aware=True, tzinfo=UTC)
    )


class TestMongoReviewStore(ReviewStoreContract):
    """MongoReviewStore keeps the review store contract."""

    @pytest.fixture
    async def review_store(self, store_factory: StoreFactory) -> AsyncIterator[MongoReviewStore]:
        """A store on a fresh database of the session's server, dropped after the test."""
        async with store_factory() as opened:
            yield opened

    @pytest.fixture(autouse=True)
    def _emulator(self, mongo_emulator: str | None) -> None:
        """Remember whether the session's server is the SecantusDB emulator."""
        self.emulator = mongo_emulator

    @pytest.mark.emulator_difference
    async def test_concurrent_writes_and_votes_keep_summary_and_counts(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """Concurrent writes and votes leave summary == recompute (needs atomic findAndModify)."""
        mongo_emulator = self.emulator
        if mongo_emulator is not None:
            pytest.skip(
                f"SecantusDB {mongo_emulator}: concurrent findAndModify calls on one document "
                "can return the same pre-image, so two concurrent edits move one rating twice"
            )
        await super().test_concurrent_writes_and_votes_keep_summary_and_counts(review_store, ids)


# --- indexes -------------------------------------------------------------------------------------


async def test_ensure_indexes_creates_every_index_and_is_idempotent(
    store_factory: StoreFactory,
) -> None:
    """ensure_indexes twice leaves exactly the declared indexes, with their keys and uniqueness."""
    async with store_factory(ensure_indexes=False) as store:
        await store.ensure_indexes()
        await store.ensure_indexes()
        for collection, models in INDEXES.items():
            info = await _db(store)[collection].index_information()
            expected = {m.document["name"]: m.document for m in models}
            assert set(info) == {"_id_", *expected}
            for name, spec in expected.items():
                assert list(info[name]["key"]) == list(spec["key"].items())
                assert bool(info[name].get("unique")) == bool(spec.get("unique"))


async def test_first_write_creates_the_unique_indexes(
    store_factory: StoreFactory, ids: UniqueIds
) -> None:
    """A store nobody ensured still refuses a second review: its first write makes the indexes."""
    async with store_factory(ensure_indexes=False) as store:
        movie, user = ids("movie"), ids("user")
        await store.add(sample_review(ids("review"), movie_id=movie, user_id=user))
        with pytest.raises(ReviewExists):
            await store.add(sample_review(ids("review"), movie_id=movie, user_id=user))
        assert "movie_user" in await _db(store)[REVIEWS].index_information()
        assert "review_user" in await _db(store)[VOTES].index_information()


# --- the BSON codec ------------------------------------------------------------------------------

_ZONES: Final = st.sampled_from(
    (UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=9, minutes=45)))
)
_INSTANTS: Final = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_ZONES
)


@st.composite
def _exact_reviews(draw: st.DrawFn) -> StoredReview:
    """Reviews with instants to the microsecond, in several zones, over the whole calendar."""
    review = draw(reviews())
    created = draw(_INSTANTS)
    edited = draw(st.none() | st.timedeltas(timedelta(0), timedelta(days=400)))
    if edited is not None and created.astimezone(UTC) + edited > datetime(9999, 12, 30, tzinfo=UTC):
        edited = None
    return StoredReview(
        review=evolve(
            review, created_at=created, edited_at=None if edited is None else created + edited
        ),
        helpful=draw(st.integers(0, 2**40)),
    )


@_SETTINGS
@given(stored=_exact_reviews())
def test_codec_round_trips_through_bson_exactly(stored: StoredReview) -> None:
    """Encoded to BSON bytes and decoded, any review comes back equal to the microsecond."""
    document = codec.review_document(stored.review, helpful=stored.helpful)
    options: bson.CodecOptions[dict[str, Any]] = bson.CodecOptions(tz_aware=True)
    raw = bson.decode(bson.encode(document), codec_options=options)
    back = codec.stored_review_from(raw)
    assert back == stored
    assert back.review.created_at == stored.review.created_at
    assert back.review.edited_at == stored.review.edited_at
    # The BSON date beside the exact instant is the instant floored to the millisecond.
    created = stored.review.created_at.astimezone(UTC)
    assert raw["created_at"]["at"] == created.replace(
        microsecond=created.microsecond // 1000 * 1000
    )


@pytest.mark.asyncio
@_SETTINGS
@given(stored=_exact_reviews())
async def test_stored_documents_keep_exact_instants(
    store: MongoReviewStore, stored: StoredReview
) -> None:
    """The server keeps each instant's µs beside its ms date; get returns the review exactly."""
    ids = UniqueIds(uuid.uuid4().hex[:10])
    review = evolve(
        stored.review, review_id=ids("review"), movie_id=ids("movie"), user_id=ids("user")
    )
    await store.add(review)
    raw = await _db(store)[REVIEWS].find_one({"_id": review.review_id})
    assert raw is not None
    assert raw["created_at"]["us"] == epoch_micros(review.created_at)
    created = review.created_at.astimezone(UTC)
    assert raw["created_at"]["at"] == created.replace(
        microsecond=created.microsecond // 1000 * 1000
    )
    assert await store.get(review.review_id) == StoredReview(review=review)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rating", "8"),
        ("rating", 8.0),
        ("rating", 11),
        ("helpful", True),
        ("helpful", -1),
        ("verified", 1),
        ("created_at", datetime(2030, 1, 1, tzinfo=UTC)),
        ("created_at", {"at": datetime(2030, 1, 1, tzinfo=UTC)}),
        ("text", None),
    ],
)
async def test_corrupt_review_documents_are_backend_unavailable(
    store: MongoReviewStore, ids: UniqueIds, field: str, value: object
) -> None:
    """A stored review with a wrong type or value reads as BackendUnavailable, not a bad review."""
    review = sample_review(ids("review"), movie_id=ids("movie"), user_id=ids("user"))
    await store.add(review)
    await _db(store)[REVIEWS].update_one({"_id": review.review_id}, {"$set": {field: value}})
    with pytest.raises(BackendUnavailable) as info:
        await store.get(review.review_id)
    assert info.value.backend == "mongo"
    assert review.review_id in info.value.reason


@pytest.mark.parametrize("counts", [{"11": 1}, {"5": "2"}, {"5": 1.5}, [1, 2]])
async def test_corrupt_summaries_are_backend_unavailable(
    store: MongoReviewStore, ids: UniqueIds, counts: object
) -> None:
    """A summary with a count that is no integer or a key that is no rating is refused."""
    movie = ids("movie")
    await _db(store)[SUMMARIES].insert_one({"_id": movie, "counts": counts})
    with pytest.raises(BackendUnavailable):
        await store.summary(movie)
    assert await store.recompute(movie) == RatingSummary()
    assert await store.summary(movie) == RatingSummary()


# --- drift and its repair ------------------------------------------------------------------------


async def test_recompute_repairs_a_corrupted_summary(
    store: MongoReviewStore, ids: UniqueIds
) -> None:
    """A summary overwritten behind the store's back stays wrong until recompute rebuilds it."""
    movie = ids("movie")
    for rating in (2, 9, 9):
        await store.add(
            sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=rating)
        )
    right = RatingSummary.from_ratings([2, 9, 9])
    await _db(store)[SUMMARIES].replace_one({"_id": movie}, {"counts": {"1": 4, "5": -3}})
    drifted = await store.summary(movie)
    # A negative count reads as zero (an add and a remove can race it there for a moment).
    assert drifted == RatingSummary.from_ratings([1, 1, 1, 1])
    assert await store.recompute(movie) == right
    assert await store.summary(movie) == right
    assert await _db(store)[SUMMARIES].find_one({"_id": movie}) == {
        "_id": movie,
        **codec.summary_document(right),
    }


async def test_recompute_counts_a_review_whose_increment_was_lost(
    store: MongoReviewStore, ids: UniqueIds
) -> None:
    """A review written without its $inc (a crash in between) is missed until recompute."""
    movie = ids("movie")
    await store.add(sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=4))
    lost = sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=7)
    await _db(store)[REVIEWS].insert_one(codec.review_document(lost))
    assert await store.summary(movie) == RatingSummary.from_ratings([4])
    assert await store.recompute(movie) == RatingSummary.from_ratings([4, 7])
    assert await store.summary(movie) == RatingSummary.from_ratings([4, 7])
    # Later writes keep moving the repaired summary.
    await store.remove(lost.review_id)
    assert await store.summary(movie) == RatingSummary.from_ratings([4])


async def test_recount_helpful_repairs_lost_vote_increments(
    store: MongoReviewStore, ids: UniqueIds
) -> None:
    """Votes recorded without their $inc are counted by recount_helpful, and only those."""
    movie = ids("movie")
    first = sample_review(ids("review"), movie_id=movie, user_id=ids("user"))
    second = sample_review(ids("review"), movie_id=movie, user_id=ids("user"))
    for review in (first, second):
        await store.add(review)
    await store.vote_helpful(first.review_id, ids("user"))
    await _db(store)[VOTES].insert_many(
        [{"review_id": second.review_id, "user_id": ids("user")} for _ in range(3)]
    )
    assert (await store.get(second.review_id)).helpful == 0
    assert await store.recount_helpful(movie) == 1
    assert (await store.get(first.review_id)).helpful == 1
    assert (await store.get(second.review_id)).helpful == 3
    assert await store.recount_helpful(movie) == 0


async def test_remove_deletes_the_vote_documents(store: MongoReviewStore, ids: UniqueIds) -> None:
    """Removing a review deletes its vote documents and no other review's."""
    movie = ids("movie")
    gone = sample_review(ids("review"), movie_id=movie, user_id=ids("user"))
    kept = sample_review(ids("review"), movie_id=movie, user_id=ids("user"))
    for review in (gone, kept):
        await store.add(review)
        for _ in range(2):
            await store.vote_helpful(review.review_id, ids("user"))
    await store.remove(gone.review_id)
    votes = _db(store)[VOTES]
    assert await votes.count_documents({"review_id": gone.review_id}) == 0
    assert await votes.count_documents({"review_id": kept.review_id}) == 2


# --- several clients at once ---------------------------------------------------------------------


async def _outcome(call: Awaitable[object]) -> object:
    try:
        return await call
    except BookMyShowError as error:
        return error


async def test_many_clients_reviewing_and_voting_agree_with_recompute(
    store_factory: StoreFactory, ids: UniqueIds
) -> None:
    """Three clients adding, editing, removing and voting at once leave the summary equal to a
    recompute and every helpful count equal to the review's vote documents."""
    # Each review is edited or removed by one call at most: concurrent edits of one review need
    # an atomic findAndModify, which the contract's concurrency test covers on real MongoDB.
    movie = ids("movie")
    async with (
        store_factory() as first,
        store_factory(first.database) as second,
        store_factory(first.database) as third,
    ):
        stores = (first, second, third)
        seeded = [
            sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=r)
            for r in (1, 3, 5, 7, 9, 10, 2, 4, 6, 8, 10, 10)
        ]
        for review in seeded:
            await first.add(review)
        users = [ids("user") for _ in range(30)]
        calls: list[Awaitable[object]] = []
        for i, user in enumerate(users * 2):  # everyone tries twice, on different clients
            review = sample_review(
                ids("review"), movie_id=movie, user_id=user, rating=1 + (i * 7) % 10
            )
            calls.append(stores[i % 3].add(review))
        for i, review in enumerate(seeded[:6]):
            edited = review.edit(by=review.user_id, at=T0, rating=1 + (i * 3) % 10)
            calls.append(stores[i % 3].replace(edited))
        calls += [stores[i % 3].remove(r.review_id) for i, r in enumerate(seeded[6:9])]
        voters = [ids("user") for _ in range(10)]
        for i in range(90):
            target = seeded[i % len(seeded)]
            calls.append(stores[i % 3].vote_helpful(target.review_id, voters[i % 10]))
        results = await asyncio.gather(*(_outcome(c) for c in calls))
        errors = Counter(type(r).__name__ for r in results if isinstance(r, BookMyShowError))
        assert errors == Counter(ReviewExists=30, NotFound=errors["NotFound"])
        ratings = await first.ratings(movie)
        assert len(ratings) == len(seeded) - 3 + len(users)
        expected = RatingSummary.from_ratings(ratings)
        for each in stores:
            assert await each.summary(movie) == expected
        assert await third.recompute(movie) == expected
        votes = _db(first)[VOTES]
        async for document in _db(first)[REVIEWS].find({"movie_id": movie}):
            counted = await votes.count_documents({"review_id": document["_id"]})
            assert document["helpful"] == counted, document["_id"]
        removed = [r.review_id for r in seeded[6:9]]
        assert await votes.count_documents({"review_id": {"$in": removed}}) == 0


# --- errors and configuration --------------------------------------------------------------------


async def test_unreachable_server_is_backend_unavailable_quickly(ids: UniqueIds) -> None:
    """With nothing listening, every call fails fast with BackendUnavailable(backend="mongo")."""
    url = f"mongodb://127.0.0.1:{free_port()}/?serverSelectionTimeoutMS=200&connectTimeoutMS=200"
    async with connect(url, database="bms_unreachable") as store:
        review = sample_review(ids("review"), movie_id=ids("movie"), user_id=ids("user"))
        calls: list[Awaitable[object]] = [
            store.ensure_indexes(),
            store.add(review),
            store.get(review.review_id),
            store.page(review.movie_id),
            store.summary(review.movie_id),
            store.recompute(review.movie_id),
        ]
        for call in calls:
            started = time.monotonic()
            with pytest.raises(BackendUnavailable) as info:
                await call
            assert info.value.backend == "mongo"
            assert "ServerSelectionTimeoutError" in info.value.reason
            assert time.monotonic() - started < 5


async def test_write_concern_applies_to_every_write(
    store: MongoReviewStore, mongo_url: str, ids: UniqueIds
) -> None:
    """Under a write concern no deployment of under 50 nodes meets, every write is
    BackendUnavailable while reads answer; recompute then repairs the summary."""
    movie = ids("movie")
    review = sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=3)
    await store.add(review)
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_url)
    unmet = WriteConcern(w=50, wtimeout=1000)
    async with MongoReviewStore(client, database=store.database, write_concern=unmet) as strict:
        assert await strict.get(review.review_id) == StoredReview(review=review)
        edited = review.edit(by=review.user_id, at=T0, rating=9)
        writes: list[Awaitable[object]] = [
            strict.ensure_indexes(),
            strict.add(sample_review(ids("review"), movie_id=movie, user_id=ids("user"))),
            strict.replace(edited),
            strict.recompute(movie),
            strict.remove(review.review_id),
        ]
        for write in writes:
            with pytest.raises(BackendUnavailable) as info:
                await write
            assert "WriteConcernError" in info.value.reason
    # The server applied the writes on the primary, but the summary increments never ran.
    ratings = await store.ratings(movie)
    assert await store.recompute(movie) == RatingSummary.from_ratings(ratings)


async def test_reads_follow_the_read_preference_and_writes_go_to_the_primary(
    store_factory: StoreFactory, mongo_url: str, ids: UniqueIds
) -> None:
    """Read preference "secondary" moves listing reads only; writes and decision reads stay."""
    # On a one-member replica set (no secondary) listing reads then fail fast; get() does not.
    probe: AsyncMongoClient[Document] = AsyncMongoClient(mongo_url)
    try:
        hello = await probe.admin.command("hello")
    finally:
        await probe.close()
    async with store_factory() as plain:
        client: AsyncMongoClient[Document] = AsyncMongoClient(
            mongo_url, serverSelectionTimeoutMS=300
        )
        async with MongoReviewStore(
            client, database=plain.database, read_preference=Secondary()
        ) as store:
            review = sample_review(ids("review"), movie_id=ids("movie"), user_id=ids("user"))
            await store.add(review)
            assert await store.get(review.review_id) == StoredReview(review=review)
            assert (await store.summary(review.movie_id)).count == 1
            if "setName" in hello and len(hello.get("hosts", ())) == 1:
                with pytest.raises(BackendUnavailable):
                    await store.ratings(review.movie_id)
            else:
                # A standalone serves every read; a larger set's secondaries catch up.
                deadline = time.monotonic() + 10
                while not await store.ratings(review.movie_id):
                    assert time.monotonic() < deadline, "no secondary caught up"
                    await asyncio.sleep(0.1)


def test_violated_index_is_read_from_the_message_or_the_key_pattern() -> None:
    """The index a duplicate key hit is named from the server's message, else its key pattern."""
    message = "E11000 duplicate key error collection: db.reviews index: movie_user dup key: {}"
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"errmsg": message}, "movie_user"),
        ({"errmsg": "duplicate", "keyPattern": {"_id": 1}}, "_id_"),
        ({"keyPattern": {"movie_id": 1, "user_id": 1}}, None),
        ({}, None),
    ]
    for details, name in cases:
        assert violated_index(DuplicateKeyError("dup", 11000, details)) == name


def test_bad_arguments_are_invalid_input() -> None:
    """Bad URLs, database names, clients and read preferences are refused before any I/O."""
    client: AsyncMongoClient[Document] = AsyncMongoClient("mongodb://127.0.0.1:1/", connect=False)
    loose: Any = MongoReviewStore
    refused: list[tuple[str, Any]] = [
        ("url", lambda: connect("http://127.0.0.1:27017")),
        ("url", lambda: connect("mongodb://127.0.0.1:27017/?w=banana&journal=maybe")),
        ("url", lambda: connect("mongodb://host:notaport")),
        ("database", lambda: connect("mongodb://127.0.0.1:27017", database="a.b")),
        ("database", lambda: connect("mongodb://127.0.0.1:27017", database="")),
        ("database", lambda: connect("mongodb://127.0.0.1:27017", database="x" * 64)),
        ("client", lambda: loose(object())),
        ("read_preference", lambda: loose(client, read_preference="secondary")),
        ("write_concern", lambda: loose(client, write_concern={"w": 1})),
    ]
    for field, make in refused:
        with pytest.raises(InvalidInput) as info:
            make()
        assert info.value.field == field


def test_documents_are_review_fields_and_helpful() -> None:
    """A review document holds the review's fields under their names, _id and helpful."""
    review: Review = sample_review("review-doc", movie_id="movie-doc", user_id="user-doc")
    document = codec.review_document(review, helpful=3)
    assert set(document) == {
        "_id",
        "movie_id",
        "user_id",
        "rating",
        "text",
        "created_at",
        "edited_at",
        "verified",
        "helpful",
    }
    assert document["_id"] == "review-doc"
    assert document["created_at"]["us"] == epoch_micros(review.created_at)
    assert codec.review_fields(review) == {
        k: v for k, v in document.items() if k not in {"_id", "helpful"}
    }
