"""Reviews of movies, and the movie's rating that follows them.

:class:`Reviews` holds the use cases: write, edit and remove a review, vote a review helpful,
page a movie's reviews and read its rating summary.  Reviews live in
:class:`~bookmyshow.ports.reviews.ReviewStore` (``ports.reviews``), outside any unit of work:
each store call is atomic on its own, and the use case publishes its event
(``ReviewAdded``, ``ReviewEdited``, ``ReviewRemoved``) after the store call returned.

:class:`RatingPropagator` follows those events and copies the movie's current summary onto the
movie (:meth:`~bookmyshow.domain.catalog.Movie.with_rating`), publishing ``MovieChanged``
(``changed={"rating"}``) so that the search index and the catalog cache follow in turn.  The
movie's rating is therefore *eventually* consistent with the reviews, and never written inside
a review write.  Since the propagator always copies the summary as it is when it runs, late,
repeated or reordered events converge on the store's summary.
"""

from __future__ import annotations

from typing import ClassVar, Final

from attrs import define

from bookmyshow.domain.catalog import Movie, clean_text, parse_enum, require_id
from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.events import (
    DomainEvent,
    MovieChanged,
    ReviewAdded,
    ReviewEdited,
    ReviewRemoved,
)
from bookmyshow.domain.reviews import (
    MAX_REVIEW_TEXT,
    VERIFYING_STATUSES,
    CannotVoteOwnReview,
    NotReviewAuthor,
    RatingSummary,
    Review,
    ViewingRecord,
    check_rating,
    write_review,
)
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import Action, Principal, Resource, ResourceKind, can, require
from bookmyshow.domain.validation import require_instance
from bookmyshow.ports.events import EventBus
from bookmyshow.ports.reviews import (
    DEFAULT_PAGE_SIZE,
    ReviewOrder,
    ReviewPage,
    ReviewStore,
    StoredReview,
    check_page_size,
)
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._key_locks import KeyLocks
from bookmyshow.services._subscriptions import subscribe_once
from bookmyshow.services._units import in_unit, publish, read_unit
from bookmyshow.services.context import Policies, Ports

__all__ = [
    "RATING_EVENTS",
    "RatingPropagator",
    "Reviews",
    "ReviewsNotConfigured",
]

RATING_EVENTS: Final[tuple[type[DomainEvent], ...]] = (ReviewAdded, ReviewEdited, ReviewRemoved)
"""The events :meth:`RatingPropagator.subscribe` listens to."""

_REVIEW_ID_PREFIX: Final = "rev"


@define(auto_exc=True, kw_only=True)
class ReviewsNotConfigured(DomainError):
    """No review store is wired (``Ports.reviews`` is ``None``), so reviews cannot be used."""

    code: ClassVar[str] = "reviews_not_configured"


def _store(ports: Ports) -> ReviewStore:
    if ports.reviews is None:
        raise ReviewsNotConfigured()
    return ports.reviews


def _check_actor(actor: Principal | None) -> None:
    if actor is not None and not isinstance(actor, Principal):
        raise InvalidInput(field="actor", reason="a Principal, or None for an anonymous visitor")


def _check_text(text: object, name: str = "text") -> str:
    return clean_text(text, name, max_length=MAX_REVIEW_TEXT, allow_empty=True)


def _own(actor: Principal, review_id: str | None = None) -> Resource:
    """The review (or vote) ``actor`` writes as themselves."""
    return Resource(kind=ResourceKind.REVIEW, resource_id=review_id, owner_id=actor.user_id)


async def _viewings(uow: UnitOfWork, user_id: str) -> list[ViewingRecord]:
    """The user's bookings that could prove a viewing, with their shows' movie and start.

    Only bookings in a verifying status are looked up (the others cannot verify anything), and
    each show is read once.
    """
    shows: dict[str, Show] = {}
    records: list[ViewingRecord] = []
    for booking in await uow.bookings.of_user(user_id):
        if booking.status.value not in VERIFYING_STATUSES:
            continue
        show = shows.get(booking.show_id)
        if show is None:
            show = shows[booking.show_id] = await uow.shows.get(booking.show_id)
        records.append(
            ViewingRecord(
                user_id=booking.user_id,
                movie_id=show.movie_id,
                starts_at=show.starts_at,
                booking_status=booking.status,
            )
        )
    return records


