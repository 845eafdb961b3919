"""The HTTP scenario's load generator, run in a process of its own against a running app server.

    python -m benchmarks.http_load --url http://127.0.0.1:8000 --customers 48 \\
        --open-rate 500 --open-seconds 25 --closed-concurrency 64 --closed-visits 4000 \\
        --relative-rate 0.7

(always with ``-m`` from the repository root: run as a file, ``benchmarks/`` would come first on
the path and its ``http`` module would hide the standard library's.)

It learns the catalog from the API (cities, every city's show listings, a page of movies),
registers ``--customers`` accounts and logs each in, warms the server up with a few unrecorded
visits, then plays two phases of *visits*, each visit one of:

- ``search``: a movie search (one exact word of a title, the same word with a typo, filters
  with facets, or a browse by rating) or title suggestions for a prefix — one request;
- ``listings``: a city's shows on one date — one request;
- ``seat_map``: a show's seat map — one request;
- ``booking``: read a show's seat map, hold seats (adjacent free seats near the centre picked
  from that map, or best-available), check out, pay with the test card — four requests, the
  last three of kind ``booking``.

Shows are picked from the listings, a share of them from the soonest day's ("hot") shows.  The
open-loop phase starts visits at ``rate / REQUESTS_PER_VISIT`` per second (so that requests
arrive at about ``--open-rate`` per second) and times each visit's first request from its
*scheduled* start; the closed-loop phase keeps ``--closed-concurrency`` visits in flight; with
``--relative-rate F`` a last open-loop phase runs at F times the request rate the closed loop
reached (the latency of a server that is busy but not overloaded).  Before each phase the
generator waits for the server's CPU to go quiet: after an overload it is still working through
requests whose clients gave up.

Latency is recorded per request kind (``search``, ``listings``, ``seat_map``, ``booking``; the
booking steps also as ``hold``, ``checkout``, ``pay``), over every request (``all``), and per
whole booking visit (``booking_flow``: scheduled start to confirmed).  A refusal a booking can
meet under load (409 ``seats_unavailable`` and its kin) is counted under its code; any other
answer outside 2xx is an error.  A request unanswered after 10 s counts as a ``timeout`` (its
latency is recorded as at least that) and ends its visit.  The result is one JSON document on
standard output (see :func:`main`); progress bars go to standard error.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import random
import resource
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import aiohttp
from attrs import define, frozen

from benchmarks.measure import Recorder, closed_loop, open_loop
from benchmarks.options import Options

__all__ = [
    "EXPECTED_REFUSALS",
    "MIX",
    "REQUESTS_PER_VISIT",
    "Catalog",
    "Customer",
    "Load",
    "TimedOut",
    "UnexpectedAnswer",
    "choose_seats",
    "main",
]

MIX: Final[Mapping[str, float]] = {
    "search": 0.40,
    "listings": 0.15,
    "seat_map": 0.25,
    "booking": 0.20,
}
"""Share of each kind of visit."""

_REQUESTS_OF: Final[Mapping[str, int]] = {"search": 1, "listings": 1, "seat_map": 1, "booking": 4}

REQUESTS_PER_VISIT: Final = sum(MIX[kind] * _REQUESTS_OF[kind] for kind in MIX)
"""Requests per visit on average when no booking is refused (1.6)."""

EXPECTED_REFUSALS: Final = frozenset(
    {
        "seats_unavailable",
        "orphan_seat",
        "not_enough_seats",
        "seats_not_together",
        "hold_limit_exceeded",
        "show_not_bookable",
    }
)
"""409 codes a hold may meet under load (another buyer was quicker; best-available found no
room; a show closed for sale): counted by name."""

_TEST_CARD: Final = "4111111111111111"
_PASSWORD: Final = "load test password"
_HOT_SHARE: Final = 0.4
"""Share of show picks among the soonest day's shows (most demand is for tonight)."""
_BEST_AVAILABLE_SHARE: Final = 0.25
_SEAT_COUNTS: Final = ((1, 0.15), (2, 0.40), (3, 0.20), (4, 0.25))
_TOP_CHOICES: Final = 6
"""Buyers take one of the best few free blocks, not always the best: two buyers reading the
same map rarely pick the same seats."""
_CLOSING_MARGIN: Final = timedelta(hours=2)
"""Shows starting sooner than this are left out: their sale might close during the run."""
_SETUP_CONCURRENCY: Final = 4
"""Registrations and log-ins in flight (each hashes a password on the server, ~0.4 s)."""
_WARMUP_VISITS: Final = 40
_SETTLE_TIMEOUT_S: Final = 180.0
_TIMEOUT_S: Final = 10.0
"""A request unanswered this long counts as a timeout."""


