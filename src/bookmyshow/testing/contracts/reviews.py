"""Contract suite for :class:`bookmyshow.ports.reviews.ReviewStore` adapters.

Subclass :class:`ReviewStoreContract` in a test module and override one fixture,
``review_store``: a store (it may be an async fixture that yields and closes it)::

    class TestMemoryReviewStore(ReviewStoreContract):
        @pytest.fixture
        def review_store(self) -> ReviewStore:
            return MemoryReviewStore()

Every test (and every Hypothesis example) makes its movie, user and review ids with a random
prefix (:class:`~bookmyshow.testing.fixtures.UniqueIds`), so the store may keep one database
for a whole session and need not be empty.  Creation times carry microseconds: a store must
give them back exactly and order pages by them.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.domain.errors import BookMyShowError, InvalidInput
from bookmyshow.domain.reviews import RatingSummary, Review, ReviewExists
from bookmyshow.ports.errors import Conflict, NotFound
from bookmyshow.ports.reviews import (
    MAX_PAGE_SIZE,
    ReviewOrder,
    ReviewPage,
    ReviewStore,
    StoredReview,
    decode_cursor,
    encode_cursor,
    sort_key,
)
from bookmyshow.testing.fixtures import T0, UniqueIds, sample_review
from bookmyshow.testing.strategies.catalog import ratings, reviews

__all__ = ["ReviewStoreContract"]

_T = TypeVar("_T")

_contract = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)

# Few distinct creation instants (with microseconds), so ties broken by review id are common.
_INSTANTS: Final = tuple(
    T0 + timedelta(seconds=s, microseconds=us) for s in (0, 1) for us in (0, 7)
)
_instants = st.sampled_from(_INSTANTS) | st.integers(0, 10**9).map(
    lambda us: T0 + timedelta(microseconds=us)
)
_orders = st.sampled_from(tuple(ReviewOrder))


async def _outcome(call: Awaitable[_T]) -> _T | BookMyShowError:
    """The call's result, or the bookmyshow error it raised."""
    try:
        return await call
    except BookMyShowError as error:
        return error


def _expected(stored: Sequence[StoredReview], order: ReviewOrder) -> list[StoredReview]:
    """``stored`` as a page in ``order`` lists them."""
    return sorted(stored, key=lambda s: sort_key(order, s), reverse=True)


async def _walk(
    store: ReviewStore, movie_id: str, order: ReviewOrder, limit: int
) -> list[ReviewPage]:
    """Every page of the movie's reviews, following cursors to the end."""
    pages = [await store.page(movie_id, order=order, limit=limit)]
    while pages[-1].next_cursor is not None:
        cursor = pages[-1].next_cursor
        pages.append(await store.page(movie_id, order=order, limit=limit, cursor=cursor))
        assert len(pages) <= 1000, "paging does not end"
    return pages


async def _everything(store: ReviewStore, movie_id: str) -> list[StoredReview]:
    """All the movie's reviews as stored, newest first."""
    pages = await _walk(store, movie_id, ReviewOrder.NEWEST, MAX_PAGE_SIZE)
    return [item for page in pages for item in page.items]


