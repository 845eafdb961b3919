"""Managing coupons: defining them, ending them early, and looking at how they are used.

Coupon *definitions* (:class:`~bookmyshow.domain.coupons.Coupon`) live in the unit of work's
:class:`~bookmyshow.ports.repositories.CouponRepository`, keyed by their normalised code.  How
often a coupon was used is not part of the definition: checkout counts uses atomically through
:class:`~bookmyshow.ports.coupons.CouponRedemptions`, and :meth:`Coupons.usage` only reads those
counts.  Every use case here is for platform admins (:attr:`Action.MANAGE_CATALOG` on a
:attr:`ResourceKind.COUPON`), checked before anything is read or written.  See
``docs/coupons.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from attrs import evolve

from bookmyshow.domain.coupons import Coupon
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.users import Action, Principal, Resource, ResourceKind, require
from bookmyshow.domain.validation import elapsed, require_bool, require_instance, require_text
from bookmyshow.ports.coupons import CouponUsage
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._units import in_unit, read_unit
from bookmyshow.services.context import Policies, Ports

__all__ = ["Coupons"]

_NO_TIME = timedelta(0)
_INSTANT = timedelta(microseconds=1)


def _require_manager(actor: Principal, code: str | None = None) -> None:
    # Only a stored-form code names the resource: a raw one could fail Resource's id check and
    # answer someone who may not manage coupons with InvalidInput instead of the refusal.
    require(actor, Action.MANAGE_CATALOG, Resource(kind=ResourceKind.COUPON, resource_id=code))


def _ended(coupon: Coupon, now: datetime) -> Coupon:
    """``coupon`` valid until ``now`` at the latest."""
    if elapsed(now, coupon.valid_until) <= _NO_TIME:
        return coupon  # already over: ending it again changes nothing
    if elapsed(coupon.valid_from, now) <= _NO_TIME:
        # Not started yet: a window must not be empty, so it becomes the instant just before
        # now — over before anyone could use it, and still in the past for every later check.
        return evolve(coupon, valid_from=now - _INSTANT, valid_until=now)
    return evolve(coupon, valid_until=now)


class Coupons:
    """Coupon definitions for platform admins: create, end, get, list, and usage counts.

    Every method raises :class:`~bookmyshow.domain.errors.PermissionDenied` unless ``actor``
    may :attr:`Action.MANAGE_CATALOG` (platform admins only), before touching anything, and
    :class:`~bookmyshow.domain.errors.InvalidInput` for a malformed argument (a code that is no
    coupon code, a non-coupon).  Codes are looked up as the coupon normalises them, so
    ``" diwali50 "`` finds ``"DIWALI50"``.
    """

    def __init__(self, ports: Ports, policies: Policies) -> None:
        self._ports = ports
        self._policies = policies

    async def create(self, actor: Principal, coupon: Coupon) -> Coupon:
        """Store a new coupon and return it.

        Raises ``Conflict(what="coupon_code")`` when a coupon with the same (normalised) code
        exists, and :class:`InvalidInput` (``field="coupon"``) when its amounts are not in the
        platform currency (:attr:`Policies.currency`): no order could ever use it.
        """
        _require_manager(actor, coupon.code if isinstance(coupon, Coupon) else None)
        require_instance(coupon, Coupon, "coupon")
        currency = coupon.currency
        if currency is not None and currency != self._policies.currency:
            raise InvalidInput(
                field="coupon", reason=f"amounts must be in {self._policies.currency}"
            )

        async def step(uow: UnitOfWork) -> Coupon:
            await uow.coupons.add(coupon)
            return coupon

        return await in_unit(self._ports, self._policies, step)

    async def end(self, actor: Principal, code: str) -> Coupon:
        """End the coupon's validity now and return it as stored.

        ``valid_until`` becomes the clock's now when it is later (a coupon that has not started
        yet gets the window ``[now - 1µs, now)``: it can never be used); a coupon already over
        is returned unchanged.  Uses already counted stay counted.  Raises
        ``NotFound(kind="coupon")`` for an unknown code.
        """
        _require_manager(actor)
        now = self._ports.clock.now()

        async def step(uow: UnitOfWork) -> Coupon:
            coupon = await uow.coupons.get(code)
            ended = _ended(coupon, now)
            if ended != coupon:
                await uow.coupons.save(ended)
            return ended

        return await in_unit(self._ports, self._policies, step)

    async def get(self, actor: Principal, code: str) -> Coupon:
        """The coupon with this code; ``NotFound(kind="coupon")`` if there is none."""
        _require_manager(actor)
        return await read_unit(self._ports, lambda uow: uow.coupons.get(code))

    async def list(self, actor: Principal, *, valid_only: bool = False) -> Sequence[Coupon]:
        """Every coupon ordered by code; with ``valid_only``, only those whose window contains
        the clock's now (``valid_from`` inclusive, ``valid_until`` exclusive)."""
        _require_manager(actor)
        require_bool(valid_only, "valid_only")
        valid_at = self._ports.clock.now() if valid_only else None
        return await read_unit(self._ports, lambda uow: uow.coupons.list(valid_at=valid_at))

    async def usage(self, actor: Principal, code: str, user_id: str) -> CouponUsage:
        """How often the coupon is currently redeemed, in all and by ``user_id``.

        The counts come from :class:`~bookmyshow.ports.coupons.CouponRedemptions` under the
        stored (normalised) code.  Raises ``NotFound(kind="coupon")`` for an unknown code and
        :class:`InvalidInput` for an empty ``user_id``.
        """
        _require_manager(actor)
        require_text(user_id, "user_id")
        coupon = await read_unit(self._ports, lambda uow: uow.coupons.get(code))
        return await self._ports.coupon_redemptions.usage(coupon.code, user_id)
