"""Coupon redemptions in the ``coupon_usage`` and ``coupon_redemptions`` tables.

``coupon_redemptions`` holds one row per counted use; ``coupon_usage`` one row per coupon with its
total, and that row is the coupon's lock.  A redemption:

1. locks the coupon's ``coupon_usage`` row (``SELECT … FOR UPDATE``; SQLite serializes writers
   with ``BEGIN IMMEDIATE`` anyway).  A coupon's first redemption finds no row: it creates the
   row (total 0, ``INSERT IGNORE``) in a transaction of its own and starts again.  Creating it
   apart keeps the inserts' gap locks — which deadlock when several transactions create keys at
   the end of the index at once — out of the redemptions, which then only ever wait on one row
   lock;
2. under that lock, looks the redemption id up (a replay returns the stored redemption), checks
   the global limit against the locked total, then the per-user limit against a count of the
   user's rows (served by the ``(coupon_code, user_id)`` index);
3. inserts the redemption and increments the total.

Every redemption of one coupon goes through step 1, so the checks and the writes cannot race.
The same redemption id used concurrently for *two different* coupons is settled by the primary
key of ``coupon_redemptions``: the second insert fails and is reported as
:class:`~bookmyshow.ports.errors.IdempotencyKeyReused`.

A release locks the redemption row, then the coupon's row (by decrementing it), then deletes the
redemption.  Usage counts are read through the reader engine (lag-tolerant, as previews are).
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bookmyshow.adapters.sql.database import SqlDatabase
from bookmyshow.adapters.sql.errors import violated_columns
from bookmyshow.adapters.sql.schema import (
    ID_LENGTH,
    coupon_redemptions,
    coupon_usage,
    insert_ignore,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.coupons import (
    CouponUsage,
    CouponUsageExhausted,
    CouponUserLimitReached,
    Redemption,
    check_redeem_arguments,
)
from bookmyshow.ports.errors import IdempotencyKeyReused

__all__ = ["MAX_COUPON_CODE_LENGTH", "MAX_REDEMPTION_ID_LENGTH", "SqlCouponRedemptions"]

MAX_REDEMPTION_ID_LENGTH: Final = 255
"""The widest redemption id the ``coupon_redemptions`` table stores."""

MAX_COUPON_CODE_LENGTH: Final = 64
"""The widest coupon code the tables store (as wide as ``coupons.code``)."""

_usage = coupon_usage
_red = coupon_redemptions


class _Missing(Exception):
    """The coupon has no usage row yet: create it, then redeem again."""


def _check_widths(**values: tuple[str, int]) -> None:
    for name, (value, width) in values.items():
        if len(value) > width:
            raise InvalidInput(field=name, reason=f"at most {width} characters")


def _check_text(name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidInput(field=name, reason="must be a non-empty string")


class SqlCouponRedemptions:
    """A :class:`~bookmyshow.ports.coupons.CouponRedemptions` in SQL.

    Besides the port's errors, raises ``InvalidInput`` for a redemption id, coupon code or user
    id wider than its column (:data:`MAX_REDEMPTION_ID_LENGTH`, :data:`MAX_COUPON_CODE_LENGTH`,
    :data:`~bookmyshow.adapters.sql.schema.ID_LENGTH`).
    """

    def __init__(self, database: SqlDatabase) -> None:
        self._database = database

    async def redeem(
        self,
        *,
        redemption_id: str,
        coupon_code: str,
        user_id: str,
        global_limit: int | None,
        per_user_limit: int | None,
    ) -> Redemption:
        """Count one use if the limits allow; see the port for errors and idempotency."""
        check_redeem_arguments(redemption_id, coupon_code, user_id, global_limit, per_user_limit)
        _check_widths(
            redemption_id=(redemption_id, MAX_REDEMPTION_ID_LENGTH),
            coupon_code=(coupon_code, MAX_COUPON_CODE_LENGTH),
            user_id=(user_id, ID_LENGTH),
        )
        wanted = Redemption(redemption_id=redemption_id, coupon_code=coupon_code, user_id=user_id)

        async def work(connection: AsyncConnection) -> Redemption:
            total = await self._lock_coupon(connection, coupon_code)
            existing = (
                await connection.execute(
                    select(_red.c.coupon_code, _red.c.user_id).where(
                        _red.c.redemption_id == redemption_id
                    )
                )
            ).first()
            if existing is not None:
                if (existing.coupon_code, existing.user_id) != (coupon_code, user_id):
                    raise IdempotencyKeyReused(key=redemption_id)
                return wanted
            if global_limit is not None and total >= global_limit:
                raise CouponUsageExhausted(coupon_code=coupon_code, limit=global_limit)
            if per_user_limit is not None:
                mine = await self._count(connection, coupon_code, user_id)
                if mine >= per_user_limit:
                    raise CouponUserLimitReached(coupon_code=coupon_code, limit=per_user_limit)
            try:
                await connection.execute(
                    insert(_red).values(
                        redemption_id=redemption_id, coupon_code=coupon_code, user_id=user_id
                    )
                )
            except IntegrityError as exc:
                # Only another coupon's redemption can hold this id (this coupon's are
                # serialized by its lock), so the id is being reused.
                if violated_columns(exc, _red) == frozenset({"redemption_id"}):
                    raise IdempotencyKeyReused(key=redemption_id) from exc
                raise
            await connection.execute(
                update(_usage)
                .where(_usage.c.coupon_code == coupon_code)
                .values(total=_usage.c.total + 1)
            )
            return wanted

        try:
            return await self._database.write(work)
        except _Missing:
            await self._create_usage(coupon_code)
        # Once created, the row is never deleted: this second run finds it.
        return await self._database.write(work)

    async def release(self, redemption_id: str) -> Redemption | None:
        """Un-count ``redemption_id``; ``None`` if it is not counted.  ``InvalidInput`` if empty."""
        _check_text("redemption_id", redemption_id)
        if len(redemption_id) > MAX_REDEMPTION_ID_LENGTH:
            return None  # never stored, so not counted

        async def work(connection: AsyncConnection) -> Redemption | None:
            # Locking the redemption first makes concurrent releases of one id queue here; the
            # ones that follow find it deleted.
            row = (
                await connection.execute(
                    select(_red.c.coupon_code, _red.c.user_id)
                    .where(_red.c.redemption_id == redemption_id)
                    .with_for_update()
                )
            ).first()
            if row is None:
                return None
            await connection.execute(
                update(_usage)
                .where(_usage.c.coupon_code == row.coupon_code)
                .values(total=_usage.c.total - 1)
            )
            await connection.execute(delete(_red).where(_red.c.redemption_id == redemption_id))
            return Redemption(
                redemption_id=redemption_id, coupon_code=row.coupon_code, user_id=row.user_id
            )

        return await self._database.write(work)

    async def usage(self, coupon_code: str, user_id: str) -> CouponUsage:
        """Current counts for the coupon and the user; ``InvalidInput`` for an empty one."""
        _check_text("coupon_code", coupon_code)
        _check_text("user_id", user_id)

        async def work(connection: AsyncConnection) -> CouponUsage:
            total = (
                await connection.execute(
                    select(_usage.c.total).where(_usage.c.coupon_code == coupon_code)
                )
            ).scalar_one_or_none()
            by_user = await self._count(connection, coupon_code, user_id)
            return CouponUsage(
                coupon_code=coupon_code, user_id=user_id, total=total or 0, by_user=by_user
            )

        return await self._database.read(work)

    # -- internals --------------------------------------------------------------------------

    @staticmethod
    async def _lock_coupon(connection: AsyncConnection, coupon_code: str) -> int:
        """Lock the coupon's usage row and return its total; ``_Missing`` if it has none."""
        total = (
            await connection.execute(
                select(_usage.c.total).where(_usage.c.coupon_code == coupon_code).with_for_update()
            )
        ).scalar_one_or_none()
        if total is None:
            raise _Missing
        return int(total)

    async def _create_usage(self, coupon_code: str) -> None:
        """Create the coupon's usage row (total 0) unless it exists, in its own transaction."""

        async def work(connection: AsyncConnection) -> None:
            await connection.execute(insert_ignore(_usage).values(coupon_code=coupon_code, total=0))

        await self._database.write(work)

    @staticmethod
    async def _count(connection: AsyncConnection, coupon_code: str, user_id: str) -> int:
        count = (
            await connection.execute(
                select(func.count()).where(
                    _red.c.coupon_code == coupon_code, _red.c.user_id == user_id
                )
            )
        ).scalar_one()
        return int(count)
