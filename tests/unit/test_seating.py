"""The orphan rule and best-available selection, checked against brute force on small layouts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.layouts import RowSpec, SeatLayout
from bookmyshow.domain.seating import (
    DEFAULT_MAX_SEATS,
    NotEnoughSeats,
    OrphanSeatLeft,
    RelaxationStep,
    SeatSelection,
    SeatsNotTogether,
    best_available,
    check_hold_seats,
    check_no_orphans,
    isolated_seats,
    orphans_created,
    seat_distance,
)
from bookmyshow.testing.strategies.seating import (
    layouts_with_taken,
    row_specs,
    seat_layouts,
    taken_seats,
)

STRICT = RelaxationStep.STRICT
ORPHANS_ALLOWED = RelaxationStep.ORPHANS_ALLOWED
ADJACENT_ROWS = RelaxationStep.ADJACENT_ROWS
ANY = RelaxationStep.ANY
NOTHING: frozenset[str] = frozenset()


def layout(*rows: str, category: str = "regular") -> SeatLayout:
    """Rows given as cell strings, labelled A, B, … from the front."""
    return SeatLayout.from_rows(
        (chr(ord("A") + i), category, cells) for i, cells in enumerate(rows)
    )


# --- an independent brute-force model, working on the row strings alone --------------------


class BSeat(NamedTuple):
    label: str
    row: int
    col: int
    category: str
    kind: str


class Model:
    """The rules re-derived from the cell strings, by exhaustive search."""

    def __init__(self, specs: Sequence[RowSpec]) -> None:
        self.seats: list[BSeat] = []
        for r, spec in enumerate(specs):
            number = 0
            for col, cell in enumerate(spec.cells):
                if cell != "_":
                    number += 1
                    self.seats.append(BSeat(f"{spec.label}{number}", r, col, spec.category, cell))
        self.at = {(s.row, s.col): s for s in self.seats}
        self.row_category = [spec.category for spec in specs]
        last_cols = [max(i for i, c in enumerate(spec.cells) if c != "_") for spec in specs]
        self.depth = Fraction(2 * (len(specs) - 1), 3)
        self.centre = Fraction(max(last_cols), 2)

    def free(self, seat: BSeat, occupied: frozenset[str]) -> bool:
        return seat.kind != "x" and seat.label not in occupied

    def isolated(self, occupied: frozenset[str]) -> set[str]:
        out = set()
        for s in self.seats:
            neighbours = [n for c in (s.col - 1, s.col + 1) if (n := self.at.get((s.row, c)))]
            if (
                self.free(s, occupied)
                and neighbours
                and not any(self.free(n, occupied) for n in neighbours)
            ):
                out.add(s.label)
        return out

    def created(self, taken: frozenset[str], chosen: frozenset[str]) -> set[str]:
        return self.isolated(taken | chosen) - self.isolated(taken)

    def cost(self, seat: BSeat) -> Fraction:
        return 2 * abs(seat.row - self.depth) + abs(seat.col - self.centre)

    def by_label(self, label: str) -> BSeat:
        return next(s for s in self.seats if s.label == label)

    def pickable(self, taken: frozenset[str], category: str, wheelchair: bool) -> list[BSeat]:
        return [
            s
            for s in self.seats
            if s.category == category and self.free(s, taken) and (wheelchair or s.kind != "w")
        ]

    def windows(
        self, row: int, size: int, taken: frozenset[str], wheelchair: bool
    ) -> Iterator[frozenset[str]]:
        ok = {s.label for s in self.pickable(taken, self.row_category[row], wheelchair)}
        for start in range(max(c for (r, c) in self.at if r == row) + 1):
            cells = [self.at.get((row, c)) for c in range(start, start + size)]
            if all(s is not None and s.label in ok for s in cells):
                yield frozenset(s.label for s in cells if s is not None)

    def placements(
        self,
        step: RelaxationStep,
        taken: frozenset[str],
        count: int,
        category: str,
        wheelchair: bool,
    ) -> list[tuple[int, Fraction]]:
        """Every placement's (strands-someone, distance) at ``step``; ANY gives only the best."""
        rows = [r for r, c in enumerate(self.row_category) if c == category]
        out: list[tuple[int, Fraction]] = []
        if step in (STRICT, ORPHANS_ALLOWED):
            for r in rows:
                for w in self.windows(r, count, taken, wheelchair):
                    strands = bool(self.created(taken, w))
                    if step is ORPHANS_ALLOWED or not strands:
                        out.append((int(strands), self.total(w)))
        elif step is ADJACENT_ROWS:
            for r in rows:
                if r + 1 not in rows:
                    continue
                for a in range(1, count):
                    for wa in self.windows(r, a, taken, wheelchair):
                        for wb in self.windows(r + 1, count - a, taken, wheelchair):
                            both = wa | wb
                            out.append((int(bool(self.created(taken, both))), self.total(both)))
        else:
            costs = sorted(self.cost(s) for s in self.pickable(taken, category, wheelchair))
            if len(costs) >= count:
                out.append((0, sum(costs[:count], Fraction(0))))
        if step is not ADJACENT_ROWS:
            out = [(0, d) for _, d in out]
        return out

    def total(self, labels: frozenset[str] | Sequence[str]) -> Fraction:
        return sum((self.cost(self.by_label(x)) for x in labels), Fraction(0))


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[Sequence[RowSpec], SeatLayout, frozenset[str]]:
    """Small layouts (as specs and as a layout) with some seats taken."""
    specs = draw(row_specs(max_rows=4, max_cells=8))
    built = SeatLayout.from_rows(specs)
    return specs, built, draw(taken_seats(built))


