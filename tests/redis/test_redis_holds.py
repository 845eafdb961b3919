"""Redis seat holds beyond the contract: scripts reloaded, one slot per show, a restart that loses
every hold, timeouts never retried, corrupt records and instants out of range."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio.cluster import RedisCluster
from redis.crc import key_slot

from bookmyshow.adapters.memory import ScryptPasswordHasher
from bookmyshow.adapters.memory.inventory import MemoryInventoryStore, MemorySeatSales
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS, MemoryPaymentGateway
from bookmyshow.adapters.redis import RedisClient, connect
from bookmyshow.adapters.redis.holds import RedisSeatHolds
from bookmyshow.adapters.redis.keys import ShowKeys
from bookmyshow.adapters.sql import create_database
from bookmyshow.adapters.sql.migrate import upgrade
from bookmyshow.bootstrap import bootstrap, hybrid_ports
from bookmyshow.demo import DEMO_PASSWORD, seed_demo
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.holds import HoldPolicy, HoldRequest, SeatsUnavailable
from bookmyshow.domain.sales import StaleFencingToken
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.payments import ChargeRequest, ChargeResult
from bookmyshow.services.inventory import SeatInventory
from tests.redis_backends import PrivateRedis

NOW = datetime(2030, 1, 1, 18, 0, tzinfo=UTC)
POLICY = HoldPolicy(max_seats_per_hold=4, max_seats_per_user=8)


def _request(hold_id: str, owner: str, *seats: str, show: str = "show-1") -> HoldRequest:
    return HoldRequest(hold_id=hold_id, show_id=show, owner_id=owner, seats=seats, policy=POLICY)


async def _flush_scripts(client: RedisClient) -> None:
    if isinstance(client, RedisCluster):
        await client.execute_command("SCRIPT FLUSH", target_nodes=RedisCluster.ALL_NODES)
    else:
        await client.script_flush()


async def test_holds_go_on_after_script_flush(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """SCRIPT FLUSH empties the script cache; the next hold reloads its script and succeeds."""
    holds = RedisSeatHolds(redis_client, namespace=redis_namespace)
    first = await holds.hold(_request("h1", "asha", "A1"), now=NOW)
    await _flush_scripts(redis_client)
    second = await holds.hold(_request("h2", "ravi", "A2"), now=NOW)
    assert second.token > first.token
    await _flush_scripts(redis_client)
    released = await holds.release("show-1", "h1", "asha", now=NOW)
    assert released.hold_id == "h1"
    assert [h.hold_id for h in await holds.active_holds("show-1", now=NOW)] == ["h2"]


async def test_every_key_of_a_show_is_in_one_slot(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """What a hold writes lives in the show's hash slot, and nothing else is written."""
    holds = RedisSeatHolds(redis_client, namespace=redis_namespace)
    await holds.hold(_request("h1", "asha", "A1", "A2", show="s-9"), now=NOW)
    written = [key async for key in redis_client.scan_iter(match=f"{redis_namespace}:*")]
    keys = ShowKeys(redis_namespace, "s-9")
    assert {k.decode() for k in written} == {keys.seats, keys.holds, keys.owners, keys.expiry,
                                             keys.token}  # fmt: skip
    assert len({key_slot(k) for k in written}) == 1


@given(
    show_id=st.text(min_size=1, max_size=40), namespace=st.from_regex(r"[a-z]{1,8}", fullmatch=True)
)
def test_show_keys_share_a_slot_for_any_show_id(show_id: str, namespace: str) -> None:
    """Whatever the show id (braces included), all its keys hash to one slot and differ."""
    keys = ShowKeys(namespace, show_id)
    names = [*keys.hold_keys(), keys.feed]
    assert len({key_slot(name.encode()) for name in names}) == 1
    assert len(set(names)) == len(names)


