"""Row codecs of the SQL adapter that need no database."""

from __future__ import annotations

from bookmyshow.adapters.sql.rows import screen_from, screen_values
from bookmyshow.domain.catalog import Format
from bookmyshow.domain.layouts import SeatLayout
from bookmyshow.domain.venues import Screen

_ROWS = [("A", "silver", "ss_ss"), ("B", "gold", "ssss_")]


def _screen(screen_id: str, rows: list[tuple[str, str, str]]) -> Screen:
    return Screen(
        screen_id=screen_id,
        theater_id="thr_1",
        name=screen_id,
        layout=SeatLayout.from_rows(rows),
        formats=frozenset({Format.TWO_D}),
    )


def test_a_stored_layout_reads_back_equal_and_parsed_once() -> None:
    """Screens stored with equal layouts read back equal to what was stored, sharing one parsed
    layout; a different layout is parsed on its own."""
    first = screen_from(screen_values(_screen("scr_1", _ROWS)))
    second = screen_from(screen_values(_screen("scr_2", _ROWS)))
    other = screen_from(screen_values(_screen("scr_3", [*_ROWS, ("C", "gold", "ss")])))
    assert first == _screen("scr_1", _ROWS)
    assert second.layout is first.layout
    assert other.layout is not first.layout
    assert other.layout == SeatLayout.from_rows([*_ROWS, ("C", "gold", "ss")])
