"""The contract every unit of work must pass: atomic commits across repositories and sales.

Subclass :class:`UnitOfWorkContract` and override the ``uow_factory`` fixture (see
:mod:`bookmyshow.testing.contracts.repositories`, whose helpers and id rules this suite shares).

What it holds an adapter to:

* ``commit()`` makes every staged change durable at once; leaving the block without it, an
  exception, or ``rollback()`` discards them all — repository writes and seat sales alike.
* A unit reads its own writes; other units see them only after the commit.
* A refused call (a duplicate, seats already sold) changes nothing and leaves the unit usable.
* Concurrent units racing for the same row or unique value: exactly the expected number commit;
  the others fail — with ``Conflict`` / ``ReviewExists`` / ``SeatsUnavailable``, or, for an
  adapter that locks rows instead of checking versions, with the domain error a loser meets when
  it reads the winner's state — and leave nothing behind.
* No lost update: a unit that saves a row another unit changed and committed after this unit
  read it (by any query, even without ``for_update``) fails with
  ``Conflict(what="concurrent_update")``.
* ``committed_events()`` is empty until a successful commit, then holds the recorded events and
  those pulled from saved bookings, in the order the calls were made.
* A unit is used once: entering it again, or calling it after it ended, raises ``InvalidInput``.

Concurrency is exercised with ``asyncio.gather`` only, never by holding one unit open while
another writes the same row from the same task, so adapters that block on row locks pass too.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.domain.booking import Booking, BookingStatus, IllegalTransition
from bookmyshow.domain.catalog import Movie
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import BookingConfirmed, BookingCreated, MovieAdded
from bookmyshow.domain.holds import SeatsUnavailable
from bookmyshow.domain.reviews import ReviewExists
from bookmyshow.domain.sales import StaleFencingToken
from bookmyshow.domain.shows import Show
from bookmyshow.ports.errors import Conflict, NotFound
from bookmyshow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bookmyshow.testing.contracts.repositories import (
    UnitOfWorkSuite,
    add_world,
    committed,
    fresh_booking_code,
    in_unit,
)
from bookmyshow.testing.fixtures import (
    T0,
    UniqueIds,
    sample_booking,
    sample_movie,
    sample_review,
    sample_show,
    sample_user,
    sample_world,
)

__all__ = ["UnitOfWorkContract"]

_contract = settings(
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)


class _Closed(Exception):
    """The locked row was closed by the time a unit read it (a serialized loser)."""


def _added(movie: Movie) -> MovieAdded:
    return MovieAdded(occurred_at=T0, movie_id=movie.movie_id, title=movie.title)


async def _movie_ids(factory: UnitOfWorkFactory, prefix: str) -> set[str]:
    movies = await in_unit(factory, lambda u: u.movies.list())
    return {m.movie_id for m in movies if m.movie_id.startswith(prefix)}


class UnitOfWorkContract(UnitOfWorkSuite):
    """What every unit of work promises; see the module docstring."""

    @pytest.mark.asyncio
    async def test_commit_makes_every_change_durable(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """After commit(), a later unit sees the rows and the sold seats, and the events are out."""
        world, user = sample_world(ids), sample_user(ids("user"))
        booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
        uow = uow_factory()
        async with uow:
            await add_world(uow, world)
            await uow.users.add(user)
            await uow.bookings.add(booking)
            await uow.sales.sell(
                world.show.show_id, booking.booking_id, booking.seats, fencing_token=1
            )
            uow.record(_added(world.movie))
            await uow.commit()
        assert [type(e) for e in uow.committed_events()] == [BookingCreated, MovieAdded]

        async def read(later: UnitOfWork) -> None:
            assert await later.shows.get(world.show.show_id) == world.show
            assert await later.users.get(user.user_id) == user
            assert await later.bookings.get(booking.booking_id) == booking
            sold = await later.sales.sold_seats(world.show.show_id)
            assert dict(sold) == dict.fromkeys(booking.seats, booking.booking_id)

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    @pytest.mark.parametrize("ending", ["no commit", "exception", "rollback"])
    async def test_uncommitted_units_leave_nothing(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, ending: str
    ) -> None:
        """Leaving without commit, raising, or rollback() discards rows, sales and events."""
        world, user = sample_world(ids), sample_user(ids("user"))
        booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
        uow = uow_factory()

        async def work() -> None:
            async with uow:
                await add_world(uow, world)
                await uow.users.add(user)
                await uow.bookings.add(booking)
                await uow.sales.sell(
                    world.show.show_id, booking.booking_id, booking.seats, fencing_token=1
                )
                uow.record(_added(world.movie))
                if ending == "exception":
                    raise RuntimeError("boom")
                if ending == "rollback":
                    await uow.rollback()

        if ending == "exception":
            with pytest.raises(RuntimeError):
                await work()
        else:
            await work()
        assert list(uow.committed_events()) == []

        async def read(later: UnitOfWork) -> None:
            key = booking.idempotency_key
            assert await later.bookings.by_idempotency_key(user.user_id, key) is None
            with pytest.raises(NotFound):
                await later.bookings.get(booking.booking_id)
            assert await later.users.by_email(user.email.value) is None
            assert list(await later.shows.find(movie_id=world.movie.movie_id)) == []
            assert list(await later.venues.theaters_in_city(world.city.city_id)) == []
            assert dict(await later.sales.sold_seats(world.show.show_id)) == {}

        await in_unit(uow_factory, read)
        assert await _movie_ids(uow_factory, world.movie.movie_id) == set()

    @pytest.mark.asyncio
    async def test_a_unit_reads_its_own_writes(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Every query of a unit sees the unit's staged adds, saves, removals and sales."""
        world, user = sample_world(ids), sample_user(ids("user"))
        booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
        review = sample_review(ids("review"), movie_id=world.movie.movie_id, user_id=user.user_id)
        code = fresh_booking_code()
        show_id = world.show.show_id
        async with uow_factory() as uow:
            await add_world(uow, world)
            await uow.users.add(user)
            await uow.bookings.add(booking)
            await uow.reviews.add(review)
            assert world.movie.movie_id in {m.movie_id for m in await uow.movies.list()}
            assert list(await uow.venues.theaters_in_city(world.city.city_id)) == [world.theater]
            assert list(await uow.venues.screens_of(world.theater.theater_id)) == [world.screen]
            assert list(await uow.shows.find(movie_id=world.movie.movie_id)) == [world.show]
            overlap = await uow.shows.on_screen(
                world.screen.screen_id, starts_before=world.show.ends_at, ends_after=T0
            )
            assert list(overlap) == [world.show]
            assert await uow.users.by_email(user.email.value) == user
            assert await uow.bookings.by_idempotency_key(user.user_id, booking.idempotency_key)
            assert [b.booking_id for b in await uow.bookings.of_user(user.user_id)] == [
                booking.booking_id
            ]
            assert await uow.reviews.by_author(world.movie.movie_id, user.user_id) == review
            assert list(await uow.reviews.ratings_of(world.movie.movie_id)) == [review.rating]

            staged = await uow.bookings.get(booking.booking_id, for_update=True)
            staged.confirm("pay-1", code, T0)
            await uow.bookings.save(staged)
            assert (await uow.bookings.by_code(code)).booking_id == booking.booking_id
            confirmed = await uow.bookings.of_show(show_id, statuses=[BookingStatus.CONFIRMED])
            assert [b.booking_id for b in confirmed] == [booking.booking_id]
            pending = await uow.bookings.with_status([BookingStatus.PENDING_PAYMENT])
            assert booking.booking_id not in {b.booking_id for b in pending}
            done = await uow.bookings.with_status([BookingStatus.CONFIRMED])
            assert booking.booking_id in {b.booking_id for b in done}

            await uow.reviews.remove(review.review_id)
            assert await uow.reviews.by_author(world.movie.movie_id, user.user_id) is None
            assert list(await uow.reviews.of_movie(world.movie.movie_id)) == []

            await uow.sales.sell(show_id, booking.booking_id, frozenset({"A1"}), fencing_token=1)
            assert dict(await uow.sales.sold_seats(show_id)) == {"A1": booking.booking_id}
            assert await uow.sales.return_seats(show_id, booking.booking_id) == {"A1"}
            assert dict(await uow.sales.sold_seats(show_id)) == {}

    @pytest.mark.asyncio
    async def test_a_unit_sees_its_removals_and_rewrites_of_committed_rows(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """A committed row removed or rewritten in a unit leaves its queries (the old unique
        value too) at once, and leaves other units' queries only at the commit."""
        world, user = sample_world(ids), sample_user(ids("user"))
        movie_id = world.movie.movie_id
        review = sample_review(ids("review"), movie_id=movie_id, user_id=user.user_id)

        async def setup(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.users.add(user)
            await uow.reviews.add(review)

        await committed(uow_factory, setup)
        old_email, new_email = user.email.value, f"{ids('moved')}@example.com"
        moved = evolve(user, email=new_email)

        async def as_before(other: UnitOfWork) -> None:
            assert await other.users.by_email(old_email) == user
            assert await other.users.by_email(new_email) is None
            assert list(await other.reviews.of_movie(movie_id)) == [review]
            assert await other.reviews.by_author(movie_id, user.user_id) == review

        async with uow_factory() as uow:
            assert await uow.reviews.remove(review.review_id) == review
            with pytest.raises(NotFound):
                await uow.reviews.get(review.review_id)
            assert await uow.reviews.by_author(movie_id, user.user_id) is None
            assert list(await uow.reviews.of_movie(movie_id)) == []
            assert list(await uow.reviews.ratings_of(movie_id)) == []
            await uow.users.save(moved)
            assert await uow.users.by_email(old_email) is None
            assert await uow.users.by_email(new_email) == moved
            await in_unit(uow_factory, as_before)
            await uow.commit()

        async def after(other: UnitOfWork) -> None:
            assert await other.users.by_email(old_email) is None
            assert await other.users.by_email(new_email) == moved
            assert list(await other.reviews.of_movie(movie_id)) == []

        await in_unit(uow_factory, after)

    @pytest.mark.asyncio
    @pytest.mark.parametrize("constraint", ["email", "idempotency_key", "review", "booking_id"])
    async def test_one_unit_cannot_stage_a_unique_value_twice(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, constraint: str
    ) -> None:
        """Two rows with one unique value in one unit: the second add, or else the commit, is
        refused with the constraint's error, and the store keeps neither."""
        world, user = sample_world(ids), sample_user(ids("user"))

        async def setup(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.users.add(user)

        await committed(uow_factory, setup)
        movie_id, show_id = world.movie.movie_id, world.show.show_id
        shared_id = ids("booking")
        email = f"{ids('shared')}@example.com"

        async def add(uow: UnitOfWork, i: int) -> None:
            if constraint == "email":
                await uow.users.add(sample_user(ids("user"), email=email))
            elif constraint == "review":
                await uow.reviews.add(
                    sample_review(ids("review"), movie_id=movie_id, user_id=user.user_id)
                )
            else:
                same_id = constraint == "booking_id"
                await uow.bookings.add(
                    sample_booking(
                        shared_id if same_id else ids("booking"),
                        user_id=user.user_id,
                        show_id=show_id,
                        idempotency_key=f"key-{i}" if same_id else "shared-key",
                    )
                )

        async def twice() -> None:
            async with uow_factory() as uow:
                await add(uow, 1)
                await add(uow, 2)
                await uow.commit()

        with pytest.raises((Conflict, ReviewExists)) as info:
            await twice()
        if constraint == "review":
            assert isinstance(info.value, ReviewExists)
        else:
            assert isinstance(info.value, Conflict)
            assert info.value.what == constraint

        async def read(other: UnitOfWork) -> None:
            assert await other.users.by_email(email) is None
            assert await other.reviews.by_author(movie_id, user.user_id) is None
            assert list(await other.bookings.of_user(user.user_id)) == []

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    async def test_other_units_see_writes_only_after_commit(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """While a unit is open its writes and sales are invisible to another unit."""
        world, user = sample_world(ids), sample_user(ids("user"))
        booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
        writer = uow_factory()
        async with writer:
            await add_world(writer, world)
            await writer.users.add(user)
            await writer.bookings.add(booking)
            await writer.sales.sell(
                world.show.show_id, booking.booking_id, booking.seats, fencing_token=1
            )

            async def peek(other: UnitOfWork) -> None:
                assert await other.users.by_email(user.email.value) is None
                assert list(await other.bookings.of_user(user.user_id)) == []
                assert list(await other.shows.find(movie_id=world.movie.movie_id)) == []
                assert dict(await other.sales.sold_seats(world.show.show_id)) == {}

            await in_unit(uow_factory, peek)
            await writer.commit()

        async def read(other: UnitOfWork) -> None:
            assert await other.users.by_email(user.email.value) == user
            assert list(await other.bookings.of_user(user.user_id)) == [booking]
            assert len(await other.sales.sold_seats(world.show.show_id)) == len(booking.seats)

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    async def test_refused_calls_leave_the_unit_usable(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """A refused add or sale changes nothing, and the unit still commits its other writes."""
        world, user = sample_world(ids), sample_user(ids("user"))
        sold = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
        show_id = world.show.show_id

        async def setup(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.users.add(user)
            await uow.bookings.add(sold)
            await uow.sales.sell(show_id, sold.booking_id, frozenset({"A1"}), fencing_token=1)

        await committed(uow_factory, setup)
        before, after = sample_movie(ids("movie")), sample_movie(ids("movie"))
        late = sample_booking(ids("booking"), user_id=user.user_id, show_id=show_id)

        async def mixed(uow: UnitOfWork) -> None:
            await uow.movies.add(before)
            with pytest.raises(Conflict):
                await uow.movies.add(world.movie)
            with pytest.raises(Conflict):
                await uow.bookings.add(evolve(late, idempotency_key=sold.idempotency_key))
            await uow.bookings.add(late)
            with pytest.raises(SeatsUnavailable):
                await uow.sales.sell(
                    show_id, late.booking_id, frozenset({"A1", "A2"}), fencing_token=2
                )
            await uow.sales.sell(show_id, late.booking_id, frozenset({"A2"}), fencing_token=2)
            await uow.movies.add(after)

        await committed(uow_factory, mixed)

        async def read(uow: UnitOfWork) -> None:
            assert await uow.movies.get(world.movie.movie_id) == world.movie
            assert await uow.movies.get(before.movie_id) == before
            assert await uow.movies.get(after.movie_id) == after
            assert await uow.bookings.get(late.booking_id) == late
            assert dict(await uow.sales.sold_seats(show_id)) == {
                "A1": sold.booking_id,
                "A2": late.booking_id,
            }

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    async def test_sales_are_checked_at_once(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """sell() refuses sold seats and stale tokens immediately and accepts a retried sale."""
        world = sample_world(ids)
        show_id = world.show.show_id
        first, second, third = ids("booking"), ids("booking"), ids("booking")
        await committed(uow_factory, lambda u: add_world(u, world))
        await committed(
            uow_factory,
            lambda u: u.sales.sell(show_id, first, frozenset({"A1", "A2"}), fencing_token=5),
        )

        async def more(uow: UnitOfWork) -> None:
            with pytest.raises(SeatsUnavailable) as info:
                await uow.sales.sell(show_id, second, frozenset({"A2", "A3"}), fencing_token=6)
            assert (info.value.seats, info.value.reason) == (frozenset({"A2"}), "sold")
            await uow.sales.sell(show_id, first, frozenset({"A1", "A2"}), fencing_token=5)
            await uow.sales.sell(show_id, second, frozenset({"A3"}), fencing_token=6)

        await committed(uow_factory, more)
        sold = await in_unit(uow_factory, lambda u: u.sales.sold_seats(show_id))
        assert dict(sold) == {"A1": first, "A2": first, "A3": second}
        assert await committed(
            uow_factory, lambda u: u.sales.return_seats(show_id, first)
        ) == frozenset({"A1", "A2"})
        with pytest.raises(StaleFencingToken):
            await in_unit(
                uow_factory,
                lambda u: u.sales.sell(show_id, third, frozenset({"A1"}), fencing_token=4),
            )

    @pytest.mark.asyncio
    @pytest.mark.parametrize("ending", ["rollback", "commit"])
    async def test_returned_seats_are_staged(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, ending: str
    ) -> None:
        """return_seats() and a resale show inside the unit only, until it commits."""
        world = sample_world(ids)
        show_id, first, second = world.show.show_id, ids("booking"), ids("booking")

        async def setup(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.sales.sell(show_id, first, frozenset({"A1", "A2"}), fencing_token=1)

        await committed(uow_factory, setup)
        original = {"A1": first, "A2": first}
        async with uow_factory() as uow:
            assert await uow.sales.return_seats(show_id, first) == frozenset({"A1", "A2"})
            assert dict(await uow.sales.sold_seats(show_id)) == {}
            await uow.sales.sell(show_id, second, frozenset({"A1"}), fencing_token=2)
            assert dict(await uow.sales.sold_seats(show_id)) == {"A1": second}
            outside = await in_unit(uow_factory, lambda u: u.sales.sold_seats(show_id))
            assert dict(outside) == original
            if ending == "commit":
                await uow.commit()
        final = await in_unit(uow_factory, lambda u: u.sales.sold_seats(show_id))
        assert dict(final) == ({"A1": second} if ending == "commit" else original)

    @pytest.mark.asyncio
    async def test_events_come_out_in_call_order_after_commit(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Recorded events and saved bookings' events come out in call order, only after commit."""
        world, user = sample_world(ids), sample_user(ids("user"))
        booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
        other = sample_movie(ids("movie"))
        uow = uow_factory()
        async with uow:
            await add_world(uow, world)
            await uow.users.add(user)
            uow.record(_added(world.movie))
            await uow.bookings.add(booking)
            uow.record(_added(other))
            loaded = await uow.bookings.get(booking.booking_id, for_update=True)
            loaded.confirm("pay-1", fresh_booking_code(), T0)
            await uow.bookings.save(loaded)
            assert list(uow.committed_events()) == []
            await uow.commit()
        events = list(uow.committed_events())
        assert [type(e) for e in events] == [
            MovieAdded,
            BookingCreated,
            MovieAdded,
            BookingConfirmed,
        ]
        assert events[0] == _added(world.movie)
        assert events[2] == _added(other)

    @pytest.mark.asyncio
    async def test_a_unit_is_used_once(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Calling a unit before entering it, re-entering it, or after it ended is InvalidInput."""
        movie = sample_movie(ids("movie"))
        fresh = uow_factory()
        with pytest.raises(InvalidInput):
            await fresh.movies.add(movie)
        used = uow_factory()
        async with used:
            await used.commit()
        with pytest.raises(InvalidInput):
            async with used:
                pass
        with pytest.raises(InvalidInput):
            await used.commit()
        with pytest.raises(InvalidInput):
            await used.movies.add(movie)
        with pytest.raises(InvalidInput):
            used.record(_added(movie))
        rolled = uow_factory()
        async with rolled:
            await rolled.rollback()
            with pytest.raises(InvalidInput):
                await rolled.commit()
        assert await _movie_ids(uow_factory, movie.movie_id) == set()

    @pytest.mark.asyncio
    async def test_concurrent_updates_have_one_winner_per_booking(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Of units confirming few bookings at once, one per booking commits; losers leave none."""
        world, user = sample_world(ids), sample_user(ids("user"))
        show_id = world.show.show_id
        targets = [
            sample_booking(ids("booking"), user_id=user.user_id, show_id=show_id) for _ in range(3)
        ]

        async def setup(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.users.add(user)
            for booking in targets:
                await uow.bookings.add(booking)

        await committed(uow_factory, setup)
        prefix = ids("movie")
        units: dict[int, UnitOfWork] = {}

        async def attempt(i: int) -> int:
            target = targets[i % len(targets)]
            uow = units[i] = uow_factory()
            async with uow:
                booking = await uow.bookings.get(target.booking_id, for_update=True)
                booking.confirm(f"pay-{i}", fresh_booking_code(), T0)
                await uow.bookings.save(booking)
                await uow.movies.add(sample_movie(f"{prefix}-{i}"))
                await uow.sales.sell(
                    show_id, target.booking_id, frozenset({f"Z{i}"}), fencing_token=i + 1
                )
                await uow.commit()
            return i

        results = await asyncio.gather(*(attempt(i) for i in range(24)), return_exceptions=True)
        winners = [r for r in results if isinstance(r, int)]
        for result in results:
            if isinstance(result, BaseException):
                assert isinstance(result, Conflict | IllegalTransition), result
                if isinstance(result, Conflict):
                    assert result.what == "concurrent_update"
        assert sorted(i % len(targets) for i in winners) == list(range(len(targets)))
        for i in set(range(24)) - set(winners):
            assert list(units[i].committed_events()) == []
        for i in winners:
            assert [type(e) for e in units[i].committed_events()] == [BookingConfirmed]

        async def read(uow: UnitOfWork) -> None:
            for i in winners:
                stored = await uow.bookings.get(targets[i % len(targets)].booking_id)
                assert (stored.status, stored.payment_id) == (BookingStatus.CONFIRMED, f"pay-{i}")
            assert dict(await uow.sales.sold_seats(show_id)) == {
                f"Z{i}": targets[i % len(targets)].booking_id for i in winners
            }

        await in_unit(uow_factory, read)
        assert await _movie_ids(uow_factory, prefix) == {f"{prefix}-{i}" for i in winners}

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        "read", ["get", "by_idempotency_key", "of_show", "with_status", "movie", "movie_list"]
    )
    async def test_a_stale_read_cannot_overwrite_a_later_commit(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, read: str
    ) -> None:
        """Saving a row that another unit changed and committed after this unit read it (by any
        query, without for_update) is a Conflict, and the other unit's change stays."""
        world, user = sample_world(ids), sample_user(ids("user"))
        booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)

        async def setup(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.users.add(user)
            await uow.bookings.add(booking)

        await committed(uow_factory, setup)
        movie_id = world.movie.movie_id
        has_read, winner_done = asyncio.Event(), asyncio.Event()

        async def read_stale(uow: UnitOfWork) -> Booking | Movie:
            if read == "get":
                return await uow.bookings.get(booking.booking_id)
            if read == "by_idempotency_key":
                found = await uow.bookings.by_idempotency_key(user.user_id, booking.idempotency_key)
                assert found is not None
                return found
            if read == "of_show":
                [only] = await uow.bookings.of_show(world.show.show_id)
                return only
            if read == "with_status":
                pending = await uow.bookings.with_status([BookingStatus.PENDING_PAYMENT])
                return next(b for b in pending if b.booking_id == booking.booking_id)
            if read == "movie":
                return await uow.movies.get(movie_id)
            return next(m for m in await uow.movies.list() if m.movie_id == movie_id)

        async def stale() -> None:
            async with uow_factory() as uow:
                try:
                    row = await read_stale(uow)
                finally:
                    has_read.set()
                await winner_done.wait()
                if isinstance(row, Booking):
                    row.fail_payment("declined", T0)
                    await uow.bookings.save(row)
                else:
                    await uow.movies.save(evolve(row, popularity=2))
                await uow.commit()

        async def winner() -> None:
            await has_read.wait()
            try:
                async with uow_factory() as uow:
                    if read.startswith("movie"):
                        movie = await uow.movies.get(movie_id)
                        await uow.movies.save(evolve(movie, popularity=1))
                    else:
                        found = await uow.bookings.get(booking.booking_id, for_update=True)
                        found.confirm("pay-1", fresh_booking_code(), T0)
                        await uow.bookings.save(found)
                    await uow.commit()
            finally:
                winner_done.set()

        lost, won = await asyncio.gather(stale(), winner(), return_exceptions=True)
        assert won is None
        assert isinstance(lost, Conflict), lost
        assert lost.what == "concurrent_update"

        async def check(uow: UnitOfWork) -> None:
            assert (await uow.movies.get(movie_id)).popularity == (
                1 if read.startswith("movie") else 0
            )
            stored = await uow.bookings.get(booking.booking_id)
            expected = BookingStatus.PENDING_PAYMENT if read.startswith("movie") else None
            assert stored.status is (expected or BookingStatus.CONFIRMED)

        await in_unit(uow_factory, check)

    @pytest.mark.asyncio
    async def test_a_stale_read_cannot_remove_a_later_edit(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Removing a row that another unit changed and committed after this unit read it is a
        Conflict, and the other unit's change stays."""
        world, user = sample_world(ids), sample_user(ids("user"))
        review = sample_review(ids("review"), movie_id=world.movie.movie_id, user_id=user.user_id)

        async def setup(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.users.add(user)
            await uow.reviews.add(review)

        await committed(uow_factory, setup)
        edited = review.edit(by=user.user_id, at=T0, text="Better the second time.")
        has_read, editor_done = asyncio.Event(), asyncio.Event()

        async def remover() -> None:
            async with uow_factory() as uow:
                try:
                    await uow.reviews.get(review.review_id)
                finally:
                    has_read.set()
                await editor_done.wait()
                await uow.reviews.remove(review.review_id)
                await uow.commit()

        async def editor() -> None:
            await has_read.wait()
            try:
                await committed(uow_factory, lambda u: u.reviews.save(edited))
            finally:
                editor_done.set()

        lost, won = await asyncio.gather(remover(), editor(), return_exceptions=True)
        assert won is None
        assert isinstance(lost, Conflict), lost
        assert lost.what == "concurrent_update"
        assert await in_unit(uow_factory, lambda u: u.reviews.get(review.review_id)) == edited

    @pytest.mark.asyncio
    @pytest.mark.parametrize("slow_bookers", [False, True])
    @pytest.mark.parametrize("locked", ["show", "booking"])
    async def test_a_row_read_for_update_serializes_units(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, slow_bookers: bool, locked: str
    ) -> None:
        """Units locking a row (a show, a booking) serialize: a unit that closed the row saw
        every unit that committed work under the lock, and none committed after it."""
        world, user = sample_world(ids), sample_user(ids("user"))
        show_id = world.show.show_id
        booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=show_id)

        async def setup(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.users.add(user)
            await uow.bookings.add(booking)

        await committed(uow_factory, setup)
        prefix = ids("movie")

        async def lock(uow: UnitOfWork) -> Show | Booking:
            if locked == "show":
                return await uow.shows.get(show_id, for_update=True)
            return await uow.bookings.get(booking.booking_id, for_update=True)

        def is_closed(row: Show | Booking) -> bool:
            if isinstance(row, Show):
                return row.is_cancelled
            return row.status is not BookingStatus.PENDING_PAYMENT

        async def booker(i: int) -> str:
            async with uow_factory() as uow:
                if is_closed(await lock(uow)):
                    raise _Closed(locked)
                if slow_bookers:
                    for _ in range(3):
                        await uow.movies.get(world.movie.movie_id)
                await uow.movies.add(sample_movie(f"{prefix}-{i}"))
                await uow.commit()
            return f"{prefix}-{i}"

        async def canceller() -> list[str]:
            async with uow_factory() as uow:
                row = await lock(uow)
                movies = await uow.movies.list()
                seen = sorted(m.movie_id for m in movies if m.movie_id.startswith(prefix))
                reason = f"seen:{','.join(seen) or 'none'}"
                if isinstance(row, Show):
                    row.cancel(reason)
                    await uow.shows.save(row)
                else:
                    row.fail_payment(reason, T0)
                    await uow.bookings.save(row)
                await uow.commit()
            return seen

        results = await asyncio.gather(
            booker(0), booker(1), canceller(), booker(2), booker(3), return_exceptions=True
        )
        booked = {r for r in results if isinstance(r, str)}
        for result in results:
            if isinstance(result, BaseException):
                assert isinstance(result, Conflict | _Closed), result
        outcome = results[2]

        async def reason(uow: UnitOfWork) -> str | None:
            if locked == "show":
                return (await uow.shows.get(show_id)).cancel_reason
            return (await uow.bookings.get(booking.booking_id)).failure_reason

        stored = await in_unit(uow_factory, reason)
        if isinstance(outcome, list):
            assert booked <= set(outcome)
            assert stored == f"seen:{','.join(outcome) or 'none'}"
        else:
            assert stored is None
        assert await _movie_ids(uow_factory, prefix) == booked

    @pytest.mark.asyncio
    async def test_locking_the_screen_serializes_overlapping_schedules(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Units that lock a screen, look for overlapping shows and add one never both commit
        overlapping shows (the overlap rule has no unique key to lean on)."""
        world = sample_world(ids)
        screen_id = world.screen.screen_id
        await committed(uow_factory, lambda u: add_world(u, world))
        starts = world.show.ends_at + timedelta(hours=1)

        async def schedule(i: int) -> str:
            show = sample_show(
                ids("show"),
                movie_id=world.movie.movie_id,
                theater_id=world.theater.theater_id,
                screen_id=screen_id,
                starts_at=starts + timedelta(minutes=10 * i),
            )
            async with uow_factory() as uow:
                await uow.venues.get_screen(screen_id, for_update=True)
                if await uow.shows.on_screen(
                    screen_id, starts_before=show.ends_at, ends_after=show.starts_at
                ):
                    raise _Closed("screen busy")
                await uow.shows.add(show)
                await uow.commit()
            return show.show_id

        results = await asyncio.gather(*(schedule(i) for i in range(6)), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                assert isinstance(result, Conflict | _Closed), result
        assert sum(isinstance(r, str) for r in results) == 1
        stored = await in_unit(
            uow_factory,
            lambda u: u.shows.on_screen(
                screen_id, starts_before=starts + timedelta(days=1), ends_after=starts
            ),
        )
        assert [s.show_id for s in stored] == [r for r in results if isinstance(r, str)]

    @pytest.mark.asyncio
    @pytest.mark.parametrize("constraint", ["email", "idempotency_key", "review", "booking_id"])
    async def test_concurrent_unique_values_have_one_winner(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, constraint: str
    ) -> None:
        """Of units adding one unique value, one commits; others get its error and leave none."""
        world, user = sample_world(ids), sample_user(ids("user"))

        async def setup(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.users.add(user)

        await committed(uow_factory, setup)
        shared_email = f"{ids('shared')}@example.com"
        shared_id = ids("booking")
        prefix = ids("movie")

        async def add_colliding(uow: UnitOfWork, i: int) -> None:
            if constraint == "email":
                await uow.users.add(sample_user(ids("user"), email=shared_email))
            elif constraint == "review":
                await uow.reviews.add(
                    sample_review(
                        ids("review"), movie_id=world.movie.movie_id, user_id=user.user_id
                    )
                )
            else:
                same_id = constraint == "booking_id"
                await uow.bookings.add(
                    sample_booking(
                        shared_id if same_id else ids("booking"),
                        user_id=user.user_id,
                        show_id=world.show.show_id,
                        idempotency_key=f"key-{i}" if same_id else "shared-key",
                    )
                )

        async def attempt(i: int) -> int:
            async with uow_factory() as uow:
                await add_colliding(uow, i)
                await uow.movies.add(sample_movie(f"{prefix}-{i}"))
                await uow.commit()
            return i

        results = await asyncio.gather(*(attempt(i) for i in range(12)), return_exceptions=True)
        winners = [r for r in results if isinstance(r, int)]
        assert len(winners) == 1
        for result in results:
            if isinstance(result, BaseException):
                if constraint == "review":
                    assert isinstance(result, ReviewExists), result
                else:
                    assert isinstance(result, Conflict), result
                    assert result.what == constraint
        assert await _movie_ids(uow_factory, prefix) == {f"{prefix}-{winners[0]}"}

    @pytest.mark.asyncio
    async def test_concurrent_sales_of_a_seat_have_one_winner(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Of units selling one seat, one commits; the others get SeatsUnavailable, no booking."""
        world, user = sample_world(ids), sample_user(ids("user"))
        show_id = world.show.show_id

        async def setup(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.users.add(user)

        await committed(uow_factory, setup)
        bookings = [
            sample_booking(ids("booking"), user_id=user.user_id, show_id=show_id, seats=["A1"])
            for _ in range(12)
        ]

        async def attempt(booking: Booking) -> Booking:
            async with uow_factory() as uow:
                await uow.bookings.add(booking)
                await uow.sales.sell(show_id, booking.booking_id, booking.seats, fencing_token=1)
                await uow.commit()
            return booking

        results = await asyncio.gather(*(attempt(b) for b in bookings), return_exceptions=True)
        winners = [r for r in results if isinstance(r, Booking)]
        assert len(winners) == 1
        assert all(
            isinstance(r, SeatsUnavailable) for r in results if isinstance(r, BaseException)
        ), results

        async def read(uow: UnitOfWork) -> None:
            assert dict(await uow.sales.sold_seats(show_id)) == {"A1": winners[0].booking_id}
            stored = await uow.bookings.of_user(user.user_id)
            assert [b.booking_id for b in stored] == [winners[0].booking_id]

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    @_contract
    @given(
        steps=st.lists(
            st.tuples(
                st.sampled_from(["add", "save", "remove_review"]),
                st.integers(0, 3),
                st.sampled_from(["Sholay", "Deewaar", "Zanjeer"]),
            ),
            max_size=12,
        ),
        commit=st.booleans(),
    )
    async def test_staged_view_matches_a_model(
        self,
        uow_factory: UnitOfWorkFactory,
        ids: UniqueIds,
        steps: list[tuple[str, int, str]],
        commit: bool,
    ) -> None:
        """A unit reads like a model of its writes; the store keeps them only if it committed."""
        user = sample_user(ids("user"))
        movie_ids = [ids("movie") for _ in range(4)]
        base = {movie_ids[0]: sample_movie(movie_ids[0], title="Anand")}

        async def setup(uow: UnitOfWork) -> None:
            await uow.users.add(user)
            for movie in base.values():
                await uow.movies.add(movie)

        await committed(uow_factory, setup)
        model = dict(base)
        reviews: dict[str, str] = {}  # movie id -> review id, for removal
        uow = uow_factory()
        async with uow:
            for op, index, title in steps:
                movie_id = movie_ids[index]
                if op == "add":
                    movie = sample_movie(movie_id, title=title)
                    if movie_id in model:
                        with pytest.raises(Conflict):
                            await uow.movies.add(movie)
                    else:
                        await uow.movies.add(movie)
                        await uow.reviews.add(
                            sample_review(
                                reviews.setdefault(movie_id, ids("review")),
                                movie_id=movie_id,
                                user_id=user.user_id,
                            )
                        )
                        model[movie_id] = movie
                elif op == "save":
                    movie = sample_movie(movie_id, title=title)
                    if movie_id in model:
                        await uow.movies.save(movie)
                        model[movie_id] = movie
                    else:
                        with pytest.raises(NotFound):
                            await uow.movies.save(movie)
                elif movie_id in reviews:
                    await uow.reviews.remove(reviews.pop(movie_id))
                for key in movie_ids:
                    if key in model:
                        assert await uow.movies.get(key) == model[key]
                    review = await uow.reviews.by_author(key, user.user_id)
                    assert (review is not None) == (key in reviews)
            if commit:
                await uow.commit()
        expected = model if commit else base
        stored = await in_unit(uow_factory, lambda u: u.movies.list())
        assert {m.movie_id: m for m in stored if m.movie_id in movie_ids} == expected
        assert list(uow.committed_events()) == []
