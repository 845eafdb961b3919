"""The SQL coupon redemptions against the coupon redemption contract, on both backends."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete

from bookmyshow.adapters.sql.coupons import SqlCouponRedemptions
from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.schema import coupon_redemptions, coupon_usage
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.coupons import CouponRedemptions, CouponUsageExhausted, Redemption
from bookmyshow.ports.errors import IdempotencyKeyReused
from bookmyshow.testing.contracts.coupons import CouponRedemptionsContract

pytestmark = pytest.mark.timeout(120)


async def _empty(database: SqlDatabase) -> None:
    """The contract expects nothing redeemed; the session database is shared between tests."""
    async with database.transaction() as connection:
        await connection.execute(delete(coupon_redemptions))
        await connection.execute(delete(coupon_usage))


class TestSqlCouponRedemptions(CouponRedemptionsContract):
    """SqlCouponRedemptions keeps the coupon redemption contract on SQLite and MariaDB."""

    @pytest.fixture(autouse=True)
    async def _empty_tables(self, sql_database: SqlDatabase) -> None:
        """Each test starts with no coupon counted."""
        await _empty(sql_database)

    @pytest.fixture
    def redemptions(self, sql_database: SqlDatabase) -> CouponRedemptions:
        """SQL redemptions over the emptied tables."""
        return SqlCouponRedemptions(sql_database)


@pytest.fixture
async def sql_redemptions(sql_database: SqlDatabase) -> SqlCouponRedemptions:
    """SQL redemptions over emptied tables."""
    await _empty(sql_database)
    return SqlCouponRedemptions(sql_database)


async def test_limits_hold_across_two_pools(
    sql_redemptions: SqlCouponRedemptions, sql_url: str
) -> None:
    """Two stores on separate engines redeeming one new coupon concurrently never pass its limit."""
    other_database = create_database(sql_url)
    try:
        other = SqlCouponRedemptions(other_database)
        results = await asyncio.gather(
            *(
                store.redeem(
                    redemption_id=f"r{n}",
                    coupon_code="TWOPOOLS",
                    user_id=f"u{n}",
                    global_limit=7,
                    per_user_limit=None,
                )
                for n, store in enumerate((sql_redemptions, other) * 20)
            ),
            return_exceptions=True,
        )
    finally:
        await other_database.dispose()
    assert sum(isinstance(r, Redemption) for r in results) == 7
    assert sum(isinstance(r, CouponUsageExhausted) for r in results) == 33
    assert (await sql_redemptions.usage("TWOPOOLS", "u0")).total == 7


async def test_one_id_for_two_coupons_at_once_counts_once(
    sql_redemptions: SqlCouponRedemptions,
) -> None:
    """One redemption id redeemed concurrently for two coupons counts once; the rest are refused."""
    results = await asyncio.gather(
        *(
            sql_redemptions.redeem(
                redemption_id="shared",
                coupon_code=code,
                user_id="u1",
                global_limit=None,
                per_user_limit=None,
            )
            for code in ("A", "B") * 10
        ),
        return_exceptions=True,
    )
    won = {r.coupon_code for r in results if isinstance(r, Redemption)}
    assert len(won) == 1
    assert all(isinstance(r, Redemption | IdempotencyKeyReused) for r in results)
    totals = [(await sql_redemptions.usage(code, "u1")).total for code in ("A", "B")]
    assert sorted(totals) == [0, 1]


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("redemption_id", {"redemption_id": "r" * 256}),
        ("coupon_code", {"coupon_code": "C" * 65}),
        ("user_id", {"user_id": "u" * 129}),
    ],
)
async def test_over_wide_values_are_refused(
    sql_redemptions: SqlCouponRedemptions, field: str, changes: dict[str, str]
) -> None:
    """redeem() raises InvalidInput for a value wider than its column, counting nothing."""
    args = {"redemption_id": "r1", "coupon_code": "C", "user_id": "u1"} | changes
    with pytest.raises(InvalidInput) as info:
        await sql_redemptions.redeem(
            redemption_id=args["redemption_id"],
            coupon_code=args["coupon_code"],
            user_id=args["user_id"],
            global_limit=None,
            per_user_limit=None,
        )
    assert info.value.field == field
    assert await sql_redemptions.release("r" * 256) is None
