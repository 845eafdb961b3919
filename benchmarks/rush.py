"""The rush: one 400-seat show, a crowd of buyers, most of whom abandon their holds.

Each backend plays :func:`benchmarks.workload.rush_plan`: buyers arrive in waves, ``concurrency``
at a time; half ask best-available, half read the seat map and hold the most central free run
themselves (trying again on a fresh map when someone beat them to it, up to their patience).
About 70% abandon after holding; between waves the clock moves past the hold's lifetime, so
their holds expire and the seats return.  A buyer refused for lack of seats comes back in the
next wave, and a last wave after the final expiry gives everyone refused one more try.

Reported: holds/s and confirmed bookings/s over the waves' running time, hold latency (a pick
and its retries) and hold-to-confirmed latency, refusals by code, and from the store of record
— the bookings and sold-seats tables, not the library's counters — the oversold seats (must be
0) and the seats left unsold while a refused buyer could have taken them.  The seed design's
baseline (:mod:`benchmarks.baseline`) plays the same plan in the same run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

from benchmarks.backends import Bench, opened
from benchmarks.baseline import run_baseline
from benchmarks.measure import Figure, Recorder, closed_loop, open_loop
from benchmarks.options import BOOKING_BACKENDS, Options
from benchmarks.services import PartialRun, ServiceMissing
from benchmarks.workload import HOLD_TTL, RUSH_ROWS, Buyer, centre_seats, rush_plan
from benchmarks.world import build_world, customers
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.domain.errors import BookMyShowError
from bookmyshow.domain.holds import Hold, HoldPolicy, SeatsUnavailable
from bookmyshow.domain.seating import NotEnoughSeats, OrphanSeatLeft, SeatsNotTogether
from bookmyshow.domain.users import Principal
from bookmyshow.services.browsing import SeatMapStatus
from bookmyshow.services.context import Policies

__all__ = ["RushSize", "pick_run", "run", "run_backend"]

_SEATS = 400
"""Sellable seats of the rush screen (:data:`~benchmarks.workload.RUSH_ROWS`)."""
_RETRY_WAVES = 1
"""Waves after the plan's for the buyers still refused (each costs as much as a wave of the
plan: with 2,000 buyers for 400 seats, most of a wave is refusals)."""
_CHOICES = 4
"""How many of the best runs a buyer choosing seats on the map picks among."""
_REFUSALS = (NotEnoughSeats, SeatsNotTogether, SeatsUnavailable, OrphanSeatLeft)
_RANK = {label: rank for rank, label in enumerate(centre_seats(RUSH_ROWS))}
POLICIES = Policies(holds=HoldPolicy(ttl=HOLD_TTL, max_seats_per_hold=6, max_seats_per_user=6))
"""The rush's rules: holds of up to 6 seats living :data:`~benchmarks.workload.HOLD_TTL`."""


class RushSize:
    """The rush's sizes: buyers, waves, and buyers in flight at once."""

    def __init__(self, options: Options) -> None:
        self.buyers = options.size(2_000, 120)
        self.waves = options.size(4, 2)
        self.concurrency = options.size(100, 8)


def pick_run(free: Sequence[str], count: int, rng: random.Random) -> list[str] | None:
    """One of the most central runs of ``count`` adjacent free seats of one row (labels like
    ``M10``), or ``None`` when no row has one.  People looking at one seat map do not all click
    the very same seats: the pick is drawn from the few best runs."""
    by_row: dict[str, list[int]] = {}
    for label in free:
        by_row.setdefault(label[0], []).append(int(label[1:]))
    runs: list[tuple[int, list[str]]] = []
    for row, numbers in by_row.items():
        numbers.sort()
        for start in range(len(numbers) - count + 1):
            window = numbers[start : start + count]
            if window[-1] - window[0] != count - 1:
                continue
            labels = [f"{row}{n}" for n in window]
            runs.append((sum(_RANK[label] for label in labels), labels))
    if not runs:
        return None
    runs.sort()
    return rng.choice(runs[:_CHOICES])[1]


async def _explicit_hold(
    app: Ticketing, actor: Principal, show_id: str, buyer: Buyer, recorder: Recorder
) -> Hold:
    """Read the map, hold one of the most central free runs; on a lost race read again."""
    rng = random.Random(buyer.index)
    for attempt in range(buyer.patience):
        seat_map = await app.browsing.seat_map(actor, show_id)
        free = [s.label for s in seat_map.seats if s.status is SeatMapStatus.AVAILABLE]
        chosen = pick_run(free, buyer.count, rng)
        if chosen is None:
            raise NotEnoughSeats(category=None, requested=buyer.count, available=len(free))
        try:
            return await app.seats.hold(actor, show_id, chosen)
        except SeatsUnavailable:
            recorder.count("conflicts")
            if attempt == buyer.patience - 1:
                raise
    raise AssertionError("unreachable: patience is at least 1")  # pragma: no cover