async def test_a_restart_loses_holds_but_tokens_keep_increasing(
    private_redis: PrivateRedis,
) -> None:
    """A restart frees the seats, new tokens exceed old ones, and a stale claim cannot sell."""
    # No persistence: the holds are gone. Of two buyers holding one seat only one can buy it.
    sales = MemorySeatSales(MemoryInventoryStore())
    client = connect(private_redis.url)
    try:
        holds = RedisSeatHolds(client)
        inventory = SeatInventory(holds, sales)
        first = await inventory.hold(_request("h1", "asha", "A1", "A2"), NOW)
        claimed = await holds.claim("show-1", "h1", "asha", lease=timedelta(minutes=2), now=NOW)
        private_redis.restart()
        assert await holds.active_holds("show-1", now=NOW) == []
        rival = await inventory.hold(_request("h2", "ravi", "A1"), NOW)
        assert rival.token > first.token
        await inventory.sell("show-1", "h2", "ravi", "b-ravi", NOW)
        # The first buyer still believes in its claimed hold; the sale record refuses it.
        with pytest.raises(SeatsUnavailable) as refused:
            await sales.sell("show-1", "b-asha", claimed.seats, fencing_token=claimed.token)
        assert refused.value.seats == frozenset({"A1"})
        await sales.return_seats("show-1", "b-ravi")
        with pytest.raises(StaleFencingToken):
            await sales.sell("show-1", "b-asha", claimed.seats, fencing_token=claimed.token)
        assert await sales.sold_seats("show-1") == {}
    finally:
        await client.aclose()


class _RestartDuringCharge(MemoryPaymentGateway):
    """A gateway whose first charge waits while Redis restarts and a rival buys the seats."""

    def __init__(self) -> None:
        super().__init__()
        self.rival: object = None

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        """Run the interruption once, before the first charge goes through."""
        hook, self.rival = self.rival, None
        if callable(hook):
            await hook()
        return await super().charge(request)


async def test_a_hold_lost_in_a_restart_ends_in_one_sale_and_one_refund(
    private_redis: PrivateRedis, tmp_path: Path
) -> None:
    """A hold lost to a restart mid-payment: the rival is confirmed, the payer refunded in full."""
    # Redis restarts while the first buyer pays and a rival buys the same seats; each seat is
    # sold once and the refund is immediate.
    url = f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"
    await upgrade(url)
    database = create_database(url)
    client = connect(private_redis.url)
    gateway = _RestartDuringCharge()
    try:
        ports = hybrid_ports(
            database,
            client,
            payments=gateway,
            passwords=ScryptPasswordHasher.fast_for_tests(),
            token_secret=b"t" * 32,
        )
        app = bootstrap(ports)
        show = (await seed_demo(app, days=1)).shows[0]
        buyers = []
        for name in ("asha", "ravi"):
            await app.accounts.register(f"{name}@example.com", name, DEMO_PASSWORD)
            tokens = await app.accounts.login(f"{name}@example.com", DEMO_PASSWORD)
            buyers.append(await app.accounts.authenticate(tokens.access_token))
        asha, ravi = buyers
        held = (await app.seats.hold_best_available(asha, show.show_id, 2)).hold
        first = await app.bookings.checkout(
            asha, show_id=show.show_id, hold_id=held.hold_id, idempotency_key="a-1"
        )

        async def rival_buys() -> None:
            private_redis.restart()
            # The rival looks at the seat map first: the seats show free (the hold is gone).
            seat_map = await app.browsing.seat_map(ravi, show.show_id)
            free = {v.label for v in seat_map.seats if v.status == "available"}
            assert held.seats <= free
            again = await app.seats.hold(ravi, show.show_id, sorted(held.seats))
            booking = await app.bookings.checkout(
                ravi, show_id=show.show_id, hold_id=again.hold_id, idempotency_key="r-1"
            )
            await app.bookings.pay(
                ravi, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="r-p"
            )

        gateway.rival = rival_buys
        lost = await app.bookings.pay(
            asha, first.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="a-p"
        )
        assert lost.status is BookingStatus.FAILED_REFUNDED
        assert gateway.net_for_booking(first.booking_id).is_zero
        sold = await ports.sales.sold_seats(show.show_id)
        assert set(sold) == held.seats
        (winner,) = set(sold.values())
        assert (await app.bookings.get(ravi, winner)).status is BookingStatus.CONFIRMED
    finally:
        await client.aclose()
        await database.dispose()


async def test_a_timed_out_hold_is_sent_once(private_redis: PrivateRedis) -> None:
    """A timed-out hold raises BackendUnavailable and is never resent: the server runs it once."""
    # The server is busy for a second, so the client gives up; the script still runs once.
    admin = connect(private_redis.url)
    client = connect(private_redis.url, timeout=0.3)
    try:
        holds = RedisSeatHolds(client)
        await holds.hold(_request("warm", "asha", "Z1"), now=NOW)  # loads the script
        await admin.config_resetstat()

        async def occupy() -> None:
            await admin.eval(_BUSY_SECOND, 0)

        busy = asyncio.create_task(occupy())
        await asyncio.sleep(0.1)
        with pytest.raises(BackendUnavailable):
            await holds.hold(_request("h1", "asha", "A1"), now=NOW)
        await busy
        # The server may answer the admin before it reads the abandoned connection, so wait
        # for the script to show, then a little longer for a resend that never should.
        for _ in range(1000):  # up to ten seconds
            if await _evalsha_calls(admin):
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        assert await _evalsha_calls(admin) == 1
        # A resend needs a new connection (the timed-out one is dropped): none was opened.
        assert (await admin.info("stats"))["total_connections_received"] == 0
        # The timed-out hold did happen on the server: the client could not know.
        assert [h.hold_id for h in await holds.active_holds("show-1", now=NOW)] == ["warm", "h1"]
    finally:
        await client.aclose()
        await admin.aclose()


