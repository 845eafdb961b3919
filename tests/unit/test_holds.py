"""Unit and property tests of the pure hold rules in bookmyshow.domain.holds."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.holds import (
    Hold,
    HoldExpired,
    HoldExtensionLimit,
    HoldLimitExceeded,
    HoldNotFound,
    HoldPolicy,
    HoldRequest,
    NotHoldOwner,
    SeatsUnavailable,
    ShowHolds,
    require_aware,
    seats_of,
)
from bookmyshow.testing.strategies.inventory import EPOCH, hold_policies, hold_requests, seat_sets

SEATS = tuple(f"{r}{n}" for r in "AB" for n in range(1, 7))
POLICY = HoldPolicy(
    ttl=timedelta(minutes=10),
    max_duration=timedelta(minutes=20),
    max_seats_per_hold=4,
    max_seats_per_user=6,
)
SHOW = "show-1"


def request(hold_id: str, owner: str, seats: list[str], policy: HoldPolicy = POLICY) -> HoldRequest:
    """A hold request for SHOW."""
    return HoldRequest(hold_id=hold_id, show_id=SHOW, owner_id=owner, seats=seats, policy=policy)


_T = TypeVar("_T")


def attempt(call: Callable[[], _T]) -> tuple[_T | None, DomainError | None]:
    """Run ``call``; return its result or the domain error it raised."""
    try:
        return call(), None
    except DomainError as exc:
        return None, exc


def state_of(holds: ShowHolds) -> tuple[int, dict[str, Hold], dict[str, str]]:
    """Everything a ShowHolds contains, as copies."""
    return holds.last_token, dict(holds.holds), dict(holds.seat_holder)


# ---------------------------------------------------------------- values


def test_require_aware_refuses_naive_datetimes() -> None:
    """A naive datetime is InvalidInput naming the field; an aware one passes through."""
    assert require_aware(EPOCH) is EPOCH
    with pytest.raises(InvalidInput) as info:
        require_aware(EPOCH.replace(tzinfo=None), "expires_at")
    assert (info.value.code, info.value.field) == ("invalid_input", "expires_at")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"ttl": timedelta(0)}, "ttl"),
        ({"max_duration": -timedelta(seconds=1)}, "max_duration"),
        ({"max_seats_per_hold": 0}, "max_seats_per_hold"),
        ({"max_seats_per_user": True}, "max_seats_per_user"),
        ({"ttl": timedelta(minutes=30), "max_duration": timedelta(minutes=20)}, "max_duration"),
        ({"max_seats_per_hold": 8, "max_seats_per_user": 4}, "max_seats_per_user"),
    ],
)
def test_hold_policy_refuses_inconsistent_limits(kwargs: dict[str, Any], field: str) -> None:
    """Non-positive durations or caps, ttl above max_duration, user cap below hold cap fail."""
    with pytest.raises(InvalidInput) as info:
        HoldPolicy(**kwargs)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"hold_id": ""}, "hold_id"),
        ({"show_id": ""}, "show_id"),
        ({"owner_id": ""}, "owner_id"),
        ({"seats": []}, "seats"),
        ({"seats": ["A1", ""]}, "seats"),
    ],
)
def test_hold_request_refuses_empty_values(kwargs: dict[str, Any], field: str) -> None:
    """Empty ids, no seats or an empty seat label are InvalidInput naming the field."""
    values: dict[str, Any] = {
        "hold_id": "h1",
        "show_id": SHOW,
        "owner_id": "alice",
        "seats": ["A1"],
    }
    with pytest.raises(InvalidInput) as info:
        HoldRequest(**(values | kwargs))
    assert info.value.field == field


@given(policy=hold_policies(max_seats=8), extra=st.integers(min_value=1, max_value=4))
def test_hold_request_over_the_hold_cap_is_refused(policy: HoldPolicy, extra: int) -> None:
    """Asking for more seats than max_seats_per_hold raises HoldLimitExceeded(scope="hold")."""
    wanted = [f"S{i}" for i in range(policy.max_seats_per_hold + extra)]
    with pytest.raises(HoldLimitExceeded) as info:
        request("h1", "alice", wanted, policy)
    assert (info.value.scope, info.value.limit, info.value.requested) == (
        "hold",
        policy.max_seats_per_hold,
        len(wanted),
    )


def test_seats_of_unions_hold_seats() -> None:
    """seats_of gives every seat of the holds given."""
    holds = ShowHolds(show_id=SHOW)
    one = holds.hold(request("h1", "alice", ["A1", "A2"]), EPOCH)
    two = holds.hold(request("h2", "bob", ["B1"]), EPOCH)
    assert seats_of([one, two]) == {"A1", "A2", "B1"}
    assert seats_of([]) == frozenset()


# ---------------------------------------------------------------- ShowHolds examples


def test_hold_grants_whole_request_with_policy_times() -> None:
    """A granted hold has the seats, a fresh token, and expiries from the policy."""
    holds = ShowHolds(show_id=SHOW)
    hold = holds.hold(request("h1", "alice", ["A1", "A2"]), EPOCH)
    assert hold.seats == {"A1", "A2"}
    assert hold.token == 1 == holds.last_token
    assert (hold.created_at, hold.expires_at, hold.max_expires_at) == (
        EPOCH,
        EPOCH + POLICY.ttl,
        EPOCH + POLICY.max_duration,
    )
    assert holds.held_seats(EPOCH) == {"A1": hold, "A2": hold}


def test_conflict_names_exactly_the_held_seats_and_changes_nothing() -> None:
    """A request touching live-held seats raises SeatsUnavailable naming only those seats."""
    holds = ShowHolds(show_id=SHOW)
    holds.hold(request("h1", "alice", ["A1", "A2"]), EPOCH)
    before = state_of(holds)
    with pytest.raises(SeatsUnavailable) as info:
        holds.hold(request("h2", "bob", ["A2", "A3"]), EPOCH)
    assert (info.value.seats, info.value.reason, info.value.show_id) == (
        frozenset({"A2"}),
        "held",
        SHOW,
    )
    assert state_of(holds) == before


def test_hold_refuses_wrong_show_reused_id_and_naive_now() -> None:
    """Another show's request, a hold id in use and a naive now are InvalidInput."""
    holds = ShowHolds(show_id=SHOW)
    holds.hold(request("h1", "alice", ["A1"]), EPOCH)
    before = state_of(holds)
    other = HoldRequest(hold_id="h2", show_id="other", owner_id="bob", seats=["B1"])
    cases: list[tuple[Callable[[], Hold], str]] = [
        (lambda: holds.hold(other, EPOCH), "show_id"),
        (lambda: holds.hold(request("h1", "bob", ["B1"]), EPOCH), "hold_id"),
        (lambda: holds.hold(request("h3", "bob", ["B1"]), EPOCH.replace(tzinfo=None)), "now"),
    ]
    for call, field in cases:
        with pytest.raises(InvalidInput) as info:
            call()
        assert info.value.field == field
    assert state_of(holds) == before


