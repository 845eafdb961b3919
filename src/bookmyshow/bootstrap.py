"""The composition root: the only place that chooses adapters.

- :func:`in_memory_ports` builds every port from the in-memory adapters (the embedded default).
"""

from __future__ import annotations

import secrets

from bookmyshow.adapters.memory import (
    HmacTokenService,
    ManualClock,
    MemoryCouponRedemptions,
    MemoryDatabase,
    MemoryEventBus,
    MemoryIdempotencyStore,
    MemoryInventoryStore,
    MemoryNotifier,
    MemoryPaymentGateway,
    MemorySeatHolds,
    MemorySeatSales,
    MemoryUnitOfWorkFactory,
    ScryptPasswordHasher,
    SortableIds,
    SystemClock,
)
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.events import EventPublisher
from bookmyshow.ports.ids import IdGenerator
from bookmyshow.ports.payments import PaymentGateway
from bookmyshow.ports.security import PasswordHasher
from bookmyshow.services.context import Ports

__all__ = ["in_memory_ports"]


def in_memory_ports(
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    payments: PaymentGateway | None = None,
    events: EventPublisher | None = None,
    passwords: PasswordHasher | None = None,
    token_secret: bytes | None = None,
) -> Ports:
    """Every port served by the in-memory adapters, sharing one seat store and one database.

    Defaults: the system clock, sortable ids, the test payment gateway, an in-process event
    bus, scrypt password hashing, and HS256 tokens signed with a fresh random secret (so tokens
    do not survive the process; pass ``token_secret`` to keep them).  Raises ``InvalidInput``
    for a ``token_secret`` under 32 bytes.
    """
    clock = clock if clock is not None else SystemClock()
    store = MemoryInventoryStore()
    secret = token_secret if token_secret is not None else secrets.token_bytes(32)
    return Ports(
        uow=MemoryUnitOfWorkFactory(MemoryDatabase(inventory=store)),
        holds=MemorySeatHolds(store),
        sales=MemorySeatSales(store),
        clock=clock,
        ids=ids if ids is not None else SortableIds(clock),
        payments=payments if payments is not None else MemoryPaymentGateway(),
        idempotency=MemoryIdempotencyStore(clock),
        coupon_redemptions=MemoryCouponRedemptions(),
        events=events if events is not None else MemoryEventBus(),
        passwords=passwords if passwords is not None else ScryptPasswordHasher(),
        tokens=HmacTokenService(secret, clock=clock),
        notifier=MemoryNotifier(),
    )


# ManualClock is re-exported for tests and demos that drive time by hand.
_ = ManualClock
