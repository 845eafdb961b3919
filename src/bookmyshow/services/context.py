"""What every use case runs on: the ports it talks to and the policies it applies.

:class:`Ports` names one adapter per boundary; :class:`Policies` holds the business settings
(hold limits, pricing, cancellation tiers, token lifetimes …) as domain values.  The composition
root (:mod:`bookmyshow.bootstrap`) builds both once and hands them to every service, so a service
never chooses an adapter and never reads a setting from the environment.
"""

from __future__ import annotations

from datetime import timedelta

from attrs import field, frozen

from bookmyshow.domain.cancellation import CancellationPolicy
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.holds import HoldPolicy
from bookmyshow.domain.pricing import PricingRules
from bookmyshow.domain.shows import ScheduleRules
from bookmyshow.ports.cache import Cache
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.coupons import CouponRedemptions
from bookmyshow.ports.events import EventPublisher
from bookmyshow.ports.idempotency import IdempotencyStore
from bookmyshow.ports.ids import IdGenerator
from bookmyshow.ports.inventory import SeatHolds, SeatSales
from bookmyshow.ports.notifications import Notifier
from bookmyshow.ports.payments import PaymentGateway
from bookmyshow.ports.rate_limit import RateLimiter
from bookmyshow.ports.reviews import ReviewStore
from bookmyshow.ports.search import MovieSearch
from bookmyshow.ports.seat_updates import SeatUpdates
from bookmyshow.ports.security import PasswordHasher, TokenService
from bookmyshow.ports.unit_of_work import UnitOfWorkFactory

__all__ = ["Policies", "Ports"]


def _positive(_instance: object, attribute: object, value: timedelta) -> None:
    name = getattr(attribute, "name", "duration")
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidInput(field=name, reason="must be a positive timedelta")


@frozen(kw_only=True)
class Ports:
    """One adapter per boundary, as the services use them.

    ``uow`` makes units of work over the repositories and the durable sale record; ``sales`` is
    the same sale record read outside a unit (seat maps, the sold check after a hold); ``holds``
    keeps transient seat holds; ``search`` is the movie search index, kept current from events
    by :class:`~bookmyshow.services.search.SearchIndexer`.  ``replica_uow``, when set, makes
    units for reads that tolerate replication lag (browsing: cities, theaters, listings, show
    times, the layout behind a seat map) — e.g. over a read replica; everything in a booking uses
    ``uow``.  ``cache``, when set, serves catalog reads read-through (see
    :mod:`bookmyshow.services.catalog_cache`); ``rate_limiter`` is for driving adapters (the
    reference app limits log-ins, holds and checkouts with it); ``seat_updates``, when set,
    carries every seat change of a show to its live viewers (fed from events by
    :class:`~bookmyshow.services.seat_feed.SeatFeed`); ``reviews`` keeps reviews, helpful votes
    and rating summaries outside any unit of work (see :mod:`bookmyshow.ports.reviews`; the
    builders always set it).  The other ports are used as their modules document.
    """

    uow: UnitOfWorkFactory
    holds: SeatHolds
    sales: SeatSales
    clock: Clock
    ids: IdGenerator
    payments: PaymentGateway
    idempotency: IdempotencyStore
    coupon_redemptions: CouponRedemptions
    events: EventPublisher
    passwords: PasswordHasher
    tokens: TokenService
    notifier: Notifier
    search: MovieSearch
    replica_uow: UnitOfWorkFactory | None = None
    cache: Cache | None = None
    rate_limiter: RateLimiter | None = None
    seat_updates: SeatUpdates | None = None
    reviews: ReviewStore | None = None


@frozen(kw_only=True)
class Policies:
    """Business settings every service applies; the defaults suit a single-country cinema chain.

    ``claim_lease`` protects a hold while its payment and sale complete; ``access_token_ttl`` and
    ``refresh_token_ttl`` bound the tokens :class:`~bookmyshow.services.accounts.Accounts`
    issues; ``payment_grace`` is how long reconciliation waits before it takes "the gateway
    never received this charge" as final (a request still in flight may yet arrive);
    ``unit_attempts`` is how often a use case retries a unit of work that lost a race
    (``Conflict(what="concurrent_update")``).  Raises :class:`InvalidInput` for a non-positive
    duration or attempt count.
    """

    holds: HoldPolicy = field(factory=HoldPolicy)
    pricing: PricingRules = field(factory=PricingRules)
    cancellation: CancellationPolicy = field(factory=CancellationPolicy)
    schedule: ScheduleRules = field(factory=ScheduleRules)
    claim_lease: timedelta = field(default=timedelta(minutes=2), validator=_positive)
    access_token_ttl: timedelta = field(default=timedelta(minutes=15), validator=_positive)
    refresh_token_ttl: timedelta = field(default=timedelta(days=30), validator=_positive)
    payment_grace: timedelta = field(default=timedelta(minutes=5), validator=_positive)
    unit_attempts: int = 5
    currency: str = "INR"

    def __attrs_post_init__(self) -> None:
        checks = (
            ("holds", HoldPolicy),
            ("pricing", PricingRules),
            ("cancellation", CancellationPolicy),
            ("schedule", ScheduleRules),
        )
        for name, kind in checks:
            if not isinstance(getattr(self, name), kind):
                raise InvalidInput(field=name, reason=f"must be a {kind.__name__}")
        attempts = self.unit_attempts
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise InvalidInput(field="unit_attempts", reason="must be a positive integer")
        if not isinstance(self.currency, str) or len(self.currency) != 3:
            raise InvalidInput(field="currency", reason="an ISO 4217 code such as 'INR'")
