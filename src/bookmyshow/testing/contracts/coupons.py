"""Contract suite for :class:`bookmyshow.ports.coupons.CouponRedemptions` adapters.

Subclass :class:`CouponRedemptionsContract` and override the ``redemptions`` fixture.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.domain.coupons import CouponRejected
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.coupons import (
    CouponLimitReached,
    CouponRedemptions,
    CouponUsage,
    CouponUsageExhausted,
    CouponUserLimitReached,
    Redemption,
)
from bookmyshow.ports.errors import IdempotencyKeyReused

__all__ = ["CouponRedemptionsContract"]

_contract = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
)
_codes = itertools.count()


class CouponRedemptionsContract:
    """What every coupon redemption store promises: atomic limits and idempotent redemptions."""

    @pytest.fixture
    def redemptions(self) -> CouponRedemptions:
        """The store under test, with nothing redeemed (override in a subclass)."""
        raise NotImplementedError

    @pytest.mark.asyncio
    async def test_redeem_counts(self, redemptions: CouponRedemptions) -> None:
        """Each redemption counts once in the total and for its user."""
        for rid, user in (("r1", "u1"), ("r2", "u1"), ("r3", "u2")):
            got = await redemptions.redeem(
                redemption_id=rid,
                coupon_code="FIRST50",
                user_id=user,
                global_limit=None,
                per_user_limit=None,
            )
            assert got == Redemption(redemption_id=rid, coupon_code="FIRST50", user_id=user)
        assert await redemptions.usage("FIRST50", "u1") == CouponUsage(
            coupon_code="FIRST50", user_id="u1", total=3, by_user=2
        )
        assert (await redemptions.usage("OTHER", "u1")).total == 0

    @pytest.mark.asyncio
    async def test_global_limit(self, redemptions: CouponRedemptions) -> None:
        """Past the global limit redeem raises CouponUsageExhausted and counts nothing."""
        for i in range(2):
            await redemptions.redeem(
                redemption_id=f"r{i}",
                coupon_code="C",
                user_id=f"u{i}",
                global_limit=2,
                per_user_limit=None,
            )
        with pytest.raises(CouponUsageExhausted) as info:
            await redemptions.redeem(
                redemption_id="r9", coupon_code="C", user_id="u9", global_limit=2, per_user_limit=5
            )
        error = info.value
        assert (error.code, error.scope, error.limit, error.reason) == (
            "coupon_usage_exhausted",
            "global",
            2,
            "usage_exhausted",
        )
        assert isinstance(error, CouponLimitReached | CouponRejected)
        assert error.coupon_code == "C"
        assert (await redemptions.usage("C", "u9")).total == 2

    @pytest.mark.asyncio
    async def test_per_user_limit(self, redemptions: CouponRedemptions) -> None:
        """Past a user's limit redeem raises CouponUserLimitReached; other users still redeem."""
        await redemptions.redeem(
            redemption_id="r1", coupon_code="C", user_id="u1", global_limit=10, per_user_limit=1
        )
        with pytest.raises(CouponUserLimitReached) as info:
            await redemptions.redeem(
                redemption_id="r2", coupon_code="C", user_id="u1", global_limit=10, per_user_limit=1
            )
        assert (info.value.code, info.value.scope, info.value.limit) == (
            "coupon_user_limit_reached",
            "user",
            1,
        )
        await redemptions.redeem(
            redemption_id="r3", coupon_code="C", user_id="u2", global_limit=10, per_user_limit=1
        )
        assert (await redemptions.usage("C", "u1")).by_user == 1

    @pytest.mark.asyncio
    async def test_global_limit_is_reported_first(self, redemptions: CouponRedemptions) -> None:
        """When both limits are reached the error is CouponUsageExhausted."""
        await redemptions.redeem(
            redemption_id="r1", coupon_code="C", user_id="u1", global_limit=1, per_user_limit=1
        )
        with pytest.raises(CouponUsageExhausted):
            await redemptions.redeem(
                redemption_id="r2", coupon_code="C", user_id="u1", global_limit=1, per_user_limit=1
            )

    @pytest.mark.asyncio
    async def test_zero_limit_allows_nothing(self, redemptions: CouponRedemptions) -> None:
        """A per-user limit of zero refuses even the first use."""
        with pytest.raises(CouponUserLimitReached):
            await redemptions.redeem(
                redemption_id="r1",
                coupon_code="C",
                user_id="u",
                global_limit=None,
                per_user_limit=0,
            )

    @pytest.mark.asyncio
    async def test_redeem_is_idempotent(self, redemptions: CouponRedemptions) -> None:
        """Redeeming the same id again returns it and counts nothing, even at the limit."""
        first = await redemptions.redeem(
            redemption_id="r1", coupon_code="C", user_id="u1", global_limit=1, per_user_limit=1
        )
        again = await redemptions.redeem(
            redemption_id="r1", coupon_code="C", user_id="u1", global_limit=1, per_user_limit=1
        )
        assert again == first
        assert (await redemptions.usage("C", "u1")).total == 1

    @pytest.mark.asyncio
    async def test_redemption_id_reuse_is_refused(self, redemptions: CouponRedemptions) -> None:
        """The same redemption id for another coupon or user raises IdempotencyKeyReused."""
        await redemptions.redeem(
            redemption_id="r1",
            coupon_code="C",
            user_id="u1",
            global_limit=None,
            per_user_limit=None,
        )
        for code, user in (("D", "u1"), ("C", "u2")):
            with pytest.raises(IdempotencyKeyReused) as info:
                await redemptions.redeem(
                    redemption_id="r1",
                    coupon_code=code,
                    user_id=user,
                    global_limit=None,
                    per_user_limit=None,
                )
            assert info.value.key == "r1"
        assert (await redemptions.usage("D", "u1")).total == 0

    @pytest.mark.asyncio
    async def test_release_gives_the_use_back(self, redemptions: CouponRedemptions) -> None:
        """release() un-counts once, returns the redemption, then None; the slot is reusable."""
        await redemptions.redeem(
            redemption_id="r1", coupon_code="C", user_id="u1", global_limit=1, per_user_limit=1
        )
        released = await redemptions.release("r1")
        assert released == Redemption(redemption_id="r1", coupon_code="C", user_id="u1")
        assert await redemptions.release("r1") is None
        assert await redemptions.release("never") is None
        assert (await redemptions.usage("C", "u1")).total == 0
        await redemptions.redeem(
            redemption_id="r2", coupon_code="C", user_id="u1", global_limit=1, per_user_limit=1
        )
        assert (await redemptions.usage("C", "u1")).by_user == 1

    @pytest.mark.asyncio
    async def test_released_id_counts_anew(self, redemptions: CouponRedemptions) -> None:
        """A released redemption id may be redeemed again, and then counts again."""
        for _ in range(2):
            await redemptions.redeem(
                redemption_id="r1", coupon_code="C", user_id="u1", global_limit=1, per_user_limit=1
            )
            await redemptions.release("r1")
        await redemptions.redeem(
            redemption_id="r1", coupon_code="C", user_id="u1", global_limit=1, per_user_limit=1
        )
        assert (await redemptions.usage("C", "u1")).total == 1

    @pytest.mark.asyncio
    async def test_concurrent_redeems_never_exceed_global_limit(
        self, redemptions: CouponRedemptions
    ) -> None:
        """200 concurrent redemptions against a limit of 50: exactly 50 count, 150 are refused."""
        results = await asyncio.gather(
            *(
                redemptions.redeem(
                    redemption_id=f"r{i}",
                    coupon_code="RUSH",
                    user_id=f"u{i}",
                    global_limit=50,
                    per_user_limit=1,
                )
                for i in range(200)
            ),
            return_exceptions=True,
        )
        assert sum(isinstance(r, Redemption) for r in results) == 50
        assert sum(isinstance(r, CouponUsageExhausted) for r in results) == 150
        assert (await redemptions.usage("RUSH", "u0")).total == 50

    @pytest.mark.asyncio
    async def test_concurrent_redeems_never_exceed_user_limit(
        self, redemptions: CouponRedemptions
    ) -> None:
        """200 concurrent redemptions by 10 users with a per-user limit of 3: 3 each count."""
        results = await asyncio.gather(
            *(
                redemptions.redeem(
                    redemption_id=f"r{i}",
                    coupon_code="RUSH",
                    user_id=f"u{i % 10}",
                    global_limit=None,
                    per_user_limit=3,
                )
                for i in range(200)
            ),
            return_exceptions=True,
        )
        counted = Counter(r.user_id for r in results if isinstance(r, Redemption))
        assert counted == {f"u{n}": 3 for n in range(10)}
        assert all(isinstance(r, Redemption | CouponUserLimitReached) for r in results)

    @pytest.mark.asyncio
    async def test_concurrent_same_id_counts_once(self, redemptions: CouponRedemptions) -> None:
        """200 concurrent redemptions with one id all return it and count once."""
        results = await asyncio.gather(
            *(
                redemptions.redeem(
                    redemption_id="same",
                    coupon_code="RUSH",
                    user_id="u1",
                    global_limit=None,
                    per_user_limit=None,
                )
                for _ in range(200)
            )
        )
        assert len(set(results)) == 1
        assert (await redemptions.usage("RUSH", "u1")).total == 1

    @pytest.mark.asyncio
    async def test_concurrent_releases_give_back_once(self, redemptions: CouponRedemptions) -> None:
        """50 concurrent releases of one redemption: one returns it, the rest None; one use
        is given back."""
        for rid in ("r1", "r2"):
            await redemptions.redeem(
                redemption_id=rid,
                coupon_code="RUSH",
                user_id="u1",
                global_limit=None,
                per_user_limit=None,
            )
        results = await asyncio.gather(*(redemptions.release("r1") for _ in range(50)))
        assert [r for r in results if r is not None] == [
            Redemption(redemption_id="r1", coupon_code="RUSH", user_id="u1")
        ]
        usage = await redemptions.usage("RUSH", "u1")
        assert (usage.total, usage.by_user) == (1, 1)

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"redemption_id": ""}, "redemption_id"),
            ({"coupon_code": ""}, "coupon_code"),
            ({"user_id": ""}, "user_id"),
            ({"global_limit": -1}, "global_limit"),
            ({"per_user_limit": True}, "per_user_limit"),
        ],
    )
    async def test_bad_arguments_are_refused(
        self, redemptions: CouponRedemptions, changes: dict[str, object], field: str
    ) -> None:
        """redeem() raises InvalidInput naming the bad argument, and counts nothing."""
        args: dict[str, object] = {
            "redemption_id": "r1",
            "coupon_code": "C",
            "user_id": "u1",
            "global_limit": None,
            "per_user_limit": None,
        }
        with pytest.raises(InvalidInput) as info:
            await redemptions.redeem(**(args | changes))  # type: ignore[arg-type]
        assert info.value.field == field
        assert (await redemptions.usage("C", "u1")).total == 0

    @pytest.mark.asyncio
    @_contract
    @given(
        ops=st.lists(
            st.tuples(st.booleans(), st.integers(0, 5), st.sampled_from(["u1", "u2"])),
            max_size=40,
        ),
        global_limit=st.none() | st.integers(0, 4),
        per_user_limit=st.none() | st.integers(0, 3),
    )
    async def test_matches_a_model(
        self,
        redemptions: CouponRedemptions,
        ops: list[tuple[bool, int, str]],
        global_limit: int | None,
        per_user_limit: int | None,
    ) -> None:
        """Any sequence of redeems and releases is counted exactly like a simple model."""
        code = f"PROP{next(_codes)}"
        active: dict[str, str] = {}  # redemption id -> user
        for is_redeem, n, user in ops:
            rid = f"{code}-r{n}"
            if not is_redeem:
                released = await redemptions.release(rid)
                assert (released is not None) == (rid in active)
                active.pop(rid, None)
                continue
            total, mine = len(active), sum(u == user for u in active.values())
            try:
                await redemptions.redeem(
                    redemption_id=rid,
                    coupon_code=code,
                    user_id=user,
                    global_limit=global_limit,
                    per_user_limit=per_user_limit,
                )
            except IdempotencyKeyReused:
                assert active.get(rid) not in (None, user)
            except CouponUsageExhausted:
                assert rid not in active
                assert global_limit is not None
                assert total >= global_limit
            except CouponUserLimitReached:
                assert rid not in active
                assert per_user_limit is not None
                assert mine >= per_user_limit
            else:
                assert active.get(rid, user) == user
                assert rid in active or global_limit is None or total < global_limit
                assert rid in active or per_user_limit is None or mine < per_user_limit
                active[rid] = user
            usage = await redemptions.usage(code, user)
            assert usage.total == len(active)
            assert usage.by_user == sum(u == user for u in active.values())
