"""The in-memory database: committed aggregates with their indexes and versions, and transactions.

:class:`MemoryDatabase` is the committed state shared by every unit of work over it: one
:class:`Table` per aggregate (rows by id, a version per row, unique and grouping indexes) plus a
:class:`~bookmyshow.adapters.memory.inventory.MemoryInventoryStore` whose sale records are the
sold seats.  :class:`MemoryTransaction` is one unit's private view of it:

* Writes are staged in the transaction and reads see them (read your writes); other transactions
  see them only once :meth:`MemoryTransaction.commit` has applied them all at once.
* Optimistic concurrency: the transaction remembers the committed version of every row it
  returned to a caller (by any query).  A row it saves or removes, and a row it read for update,
  is checked at commit against the version the transaction last saw of it: commit refuses with
  ``Conflict(what="concurrent_update")`` if any of them changed since — so a read-modify-write
  never overwrites a change committed after the read (no lost update), whether or not the read
  was for update.  Commit also refuses with ``Conflict(what="<kind>_id")`` (the table's
  ``id_name``) if a row it added now exists, and re-checks every unique constraint against the
  committed state (another unit may have committed first).  Rows only read, and never saved or
  locked, are not checked.
* A read for update is an exclusive lock, checked optimistically: committing gives every row
  the transaction read for update a new version even if it did not change it, so of two units
  that read the same row for update only the first to commit succeeds (where a database would
  make the second wait, this store makes it fail with ``Conflict`` so it can retry).  That keeps
  "lock the show, then look at its bookings" serializable: no write skew through a locked row.
* Seat sales are staged as operations, checked at once against the committed sale record plus the
  staged operations, and replayed on copies of the affected records at commit; only when every
  check has passed are the copies installed, so a failed commit changes nothing.

Rows are copied on the way in and on the way out (mutable aggregates through
:func:`attrs.evolve`, bookings with an empty ``events`` list), so nothing a caller holds aliases
the stored state.  Thread safety: the database's lock (and the inventory store's ``sales_lock``,
always taken after it) guard only short sections that never await, so units may run on one event
loop or on several threads.  A single transaction is not meant to be shared between tasks.
"""

from __future__ import annotations

import enum
import itertools
import threading
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar, cast

from attrs import define, evolve, field, frozen

from bookmyshow.adapters.memory.inventory import MemoryInventoryStore
from bookmyshow.domain.booking import Booking
from bookmyshow.domain.catalog import Movie
from bookmyshow.domain.coupons import Coupon
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import DomainEvent
from bookmyshow.domain.reviews import Review, ReviewExists
from bookmyshow.domain.sales import ShowSales, validate_sale
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import User
from bookmyshow.domain.venues import City, Screen, Theater
from bookmyshow.ports.errors import Conflict, NotFound

__all__ = ["MemoryDatabase", "MemoryTransaction", "Table", "UniqueKey"]

_T = TypeVar("_T")


class _Tombstone(enum.Enum):
    DELETED = "deleted"


_DELETED = _Tombstone.DELETED


def _same(row: _T) -> _T:
    # Frozen aggregates cannot be changed through a shared reference, so they need no copy.
    return row


def _copy_show(show: Show) -> Show:
    # evolve rebuilds the prices dict, so a caller's edit to it cannot reach the stored show.
    return evolve(show)


def _copy_booking(booking: Booking) -> Booking:
    # A stored booking has no pending events: they are handed to the unit when it is saved.
    return evolve(booking, events=[])


@frozen
class UniqueKey(Generic[_T]):
    """A unique constraint of a :class:`Table`: ``key`` of a row (None is exempt) names one row.

    ``error`` builds the exception raised for a row that would break it.
    """

    name: str
    key: Callable[[_T], Hashable | None]
    error: Callable[[_T], Exception]


