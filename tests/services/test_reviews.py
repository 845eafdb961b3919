"""Reviews: writing (verified by a viewing), editing, removing, voting, paging, and the movie's
rating in the catalog and the search index following the summaries through events."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.memory import (
    ManualClock,
    MemoryEventBus,
    ScryptPasswordHasher,
    SequentialIds,
)
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from bookmyshow.adapters.memory.reviews import MemoryReviewStore
from bookmyshow.bootstrap import Ticketing, bootstrap, in_memory_ports
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.domain.catalog import Movie
from bookmyshow.domain.errors import InvalidInput, PermissionDenied
from bookmyshow.domain.events import (
    DomainEvent,
    MovieChanged,
    ReviewAdded,
    ReviewEdited,
    ReviewRemoved,
)
from bookmyshow.domain.reviews import (
    CannotVoteOwnReview,
    NotReviewAuthor,
    RatingSummary,
    Review,
    ReviewExists,
)
from bookmyshow.domain.search import SearchQuery
from bookmyshow.domain.users import Principal, Role
from bookmyshow.ports.errors import NotFound
from bookmyshow.ports.reviews import ReviewOrder
from bookmyshow.services.context import Policies, Ports
from bookmyshow.services.reviews import RatingPropagator, Reviews, ReviewsNotConfigured
from tests.services.world import World

ADMIN = Principal(user_id="usr_root", roles={Role.PLATFORM_ADMIN})


def customer(n: int) -> Principal:
    """A customer who needs no stored account (reviews only look at the principal)."""
    return Principal(user_id=f"usr_c{n}", roles={Role.CUSTOMER})


def fresh_ports(clock: ManualClock) -> Ports:
    """In-memory ports on ``clock`` with an in-memory review store."""
    ports = in_memory_ports(
        clock=clock,
        ids=SequentialIds(),
        passwords=ScryptPasswordHasher.fast_for_tests(),
        token_secret=b"t" * 32,
    )
    return evolve(ports, reviews=MemoryReviewStore())


@pytest.fixture
def ports(clock: ManualClock) -> Ports:
    """In-memory ports with a review store of this test's own."""
    return fresh_ports(clock)


@pytest.fixture
def propagator(app: Ticketing) -> RatingPropagator:
    """The rating propagator, subscribed to the app's event bus."""
    return subscribed(app)


@pytest.fixture
def reviews(app: Ticketing, propagator: RatingPropagator) -> Reviews:
    """The review use cases over the app's ports, with ratings propagating."""
    return Reviews(app.ports, app.policies)


def subscribed(app: Ticketing) -> RatingPropagator:
    """A propagator over ``app``'s ports, subscribed to its bus."""
    propagator = RatingPropagator(app.ports, app.policies)
    propagator.subscribe(bus(app))
    return propagator


def bus(app: Ticketing) -> MemoryEventBus:
    """The in-process bus behind ``app``."""
    events = app.ports.events
    assert isinstance(events, MemoryEventBus)
    return events


async def watch(app: Ticketing, world: World, actor: Principal, seat: str, key: str) -> None:
    """``actor`` books ``seat`` of the world's show and pays (a confirmed booking)."""
    hold = await app.seats.hold(actor, world.show.show_id, [seat])
    booking = await app.bookings.checkout(
        actor, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key=key
    )
    paid = await app.bookings.pay(
        actor, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key=f"pay-{key}"
    )
    assert paid.status is BookingStatus.CONFIRMED


def start_show(clock: ManualClock, world: World) -> None:
    """Move the clock just past the world's show's start."""
    clock.set(world.show.starts_at + timedelta(minutes=1))


async def rating_everywhere(app: Ticketing, movie_id: str) -> tuple[Movie, Decimal | None]:
    """The movie as the catalog shows it, and the rating its search document holds."""
    movie = await app.browsing.movie(None, movie_id)
    document = await app.ports.search.get(movie_id)
    assert document is not None
    return movie, document.rating


