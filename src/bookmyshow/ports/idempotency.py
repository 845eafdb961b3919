"""The idempotency port: remember what a retried request already did.

A driving adapter or service calls :meth:`IdempotencyStore.begin` with the client's key and a
fingerprint of the request (e.g. a SHA-256 of its canonical JSON):

- :class:`Started` — first time: do the work, then ``complete(key, response)``; if the work fails
  without effect, ``abandon(key)`` so that a retry runs it again;
- :class:`Completed` — done before: return the stored ``response`` instead of doing it again;
- :class:`IdempotencyInProgress` — another attempt holds the key right now: it is *not* waited
  for; the client retries later (HTTP 409);
- :class:`~bookmyshow.ports.errors.IdempotencyKeyReused` — the key was used for a different
  request (fingerprint).

A start that is neither completed nor abandoned (its process died) blocks the key for the store's
*lease*; after that a new ``begin`` takes the key over.  Starts carry no owner token, so a
``complete`` or ``abandon`` that the presumed-dead owner sends after a takeover acts on the new
start: choose a lease well above the longest request.  Completed keys are kept for the store's
*retention*, then forgotten.  Responses are text (typically JSON): the store does not interpret
them.
"""

from __future__ import annotations

from typing import ClassVar, Final, Protocol, TypeAlias

from attrs import define, frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import PortError

__all__ = [
    "MAX_KEY_LENGTH",
    "BeginResult",
    "Completed",
    "IdempotencyInProgress",
    "IdempotencyStore",
    "Started",
    "check_idempotency_arguments",
]

MAX_KEY_LENGTH: Final = 255


@frozen(kw_only=True)
class Started:
    """The caller now owns ``key`` and must complete or abandon it."""

    key: str


@frozen(kw_only=True)
class Completed:
    """``key`` was completed earlier with ``response``."""

    key: str
    response: str


BeginResult: TypeAlias = Started | Completed
"""What :meth:`IdempotencyStore.begin` returns."""


@define(auto_exc=True, kw_only=True)
class IdempotencyInProgress(PortError):
    """Another attempt with the same key and request is under way; retry later."""

    code: ClassVar[str] = "idempotency_in_progress"
    key: str


def check_idempotency_arguments(key: str, fingerprint: str | None = None) -> None:
    """Raise :class:`~bookmyshow.domain.errors.InvalidInput` for an empty or over-long key
    (more than :data:`MAX_KEY_LENGTH` characters) or an empty fingerprint."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(field="key", reason=f"must be 1 to {MAX_KEY_LENGTH} characters")
    if fingerprint is not None and (not isinstance(fingerprint, str) or not fingerprint):
        raise InvalidInput(field="fingerprint", reason="must be a non-empty string")


class IdempotencyStore(Protocol):
    """Idempotency keys with their request fingerprint and, once done, the response.

    Every method is atomic.  Errors besides those named: ``InvalidInput`` for an empty key or
    fingerprint, :class:`~bookmyshow.ports.errors.BackendUnavailable` when the backend fails.
    """

    async def begin(self, key: str, fingerprint: str) -> BeginResult:
        """Claim ``key`` for a request with ``fingerprint``, or report its stored response.

        Raises :class:`~bookmyshow.ports.errors.IdempotencyKeyReused` if the key is held or
        completed for another fingerprint, and :class:`IdempotencyInProgress` if an unexpired
        start holds it for this fingerprint.  Of many concurrent ``begin`` calls for a free key,
        exactly one gets :class:`Started`.
        """
        ...

    async def complete(self, key: str, response: str) -> None:
        """Record ``response`` for the started ``key``.

        Completing again with the same response is a no-op.  Raises
        :class:`~bookmyshow.ports.errors.NotFound` (``kind="idempotency_key"``) if the key is
        not started (never begun, abandoned, or forgotten) and
        :class:`~bookmyshow.ports.errors.Conflict` (``what="idempotency_response"``) if it was
        completed with a different response.
        """
        ...

    async def abandon(self, key: str) -> bool:
        """Drop a started ``key`` so that a retry runs anew; ``True`` if one was dropped.

        A completed key keeps its response (``False``); an unknown key is ``False``.
        """
        ...