# --- the orphan rule ---------------------------------------------------------------------------


def test_taking_next_to_the_row_end_but_one_strands_the_end_seat() -> None:
    """Taking A2-A3 of a free row leaves A1 alone against the row end: an orphan."""
    assert orphans_created(layout("ssssss"), NOTHING, frozenset({"A2", "A3"})) == {"A1"}


def test_a_gap_of_one_between_taken_seats_is_an_orphan() -> None:
    """Leaving one free seat between the new seats and a sold seat strands it."""
    assert orphans_created(layout("ssssss"), frozenset({"A1"}), frozenset({"A3", "A4"})) == {"A2"}


def test_an_aisle_bounds_a_run_like_a_row_end() -> None:
    """A seat next to an aisle is stranded when its only neighbour is taken."""
    rows = layout("sss_sss")
    assert orphans_created(rows, NOTHING, frozenset({"A2"})) == {"A1", "A3"}
    assert orphans_created(rows, NOTHING, frozenset({"A5"})) == {"A4", "A6"}


def test_blocked_seats_count_as_taken() -> None:
    """A blocked seat isolates its free neighbour just as a sold seat does."""
    assert orphans_created(layout("xsss"), NOTHING, frozenset({"A3", "A4"})) == {"A2"}


def test_a_one_seat_block_is_never_an_orphan() -> None:
    """A lone seat between aisles cannot be stranded by taking its neighbours' block."""
    assert orphans_created(layout("s_ss"), NOTHING, frozenset({"A2", "A3"})) == NOTHING
    assert isolated_seats(layout("s_ss"), frozenset({"A2"})) == {"A3"}


def test_taking_the_whole_remaining_run_is_fine() -> None:
    """Filling a free run exactly leaves nothing to strand."""
    assert orphans_created(layout("ssss"), frozenset({"A1"}), frozenset({"A2", "A3", "A4"})) == (
        NOTHING
    )


def test_pre_existing_orphans_are_not_the_new_selections_fault() -> None:
    """An orphan that existed before the selection is not reported."""
    rows = layout("ssssss")
    taken = frozenset({"A2"})
    assert isolated_seats(rows, taken) == {"A1"}
    assert orphans_created(rows, taken, frozenset({"A3", "A4"})) == NOTHING


def test_check_no_orphans_names_the_stranded_seats() -> None:
    """check_no_orphans raises OrphanSeatLeft (code orphan_seat) with the stranded seats."""
    with pytest.raises(OrphanSeatLeft) as info:
        check_no_orphans(layout("sssss"), NOTHING, frozenset({"A2", "A4"}))
    assert info.value.seats == {"A1", "A3", "A5"}
    assert info.value.code == "orphan_seat"
    assert info.value.details() == {"seats": ["A1", "A3", "A5"]}
    check_no_orphans(layout("sssss"), NOTHING, frozenset({"A1", "A2"}))


def test_orphan_rule_refuses_unknown_or_blocked_labels() -> None:
    """Unknown taken/chosen labels and blocked chosen seats are InvalidInput, naming the field."""
    rows = layout("sxs")
    with pytest.raises(InvalidInput) as info:
        orphans_created(rows, frozenset({"Z9"}), NOTHING)
    assert info.value.field == "taken"
    with pytest.raises(InvalidInput) as info:
        orphans_created(rows, NOTHING, frozenset({"A9"}))
    assert info.value.field == "chosen"
    with pytest.raises(InvalidInput) as info:
        check_no_orphans(rows, NOTHING, frozenset({"A2"}))
    assert info.value.field == "chosen"