async def assert_rating_follows(app: Ticketing, reviews: Reviews, movie_id: str) -> None:
    """Catalog, search document and rating search agree with the store's summary."""
    summary = await reviews.summary(None, movie_id)
    movie, indexed = await rating_everywhere(app, movie_id)
    assert (movie.rating, movie.rating_count) == (summary.rounded_average, summary.count)
    assert indexed == summary.rounded_average
    if summary.rounded_average is not None:
        found = await app.search.search(None, SearchQuery(min_rating=summary.rounded_average))
        assert movie_id in {hit.movie_id for hit in found.hits}
        if summary.rounded_average < Decimal(10):
            above = summary.rounded_average + Decimal("0.1")
            missed = await app.search.search(None, SearchQuery(min_rating=above))
            assert movie_id not in {hit.movie_id for hit in missed.hits}


# --- writing ------------------------------------------------------------------------------------


async def test_a_viewer_of_a_started_show_writes_a_verified_review(
    app: Ticketing, world: World, clock: ManualClock, reviews: Reviews
) -> None:
    """A confirmed booking of a show that has started makes the review verified, and
    ReviewAdded is published with its rating."""
    await watch(app, world, world.alice, "A1", "k1")
    start_show(clock, world)

    review = await reviews.write(world.alice, world.show.movie_id, rating=9, text=" Loved it ")

    assert review.verified
    assert (review.user_id, review.rating, review.text) == (world.alice.user_id, 9, "Loved it")
    assert review.created_at == clock.now()
    added = bus(app).of_type(ReviewAdded)
    assert [(e.review_id, e.movie_id, e.rating) for e in added] == [
        (review.review_id, world.show.movie_id, 9)
    ]
    assert (await reviews.get(None, review.review_id)).review == review


async def test_a_booking_for_a_show_yet_to_start_does_not_verify(
    app: Ticketing, world: World, reviews: Reviews
) -> None:
    """A confirmed booking proves nothing before the show starts: the review is unverified."""
    await watch(app, world, world.alice, "A1", "k1")

    review = await reviews.write(world.alice, world.show.movie_id, rating=7)

    assert not review.verified


async def test_a_cancelled_booking_does_not_verify(
    app: Ticketing, world: World, clock: ManualClock, reviews: Reviews
) -> None:
    """Only confirmed or checked-in bookings verify: a cancelled one does not."""
    await watch(app, world, world.alice, "A1", "k1")
    (booking,) = await app.bookings.of_user(world.alice)
    await app.bookings.cancel(world.alice, booking.booking_id)
    start_show(clock, world)

    review = await reviews.write(world.alice, world.show.movie_id, rating=7)

    assert not review.verified


async def test_a_non_viewer_review_is_unverified(
    app: Ticketing, world: World, clock: ManualClock, reviews: Reviews
) -> None:
    """Someone else's booking does not verify bob's review of the same movie."""
    await watch(app, world, world.alice, "A1", "k1")
    start_show(clock, world)

    review = await reviews.write(world.bob, world.show.movie_id, rating=4)

    assert not review.verified


async def test_a_second_review_of_the_same_movie_is_refused(
    app: Ticketing, world: World, reviews: Reviews
) -> None:
    """One review per user per movie: the second raises ReviewExists and changes nothing."""
    first = await reviews.write(world.alice, world.show.movie_id, rating=6)
    published = len(bus(app).published)

    with pytest.raises(ReviewExists) as raised:
        await reviews.write(world.alice, world.show.movie_id, rating=2)

    assert (raised.value.movie_id, raised.value.user_id) == (
        world.show.movie_id,
        world.alice.user_id,
    )
    assert raised.value.code == "review_exists"
    page = await reviews.list(None, world.show.movie_id)
    assert [item.review for item in page.items] == [first]
    assert len(bus(app).published) == published


