"""The app's background sweep: what keeps bookings, payments and seat maps settled over time.

Correctness never waits on it (expiry is judged against the clock on every read and write), but
without it unpaid bookings stay open, lapsed holds are never announced to live seat maps, unknown
payments stay unknown and failed refunds are not retried.  Each app process runs one; the sweeps
are idempotent, so several processes sweeping together do no harm.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Final

from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.users import Principal, Role

__all__ = ["SWEEPER", "sweep_once", "sweep_forever"]

_log = logging.getLogger("bookmyshow.app.maintenance")

SWEEPER: Final = Principal(user_id="system:maintenance", roles=[Role.PLATFORM_ADMIN])
"""Who the sweep acts as: the operations use cases are for platform admins only."""


async def sweep_once(ticketing: Ticketing) -> None:
    """Expire due bookings and lapsed holds, reconcile unknown payments, retry failed refunds.

    A step that fails — for any reason: a sweep that dies on one bad row must not stop the next
    ones, nor every later sweep — is logged with its traceback and the next one still runs.
    """
    operations = ticketing.operations
    for name, step in (
        ("expire", operations.expire),
        ("reconcile_payments", operations.reconcile_payments),
        ("retry_refunds", operations.retry_refunds),
    ):
        try:
            await step(SWEEPER)
        except Exception:  # noqa: BLE001 - logged with its traceback; see the docstring
            _log.exception("maintenance step %s failed", name)


async def sweep_forever(ticketing: Ticketing, interval: timedelta) -> None:
    """Run :func:`sweep_once` every ``interval`` until cancelled."""
    seconds = interval.total_seconds()
    while True:
        await asyncio.sleep(seconds)
        await sweep_once(ticketing)
