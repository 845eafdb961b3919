"""Accounts: registration, login, tokens, and account administration over the in-memory ports."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import attrs
import pytest
from attrs import define
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.memory import ManualClock, MemoryEventBus, ScryptPasswordHasher
from bookmyshow.adapters.memory.security import HmacTokenService, ScryptParameters
from bookmyshow.domain.errors import InvalidInput, PermissionDenied
from bookmyshow.domain.users import Principal, Role, User, UserInactive
from bookmyshow.ports.errors import NotFound
from bookmyshow.ports.security import ClaimValue, ExpiredToken, InvalidToken, PasswordHasher
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._units import read_unit
from bookmyshow.services.accounts import (
    MAX_PASSWORD_LENGTH,
    Accounts,
    EmailTaken,
    InvalidCredentials,
    TokenPair,
    WeakPassword,
)
from bookmyshow.services.context import Policies, Ports
from bookmyshow.testing.fixtures import sample_city, sample_theater

PASSWORD = "correct horse battery"
_settings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
_emails = (f"person{n}@example.com" for n in itertools.count())


@define
class CountingHasher:
    """A password hasher that counts calls to ``verify`` and ``hash`` on the way through."""

    inner: PasswordHasher
    verifies: int = 0
    hashes: int = 0

    async def hash(self, password: str) -> str:
        """Count, then hash with the inner hasher."""
        self.hashes += 1
        return await self.inner.hash(password)

    async def verify(self, password: str, encoded: str) -> bool:
        """Count, then verify with the inner hasher."""
        self.verifies += 1
        return await self.inner.verify(password, encoded)

    def needs_rehash(self, encoded: str) -> bool:
        """Ask the inner hasher."""
        return self.inner.needs_rehash(encoded)


@define
class World:
    """The service under test with its ports and the platform admin provisioned at start."""

    accounts: Accounts
    ports: Ports
    admin: Principal
    hasher: CountingHasher


@pytest.fixture
async def world(ports: Ports, policies: Policies) -> World:
    """Accounts over counting fast scrypt, two theaters in one city, and a platform admin."""
    hasher = CountingHasher(ports.passwords)
    ports = attrs.evolve(ports, passwords=hasher)
    async with ports.uow() as uow:
        await uow.venues.add_city(sample_city())
        await uow.venues.add_theater(sample_theater("theater-1"))
        await uow.venues.add_theater(sample_theater("theater-2", name="INOX Garuda"))
        await uow.commit()
    accounts = Accounts(ports, policies)
    root = await accounts.provision("root@example.com", "Root", PASSWORD, [Role.PLATFORM_ADMIN])
    return World(accounts=accounts, ports=ports, admin=root.principal(), hasher=hasher)


async def stored(ports: Ports, email: str) -> User | None:
    """The stored account with ``email``, if any."""

    async def read(uow: UnitOfWork) -> User | None:
        return await uow.users.by_email(email)

    return await read_unit(ports, read)


async def customer(world: World, email: str = "asha@example.com") -> User:
    """A registered customer with :data:`PASSWORD`."""
    return await world.accounts.register(email, "Asha Rao", PASSWORD, phone="98765 43210")


# --- register ---------------------------------------------------------------------------------


async def test_register_creates_a_customer_with_a_hashed_password(world: World) -> None:
    """register stores a customer with a usr id, normalised contacts and a verifiable hash."""
    user = await world.accounts.register("Asha@Example.COM", "  Asha Rao ", PASSWORD, "9876543210")
    assert user.user_id.startswith("usr")
    assert (user.email.value, user.name, str(user.phone)) == (
        "Asha@example.com",
        "Asha Rao",
        "+919876543210",
    )
    assert user.roles == {Role.CUSTOMER}
    assert user.active
    assert PASSWORD not in user.password_hash
    assert await world.ports.passwords.verify(PASSWORD, user.password_hash)
    assert await stored(world.ports, "Asha@example.com") == user


async def test_register_publishes_no_event(world: World) -> None:
    """Registering publishes nothing: there is no account event type."""
    await customer(world)
    bus = world.ports.events
    assert isinstance(bus, MemoryEventBus)
    assert list(bus.published) == []


async def test_duplicate_email_with_other_domain_case_is_taken(world: World) -> None:
    """An email differing only in the domain's case is the same email: EmailTaken."""
    first = await customer(world, "asha@example.com")
    with pytest.raises(EmailTaken) as info:
        await world.accounts.register("asha@EXAMPLE.com", "Another", "another password")
    assert (info.value.code, info.value.email) == ("email_taken", "asha@example.com")
    assert await stored(world.ports, "asha@example.com") == first