async def test_writing_checks_the_movie_and_the_writer(world: World, reviews: Reviews) -> None:
    """An unknown movie is NotFound; theater staff (no customer role) may not write;
    a bad rating is InvalidInput before anything is stored."""
    with pytest.raises(NotFound):
        await reviews.write(world.alice, "mov_nope", rating=5)
    with pytest.raises(PermissionDenied):
        await reviews.write(world.staff_a, world.show.movie_id, rating=5)
    for rating in (0, 11, True, "5"):
        with pytest.raises(InvalidInput):
            await reviews.write(world.alice, world.show.movie_id, rating=rating)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        await reviews.write(world.alice, world.show.movie_id, rating=5, text="x" * 5001)
    assert (await reviews.summary(None, world.show.movie_id)).count == 0


async def test_a_retired_movie_can_still_be_reviewed(
    app: Ticketing, world: World, reviews: Reviews
) -> None:
    """Retiring a movie stops new shows, not reviews of what people saw."""
    await app.catalog.retire_movie(world.admin, world.show.movie_id)

    review = await reviews.write(world.alice, world.show.movie_id, rating=8)

    assert (await reviews.summary(None, world.show.movie_id)).count == 1
    assert review.movie_id == world.show.movie_id


# --- editing and removing ----------------------------------------------------------------------


async def test_the_author_edits_and_others_cannot(
    app: Ticketing, world: World, clock: ManualClock, reviews: Reviews
) -> None:
    """The author's edit keeps the id and publishes ReviewEdited; bob and even a platform admin
    get NotReviewAuthor and the review is unchanged."""
    review = await reviews.write(world.alice, world.show.movie_id, rating=5, text="meh")
    clock.advance(timedelta(hours=1))

    edited = await reviews.edit(world.alice, review.review_id, rating=8)

    assert (edited.review_id, edited.rating, edited.text) == (review.review_id, 8, "meh")
    assert edited.edited_at == clock.now()
    assert [(e.review_id, e.rating) for e in bus(app).of_type(ReviewEdited)] == [
        (review.review_id, 8)
    ]
    for intruder in (world.bob, world.admin):
        with pytest.raises(NotReviewAuthor) as raised:
            await reviews.edit(intruder, review.review_id, text="hacked")
        assert raised.value.user_id == intruder.user_id
    assert (await reviews.get(world.bob, review.review_id)).review == edited


async def test_an_edit_must_change_something_valid(world: World, reviews: Reviews) -> None:
    """An edit without a rating or text, or with a bad rating, is InvalidInput; an unknown
    review is NotFound."""
    review = await reviews.write(world.alice, world.show.movie_id, rating=5)
    with pytest.raises(InvalidInput):
        await reviews.edit(world.alice, review.review_id)
    with pytest.raises(InvalidInput):
        await reviews.edit(world.alice, review.review_id, rating=11)
    with pytest.raises(NotFound):
        await reviews.edit(world.alice, "rev_nope", rating=3)


async def test_the_author_removes_their_review(
    app: Ticketing, world: World, reviews: Reviews
) -> None:
    """Removing one's own review deletes it and publishes ReviewRemoved; then alice may
    write again."""
    review = await reviews.write(world.alice, world.show.movie_id, rating=5)

    removed = await reviews.remove(world.alice, review.review_id)

    assert removed == review
    assert [(e.review_id, e.user_id) for e in bus(app).of_type(ReviewRemoved)] == [
        (review.review_id, world.alice.user_id)
    ]
    with pytest.raises(NotFound):
        await reviews.get(None, review.review_id)
    again = await reviews.write(world.alice, world.show.movie_id, rating=6)
    assert again.review_id != review.review_id


async def test_a_platform_admin_removes_any_review_and_others_cannot(
    app: Ticketing, world: World, reviews: Reviews
) -> None:
    """Other customers and theater staff get NotReviewAuthor; a platform admin (moderator)
    removes the review, and the event names its author."""
    review = await reviews.write(world.alice, world.show.movie_id, rating=5)
    for intruder in (world.bob, world.staff_a):
        with pytest.raises(NotReviewAuthor):
            await reviews.remove(intruder, review.review_id)
    assert (await reviews.get(None, review.review_id)).review == review

    await reviews.remove(world.admin, review.review_id)

    assert [e.user_id for e in bus(app).of_type(ReviewRemoved)] == [world.alice.user_id]
    with pytest.raises(NotFound):
        await reviews.remove(world.admin, review.review_id)