async def _play(
    bench: Bench,
    show_id: str,
    *,
    people: Sequence[Principal],
    plan: Sequence[Buyer],
    size: RushSize,
    options: Options,
    rate: float | None,
) -> Figure:
    """Play ``plan`` for ``show_id``: closed loop of ``size.concurrency`` buyers per wave, or
    buyers arriving at ``rate`` per second (open loop)."""
    app = bench.app
    recorder = Recorder()
    refused: list[Buyer] = []
    running = 0.0

    async def buy(buyer: Buyer, started: float) -> None:
        actor = people[buyer.index]
        try:
            if buyer.best_available:
                held = (await app.seats.hold_best_available(actor, show_id, buyer.count)).hold
            else:
                held = await _explicit_hold(app, actor, show_id, buyer, recorder)
        except _REFUSALS as refusal:
            recorder.count(f"refused {refusal.code}")
            recorder.count("attempts")
            recorder.add("refusal", time.perf_counter() - started)
            refused.append(buyer)
            return
        except BookMyShowError as exc:
            recorder.error(exc)
            return
        recorder.add("hold", time.perf_counter() - started)
        recorder.count("held")
        recorder.count("attempts")
        if not buyer.pays:
            recorder.count("abandoned")
            return
        try:
            booking = await app.bookings.checkout(
                actor, show_id=show_id, hold_id=held.hold_id, idempotency_key=f"c-{show_id}"
            )
            paid = await app.bookings.pay(
                actor,
                booking.booking_id,
                payment_method=CARD_SUCCEEDS,
                idempotency_key=f"p-{show_id}",
            )
        except BookMyShowError as exc:
            recorder.error(exc)
            return
        if paid.status is BookingStatus.CONFIRMED:
            recorder.count("confirmed")
            recorder.add("booking", time.perf_counter() - started)
        else:
            recorder.count(f"booking {paid.status.value}")

    mode = "closed" if rate is None else f"{rate:.0f}/s"
    wave = 0
    with options.progress(len(plan), f"rush {bench.name} {mode}") as bar:
        while True:
            todo = [b for b in plan if b.wave == wave] + refused
            if not todo:
                break
            if wave >= size.waves + _RETRY_WAVES:
                break
            held_before = recorder.counters["held"]
            refused = []

            async def job(index: int, started: float, todo: list[Buyer] = todo) -> None:
                await buy(todo[index], started)

            if rate is None:
                running += await closed_loop(job, count=len(todo), concurrency=size.concurrency)
            else:
                running += await open_loop(job, count=len(todo), rate=rate)
            bar.update(sum(1 for b in todo if b.wave == wave))
            # The abandoned holds of this wave expire before the next arrives.
            bench.clock.advance(HOLD_TTL + HOLD_TTL / 8)
            wave += 1
            if wave >= size.waves and recorder.counters["held"] == held_before:
                break  # the last waves are retries: stop when one makes no progress

    unmet = refused
    claims = await bench.seat_claims(show_id)
    sold = sum(claims.confirmed_seats.values())
    unsold = _SEATS - len(claims.confirmed_seats)
    smallest_unmet = min((b.count for b in unmet), default=None)
    recorder.count("waves", wave)
    recorder.count("oversold", claims.oversold)
    recorder.count("sold_seats", claims.sold_rows)
    recorder.count("seats_of_confirmed_bookings", sold)
    recorder.count(
        "sound_confirmed", recorder.counters["confirmed"] - claims.bookings_sharing_a_seat
    )
    recorder.count("unmet_buyers", len(unmet))
    recorder.count(
        "unsold_with_demand",
        unsold if smallest_unmet is not None and smallest_unmet <= unsold else 0,
    )
    if claims.sold_rows != sold:
        recorder.count("sales_mismatch", abs(claims.sold_rows - sold))
        recorder.count("errors")
    setting: dict[str, float | int | str] = {"mode": "closed" if rate is None else "open"}
    setting.update({"buyers": size.buyers, "waves": size.waves})
    if rate is None:
        setting["concurrency"] = size.concurrency
    else:
        setting["rate"] = round(rate)
    return recorder.figure(
        "rush",
        bench.name,
        elapsed=running,
        setting=setting,
        rates={
            "holds": "held",
            "confirmed": "confirmed",
            "sound_confirmed": "sound_confirmed",
            "attempts": "attempts",
        },
    )


async def run_backend(options: Options, backend: str, size: RushSize) -> list[Figure]:
    """The rush on ``backend``: closed loop on one show, then buyers arriving at half the rate
    the closed loop answered them on a second show (the same buyers, the same plan)."""
    plan = rush_plan(size.buyers, size.waves, seed=options.seed)
    async with opened(backend, options.services, POLICIES) as bench:
        world = await build_world(bench.app, theaters=1, screens=1, shows_per_screen=2, rush=True)
        people = await customers(bench.app, len(plan))
        closed = await _play(
            bench,
            world.show_ids[0],
            people=people,
            plan=plan,
            size=size,
            options=options,
            rate=None,
        )
        answered = closed.throughput.get("attempts", 0.0)
        rate = max(1.0, round(answered / 2, -1) if answered >= 20 else answered / 2)
        arriving = await _play(
            bench,
            world.show_ids[1],
            people=people,
            plan=plan,
            size=size,
            options=options,
            rate=rate,
        )
        return [closed, arriving]


async def run(options: Options) -> list[Figure]:
    """The rush on every requested backend, then the seed design's baseline on the same plan.

    A backend whose servers are missing is skipped: its reason is raised as
    :class:`ServiceMissing` after the others ran (the runner records it)."""
    size = RushSize(options)
    figures: list[Figure] = []
    missing: list[str] = []
    for backend in options.backends:
        if backend not in BOOKING_BACKENDS:
            continue
        try:
            figures.extend(await run_backend(options, backend, size))
        except ServiceMissing as exc:
            missing.append(f"{backend}: {exc}")
    try:
        figures.append(
            await run_baseline(
                options, buyers=size.buyers, waves=size.waves, concurrency=size.concurrency
            )
        )
    except ServiceMissing as exc:
        missing.append(f"baseline: {exc}")
    if missing:
        raise PartialRun(figures, missing)
    return figures