def test_user_cap_counts_only_live_holds() -> None:
    """An owner's live seats plus the request may not exceed max_seats_per_user."""
    holds = ShowHolds(show_id=SHOW)
    holds.hold(request("h1", "alice", ["A1", "A2", "A3", "A4"]), EPOCH)
    with pytest.raises(HoldLimitExceeded) as info:
        holds.hold(request("h2", "alice", ["B1", "B2", "B3"]), EPOCH)
    assert (info.value.scope, info.value.limit, info.value.requested) == ("user", 6, 7)
    later = EPOCH + POLICY.ttl
    assert holds.hold(request("h3", "alice", ["B1", "B2", "B3"]), later).owner_id == "alice"


def test_takeover_drops_the_expired_hold_whole() -> None:
    """Holding one seat of an expired hold drops that hold entirely; its owner loses it."""
    holds = ShowHolds(show_id=SHOW)
    old = holds.hold(request("h1", "alice", ["A1", "A2"]), EPOCH)
    later = old.expires_at
    new = holds.hold(request("h2", "bob", ["A2"]), later)
    assert new.token > old.token
    assert "h1" not in holds.holds
    assert holds.seat_holder == {"A2": "h2"}
    with pytest.raises(HoldNotFound):
        holds.release("h1", "alice", later)


