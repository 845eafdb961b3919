"""Seat layouts: parsing row strings, numbering, blocks, validation and the sweet spot."""

from __future__ import annotations

import pickle
from fractions import Fraction

import attrs
import pytest
from hypothesis import given

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.layouts import RowSpec, Seat, SeatLayout
from bookmyshow.testing.strategies.seating import row_specs, seat_layouts


def test_seats_are_numbered_from_the_left_counting_only_seat_cells() -> None:
    """Numbers skip aisles but count blocked seats; columns count every cell."""
    house = SeatLayout.from_rows([("A", "regular", "_sx_w")])
    assert [(s.label, s.number, s.column) for s in house] == [
        ("A1", 1, 1),
        ("A2", 2, 2),
        ("A3", 3, 4),
    ]
    assert house.seat("A2").blocked
    assert house.seat("A3").wheelchair
    assert not house.seat("A1").blocked
    assert not house.seat("A1").wheelchair


def test_seats_carry_their_row_and_category() -> None:
    """Each seat knows its row label, row index (front is 0) and the row's category."""
    house = SeatLayout.from_rows([("A", "regular", "s"), ("B", "recliner", "s")])
    assert house.seat("B1") == Seat(
        label="B1", row="B", row_index=1, number=1, column=0, category="recliner"
    )


def test_blocks_are_runs_between_aisles_and_row_ends() -> None:
    """A row's blocks split at every aisle; blocked seats stay inside their block."""
    house = SeatLayout.from_rows([("A", "regular", "ss_sxs__s")])
    blocks = [[s.label for s in b] for b in house.rows[0].blocks]
    assert blocks == [["A1", "A2"], ["A3", "A4", "A5"], ["A6"]]


@given(row_specs())
def test_blocks_partition_a_row_at_exactly_the_gaps(specs: tuple[RowSpec, ...]) -> None:
    """Blocks concatenate to the row's seats, each block is gap-free, and gaps separate them."""
    house = SeatLayout.from_rows(specs)
    for spec, row in zip(specs, house.rows, strict=True):
        assert tuple(s for b in row.blocks for s in b) == row.seats
        for block in row.blocks:
            columns = [s.column for s in block]
            assert columns == list(range(columns[0], columns[0] + len(columns)))
        for left, right in zip(row.blocks, row.blocks[1:], strict=False):
            assert "_" in spec.cells[left[-1].column + 1 : right[0].column]
        assert len(row.blocks) == len([b for b in spec.cells.split("_") if b])


@given(seat_layouts())
def test_specs_round_trip(house: SeatLayout) -> None:
    """A layout rebuilt from its specs is equal, with equal seats and hash."""
    again = SeatLayout.from_rows(house.specs)
    assert again == house
    assert hash(again) == hash(house)
    assert list(again) == list(house)
    assert again.specs == house.specs


def test_specs_drop_only_trailing_gaps() -> None:
    """Leading and inner gaps survive specs; trailing gaps move no seat and are dropped."""
    house = SeatLayout.from_rows([("A", "regular", "_ss_x__")])
    assert house.specs == (RowSpec("A", "regular", "_ss_x"),)


@given(seat_layouts())
def test_a_layout_survives_evolve_and_pickle(house: SeatLayout) -> None:
    """attrs.evolve (which re-runs the converter on built rows) and pickling keep the layout."""
    assert attrs.evolve(house) == house
    assert pickle.loads(pickle.dumps(house)) == house


@given(seat_layouts())
def test_lookup_len_contains_and_sellable_agree(house: SeatLayout) -> None:
    """len, `in`, seat() and sellable() describe the same seats."""
    labels = [s.label for s in house]
    assert len(house) == len(labels) == len(set(labels))
    assert all(label in house and house.seat(label).label == label for label in labels)
    assert "nope" not in house
    assert house.sellable() == tuple(s for s in house if not s.blocked)
    for category in house.categories:
        assert all(s.category == category for s in house.sellable(category))
    assert sum(len(house.sellable(c)) for c in house.categories) == len(house.sellable())