@given(scenarios(), st.data())
def test_orphans_created_agrees_with_brute_force(
    scenario: tuple[Sequence[RowSpec], SeatLayout, frozenset[str]], data: st.DataObject
) -> None:
    """orphans_created equals the brute-force definition worked out from the row strings."""
    specs, built, taken = scenario
    chosen = data.draw(taken_seats(built, include_blocked=False))
    assert orphans_created(built, taken, chosen) == Model(specs).created(taken, chosen)
    assert isolated_seats(built, taken) == Model(specs).isolated(taken)


@given(layouts_with_taken(), st.data())
def test_pre_existing_isolated_seats_are_never_reported(
    scenario: tuple[SeatLayout, frozenset[str]], data: st.DataObject
) -> None:
    """No seat isolated before the selection is ever reported as created by it."""
    built, taken = scenario
    chosen = data.draw(taken_seats(built, include_blocked=False))
    assert not orphans_created(built, taken, chosen) & isolated_seats(built, taken)


@given(layouts_with_taken())
def test_taking_a_whole_free_run_strands_nobody(
    scenario: tuple[SeatLayout, frozenset[str]],
) -> None:
    """Taking every free seat of a block creates no orphan."""
    built, taken = scenario
    for row in built.rows:
        for block in row.blocks:
            rest = frozenset(s.label for s in block if not s.blocked and s.label not in taken)
            assert orphans_created(built, taken, rest) == NOTHING


@given(layouts_with_taken(), st.data())
def test_check_no_orphans_raises_exactly_when_orphans_are_created(
    scenario: tuple[SeatLayout, frozenset[str]], data: st.DataObject
) -> None:
    """check_no_orphans raises iff orphans_created is non-empty, and names the same seats."""
    built, taken = scenario
    chosen = data.draw(taken_seats(built, include_blocked=False))
    expected = orphans_created(built, taken, chosen)
    if expected:
        with pytest.raises(OrphanSeatLeft) as info:
            check_no_orphans(built, taken, chosen)
        assert info.value.seats == expected
    else:
        check_no_orphans(built, taken, chosen)


# --- best available: examples --------------------------------------------------------------------


def test_picks_the_centre_of_the_row_nearest_the_sweet_spot() -> None:
    """In an empty house the seats go to the centre of the row two thirds back."""
    house = layout("sssssss", "sssssss", "sssssss", "sssssss")
    assert house.sweet_spot == (Fraction(2), Fraction(3))
    assert best_available(house, NOTHING, 3) == SeatSelection(("C3", "C4", "C5"), STRICT, "regular")


def test_ties_go_to_the_row_further_back_then_the_leftmost_seat() -> None:
    """Equally good seats: the row further back wins, then the leftmost seat."""
    house = layout("sssss", "sssss", "sssss", "sssss")  # depth 2, centre 2
    row_c = frozenset(f"C{n}" for n in range(1, 6))
    assert best_available(house, row_c, 1).seats == ("D3",)
    assert best_available(layout("ssssss"), NOTHING, 1).seats == ("A3",)  # centre 2.5


def test_strict_never_strands_a_seat_when_it_can_avoid_it() -> None:
    """STRICT skips the closest window if it strands a seat and takes an orphan-free one."""
    # Row A: "ssss": the central pair A2-A3 would strand A1 and A4.
    selection = best_available(layout("ssss"), NOTHING, 2)
    assert selection.step is STRICT
    assert selection.seats == ("A1", "A2")


def test_orphans_allowed_when_every_window_strands_someone() -> None:
    """If every contiguous window strands a seat, ORPHANS_ALLOWED picks the closest window."""
    # A2-A4 strands A5 and A3-A5 strands A2: the closer A2-A4 wins.
    selection = best_available(layout("sssss"), frozenset({"A1"}), 3)
    assert selection == SeatSelection(("A2", "A3", "A4"), ORPHANS_ALLOWED, "regular")
    selection = best_available(layout("sss"), frozenset(), 2)
    assert selection.step is ORPHANS_ALLOWED


def test_splits_across_adjacent_rows_when_no_row_has_room() -> None:
    """With no row able to seat the group, it is split over two adjacent rows."""
    house = layout("ss_ss", "ss_ss")
    selection = best_available(house, NOTHING, 3)
    assert selection.step is ADJACENT_ROWS
    rows = {label[0] for label in selection.seats}
    assert rows == {"A", "B"}