async def test_racing_registrations_of_one_email_create_one_account(world: World) -> None:
    """Two concurrent registrations of one email: one account, the other gets EmailTaken."""
    results = await asyncio.gather(
        world.accounts.register("race@example.com", "One", PASSWORD),
        world.accounts.register("race@EXAMPLE.COM", "Two", PASSWORD),
        return_exceptions=True,
    )
    users = [r for r in results if isinstance(r, User)]
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(users) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], EmailTaken)
    assert await stored(world.ports, "race@example.com") == users[0]


async def test_email_taken_between_check_and_add_is_email_taken(
    ports: Ports, policies: Policies
) -> None:
    """An account with the email stored while the password is hashed still gives EmailTaken."""

    @define
    class Interloper:
        """Hashes like fast scrypt, but first stores another account with the email."""

        inner: PasswordHasher = attrs.field(factory=ScryptPasswordHasher.fast_for_tests)

        async def hash(self, password: str) -> str:
            """Store the rival account, then hash."""
            encoded = await self.inner.hash(password)
            async with ports.uow() as uow:
                rival = User(
                    user_id="usr-rival",
                    email="race@example.com",
                    name="Rival",
                    password_hash=encoded,
                )
                await uow.users.add(rival)
                await uow.commit()
            return encoded

        async def verify(self, password: str, encoded: str) -> bool:
            """Verify with the inner hasher."""
            return await self.inner.verify(password, encoded)

        def needs_rehash(self, encoded: str) -> bool:
            """Ask the inner hasher."""
            return self.inner.needs_rehash(encoded)

    accounts = Accounts(attrs.evolve(ports, passwords=Interloper()), policies)
    with pytest.raises(EmailTaken) as info:
        await accounts.register("race@EXAMPLE.com", "Asha", PASSWORD)
    assert info.value.email == "race@example.com"
    rival = await stored(ports, "race@example.com")
    assert rival is not None
    assert rival.user_id == "usr-rival"


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "at least"),
        ("x" * (MAX_PASSWORD_LENGTH + 1), "at most"),
        (" " * 12, "whitespace"),
        ("\t\n  \u3000   ", "whitespace"),
        ("asha@example.com", "email"),
        (" ASHA@Example.com ", "email"),
    ],
)
async def test_weak_passwords_are_refused(world: World, password: str, rule: str) -> None:
    """A password breaking the policy raises WeakPassword (an InvalidInput) and stores nothing."""
    with pytest.raises(WeakPassword) as info:
        await world.accounts.register("asha@example.com", "Asha", password)
    assert isinstance(info.value, InvalidInput)
    assert (info.value.code, info.value.field) == ("weak_password", "password")
    assert rule in info.value.reason
    assert await stored(world.ports, "asha@example.com") is None
    assert world.hasher.hashes == 1  # only the admin's: refused before the slow hash


async def test_longest_password_is_accepted(world: World) -> None:
    """A password of exactly the maximum length is accepted and logs in."""
    password = "p" * MAX_PASSWORD_LENGTH
    await world.accounts.register("asha@example.com", "Asha", password)
    assert (await world.accounts.login("asha@example.com", password)).user_id


@_settings
@given(password=st.text(max_size=7))
async def test_any_password_shorter_than_eight_is_refused(world: World, password: str) -> None:
    """Every password under 8 characters is WeakPassword and nothing is stored."""
    email = next(_emails)
    with pytest.raises(WeakPassword):
        await world.accounts.register(email, "Asha", password)
    assert await stored(world.ports, email) is None


@_settings
@given(password=st.text(min_size=8, max_size=40).filter(str.strip))
async def test_any_acceptable_password_logs_in(world: World, password: str) -> None:
    """Every non-blank password of 8+ characters (not the email) registers and logs in."""
    email = next(_emails)
    user = await world.accounts.register(email, "Asha", password)
    assert (await world.accounts.login(email, password)).user_id == user.user_id


