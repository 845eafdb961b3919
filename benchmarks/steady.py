"""Steady booking: many shows across many theaters, bookings spread over them, end to end.

Every booking is the whole money path through the library's use cases: best-available hold,
checkout (priced, stored awaiting payment), pay (the test gateway charges; the seats are sold
and the booking confirmed in one transaction; the hold is released).  Measured closed-loop at
rising concurrency (the throughput at saturation for each), then open-loop at a stated arrival
rate — half the best closed-loop throughput of that backend — whose latency counts from each
booking's scheduled start.  At the end the store of record is read for every show: a seat named
by two confirmed bookings is an oversold seat and fails the run.
"""

from __future__ import annotations

import asyncio
import math
import time

from benchmarks.backends import Bench, opened
from benchmarks.measure import Figure, Recorder, closed_loop, open_loop
from benchmarks.options import BOOKING_BACKENDS, Options
from benchmarks.services import PartialRun, ServiceMissing
from benchmarks.workload import HOLD_TTL, STEADY_ROWS, Booker, seat_labels, steady_plan
from benchmarks.world import build_world, customers
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.domain.errors import BookMyShowError
from bookmyshow.domain.holds import HoldPolicy, SeatsUnavailable
from bookmyshow.domain.seating import NotEnoughSeats, SeatsNotTogether
from bookmyshow.domain.users import Principal
from bookmyshow.services.context import Policies

__all__ = ["STEADY_POLICIES", "SteadySize", "run", "run_backend"]

STEADY_POLICIES = Policies(holds=HoldPolicy(ttl=HOLD_TTL, max_seats_per_hold=6))
_SEATS_PER_SHOW = len(seat_labels(STEADY_ROWS))
_MEAN_SEATS = 2.4
"""Mean seats per booking of :func:`~benchmarks.workload.steady_plan` (1, 2, 2, 3, 4)."""
_SHOWS_PER_SCREEN = 4
_SCREENS = 2


class SteadySize:
    """Concurrency levels, bookings per level, and the open-loop phase's length."""

    def __init__(self, options: Options, backend: str) -> None:
        fast = backend == "memory"
        self.levels = (1, 4) if options.quick else (1, 8, 32, 128)
        # At most this many bookings per level, and none started after level_seconds.
        self.per_level = options.size(6_000 if fast else 1_500, 40)
        self.level_seconds = float(options.size(15, 5))
        self.open_seconds = options.size(10, 1)
        self.users = max(self.levels) * 2


async def _measure(
    bench: Bench,
    show_ids: tuple[str, ...],
    plan: list[Booker],
    users: asyncio.Queue[Principal],
    *,
    concurrency: int | None,
    rate: float | None,
    options: Options,
    seconds: float | None = None,
) -> Figure:
    app = bench.app
    recorder = Recorder()

    async def book(index: int, started: float) -> None:
        booker = plan[index]
        actor = await users.get()
        try:
            show_id = show_ids[booker.show]
            try:
                held = await app.seats.hold_best_available(actor, show_id, booker.count)
            except (NotEnoughSeats, SeatsNotTogether, SeatsUnavailable) as refusal:
                recorder.count(f"refused {refusal.code}")
                return
            hold_done = time.perf_counter()
            recorder.add("hold", hold_done - started)
            booking = await app.bookings.checkout(
                actor,
                show_id=show_id,
                hold_id=held.hold.hold_id,
                idempotency_key=f"checkout-{booker.index}",
            )
            checkout_done = time.perf_counter()
            recorder.add("checkout", checkout_done - hold_done)
            paid = await app.bookings.pay(
                actor,
                booking.booking_id,
                payment_method=CARD_SUCCEEDS,
                idempotency_key=f"pay-{booker.index}",
            )
            recorder.add("pay", time.perf_counter() - checkout_done)
            if paid.status is BookingStatus.CONFIRMED:
                recorder.count("confirmed")
                recorder.add("booking", time.perf_counter() - started)
            else:
                recorder.count(f"booking {paid.status.value}")
        except BookMyShowError as exc:
            recorder.error(exc)
        finally:
            users.put_nowait(actor)

    if concurrency is not None:
        label = f"steady {bench.name} c={concurrency}"
        setting: dict[str, float | int | str] = {"mode": "closed", "concurrency": concurrency}
    else:
        label = f"steady {bench.name} {rate:.0f}/s"
        setting = {"mode": "open", "rate": round(rate or 0)}
    before = await bench.round_trips()
    with options.progress(len(plan), label) as bar:
        if concurrency is not None:
            elapsed = await closed_loop(
                book, count=len(plan), concurrency=concurrency, progress=bar, seconds=seconds
            )
        else:
            elapsed = await open_loop(book, count=len(plan), rate=rate or 1.0, progress=bar)
    setting["shows"] = len(show_ids)
    spent = await bench.round_trips()
    spent.subtract(before)
    # Totals over the setting; divided by "confirmed" they are the round trips of one booking.
    for name in ("statements", "commits", "rollbacks", "redis_commands"):
        if name in spent:
            recorder.count(f"round_trips_{name}", spent[name])
    return recorder.figure(
        "steady", bench.name, elapsed=elapsed, setting=setting, rates={"confirmed": "confirmed"}
    )