# --- votes --------------------------------------------------------------------------------------


async def test_each_user_votes_once_and_never_on_their_own_review(
    world: World, reviews: Reviews
) -> None:
    """Votes count once per user (staff may vote too); the author's own vote is refused."""
    review = await reviews.write(world.alice, world.show.movie_id, rating=5)

    assert await reviews.vote_helpful(world.bob, review.review_id) == 1
    assert await reviews.vote_helpful(world.bob, review.review_id) == 1
    assert await reviews.vote_helpful(world.staff_a, review.review_id) == 2
    with pytest.raises(CannotVoteOwnReview) as raised:
        await reviews.vote_helpful(world.alice, review.review_id)
    assert raised.value.code == "cannot_vote_own_review"
    assert (await reviews.get(None, review.review_id)).helpful == 2
    with pytest.raises(NotFound):
        await reviews.vote_helpful(world.bob, "rev_nope")


# --- reading ------------------------------------------------------------------------------------


async def test_pages_follow_their_cursors_in_both_orders(
    world: World, clock: ManualClock, reviews: Reviews
) -> None:
    """Newest-first and most-helpful-first pages of two, followed by cursor, list every review
    once in order; anyone may read them."""
    movie_id = world.show.movie_id
    written: list[Review] = []
    for n in range(5):
        written.append(await reviews.write(customer(n), movie_id, rating=n + 1))
        clock.advance(timedelta(minutes=1))
    for n in range(3):  # the oldest review gets three votes, the next one one
        await reviews.vote_helpful(customer(10 + n), written[0].review_id)
    await reviews.vote_helpful(customer(20), written[1].review_id)

    async def all_pages(order: ReviewOrder | str) -> list[list[str]]:
        pages: list[list[str]] = []
        cursor: str | None = None
        while True:
            page = await reviews.list(None, movie_id, order=order, limit=2, cursor=cursor)
            pages.append([item.review.review_id for item in page.items])
            cursor = page.next_cursor
            if cursor is None:
                return pages

    ids = [r.review_id for r in written]
    newest = await all_pages(ReviewOrder.NEWEST)
    assert [i for page in newest for i in page] == ids[::-1]
    assert all(len(page) <= 2 for page in newest)
    helpful = await all_pages(ReviewOrder.HELPFUL)
    assert [i for page in helpful for i in page] == [ids[0], ids[1], ids[4], ids[3], ids[2]]
    assert await all_pages("helpful") == helpful  # the order's name works too


async def test_reading_checks_its_arguments(world: World, reviews: Reviews) -> None:
    """A bad limit, order or cursor, or an actor that is not a Principal, is InvalidInput; an
    unreviewed movie has an empty page and an empty summary."""
    movie_id = world.show.movie_id
    for bad in ({"limit": 0}, {"limit": 101}, {"order": "best"}, {"cursor": "garbage!"}):
        with pytest.raises(InvalidInput):
            await reviews.list(None, movie_id, **bad)
    with pytest.raises(InvalidInput):
        await reviews.list("alice", movie_id)  # type: ignore[arg-type]
    page = await reviews.list(world.bob, movie_id)
    assert (page.items, page.next_cursor) == ((), None)
    assert await reviews.summary(None, movie_id) == RatingSummary()


async def test_without_a_review_store_every_use_case_says_so(app: Ticketing, world: World) -> None:
    """With ports.reviews unset, the use cases raise ReviewsNotConfigured (a stable code)."""
    service = Reviews(evolve(app.ports, reviews=None), app.policies)
    with pytest.raises(ReviewsNotConfigured) as raised:
        await service.write(world.alice, world.show.movie_id, rating=5)
    assert raised.value.code == "reviews_not_configured"
    with pytest.raises(ReviewsNotConfigured):
        await service.summary(None, world.show.movie_id)
    with pytest.raises(ReviewsNotConfigured):
        await service.list(None, world.show.movie_id)


# --- the rating in the catalog and in search ---------------------------------------------------