@pytest.mark.parametrize(
    ("kwargs", "field_name"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": "   "}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"password": "pass\ud800word!"}, "password"),
        ({"password": None}, "password"),
    ],
)
async def test_bad_registration_input_is_refused(
    world: World, kwargs: dict[str, object], field_name: str
) -> None:
    """A malformed email, name, phone or password raises InvalidInput naming it; nothing stored."""
    arguments: dict[str, object] = {
        "email": "asha@example.com",
        "name": "Asha",
        "password": PASSWORD,
        "phone": None,
    }
    with pytest.raises(InvalidInput) as info:
        await world.accounts.register(**(arguments | kwargs))  # type: ignore[arg-type]
    assert info.value.field == field_name
    assert await stored(world.ports, "asha@example.com") is None


# --- login ------------------------------------------------------------------------------------


async def test_login_returns_a_bearer_token_pair(
    world: World, clock: ManualClock, policies: Policies
) -> None:
    """login gives access and refresh tokens expiring after the policies' lifetimes."""
    user = await customer(world)
    pair = await world.accounts.login("asha@example.com", PASSWORD)
    now = clock.now().replace(microsecond=0)
    assert pair.user_id == user.user_id
    assert pair.token_type == "Bearer"
    assert pair.access_expires_at == now + policies.access_token_ttl
    assert pair.refresh_expires_at == now + policies.refresh_token_ttl
    assert pair.access_token != pair.refresh_token
    principal = await world.accounts.authenticate(pair.access_token)
    assert principal == Principal(user_id=user.user_id, roles={Role.CUSTOMER})


async def test_token_pair_repr_hides_the_tokens(world: World) -> None:
    """A TokenPair's repr shows neither token."""
    await customer(world)
    pair = await world.accounts.login("asha@example.com", PASSWORD)
    assert pair.access_token not in repr(pair)
    assert pair.refresh_token not in repr(pair)


async def test_unknown_email_and_wrong_password_fail_alike(world: World) -> None:
    """An unknown email and a wrong password raise the same InvalidCredentials."""
    await customer(world)
    with pytest.raises(InvalidCredentials) as wrong:
        await world.accounts.login("asha@example.com", "wrong password")
    with pytest.raises(InvalidCredentials) as unknown:
        await world.accounts.login("nobody@example.com", PASSWORD)
    assert wrong.value.code == unknown.value.code == "invalid_credentials"
    assert wrong.value.details() == unknown.value.details() == {}
    assert str(wrong.value) == str(unknown.value)


async def test_unknown_email_still_verifies_one_password(world: World) -> None:
    """A login for an unknown email runs exactly one verification, like a wrong password."""
    await customer(world)
    await world.accounts.login("asha@example.com", PASSWORD)  # makes the dummy hash
    for email, password in [("nobody@example.com", PASSWORD), ("asha@example.com", "wrong!!")]:
        before = (world.hasher.verifies, world.hasher.hashes)
        with pytest.raises(InvalidCredentials):
            await world.accounts.login(email, password)
        assert (world.hasher.verifies, world.hasher.hashes) == (before[0] + 1, before[1])


@pytest.mark.parametrize("known", [True, False])
async def test_first_login_of_either_kind_makes_the_dummy_hash(
    ports: Ports, policies: Policies, known: bool
) -> None:
    """The first login pays one extra hash and one verification, whether the email is known."""
    hasher = CountingHasher(ScryptPasswordHasher.fast_for_tests())
    accounts = Accounts(attrs.evolve(ports, passwords=hasher), policies)
    if known:
        await accounts.register("asha@example.com", "Asha", PASSWORD)
    hashes = hasher.hashes
    with pytest.raises(InvalidCredentials):
        await accounts.login("asha@example.com", "wrong password")
    assert (hasher.hashes - hashes, hasher.verifies) == (1, 1)


async def test_login_rehashes_a_hash_made_with_old_parameters(
    world: World, policies: Policies
) -> None:
    """When the hasher's parameters changed, login stores a new hash that needs no rehash."""
    old = await customer(world)
    stronger = ScryptPasswordHasher(ScryptParameters(log2_n=9, r=8, p=1))
    assert stronger.needs_rehash(old.password_hash)
    upgraded = Accounts(attrs.evolve(world.ports, passwords=stronger), policies)
    await upgraded.login("asha@example.com", PASSWORD)
    user = await stored(world.ports, "asha@example.com")
    assert user is not None
    assert user.password_hash != old.password_hash
    assert user.password_hash.startswith("$scrypt$ln=9,r=8,p=1$")
    assert not stronger.needs_rehash(user.password_hash)
    assert await stronger.verify(PASSWORD, user.password_hash)
    await upgraded.login("asha@example.com", PASSWORD)
    assert await stored(world.ports, "asha@example.com") == user