def test_get_distinguishes_missing_and_expired() -> None:
    """get returns a live hold, HoldExpired for an expired one, HoldNotFound for none."""
    holds = ShowHolds(show_id=SHOW)
    hold = holds.hold(request("h1", "alice", ["A1"]), EPOCH)
    assert holds.get("h1", hold.expires_at - timedelta(microseconds=1)) == hold
    with pytest.raises(HoldExpired) as expired:
        holds.get("h1", hold.expires_at)
    assert expired.value.code == "hold_expired"
    with pytest.raises(HoldNotFound) as missing:
        holds.get("nope", EPOCH)
    assert not isinstance(missing.value, HoldExpired)


def test_extend_is_owner_only_positive_and_capped() -> None:
    """Extensions are owner-only, positive, and stop at max_expires_at."""
    holds = ShowHolds(show_id=SHOW)
    hold = holds.hold(request("h1", "alice", ["A1"]), EPOCH)
    with pytest.raises(NotHoldOwner):
        holds.extend("h1", "bob", timedelta(minutes=1), EPOCH)
    with pytest.raises(InvalidInput) as bad:
        holds.extend("h1", "alice", timedelta(0), EPOCH)
    assert bad.value.field == "by"
    assert holds.extend("h1", "alice", timedelta(hours=1), EPOCH).expires_at == hold.max_expires_at
    with pytest.raises(HoldExtensionLimit) as limit:
        holds.extend("h1", "alice", timedelta(seconds=1), EPOCH)
    assert limit.value.max_expires_at == hold.max_expires_at
    with pytest.raises(HoldExpired):
        holds.extend("h1", "alice", timedelta(seconds=1), hold.max_expires_at)


def test_claim_protects_for_the_lease_even_past_the_cap() -> None:
    """A claim keeps the hold live for the lease, beyond max_expires_at if need be."""
    holds = ShowHolds(show_id=SHOW)
    hold = holds.hold(request("h1", "alice", ["A1"]), EPOCH)
    now = hold.max_expires_at - timedelta(minutes=11)
    with pytest.raises(InvalidInput) as bad:
        holds.claim("h1", "alice", timedelta(0), now)
    assert bad.value.field == "lease"
    holds.extend("h1", "alice", timedelta(hours=1), now)
    near_end = hold.max_expires_at - timedelta(seconds=1)
    claimed = holds.claim("h1", "alice", timedelta(minutes=2), near_end)
    assert claimed.claimed
    assert claimed.expires_at == near_end + timedelta(minutes=2)
    assert claimed.expires_at > hold.max_expires_at
    with pytest.raises(NotHoldOwner):
        holds.claim("h1", "bob", timedelta(minutes=2), near_end)


def test_release_is_owner_only_and_works_on_expired_holds() -> None:
    """Only the owner releases; an expired hold can still be released by its owner."""
    holds = ShowHolds(show_id=SHOW)
    hold = holds.hold(request("h1", "alice", ["A1"]), EPOCH)
    with pytest.raises(NotHoldOwner):
        holds.release("h1", "bob", EPOCH)
    assert holds.release("h1", "alice", hold.expires_at + timedelta(hours=1)) == hold
    assert holds.holds == {}
    assert holds.seat_holder == {}


def test_active_and_purge_split_live_from_expired() -> None:
    """active lists live holds by token; purge drops and returns expired ones by token."""
    holds = ShowHolds(show_id=SHOW)
    a = holds.hold(request("h1", "alice", ["A1"]), EPOCH)
    b = holds.hold(request("h2", "bob", ["A2"]), EPOCH + timedelta(minutes=1))
    c = holds.hold(request("h3", "carol", ["A3"]), EPOCH + timedelta(minutes=5))
    now = b.expires_at
    assert holds.active(now) == [c]
    assert holds.purge(now) == [a, b]
    assert list(holds.holds) == ["h3"]
    assert holds.purge(now) == []


# ---------------------------------------------------------------- properties

_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("hold"), st.sampled_from(["alice", "bob", "carol"]), seat_sets(SEATS)),
        st.tuples(st.just("release"), st.integers(0, 30), st.booleans()),
        st.tuples(st.just("extend"), st.integers(0, 30), st.integers(1, 1200)),
        st.tuples(st.just("claim"), st.integers(0, 30), st.integers(1, 300)),
        st.tuples(st.just("advance"), st.integers(1, 900)),
        st.tuples(st.just("purge")),
    ),
    max_size=40,
)