async def test_the_rating_follows_writes_edits_and_removals_everywhere(
    app: Ticketing, world: World, clock: ManualClock, reviews: Reviews
) -> None:
    """End to end: a verified viewer's review, more reviews, an edit and a removal each leave
    the catalog's rating and count and the search index's rating equal to the summary."""
    movie_id = world.show.movie_id
    await watch(app, world, world.alice, "A1", "k1")
    start_show(clock, world)
    before, _ = await rating_everywhere(app, movie_id)
    assert (before.rating, before.rating_count) == (None, 0)

    first = await reviews.write(world.alice, movie_id, rating=9)
    assert first.verified
    movie, indexed = await rating_everywhere(app, movie_id)
    assert (movie.rating, movie.rating_count, indexed) == (Decimal("9.0"), 1, Decimal("9.0"))

    second = await reviews.write(world.bob, movie_id, rating=6)
    await reviews.write(customer(1), movie_id, rating=8)
    movie, indexed = await rating_everywhere(app, movie_id)
    assert (movie.rating, movie.rating_count, indexed) == (Decimal("7.7"), 3, Decimal("7.7"))
    await assert_rating_follows(app, reviews, movie_id)

    await reviews.edit(world.bob, second.review_id, rating=10)
    movie, indexed = await rating_everywhere(app, movie_id)
    assert (movie.rating, movie.rating_count, indexed) == (Decimal("9.0"), 3, Decimal("9.0"))

    await reviews.remove(world.admin, first.review_id)
    await assert_rating_follows(app, reviews, movie_id)
    movie, _ = await rating_everywhere(app, movie_id)
    assert (movie.rating, movie.rating_count) == (Decimal("9.0"), 2)

    changes = [e for e in bus(app).of_type(MovieChanged) if e.movie_id == movie_id]
    assert changes
    assert all(e.changed == frozenset({"rating"}) for e in changes)


async def test_a_text_only_edit_changes_no_movie(
    app: Ticketing, world: World, reviews: Reviews
) -> None:
    """When the summary is unchanged the movie is not saved and no MovieChanged is published."""
    review = await reviews.write(world.alice, world.show.movie_id, rating=7)
    changes = len(bus(app).of_type(MovieChanged))

    await reviews.edit(world.alice, review.review_id, text="on second thought, fine")

    assert len(bus(app).of_type(MovieChanged)) == changes


async def test_subscribing_twice_handles_each_event_once(
    app: Ticketing, world: World, propagator: RatingPropagator, reviews: Reviews
) -> None:
    """subscribe() is idempotent per bus: one review write gives one MovieChanged."""
    propagator.subscribe(bus(app))
    await reviews.write(world.alice, world.show.movie_id, rating=7)
    assert len(bus(app).of_type(MovieChanged)) == 1
    with pytest.raises(InvalidInput):
        propagator.subscribe(object())  # type: ignore[arg-type]


