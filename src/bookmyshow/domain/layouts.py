"""Seat layouts of a screen, given as data.

A layout is a list of rows from the front (nearest the screen) to the back.  Each row is a string of
cells read left to right:

* ``s`` a seat, ``w`` a wheelchair-accessible seat, ``x`` a blocked seat (never sellable);
* ``_`` an aisle or gap: no seat, and a boundary for the "no orphan seat" rule.

Seats are numbered 1, 2, … from the left, counting only seat cells, and labelled ``row + number``
(``"C7"``).  A row has one seat category; categories are free-form names such as ``"recliner"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from fractions import Fraction
from functools import lru_cache

from attrs import field, frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.validation import label_set

__all__ = ["RowSpec", "Seat", "SeatLayout", "SeatRow"]

_SEAT_CELLS = frozenset("swx")
_GAP = "_"
_MAX_ROWS = 100
_MAX_CELLS = 200


@frozen
class Seat:
    """One physical seat.  ``column`` counts cells (gaps included) from the row's left end."""

    label: str
    row: str
    row_index: int
    number: int
    column: int
    category: str
    blocked: bool = False
    wheelchair: bool = False


@frozen
class RowSpec:
    """One row of a layout as data: ``RowSpec("A", "regular", "ssss_ssss")``.

    Raises :class:`InvalidInput` unless all three are strings; their content is checked when a
    :class:`SeatLayout` is built from the spec.
    """

    label: str
    category: str
    cells: str

    def __attrs_post_init__(self) -> None:
        for name in ("label", "category", "cells"):
            if not isinstance(getattr(self, name), str):
                raise InvalidInput(field=name, reason="must be a string")


@frozen
class SeatRow:
    """A row of seats and the runs of adjacent cells between aisles and row ends."""

    label: str
    index: int
    category: str
    seats: tuple[Seat, ...]
    blocks: tuple[tuple[Seat, ...], ...]
    """Runs of seats with no gap between them; an aisle or a row end bounds each run."""


def _check_label(value: str, what: str) -> str:
    if not value or len(value) > 8 or not value.isascii() or not value.isalnum():
        raise InvalidInput(field=what, reason=f"must be 1-8 ASCII letters or digits: {value!r}")
    return value


def _build_row(index: int, spec: RowSpec) -> SeatRow:
    label = _check_label(spec.label, f"rows[{index}].label")
    if not spec.category or not spec.category.strip():
        raise InvalidInput(field=f"rows[{index}].category", reason="a row needs a seat category")
    cells = spec.cells
    if not cells or len(cells) > _MAX_CELLS:
        raise InvalidInput(field=f"rows[{index}].cells", reason=f"1..{_MAX_CELLS} cells required")
    bad = set(cells) - _SEAT_CELLS - {_GAP}
    if bad:
        raise InvalidInput(
            field=f"rows[{index}].cells",
            reason=f"unknown cell characters {''.join(sorted(bad))!r}; use s, w, x or _",
        )
    seats: list[Seat] = []
    blocks: list[tuple[Seat, ...]] = []
    current: list[Seat] = []
    number = 0
    for column, cell in enumerate(cells):
        if cell == _GAP:
            if current:
                blocks.append(tuple(current))
                current = []
            continue
        number += 1
        seat = Seat(
            label=f"{label}{number}",
            row=label,
            row_index=index,
            number=number,
            column=column,
            category=spec.category,
            blocked=cell == "x",
            wheelchair=cell == "w",
        )
        seats.append(seat)
        current.append(seat)
    if current:
        blocks.append(tuple(current))
    if not seats:
        raise InvalidInput(field=f"rows[{index}].cells", reason="a row needs at least one seat")
    return SeatRow(
        label=label, index=index, category=spec.category, seats=tuple(seats), blocks=tuple(blocks)
    )


def _spec_of(row: SeatRow) -> RowSpec:
    width = max(s.column for s in row.seats) + 1
    cells = [_GAP] * width
    for s in row.seats:
        cells[s.column] = "x" if s.blocked else "w" if s.wheelchair else "s"
    return RowSpec(row.label, row.category, "".join(cells))


def _spec_of_built(index: int, row: SeatRow) -> RowSpec:
    # A built row may come from a converter or hand-made data: check what _spec_of relies on.
    seats = row.seats
    if not isinstance(seats, tuple) or not seats or not all(isinstance(s, Seat) for s in seats):
        raise InvalidInput(field=f"rows[{index}].seats", reason="a built row needs its Seats")
    for s in seats:
        if isinstance(s.column, bool) or not isinstance(s.column, int):
            raise InvalidInput(field=f"rows[{index}].seats", reason="seat columns are integers")
        if not 0 <= s.column < _MAX_CELLS:
            raise InvalidInput(field=f"rows[{index}].seats", reason=f"columns are 0..{_MAX_CELLS}")
    for name in ("label", "category"):
        if not isinstance(getattr(row, name), str):
            raise InvalidInput(field=f"rows[{index}].{name}", reason="must be a string")
    return _spec_of(row)


