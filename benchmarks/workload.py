"""The load itself, decided before anything runs, so that every contender gets the same one.

The rush (:func:`rush_plan`) is one show of :data:`RUSH_ROWS` (400 sellable seats) and its
buyers, each wanting 1-6 seats near the centre — some by explicit picks, some best-available —
arriving in waves; about 70% abandon after holding, and their holds expire when the scenario
moves the clock past the hold's lifetime between waves.  A buyer refused for lack of seats
comes back in the next wave.  The library's rush (:mod:`benchmarks.rush`) and the seed
design's baseline (:mod:`benchmarks.baseline`) both play :func:`rush_plan` with the same seed.

Steady booking (:func:`steady_plan`) spreads bookings over many shows of :data:`STEADY_ROWS`.
"""

from __future__ import annotations

import random
from datetime import timedelta

from attrs import frozen

__all__ = [
    "HOLD_TTL",
    "RUSH_ROWS",
    "STEADY_ROWS",
    "Buyer",
    "Booker",
    "centre_seats",
    "rush_plan",
    "seat_labels",
    "steady_plan",
]

HOLD_TTL = timedelta(minutes=8)
"""How long a hold lives; between rush waves the clock moves past it."""

RUSH_ROWS: tuple[tuple[str, str, str], ...] = tuple(
    (chr(ord("A") + r), "gold" if r >= 14 else "silver", "s" * 10 + "_" + "s" * 10)
    for r in range(20)
)
"""(row, category, pattern) of the rush screen: 20 rows of 20 seats with a centre aisle."""

STEADY_ROWS: tuple[tuple[str, str, str], ...] = tuple(
    (chr(ord("A") + r), "gold" if r >= 8 else "silver", "s" * 8 + "_" + "s" * 8) for r in range(10)
)
"""(row, category, pattern) of each steady-booking screen: 10 rows of 16 seats."""


def seat_labels(rows: tuple[tuple[str, str, str], ...]) -> list[str]:
    """Every seat label of ``rows`` (``A1`` .. ), numbering seats left to right past aisles."""
    labels = []
    for row, _, pattern in rows:
        number = 0
        for cell in pattern:
            if cell == "s":
                number += 1
                labels.append(f"{row}{number}")
    return labels


def centre_seats(rows: tuple[tuple[str, str, str], ...]) -> list[str]:
    """Seat labels ordered from the most wanted (centre, a little back) to the least."""
    middle_row = len(rows) * 0.6
    ranked: list[tuple[float, str]] = []
    for index, (row, _, pattern) in enumerate(rows):
        seats = [i for i, cell in enumerate(pattern) if cell == "s"]
        centre = (len(pattern) - 1) / 2
        for number, position in enumerate(seats, start=1):
            distance = abs(position - centre) + 1.5 * abs(index - middle_row)
            ranked.append((distance, f"{row}{number}"))
    return [label for _, label in sorted(ranked)]


@frozen(kw_only=True)
class Buyer:
    """One buyer of the rush."""

    index: int
    count: int
    """Seats wanted, 1-6."""
    best_available: bool
    """Ask best-available; else pick ``count`` adjacent seats near the centre from the map."""
    pays: bool
    """Pays after holding; else abandons, and the hold expires."""
    wave: int
    """The wave the buyer first arrives in."""
    patience: int
    """Seat choices tried before giving up on this wave (explicit pickers only)."""


def rush_plan(buyers: int, waves: int, *, seed: int, pay_share: float = 0.3) -> list[Buyer]:
    """``buyers`` buyers spread evenly over ``waves`` waves: 1-6 seats, half best-available,
    ``pay_share`` of them paying.  Deterministic for a seed."""
    rng = random.Random(seed)
    return [
        Buyer(
            index=i,
            count=rng.choice((1, 2, 2, 2, 3, 3, 4, 4, 5, 6)),
            best_available=rng.random() < 0.5,
            pays=rng.random() < pay_share,
            wave=i * waves // max(buyers, 1),
            patience=3,
        )
        for i in range(buyers)
    ]


@frozen(kw_only=True)
class Booker:
    """One steady-state booking: which show and how many seats, best-available."""

    index: int
    show: int
    """Index of the show in the world's list."""
    count: int


def steady_plan(bookings: int, shows: int, *, seed: int) -> list[Booker]:
    """``bookings`` bookings of 1-4 seats spread uniformly over ``shows`` shows."""
    rng = random.Random(seed)
    return [
        Booker(index=i, show=rng.randrange(shows), count=rng.choice((1, 2, 2, 3, 4)))
        for i in range(bookings)
    ]