def test_a_split_prefers_stranding_nobody_over_being_closer() -> None:
    """ADJACENT_ROWS takes a farther orphan-free split over a closer one that strands a seat."""
    house = layout("s_ss_s", "s_ss_s")  # the closest split would break up A2-A3
    selection = best_available(house, NOTHING, 3)
    assert selection == SeatSelection(("A1", "B2", "B3"), ADJACENT_ROWS, "regular")
    assert orphans_created(house, NOTHING, frozenset(selection.seats)) == NOTHING


def test_falls_back_to_any_seats_as_a_last_resort() -> None:
    """A checkerboard house has no two adjacent free seats: ANY picks the closest singles."""
    house = layout("sxsxs", "xsxsx", "sxsxs")
    selection = best_available(house, NOTHING, 3)  # depth 4/3, centre 2
    assert selection == SeatSelection(("B2", "B4", "C3"), ANY, "regular")


def test_allow_caps_the_relaxation() -> None:
    """With allow=STRICT, a request that needs relaxing raises SeatsNotTogether."""
    house = layout("ss_ss", "ss_ss")
    with pytest.raises(SeatsNotTogether) as info:
        best_available(house, NOTHING, 3, allow=ORPHANS_ALLOWED)
    assert info.value.code == "seats_not_together"
    assert info.value.details() == {"category": None, "requested": 3, "allow": "orphans_allowed"}
    assert best_available(house, NOTHING, 3, allow=ADJACENT_ROWS).step is ADJACENT_ROWS


def test_not_enough_seats_reports_what_is_available() -> None:
    """Fewer free seats than requested raises NotEnoughSeats with the free count."""
    house = layout("ssxs")
    with pytest.raises(NotEnoughSeats) as info:
        best_available(house, frozenset({"A1"}), 3, "regular")
    assert info.value.details() == {"category": "regular", "requested": 3, "available": 2}
    assert info.value.code == "not_enough_seats"


def test_wheelchair_seats_only_when_asked() -> None:
    """Wheelchair seats are skipped by default and become candidates with wheelchair=True."""
    house = layout("ssswsss")
    assert "A4" not in best_available(house, NOTHING, 1).seats
    assert best_available(house, NOTHING, 1, wheelchair=True).seats == ("A4",)
    with pytest.raises(NotEnoughSeats):
        best_available(layout("ww"), NOTHING, 1)


def test_a_free_wheelchair_seat_counts_for_the_orphan_rule() -> None:
    """Seats are not picked so as to strand a free wheelchair seat when that can be avoided."""
    selection = best_available(layout("wsssss"), NOTHING, 3)
    assert selection == SeatSelection(("A4", "A5", "A6"), STRICT, "regular")


def test_a_named_category_is_respected_and_none_never_mixes() -> None:
    """A category limits the pick; category=None picks the best single category."""
    house = SeatLayout.from_rows(
        [("A", "regular", "ssss"), ("B", "regular", "ssss"), ("C", "recliner", "ss_ss")]
    )
    assert best_available(house, NOTHING, 2, "regular").category == "regular"
    assert best_available(house, NOTHING, 2, "recliner").seats == ("C1", "C2")
    anywhere = best_available(house, NOTHING, 4)
    assert anywhere.category == "regular"
    assert {house.seat(x).category for x in anywhere.seats} == {"regular"}


def test_seats_come_ordered_front_to_back_left_to_right() -> None:
    """The selection lists seats by row from the front, then by seat number."""
    house = layout("ss_ss", "ss_ss")
    selection = best_available(house, NOTHING, 4)
    assert list(selection.seats) == sorted(
        selection.seats, key=lambda x: (house.seat(x).row_index, house.seat(x).number)
    )


@pytest.mark.parametrize("count", [0, -1, DEFAULT_MAX_SEATS + 1, True, 2.0, "2"])
def test_count_must_be_an_integer_in_range(count: object) -> None:
    """count outside 1..max_seats (or not an int) is InvalidInput on field count."""
    with pytest.raises(InvalidInput) as info:
        best_available(layout("ssss"), NOTHING, count)  # type: ignore[arg-type]
    assert info.value.field == "count"


def test_max_seats_moves_the_count_limit() -> None:
    """max_seats raises or lowers the limit, and must itself be a positive integer."""
    house = layout("s" * 20)
    assert len(best_available(house, NOTHING, 12, max_seats=12).seats) == 12
    with pytest.raises(InvalidInput):
        best_available(house, NOTHING, 3, max_seats=2)
    with pytest.raises(InvalidInput) as info:
        best_available(house, NOTHING, 1, max_seats=0)
    assert info.value.field == "max_seats"


