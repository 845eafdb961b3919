"""In-memory adapters for every port: the embedded default, safe under many concurrent tasks.

They are first-class implementations, held to the same contract suite as every other adapter:
use them for tests, demos and single-process deployments.  :class:`MemoryPaymentGateway` is a
test payment processor driven by test card numbers.
"""

from bookmyshow.adapters.memory.cache import MemoryCache
from bookmyshow.adapters.memory.clock import ManualClock, SystemClock
from bookmyshow.adapters.memory.coupons import MemoryCouponRedemptions
from bookmyshow.adapters.memory.database import MemoryDatabase
from bookmyshow.adapters.memory.events import MemoryEventBus
from bookmyshow.adapters.memory.idempotency import MemoryIdempotencyStore
from bookmyshow.adapters.memory.ids import SequentialIds, SortableIds
from bookmyshow.adapters.memory.inventory import (
    MemoryInventoryStore,
    MemorySeatHolds,
    MemorySeatSales,
)
from bookmyshow.adapters.memory.notifications import MemoryNotifier
from bookmyshow.adapters.memory.payments import MemoryPaymentGateway
from bookmyshow.adapters.memory.rate_limit import MemoryRateLimiter
from bookmyshow.adapters.memory.reviews import MemoryReviewStore
from bookmyshow.adapters.memory.search import MemoryMovieSearch
from bookmyshow.adapters.memory.seat_updates import MemorySeatUpdates
from bookmyshow.adapters.memory.security import HmacTokenService, ScryptPasswordHasher
from bookmyshow.adapters.memory.unit_of_work import MemoryUnitOfWork, MemoryUnitOfWorkFactory

__all__ = [
    "HmacTokenService",
    "ManualClock",
    "MemoryCache",
    "MemoryCouponRedemptions",
    "MemoryDatabase",
    "MemoryEventBus",
    "MemoryIdempotencyStore",
    "MemoryInventoryStore",
    "MemoryMovieSearch",
    "MemoryNotifier",
    "MemoryPaymentGateway",
    "MemoryRateLimiter",
    "MemoryReviewStore",
    "MemorySeatHolds",
    "MemorySeatSales",
    "MemorySeatUpdates",
    "MemoryUnitOfWork",
    "MemoryUnitOfWorkFactory",
    "ScryptPasswordHasher",
    "SequentialIds",
    "SortableIds",
    "SystemClock",
]
