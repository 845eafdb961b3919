"""Every Redis key this package writes, and how long each lives: the one place they are named.

All keys start with a namespace (``bms`` unless an adapter is given another), so several
deployments or test runs can share one server.  Keys that a script or a multi-key command uses
together share a *hash tag* — the part in braces — so that on Redis Cluster they sit in one hash
slot and the same code runs on a standalone server and on a cluster.

========================================  ======  ============================================
key                                       type    holds
========================================  ======  ============================================
``<ns>:{show:<show>}:seats``              hash    seat label → id of the hold on it
``<ns>:{show:<show>}:holds``              hash    hold id → the hold (JSON, numbers as text)
``<ns>:{show:<show>}:owners``             hash    owner id → JSON list of their hold ids
``<ns>:{show:<show>}:expiry``             zset    hold id scored by its expiry (µs since epoch)
``<ns>:{show:<show>}:token``              string  the show's last fencing token
``<ns>:{show:<show>}:feed``               stream  the show's seat changes, newest last
``<ns>:cache:<key>``                      string  a cached value
``<ns>:rate:{<key>}``                     zset    a rate-limit key's allowed hits
``<ns>:idem:{<key>}``                     hash    an idempotency key's state and response
========================================  ======  ============================================

Time-to-live: liveness is always decided by comparing stored instants with the ``now`` the
caller passes; a key's TTL only cleans up and always outlives what it stores.  The hold keys of a
show expire :data:`HOLD_KEY_GRACE` after the latest expiry of any hold in them (extended on each
write); the token key lives :data:`TOKEN_KEY_TTL` after the show's last hold.  Fencing tokens do
not depend on the token key surviving: each token is at least the server's clock in
microseconds (see :mod:`bookmyshow.adapters.redis.holds`).  A feed stream lives an hour after the
show's last change, trimmed to about 1,000 entries; a cache key its entry's ttl plus five
minutes; a rate key the window plus a minute after its latest allowed hit; an idempotency hash a
minute after the instant it counts as forgotten.  ``docs/redis.md`` has the same table.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from attrs import frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.validation import require_text

__all__ = [
    "DEFAULT_NAMESPACE",
    "require_encodable",
    "HOLD_KEY_GRACE",
    "TOKEN_KEY_TTL",
    "ShowKeys",
    "cache_key",
    "check_namespace",
    "idempotency_key",
    "rate_key",
]

DEFAULT_NAMESPACE: Final = "bms"
"""The prefix of every key unless an adapter is given another."""

HOLD_KEY_GRACE: Final = timedelta(hours=1)
"""How long a show's hold keys outlive the latest expiry among its holds."""

TOKEN_KEY_TTL: Final = timedelta(days=30)
"""How long a show's token counter outlives the show's last hold."""


def require_encodable(value: str, name: str) -> str:
    """Return ``value`` if it is a non-empty string that encodes as UTF-8.

    A lone surrogate (``"\\ud800"``, which a JSON body can carry) cannot be sent to Redis;
    raises :class:`InvalidInput` naming ``name`` for it, before anything is sent.
    """
    require_text(value, name)
    try:
        value.encode()
    except UnicodeEncodeError:
        raise InvalidInput(field=name, reason="must be valid Unicode text") from None
    return value


def check_namespace(namespace: str) -> str:
    """Return ``namespace`` if it is a non-empty string without braces or ``:`` at its ends.

    Braces would move the hash tag; raises :class:`InvalidInput` otherwise.
    """
    require_text(namespace, "namespace")
    if "{" in namespace or "}" in namespace or namespace.startswith(":") or namespace.endswith(":"):
        raise InvalidInput(field="namespace", reason="no braces, and no ':' at either end")
    return namespace


@frozen
class ShowKeys:
    """The keys of one show's seat holds and seat feed, all in one hash slot.

    Raises :class:`InvalidInput` for a show id that is empty or not valid Unicode text.
    """

    namespace: str
    show_id: str

    def __attrs_post_init__(self) -> None:
        require_encodable(self.show_id, "show_id")

    @property
    def tag(self) -> str:
        """The prefix every key of the show shares, hash tag included."""
        return f"{self.namespace}:{{show:{self.show_id}}}"

    @property
    def seats(self) -> str:
        """Hash: seat label → hold id."""
        return f"{self.tag}:seats"

    @property
    def holds(self) -> str:
        """Hash: hold id → the hold's record."""
        return f"{self.tag}:holds"

    @property
    def owners(self) -> str:
        """Hash: owner id → JSON list of the owner's hold ids."""
        return f"{self.tag}:owners"

    @property
    def expiry(self) -> str:
        """Sorted set: hold id scored by expiry."""
        return f"{self.tag}:expiry"

    @property
    def token(self) -> str:
        """String: the last fencing token granted."""
        return f"{self.tag}:token"

    @property
    def feed(self) -> str:
        """Stream: the show's seat changes."""
        return f"{self.tag}:feed"

    def hold_keys(self) -> list[str]:
        """The keys a hold script takes, in the order the scripts expect them."""
        return [self.seats, self.holds, self.owners, self.expiry, self.token]


def cache_key(namespace: str, key: str) -> str:
    """The Redis key of cache entry ``key``; ``InvalidInput`` for a key Redis cannot take."""
    return f"{namespace}:cache:{require_encodable(key, 'key')}"


def rate_key(namespace: str, key: str) -> str:
    """The Redis key of rate-limit key ``key`` (its own hash slot)."""
    return f"{namespace}:rate:{{{key}}}"


def idempotency_key(namespace: str, key: str) -> str:
    """The Redis key of idempotency key ``key`` (its own hash slot)."""
    return f"{namespace}:idem:{{{key}}}"