def test_unknown_category_taken_label_or_step_is_invalid_input() -> None:
    """Unknown categories, unknown taken labels and non-step allow values are refused."""
    house = layout("ssss")
    with pytest.raises(InvalidInput) as info:
        best_available(house, NOTHING, 1, "balcony")
    assert info.value.field == "category"
    with pytest.raises(InvalidInput) as info:
        best_available(house, frozenset({"Q1"}), 1)
    assert info.value.field == "taken"
    with pytest.raises(InvalidInput) as info:
        best_available(house, NOTHING, 1, allow="any")  # type: ignore[arg-type]
    assert info.value.field == "allow"


def test_seat_distance_is_the_weighted_manhattan_distance() -> None:
    """seat_distance is 2*|row - depth| + |column - centre|, exactly."""
    house = layout("sss_sss", "sss_sss")  # depth 2/3, centre 3
    assert seat_distance(house, "A1") == 2 * Fraction(2, 3) + 3
    assert seat_distance(house, house.seat("B4")) == 2 * Fraction(1, 3) + 1


def test_relaxation_steps_are_ranked_strictest_first() -> None:
    """RelaxationStep ranks STRICT < ORPHANS_ALLOWED < ADJACENT_ROWS < ANY."""
    assert [s.rank for s in (STRICT, ORPHANS_ALLOWED, ADJACENT_ROWS, ANY)] == [0, 1, 2, 3]
    assert ANY.value == "any"


def test_a_forty_by_forty_house_is_searched_whole() -> None:
    """A 40-row by 40-seat house with aisles gets a centred STRICT pick and an ANY fallback."""
    labels = [chr(ord("A") + i) for i in range(26)] + [f"A{chr(ord('A') + i)}" for i in range(14)]
    cells = "s" * 10 + "_" + "s" * 20 + "_" + "s" * 10
    house = SeatLayout.from_rows((label, "regular", cells) for label in labels)
    selection = best_available(house, NOTHING, 10)  # depth 26 (row AA), centre 20.5
    assert selection.step is STRICT
    assert selection.seats == tuple(f"AA{n}" for n in range(16, 26))
    every_other = frozenset(s.label for s in house if s.number % 2)
    assert best_available(house, every_other, 10).step is ANY


# --- best available: properties against brute force -------------------------------------------


@given(
    scenarios(),
    st.integers(min_value=1, max_value=4),
    st.booleans(),
    st.sampled_from(list(RelaxationStep)),
    st.data(),
)
def test_best_available_matches_brute_force(
    scenario: tuple[Sequence[RowSpec], SeatLayout, frozenset[str]],
    count: int,
    wheelchair: bool,
    allow: RelaxationStep,
    data: st.DataObject,
) -> None:
    """The step used is the strictest with a placement, and its distance is the brute-force best."""
    specs, built, taken = scenario
    category = data.draw(st.sampled_from([None, *built.categories]))
    model = Model(specs)
    names = built.categories if category is None else (category,)
    available = max(len(model.pickable(taken, name, wheelchair)) for name in names)
    if available < count:
        with pytest.raises(NotEnoughSeats) as info:
            best_available(built, taken, count, category, wheelchair=wheelchair, allow=allow)
        assert info.value.available == available
        return
    expected = None
    for step in list(RelaxationStep)[: allow.rank + 1]:
        options = [
            p for name in names for p in model.placements(step, taken, count, name, wheelchair)
        ]
        if options:
            expected = (step, min(options))
            break
    if expected is None:
        with pytest.raises(SeatsNotTogether):
            best_available(built, taken, count, category, wheelchair=wheelchair, allow=allow)
        return
    got = best_available(built, taken, count, category, wheelchair=wheelchair, allow=allow)
    step, (strands, distance) = expected
    assert got.step is step
    assert model.total(got.seats) == distance
    if step is ADJACENT_ROWS:
        assert bool(orphans_created(built, taken, frozenset(got.seats))) == bool(strands)