async def test_login_keeps_a_current_hash(world: World) -> None:
    """With unchanged parameters login stores nothing new and hashes nothing."""
    old = await customer(world)
    hashes = world.hasher.hashes
    await world.accounts.login("asha@example.com", PASSWORD)
    await world.accounts.login("asha@example.com", PASSWORD)
    assert await stored(world.ports, "asha@example.com") == old
    assert world.hasher.hashes - hashes == 1  # the dummy hash, made once


async def test_login_with_a_malformed_email_is_invalid_input(world: World) -> None:
    """A login whose email does not parse raises InvalidInput(field="email")."""
    with pytest.raises(InvalidInput) as info:
        await world.accounts.login("not an email", PASSWORD)
    assert info.value.field == "email"


# --- tokens -----------------------------------------------------------------------------------


async def test_refresh_issues_a_new_pair(world: World, clock: ManualClock) -> None:
    """A refresh token, later, gives a new pair whose access token authenticates."""
    user = await customer(world)
    pair = await world.accounts.login("asha@example.com", PASSWORD)
    clock.advance(timedelta(hours=1))
    renewed = await world.accounts.refresh(pair.refresh_token)
    assert renewed.user_id == user.user_id
    assert renewed.access_expires_at > pair.access_expires_at
    assert (await world.accounts.authenticate(renewed.access_token)).user_id == user.user_id


async def test_refresh_with_an_access_token_is_refused(world: World) -> None:
    """An access token presented to refresh raises InvalidToken."""
    await customer(world)
    pair = await world.accounts.login("asha@example.com", PASSWORD)
    with pytest.raises(InvalidToken) as info:
        await world.accounts.refresh(pair.access_token)
    assert not isinstance(info.value, ExpiredToken)


async def test_authenticate_with_a_refresh_token_is_refused(world: World) -> None:
    """A refresh token presented as an access token raises InvalidToken."""
    await customer(world)
    pair = await world.accounts.login("asha@example.com", PASSWORD)
    with pytest.raises(InvalidToken):
        await world.accounts.authenticate(pair.refresh_token)


async def test_access_token_expires_by_the_clock(
    world: World, clock: ManualClock, policies: Policies
) -> None:
    """An access token authenticates until its lifetime ends, then raises ExpiredToken."""
    await customer(world)
    pair = await world.accounts.login("asha@example.com", PASSWORD)
    clock.advance(policies.access_token_ttl - timedelta(seconds=1))
    await world.accounts.authenticate(pair.access_token)
    clock.advance(timedelta(seconds=1))
    with pytest.raises(ExpiredToken) as info:
        await world.accounts.authenticate(pair.access_token)
    assert info.value.code == "token_expired"
    assert info.value.expired_at == pair.access_expires_at


async def test_refresh_token_expires_by_the_clock(
    world: World, clock: ManualClock, policies: Policies
) -> None:
    """A refresh token works until its lifetime ends, then raises ExpiredToken."""
    await customer(world)
    pair = await world.accounts.login("asha@example.com", PASSWORD)
    clock.advance(policies.refresh_token_ttl)
    with pytest.raises(ExpiredToken):
        await world.accounts.refresh(pair.refresh_token)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
async def test_garbage_tokens_are_invalid(world: World, token: str) -> None:
    """Strings that are not tokens raise InvalidToken from authenticate and refresh."""
    with pytest.raises(InvalidToken):
        await world.accounts.authenticate(token)
    with pytest.raises(InvalidToken):
        await world.accounts.refresh(token)


async def test_token_from_another_secret_is_invalid(world: World, clock: ManualClock) -> None:
    """An access-shaped token signed with another secret does not authenticate."""
    user = await customer(world)
    foreign = HmacTokenService(b"f" * 32, clock=clock)
    token = await foreign.issue(
        user.user_id,
        ttl=timedelta(minutes=5),
        extra={"typ": "access", "roles": ["platform_admin"], "theaters": []},
    )
    with pytest.raises(InvalidToken):
        await world.accounts.authenticate(token)


