"""The contract suite: one class per port, run by each adapter through a tiny subclass.

Subclass a contract in a test module (its name must start with ``Test`` there) and override its
factory fixture; see ``docs/testing.md``.  The classes are not named ``Test…`` here so that
importing them does not make pytest collect them twice.
"""

from bookmyshow.testing.contracts.cache import CacheContract
from bookmyshow.testing.contracts.clock import ClockContract
from bookmyshow.testing.contracts.coupons import CouponRedemptionsContract
from bookmyshow.testing.contracts.events import EventBusContract, EventPublisherContract
from bookmyshow.testing.contracts.idempotency import IdempotencyStoreContract
from bookmyshow.testing.contracts.ids import IdGeneratorContract
from bookmyshow.testing.contracts.inventory import InventoryContract, InventoryPair
from bookmyshow.testing.contracts.notifications import NotifierContract
from bookmyshow.testing.contracts.payments import PaymentGatewayContract, PaymentScenarios
from bookmyshow.testing.contracts.rate_limit import RateLimiterContract
from bookmyshow.testing.contracts.repositories import (
    BookingRepositoryContract,
    CouponRepositoryContract,
    MovieRepositoryContract,
    ReviewRepositoryContract,
    ShowRepositoryContract,
    UserRepositoryContract,
    VenueRepositoryContract,
)
from bookmyshow.testing.contracts.reviews import ReviewStoreContract
from bookmyshow.testing.contracts.search import MovieSearchContract, SearchFactory
from bookmyshow.testing.contracts.seat_updates import SeatUpdatesContract
from bookmyshow.testing.contracts.security import PasswordHasherContract, TokenServiceContract
from bookmyshow.testing.contracts.unit_of_work import UnitOfWorkContract

__all__ = [
    "BookingRepositoryContract",
    "CacheContract",
    "ClockContract",
    "CouponRepositoryContract",
    "CouponRedemptionsContract",
    "EventBusContract",
    "EventPublisherContract",
    "IdGeneratorContract",
    "IdempotencyStoreContract",
    "InventoryContract",
    "InventoryPair",
    "MovieRepositoryContract",
    "MovieSearchContract",
    "NotifierContract",
    "PasswordHasherContract",
    "PaymentGatewayContract",
    "PaymentScenarios",
    "RateLimiterContract",
    "ReviewRepositoryContract",
    "ReviewStoreContract",
    "SearchFactory",
    "SeatUpdatesContract",
    "ShowRepositoryContract",
    "TokenServiceContract",
    "UnitOfWorkContract",
    "UserRepositoryContract",
    "VenueRepositoryContract",
]