class TimedOut(Exception):
    """A request got no answer within the timeout: counted as ``timeouts``, not as an error
    (an overloaded server is a finding, not a defect of the benchmark)."""


class UnexpectedAnswer(RuntimeError):
    """The server answered a status the visit did not expect."""

    def __init__(self, what: str, status: int, body: object) -> None:
        super().__init__(f"{what} answered {status}: {str(body)[:300]}")
        self.status = status


@frozen(kw_only=True)
class Show:
    """A show a visit may pick: its id, city and local date."""

    show_id: str
    city_id: str
    local_date: str


@frozen(kw_only=True)
class Catalog:
    """What the generator learned from the API before the load."""

    shows: tuple[Show, ...]
    hot: tuple[Show, ...]
    """The soonest day's shows."""
    words: tuple[str, ...]
    """Words of movie titles (search terms)."""
    genres: tuple[str, ...]
    languages: tuple[str, ...]


@define(kw_only=True)
class Customer:
    """A registered account and its access token."""

    email: str
    token: str = ""


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def choose_seats(seat_map: Mapping[str, Any], count: int, rng: random.Random) -> list[str]:
    """Labels of ``count`` free seats side by side in one row, near the centre of the screen and
    a little back, chosen among the best few such blocks; empty when there is none."""
    rows: list[Any] = seat_map["rows"]
    blocks: list[tuple[float, list[Any]]] = []
    middle_row = len(rows) * 0.6
    for index, row in enumerate(rows):
        seats: list[Any] = row["seats"]
        if not seats:
            continue
        columns = [seat["column"] for seat in seats]
        centre = (min(columns) + max(columns)) / 2
        for start in range(len(seats) - count + 1):
            block = seats[start : start + count]
            if any(seat["status"] != "available" for seat in block):
                continue
            # Seats either side of an aisle are not side by side.
            if block[-1]["column"] - block[0]["column"] != count - 1:
                continue
            mid = (block[0]["column"] + block[-1]["column"]) / 2
            blocks.append((abs(mid - centre) + 1.5 * abs(index - middle_row), block))
    if not blocks:
        return []
    blocks.sort(key=lambda scored: scored[0])
    _, chosen = rng.choice(blocks[:_TOP_CHOICES])
    return [seat["label"] for seat in chosen]


def _typo(word: str, rng: random.Random) -> str:
    """``word`` with one letter dropped or two neighbours swapped (words of 5+ letters)."""
    if len(word) < 5:
        return word
    at = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:at] + word[at + 1 :]
    return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]