async def _evalsha_calls(client: RedisClient) -> int:
    """How many EVALSHA commands the server has run since its stats were reset."""
    stats = await client.info("commandstats")
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


# Keeps the server busy for about a second (commands from other clients wait meanwhile).
_BUSY_SECOND = """
local start = redis.call('TIME')
while true do
  local now = redis.call('TIME')
  if (now[1] - start[1]) * 1000000 + (now[2] - start[2]) > 1000000 then return 1 end
end
"""


async def test_key_ttls_outlive_every_hold(redis_client: RedisClient, redis_namespace: str) -> None:
    """Hold keys live at least the grace past the latest hold expiry; extending pushes them out."""
    # The key TTLs only clean up: liveness is the clock's, so they must outlive every hold.
    grace = timedelta(minutes=7)
    holds = RedisSeatHolds(redis_client, namespace=redis_namespace, key_grace=grace)
    hold = await holds.hold(_request("h1", "asha", "A1"), now=NOW)
    keys = ShowKeys(redis_namespace, "show-1")
    floor_ms = (hold.expires_at - NOW + grace) // timedelta(milliseconds=1)
    for key in (keys.seats, keys.holds, keys.owners, keys.expiry):
        assert floor_ms - 2000 <= await redis_client.pttl(key) <= floor_ms
    longer = await holds.extend("show-1", "h1", "asha", by=timedelta(minutes=5), now=NOW)
    floor_ms = (longer.expires_at - NOW + grace) // timedelta(milliseconds=1)
    assert floor_ms - 2000 <= await redis_client.pttl(keys.holds) <= floor_ms
    assert await redis_client.pttl(keys.token) > floor_ms


async def test_a_corrupt_record_is_backend_unavailable(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """A record that does not decode is the backend's failure, not a crash or a wrong hold."""
    holds = RedisSeatHolds(redis_client, namespace=redis_namespace)
    await holds.hold(_request("h1", "asha", "A1"), now=NOW)
    await redis_client.hset(ShowKeys(redis_namespace, "show-1").holds, "h1", b"{not json")
    with pytest.raises(BackendUnavailable):
        await holds.get("show-1", "h1", now=NOW)


@pytest.mark.parametrize(
    ("field", "request_of"),
    [
        ("show_id", lambda: _request("h1", "asha", "A1", show="s\ud800")),
        ("hold_id", lambda: _request("h\ud800", "asha", "A1")),
        ("owner_id", lambda: _request("h1", "as\udfffha", "A1")),
        ("seats", lambda: _request("h1", "asha", "A\ud800")),
    ],
)
async def test_text_redis_cannot_encode_is_refused(
    redis_client: RedisClient,
    redis_namespace: str,
    field: str,
    request_of: Callable[[], HoldRequest],
) -> None:
    """An id or seat with a lone surrogate is InvalidInput naming it, and nothing is written."""
    holds = RedisSeatHolds(redis_client, namespace=redis_namespace)
    with pytest.raises(InvalidInput) as refused:
        await holds.hold(request_of(), now=NOW)
    assert refused.value.field == field
    with pytest.raises(InvalidInput):
        await holds.get("s\ud800", "h1", now=NOW)
    assert [key async for key in redis_client.scan_iter(match=f"{redis_namespace}:*")] == []


async def test_instants_past_the_doubles_range_are_refused(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """An instant Lua's doubles cannot hold to the microsecond is InvalidInput, sent nowhere."""
    holds = RedisSeatHolds(redis_client, namespace=redis_namespace)
    with pytest.raises(InvalidInput) as refused:
        await holds.hold(_request("h1", "asha", "A1"), now=datetime(2300, 1, 1, tzinfo=UTC))
    assert refused.value.field == "now"
    assert [key async for key in redis_client.scan_iter(match=f"{redis_namespace}:*")] == []