class Table(Generic[_T]):
    """Committed rows of one aggregate kind, by id, with versions and indexes.

    ``id_name`` is what the ``Conflict`` for a duplicate id names (``"<kind>_id"`` unless the
    id is a natural key with a name of its own, such as a coupon's code).  Public methods take
    the database lock for a moment and return references to stored rows (which are never
    changed in place); :class:`MemoryTransaction` copies them for callers.
    """

    def __init__(
        self,
        *,
        kind: str,
        lock: threading.Lock,
        id_of: Callable[[_T], str],
        id_name: str | None = None,
        copy: Callable[[_T], _T] = _same,
        unique: Sequence[UniqueKey[_T]] = (),
        groups: Mapping[str, Callable[[_T], Hashable]] | None = None,
    ) -> None:
        self.kind = kind
        self.id_of = id_of
        self.id_name = id_name if id_name is not None else f"{kind}_id"
        self.copy = copy
        self.unique = tuple(unique)
        self.groups: Mapping[str, Callable[[_T], Hashable]] = dict(groups or {})
        self._lock = lock
        self._rows: dict[str, _T] = {}
        self._versions: dict[str, int] = {}
        self._unique_index: dict[str, dict[Hashable, str]] = {u.name: {} for u in self.unique}
        self._group_index: dict[str, dict[Hashable, set[str]]] = {g: {} for g in self.groups}

    def read(self, key: str) -> tuple[_T, int] | None:
        """The committed row and its version, or None."""
        with self._lock:
            return self._read(key)

    def find(self, name: str, value: Hashable) -> tuple[str, _T, int] | None:
        """The id, row and version holding ``value`` in unique index ``name``, or None."""
        with self._lock:
            key = self._unique_index[name].get(value)
            if key is None:
                return None
            return key, self._rows[key], self._versions[key]

    def owner(self, name: str, value: Hashable) -> str | None:
        """The id of the committed row holding ``value`` in unique index ``name``, or None."""
        with self._lock:
            return self._owner(name, value)

    def select(
        self, group: str | None = None, values: Iterable[Hashable] = ()
    ) -> dict[str, tuple[_T, int]]:
        """Committed rows and their versions by id: all of them, or those whose ``group`` key is
        in ``values``."""
        with self._lock:
            if group is None:
                keys: Iterable[str] = self._rows.keys()
            else:
                index = self._group_index[group]
                found: set[str] = set()
                for value in values:
                    found.update(index.get(value, ()))
                keys = found
            return {k: (self._rows[k], self._versions[k]) for k in keys}

    # The methods below expect the caller to hold the lock.

    def _read(self, key: str) -> tuple[_T, int] | None:
        row = self._rows.get(key)
        return None if row is None else (row, self._versions[key])

    def _version(self, key: str) -> int | None:
        return self._versions.get(key)

    def _owner(self, name: str, value: Hashable) -> str | None:
        return self._unique_index[name].get(value)

    def _unindex(self, key: str) -> None:
        old = self._rows.get(key)
        if old is None:
            return
        for unique in self.unique:
            value = unique.key(old)
            if value is not None and self._unique_index[unique.name].get(value) == key:
                del self._unique_index[unique.name][value]
        for name, group_of in self.groups.items():
            members = self._group_index[name].get(group_of(old))
            if members is not None:
                members.discard(key)
                if not members:
                    del self._group_index[name][group_of(old)]

    def _put(self, key: str, row: _T, version: int) -> None:
        self._unindex(key)
        self._rows[key] = row
        self._versions[key] = version
        for unique in self.unique:
            value = unique.key(row)
            if value is not None:
                self._unique_index[unique.name][value] = key
        for name, group_of in self.groups.items():
            self._group_index[name].setdefault(group_of(row), set()).add(key)

    def _bump(self, key: str, version: int) -> None:
        if key in self._versions:
            self._versions[key] = version

    def _delete(self, key: str) -> None:
        self._unindex(key)
        self._rows.pop(key, None)
        self._versions.pop(key, None)


def _booking_code_conflict(booking: Booking) -> Exception:
    return Conflict(what="booking_code", keys=(booking.booking_code or "",))


def _idempotency_conflict(booking: Booking) -> Exception:
    return Conflict(what="idempotency_key", keys=(booking.user_id, booking.idempotency_key))


def _email_conflict(user: User) -> Exception:
    return Conflict(what="email", keys=(user.email.value,))


def _review_exists(review: Review) -> Exception:
    return ReviewExists(movie_id=review.movie_id, user_id=review.user_id)


