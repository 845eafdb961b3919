"""The authorization matrix: every use case, tried by every kind of actor, allowed or refused.

Each :class:`Case` sets up the resource a use case acts on (alice's hold, alice's booking in
theater A, the show in theater A …) in a fresh world, then the call is made by one actor named
relative to that resource (:class:`Who`): the owner customer (alice), another customer (bob),
the theater admin of this theater (staff_a), the admin of another theater (staff_b), the
platform admin, and — for the public reads of Browsing and Search — an anonymous visitor
(``None``).

An allowed call must succeed (and a use case that writes must visibly change the system); a
refused call must raise exactly the documented error and change nothing: the whole observable
state (:func:`snapshot`: catalog, venues, shows, users, bookings, coupons and their use counts,
every stored hold, the sale record, the payment ledger, published events, idempotency keys and
notifications) is compared before and after.

:func:`test_every_use_case_is_in_the_matrix` makes a new public service method fail until it
gets a case here or a reasoned entry in :data:`EXEMPT`.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from attrs import field, frozen

from bookmyshow.adapters.memory import (
    ManualClock,
    MemoryEventBus,
    MemoryIdempotencyStore,
    MemoryNotifier,
    MemoryPaymentGateway,
)
from bookmyshow.adapters.memory.payments import (
    CARD_SUCCEEDS,
    CARD_TIMEOUT_CAPTURED,
    RefundFault,
)
from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.domain.catalog import MovieStatus
from bookmyshow.domain.coupons import Coupon
from bookmyshow.domain.errors import PermissionDenied
from bookmyshow.domain.holds import NotHoldOwner
from bookmyshow.domain.money import Money
from bookmyshow.domain.reviews import CannotVoteOwnReview, NotReviewAuthor
from bookmyshow.domain.search import SearchQuery
from bookmyshow.domain.users import Principal, Role
from bookmyshow.domain.venues import GeoPoint
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._units import read_unit
from bookmyshow.services.browsing import SeatMapStatus
from bookmyshow.services.context import Policies, Ports
from tests.services.world import PASSWORD, PRICES, ROWS, World

Refs = Mapping[str, str]
"""Ids a case's setup made (``hold``, ``booking``, ``code``, ``coupon``, ``movie``)."""

Setup = Callable[[Ticketing, World, ManualClock], Awaitable[Refs]]
Call = Callable[[Ticketing, World, Principal, Refs], Awaitable[object]]
PublicCall = Callable[[Ticketing, World, Principal | None, Refs], Awaitable[object]]


class Who(enum.StrEnum):
    """An actor, named by how it relates to the resource the case sets up."""

    OWNER = "owner"
    """alice: the customer whose hold / booking / account it is."""
    OTHER_CUSTOMER = "other_customer"
    """bob: a customer it does not belong to."""
    THEATER_ADMIN = "theater_admin"
    """staff_a: admin of theater A, where the show / booking is."""
    OTHER_THEATER_ADMIN = "other_theater_admin"
    """staff_b: admin of theater B only."""
    PLATFORM_ADMIN = "platform_admin"
    """admin: may do anything the tables grant platform admins."""
    ANONYMOUS = "anonymous"
    """``None``: a visitor who has not signed in (Browsing and Search only)."""


SIGNED_IN = (
    Who.OWNER,
    Who.OTHER_CUSTOMER,
    Who.THEATER_ADMIN,
    Who.OTHER_THEATER_ADMIN,
    Who.PLATFORM_ADMIN,
)
EVERYONE = frozenset(SIGNED_IN)
PLATFORM = frozenset({Who.PLATFORM_ADMIN})
THEATER = frozenset({Who.THEATER_ADMIN, Who.PLATFORM_ADMIN})
ADMINS = frozenset({Who.THEATER_ADMIN, Who.OTHER_THEATER_ADMIN, Who.PLATFORM_ADMIN})
CUSTOMERS_AND_PLATFORM = frozenset({Who.OWNER, Who.OTHER_CUSTOMER, Who.PLATFORM_ADMIN})
OWNER_AND_PLATFORM = frozenset({Who.OWNER, Who.PLATFORM_ADMIN})
OWNER_THEATER_PLATFORM = frozenset({Who.OWNER, Who.THEATER_ADMIN, Who.PLATFORM_ADMIN})


