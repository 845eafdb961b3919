"""Use cases: they take ports, call domain rules, and own transactions through a unit of work.

Each service is built from :class:`Ports` and :class:`Policies` (see :mod:`bookmyshow.bootstrap`,
which wires them all into one :class:`~bookmyshow.bootstrap.Ticketing`), and every use case takes
the acting :class:`~bookmyshow.domain.users.Principal` and enforces its permissions itself.
"""

from bookmyshow.services.accounts import Accounts, TokenPair
from bookmyshow.services.bookings import Bookings, Ticket
from bookmyshow.services.browsing import Browsing
from bookmyshow.services.catalog import Catalog
from bookmyshow.services.context import Policies, Ports
from bookmyshow.services.coupons import Coupons
from bookmyshow.services.inventory import SeatInventory, SeatState, SeatStatus
from bookmyshow.services.operations import Operations
from bookmyshow.services.reviews import RatingPropagator, Reviews, ReviewsNotConfigured
from bookmyshow.services.search import Search, SearchIndexer
from bookmyshow.services.seats import Seats

__all__ = [
    "Accounts",
    "Bookings",
    "Browsing",
    "Catalog",
    "Coupons",
    "Operations",
    "Policies",
    "Ports",
    "RatingPropagator",
    "Reviews",
    "ReviewsNotConfigured",
    "Search",
    "SearchIndexer",
    "SeatInventory",
    "SeatState",
    "SeatStatus",
    "Seats",
    "Ticket",
    "TokenPair",
]