class MemoryDatabase:
    """Committed aggregates and sold seats, shared by every unit of work made over it.

    ``inventory`` is the hold-and-sale store whose sale records units stage sales against (pass
    the one the memory seat adapters use, so that both see the same sold seats); a new one is
    made if none is given.  Open a :class:`MemoryTransaction` with :meth:`transaction`, or use
    :class:`bookmyshow.adapters.memory.unit_of_work.MemoryUnitOfWork`.
    """

    def __init__(self, inventory: MemoryInventoryStore | None = None) -> None:
        if inventory is not None and not isinstance(inventory, MemoryInventoryStore):
            raise InvalidInput(field="inventory", reason="a MemoryInventoryStore or None")
        self.inventory = inventory if inventory is not None else MemoryInventoryStore()
        self._lock = threading.Lock()
        self._versions = itertools.count(1)
        lock = self._lock
        self.movies: Table[Movie] = Table(kind="movie", lock=lock, id_of=lambda m: m.movie_id)
        self.cities: Table[City] = Table(kind="city", lock=lock, id_of=lambda c: c.city_id)
        self.theaters: Table[Theater] = Table(
            kind="theater",
            lock=lock,
            id_of=lambda t: t.theater_id,
            groups={"city": lambda t: t.city_id},
        )
        self.screens: Table[Screen] = Table(
            kind="screen",
            lock=lock,
            id_of=lambda s: s.screen_id,
            groups={"theater": lambda s: s.theater_id},
        )
        self.shows: Table[Show] = Table(
            kind="show",
            lock=lock,
            id_of=lambda s: s.show_id,
            copy=_copy_show,
            groups={
                "screen": lambda s: s.screen_id,
                "movie": lambda s: s.movie_id,
                "theater": lambda s: s.theater_id,
            },
        )
        self.bookings: Table[Booking] = Table(
            kind="booking",
            lock=lock,
            id_of=lambda b: b.booking_id,
            copy=_copy_booking,
            unique=(
                UniqueKey("booking_code", lambda b: b.booking_code, _booking_code_conflict),
                UniqueKey(
                    "idempotency_key",
                    lambda b: (b.user_id, b.idempotency_key),
                    _idempotency_conflict,
                ),
            ),
            groups={
                "user": lambda b: b.user_id,
                "show": lambda b: b.show_id,
                "status": lambda b: b.status,
            },
        )
        self.users: Table[User] = Table(
            kind="user",
            lock=lock,
            id_of=lambda u: u.user_id,
            unique=(UniqueKey("email", lambda u: u.email.value, _email_conflict),),
        )
        self.reviews: Table[Review] = Table(
            kind="review",
            lock=lock,
            id_of=lambda r: r.review_id,
            unique=(UniqueKey("author", lambda r: (r.movie_id, r.user_id), _review_exists),),
            groups={"movie": lambda r: r.movie_id},
        )
        # A coupon is found by its code, so the (normalised) code is its key.
        self.coupons: Table[Coupon] = Table(
            kind="coupon", lock=lock, id_of=lambda c: c.code, id_name="coupon_code"
        )

    def transaction(self) -> MemoryTransaction:
        """A new transaction over this database, not yet begun."""
        return MemoryTransaction(self)


@define
class _Changes(Generic[_T]):
    """One table's staged rows (or tombstones) and the committed versions they were based on."""

    table: Table[_T]
    staged: dict[str, _T | _Tombstone] = field(factory=dict)
    expected: dict[str, int | None] = field(factory=dict)
    """Per written or locked id, the committed version commit expects (None: it did not exist)."""
    seen: dict[str, int] = field(factory=dict)
    """Per id returned to a caller from the committed state, the version it had then."""

    def view(self, key: str) -> tuple[_T | None, int | None]:
        """The row as the transaction sees it, and the committed version to expect."""
        if key in self.staged:
            staged = self.staged[key]
            row = None if isinstance(staged, _Tombstone) else staged
            return row, self.expected.get(key)
        found = self.table.read(key)
        if found is None:
            return None, None
        return found


@frozen
class _SaleOp:
    show_id: str
    booking_id: str
    seats: frozenset[str] | None
    """The seats sold, or None for giving the booking's seats back."""
    token: int = 0


def _replay(state: ShowSales, ops: Iterable[_SaleOp]) -> None:
    for op in ops:
        if op.show_id != state.show_id:
            continue
        if op.seats is None:
            state.give_back(op.booking_id)
        else:
            state.sell(op.booking_id, op.seats, op.token)