def actor_of(world: World, who: Who) -> Principal | None:
    """The principal ``who`` stands for in ``world`` (``None`` for the anonymous visitor)."""
    return {
        Who.OWNER: world.alice,
        Who.OTHER_CUSTOMER: world.bob,
        Who.THEATER_ADMIN: world.staff_a,
        Who.OTHER_THEATER_ADMIN: world.staff_b,
        Who.PLATFORM_ADMIN: world.admin,
        Who.ANONYMOUS: None,
    }[who]


# --- setups: the resource each case acts on --------------------------------------------------

HOUR, WEEK = timedelta(hours=1), timedelta(days=7)
SEATS = ["A1", "A2"]


async def nothing(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """The bare world: two theaters, a show in each, the five actors."""
    return {}


async def alices_hold(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """alice holds A1 and A2 of the show in theater A."""
    hold = await app.seats.hold(world.alice, world.show.show_id, SEATS)
    return {"hold": hold.hold_id}


async def alices_expired_hold(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """alice's hold, left to expire (still stored: nothing purged it)."""
    refs = await alices_hold(app, world, clock)
    clock.advance(app.policies.holds.ttl + timedelta(seconds=1))
    return refs


async def a_coupon(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """A ₹50-off coupon, valid from an hour ago for a week."""
    now = clock.now()
    coupon = await app.coupons.create(
        world.admin,
        Coupon(code="AUTH50", discount=Money.of(50), valid_from=now - HOUR, valid_until=now + WEEK),
    )
    return {"coupon": coupon.code}


async def alices_hold_and_a_coupon(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """alice's hold and a coupon she could check out with."""
    return {**await a_coupon(app, world, clock), **await alices_hold(app, world, clock)}


async def alices_pending_booking(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """alice checked out her hold: a booking awaiting payment in theater A."""
    refs = await alices_hold(app, world, clock)
    booking = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=refs["hold"], idempotency_key="setup"
    )
    return {**refs, "booking": booking.booking_id}


async def _paid(app: Ticketing, world: World, clock: ManualClock, card: str) -> Refs:
    refs = await alices_pending_booking(app, world, clock)
    booking = await app.bookings.pay(
        world.alice, refs["booking"], payment_method=card, idempotency_key="setup-pay"
    )
    return {**refs, "code": booking.booking_code or ""}


async def alices_confirmed_booking(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """alice's paid and confirmed booking in theater A (with its booking code)."""
    refs = await _paid(app, world, clock, CARD_SUCCEEDS)
    assert refs["code"]
    return refs


async def alices_unknown_payment(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """alice's booking whose payment answer was lost though the money was captured."""
    refs = await _paid(app, world, clock, CARD_TIMEOUT_CAPTURED)
    booking = await app.bookings.get(world.admin, refs["booking"])
    assert booking.status is BookingStatus.PAYMENT_UNKNOWN
    return refs


async def alices_overdue_booking(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """alice's unpaid booking, past its payment due time."""
    refs = await alices_pending_booking(app, world, clock)
    clock.advance(app.policies.holds.max_duration + timedelta(seconds=1))
    return refs


async def alices_owed_refund(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """alice cancelled, and the gateway refused the refund: it is still owed."""
    refs = await alices_confirmed_booking(app, world, clock)
    gateway = app.ports.payments
    assert isinstance(gateway, MemoryPaymentGateway)
    gateway.inject_refund_faults(RefundFault.FAIL)
    cancelled = await app.bookings.cancel(world.alice, refs["booking"])
    assert cancelled.status is BookingStatus.CANCELLED
    return refs


async def a_retired_movie(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """The show's movie, retired."""
    movie = await app.catalog.retire_movie(world.admin, world.show.movie_id)
    return {"movie": movie.movie_id}


async def a_stale_index(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """The search index lost the show's movie."""
    await app.ports.search.remove(world.show.movie_id)
    return {"movie": world.show.movie_id}


async def alices_review(app: Ticketing, world: World, clock: ManualClock) -> Refs:
    """alice reviewed the show's movie."""
    review = await app.reviews.write(world.alice, world.show.movie_id, rating=5, text="Fine")
    return {"review": review.review_id, "movie": world.show.movie_id}


RETIRED = SearchQuery(statuses={MovieStatus.INACTIVE})
NOT_AUTHOR = dict.fromkeys(
    (Who.OTHER_CUSTOMER, Who.THEATER_ADMIN, Who.OTHER_THEATER_ADMIN), NotReviewAuthor
)


# --- the matrix ------------------------------------------------------------------------------


@frozen(kw_only=True)
class Case:
    """One use case on one resource, and who may do it.

    Everyone not in ``allowed`` is refused with ``PermissionDenied`` unless ``refused`` names
    the use case's documented error for them.  ``mutates`` says an allowed call must change the
    system (so the no-change check on refusals is not vacuous); a read must change nothing.
    """

    use_case: str
    call: Call
    allowed: frozenset[Who]
    mutates: bool
    setup: Setup = nothing
    refused: Mapping[Who, type[Exception]] = field(factory=dict)
    variant: str = ""
    public: PublicCall | None = None
    """The same call for the anonymous visitor, for use cases open to everyone."""

    @property
    def key(self) -> str:
        """``Service.method`` with the variant, for test ids."""
        return f"{self.use_case}[{self.variant}]" if self.variant else self.use_case

    def actors(self) -> tuple[Who, ...]:
        """The actors this case is tried with."""
        return (*SIGNED_IN, Who.ANONYMOUS) if self.public is not None else SIGNED_IN

    def refusal(self, who: Who) -> type[Exception] | None:
        """The error ``who`` gets, or None when ``who`` is allowed."""
        return None if who in self.allowed else self.refused.get(who, PermissionDenied)


def public(use_case: str, read: PublicCall, setup: Setup = nothing) -> Case:
    """A read open to everyone, anonymous visitors included."""
    return Case(
        use_case=use_case,
        call=read,
        public=read,
        allowed=EVERYONE | {Who.ANONYMOUS},
        mutates=False,
        setup=setup,
    )


# The domain's own refusal for acting on someone else's hold: checkout and quote check that the
# hold is the actor's, and the hold store judges the release of an expired hold by its owner.
NOT_HOLD_OWNER = {Who.OTHER_CUSTOMER: NotHoldOwner, Who.PLATFORM_ADMIN: NotHoldOwner}

CASES: tuple[Case, ...] = (
    # --- Accounts: the actor's own account (the API cannot name another's) ----------------
    Case(
        use_case="Accounts.me",
        call=lambda app, w, actor, r: app.accounts.me(actor),
        allowed=EVERYONE,
        mutates=False,
    ),
    Case(
        use_case="Accounts.change_password",
        call=lambda app, w, actor, r: app.accounts.change_password(
            actor, PASSWORD, "a brand new passphrase"
        ),
        allowed=EVERYONE,
        mutates=True,
    ),
    # --- Accounts: administration of alice's account --------------------------------------
    Case(
        use_case="Accounts.grant_roles",
        call=lambda app, w, actor, r: app.accounts.grant_roles(
            actor,
            w.alice.user_id,
            [Role.CUSTOMER, Role.THEATER_ADMIN],
            theater_ids=[w.theater_b.theater_id],
        ),
        allowed=PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Accounts.deactivate",
        call=lambda app, w, actor, r: app.accounts.deactivate(actor, w.alice.user_id),
        allowed=PLATFORM,
        mutates=True,
    ),
    # --- Catalog: movies and cities (platform-wide) ----------------------------------------
    Case(
        use_case="Catalog.add_movie",
        call=lambda app, w, actor, r: app.catalog.add_movie(
            actor,
            title="Second Show",
            languages=["Tamil"],
            duration=timedelta(minutes=120),
            release_date=date(2029, 11, 1),
            certificate="U",
        ),
        allowed=PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Catalog.update_movie",
        call=lambda app, w, actor, r: app.catalog.update_movie(
            actor, w.show.movie_id, title="The Longer Queue"
        ),
        allowed=PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Catalog.retire_movie",
        call=lambda app, w, actor, r: app.catalog.retire_movie(actor, w.show.movie_id),
        allowed=PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Catalog.activate_movie",
        call=lambda app, w, actor, r: app.catalog.activate_movie(actor, r["movie"]),
        setup=a_retired_movie,
        allowed=PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Catalog.get_movie",
        call=lambda app, w, actor, r: app.catalog.get_movie(actor, w.show.movie_id),
        allowed=ADMINS,
        mutates=False,
    ),
    Case(
        use_case="Catalog.list_movies",
        call=lambda app, w, actor, r: app.catalog.list_movies(actor),
        allowed=ADMINS,
        mutates=False,
    ),
    Case(
        use_case="Catalog.add_city",
        call=lambda app, w, actor, r: app.catalog.add_city(actor, name="Mumbai"),
        allowed=PLATFORM,
        mutates=True,
    ),
    # --- Catalog: theater A, its screens and shows -----------------------------------------
    Case(
        use_case="Catalog.add_theater",
        call=lambda app, w, actor, r: app.catalog.add_theater(
            actor,
            name="Cinepolis Nexus",
            city_id=w.theater_a.city_id,
            address="Koramangala",
            location=GeoPoint(Decimal("12.93"), Decimal("77.62")),
        ),
        allowed=PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Catalog.update_theater",
        call=lambda app, w, actor, r: app.catalog.update_theater(
            actor, w.theater_a.theater_id, name="PVR Forum Mall"
        ),
        allowed=THEATER,
        mutates=True,
    ),
    Case(
        use_case="Catalog.get_theater",
        call=lambda app, w, actor, r: app.catalog.get_theater(actor, w.theater_a.theater_id),
        allowed=THEATER,
        mutates=False,
    ),
    Case(
        use_case="Catalog.add_screen",
        call=lambda app, w, actor, r: app.catalog.add_screen(
            actor, theater_id=w.theater_a.theater_id, name="Audi 2", rows=ROWS, formats=["2D"]
        ),
        allowed=THEATER,
        mutates=True,
    ),
    Case(
        use_case="Catalog.screens_of",
        call=lambda app, w, actor, r: app.catalog.screens_of(actor, w.theater_a.theater_id),
        allowed=THEATER,
        mutates=False,
    ),
    Case(
        use_case="Catalog.schedule_show",
        call=lambda app, w, actor, r: app.catalog.schedule_show(
            actor,
            movie_id=w.show.movie_id,
            screen_id=w.show.screen_id,
            starts_at=w.show.starts_at + timedelta(days=3),
            format="2D",
            language="Hindi",
            prices=PRICES,
        ),
        allowed=THEATER,
        mutates=True,
    ),
    Case(
        use_case="Catalog.shows_of_theater",
        call=lambda app, w, actor, r: app.catalog.shows_of_theater(actor, w.theater_a.theater_id),
        allowed=THEATER,
        mutates=False,
    ),
    # --- Coupons (platform admins only) ----------------------------------------------------
    Case(
        use_case="Coupons.create",
        call=lambda app, w, actor, r: app.coupons.create(
            actor,
            Coupon(
                code="NEWYEAR",
                discount=Money.of(100),
                valid_from=w.show.starts_at - WEEK,
                valid_until=w.show.starts_at,
            ),
        ),
        allowed=PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Coupons.end",
        call=lambda app, w, actor, r: app.coupons.end(actor, r["coupon"]),
        setup=a_coupon,
        allowed=PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Coupons.get",
        call=lambda app, w, actor, r: app.coupons.get(actor, r["coupon"]),
        setup=a_coupon,
        allowed=PLATFORM,
        mutates=False,
    ),
    Case(
        use_case="Coupons.list",
        call=lambda app, w, actor, r: app.coupons.list(actor),
        setup=a_coupon,
        allowed=PLATFORM,
        mutates=False,
    ),
    Case(
        use_case="Coupons.usage",
        call=lambda app, w, actor, r: app.coupons.usage(actor, r["coupon"], w.alice.user_id),
        setup=a_coupon,
        allowed=PLATFORM,
        mutates=False,
    ),
    # --- Browsing (everyone, anonymous included) -------------------------------------------
    public("Browsing.cities", lambda app, w, actor, r: app.browsing.cities(actor)),
    public(
        "Browsing.theaters",
        lambda app, w, actor, r: app.browsing.theaters(actor, w.theater_a.city_id),
    ),
    # --- Reviews ------------------------------------------------------------------------------
    Case(
        use_case="Reviews.write",
        call=lambda app, w, actor, r: app.reviews.write(actor, w.show.movie_id, rating=7),
        allowed=CUSTOMERS_AND_PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Reviews.edit",
        call=lambda app, w, actor, r: app.reviews.edit(actor, r["review"], rating=9),
        allowed=frozenset({Who.OWNER}),
        mutates=True,
        setup=alices_review,
        # Moderators remove reviews, never rewrite them.
        refused={Who.OTHER_CUSTOMER: NotReviewAuthor, Who.PLATFORM_ADMIN: NotReviewAuthor},
    ),
    Case(
        use_case="Reviews.remove",
        call=lambda app, w, actor, r: app.reviews.remove(actor, r["review"]),
        allowed=OWNER_AND_PLATFORM,
        mutates=True,
        setup=alices_review,
        refused=NOT_AUTHOR,
    ),
    Case(
        use_case="Reviews.vote_helpful",
        call=lambda app, w, actor, r: app.reviews.vote_helpful(actor, r["review"]),
        allowed=EVERYONE - {Who.OWNER},
        mutates=True,
        setup=alices_review,
        refused={Who.OWNER: CannotVoteOwnReview},
    ),
    public(
        "Reviews.list",
        lambda app, w, actor, r: app.reviews.list(actor, w.show.movie_id),
        alices_review,
    ),
    public(
        "Reviews.get", lambda app, w, actor, r: app.reviews.get(actor, r["review"]), alices_review
    ),
    public(
        "Reviews.summary",
        lambda app, w, actor, r: app.reviews.summary(actor, w.show.movie_id),
        alices_review,
    ),
    public("Browsing.movies", lambda app, w, actor, r: app.browsing.movies(actor)),
    public("Browsing.movie", lambda app, w, actor, r: app.browsing.movie(actor, w.show.movie_id)),
    public("Browsing.shows", lambda app, w, actor, r: app.browsing.shows(actor)),
    public("Browsing.show", lambda app, w, actor, r: app.browsing.show(actor, w.show.show_id)),
    public(
        "Browsing.seat_map",
        lambda app, w, actor, r: app.browsing.seat_map(actor, w.show.show_id),
        setup=alices_hold,
    ),
    # --- Search (everyone; retired movies for admins; the rebuild for platform admins) ------
    public("Search.search", lambda app, w, actor, r: app.search.search(actor, SearchQuery())),
    public("Search.suggest", lambda app, w, actor, r: app.search.suggest(actor, "long")),
    Case(
        use_case="Search.search",
        variant="inactive",
        call=lambda app, w, actor, r: app.search.search(actor, RETIRED),
        public=lambda app, w, actor, r: app.search.search(actor, RETIRED),
        setup=a_retired_movie,
        allowed=ADMINS,
        mutates=False,
    ),
    Case(
        use_case="SearchIndexer.reindex_all",
        call=lambda app, w, actor, r: app.indexer.reindex_all(actor),
        setup=a_stale_index,
        allowed=PLATFORM,
        mutates=True,
    ),
    # --- Seats: a new hold is always the actor's own; theater admins hold nothing ----------
    Case(
        use_case="Seats.hold",
        call=lambda app, w, actor, r: app.seats.hold(actor, w.show.show_id, ["C1", "C2"]),
        allowed=CUSTOMERS_AND_PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Seats.hold_best_available",
        call=lambda app, w, actor, r: app.seats.hold_best_available(actor, w.show.show_id, 2),
        allowed=CUSTOMERS_AND_PLATFORM,
        mutates=True,
    ),
    # --- Seats: alice's hold ---------------------------------------------------------------
    Case(
        use_case="Seats.get",
        call=lambda app, w, actor, r: app.seats.get(actor, w.show.show_id, r["hold"]),
        setup=alices_hold,
        allowed=OWNER_AND_PLATFORM,
        mutates=False,
    ),
    Case(
        use_case="Seats.extend",
        call=lambda app, w, actor, r: app.seats.extend(actor, w.show.show_id, r["hold"]),
        setup=alices_hold,
        allowed=OWNER_AND_PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Seats.release",
        call=lambda app, w, actor, r: app.seats.release(actor, w.show.show_id, r["hold"]),
        setup=alices_hold,
        allowed=OWNER_AND_PLATFORM,
        mutates=True,
    ),
    # An expired hold's owner cannot be read back, so the store judges the caller as its
    # owner: others get the store's NotHoldOwner, and so does a platform admin.
    Case(
        use_case="Seats.release",
        variant="expired hold",
        call=lambda app, w, actor, r: app.seats.release(actor, w.show.show_id, r["hold"]),
        setup=alices_expired_hold,
        allowed=frozenset({Who.OWNER}),
        refused=NOT_HOLD_OWNER,
        mutates=True,
    ),
    # --- Bookings: checkout of alice's hold (a booking is always the actor's own) ----------
    Case(
        use_case="Bookings.quote",
        call=lambda app, w, actor, r: app.bookings.quote(
            actor, w.show.show_id, r["hold"], coupon_code=r["coupon"]
        ),
        setup=alices_hold_and_a_coupon,
        allowed=frozenset({Who.OWNER}),
        refused=NOT_HOLD_OWNER,
        mutates=False,
    ),
    Case(
        use_case="Bookings.checkout",
        call=lambda app, w, actor, r: app.bookings.checkout(
            actor,
            show_id=w.show.show_id,
            hold_id=r["hold"],
            idempotency_key="matrix",
            coupon_code=r["coupon"],
        ),
        setup=alices_hold_and_a_coupon,
        allowed=frozenset({Who.OWNER}),
        refused=NOT_HOLD_OWNER,
        mutates=True,
    ),
    # --- Bookings: alice's booking in theater A --------------------------------------------
    Case(
        use_case="Bookings.pay",
        call=lambda app, w, actor, r: app.bookings.pay(
            actor, r["booking"], payment_method=CARD_SUCCEEDS, idempotency_key="matrix-pay"
        ),
        setup=alices_pending_booking,
        allowed=OWNER_AND_PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Bookings.get",
        call=lambda app, w, actor, r: app.bookings.get(actor, r["booking"]),
        setup=alices_confirmed_booking,
        allowed=OWNER_THEATER_PLATFORM,
        mutates=False,
    ),
    # The e-ticket is read by exactly those who may read the booking.
    Case(
        use_case="Bookings.ticket",
        call=lambda app, w, actor, r: app.bookings.ticket(actor, r["booking"]),
        setup=alices_confirmed_booking,
        allowed=OWNER_THEATER_PLATFORM,
        mutates=False,
    ),
    # A user's booking list spans theaters, so no theater admin may read it.
    Case(
        use_case="Bookings.of_user",
        call=lambda app, w, actor, r: app.bookings.of_user(actor, w.alice.user_id),
        setup=alices_confirmed_booking,
        allowed=OWNER_AND_PLATFORM,
        mutates=False,
    ),
    Case(
        use_case="Bookings.cancellation_preview",
        call=lambda app, w, actor, r: app.bookings.cancellation_preview(actor, r["booking"]),
        setup=alices_confirmed_booking,
        allowed=OWNER_AND_PLATFORM,
        mutates=False,
    ),
    Case(
        use_case="Bookings.cancel",
        call=lambda app, w, actor, r: app.bookings.cancel(actor, r["booking"]),
        setup=alices_confirmed_booking,
        allowed=OWNER_AND_PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Bookings.check_in",
        call=lambda app, w, actor, r: app.bookings.check_in(actor, r["code"]),
        setup=alices_confirmed_booking,
        allowed=THEATER,
        mutates=True,
    ),
    # --- Operations ------------------------------------------------------------------------
    Case(
        use_case="Operations.cancel_show",
        call=lambda app, w, actor, r: app.operations.cancel_show(
            actor, w.show.show_id, "projector failure"
        ),
        setup=alices_confirmed_booking,
        allowed=THEATER,
        mutates=True,
    ),
    Case(
        use_case="Operations.reconcile",
        call=lambda app, w, actor, r: app.operations.reconcile(actor, r["booking"]),
        setup=alices_unknown_payment,
        allowed=PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Operations.reconcile_payments",
        call=lambda app, w, actor, r: app.operations.reconcile_payments(actor),
        setup=alices_unknown_payment,
        allowed=PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Operations.expire",
        call=lambda app, w, actor, r: app.operations.expire(actor),
        setup=alices_overdue_booking,
        allowed=PLATFORM,
        mutates=True,
    ),
    Case(
        use_case="Operations.retry_refunds",
        call=lambda app, w, actor, r: app.operations.retry_refunds(actor),
        setup=alices_owed_refund,
        allowed=PLATFORM,
        mutates=True,
    ),
)

EXEMPT: Mapping[str, str] = {
    "Accounts.register": "no actor: how a visitor becomes a customer",
    "Accounts.provision": "no actor: the operator's bootstrap path, never exposed to the network",
    "Accounts.login": "no actor: turns credentials into tokens",
    "Accounts.refresh": "no actor: turns a refresh token into new tokens",
    "Accounts.authenticate": "no actor: turns an access token into the Principal",
    "SearchIndexer.handle": "no actor: applies committed domain events to the search index",
    "SearchIndexer.subscribe": "no actor: wiring, done by the composition root",
    "RatingPropagator.handle": "no actor: applies committed review events to movie ratings",
    "RatingPropagator.refresh": "no actor: an operator's repair, copying a stored summary",
    "RatingPropagator.subscribe": "no actor: wiring, done by the composition root",
}
"""Public service methods with no acting principal to authorize, and why."""


# --- the observable state --------------------------------------------------------------------


async def snapshot(app: Ticketing, world: World, since: datetime) -> dict[str, object]:
    """Everything a use case could change, as comparable values.

    Holds are listed as live at ``since`` (the test's start), so every hold stored during the
    test shows — expired ones included — with its expiry and token.
    """
    ports = app.ports
    user_ids = [p.user_id for p in (world.admin, world.staff_a, world.staff_b)]
    user_ids += [world.alice.user_id, world.bob.user_id]

    async def read(uow: UnitOfWork) -> dict[str, object]:
        cities = await uow.venues.list_cities()
        theaters = [t for c in cities for t in await uow.venues.theaters_in_city(c.city_id)]
        return {
            "movies": tuple(await uow.movies.list(status=None)),
            "cities": tuple(cities),
            "theaters": tuple(theaters),
            "screens": tuple(
                [s for t in theaters for s in await uow.venues.screens_of(t.theater_id)]
            ),
            "shows": tuple(await uow.shows.find(include_cancelled=True)),
            "users": tuple([await uow.users.get(u) for u in user_ids]),
            "bookings": tuple(await uow.bookings.with_status(set(BookingStatus))),
            "coupons": tuple(await uow.coupons.list()),
        }

    state = await read_unit(ports, read)
    shows = state["shows"]
    assert isinstance(shows, tuple)
    show_ids = [s.show_id for s in shows]
    state["holds"] = {s: tuple(await ports.holds.active_holds(s, now=since)) for s in show_ids}
    state["sold"] = {s: dict(await ports.sales.sold_seats(s)) for s in show_ids}
    coupons = state["coupons"]
    assert isinstance(coupons, tuple)
    state["coupon_usage"] = [
        await ports.coupon_redemptions.usage(c.code, u) for c in coupons for u in user_ids
    ]
    gateway, bus, keys, notifier = ports.payments, ports.events, ports.idempotency, ports.notifier
    assert isinstance(gateway, MemoryPaymentGateway)
    assert isinstance(bus, MemoryEventBus)
    assert isinstance(keys, MemoryIdempotencyStore)
    assert isinstance(notifier, MemoryNotifier)
    reviews, listed = ports.reviews, state["movies"]
    assert reviews is not None
    assert isinstance(listed, tuple)
    state["reviews"] = {
        m.movie_id: (await reviews.page(m.movie_id, limit=100), await reviews.summary(m.movie_id))
        for m in listed
    }
    state["ledger"] = gateway.ledger
    state["events"] = bus.published
    state["idempotency_keys"] = len(keys)
    state["notifications"] = notifier.outbox
    movies = state["movies"]
    assert isinstance(movies, tuple)
    state["search"] = {m.movie_id: await ports.search.get(m.movie_id) for m in movies}
    return state


# --- the tests -------------------------------------------------------------------------------

MATRIX = [
    pytest.param(case, who, id=f"{case.key}-{who}") for case in CASES for who in case.actors()
]


@pytest.mark.parametrize(("case", "who"), MATRIX)
async def test_authorization_matrix(
    app: Ticketing, world: World, clock: ManualClock, case: Case, who: Who
) -> None:
    """The actor is allowed or refused as the matrix says, and a refusal changes nothing."""
    since = clock.now()
    refs = await case.setup(app, world, clock)
    before = await snapshot(app, world, since)
    actor = actor_of(world, who)

    async def attempt() -> object:
        if actor is not None:
            return await case.call(app, world, actor, refs)
        assert case.public is not None
        return await case.public(app, world, None, refs)

    refusal = case.refusal(who)
    if refusal is None:
        await attempt()
        after = await snapshot(app, world, since)
        if case.mutates:
            assert after != before, f"{case.key} by {who} was allowed but changed nothing"
        else:
            assert after == before
        return
    with pytest.raises(refusal) as raised:
        await attempt()
    assert type(raised.value) is refusal  # not a subclass standing in for it
    assert await snapshot(app, world, since) == before


def _public_methods(app: Ticketing) -> dict[str, inspect.Signature]:
    methods: dict[str, inspect.Signature] = {}
    for attribute in attrs.fields(Ticketing):
        value = getattr(app, attribute.name)
        if isinstance(value, Ports | Policies) or attribute.name in {
            "resources",
            "preparations",
            "probes",
        }:
            continue  # wiring, not a service (closers of pools, steps run before serving)
        service = type(value)
        assert service.__module__.startswith("bookmyshow.services."), attribute.name
        for name, function in inspect.getmembers(service, inspect.isfunction):
            if not name.startswith("_"):
                methods[f"{service.__name__}.{name}"] = inspect.signature(function)
    return methods


def test_every_use_case_is_in_the_matrix(app: Ticketing) -> None:
    """Every public service method has a matrix case or a reasoned exemption, and no more."""
    methods = _public_methods(app)
    covered = {case.use_case for case in CASES}
    assert not covered & EXEMPT.keys()
    missing = methods.keys() - covered - EXEMPT.keys()
    assert not missing, f"add authorization cases (or a reasoned exemption) for {sorted(missing)}"
    assert (covered | EXEMPT.keys()) <= methods.keys(), "the matrix names a method that is gone"
    for name, signature in methods.items():
        parameters = list(signature.parameters)[1:]
        if name in EXEMPT:
            assert "actor" not in parameters, f"{name} takes an actor: give it a case"
        else:
            assert parameters[:1] == ["actor"], f"{name} must take the actor first"


def test_the_matrix_is_consistent() -> None:
    """Each case names distinct keys, and only refused actors get a specific refusal."""
    keys = [case.key for case in CASES]
    assert len(keys) == len(set(keys))
    for case in CASES:
        assert not case.allowed & case.refused.keys(), case.key
        assert case.allowed <= set(case.actors()), case.key


async def test_a_seat_map_marks_only_the_actors_own_hold(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """alice's held seats are ``held_by_you`` for her alone; others just see them held."""
    await alices_hold(app, world, clock)
    for who in (*SIGNED_IN, Who.ANONYMOUS):
        seat_map = await app.browsing.seat_map(actor_of(world, who), world.show.show_id)
        mine = {s.label for s in seat_map.seats if s.held_by_you}
        held = {s.label for s in seat_map.seats if s.status is SeatMapStatus.HELD}
        assert held == set(SEATS)
        assert mine == (set(SEATS) if who is Who.OWNER else set()), who
