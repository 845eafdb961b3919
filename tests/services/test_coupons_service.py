"""Coupons: platform admins define, end, read and list coupons; nobody else may."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.domain.coupons import Coupon
from bookmyshow.domain.errors import InvalidInput, PermissionDenied
from bookmyshow.domain.money import Money
from bookmyshow.domain.users import Principal, Role
from bookmyshow.ports.errors import Conflict, NotFound
from bookmyshow.services.context import Policies, Ports
from bookmyshow.services.coupons import Coupons
from tests.services.backends import JourneyBackend

ADMIN = Principal(user_id="admin-1", roles={Role.PLATFORM_ADMIN})
CUSTOMER = Principal(user_id="user-1", roles={Role.CUSTOMER})
THEATER_ADMIN = Principal(user_id="manager-1", roles={Role.THEATER_ADMIN}, theater_ids={"thr-1"})
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
FIFTY = Money.of(50)


def coupon(
    code: str = "DIWALI50",
    *,
    starts: datetime,
    lasts: timedelta = DAY,
    discount: Money | Fraction = FIFTY,
    **more: Any,
) -> Coupon:
    """A coupon (₹50 off unless ``discount`` says otherwise) valid for ``lasts`` from ``starts``."""
    return Coupon(
        code=code, discount=discount, valid_from=starts, valid_until=starts + lasts, **more
    )


@pytest.fixture
def coupons(ports: Ports, policies: Policies) -> Coupons:
    """The service over the in-memory ports."""
    return Coupons(ports, policies)


async def test_admin_creates_gets_and_lists_coupons(coupons: Coupons, clock: ManualClock) -> None:
    """A created coupon is returned, found by code, and listed in code order."""
    now = clock.now()
    percent = coupon(
        "WEEKEND20",
        starts=now,
        discount=Fraction(20, 100),
        max_discount=Money.of(150),
        usage_limit=1000,
        per_user_limit=2,
    )
    flat = coupon("FIRST100", starts=now - DAY, lasts=7 * DAY, movies={"mov-1"})
    assert await coupons.create(ADMIN, percent) == percent
    assert await coupons.create(ADMIN, flat) == flat
    assert await coupons.get(ADMIN, "WEEKEND20") == percent
    assert list(await coupons.list(ADMIN)) == [flat, percent]


async def test_lookup_normalises_the_code(coupons: Coupons, clock: ManualClock) -> None:
    """get, end and usage find "DIWALI50" from " diwali50 "; a code that cannot exist is bad
    input, an unknown one NotFound naming it normalised."""
    stored = await coupons.create(ADMIN, coupon(" diwali50", starts=clock.now()))
    assert stored.code == "DIWALI50"
    assert await coupons.get(ADMIN, " diwali50 ") == stored
    assert (await coupons.usage(ADMIN, "Diwali50", "user-1")).coupon_code == "DIWALI50"
    assert (await coupons.end(ADMIN, " diwali50 ")).code == "DIWALI50"
    with pytest.raises(NotFound) as missing:
        await coupons.get(ADMIN, " holi25 ")
    assert (missing.value.kind, missing.value.key) == ("coupon", "HOLI25")
    with pytest.raises(InvalidInput):
        await coupons.get(ADMIN, "DIWALI 50")


async def test_a_duplicate_code_is_refused(coupons: Coupons, clock: ManualClock) -> None:
    """Creating a code that exists, in any spelling, is Conflict(coupon_code); the first stays."""
    first = await coupons.create(ADMIN, coupon(starts=clock.now(), usage_limit=10))
    for spelling in ("DIWALI50", "diwali50", " Diwali50 "):
        with pytest.raises(Conflict) as info:
            await coupons.create(ADMIN, coupon(spelling, starts=clock.now(), usage_limit=99))
        assert (info.value.what, info.value.keys) == ("coupon_code", ("DIWALI50",))
    assert list(await coupons.list(ADMIN)) == [first]


@pytest.mark.parametrize("actor", [CUSTOMER, THEATER_ADMIN], ids=["customer", "theater_admin"])
async def test_only_platform_admins_manage_coupons(
    coupons: Coupons, clock: ManualClock, actor: Principal
) -> None:
    """Customers and theater admins are refused every use case, and nothing is stored or
    changed."""
    existing = await coupons.create(ADMIN, coupon("EXISTING", starts=clock.now()))
    with pytest.raises(PermissionDenied) as denied:
        await coupons.create(actor, coupon("SNEAKY", starts=clock.now()))
    assert (denied.value.action, denied.value.resource) == ("manage_catalog", "coupon:SNEAKY")
    with pytest.raises(PermissionDenied):
        await coupons.end(actor, "EXISTING")
    with pytest.raises(PermissionDenied):
        await coupons.get(actor, "EXISTING")
    with pytest.raises(PermissionDenied):
        await coupons.list(actor, valid_only=True)
    with pytest.raises(PermissionDenied):
        await coupons.usage(actor, "EXISTING", actor.user_id)
    # Refused before the arguments are even looked at.
    with pytest.raises(PermissionDenied):
        await coupons.get(actor, "not a code")
    assert list(await coupons.list(ADMIN)) == [existing]


async def test_list_valid_only_follows_the_window(coupons: Coupons, clock: ManualClock) -> None:
    """list(valid_only=True) holds the coupons valid at the clock's now: from valid_from
    (inclusive) to valid_until (exclusive), as the clock moves."""
    now = clock.now()
    running = await coupons.create(ADMIN, coupon("RUNNING", starts=now - HOUR, lasts=2 * HOUR))
    later = await coupons.create(ADMIN, coupon("LATER", starts=now + HOUR, lasts=DAY))
    await coupons.create(ADMIN, coupon("OVER", starts=now - DAY, lasts=HOUR))
    assert list(await coupons.list(ADMIN, valid_only=True)) == [running]
    clock.advance(HOUR)  # LATER starts, RUNNING ends, at this very instant
    assert list(await coupons.list(ADMIN, valid_only=True)) == [later]
    clock.advance(DAY)
    assert list(await coupons.list(ADMIN, valid_only=True)) == []
    assert [c.code for c in await coupons.list(ADMIN)] == ["LATER", "OVER", "RUNNING"]
    with pytest.raises(InvalidInput):
        await coupons.list(ADMIN, valid_only="yes")  # type: ignore[arg-type]


# ``backend`` only says where to open a fresh store: sharing it between examples is safe.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    windows=st.lists(
        st.tuples(st.integers(-3000, 3000), st.integers(1, 3000)), min_size=1, max_size=6
    ),
    data=st.data(),
)
async def test_valid_only_is_exactly_the_window_rule(
    backend: JourneyBackend, windows: list[tuple[int, int]], data: st.DataObject
) -> None:
    """For any windows and any clock time (often exactly on an edge), list(valid_only=True) is
    the coupons with valid_from <= now < valid_until, in code order."""
    edges = [m for start, length in windows for m in (start, start + length) if m >= 0]
    advance = data.draw(
        st.integers(0, 6000) | (st.sampled_from(edges) if edges else st.nothing()),
        label="advance (minutes)",
    )
    clock = ManualClock()
    async with backend.fresh_ports(clock=clock) as ports:
        service = Coupons(ports, Policies())
        start = clock.now()
        made = [
            coupon(f"C{n}", starts=start + timedelta(minutes=s), lasts=timedelta(minutes=length))
            for n, (s, length) in enumerate(windows)
        ]
        for each in made:
            await service.create(ADMIN, each)
        now = clock.advance(timedelta(minutes=advance))
        expected = sorted(
            (c for c in made if c.valid_from <= now < c.valid_until), key=lambda c: c.code
        )
        assert list(await service.list(ADMIN, valid_only=True)) == expected


async def test_end_stops_a_running_coupon_now(coupons: Coupons, clock: ManualClock) -> None:
    """end() sets valid_until to now, so the coupon is no longer valid; ending it again, later,
    changes nothing."""
    start = clock.now()
    created = await coupons.create(ADMIN, coupon(starts=start - HOUR, lasts=DAY))
    clock.advance(timedelta(minutes=5))
    ended = await coupons.end(ADMIN, "DIWALI50")
    assert ended == evolve(created, valid_until=start + timedelta(minutes=5))
    assert await coupons.get(ADMIN, "DIWALI50") == ended
    assert list(await coupons.list(ADMIN, valid_only=True)) == []
    clock.advance(HOUR)
    assert await coupons.end(ADMIN, "DIWALI50") == ended
    assert await coupons.get(ADMIN, "DIWALI50") == ended


async def test_end_leaves_an_expired_coupon_alone(coupons: Coupons, clock: ManualClock) -> None:
    """Ending a coupon whose window is already over returns it unchanged."""
    over = await coupons.create(ADMIN, coupon(starts=clock.now() - DAY, lasts=HOUR))
    assert await coupons.end(ADMIN, "DIWALI50") == over
    assert await coupons.get(ADMIN, "DIWALI50") == over


async def test_end_before_the_start_means_never_valid(coupons: Coupons, clock: ManualClock) -> None:
    """Ending a coupon that has not started yet leaves it valid at no instant from now on."""
    now = clock.now()
    await coupons.create(ADMIN, coupon(starts=now + DAY, lasts=DAY))
    ended = await coupons.end(ADMIN, "DIWALI50")
    assert ended.valid_until == now
    assert ended.valid_from < now
    for step in (timedelta(0), DAY, DAY + HOUR):
        clock.set(now + step)
        assert list(await coupons.list(ADMIN, valid_only=True)) == []


async def test_end_of_an_unknown_code_is_not_found(coupons: Coupons) -> None:
    """end() of a code never created raises NotFound(kind="coupon") and stores nothing."""
    with pytest.raises(NotFound) as info:
        await coupons.end(ADMIN, "GHOST")
    assert (info.value.kind, info.value.key) == ("coupon", "GHOST")
    assert list(await coupons.list(ADMIN)) == []


async def test_a_coupon_in_another_currency_is_refused(
    coupons: Coupons, clock: ManualClock
) -> None:
    """A coupon whose amounts are not in the platform currency is InvalidInput and not stored."""
    dollars = Coupon(
        code="USD5",
        discount=Money.of(5, "USD"),
        valid_from=clock.now(),
        valid_until=clock.now() + DAY,
    )
    with pytest.raises(InvalidInput) as info:
        await coupons.create(ADMIN, dollars)
    assert info.value.field == "coupon"
    assert list(await coupons.list(ADMIN)) == []
    bare_rate = coupon("PCT10", starts=clock.now(), discount=Fraction(1, 10))
    assert await coupons.create(ADMIN, bare_rate) == bare_rate


async def test_create_refuses_what_is_no_coupon(coupons: Coupons) -> None:
    """create() with something that is not a Coupon raises InvalidInput."""
    with pytest.raises(InvalidInput):
        await coupons.create(ADMIN, "DIWALI50")  # type: ignore[arg-type]


async def test_usage_reports_the_redemption_counts(
    coupons: Coupons, ports: Ports, clock: ManualClock
) -> None:
    """usage() gives the counts CouponRedemptions keeps under the stored code, in all and for
    the user; an unknown code is NotFound and an empty user id is bad input."""
    await coupons.create(ADMIN, coupon(starts=clock.now(), usage_limit=10, per_user_limit=2))
    for n, user in enumerate(["user-1", "user-1", "user-2"]):
        await ports.coupon_redemptions.redeem(
            redemption_id=f"bkg-{n}",
            coupon_code="DIWALI50",
            user_id=user,
            global_limit=10,
            per_user_limit=2,
        )
    mine = await coupons.usage(ADMIN, "diwali50", "user-1")
    assert (mine.coupon_code, mine.user_id, mine.total, mine.by_user) == (
        "DIWALI50",
        "user-1",
        3,
        2,
    )
    assert (await coupons.usage(ADMIN, "DIWALI50", "user-3")).by_user == 0
    with pytest.raises(NotFound):
        await coupons.usage(ADMIN, "HOLI25", "user-1")
    with pytest.raises(InvalidInput):
        await coupons.usage(ADMIN, "DIWALI50", "")