class _Recorder:
    """A publisher that only records what it is given (no subscribers)."""

    def __init__(self) -> None:
        self.published: list[DomainEvent] = []

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Record ``events`` in order."""
        self.published.extend(events)


async def test_late_repeated_and_reordered_events_converge(
    world: World, clock: ManualClock, app: Ticketing
) -> None:
    """Events delivered late, twice and in reverse order still leave the movie with the
    store's current summary (the propagator never trusts an event's rating)."""
    # The review events go to a recorder, not the bus the app's propagator follows: they pile up.
    recorder = _Recorder()
    reviews = Reviews(evolve(app.ports, events=recorder), app.policies)
    movie_id = world.show.movie_id
    a = await reviews.write(world.alice, movie_id, rating=2)
    b = await reviews.write(world.bob, movie_id, rating=9)
    await reviews.edit(world.alice, a.review_id, rating=5)
    await reviews.remove(world.bob, b.review_id)
    events: list[DomainEvent] = [
        e for e in recorder.published if isinstance(e, ReviewAdded | ReviewEdited | ReviewRemoved)
    ]
    movie, _ = await rating_everywhere(app, movie_id)
    assert movie.rating_count == 0  # nothing propagated yet

    propagator = RatingPropagator(app.ports, app.policies)
    for event in [*reversed(events), *events]:
        await propagator.handle(event)

    movie, indexed = await rating_everywhere(app, movie_id)
    assert (movie.rating, movie.rating_count, indexed) == (Decimal("5.0"), 1, Decimal("5.0"))
    assert len(bus(app).of_type(MovieChanged)) == 1  # only the first delivery changed it
    await propagator.handle(MovieChanged(occurred_at=clock.now(), movie_id=movie_id, changed={"x"}))
    with pytest.raises(InvalidInput):
        await propagator.handle("review.added")  # type: ignore[arg-type]


async def test_a_lost_event_is_repaired_by_refresh(world: World, app: Ticketing) -> None:
    """refresh() copies the current summary even when no event was delivered."""
    reviews = Reviews(app.ports, app.policies)
    await reviews.write(world.alice, world.show.movie_id, rating=3)
    propagator = RatingPropagator(app.ports, app.policies)

    movie = await propagator.refresh(world.show.movie_id)

    assert (movie.rating, movie.rating_count) == (Decimal("3.0"), 1)
    await assert_rating_follows(app, reviews, world.show.movie_id)
    with pytest.raises(NotFound):
        await propagator.refresh("mov_nope")


async def test_concurrent_reviewers_and_voters_leave_the_rating_equal_to_the_summary(
    app: Ticketing, world: World, reviews: Reviews
) -> None:
    """Thirty customers reviewing (and voting) at once: the store's summary equals a recompute
    and the catalog and search carry it."""
    movie_id = world.show.movie_id

    async def one(n: int) -> None:
        review = await reviews.write(customer(n), movie_id, rating=n % 10 + 1)
        await reviews.vote_helpful(customer(n + 1), review.review_id)
        if n % 3 == 0:
            await reviews.edit(customer(n), review.review_id, rating=10 - n % 10)

    await asyncio.gather(*(one(n) for n in range(30)))

    store = app.ports.reviews
    assert store is not None
    summary = await reviews.summary(None, movie_id)
    assert summary == await store.recompute(movie_id)
    assert summary.count == 30
    await assert_rating_follows(app, reviews, movie_id)


class PausingStore(MemoryReviewStore):
    """A review store whose next summary read, once armed, answers late: it takes its
    snapshot, then waits for ``release`` (a slow reply from a remote store)."""

    def __init__(self) -> None:
        super().__init__()
        self.release: asyncio.Event | None = None
        self.paused = asyncio.Event()

    async def summary(self, movie_id: str) -> RatingSummary:
        snapshot = await super().summary(movie_id)
        release, self.release = self.release, None
        if release is not None:
            self.paused.set()
            await release.wait()
        return snapshot


async def add_movie(app: Ticketing) -> Movie:
    """A movie in ``app``'s catalog, added by the platform admin."""
    return await app.catalog.add_movie(
        ADMIN,
        title="Review Test",
        languages=["Hindi"],
        duration=timedelta(minutes=120),
        release_date=date(2029, 12, 1),
        certificate="UA",
    )


async def test_a_propagator_with_a_stale_summary_loses_to_a_newer_one(clock: ManualClock) -> None:
    """Two propagators (as in two processes, no shared lock): one whose summary read answers
    late, after another stored a newer summary, must not overwrite it — its commit conflicts
    and the retry reads the current summary."""
    store = PausingStore()
    app = bootstrap(evolve(fresh_ports(clock), reviews=store), Policies())
    # The review events go to a recorder, so only the two propagators below refresh.
    reviews = Reviews(evolve(app.ports, events=_Recorder()), app.policies)
    movie_id = (await add_movie(app)).movie_id
    slow, fast = (
        RatingPropagator(app.ports, app.policies),
        RatingPropagator(app.ports, app.policies),
    )
    await reviews.write(customer(1), movie_id, rating=2)

    store.release = release = asyncio.Event()
    late = asyncio.create_task(slow.refresh(movie_id))
    await store.paused.wait()  # ``slow`` holds the summary of one rating of 2
    await reviews.write(customer(2), movie_id, rating=10)
    assert (await fast.refresh(movie_id)).rating == Decimal("6.0")
    release.set()
    await late

    await assert_rating_follows(app, reviews, movie_id)
    movie, _ = await rating_everywhere(app, movie_id)
    assert (movie.rating, movie.rating_count) == (Decimal("6.0"), 2)