def _apply(holds: ShowHolds, op: tuple[Any, ...], ids: list[str], now: datetime) -> Hold | None:
    """Run one drawn operation; ids of granted holds accumulate in ``ids``."""
    kind = op[0]
    if kind == "hold":
        hold = holds.hold(request(f"h{len(ids)}-{op[1]}", op[1], sorted(op[2])), now)
        ids.append(hold.hold_id)
        return hold
    if not ids:
        return None
    hold_id = ids[op[1] % len(ids)]
    owner = hold_id.split("-")[1]
    if kind == "release":
        return holds.release(hold_id, owner if op[2] else "mallory", now)
    if kind == "extend":
        return holds.extend(hold_id, owner, timedelta(seconds=op[2]), now)
    return holds.claim(hold_id, owner, timedelta(seconds=op[2]), now)


@given(ops=_OPS)
def test_random_operations_keep_every_hold_rule(ops: list[tuple[Any, ...]]) -> None:
    """Under any operation sequence: tokens rise, no seat has two holds, refusals change nothing."""
    holds = ShowHolds(show_id=SHOW)
    ids: list[str] = []
    now = EPOCH
    last_token = 0
    for op in ops:
        if op[0] == "advance":
            now += timedelta(seconds=op[1])
            continue
        if op[0] == "purge":
            purged = holds.purge(now)
            assert all(not h.is_live(now) for h in purged)
            continue
        before = copy.deepcopy(state_of(holds))
        result, error = attempt(partial(_apply, holds, op, ids, now))
        if error is not None:
            assert state_of(holds) == before, f"{error!r} left partial state"
            continue
        if op[0] == "hold":
            assert result is not None
            assert result.token > last_token
            assert result.seats == frozenset(op[2])
            last_token = result.token
        # No seat belongs to two holds, and seat_holder agrees with the holds.
        owned = [s for h in holds.holds.values() for s in h.seats]
        assert len(owned) == len(set(owned))
        assert holds.seat_holder == {s: h.hold_id for h in holds.holds.values() for s in h.seats}
        for hold in holds.holds.values():
            assert hold.expires_at <= max(hold.max_expires_at, now + timedelta(seconds=300))


@given(
    requests=st.lists(hold_requests(SEATS, show_id=SHOW, policy=POLICY), max_size=25),
    step=st.integers(0, 400),
)
def test_requests_are_all_or_nothing(requests: list[HoldRequest], step: int) -> None:
    """Each request is granted exactly as asked or refused with no seat of it newly held."""
    holds = ShowHolds(show_id=SHOW)
    now = EPOCH
    for req in requests:
        now += timedelta(seconds=step)
        live_before = holds.held_seats(now)
        hold, error = attempt(partial(holds.hold, req, now))
        if error is not None:
            assert isinstance(error, SeatsUnavailable | HoldLimitExceeded)
            if isinstance(error, SeatsUnavailable):
                assert error.seats == {s for s in req.seats if s in live_before}
            assert holds.held_seats(now) == live_before
            continue
        assert hold is not None
        assert not req.seats & live_before.keys()
        assert hold.seats == req.seats
        assert {s for s, h in holds.held_seats(now).items() if h == hold} == req.seats


def test_a_bare_string_is_not_a_seat_set() -> None:
    """HoldRequest(seats="A1") is refused instead of becoming the seats "A" and "1"."""
    with pytest.raises(InvalidInput) as caught:
        HoldRequest(hold_id="h", show_id="s", owner_id="u", seats="A1")
    assert caught.value.field == "seats"


def test_hold_times_are_real_time_across_a_clock_change() -> None:
    """A 10-minute hold taken at 01:55 EDT on the fall-back night ends 10 real minutes later."""
    new_york = ZoneInfo("America/New_York")
    before_change = datetime(2024, 11, 3, 1, 55, tzinfo=new_york)  # EDT, fold=0
    state = ShowHolds(show_id="s")
    hold = state.hold(
        HoldRequest(hold_id="h", show_id="s", owner_id="u", seats={"A1"}), before_change
    )
    assert hold.expires_at - hold.created_at == timedelta(minutes=10)
    # 01:30 EST (fold=1) is 35 real minutes later: the hold has expired.
    after_change = datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=new_york)
    assert not hold.is_live(after_change)
    with pytest.raises(HoldExpired):
        state.get("h", after_change)