class ReviewStoreContract:
    """What every review store promises: one review per user per movie, one helpful vote per
    user per review, summaries that always equal a recompute, and stable keyset pages."""

    @pytest.fixture
    def review_store(self) -> ReviewStore:
        """The store under test (override in the adapter's test module; may be async)."""
        raise NotImplementedError

    @pytest.fixture
    def ids(self) -> UniqueIds:
        """Fresh ids with a random prefix, unique across tests and sessions."""
        return UniqueIds(uuid.uuid4().hex[:10])

    # ---------------------------------------------------------------- add, get, by_author

    @pytest.mark.asyncio
    async def test_add_then_get_and_by_author(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """An added review reads back with no votes by id and by its author, and is counted."""
        review = sample_review(ids("review"), movie_id=ids("movie"), user_id=ids("user"))
        await review_store.add(review)
        assert await review_store.get(review.review_id) == StoredReview(review=review, helpful=0)
        found = await review_store.by_author(review.movie_id, review.user_id)
        assert found == StoredReview(review=review, helpful=0)
        assert await review_store.by_author(review.movie_id, ids("user")) is None
        assert await review_store.by_author(ids("movie"), review.user_id) is None
        assert await review_store.summary(review.movie_id) == RatingSummary.from_ratings([8])
        assert list(await review_store.ratings(review.movie_id)) == [8]

    @pytest.mark.asyncio
    async def test_unknown_movie_is_empty(self, review_store: ReviewStore, ids: UniqueIds) -> None:
        """A movie nobody reviewed has an empty summary, no ratings and an empty last page."""
        movie = ids("movie")
        assert await review_store.summary(movie) == RatingSummary()
        assert list(await review_store.ratings(movie)) == []
        for order in ReviewOrder:
            assert await review_store.page(movie, order=order) == ReviewPage(items=())
        assert await review_store.recompute(movie) == RatingSummary()

    @pytest.mark.asyncio
    async def test_get_unknown_review_is_not_found(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """get of an id never stored raises NotFound(kind="review") naming the id."""
        missing = ids("review")
        with pytest.raises(NotFound) as info:
            await review_store.get(missing)
        assert (info.value.kind, info.value.key) == ("review", missing)

    @pytest.mark.asyncio
    @_contract
    @given(
        review=reviews(),
        micros=st.integers(0, 999_999),
        edit_micros=st.integers(0, 999_999),
    )
    async def test_any_review_round_trips(
        self,
        review_store: ReviewStore,
        ids: UniqueIds,
        review: Review,
        micros: int,
        edit_micros: int,
    ) -> None:
        """Any valid review, edited or not, to the microsecond, reads back equal."""
        created = review.created_at + timedelta(microseconds=micros)
        edited = (
            None
            if review.edited_at is None
            else review.edited_at + timedelta(microseconds=micros + edit_micros)
        )
        stored = evolve(
            review,
            review_id=ids("review"),
            movie_id=ids("movie"),
            user_id=ids("user"),
            created_at=created,
            edited_at=edited,
        )
        await review_store.add(stored)
        got = await review_store.get(stored.review_id)
        assert got == StoredReview(review=stored)
        assert got.review.created_at == created
        assert got.review.edited_at == edited
        assert await review_store.by_author(stored.movie_id, stored.user_id) == got

    # ---------------------------------------------------------------- one review per user

    @pytest.mark.asyncio
    async def test_second_review_by_same_user_is_review_exists(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """A user's second review of a movie raises ReviewExists and changes nothing."""
        movie, user = ids("movie"), ids("user")
        first = sample_review(ids("review"), movie_id=movie, user_id=user, rating=9)
        await review_store.add(first)
        second = sample_review(ids("review"), movie_id=movie, user_id=user, rating=2)
        with pytest.raises(ReviewExists) as info:
            await review_store.add(second)
        assert (info.value.code, info.value.movie_id, info.value.user_id) == (
            "review_exists",
            movie,
            user,
        )
        with pytest.raises(NotFound):
            await review_store.get(second.review_id)
        assert await review_store.by_author(movie, user) == StoredReview(review=first)
        assert await review_store.summary(movie) == RatingSummary.from_ratings([9])

    @pytest.mark.asyncio
    async def test_same_user_may_review_other_movies_and_others_this_one(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """The one-review rule is per user and movie: other pairs are all accepted."""
        movie, other_movie, user, other_user = ids("movie"), ids("movie"), ids("user"), ids("user")
        pairs = [(movie, user), (other_movie, user), (movie, other_user)]
        for m, u in pairs:
            await review_store.add(sample_review(ids("review"), movie_id=m, user_id=u))
        assert sorted(await review_store.ratings(movie)) == [8, 8]
        assert list(await review_store.ratings(other_movie)) == [8]

    @pytest.mark.asyncio
    async def test_concurrent_reviews_by_one_user_store_exactly_one(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """Twenty concurrent adds by one user of one movie: one stored, nineteen ReviewExists."""
        movie, user = ids("movie"), ids("user")
        attempts = [
            sample_review(ids("review"), movie_id=movie, user_id=user, rating=1 + i % 10)
            for i in range(20)
        ]
        results = await asyncio.gather(*(_outcome(review_store.add(r)) for r in attempts))
        errors = [r for r in results if r is not None]
        assert len(errors) == 19
        assert all(isinstance(e, ReviewExists) for e in errors), errors
        winner = attempts[results.index(None)]
        assert await review_store.by_author(movie, user) == StoredReview(review=winner)
        assert list(await review_store.ratings(movie)) == [winner.rating]
        assert await review_store.summary(movie) == RatingSummary.from_ratings([winner.rating])

    @pytest.mark.asyncio
    async def test_review_id_in_use_is_conflict(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """A new review reusing a stored review's id raises Conflict(what="review_id")."""
        first = sample_review(ids("review"), movie_id=ids("movie"), user_id=ids("user"))
        await review_store.add(first)
        clash = sample_review(first.review_id, movie_id=ids("movie"), user_id=ids("user"))
        with pytest.raises(Conflict) as info:
            await review_store.add(clash)
        assert info.value.what == "review_id"
        assert await review_store.get(first.review_id) == StoredReview(review=first)
        assert await review_store.by_author(clash.movie_id, clash.user_id) is None
        assert await review_store.summary(clash.movie_id) == RatingSummary()

    # ---------------------------------------------------------------- replace

    @pytest.mark.asyncio
    async def test_replace_moves_the_rating_and_keeps_votes(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """replace stores the edit, returns the old review, moves its rating, keeps its votes."""
        movie = ids("movie")
        old = sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=3)
        other = sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=7)
        await review_store.add(old)
        await review_store.add(other)
        for _ in range(2):
            await review_store.vote_helpful(old.review_id, ids("user"))
        edited = old.edit(by=old.user_id, at=T0 + timedelta(hours=1), rating=10, text="Better.")
        assert await review_store.replace(edited) == old
        assert await review_store.get(old.review_id) == StoredReview(review=edited, helpful=2)
        found = await review_store.by_author(movie, old.user_id)
        assert found == StoredReview(review=edited, helpful=2)
        assert sorted(await review_store.ratings(movie)) == [7, 10]
        assert await review_store.summary(movie) == RatingSummary.from_ratings([7, 10])

    @pytest.mark.asyncio
    async def test_replace_refuses_another_movie_or_author(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """replace with another movie or author raises InvalidInput and changes nothing."""
        review = sample_review(ids("review"), movie_id=ids("movie"), user_id=ids("user"), rating=4)
        await review_store.add(review)
        for changed in (
            evolve(review, movie_id=ids("movie"), rating=9),
            evolve(review, user_id=ids("user"), rating=9),
        ):
            with pytest.raises(InvalidInput):
                await review_store.replace(changed)
        assert await review_store.get(review.review_id) == StoredReview(review=review)
        assert await review_store.summary(review.movie_id) == RatingSummary.from_ratings([4])

    @pytest.mark.asyncio
    async def test_replace_unknown_review_is_not_found(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """replace of a review that is not stored raises NotFound and stores nothing."""
        review = sample_review(ids("review"), movie_id=ids("movie"), user_id=ids("user"))
        with pytest.raises(NotFound) as info:
            await review_store.replace(review)
        assert (info.value.kind, info.value.key) == ("review", review.review_id)
        assert await review_store.by_author(review.movie_id, review.user_id) is None
        assert await review_store.summary(review.movie_id) == RatingSummary()

    # ---------------------------------------------------------------- remove

    @pytest.mark.asyncio
    async def test_remove_uncounts_and_deletes_votes(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """remove returns the review, uncounts it, forgets its votes and frees its author."""
        movie, user = ids("movie"), ids("user")
        review = sample_review(ids("review"), movie_id=movie, user_id=user, rating=6)
        await review_store.add(review)
        await review_store.add(sample_review(ids("review"), movie_id=movie, user_id=ids("user")))
        voter = ids("user")
        await review_store.vote_helpful(review.review_id, voter)
        assert await review_store.remove(review.review_id) == review
        with pytest.raises(NotFound):
            await review_store.get(review.review_id)
        assert await review_store.by_author(movie, user) is None
        assert list(await review_store.ratings(movie)) == [8]
        assert await review_store.summary(movie) == RatingSummary.from_ratings([8])
        with pytest.raises(NotFound) as info:
            await review_store.vote_helpful(review.review_id, voter)
        assert (info.value.kind, info.value.key) == ("review", review.review_id)
        # The author may review again, even under the old id; the votes did not survive.
        again = sample_review(review.review_id, movie_id=movie, user_id=user, rating=2)
        await review_store.add(again)
        assert await review_store.get(again.review_id) == StoredReview(review=again, helpful=0)
        assert await review_store.vote_helpful(again.review_id, voter) == 1

    @pytest.mark.asyncio
    async def test_remove_unknown_review_is_not_found(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """remove of an id not stored, or removed already, raises NotFound(kind="review")."""
        review = sample_review(ids("review"), movie_id=ids("movie"), user_id=ids("user"))
        await review_store.add(review)
        await review_store.remove(review.review_id)
        for review_id in (review.review_id, ids("review")):
            with pytest.raises(NotFound) as info:
                await review_store.remove(review_id)
            assert (info.value.kind, info.value.key) == ("review", review_id)
        assert await review_store.summary(review.movie_id) == RatingSummary()

    # ---------------------------------------------------------------- helpful votes

    @pytest.mark.asyncio
    async def test_helpful_votes_count_once_per_user(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """Each user's first vote counts; voting again returns the count unchanged."""
        review = sample_review(ids("review"), movie_id=ids("movie"), user_id=ids("user"))
        await review_store.add(review)
        alice, bob = ids("user"), ids("user")
        assert await review_store.vote_helpful(review.review_id, alice) == 1
        assert await review_store.vote_helpful(review.review_id, alice) == 1
        assert await review_store.vote_helpful(review.review_id, bob) == 2
        assert await review_store.vote_helpful(review.review_id, alice) == 2
        assert (await review_store.get(review.review_id)).helpful == 2
        assert await review_store.summary(review.movie_id) == RatingSummary.from_ratings([8])

    @pytest.mark.asyncio
    async def test_vote_on_unknown_review_is_not_found(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """vote_helpful on a review that is not stored raises NotFound(kind="review")."""
        missing = ids("review")
        with pytest.raises(NotFound) as info:
            await review_store.vote_helpful(missing, ids("user"))
        assert (info.value.kind, info.value.key) == ("review", missing)

    @pytest.mark.asyncio
    async def test_concurrent_votes_count_distinct_voters(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """Sixty concurrent votes by twenty users (three each) leave exactly twenty votes."""
        review = sample_review(ids("review"), movie_id=ids("movie"), user_id=ids("user"))
        await review_store.add(review)
        voters = [ids("user") for _ in range(20)]
        counts = await asyncio.gather(
            *(review_store.vote_helpful(review.review_id, v) for v in voters * 3)
        )
        assert all(1 <= c <= 20 for c in counts)
        assert max(counts) == 20
        assert (await review_store.get(review.review_id)).helpful == 20

    # ---------------------------------------------------------------- pages

    @pytest.mark.asyncio
    @_contract
    @given(
        specs=st.lists(st.tuples(_instants, st.integers(0, 4), ratings()), max_size=14),
        order=_orders,
        limit=st.integers(1, 6),
    )
    async def test_pages_follow_the_sort_keys(
        self,
        review_store: ReviewStore,
        ids: UniqueIds,
        specs: list[tuple[datetime, int, int]],
        order: ReviewOrder,
        limit: int,
    ) -> None:
        """Pages list the movie's reviews by the order's key; only the last has no cursor."""
        movie = ids("movie")
        stored: list[StoredReview] = []
        for created_at, votes, rating in specs:
            review = sample_review(
                ids("review"), movie_id=movie, user_id=ids("user"), rating=rating
            )
            review = evolve(review, created_at=created_at)
            await review_store.add(review)
            for _ in range(votes):
                await review_store.vote_helpful(review.review_id, ids("user"))
            stored.append(StoredReview(review=review, helpful=votes))
        await review_store.add(sample_review(ids("review"), movie_id=ids("movie")))
        pages = await _walk(review_store, movie, order, limit)
        assert [item for page in pages for item in page.items] == _expected(stored, order)
        assert all(len(page.items) == limit for page in pages[:-1])
        assert 0 < len(pages[-1].items) <= limit or not stored

    @pytest.mark.asyncio
    async def test_helpful_order_breaks_ties_by_newest_then_id(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """HELPFUL sorts by votes, then newest, then review id, all descending."""
        movie = ids("movie")
        late, early = T0 + timedelta(microseconds=1), T0
        # review ids compared as strings: "b" after "a", whatever the prefix.
        prefix = ids("review")
        specs = [("a", early, 1), ("b", early, 1), ("c", late, 1), ("d", late, 0), ("e", early, 2)]
        for suffix, created_at, votes in specs:
            review = sample_review(
                f"{prefix}-{suffix}", movie_id=movie, user_id=ids("user"), created_at=created_at
            )
            await review_store.add(review)
            for _ in range(votes):
                await review_store.vote_helpful(review.review_id, ids("user"))
        page = await review_store.page(movie, order=ReviewOrder.HELPFUL, limit=MAX_PAGE_SIZE)
        got = [s.review.review_id.rsplit("-", 1)[1] for s in page.items]
        assert got == ["e", "c", "b", "a", "d"]
        newest = await review_store.page(movie, order=ReviewOrder.NEWEST)
        assert [s.review.review_id.rsplit("-", 1)[1] for s in newest.items] == [
            "d",
            "c",
            "e",
            "b",
            "a",
        ]

    @pytest.mark.asyncio
    async def test_page_size_bounds(self, review_store: ReviewStore, ids: UniqueIds) -> None:
        """limit 1 and 100 are accepted; 0, 101, -1, a bool, a float or a str are InvalidInput."""
        movie = ids("movie")
        for _ in range(2):
            await review_store.add(sample_review(ids("review"), movie_id=movie, user_id=ids("u")))
        one = await review_store.page(movie, limit=1)
        assert len(one.items) == 1
        assert one.next_cursor is not None
        assert len((await review_store.page(movie, limit=MAX_PAGE_SIZE)).items) == 2
        bad: list[Any] = [0, MAX_PAGE_SIZE + 1, -1, True, 5.0, "5", None]
        for limit in bad:
            with pytest.raises(InvalidInput) as info:
                await review_store.page(movie, limit=limit)
            assert info.value.field == "limit"

    @pytest.mark.asyncio
    async def test_cursor_is_the_shared_encoding(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """A page's cursor is encode_cursor of its last item, so any adapter reads it."""
        movie = ids("movie")
        for minute in range(3):
            review = sample_review(ids("review"), movie_id=movie, user_id=ids("user"))
            await review_store.add(evolve(review, created_at=T0 + timedelta(minutes=minute)))
        for order in ReviewOrder:
            first = await review_store.page(movie, order=order, limit=2)
            assert first.next_cursor == encode_cursor(movie, order, first.items[-1])
            key = decode_cursor(first.next_cursor, movie, order)
            assert key.review_id == first.items[-1].review.review_id
            rest = await review_store.page(movie, order=order, limit=2, cursor=first.next_cursor)
            assert len(rest.items) == 1
            assert rest.next_cursor is None

    @pytest.mark.asyncio
    async def test_foreign_or_garbage_cursor_is_invalid(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """A cursor of another movie or order, or not a cursor at all, is InvalidInput(cursor)."""
        movie, other = ids("movie"), ids("movie")
        for m in (movie, other):
            for _ in range(2):
                await review_store.add(sample_review(ids("review"), movie_id=m, user_id=ids("u")))
        newest = (await review_store.page(movie, limit=1)).next_cursor
        helpful = (await review_store.page(movie, order=ReviewOrder.HELPFUL, limit=1)).next_cursor
        elsewhere = (await review_store.page(other, limit=1)).next_cursor
        assert newest is not None
        assert helpful is not None
        assert elsewhere is not None
        junk = base64.urlsafe_b64encode(b'{"m":1}').decode()
        calls: list[tuple[ReviewOrder, Any]] = [
            (ReviewOrder.NEWEST, helpful),
            (ReviewOrder.HELPFUL, newest),
            (ReviewOrder.NEWEST, elsewhere),
            (ReviewOrder.NEWEST, ""),
            (ReviewOrder.NEWEST, "not a cursor"),
            (ReviewOrder.NEWEST, "%%%"),
            (ReviewOrder.NEWEST, newest[:-3]),
            (ReviewOrder.NEWEST, junk),
            (ReviewOrder.NEWEST, "A" * 5000),
            (ReviewOrder.NEWEST, 7),
            (ReviewOrder.NEWEST, b"abc"),
        ]
        for order, cursor in calls:
            with pytest.raises(InvalidInput) as info:
                await review_store.page(movie, order=order, cursor=cursor)
            assert info.value.field == "cursor", (order, cursor)

    @pytest.mark.asyncio
    @_contract
    @given(
        initial=st.lists(st.tuples(_instants, st.integers(0, 3)), max_size=12),
        inserts=st.lists(st.lists(_instants, max_size=3), max_size=8),
        order=_orders,
        limit=st.integers(1, 4),
    )
    async def test_cursors_are_stable_under_inserts(
        self,
        review_store: ReviewStore,
        ids: UniqueIds,
        *,
        initial: list[tuple[datetime, int]],
        inserts: list[list[datetime]],
        order: ReviewOrder,
        limit: int,
    ) -> None:
        """Reviews added between page fetches never repeat or skip one: every initial review
        is listed once, and each page is exactly the next reviews after its cursor."""
        movie = ids("movie")
        current: dict[str, StoredReview] = {}

        async def write(created_at: datetime, votes: int) -> None:
            review = sample_review(ids("review"), movie_id=movie, user_id=ids("user"))
            review = evolve(review, created_at=created_at)
            await review_store.add(review)
            for _ in range(votes):
                await review_store.vote_helpful(review.review_id, ids("user"))
            current[review.review_id] = StoredReview(review=review, helpful=votes)

        for created_at, votes in initial:
            await write(created_at, votes)
        at_start = set(current)
        seen: list[str] = []
        cursor: str | None = None
        batches = iter(inserts)
        while True:
            page = await review_store.page(movie, order=order, limit=limit, cursor=cursor)
            model = _expected(list(current.values()), order)
            if cursor is not None:
                key = decode_cursor(cursor, movie, order)
                model = [s for s in model if sort_key(order, s) < key.sort_key(order)]
            assert list(page.items) == model[:limit]
            assert (page.next_cursor is None) == (len(model) <= limit)
            seen.extend(s.review.review_id for s in page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
            for created_at in next(batches, []):
                await write(created_at, 0)
        assert len(seen) == len(set(seen)), "a review was listed twice"
        assert at_start <= set(seen), "a review present from the start was skipped"
        assert set(seen) <= set(current)

    # ---------------------------------------------------------------- summaries

    @pytest.mark.asyncio
    @_contract
    @given(
        steps=st.lists(
            st.tuples(st.sampled_from(("add", "replace", "remove")), st.integers(0, 4), ratings()),
            max_size=30,
        )
    )
    async def test_summary_follows_every_write(
        self,
        review_store: ReviewStore,
        ids: UniqueIds,
        steps: list[tuple[str, int, int]],
    ) -> None:
        """After any adds, replaces and removes the summary equals the ratings' summary."""
        movie = ids("movie")
        users = [ids("user") for _ in range(5)]
        live: dict[int, Review] = {}
        for action, who, rating in steps:
            existing = live.get(who)
            if action == "add":
                review = sample_review(
                    ids("review"), movie_id=movie, user_id=users[who], rating=rating
                )
                outcome = await _outcome(review_store.add(review))
                if existing is None:
                    assert outcome is None
                    live[who] = review
                else:
                    assert isinstance(outcome, ReviewExists)
            elif existing is None:
                # replace or remove of a review that is gone: NotFound, nothing changes.
                ghost = sample_review(ids("review"), movie_id=movie, user_id=users[who])
                call = (
                    review_store.replace(ghost)
                    if action == "replace"
                    else review_store.remove(ghost.review_id)
                )
                assert isinstance(await _outcome(call), NotFound)
            elif action == "replace":
                edited = evolve(existing, rating=rating, edited_at=existing.created_at)
                assert await review_store.replace(edited) == existing
                live[who] = edited
            else:
                assert await review_store.remove(existing.review_id) == existing
                del live[who]
            expected = RatingSummary.from_ratings(r.rating for r in live.values())
            assert await review_store.summary(movie) == expected
            assert Counter(await review_store.ratings(movie)) == Counter(
                r.rating for r in live.values()
            )
        assert await review_store.recompute(movie) == RatingSummary.from_ratings(
            r.rating for r in live.values()
        )

    @pytest.mark.asyncio
    async def test_recompute_rebuilds_from_stored_ratings(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """recompute returns and keeps the summary of the stored ratings, movie by movie."""
        movie, other = ids("movie"), ids("movie")
        for rating in (1, 10, 10, 5):
            await review_store.add(
                sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=rating)
            )
        await review_store.add(sample_review(ids("review"), movie_id=other, rating=3))
        expected = RatingSummary.from_ratings(await review_store.ratings(movie))
        assert expected == RatingSummary.from_ratings([1, 5, 10, 10])
        assert await review_store.recompute(movie) == expected
        assert await review_store.summary(movie) == expected
        assert await review_store.recompute(movie) == expected
        assert await review_store.summary(other) == RatingSummary.from_ratings([3])

    # ---------------------------------------------------------------- concurrency

    @pytest.mark.asyncio
    async def test_concurrent_writes_and_votes_keep_summary_and_counts(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """About a hundred concurrent adds, replaces, removes and votes leave the summary equal
        to a recompute and every review's helpful count equal to its distinct voters."""
        movie = ids("movie")
        seeded = [
            sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=1 + i % 10)
            for i in range(10)
        ]
        for review in seeded:
            await review_store.add(review)
        newcomers = [ids("user") for _ in range(10)]
        fresh = [
            sample_review(ids("review"), movie_id=movie, user_id=user, rating=1 + (i * 3) % 10)
            for i, user in enumerate(newcomers * 2)
        ]
        voters = [ids("user") for _ in range(8)]
        calls: list[Awaitable[object]] = []
        calls += [review_store.add(r) for r in fresh]  # 20: each newcomer twice
        calls += [review_store.add(evolve(r, review_id=ids("review"))) for r in seeded[:5]]
        for i, review in enumerate(seeded):  # 20 replaces: two edits of each seeded review
            for step in range(2):
                edited = review.edit(
                    by=review.user_id, at=T0 + timedelta(minutes=1), rating=1 + (i + step) % 10
                )
                calls.append(review_store.replace(edited))
        calls += [review_store.remove(r.review_id) for r in seeded[6:] * 2]  # 8 (4 twice)
        # 48 votes, some repeated, some on reviews being removed or not added yet.
        targets = seeded + fresh[:10]
        votes = [(targets[(i * 7) % len(targets)].review_id, v) for i, v in enumerate(voters * 6)]
        first_vote = len(calls)
        calls += [review_store.vote_helpful(review_id, voter) for review_id, voter in votes]
        assert len(calls) >= 100
        results = await asyncio.gather(*(_outcome(c) for c in calls))
        counted: dict[str, set[str]] = {}
        for (review_id, voter), result in zip(votes, results[first_vote:], strict=True):
            if not isinstance(result, NotFound):
                counted.setdefault(review_id, set()).add(voter)
        unexpected = [
            r
            for r in results
            if isinstance(r, BookMyShowError) and not isinstance(r, ReviewExists | NotFound)
        ]
        assert unexpected == []
        everything = await _everything(review_store, movie)
        ratings_now = await review_store.ratings(movie)
        assert Counter(ratings_now) == Counter(s.review.rating for s in everything)
        assert await review_store.summary(movie) == RatingSummary.from_ratings(ratings_now)
        assert await review_store.recompute(movie) == RatingSummary.from_ratings(ratings_now)
        by_id = {s.review.review_id: s for s in everything}
        assert not {r.review_id for r in seeded[6:]} & set(by_id), "removed reviews are back"
        for user in newcomers:
            assert sum(1 for s in everything if s.review.user_id == user) == 1
        assert len(everything) == 6 + len(newcomers)
        for review_id, stored in by_id.items():
            assert stored.helpful == len(counted.get(review_id, ())), review_id

    # ---------------------------------------------------------------- bad input

    @pytest.mark.asyncio
    async def test_bad_input_is_refused_before_any_write(
        self, review_store: ReviewStore, ids: UniqueIds
    ) -> None:
        """Empty ids, wrong types and bad page arguments raise InvalidInput and change nothing."""
        movie, user = ids("movie"), ids("user")
        review = sample_review(ids("review"), movie_id=movie, user_id=user, rating=5)
        await review_store.add(review)
        await review_store.vote_helpful(review.review_id, ids("user"))
        before = (await review_store.get(review.review_id), await review_store.summary(movie))
        # Typed as Any: the point is to pass what the signatures forbid.
        store: Any = review_store
        calls: list[Callable[[], Awaitable[object]]] = [
            lambda: store.add(None),
            lambda: store.add("review"),
            lambda: store.add(StoredReview(review=review)),
            lambda: store.get(""),
            lambda: store.get(5),
            lambda: store.get(None),
            lambda: store.by_author("", user),
            lambda: store.by_author(movie, ""),
            lambda: store.by_author(movie, 3),
            lambda: store.replace(None),
            lambda: store.replace(review.review_id),
            lambda: store.remove(""),
            lambda: store.remove(1),
            lambda: store.vote_helpful("", user),
            lambda: store.vote_helpful(review.review_id, ""),
            lambda: store.vote_helpful(review.review_id, None),
            lambda: store.page(""),
            lambda: store.page(None),
            lambda: store.page(movie, order="sideways"),
            lambda: store.page(movie, order=None),
            lambda: store.page(movie, limit=0),
            lambda: store.page(movie, cursor=5),
            lambda: store.summary(""),
            lambda: store.recompute(""),
            lambda: store.recompute(7),
            lambda: store.ratings(""),
        ]
        for call in calls:
            outcome = await _outcome(call())
            assert isinstance(outcome, InvalidInput), outcome
        after = (await review_store.get(review.review_id), await review_store.summary(movie))
        assert after == before
        assert await review_store.by_author(movie, user) == before[0]