@given(
    layouts_with_taken(max_rows=5, max_cells=10),
    st.integers(min_value=1, max_value=5),
    st.booleans(),
    st.data(),
)
def test_selection_is_count_distinct_free_pickable_seats_of_its_shape(
    scenario: tuple[SeatLayout, frozenset[str]],
    count: int,
    wheelchair: bool,
    data: st.DataObject,
) -> None:
    """The pick is count distinct free, unblocked seats of one category, shaped as its step says."""
    built, taken = scenario
    category = data.draw(st.sampled_from([None, *built.categories]))
    try:
        got = best_available(built, taken, count, category, wheelchair=wheelchair)
    except NotEnoughSeats:
        return
    seats = [built.seat(x) for x in got.seats]
    assert len(set(got.seats)) == len(got.seats) == count
    assert not set(got.seats) & taken
    assert not any(s.blocked for s in seats)
    assert {s.category for s in seats} == {got.category}
    assert category in (None, got.category)
    assert wheelchair or not any(s.wheelchair for s in seats)
    blocks = [frozenset(s.label for s in b) for r in built.rows for b in r.blocks]

    def contiguous(part: list[str]) -> bool:
        numbers = sorted(built.seat(x).number for x in part)
        in_one_block = any(set(part) <= b for b in blocks)
        return in_one_block and numbers == list(range(numbers[0], numbers[0] + len(numbers)))

    if got.step in (STRICT, ORPHANS_ALLOWED):
        assert contiguous(list(got.seats))
        created = orphans_created(built, taken, frozenset(got.seats))
        assert (got.step is STRICT) == (not created)
    elif got.step is ADJACENT_ROWS:
        rows = sorted({s.row_index for s in seats})
        assert len(rows) == 2
        assert rows[1] == rows[0] + 1
        for r in rows:
            assert contiguous([s.label for s in seats if s.row_index == r])


@given(layouts_with_taken(), st.integers(min_value=1, max_value=4), st.data())
def test_selection_is_deterministic(
    scenario: tuple[SeatLayout, frozenset[str]], count: int, data: st.DataObject
) -> None:
    """The same request gives the same seats, whatever set type carries the taken seats."""
    built, taken = scenario
    category = data.draw(st.sampled_from([None, *built.categories]))
    rebuilt = SeatLayout.from_rows(built.specs)
    try:
        first = best_available(built, taken, count, category)
    except NotEnoughSeats:
        return
    assert best_available(rebuilt, set(reversed(sorted(taken))), count, category) == first


@given(seat_layouts(max_rows=3, max_cells=8))
def test_best_available_takes_everything_one_seat_at_a_time(built: SeatLayout) -> None:
    """Picking one seat at a time fills every pickable seat, never twice, then runs out."""
    taken: frozenset[str] = frozenset()
    pickable = {s.label for s in built.sellable() if not s.wheelchair}
    for _ in range(len(pickable)):
        label = best_available(built, taken, 1).seats[0]
        assert label in pickable - taken
        taken |= {label}
    with pytest.raises(NotEnoughSeats):
        best_available(built, taken, 1)


_HOLD_LAYOUT = SeatLayout.from_rows([("A", "regular", "ssss_ss"), ("B", "regular", "sxss")])


def test_hold_seats_must_exist_and_be_sellable() -> None:
    """A hold naming an unknown or blocked seat is refused with InvalidInput on field seats."""
    for seats in ({"A9"}, {"B2"}):
        with pytest.raises(InvalidInput) as caught:
            check_hold_seats(_HOLD_LAYOUT, seats, frozenset(), forbid_orphans=False)
        assert caught.value.field == "seats"


def test_hold_orphan_rule_applies_only_when_the_policy_asks() -> None:
    """Holding A2-A3 strands A1 and A4: refused with forbid_orphans, allowed without."""
    chosen = {"A2", "A3"}
    assert check_hold_seats(_HOLD_LAYOUT, chosen, set(), forbid_orphans=False) == chosen
    with pytest.raises(OrphanSeatLeft) as caught:
        check_hold_seats(_HOLD_LAYOUT, chosen, set(), forbid_orphans=True)
    assert caught.value.seats == {"A1", "A4"}


@given(layouts_with_taken())
def test_hold_check_agrees_with_orphans_created(case: tuple[SeatLayout, frozenset[str]]) -> None:
    """check_hold_seats refuses exactly when orphans_created reports a stranded seat."""
    layout, taken = case
    free = [s.label for s in layout.sellable() if s.label not in taken]
    if not free:
        return
    chosen = frozenset(free[:2])
    stranded = orphans_created(layout, taken, chosen)
    if stranded:
        with pytest.raises(OrphanSeatLeft):
            check_hold_seats(layout, chosen, taken, forbid_orphans=True)
    else:
        assert check_hold_seats(layout, chosen, taken, forbid_orphans=True) == chosen