def _unique_error(
    changes: _Changes[_T],
    key: str,
    row: _T,
    owner: Callable[[str, Hashable], str | None],
) -> Exception | None:
    """The error for ``row`` (to be stored under ``key``) breaking a unique constraint, if any.

    Compared with the other staged rows and with the committed rows ``owner`` looks up; a
    committed holder that this transaction rewrites or deletes no longer counts.
    """
    for unique in changes.table.unique:
        value = unique.key(row)
        if value is None:
            continue
        for other_key, other in changes.staged.items():
            if (
                other_key != key
                and not isinstance(other, _Tombstone)
                and unique.key(other) == value
            ):
                return unique.error(row)
        holder = owner(unique.name, value)
        if holder is not None and holder != key and holder not in changes.staged:
            return unique.error(row)
    return None


class _State(enum.Enum):
    NEW = "new"
    OPEN = "open"
    COMMITTED = "committed"
    ROLLED_BACK = "rolled back"


class MemoryTransaction:
    """One unit's staged changes over a :class:`MemoryDatabase`; see the module docstring.

    Lifecycle: :meth:`begin` once, then reads and writes, then :meth:`commit` or
    :meth:`rollback`; either ends it.  Every operation on a transaction that is not in progress
    raises :class:`InvalidInput` (``field="unit_of_work"``), and so does beginning one twice.
    """

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database
        self._state = _State.NEW
        self._changes: dict[str, _Changes[Any]] = {}
        self._sale_ops: list[_SaleOp] = []
        self._events: list[DomainEvent] = []
        self._committed_events: tuple[DomainEvent, ...] = ()

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def in_progress(self) -> bool:
        """Whether the transaction has begun and not yet ended."""
        return self._state is _State.OPEN

    def begin(self) -> None:
        """Start the transaction; raises InvalidInput if it was started before."""
        if self._state is not _State.NEW:
            raise InvalidInput(
                field="unit_of_work", reason="a unit of work is used once; make a new one"
            )
        self._state = _State.OPEN

    def _require_open(self) -> None:
        if self._state is _State.NEW:
            raise InvalidInput(
                field="unit_of_work", reason="not started: use it as `async with uow:`"
            )
        if self._state is not _State.OPEN:
            raise InvalidInput(
                field="unit_of_work", reason=f"already {self._state.value}; make a new one"
            )

    def rollback(self) -> None:
        """Discard every staged change and end the transaction (no-op once it has ended)."""
        if self._state is _State.OPEN:
            self._end(_State.ROLLED_BACK)

    def _end(self, state: _State) -> None:
        self._state = state
        self._changes.clear()
        self._sale_ops.clear()
        self._events.clear()

    def commit(self) -> None:
        """Apply every staged change at once, or raise and apply nothing.

        Raises ``Conflict(what="concurrent_update", keys=("<kind>:<id>", …))`` when a row read
        for update or written here was written or locked by a transaction that committed since,
        ``Conflict(what="<kind>_id")`` (the table's ``id_name``: ``"coupon_code"`` for coupons)
        when a row added here now exists, the unique-constraint errors (``Conflict`` naming
        ``booking_code``, ``idempotency_key`` or ``email``; ``ReviewExists``), and
        ``SeatsUnavailable`` / ``StaleFencingToken`` when a staged sale no longer fits the sale
        record.  Either way the transaction ends: committed, or rolled back.
        """
        self._require_open()
        database = self.database
        store = database.inventory
        try:
            with database._lock:
                self._verify_rows()
                with store.sales_lock:
                    sales = self._replay_sales(store)
                    version = next(database._versions)
                    for changes in self._changes.values():
                        _apply(changes, version)
                    for show_id, state in sales.items():
                        target = store.show_sales(show_id, create=True)
                        target.sold = state.sold
                        target.fence = state.fence
        except BaseException:
            self._end(_State.ROLLED_BACK)
            raise
        events = tuple(self._events)
        self._end(_State.COMMITTED)
        self._committed_events = events

    def _verify_rows(self) -> None:
        # Called with the database lock held.
        changed: list[str] = []
        for changes in self._changes.values():
            table = changes.table
            for key, expected in changes.expected.items():
                current = table._version(key)
                if current == expected:
                    continue
                if expected is None:
                    raise Conflict(what=table.id_name, keys=(key,))
                changed.append(f"{table.kind}:{key}")
        if changed:
            raise Conflict(what="concurrent_update", keys=tuple(changed))
        for changes in self._changes.values():
            for key, row in changes.staged.items():
                if isinstance(row, _Tombstone):
                    continue
                error = _unique_error(changes, key, row, changes.table._owner)
                if error is not None:
                    raise error

    def _replay_sales(self, store: MemoryInventoryStore) -> dict[str, ShowSales]:
        # Called with the sales lock held; works on copies so a refusal changes nothing.
        states: dict[str, ShowSales] = {}
        for show_id in dict.fromkeys(op.show_id for op in self._sale_ops):
            state = _copy_sales(store.show_sales(show_id))
            _replay(state, self._sale_ops)
            states[show_id] = state
        return states

    # -- events ---------------------------------------------------------------------------------

    def record(self, *events: DomainEvent) -> None:
        """Queue ``events`` for :meth:`committed_events`; raises InvalidInput for a non-event."""
        self._require_open()
        for event in events:
            if not isinstance(event, DomainEvent):
                raise InvalidInput(field="events", reason=f"not a DomainEvent: {event!r}")
        self._events.extend(events)

    def committed_events(self) -> Sequence[DomainEvent]:
        """The queued events in order once committed; empty before, and after a rollback."""
        return list(self._committed_events)

    # -- rows -----------------------------------------------------------------------------------

    def _changes_of(self, table: Table[_T]) -> _Changes[_T]:
        changes = self._changes.get(table.kind)
        if changes is None:
            # Kept only once something is read, staged or locked (see _keep): a refused
            # write leaves the transaction exactly as it was.
            changes = _Changes(table)
        return cast("_Changes[_T]", changes)

    def _keep(self, changes: _Changes[_T]) -> None:
        self._changes.setdefault(changes.table.kind, changes)

    def get(self, table: Table[_T], key: str, *, for_update: bool = False) -> _T | None:
        """A copy of the row as this transaction sees it, or None.

        ``for_update`` locks the row for this transaction: commit fails if another transaction
        wrote it, or committed its own lock on it, since this read.  Without it the read is
        still remembered, so that saving the row later fails if it changed since.
        """
        self._require_open()
        changes = self._changes_of(table)
        row, version = changes.view(key)
        if row is None:
            return None
        if key not in changes.staged and version is not None:
            changes.seen[key] = version
        if for_update:
            changes.expected.setdefault(key, version)
        self._keep(changes)
        return table.copy(row)

    def exists(self, table: Table[_T], key: str) -> bool:
        """Whether the row exists as this transaction sees it (a check that remembers nothing:
        no row is handed out, so none needs guarding against a later save)."""
        self._require_open()
        row, _ = self._changes_of(table).view(key)
        return row is not None

    def get_by(self, table: Table[_T], unique: str, value: Hashable) -> _T | None:
        """A copy of the row holding ``value`` in unique index ``unique``, as seen here."""
        self._require_open()
        changes = self._changes_of(table)
        index = next(u for u in table.unique if u.name == unique)
        for row in changes.staged.values():
            if not isinstance(row, _Tombstone) and index.key(row) == value:
                return table.copy(row)
        found = table.find(unique, value)
        if found is None or found[0] in changes.staged:
            # A committed holder this transaction rewrote (to another value) or deleted.
            return None
        key, row, version = found
        changes.seen[key] = version
        self._keep(changes)
        return table.copy(row)

    def select(
        self,
        table: Table[_T],
        *,
        group: str | None = None,
        values: Collection[Hashable] = (),
        where: Callable[[_T], bool] | None = None,
    ) -> list[_T]:
        """Copies of the rows as seen here (all, or those whose ``group`` key is in ``values``)
        that satisfy ``where``, in no particular order."""
        self._require_open()
        changes = self._changes_of(table)
        committed = table.select(group, values)
        rows = {key: row for key, (row, _) in committed.items()}
        group_of = table.groups[group] if group is not None else None
        for key, row in changes.staged.items():
            if isinstance(row, _Tombstone) or (
                group_of is not None and group_of(row) not in values
            ):
                rows.pop(key, None)
            else:
                rows[key] = row
        out: list[_T] = []
        for key, row in rows.items():
            if where is None or where(row):
                if key not in changes.staged:
                    changes.seen[key] = committed[key][1]
                out.append(table.copy(row))
        self._keep(changes)
        return out

    def add(self, table: Table[_T], row: _T) -> None:
        """Stage a new row; ``Conflict(what=table.id_name)`` (``"<kind>_id"``) if the id
        exists, or the error of a unique constraint it breaks.  A refused call stages nothing."""
        self._require_open()
        changes = self._changes_of(table)
        key = table.id_of(row)
        current, version = changes.view(key)
        if current is not None:
            raise Conflict(what=table.id_name, keys=(key,))
        self._stage(changes, key, row, version)

    def save(self, table: Table[_T], row: _T) -> None:
        """Stage a replacement; ``NotFound(kind=<kind>)`` if there is no such row, or the error
        of a unique constraint it breaks.  A refused call stages nothing."""
        self._require_open()
        changes = self._changes_of(table)
        key = table.id_of(row)
        current, version = changes.view(key)
        if current is None:
            raise NotFound(kind=table.kind, key=key)
        # Expect the version the caller's copy was read at, not today's: a save must not
        # overwrite what another unit committed after this one read the row.
        self._stage(changes, key, row, changes.seen.get(key, version))

    def _stage(self, changes: _Changes[_T], key: str, row: _T, version: int | None) -> None:
        error = _unique_error(changes, key, row, changes.table.owner)
        if error is not None:
            raise error
        changes.expected.setdefault(key, version)
        changes.staged[key] = changes.table.copy(row)
        self._keep(changes)

    def remove(self, table: Table[_T], key: str) -> _T:
        """Stage deleting the row and return a copy of it; ``NotFound(kind=<kind>)``."""
        self._require_open()
        changes = self._changes_of(table)
        current, version = changes.view(key)
        if current is None:
            raise NotFound(kind=table.kind, key=key)
        if key in changes.staged and changes.expected.get(key) is None:
            # Added in this transaction only: forgetting it is the whole deletion.
            del changes.staged[key]
            del changes.expected[key]
        else:
            changes.expected.setdefault(key, changes.seen.get(key, version))
            changes.staged[key] = _DELETED
            self._keep(changes)
        return table.copy(current)

    # -- seat sales -----------------------------------------------------------------------------

    def _sales_view(self, show_id: str) -> ShowSales:
        store = self.database.inventory
        with store.sales_lock:
            state = _copy_sales(store.show_sales(show_id))
        _replay(state, self._sale_ops)
        return state

    def sell(self, show_id: str, booking_id: str, seats: frozenset[str], token: int) -> None:
        """Stage selling ``seats`` to ``booking_id``, checked now against the committed record
        plus the staged operations.  Raises ``SeatsUnavailable``, ``StaleFencingToken`` or
        ``InvalidInput`` (as :class:`~bookmyshow.domain.sales.ShowSales` does) and then stages
        nothing; a retried sale is accepted and changes nothing."""
        self._require_open()
        validate_sale(show_id, booking_id, seats, token)
        self._sales_view(show_id).sell(booking_id, seats, token)
        self._sale_ops.append(_SaleOp(show_id, booking_id, seats, token))

    def give_back(self, show_id: str, booking_id: str) -> frozenset[str]:
        """Stage returning every seat of ``booking_id``; returns them (empty if none)."""
        self._require_open()
        for name, value in (("show_id", show_id), ("booking_id", booking_id)):
            if not isinstance(value, str) or not value:
                raise InvalidInput(field=name, reason="must be a non-empty string")
        seats = self._sales_view(show_id).give_back(booking_id)
        self._sale_ops.append(_SaleOp(show_id, booking_id, None))
        return seats

    def sold(self, show_id: str) -> dict[str, str]:
        """Each sold seat of the show and its booking, as seen here (a fresh dict)."""
        self._require_open()
        if not isinstance(show_id, str) or not show_id:
            raise InvalidInput(field="show_id", reason="must be a non-empty string")
        return dict(self._sales_view(show_id).snapshot())


def _copy_sales(state: ShowSales) -> ShowSales:
    return ShowSales(show_id=state.show_id, sold=dict(state.sold), fence=dict(state.fence))


def _apply(changes: _Changes[Any], version: int) -> None:
    # Called with the database lock held, after every check has passed.
    table = changes.table
    for key, row in changes.staged.items():
        if isinstance(row, _Tombstone):
            table._delete(key)
        else:
            table._put(key, row, version)
    for key in changes.expected.keys() - changes.staged.keys():
        # Rows only read for update: releasing the lock is a new version, so a unit that read
        # them before this commit cannot act on what it saw.
        table._bump(key, version)