class Reviews:
    """Writing, editing, removing, voting on and reading reviews (see the module).

    Every method raises :class:`ReviewsNotConfigured` when ``ports.reviews`` is ``None``,
    :class:`InvalidInput` for a malformed argument (checked before anything is read or written),
    :class:`~bookmyshow.domain.errors.PermissionDenied` when the actor's roles do not allow the
    use case, and ``BackendUnavailable`` when a store fails.
    """

    def __init__(self, ports: Ports, policies: Policies) -> None:
        """Use ``ports.reviews`` for the reviews and the repositories for movies and bookings."""
        self._ports = ports
        self._policies = policies

    async def write(
        self, actor: Principal, movie_id: str, *, rating: int, text: str = ""
    ) -> Review:
        """Store the actor's review of the movie and publish ``ReviewAdded``; returns it.

        The review is *verified* when the actor has a confirmed or checked-in booking for a
        show of the movie that has started (the clock's now).  Any stored movie can be
        reviewed, a retired one too: people review what they saw after it left the screens.
        Requires :attr:`Action.WRITE_REVIEW` (customers, for themselves).  Raises
        ``NotFound(kind="movie")`` for an unknown movie and
        :class:`~bookmyshow.domain.reviews.ReviewExists` when the actor already reviewed it
        (edit that review instead).
        """
        require(actor, Action.WRITE_REVIEW, _own(actor))
        store = _store(self._ports)
        require_id(movie_id, "movie_id")
        check_rating(rating)
        _check_text(text)
        user_id = actor.user_id

        async def read(uow: UnitOfWork) -> list[ViewingRecord]:
            await uow.movies.get(movie_id)
            return await _viewings(uow, user_id)

        viewings = await read_unit(self._ports, read)
        existing = await store.by_author(movie_id, user_id)
        now = self._ports.clock.now()
        review = write_review(
            review_id=self._ports.ids.new_id(_REVIEW_ID_PREFIX),
            movie_id=movie_id,
            user_id=user_id,
            rating=rating,
            text=text,
            now=now,
            existing=() if existing is None else (existing.review,),
            viewings=viewings,
        )
        # The store refuses a second review too (unique per author and movie), so two writes
        # racing past the check above still leave one review.
        await store.add(review)
        await publish(
            self._ports,
            [
                ReviewAdded(
                    occurred_at=now,
                    review_id=review.review_id,
                    movie_id=movie_id,
                    user_id=user_id,
                    rating=review.rating,
                )
            ],
        )
        return review

    async def edit(
        self,
        actor: Principal,
        review_id: str,
        *,
        rating: int | None = None,
        text: str | None = None,
    ) -> Review:
        """Change the rating and/or text of the actor's own review; publishes ``ReviewEdited``
        and returns the edited review (votes and the verified flag are kept).

        Raises ``NotFound(kind="review")``, :class:`~bookmyshow.domain.reviews.NotReviewAuthor`
        when the actor did not write it (moderators included: they remove, never rewrite), and
        :class:`InvalidInput` when neither ``rating`` nor ``text`` is given.
        """
        require(actor, Action.WRITE_REVIEW, _own(actor))
        store = _store(self._ports)
        require_id(review_id, "review_id")
        if rating is None and text is None:
            raise InvalidInput(field="review", reason="an edit changes the rating or the text")
        if rating is not None:
            check_rating(rating)
        if text is not None:
            _check_text(text)
        stored = await store.get(review_id)
        now = self._ports.clock.now()
        edited = stored.review.edit(by=actor.user_id, at=now, rating=rating, text=text)
        await store.replace(edited)
        await publish(
            self._ports,
            [
                ReviewEdited(
                    occurred_at=now,
                    review_id=review_id,
                    movie_id=edited.movie_id,
                    user_id=edited.user_id,
                    rating=edited.rating,
                )
            ],
        )
        return edited

    async def remove(self, actor: Principal, review_id: str) -> Review:
        """Delete a review (with its votes) and publish ``ReviewRemoved``; returns it.

        Its author may (:attr:`Action.WRITE_REVIEW`), and so may a moderator
        (:attr:`Action.MODERATE_REVIEW`: platform admins).  Raises ``NotFound(kind="review")``
        and :class:`~bookmyshow.domain.reviews.NotReviewAuthor` for anyone else.
        """
        require_instance(actor, Principal, "actor")
        store = _store(self._ports)
        require_id(review_id, "review_id")
        review = (await store.get(review_id)).review
        if review.user_id == actor.user_id:
            require(actor, Action.WRITE_REVIEW, _own(actor, review_id))
        elif not can(
            actor,
            Action.MODERATE_REVIEW,
            Resource(kind=ResourceKind.REVIEW, resource_id=review_id, owner_id=review.user_id),
        ):
            raise NotReviewAuthor(review_id=review_id, user_id=actor.user_id)
        removed = await store.remove(review_id)
        await publish(
            self._ports,
            [
                ReviewRemoved(
                    occurred_at=self._ports.clock.now(),
                    review_id=review_id,
                    movie_id=removed.movie_id,
                    user_id=removed.user_id,
                )
            ],
        )
        return removed

    async def vote_helpful(self, actor: Principal, review_id: str) -> int:
        """Record that the actor found the review helpful and return its helpful count.

        One vote per user: voting again changes nothing.  Any signed-in user may vote
        (:attr:`Action.VOTE_REVIEW`) except the review's author:
        :class:`~bookmyshow.domain.reviews.CannotVoteOwnReview`.  Raises
        ``NotFound(kind="review")``.
        """
        require(actor, Action.VOTE_REVIEW, _own(actor))
        store = _store(self._ports)
        require_id(review_id, "review_id")
        stored = await store.get(review_id)
        if stored.review.user_id == actor.user_id:
            raise CannotVoteOwnReview(review_id=review_id, user_id=actor.user_id)
        return await store.vote_helpful(review_id, actor.user_id)

    async def list(
        self,
        actor: Principal | None,
        movie_id: str,
        *,
        order: ReviewOrder | str = ReviewOrder.NEWEST,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> ReviewPage:
        """A page of the movie's reviews, newest or most helpful first, after ``cursor`` (the
        ``next_cursor`` of an earlier page in the same order).

        Open to everyone (``actor`` may be ``None``).  A movie nobody reviewed, or an unknown
        one, has an empty page.  Raises :class:`InvalidInput` for a ``limit`` outside 1..100 or
        a cursor not made for this movie and order.
        """
        _check_actor(actor)
        store = _store(self._ports)
        require_id(movie_id, "movie_id")
        wanted = parse_enum(ReviewOrder, order, "order")
        check_page_size(limit)
        if cursor is not None and not isinstance(cursor, str):
            raise InvalidInput(field="cursor", reason="a cursor from an earlier page, or None")
        return await store.page(movie_id, order=wanted, limit=limit, cursor=cursor)

    async def get(self, actor: Principal | None, review_id: str) -> StoredReview:
        """The review and its helpful count; open to everyone.  ``NotFound(kind="review")``."""
        _check_actor(actor)
        store = _store(self._ports)
        require_id(review_id, "review_id")
        return await store.get(review_id)

    async def summary(self, actor: Principal | None, movie_id: str) -> RatingSummary:
        """The movie's rating summary as the store maintains it (empty when unreviewed or
        unknown); open to everyone."""
        _check_actor(actor)
        store = _store(self._ports)
        require_id(movie_id, "movie_id")
        return await store.summary(movie_id)


class RatingPropagator:
    """Copies each movie's rating summary onto the movie when its reviews change.

    For ``ReviewAdded``, ``ReviewEdited`` and ``ReviewRemoved`` it runs :meth:`refresh` on the
    event's movie; the event's own rating is never used, so any delivery order converges.
    """

    def __init__(self, ports: Ports, policies: Policies) -> None:
        """Read summaries from ``ports.reviews``; write movies through ``ports.uow``."""
        self._ports = ports
        self._policies = policies
        self._locks = KeyLocks()
        self._buses: list[EventBus] = []

    def subscribe(self, bus: EventBus) -> None:
        """Register :meth:`handle` on ``bus`` for every type of :data:`RATING_EVENTS`.

        Subscribing to the same bus again does nothing.  Raises :class:`InvalidInput` if
        ``bus`` has no ``subscribe`` method.
        """
        subscribe_once(self._buses, bus, RATING_EVENTS, self.handle)

    async def handle(self, event: DomainEvent) -> None:
        """Bring the event's movie's rating up to date; other events are ignored.

        Raises :class:`InvalidInput` for a non-event, and what :meth:`refresh` raises.
        """
        require_instance(event, DomainEvent, "event")
        if isinstance(event, ReviewAdded | ReviewEdited | ReviewRemoved):
            await self.refresh(event.movie_id)

    async def refresh(self, movie_id: str) -> Movie:
        """Store the movie with its current rating summary and return it.

        When the rating or count changed, ``MovieChanged`` (``changed={"rating"}``) is published
        after the commit.  The movie is saved either way, so that a concurrent refresh holding an
        older summary conflicts and reads again instead of overwriting this one.
        Also the repair for a lost event.  Raises ``NotFound(kind="movie")``,
        :class:`ReviewsNotConfigured`, and ``BackendUnavailable`` when a store fails.
        """
        store = _store(self._ports)
        require_id(movie_id, "movie_id")

        async def step(uow: UnitOfWork) -> Movie:
            movie = await uow.movies.get(movie_id)
            # The summary is read after the movie: a unit that read the movie before another
            # one saved it fails its commit (concurrent_update) and runs again, so an older
            # summary can never overwrite a newer one.
            rated = movie.with_rating(await store.summary(movie_id))
            if (rated.rating, rated.rating_count) == (movie.rating, movie.rating_count):
                # Saved anyway (unchanged): a unit that read the movie before this one and
                # holds an older summary must now fail its commit and read again, or it would
                # write its stale rating over this fresher (equal) one.
                await uow.movies.save(movie)
                return movie
            await uow.movies.save(rated)
            uow.record(
                MovieChanged(
                    occurred_at=self._ports.clock.now(),
                    movie_id=movie_id,
                    changed=frozenset({"rating"}),
                )
            )
            return rated

        # Handlers of one movie take turns in this process, so they rarely conflict at all.
        async with self._locks.locked([movie_id]):
            return await in_unit(self._ports, self._policies, step)