async def test_an_unchanged_refresh_still_makes_a_stale_one_retry(clock: ManualClock) -> None:
    """A refresh finding the rating current still saves, so an older summary cannot win later."""
    store = PausingStore()
    app = bootstrap(evolve(fresh_ports(clock), reviews=store), Policies())
    reviews = Reviews(evolve(app.ports, events=_Recorder()), app.policies)
    movie_id = (await add_movie(app)).movie_id
    slow, fast = (
        RatingPropagator(app.ports, app.policies),
        RatingPropagator(app.ports, app.policies),
    )
    await reviews.write(customer(1), movie_id, rating=2)
    assert (await fast.refresh(movie_id)).rating == Decimal("2.0")
    ten = await reviews.write(customer(2), movie_id, rating=10)

    store.release = release = asyncio.Event()
    late = asyncio.create_task(slow.refresh(movie_id))
    await store.paused.wait()  # ``slow`` holds the summary of 2 and 10 (6.0)
    await reviews.remove(customer(2), ten.review_id)
    assert (await fast.refresh(movie_id)).rating == Decimal("2.0")  # unchanged, saved anyway
    release.set()
    await late

    movie = await app.browsing.movie(None, movie_id)
    assert (movie.rating, movie.rating_count) == (Decimal("2.0"), 1)


# --- the property -------------------------------------------------------------------------------

_USERS = 4
_OPS = st.lists(
    st.tuples(
        st.sampled_from(["write", "edit", "remove", "moderate"]),
        st.integers(0, _USERS - 1),
        st.integers(1, 10),
    ),
    max_size=25,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS)
async def test_the_catalog_rating_is_always_the_summary_of_current_ratings(
    ops: list[tuple[str, int, int]],
) -> None:
    """After any sequence of writes, edits and removals by several users, the catalog's rating
    and count (and the search document's rating) are those of the current ratings."""
    clock = ManualClock()
    app = bootstrap(fresh_ports(clock), Policies())
    subscribed(app)
    reviews = Reviews(app.ports, app.policies)
    movie = await add_movie(app)
    current: dict[int, tuple[str, int]] = {}  # user → (review id, rating)
    for kind, user, rating in ops:
        clock.advance(timedelta(seconds=1))
        mine = current.get(user)
        if kind == "write":
            if mine is None:
                review = await reviews.write(customer(user), movie.movie_id, rating=rating)
                current[user] = (review.review_id, rating)
            else:
                with pytest.raises(ReviewExists):
                    await reviews.write(customer(user), movie.movie_id, rating=rating)
        elif mine is not None and kind == "edit":
            await reviews.edit(customer(user), mine[0], rating=rating)
            current[user] = (mine[0], rating)
        elif mine is not None:
            await reviews.remove(ADMIN if kind == "moderate" else customer(user), mine[0])
            del current[user]

    expected = RatingSummary.from_ratings(r for _, r in current.values())
    stored, indexed = await rating_everywhere(app, movie.movie_id)
    assert (stored.rating, stored.rating_count) == (expected.rounded_average, expected.count)
    assert indexed == expected.rounded_average
    assert await reviews.summary(None, movie.movie_id) == expected


async def test_the_built_system_rates_movies_from_reviews_out_of_the_box(
    world: World, app: Ticketing
) -> None:
    """Through the wired Ticketing alone, a verified review sets the movie's rating everywhere."""
    review = await app.reviews.write(world.alice, world.show.movie_id, rating=8)
    movie, indexed = await rating_everywhere(app, world.show.movie_id)
    assert (movie.rating, movie.rating_count, indexed) == (Decimal("8.0"), 1, Decimal("8.0"))
    assert (await app.reviews.summary(None, world.show.movie_id)).count == 1
    assert review.review_id