@pytest.mark.parametrize(
    "extra",
    [
        {"typ": "access"},
        {"typ": "access", "roles": [], "theaters": []},
        {"typ": "access", "roles": ["emperor"], "theaters": []},
        {"typ": "access", "roles": "customer", "theaters": []},
        {"typ": "access", "roles": ["customer"], "theaters": ["theater-1"]},
        {"roles": ["customer"], "theaters": []},
    ],
)
async def test_genuine_token_without_principal_claims_is_invalid(
    world: World, extra: dict[str, ClaimValue]
) -> None:
    """A genuine token whose claims describe no principal raises InvalidToken."""
    token = await world.ports.tokens.issue("usr-x", ttl=timedelta(minutes=5), extra=extra)
    with pytest.raises(InvalidToken):
        await world.accounts.authenticate(token)


async def test_refresh_for_a_user_that_does_not_exist_is_invalid(world: World) -> None:
    """A genuine refresh token naming no stored user raises InvalidToken."""
    token = await world.ports.tokens.issue(
        "usr-ghost", ttl=timedelta(days=1), extra={"typ": "refresh"}
    )
    with pytest.raises(InvalidToken):
        await world.accounts.refresh(token)


async def test_theater_admin_token_carries_their_theaters(world: World) -> None:
    """A theater admin's access token authenticates to a Principal with their theater ids."""
    await world.accounts.provision(
        "manager@example.com",
        "Manager",
        PASSWORD,
        [Role.THEATER_ADMIN],
        theater_ids=["theater-2", "theater-1"],
    )
    pair = await world.accounts.login("manager@example.com", PASSWORD)
    principal = await world.accounts.authenticate(pair.access_token)
    assert principal.roles == {Role.THEATER_ADMIN}
    assert principal.theater_ids == {"theater-1", "theater-2"}


async def test_refresh_picks_up_granted_roles(world: World) -> None:
    """After grant_roles, the old access token keeps old roles and a refresh brings the new."""
    user = await customer(world)
    pair = await world.accounts.login("asha@example.com", PASSWORD)
    await world.accounts.grant_roles(
        world.admin, user.user_id, [Role.CUSTOMER, Role.THEATER_ADMIN], ["theater-1"]
    )
    assert (await world.accounts.authenticate(pair.access_token)).roles == {Role.CUSTOMER}
    renewed = await world.accounts.refresh(pair.refresh_token)
    principal = await world.accounts.authenticate(renewed.access_token)
    assert principal.roles == {Role.CUSTOMER, Role.THEATER_ADMIN}
    assert principal.theater_ids == {"theater-1"}


# --- inactive users ---------------------------------------------------------------------------


async def test_inactive_user_can_neither_log_in_nor_refresh(world: World) -> None:
    """After deactivation, login and refresh raise UserInactive; a wrong password stays vague."""
    user = await customer(world)
    pair = await world.accounts.login("asha@example.com", PASSWORD)
    await world.accounts.deactivate(world.admin, user.user_id)
    with pytest.raises(UserInactive) as info:
        await world.accounts.login("asha@example.com", PASSWORD)
    assert info.value.user_id == user.user_id
    with pytest.raises(UserInactive):
        await world.accounts.refresh(pair.refresh_token)
    with pytest.raises(InvalidCredentials):
        await world.accounts.login("asha@example.com", "wrong password")


async def test_deactivate_by_admin_is_idempotent(world: World) -> None:
    """deactivate stores the account inactive; doing it again changes nothing."""
    user = await customer(world)
    first = await world.accounts.deactivate(world.admin, user.user_id)
    assert not first.active
    assert await world.accounts.deactivate(world.admin, user.user_id) == first
    assert await stored(world.ports, "asha@example.com") == first


# --- the actor's own account ------------------------------------------------------------------


async def test_me_returns_the_actors_account(world: World) -> None:
    """me gives the stored account of the acting user."""
    user = await customer(world)
    assert await world.accounts.me(user.principal()) == user