async def run_backend(options: Options, backend: str) -> list[Figure]:
    """Closed loop at each level, then open loop at half the best rate, on ``backend``."""
    size = SteadySize(options, backend)
    # Enough seats that no level runs out: the open phase is bounded by the rate it will pick,
    # at most the per-level count per second of its length again.
    bookings = size.per_level * len(size.levels) * 2
    shows = math.ceil(bookings * _MEAN_SEATS / _SEATS_PER_SHOW * 1.5)
    theaters = math.ceil(shows / (_SCREENS * _SHOWS_PER_SCREEN))
    async with opened(backend, options.services, STEADY_POLICIES) as bench:
        world = await build_world(
            bench.app, theaters=theaters, screens=_SCREENS, shows_per_screen=_SHOWS_PER_SCREEN
        )
        users: asyncio.Queue[Principal] = asyncio.Queue()
        for person in await customers(bench.app, size.users):
            users.put_nowait(person)
        plan = steady_plan(bookings, len(world.show_ids), seed=options.seed)
        figures: list[Figure] = []
        cursor = 0
        for level in size.levels:
            part = plan[cursor : cursor + size.per_level]
            cursor += size.per_level
            figures.append(
                await _measure(
                    bench,
                    world.show_ids,
                    part,
                    users,
                    concurrency=level,
                    rate=None,
                    options=options,
                    seconds=size.level_seconds,
                )
            )
        best = max(f.throughput.get("confirmed", 0.0) for f in figures)
        rate = max(1.0, round(best / 2, -1) if best >= 20 else best / 2)
        count = min(len(plan) - cursor, max(1, math.ceil(rate * size.open_seconds)))
        figures.append(
            await _measure(
                bench,
                world.show_ids,
                plan[cursor : cursor + count],
                users,
                concurrency=None,
                rate=rate,
                options=options,
            )
        )
        oversold = 0
        for show_id in world.show_ids:
            oversold += (await bench.seat_claims(show_id)).oversold
        figures[-1].counters["oversold"] = oversold
        for figure in figures[:-1]:
            figure.counters.setdefault("oversold", 0)
        return figures


async def run(options: Options) -> list[Figure]:
    """Steady booking on every requested backend (missing servers: see
    :class:`~benchmarks.services.PartialRun`)."""
    figures: list[Figure] = []
    missing: list[str] = []
    for backend in options.backends:
        if backend not in BOOKING_BACKENDS:
            continue
        try:
            figures.extend(await run_backend(options, backend))
        except ServiceMissing as exc:
            missing.append(f"{backend}: {exc}")
    if missing:
        raise PartialRun(figures, missing)
    return figures
