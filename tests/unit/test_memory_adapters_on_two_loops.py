"""One memory adapter instance used from two event loops on two threads at once.

A sync test client runs the app on its own event loop in another thread while the test's loop
uses the same adapters: each adapter must stay correct there (an ``asyncio.Lock`` is bound to
one loop and would raise).  Threads switch every microsecond so the loops really interleave.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections import Counter
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

from bookmyshow.adapters.memory.cache import MemoryCache
from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.coupons import MemoryCouponRedemptions
from bookmyshow.adapters.memory.idempotency import MemoryIdempotencyStore
from bookmyshow.adapters.memory.notifications import MemoryNotifier
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS, MemoryPaymentGateway
from bookmyshow.adapters.memory.rate_limit import MemoryRateLimiter
from bookmyshow.domain.money import Money
from bookmyshow.ports.coupons import CouponUsageExhausted, Redemption
from bookmyshow.ports.idempotency import IdempotencyInProgress, Started
from bookmyshow.ports.notifications import Notification
from bookmyshow.ports.payments import (
    ChargeRequest,
    RefundExceedsCapture,
    RefundOutcome,
    RefundRequest,
    RefundResult,
)

_T = TypeVar("_T")
_LOOPS = 2


def on_two_loops(work: Callable[[int], Coroutine[Any, Any, _T]]) -> list[_T]:
    """Run ``work(0)`` and ``work(1)`` at once, each under ``asyncio.run`` on its own thread;
    an exception in either is raised here."""
    start = threading.Barrier(_LOOPS)

    def run(n: int) -> _T:
        start.wait()
        return asyncio.run(work(n))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=_LOOPS) as pool:
            futures = [pool.submit(run, n) for n in range(_LOOPS)]
            return [future.result() for future in futures]
    finally:
        sys.setswitchinterval(interval)


def test_payment_gateway_charges_and_refunds_once_across_loops() -> None:
    """Charges sent from two loops capture once per key; their refunds never exceed it."""
    gateway = MemoryPaymentGateway()
    requests = [
        ChargeRequest(
            idempotency_key=f"charge-{i}",
            booking_id=f"booking-{i}",
            amount=Money(1000),
            payment_method=CARD_SUCCEEDS,
        )
        for i in range(10)
    ]

    async def charge_all(_: int) -> list[str | None]:
        results = await asyncio.gather(*(gateway.charge(r) for r in requests for _ in range(5)))
        return [r.payment_id for r in results]

    ids = on_two_loops(charge_all)
    assert len(set(ids[0] + ids[1])) == len(requests)
    assert len(gateway.captures()) == len(requests)
    payment_id = ids[0][0]
    assert payment_id is not None

    async def refund_all(n: int) -> list[RefundResult | BaseException]:
        refunds = (
            RefundRequest(
                idempotency_key=f"refund-{n}-{i}", payment_id=payment_id, amount=Money(100)
            )
            for i in range(10)
        )
        return await asyncio.gather(*(gateway.refund(r) for r in refunds), return_exceptions=True)

    outcomes = [o for both in on_two_loops(refund_all) for o in both]
    succeeded = [o for o in outcomes if isinstance(o, RefundResult)]
    assert all(o.outcome is RefundOutcome.SUCCEEDED for o in succeeded)
    assert len(succeeded) == 10
    assert all(isinstance(o, RefundResult | RefundExceedsCapture) for o in outcomes)
    assert gateway.net_for_booking("booking-0") == Money(0)


def test_idempotency_store_starts_a_key_once_across_loops() -> None:
    """Of begins on one key from two loops, exactly one is Started."""
    store = MemoryIdempotencyStore(ManualClock())

    async def begin_all(_: int) -> list[object]:
        return await asyncio.gather(
            *(store.begin(f"key-{k}", "fp") for k in range(20) for _ in range(10)),
            return_exceptions=True,
        )

    results = [r for both in on_two_loops(begin_all) for r in both]
    assert sum(isinstance(r, Started) for r in results) == 20
    assert all(isinstance(r, Started | IdempotencyInProgress) for r in results)


def test_coupon_limits_hold_across_loops() -> None:
    """Redemptions from two loops never pass the global limit."""
    redemptions = MemoryCouponRedemptions()

    async def redeem_all(n: int) -> list[object]:
        return await asyncio.gather(
            *(
                redemptions.redeem(
                    redemption_id=f"r-{n}-{i}",
                    coupon_code="RUSH",
                    user_id=f"u-{n}-{i}",
                    global_limit=50,
                    per_user_limit=None,
                )
                for i in range(100)
            ),
            return_exceptions=True,
        )

    results = [r for both in on_two_loops(redeem_all) for r in both]
    assert sum(isinstance(r, Redemption) for r in results) == 50
    assert all(isinstance(r, Redemption | CouponUsageExhausted) for r in results)


def test_rate_limiter_counts_hits_from_both_loops() -> None:
    """Hits on one key from two loops are allowed exactly up to the limit."""
    limiter = MemoryRateLimiter(ManualClock())

    async def hit_all(_: int) -> list[bool]:
        decisions = await asyncio.gather(
            *(
                limiter.hit("login:1.2.3.4", limit=100, window=timedelta(minutes=1))
                for _ in range(300)
            )
        )
        return [d.allowed for d in decisions]

    allowed = Counter(a for both in on_two_loops(hit_all) for a in both)
    assert allowed == {True: 100, False: 500}


def test_cache_survives_both_loops_expiring_and_evicting() -> None:
    """Two loops setting, reading and deleting expiring keys of a full cache raise nothing."""
    clock = ManualClock()
    cache = MemoryCache(clock, max_entries=8)

    async def churn(n: int) -> int:
        hits = 0
        for i in range(400):
            key = f"k{i % 16}"
            await cache.set(key, b"v", ttl=timedelta(seconds=1))
            if n == 0 and i % 50 == 0:
                clock.advance(timedelta(seconds=1))
            hits += await cache.get(key) is not None
            await cache.delete(f"k{(i + 8) % 16}")
        return hits

    on_two_loops(churn)
    assert len(cache) <= 8


def test_notifier_sends_each_id_once_across_loops() -> None:
    """The same notifications sent from two loops are each in the outbox once."""
    notifier = MemoryNotifier()
    notes = [
        Notification(notification_id=f"n{i}", user_id="u1", template="booking.confirmed")
        for i in range(50)
    ]

    async def send_all(_: int) -> None:
        await asyncio.gather(*(notifier.send(n) for n in notes for _ in range(3)))

    on_two_loops(send_all)
    assert sorted(n.notification_id for n in notifier.outbox) == sorted(
        n.notification_id for n in notes
    )