async def test_me_refuses_a_deactivated_actor(world: World) -> None:
    """me raises UserInactive for an actor whose account was deactivated since its token."""
    user = await customer(world)
    actor = user.principal()
    await world.accounts.deactivate(world.admin, user.user_id)
    with pytest.raises(UserInactive):
        await world.accounts.me(actor)


async def test_change_password_replaces_it(world: World) -> None:
    """After change_password, the new password logs in and the old one does not."""
    user = await customer(world)
    await world.accounts.change_password(user.principal(), PASSWORD, "a new passphrase")
    await world.accounts.login("asha@example.com", "a new passphrase")
    with pytest.raises(InvalidCredentials):
        await world.accounts.login("asha@example.com", PASSWORD)


async def test_change_password_needs_the_current_one(world: World) -> None:
    """A wrong current password raises InvalidCredentials and changes nothing."""
    user = await customer(world)
    with pytest.raises(InvalidCredentials):
        await world.accounts.change_password(user.principal(), "not it at all", "new passphrase")
    assert await stored(world.ports, "asha@example.com") == user


@pytest.mark.parametrize("new", ["short", "          ", "ASHA@example.com"])
async def test_change_password_applies_the_policy(world: World, new: str) -> None:
    """A weak new password raises WeakPassword(field="new_password") and changes nothing."""
    user = await customer(world)
    with pytest.raises(WeakPassword) as info:
        await world.accounts.change_password(user.principal(), PASSWORD, new)
    assert info.value.field == "new_password"
    assert await stored(world.ports, "asha@example.com") == user