class Load:
    """One generator: an HTTP session, the catalog, the customers, and the visits."""

    def __init__(self, session: aiohttp.ClientSession, seed: int) -> None:
        self.session = session
        self.rng = random.Random(seed)
        self.customers: list[Customer] = []
        self.catalog = Catalog(shows=(), hot=(), words=(), genres=(), languages=())
        self._free: asyncio.Queue[Customer] = asyncio.Queue()
        self._keys = itertools.count()
        self._run_id = uuid.uuid4().hex[:8]

    # -- requests -------------------------------------------------------------------------

    async def _call(
        self,
        recorder: Recorder | None,
        kinds: Sequence[str],
        method: str,
        path: str,
        *,
        since: float | None = None,
        body: object = None,
        token: str | None = None,
        key: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One request: its status and decoded JSON body.  Its latency (from ``since`` when
        given, else from now) is recorded under each of ``kinds`` and ``all``."""
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        started = time.perf_counter() if since is None else since
        try:
            async with self.session.request(
                method, path, json=body, headers=headers, params=params
            ) as response:
                status = response.status
                answer = await response.json(content_type=None)
        except TimeoutError as exc:
            if recorder is None:
                raise
            # Its latency is at least this long: left out, it would flatter the percentiles.
            for kind in (*kinds, "all"):
                recorder.add(kind, time.perf_counter() - started)
            recorder.count("timeouts")
            raise TimedOut from exc
        elapsed = time.perf_counter() - started
        if recorder is not None:
            for kind in (*kinds, "all"):
                recorder.add(kind, elapsed)
            recorder.count("answered")
        return status, answer

    async def _ok(
        self,
        recorder: Recorder | None,
        kinds: Sequence[str],
        method: str,
        path: str,
        *,
        expect: int = 200,
        **options: Any,
    ) -> Any:
        status, answer = await self._call(recorder, kinds, method, path, **options)
        if status != expect:
            raise UnexpectedAnswer(f"{method} {kinds[0]}", status, answer)
        return answer

    # -- preparation ----------------------------------------------------------------------

    async def learn_catalog(self) -> None:
        """Read cities, every city's listings and a page of movies."""
        cities = await self._ok(None, ["setup"], "GET", "/api/cities")
        soon = datetime.now(UTC) + _CLOSING_MARGIN
        shows: list[tuple[str, Show]] = []
        for city in cities:
            listings = await self._ok(
                None, ["setup"], "GET", "/api/shows", params={"city_id": city["city_id"]}
            )
            for listing in listings:
                if datetime.fromisoformat(listing["starts_at"]) < soon:
                    continue
                shows.append(
                    (
                        listing["starts_at"],
                        Show(
                            show_id=listing["show_id"],
                            city_id=city["city_id"],
                            local_date=listing["local_starts_at"][:10],
                        ),
                    )
                )
        if not shows:
            raise RuntimeError("the server lists no show that stays on sale through the run")
        shows.sort(key=lambda pair: pair[0])
        first_day = shows[0][1].local_date
        movies = await self._ok(None, ["setup"], "GET", "/api/movies", params={"size": "100"})
        titles = [item["movie"] for item in movies["items"]]
        self.catalog = Catalog(
            shows=tuple(show for _, show in shows),
            hot=tuple(show for _, show in shows if show.local_date == first_day),
            words=tuple(
                sorted({w.lower() for m in titles for w in m["title"].split() if len(w) >= 4})
            )
            or ("the",),
            genres=tuple(sorted({g for m in titles for g in m["genres"]})),
            languages=tuple(sorted({lang for m in titles for lang in m["languages"]})),
        )

    async def make_customers(self, count: int, progress: Options) -> None:
        """Register ``count`` accounts through the API and log each one in."""
        self.customers = [
            Customer(email=f"load-{self._run_id}-{i}@bench.example") for i in range(count)
        ]
        gate = asyncio.Semaphore(_SETUP_CONCURRENCY)
        bar = progress.progress(count, "http: customers")

        async def make(customer: Customer) -> None:
            async with gate:
                await self._ok(
                    None,
                    ["register"],
                    "POST",
                    "/api/auth/register",
                    expect=201,
                    body={"email": customer.email, "name": "Load Test", "password": _PASSWORD},
                )
                pair = await self._ok(
                    None,
                    ["login"],
                    "POST",
                    "/api/auth/login",
                    body={"email": customer.email, "password": _PASSWORD},
                )
                customer.token = pair["access_token"]
                bar.update()

        try:
            await asyncio.gather(*(make(c) for c in self.customers))
        finally:
            bar.close()
        for customer in self.customers:
            self._free.put_nowait(customer)

    # -- visits ---------------------------------------------------------------------------

    def _show(self) -> Show:
        pool = self.catalog.hot if self.rng.random() < _HOT_SHARE else self.catalog.shows
        return self.rng.choice(pool)

    async def visit(self, recorder: Recorder, scheduled: float) -> None:
        """One visit of a kind drawn from :data:`MIX`, its first request timed from
        ``scheduled``; an unexpected answer or failure is counted as an error."""
        kind: str = _pick(self.rng, list(MIX.items()))
        try:
            if kind == "search":
                await self._search(recorder, scheduled)
            elif kind == "listings":
                show = self._show()
                await self._ok(
                    recorder,
                    ["listings"],
                    "GET",
                    "/api/shows",
                    since=scheduled,
                    params={"city_id": show.city_id, "date": show.local_date},
                )
            elif kind == "seat_map":
                await self._ok(
                    recorder,
                    ["seat_map"],
                    "GET",
                    f"/api/shows/{self._show().show_id}/seats",
                    since=scheduled,
                )
            else:
                await self._book(recorder, scheduled)
        except TimedOut:
            pass  # counted where it happened
        except Exception as exc:  # noqa: BLE001 - counted and kept as an error of the figure
            recorder.error(exc)

    async def _search(self, recorder: Recorder, scheduled: float) -> None:
        rng, catalog = self.rng, self.catalog
        style = rng.choice(("exact", "typo", "filters", "browse", "suggest"))
        params: dict[str, str] = {}
        path = "/api/movies"
        word = rng.choice(catalog.words)
        if style == "exact":
            params["q"] = word
        elif style == "typo":
            params["q"] = _typo(word, rng)
        elif style == "filters":
            show = self._show()
            params = {"city_id": show.city_id, "date": show.local_date}
            if catalog.genres:
                params["genre"] = rng.choice(catalog.genres)
            if catalog.languages and rng.random() < 0.5:
                params["language"] = rng.choice(catalog.languages)
        elif style == "browse":
            params = {"sort": "rating", "page": str(rng.randint(1, 2))}
        else:
            path = "/api/movies/suggest"
            params["prefix"] = word[: rng.randint(2, 4)]
        await self._ok(recorder, ["search"], "GET", path, since=scheduled, params=params)

    async def _book(self, recorder: Recorder, scheduled: float) -> None:
        """Seat map, hold, checkout, pay: counted ``confirmed`` when the booking is.

        The seat map is read before the visitor signs in; the rest is done by a customer who
        is not booking already (people book one thing at a time, and the library answers a
        customer's simultaneous checkouts with 409 ``conflict`` once its retries run out).
        Waiting for a free customer is counted as ``customer_waits``; it shows only in
        ``booking_flow``."""
        show = self._show()
        count: int = _pick(self.rng, _SEAT_COUNTS)
        seat_map = await self._ok(
            recorder, ["seat_map"], "GET", f"/api/shows/{show.show_id}/seats", since=scheduled
        )
        seats = (
            []
            if self.rng.random() < _BEST_AVAILABLE_SHARE
            else choose_seats(seat_map, count, self.rng)
        )
        ask: dict[str, object] = {"seats": seats} if seats else {"best_available": {"count": count}}
        recorder.count("best_available" if not seats else "chosen_seats")
        try:
            customer = self._free.get_nowait()
        except asyncio.QueueEmpty:
            recorder.count("customer_waits")
            customer = await self._free.get()
        try:
            await self._hold_and_pay(customer, show, ask, recorder, scheduled)
        finally:
            self._free.put_nowait(customer)

    async def _hold_and_pay(
        self,
        customer: Customer,
        show: Show,
        ask: dict[str, object],
        recorder: Recorder,
        scheduled: float,
    ) -> None:
        status, hold = await self._call(
            recorder,
            ["booking", "hold"],
            "POST",
            f"/api/shows/{show.show_id}/holds",
            body=ask,
            token=customer.token,
        )
        if status == 409 and isinstance(hold, dict) and hold.get("code") in EXPECTED_REFUSALS:
            recorder.count(str(hold["code"]))
            return
        if status != 201:
            raise UnexpectedAnswer("POST hold", status, hold)
        key = f"{self._run_id}-{next(self._keys)}"
        booking = await self._ok(
            recorder,
            ["booking", "checkout"],
            "POST",
            "/api/bookings",
            expect=201,
            body={"show_id": show.show_id, "hold_id": hold["hold_id"]},
            token=customer.token,
            key=f"c-{key}",
        )
        paid = await self._ok(
            recorder,
            ["booking", "pay"],
            "POST",
            f"/api/bookings/{booking['booking_id']}/payment",
            body={"card_number": _TEST_CARD},
            token=customer.token,
            key=f"p-{key}",
        )
        if paid.get("status") != "confirmed":
            raise UnexpectedAnswer("POST payment (status)", 200, paid)
        recorder.add("booking_flow", time.perf_counter() - scheduled)
        recorder.count("confirmed")
        recorder.count("seats_sold", len(paid.get("seats", ())))


# -- phases -----------------------------------------------------------------------------------


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _process_cpu_seconds(pid: int | None) -> float | None:
    """CPU seconds (user + system) the process ``pid`` used so far, from ``/proc`` (Linux)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _phase(
    load: Load,
    setting: dict[str, float | int | str],
    drive: Callable[[Callable[[int, float], Awaitable[None]]], Awaitable[float]],
    server_pid: int | None,
) -> dict[str, Any]:
    """Run one phase and describe it: setting, elapsed, samples, counters, errors, CPU use."""
    recorder = Recorder()
    lags: list[float] = []

    async def job(_index: int, started: float) -> None:
        lags.append(time.perf_counter() - started)
        await load.visit(recorder, started)

    cpu, server_cpu = _cpu_seconds(), _process_cpu_seconds(server_pid)
    elapsed = await drive(job)
    cpu_used = _cpu_seconds() - cpu
    server_after = _process_cpu_seconds(server_pid)
    lags.sort()
    return {
        "setting": setting,
        "elapsed_s": elapsed,
        "visits": len(lags),
        "samples": {k: [round(s, 7) for s in v] for k, v in recorder.samples.items()},
        "counters": dict(recorder.counters),
        "errors": recorder.errors,
        "generator_cpu": cpu_used / elapsed if elapsed > 0 else 0.0,
        "server_cpu": (
            None
            if server_cpu is None or server_after is None or elapsed <= 0
            else (server_after - server_cpu) / elapsed
        ),
        "start_lag_p99_ms": lags[max(0, math.ceil(0.99 * len(lags)) - 1)] * 1000 if lags else 0,
    }


async def _settle(server_pid: int | None) -> bool:
    """Wait until the server is idle (below a tenth of a core for half a second) and tell
    whether it got there.  After an overloaded phase it is still answering requests whose
    clients gave up; the next phase must not pay for them."""
    if _process_cpu_seconds(server_pid) is None:
        await asyncio.sleep(1.0)
        return True
    deadline = time.monotonic() + _SETTLE_TIMEOUT_S
    while time.monotonic() < deadline:
        before = _process_cpu_seconds(server_pid) or 0.0
        await asyncio.sleep(0.5)
        if (_process_cpu_seconds(server_pid) or 0.0) - before < 0.05:
            return True
    return False


async def _open_phase(
    load: Load, options: Options, rate: float, seconds: float, server_pid: int | None
) -> dict[str, Any]:
    visits = max(1, round(rate * seconds / REQUESTS_PER_VISIT))
    bar = options.progress(visits, f"http: open {rate:g} req/s")
    try:
        return await _phase(
            load,
            {"mode": "open", "rate": rate},
            lambda job: open_loop(job, count=visits, rate=rate / REQUESTS_PER_VISIT, progress=bar),
            server_pid,
        )
    finally:
        bar.close()


async def generate(args: argparse.Namespace) -> dict[str, Any]:
    """Prepare and warm up; then the open-loop phase at ``--open-rate``, the closed-loop phase,
    and (with ``--relative-rate F``) an open-loop phase at F times the request rate the
    closed loop reached.  The server is let settle before each phase."""
    options = Options(show_progress=args.progress)
    pool = max(args.closed_concurrency, args.connections)
    connector = aiohttp.TCPConnector(limit=pool, limit_per_host=pool)
    timeout = aiohttp.ClientTimeout(total=_TIMEOUT_S)
    async with aiohttp.ClientSession(
        base_url=args.url, connector=connector, timeout=timeout
    ) as session:
        load = Load(session, args.seed)
        setup_started = time.perf_counter()
        await load.learn_catalog()
        await load.make_customers(args.customers, options)
        warm = Recorder()
        await closed_loop(
            lambda _i, started: load.visit(warm, started),
            count=_WARMUP_VISITS,
            concurrency=_SETUP_CONCURRENCY,
        )
        setup_s = time.perf_counter() - setup_started

        settled = await _settle(args.server_pid)
        phases = [
            await _open_phase(load, options, args.open_rate, args.open_seconds, args.server_pid)
        ]
        phases[0]["settled_before"] = settled
        # Warm-up failures belong to the run: they are reported with the first phase.
        phases[0]["counters"]["errors"] = (
            phases[0]["counters"].get("errors", 0) + warm.counters["errors"]
        )
        phases[0]["errors"] = [*warm.errors, *phases[0]["errors"]][:5]

        settled = await _settle(args.server_pid)
        bar = options.progress(args.closed_visits, f"http: closed x{args.closed_concurrency}")
        try:
            closed = await _phase(
                load,
                {"mode": "closed", "concurrency": args.closed_concurrency},
                lambda job: closed_loop(
                    job,
                    count=args.closed_visits,
                    concurrency=args.closed_concurrency,
                    progress=bar,
                ),
                args.server_pid,
            )
        finally:
            bar.close()
        closed["settled_before"] = settled
        phases.append(closed)

        saturation = closed["counters"].get("answered", 0) / max(closed["elapsed_s"], 1e-9)
        if args.relative_rate > 0 and saturation > 0:
            settled = await _settle(args.server_pid)
            rate = float(max(1, round(saturation * args.relative_rate)))
            relative = await _open_phase(load, options, rate, args.open_seconds, args.server_pid)
            relative["settled_before"] = settled
            relative["of_saturation"] = args.relative_rate
            phases.append(relative)
    return {
        "customers": len(load.customers),
        "shows": len(load.catalog.shows),
        "hot_shows": len(load.catalog.hot),
        "setup_s": setup_s,
        "requests_per_visit": REQUESTS_PER_VISIT,
        "phases": phases,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.http_load", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--url", required=True, help="the app's base URL")
    parser.add_argument("--customers", type=int, default=48)
    parser.add_argument("--open-rate", type=float, default=500.0, help="requests per second")
    parser.add_argument("--open-seconds", type=float, default=25.0)
    parser.add_argument("--closed-concurrency", type=int, default=64)
    parser.add_argument("--closed-visits", type=int, default=4000)
    parser.add_argument(
        "--relative-rate",
        type=float,
        default=0.0,
        help="then an open loop at this fraction of the closed loop's request rate (0: none)",
    )
    parser.add_argument(
        "--connections", type=int, default=256, help="HTTP connection pool size (at least)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server-pid", type=int, default=None, help="report this one's CPU use")
    parser.add_argument("--progress", action="store_true", help="progress bars on stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the load and print one JSON document: ``customers``, ``shows``, ``setup_s`` and
    ``phases`` — each with ``setting``, ``elapsed_s``, ``visits``, ``samples`` (seconds by
    kind), ``counters``, ``errors``, ``generator_cpu`` and ``server_cpu`` (cores used on
    average), ``start_lag_p99_ms`` (how late the generator started visits), ``settled_before``
    (whether the server was idle when it began) and, for the relative phase,
    ``of_saturation``."""
    args = _parser().parse_args(argv)
    result = asyncio.run(generate(args))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
