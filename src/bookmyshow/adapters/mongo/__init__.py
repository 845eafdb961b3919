"""The MongoDB :class:`~bookmyshow.ports.reviews.ReviewStore` adapter (PyMongo's async API).

Install the extra ``mongo``.  Start with :func:`connect` (or :class:`MongoReviewStore` over
your own :class:`~pymongo.AsyncMongoClient`), then ``await store.ensure_indexes()`` once at
start-up; ``await store.close()`` at the end.  See ``docs/mongo.md``.

* :mod:`~bookmyshow.adapters.mongo.reviews`: the store, its collections and indexes, and the
  consistency path of the rating summaries;
* :mod:`~bookmyshow.adapters.mongo.codec`: the BSON converter (exact µs instants);
* :mod:`~bookmyshow.adapters.mongo.errors`: driver errors to port errors.
"""

from bookmyshow.adapters.mongo.codec import converter
from bookmyshow.adapters.mongo.errors import BACKEND
from bookmyshow.adapters.mongo.reviews import (
    DEFAULT_DATABASE,
    DEFAULT_WRITE_CONCERN,
    INDEXES,
    REVIEWS,
    SUMMARIES,
    VOTES,
    MongoReviewStore,
    ReadPreferenceMode,
    connect,
)

__all__ = [
    "BACKEND",
    "DEFAULT_DATABASE",
    "DEFAULT_WRITE_CONCERN",
    "INDEXES",
    "REVIEWS",
    "SUMMARIES",
    "VOTES",
    "MongoReviewStore",
    "ReadPreferenceMode",
    "connect",
    "converter",
]