def test_categories_in_front_to_back_order_of_first_appearance() -> None:
    """categories lists each category once, in the order rows first use it."""
    house = SeatLayout.from_rows(
        [("A", "regular", "s"), ("B", "premium", "s"), ("C", "regular", "s")]
    )
    assert house.categories == ("regular", "premium")


def test_sweet_spot_is_centred_two_thirds_back() -> None:
    """The sweet spot is at row 2/3 * (rows - 1) and half the widest row's last column."""
    house = SeatLayout.from_rows([("A", "r", "sss"), ("B", "r", "sssss_ss"), ("C", "r", "s")])
    assert house.sweet_spot == (Fraction(4, 3), Fraction(7, 2))
    assert SeatLayout.from_rows([("A", "r", "s")]).sweet_spot == (Fraction(0), Fraction(0))


def test_check_sellable_refuses_blocked_and_unknown_seats() -> None:
    """check_sellable returns the set, or InvalidInput naming a blocked or unknown seat."""
    house = SeatLayout.from_rows([("A", "regular", "sxs")])
    assert house.check_sellable(["A1", "A3", "A1"]) == {"A1", "A3"}
    with pytest.raises(InvalidInput, match="blocked"):
        house.check_sellable(["A2"])
    with pytest.raises(InvalidInput, match="no seat"):
        house.check_sellable(["A9"])
    with pytest.raises(InvalidInput) as info:
        house.seat("B1")
    assert info.value.field == "seats"


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([], "rows"),
        ([("A", "r", "s")] * 2, "rows"),
        ([("A", "r", "")], "rows[0].cells"),
        ([("A", "r", "s" * 201)], "rows[0].cells"),
        ([("A", "r", "___")], "rows[0].cells"),
        ([("A", "r", "s s")], "rows[0].cells"),
        ([("A", "r", "sS")], "rows[0].cells"),
        ([("A", "", "s")], "rows[0].category"),
        ([("A", "  ", "s")], "rows[0].category"),
        ([("", "r", "s")], "rows[0].label"),
        ([("A-1", "r", "s")], "rows[0].label"),
        ([("ABCDEFGHI", "r", "s")], "rows[0].label"),
        ([("É", "r", "s")], "rows[0].label"),
        ([("A", "r", "s"), ("B", "r")], "rows[1]"),
        ([("A", "r", "s", "x")], "rows[0]"),
    ],
)
def test_bad_rows_are_invalid_input(rows: list[tuple[str, ...]], field: str) -> None:
    """Malformed row data raises InvalidInput naming the offending row or field."""
    with pytest.raises(InvalidInput) as info:
        SeatLayout.from_rows(rows)  # type: ignore[arg-type]
    assert info.value.field == field


def test_too_many_rows_is_invalid_input() -> None:
    """More than 100 rows is refused."""
    rows = [(f"R{i:03d}X", "r", "s") for i in range(101)]
    with pytest.raises(InvalidInput) as info:
        SeatLayout.from_rows(rows)
    assert info.value.field == "rows"


def test_ambiguous_seat_labels_are_refused() -> None:
    """Row A seat 11 and row A1 seat 1 would both be "A11": the layout is refused."""
    with pytest.raises(InvalidInput, match="ambiguous"):
        SeatLayout.from_rows([("A", "r", "s" * 11), ("A1", "r", "s")])
    assert len(SeatLayout.from_rows([("A", "r", "s" * 10), ("A1", "r", "s")])) == 11


def test_row_specs_and_triples_mix() -> None:
    """from_rows accepts RowSpec values and plain (label, category, cells) sequences alike."""
    house = SeatLayout.from_rows([RowSpec("A", "r", "ss"), ["B", "r", "s"]])  # type: ignore[list-item]
    assert [s.label for s in house] == ["A1", "A2", "B1"]