async def test_concurrent_password_change_makes_the_other_stale(world: World) -> None:
    """Two changes from the same current password: one wins, the other gets InvalidCredentials."""
    user = await customer(world)
    actor = user.principal()
    results = await asyncio.gather(
        world.accounts.change_password(actor, PASSWORD, "first new password"),
        world.accounts.change_password(actor, PASSWORD, "second new password"),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["InvalidCredentials", "NoneType"]
    winner = "first new password" if results[0] is None else "second new password"
    await world.accounts.login("asha@example.com", winner)


# --- administration ---------------------------------------------------------------------------


async def test_customer_cannot_grant_roles(world: World) -> None:
    """grant_roles by a customer raises PermissionDenied and changes nothing."""
    user = await customer(world)
    with pytest.raises(PermissionDenied):
        await world.accounts.grant_roles(user.principal(), user.user_id, [Role.PLATFORM_ADMIN])
    assert await stored(world.ports, "asha@example.com") == user


async def test_theater_admin_cannot_grant_roles_or_deactivate(world: World) -> None:
    """A theater admin may not manage users: PermissionDenied for grant_roles and deactivate."""
    manager = await world.accounts.provision(
        "manager@example.com", "Manager", PASSWORD, [Role.THEATER_ADMIN], ["theater-1"]
    )
    user = await customer(world)
    with pytest.raises(PermissionDenied):
        await world.accounts.grant_roles(
            manager.principal(), user.user_id, [Role.THEATER_ADMIN], ["theater-1"]
        )
    with pytest.raises(PermissionDenied):
        await world.accounts.deactivate(manager.principal(), user.user_id)
    assert await stored(world.ports, "asha@example.com") == user


async def test_customer_cannot_deactivate(world: World) -> None:
    """deactivate by a customer raises PermissionDenied, even on their own account."""
    user = await customer(world)
    with pytest.raises(PermissionDenied):
        await world.accounts.deactivate(user.principal(), user.user_id)
    assert (await world.accounts.me(user.principal())).active


async def test_platform_admin_grants_roles(world: World) -> None:
    """A platform admin replaces a user's roles and theaters; the change is stored."""
    user = await customer(world)
    updated = await world.accounts.grant_roles(
        world.admin, user.user_id, ["theater_admin"], ("theater-1",)
    )
    assert updated.roles == {Role.THEATER_ADMIN}
    assert updated.theater_ids == {"theater-1"}
    assert await stored(world.ports, "asha@example.com") == updated


@pytest.mark.parametrize(
    ("roles", "theaters", "error"),
    [
        ([], [], InvalidInput),
        (["emperor"], [], InvalidInput),
        ([Role.CUSTOMER], ["theater-1"], InvalidInput),
        ("customer", [], InvalidInput),
        ([Role.THEATER_ADMIN], ["theater-9"], NotFound),
    ],
)
async def test_bad_grants_are_refused(
    world: World, roles: list[str], theaters: list[str], error: type[Exception]
) -> None:
    """Bad roles, theaters without the role, or an unknown theater are refused; nothing changes."""
    user = await customer(world)
    with pytest.raises(error):
        await world.accounts.grant_roles(world.admin, user.user_id, roles, theaters)
    assert await stored(world.ports, "asha@example.com") == user


async def test_grant_roles_to_an_unknown_user_is_not_found(world: World) -> None:
    """grant_roles for a user id that is not stored raises NotFound(kind="user")."""
    with pytest.raises(NotFound) as info:
        await world.accounts.grant_roles(world.admin, "usr-ghost", [Role.CUSTOMER])
    assert info.value.kind == "user"


async def test_provision_creates_any_roles_without_an_actor(world: World) -> None:
    """provision stores an account with the given roles and theaters, checking the policy."""
    user = await world.accounts.provision(
        "ops@example.com", "Ops", PASSWORD, ["platform_admin", "theater_admin"], ["theater-2"]
    )
    assert user.roles == {Role.PLATFORM_ADMIN, Role.THEATER_ADMIN}
    assert await stored(world.ports, "ops@example.com") == user
    with pytest.raises(WeakPassword):
        await world.accounts.provision("ops2@example.com", "Ops", "short", ["platform_admin"])


async def test_provision_with_an_unknown_theater_stores_nothing(world: World) -> None:
    """provision naming an unknown theater raises NotFound before hashing and stores nothing."""
    hashes = world.hasher.hashes
    with pytest.raises(NotFound) as info:
        await world.accounts.provision(
            "ops@example.com", "Ops", PASSWORD, [Role.THEATER_ADMIN], ["theater-9"]
        )
    assert info.value.kind == "theater"
    assert world.hasher.hashes == hashes
    assert await stored(world.ports, "ops@example.com") is None


@pytest.mark.parametrize("method", ["me", "change_password", "grant_roles", "deactivate"])
async def test_actor_must_be_a_principal(world: World, method: str) -> None:
    """Passing something other than a Principal as the actor raises InvalidInput."""
    arguments = {
        "me": (),
        "change_password": (PASSWORD, "a new passphrase"),
        "grant_roles": ("usr-1", [Role.CUSTOMER]),
        "deactivate": ("usr-1",),
    }[method]
    with pytest.raises(InvalidInput):
        await getattr(world.accounts, method)("usr-1", *arguments)


def test_token_pair_defaults_to_bearer(clock: ManualClock) -> None:
    """A TokenPair's token_type is "Bearer" unless given."""
    pair = TokenPair(
        access_token="a",
        refresh_token="r",
        access_expires_at=clock.now(),
        refresh_expires_at=clock.now(),
        user_id="usr-1",
    )
    assert pair.token_type == "Bearer"


# --- revocation ---------------------------------------------------------------------------------


async def test_changing_the_password_revokes_earlier_refresh_tokens(world: World) -> None:
    """After a password change, refresh tokens issued before it are refused; a new login works."""
    user = await customer(world)
    phone = await world.accounts.login(user.email.value, PASSWORD)
    laptop = await world.accounts.login(user.email.value, PASSWORD)
    await world.accounts.change_password(user.principal(), PASSWORD, "a brand new passphrase")
    for old in (phone, laptop):
        with pytest.raises(InvalidToken):
            await world.accounts.refresh(old.refresh_token)
    fresh = await world.accounts.login(user.email.value, "a brand new passphrase")
    renewed = await world.accounts.refresh(fresh.refresh_token)
    assert renewed.user_id == user.user_id


async def test_a_deactivated_account_stays_revoked(world: World) -> None:
    """Deactivation moves the token version on, so old tokens stay dead even if reactivated."""
    user = await customer(world)
    pair = await world.accounts.login(user.email.value, PASSWORD)
    revoked = await world.accounts.deactivate(world.admin, user.user_id)
    assert revoked.token_version == user.token_version + 1

    async def reactivate(uow: UnitOfWork) -> None:
        await uow.users.save(revoked.reactivate())
        await uow.commit()

    async with world.ports.uow() as uow:
        await reactivate(uow)
    with pytest.raises(InvalidToken):
        await world.accounts.refresh(pair.refresh_token)
