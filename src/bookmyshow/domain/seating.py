"""Seat selection rules: "no single orphan seat" and best-available selection.

**Orphan rule.**  A free seat is *isolated* when it is the only free seat of its run: both of its
neighbours in its block (see :attr:`bookmyshow.domain.layouts.SeatRow.blocks`) are taken or blocked,
or missing because the seat is at an aisle or a row end.  A block of exactly one seat is never
counted: that seat cannot be stranded by anyone.  A selection *creates* an orphan when, after it is
taken, a seat is isolated that was not isolated before; an orphan that already existed is not the
new selection's fault and is never reported.  Taking a whole free run is always fine.

**Best available.**  :func:`best_available` picks ``count`` free seats of one category nearest the
layout's sweet spot, relaxing its demands one :class:`RelaxationStep` at a time and reporting the
step it used.  Distances are exact (no float): see :func:`seat_distance`.

Everything here is pure and deterministic: the same layout, taken seats and request always give
the same answer.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from fractions import Fraction
from typing import ClassVar

from attrs import define, field, frozen

from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.layouts import Seat, SeatLayout, SeatRow
from bookmyshow.domain.validation import label_set, require_bool, require_instance

__all__ = [
    "DEFAULT_MAX_SEATS",
    "ROW_WEIGHT",
    "NotEnoughSeats",
    "OrphanSeatLeft",
    "RelaxationStep",
    "SeatSelection",
    "SeatsNotTogether",
    "best_available",
    "check_hold_seats",
    "check_no_orphans",
    "isolated_seats",
    "orphans_created",
    "seat_distance",
]

DEFAULT_MAX_SEATS = 10
"""The most seats :func:`best_available` picks at once unless told otherwise (a hold's default)."""

ROW_WEIGHT = 2
"""One row away from the sweet spot costs as much as two seats away from the centre line."""


def _label_set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


class RelaxationStep(enum.StrEnum):
    """How far :func:`best_available` relaxed its demands, strictest first.

    * ``STRICT``: one contiguous run in one block of one row, creating no orphan;
    * ``ORPHANS_ALLOWED``: one contiguous run in one block of one row; may strand a seat;
    * ``ADJACENT_ROWS``: two contiguous runs in two adjacent rows (row indices differing by one,
      same category), preferring a split that strands nobody;
    * ``ANY``: the closest free seats of the category, wherever they are.
    """

    STRICT = "strict"
    ORPHANS_ALLOWED = "orphans_allowed"
    ADJACENT_ROWS = "adjacent_rows"
    ANY = "any"

    @property
    def rank(self) -> int:
        """0 for ``STRICT`` up to 3 for ``ANY``: a larger rank is a looser step."""
        return _STEPS.index(self)


_STEPS: tuple[RelaxationStep, ...] = tuple(RelaxationStep)


@define(auto_exc=True, kw_only=True)
class OrphanSeatLeft(DomainError):
    """Taking the chosen seats would strand ``seats``: each left as a single isolated free seat."""

    code: ClassVar[str] = "orphan_seat"
    seats: frozenset[str] = field(converter=_label_set)


@define(auto_exc=True, kw_only=True)
class NotEnoughSeats(DomainError):
    """Fewer than ``requested`` free seats exist in ``category`` (``None``: in any one category).

    ``available`` counts the free seats that could have been picked (for ``category=None``, the
    most free seats of any single category).
    """

    code: ClassVar[str] = "not_enough_seats"
    category: str | None
    requested: int
    available: int


@define(auto_exc=True, kw_only=True)
class SeatsNotTogether(DomainError):
    """Enough seats are free, but none fit the request without relaxing past ``allow``."""

    code: ClassVar[str] = "seats_not_together"
    category: str | None
    requested: int
    allow: RelaxationStep


@frozen
class SeatSelection:
    """Seats picked by :func:`best_available`, ordered front to back and left to right.

    ``step`` is the strictest :class:`RelaxationStep` at which a selection existed; ``category``
    is the category of every seat (a selection never mixes categories).
    """

    seats: tuple[str, ...]
    step: RelaxationStep
    category: str


def _is_taken(seat: Seat, occupied: AbstractSet[str]) -> bool:
    return seat.blocked or seat.label in occupied


def _isolated_in_block(block: Sequence[Seat], occupied: AbstractSet[str]) -> Iterator[str]:
    if len(block) < 2:  # a lone seat between aisles can never be stranded
        return
    last = len(block) - 1
    for i, seat in enumerate(block):
        if _is_taken(seat, occupied):
            continue
        left_free = i > 0 and not _is_taken(block[i - 1], occupied)
        right_free = i < last and not _is_taken(block[i + 1], occupied)
        if not left_free and not right_free:
            yield seat.label


def _check_known(layout: SeatLayout, labels: object, name: str) -> frozenset[str]:
    """``labels`` as a set after checking that each names a seat of ``layout``."""
    require_instance(layout, SeatLayout, "layout")
    chosen = label_set(labels, name)
    for label in sorted(chosen):
        if label not in layout:
            raise InvalidInput(field=name, reason=f"no seat {label!r} in this layout")
    return chosen


def isolated_seats(layout: SeatLayout, taken: AbstractSet[str]) -> frozenset[str]:
    """The free seats that are already isolated when ``taken`` (and every blocked seat) is taken.

    Raises :class:`InvalidInput` for a ``layout`` that is not a :class:`SeatLayout`, and (field
    ``"taken"``) for a label that is not a seat of ``layout`` or a ``taken`` that is no set.
    """
    taken = _check_known(layout, taken, "taken")
    return frozenset(
        label
        for row in layout.rows
        for block in row.blocks
        for label in _isolated_in_block(block, taken)
    )


def orphans_created(
    layout: SeatLayout, taken: AbstractSet[str], chosen: AbstractSet[str]
) -> frozenset[str]:
    """The seats that taking ``chosen`` on top of ``taken`` would leave isolated for the first time.

    Pre-existing isolated seats are not reported: they are not the new selection's fault.  Seats
    in both ``taken`` and ``chosen`` are simply taken (availability is the hold store's business).
    Raises :class:`InvalidInput` if a label in ``taken`` is unknown (field ``"taken"``) or a
    label in ``chosen`` is unknown or blocked (field ``"chosen"``).
    """
    taken = _check_known(layout, taken, "taken")
    chosen = _check_known(layout, chosen, "chosen")
    for label in sorted(chosen):
        if layout.seat(label).blocked:
            raise InvalidInput(field="chosen", reason=f"seat {label!r} is blocked")
    after = taken | chosen
    created: set[str] = set()
    for row in layout.rows:
        for block in row.blocks:
            # Only a block that gains a taken seat can gain an isolated one.
            if any(s.label in chosen and s.label not in taken for s in block):
                created.update(_isolated_in_block(block, after))
                created.difference_update(_isolated_in_block(block, taken))
    return frozenset(created)


def check_no_orphans(layout: SeatLayout, taken: AbstractSet[str], chosen: AbstractSet[str]) -> None:
    """Refuse ``chosen`` if taking it would strand a seat (see :func:`orphans_created`).

    Raises :class:`OrphanSeatLeft` naming the stranded seats, or :class:`InvalidInput` as
    :func:`orphans_created` does.
    """
    stranded = orphans_created(layout, taken, chosen)
    if stranded:
        raise OrphanSeatLeft(seats=stranded)


def check_hold_seats(
    layout: SeatLayout,
    seats: AbstractSet[str],
    taken: AbstractSet[str],
    *,
    forbid_orphans: bool,
) -> frozenset[str]:
    """Validate the seats of a hold request against the screen before asking the hold store.

    Every label must name a sellable (not blocked) seat of ``layout``; with ``forbid_orphans``,
    taking ``seats`` on top of ``taken`` (held or sold now) must strand no single free seat.
    This check is advisory under concurrency — ``taken`` is a snapshot — which is fine for a rule
    about comfort; the hold store alone decides availability.  Returns the seats as a frozenset.

    Raises :class:`InvalidInput` (field ``"seats"``) for an unknown or blocked seat, and
    :class:`OrphanSeatLeft` naming the seats that would be stranded.
    """
    require_instance(layout, SeatLayout, "layout")
    chosen = layout.check_sellable(seats)
    held = label_set(taken, "taken")
    if require_bool(forbid_orphans, "forbid_orphans"):
        check_no_orphans(layout, frozenset(t for t in held if t in layout), chosen)
    return chosen


# --- distances -------------------------------------------------------------------------------


@frozen
class _Metric:
    """The sweet spot scaled to integers, so that scoring thousands of windows stays cheap."""

    scale: int
    depth: int
    centre: int

    @classmethod
    def of(cls, layout: SeatLayout) -> _Metric:
        depth, centre = layout.sweet_spot
        scale = math.lcm(depth.denominator, centre.denominator)
        return cls(scale, int(depth * scale), int(centre * scale))

    def cost(self, seat: Seat) -> int:
        return ROW_WEIGHT * abs(seat.row_index * self.scale - self.depth) + abs(
            seat.column * self.scale - self.centre
        )


def seat_distance(layout: SeatLayout, seat: Seat | str) -> Fraction:
    """How far ``seat`` is from the layout's sweet spot ``(depth, centre)``.

    ``ROW_WEIGHT * |row_index - depth| + |column - centre|``: a weighted Manhattan distance in
    row and cell-column units (aisle cells count as columns).  A selection's distance is the sum
    over its seats.  Raises :class:`InvalidInput` for an unknown label or a ``seat`` that is
    neither a label nor a :class:`~bookmyshow.domain.layouts.Seat`.
    """
    require_instance(layout, SeatLayout, "layout")
    if not isinstance(seat, str | Seat):
        raise InvalidInput(field="seat", reason="a seat label or a Seat")
    resolved = layout.seat(seat) if isinstance(seat, str) else seat
    metric = _Metric.of(layout)
    return Fraction(metric.cost(resolved), metric.scale)


# --- best available --------------------------------------------------------------------------

# A candidate's sort key: orphan flag (0 = strands nobody), distance, then a tie-break that prefers
# the row further back and then the leftmost seat.
_Key = tuple[int, int, tuple[tuple[int, int], ...]]


def _tie(seats: Iterable[Seat]) -> tuple[tuple[int, int], ...]:
    return tuple(sorted((-s.row_index, s.column) for s in seats))


@frozen
class _Run:
    """Adjacent pickable seats inside one free run of a block.

    ``room_left``/``room_right`` count the free but unpickable seats (wheelchair seats not asked
    for) between this run and the end of its free run: they are stranded like any other seat.
    """

    seats: tuple[Seat, ...]
    prefix: tuple[int, ...]
    room_left: int
    room_right: int


@frozen
class _Window:
    key: _Key
    seats: tuple[Seat, ...]
    strands: bool


def _runs(
    row: SeatRow, taken: AbstractSet[str], pickable: AbstractSet[str], m: _Metric
) -> list[_Run]:
    runs: list[_Run] = []
    for block in row.blocks:
        free_run: list[Seat] = []
        for seat in (*block, None):
            if seat is not None and not _is_taken(seat, taken):
                free_run.append(seat)
                continue
            start = 0
            while start < len(free_run):
                if free_run[start].label not in pickable:
                    start += 1
                    continue
                end = start
                while end < len(free_run) and free_run[end].label in pickable:
                    end += 1
                seats = tuple(free_run[start:end])
                prefix = [0]
                for s in seats:
                    prefix.append(prefix[-1] + m.cost(s))
                runs.append(_Run(seats, tuple(prefix), start, len(free_run) - end))
                start = end
            free_run = []
    return runs


def _best_window(runs: Sequence[_Run], size: int, *, orphan_free: bool) -> _Window | None:
    best: _Window | None = None
    for run in runs:
        length = len(run.seats)
        for i in range(length - size + 1):
            # A leftover of exactly one free seat on either side is a newly isolated seat: the
            # free run was at least size + 1 long, so that seat was not isolated before.
            strands = run.room_left + i == 1 or run.room_right + length - i - size == 1
            if strands and orphan_free:
                continue
            seats = run.seats[i : i + size]
            key: _Key = (0, run.prefix[i + size] - run.prefix[i], _tie(seats[:1]))
            if best is None or key < best.key:
                best = _Window(key, seats, strands)
    return best


def _category_rows(layout: SeatLayout, category: str) -> list[SeatRow]:
    return [r for r in layout.rows if r.category == category]


class _Search:
    """The candidates of one category; windows are computed once per (row, size, strictness)."""

    def __init__(
        self,
        layout: SeatLayout,
        category: str,
        taken: AbstractSet[str],
        *,
        wheelchair: bool,
        metric: _Metric,
    ) -> None:
        self.rows = _category_rows(layout, category)
        self.metric = metric
        self.free = [
            s
            for r in self.rows
            for s in r.seats
            if not _is_taken(s, taken) and (wheelchair or not s.wheelchair)
        ]
        pickable = frozenset(s.label for s in self.free)
        self.runs = {r.index: _runs(r, taken, pickable, metric) for r in self.rows}
        self._cache: dict[tuple[int, int, bool], _Window | None] = {}

    def window(self, row: int, size: int, *, orphan_free: bool) -> _Window | None:
        cache_key = (row, size, orphan_free)
        if cache_key not in self._cache:
            self._cache[cache_key] = _best_window(self.runs[row], size, orphan_free=orphan_free)
        return self._cache[cache_key]

    def one_row(self, count: int, *, orphan_free: bool) -> tuple[_Key, tuple[Seat, ...]] | None:
        found = [
            w
            for r in self.rows
            if (w := self.window(r.index, count, orphan_free=orphan_free)) is not None
        ]
        if not found:
            return None
        best = min(found, key=lambda w: w.key)
        return best.key, best.seats

    def two_rows(self, count: int) -> tuple[_Key, tuple[Seat, ...]] | None:
        best: tuple[_Key, tuple[Seat, ...]] | None = None
        indices = {r.index for r in self.rows}
        for front in sorted(indices):
            back = front + 1
            if back not in indices:
                continue
            for size in range(1, count):
                pair = self._pair(front, back, size, count - size)
                if pair is not None and (best is None or pair[0] < best[0]):
                    best = pair
        return best

    def _pair(
        self, front: int, back: int, size: int, rest: int
    ) -> tuple[_Key, tuple[Seat, ...]] | None:
        for flag, orphan_free in ((0, True), (1, False)):
            a = self.window(front, size, orphan_free=orphan_free)
            b = self.window(back, rest, orphan_free=orphan_free)
            if a is not None and b is not None:
                seats = a.seats + b.seats
                return (flag, a.key[1] + b.key[1], _tie(seats)), seats
        return None

    def anywhere(self, count: int) -> tuple[_Key, tuple[Seat, ...]] | None:
        if len(self.free) < count:
            return None
        ranked = sorted(self.free, key=lambda s: (self.metric.cost(s), -s.row_index, s.column))
        seats = tuple(ranked[:count])
        return (0, sum(self.metric.cost(s) for s in seats), _tie(seats)), seats

    def at(self, step: RelaxationStep, count: int) -> tuple[_Key, tuple[Seat, ...]] | None:
        if step is RelaxationStep.STRICT:
            return self.one_row(count, orphan_free=True)
        if step is RelaxationStep.ORPHANS_ALLOWED:
            return self.one_row(count, orphan_free=False)
        if step is RelaxationStep.ADJACENT_ROWS:
            return self.two_rows(count)
        return self.anywhere(count)


def _check_count(count: int, max_seats: int) -> None:
    if isinstance(max_seats, bool) or not isinstance(max_seats, int) or max_seats < 1:
        raise InvalidInput(field="max_seats", reason="must be a positive integer")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= max_seats:
        raise InvalidInput(field="count", reason=f"must be an integer from 1 to {max_seats}")


def best_available(
    layout: SeatLayout,
    taken: AbstractSet[str],
    count: int,
    category: str | None = None,
    *,
    wheelchair: bool = False,
    allow: RelaxationStep = RelaxationStep.ANY,
    max_seats: int = DEFAULT_MAX_SEATS,
) -> SeatSelection:
    """Pick ``count`` free seats of ``category`` nearest the sweet spot.

    Tries each :class:`RelaxationStep` from ``STRICT`` up to ``allow`` and returns the best
    selection of the first step that has one; within a step the smallest total
    :func:`seat_distance` wins, ties going to the row further back, then the leftmost seat.
    ``taken`` holds the held and sold seats; blocked seats are never picked and count as taken.
    Wheelchair seats are picked only when ``wheelchair=True`` (they are then ordinary candidates,
    not required); either way a free wheelchair seat can be stranded and so counts for the orphan
    rule.  ``category=None`` considers every category but never mixes them: the best selection of
    any single category wins.

    Raises :class:`InvalidInput` for a ``count`` outside ``1..max_seats``, an unknown category,
    an unknown label in ``taken`` or an ``allow`` that is not a step; :class:`NotEnoughSeats`
    when fewer than ``count`` pickable seats are free; :class:`SeatsNotTogether` when seats are
    free but no step up to ``allow`` places them.
    """
    _check_count(count, max_seats)
    require_instance(layout, SeatLayout, "layout")
    if not isinstance(allow, RelaxationStep):
        raise InvalidInput(field="allow", reason="must be a RelaxationStep")
    if category is not None and category not in layout.categories:
        raise InvalidInput(field="category", reason=f"no category {category!r} in this layout")
    require_bool(wheelchair, "wheelchair")
    taken = _check_known(layout, taken, "taken")
    metric = _Metric.of(layout)
    names = layout.categories if category is None else (category,)
    searches = {
        name: _Search(layout, name, taken, wheelchair=wheelchair, metric=metric) for name in names
    }
    available = max(len(s.free) for s in searches.values())
    if available < count:
        raise NotEnoughSeats(category=category, requested=count, available=available)
    for step in _STEPS[: allow.rank + 1]:
        found = [
            (hit[0], name, hit[1])
            for name, search in searches.items()
            if (hit := search.at(step, count)) is not None
        ]
        if found:
            _, name, seats = min(found, key=lambda f: (f[0], f[1]))
            ordered = sorted(seats, key=lambda s: (s.row_index, s.number))
            return SeatSelection(tuple(s.label for s in ordered), step, name)
    raise SeatsNotTogether(category=category, requested=count, allow=allow)
