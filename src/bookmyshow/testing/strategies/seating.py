"""Hypothesis strategies for seat layouts and taken-seat sets.

Layouts are small by default (a few rows of a dozen cells) so that tests can compare the library
with brute force; raise ``max_rows``/``max_cells`` for load-style properties.  Every strategy
shrinks towards plain rows of ordinary seats with nothing taken.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from hypothesis import strategies as st

from bookmyshow.domain.layouts import RowSpec, SeatLayout

__all__ = [
    "DEFAULT_CATEGORIES",
    "layouts_with_taken",
    "row_cells",
    "row_specs",
    "seat_layouts",
    "taken_seats",
]

DEFAULT_CATEGORIES: tuple[str, ...] = ("regular", "premium")

# Ordinary seats first so that shrinking heads for them; aisles, blocked and wheelchair seats
# appear often enough to exercise every boundary of the orphan rule.
_CELLS = "sssss_xw"


def row_cells(*, min_cells: int = 1, max_cells: int = 12) -> st.SearchStrategy[str]:
    """Row strings of ``s``/``w``/``x``/``_`` cells with at least one seat cell."""
    if not 1 <= min_cells <= max_cells:
        raise ValueError("need 1 <= min_cells <= max_cells")
    return st.text(alphabet=_CELLS, min_size=min_cells, max_size=max_cells).map(
        # A row of only aisles is invalid; turning its first cell into a seat keeps the size.
        lambda cells: cells if any(c != "_" for c in cells) else "s" + cells[1:]
    )


@st.composite
def row_specs(
    draw: st.DrawFn,
    *,
    max_rows: int = 4,
    max_cells: int = 12,
    categories: Sequence[str] = DEFAULT_CATEGORIES,
) -> tuple[RowSpec, ...]:
    """Row specs labelled ``A``, ``B``, … each with a category drawn from ``categories``."""
    if not 1 <= max_rows <= len(string.ascii_uppercase):
        raise ValueError("max_rows must be 1..26")
    if not categories:
        raise ValueError("need at least one category")
    count = draw(st.integers(min_value=1, max_value=max_rows))
    return tuple(
        RowSpec(
            string.ascii_uppercase[i],
            draw(st.sampled_from(categories)),
            draw(row_cells(max_cells=max_cells)),
        )
        for i in range(count)
    )


@st.composite
def seat_layouts(
    draw: st.DrawFn,
    *,
    max_rows: int = 4,
    max_cells: int = 12,
    categories: Sequence[str] = DEFAULT_CATEGORIES,
) -> SeatLayout:
    """Valid :class:`SeatLayout` values with aisles, blocked and wheelchair seats."""
    specs = draw(row_specs(max_rows=max_rows, max_cells=max_cells, categories=categories))
    return SeatLayout.from_rows(specs)


@st.composite
def taken_seats(
    draw: st.DrawFn, layout: SeatLayout, *, include_blocked: bool = True
) -> frozenset[str]:
    """Subsets of ``layout``'s seat labels (optionally including blocked seats, which is legal).

    A density of 0, 1/4, 1/2 or 3/4 is drawn first and each seat is then taken by its own roll,
    so dense houses (where selection must relax) are as common as sparse ones; shrinking frees
    seats.
    """
    labels = sorted(s.label for s in layout if include_blocked or not s.blocked)
    quarters = draw(st.integers(min_value=0, max_value=3))
    rolls = draw(st.lists(st.integers(0, 3), min_size=len(labels), max_size=len(labels)))
    # A roll of 3 is never below the density, so shrinking rolls towards 3 would free seats;
    # comparing ``3 - roll`` makes the shrink target (roll 0) the free seat instead.
    return frozenset(
        label for label, roll in zip(labels, rolls, strict=True) if 3 - roll < quarters
    )


@st.composite
def layouts_with_taken(
    draw: st.DrawFn,
    *,
    max_rows: int = 4,
    max_cells: int = 12,
    categories: Sequence[str] = DEFAULT_CATEGORIES,
) -> tuple[SeatLayout, frozenset[str]]:
    """A layout and a set of its seats already held or sold."""
    layout = draw(seat_layouts(max_rows=max_rows, max_cells=max_cells, categories=categories))
    return layout, draw(taken_seats(layout))