def _build_rows(specs: Iterable[RowSpec | SeatRow]) -> tuple[SeatRow, ...]:
    if isinstance(specs, str | bytes | Mapping) or not isinstance(specs, Iterable):
        raise InvalidInput(field="rows", reason="a sequence of RowSpec")
    given = tuple(specs)
    if not given or len(given) > _MAX_ROWS:
        raise InvalidInput(field="rows", reason=f"a layout needs 1..{_MAX_ROWS} rows")
    for i, spec in enumerate(given):
        if not isinstance(spec, RowSpec | SeatRow):
            raise InvalidInput(field=f"rows[{i}]", reason="a RowSpec (see SeatLayout.from_rows)")
    # Built rows (from ``attrs.evolve`` or a structuring converter) are rebuilt from their spec so
    # that indices and validation always come from one place.
    rows = tuple(
        _build_row(i, _spec_of_built(i, spec) if isinstance(spec, SeatRow) else spec)
        for i, spec in enumerate(given)
    )
    labels = [r.label for r in rows]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise InvalidInput(field="rows", reason=f"duplicate row labels: {', '.join(dupes)}")
    # "A1" in row "A" and "A1" + "1" in row "A1" could collide; refuse ambiguous labels.
    all_labels = [s.label for r in rows for s in r.seats]
    if len(set(all_labels)) != len(all_labels):
        raise InvalidInput(field="rows", reason="row labels produce ambiguous seat labels")
    return rows


@frozen
class SeatLayout:
    """The seats of a screen.  Build it with :meth:`from_rows`; it validates the data."""

    rows: tuple[SeatRow, ...] = field(converter=_build_rows)
    _by_label: Mapping[str, Seat] = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_label", {s.label: s for r in self.rows for s in r.seats})

    @classmethod
    def from_rows(cls, rows: Iterable[RowSpec | tuple[str, str, str]]) -> SeatLayout:
        """Build a layout from row specs or ``(label, category, cells)`` triples.

        Equal rows give the same (immutable) layout object: building one validates every seat
        (about 2 ms for 400 seats), and every hold, quote and seat map reads a screen, so the
        most recent few hundred layouts are kept.  Raises :class:`InvalidInput` for empty rows,
        unknown cells, duplicate labels, or a row that is not a ``(label, category, cells)``
        triple of strings.
        """
        if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Iterable):
            raise InvalidInput(field="rows", reason="a sequence of (label, category, cells) rows")
        specs: list[RowSpec] = []
        for i, r in enumerate(rows):
            if isinstance(r, RowSpec):
                specs.append(r)
            # Rows often come from JSON lists; a wrong shape is bad data, not a TypeError.
            elif not isinstance(r, tuple | list) or len(r) != 3:
                raise InvalidInput(field=f"rows[{i}]", reason="a row is (label, category, cells)")
            else:
                for name, value in zip(("label", "category", "cells"), r, strict=True):
                    if not isinstance(value, str):
                        raise InvalidInput(field=f"rows[{i}].{name}", reason="must be a string")
                specs.append(RowSpec(*r))
        if cls is not SeatLayout:
            return cls(specs)
        return _built(tuple((s.label, s.category, s.cells) for s in specs))

    @property
    def specs(self) -> tuple[RowSpec, ...]:
        """The layout back as data (round-trips through :meth:`from_rows`).

        Trailing gaps of a row are not kept: they bound nothing and move no seat.
        """
        return tuple(_spec_of(row) for row in self.rows)

    def __iter__(self) -> Iterator[Seat]:
        return (s for r in self.rows for s in r.seats)

    def __len__(self) -> int:
        return len(self._by_label)

    def __contains__(self, label: object) -> bool:
        return isinstance(label, str) and label in self._by_label

    def seat(self, label: str) -> Seat:
        """The seat labelled ``label``; raises :class:`InvalidInput` if there is none."""
        if not isinstance(label, str):
            raise InvalidInput(field="seats", reason=f"a seat label is a string, not {label!r}")
        try:
            return self._by_label[label]
        except KeyError:
            raise InvalidInput(field="seats", reason=f"no seat {label!r} in this layout") from None

    def check_sellable(self, labels: Iterable[str]) -> frozenset[str]:
        """Validate that every label names a seat that is not blocked; returns them as a set.

        Raises :class:`InvalidInput` naming the first unknown or blocked seat, or for
        ``labels`` that are not a collection of strings.
        """
        chosen = label_set(labels, "seats")
        for label in sorted(chosen):
            if self.seat(label).blocked:
                raise InvalidInput(field="seats", reason=f"seat {label!r} is blocked")
        return chosen

    @property
    def categories(self) -> tuple[str, ...]:
        """Seat categories in front-to-back order of first appearance."""
        seen: dict[str, None] = {}
        for r in self.rows:
            seen.setdefault(r.category, None)
        return tuple(seen)

    def sellable(self, category: str | None = None) -> tuple[Seat, ...]:
        """Every seat that is not blocked, optionally only of ``category``.

        Raises :class:`InvalidInput` for a ``category`` that is not a string or ``None``.
        """
        if category is not None and not isinstance(category, str):
            raise InvalidInput(field="category", reason="a category name or None")
        return tuple(
            s for s in self if not s.blocked and (category is None or s.category == category)
        )

    @property
    def sweet_spot(self) -> tuple[Fraction, Fraction]:
        """The ideal (row index, column) to sit: centred, about two thirds of the way back."""
        widths = [max(s.column for s in r.seats) for r in self.rows]
        centre = Fraction(max(widths), 2)
        depth = Fraction(2 * (len(self.rows) - 1), 3)
        return depth, centre


@lru_cache(maxsize=256)
def _built(rows: tuple[tuple[str, str, str], ...]) -> SeatLayout:
    """The layout of ``rows``, built once per distinct rows (see :meth:`SeatLayout.from_rows`)."""
    return SeatLayout([RowSpec(*row) for row in rows])
