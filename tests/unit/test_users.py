"""Users, contact values and the permission table."""

from __future__ import annotations

import itertools
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.errors import InvalidInput, PermissionDenied
from bookmyshow.domain.users import (
    ACTION_KINDS,
    PERMISSIONS,
    Action,
    Email,
    Phone,
    Principal,
    Resource,
    ResourceKind,
    Role,
    User,
    UserInactive,
    can,
    denial_reason,
    require,
)
from bookmyshow.testing.strategies.catalog import (
    email_texts,
    emails,
    phone_texts,
    phones,
    principals,
    resources,
    users,
)

# ---- Email -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("asha@example.com", "asha@example.com"),
        ("  Asha.Rao@Example.CO.IN ", "Asha.Rao@example.co.in"),
        ("a+tickets@mail.example.org", "a+tickets@mail.example.org"),
        ("o'neil@x-y.io", "o'neil@x-y.io"),
        ("x@xn--p1ai.xn--p1ai", "x@xn--p1ai.xn--p1ai"),
    ],
)
def test_email_accepts_and_lower_cases_the_domain(text: str, stored: str) -> None:
    """Valid addresses are stripped and keep their local part while the domain is lower-cased."""
    assert Email(text).value == stored
    assert str(Email(text)) == stored


@pytest.mark.parametrize(
    "text",
    [
        "",
        "asha",
        "asha@",
        "@example.com",
        "asha@localhost",
        "asha@example.123",
        "asha@-example.com",
        "asha@example-.com",
        "asha@exa_mple.com",
        ".asha@example.com",
        "asha.@example.com",
        "as..ha@example.com",
        "as ha@example.com",
        "asha@exa mple.com",
        "āsha@example.com",
        "a" * 65 + "@example.com",
        "a@" + "b" * 64 + ".com",
        "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com",
    ],
)
def test_email_rejects_malformed_addresses(text: str) -> None:
    """Malformed, non-ASCII and over-long addresses are InvalidInput on field email."""
    with pytest.raises(InvalidInput) as info:
        Email(text)
    assert info.value.field == "email"


def test_email_rejects_non_strings() -> None:
    """An Email is built from text only."""
    with pytest.raises(InvalidInput):
        Email(None)


@given(email_texts())
def test_email_round_trips(text: str) -> None:
    """An Email rebuilt from its text is equal; the domain is lower case, the local part kept."""
    email = Email(text)
    assert Email(str(email)) == email
    assert email.domain == text.rpartition("@")[2].lower()
    assert email.value.rpartition("@")[0] == text.rpartition("@")[0]
    assert len(email.value) <= 254


# ---- Phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("+919876543210", "+919876543210"),
        ("9876543210", "+919876543210"),
        ("09876543210", "+919876543210"),
        ("919876543210", "+919876543210"),
        ("+91 98765-43210", "+919876543210"),
        ("(+44) 20 7946 0958", "+442079460958"),
        ("+1 415.555.2671", "+14155552671"),
    ],
)
def test_phone_normalises_to_e164(text: str, stored: str) -> None:
    """E.164 input keeps its digits; Indian national mobile numbers gain +91."""
    assert Phone(text).value == stored


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12345",
        "5876543210",
        "+0123456789",
        "+91 98765 4321",
        "+91987654321012",
        "+1234567890123456",
        "98765o4321",
        "98765+43210",
        "++919876543210",
    ],
)
def test_phone_rejects_malformed_numbers(text: str) -> None:
    """Too short, too long, bad prefixes and letters are InvalidInput on field phone."""
    with pytest.raises(InvalidInput) as info:
        Phone(text)
    assert info.value.field == "phone"


@given(phone_texts())
def test_phone_round_trips(text: str) -> None:
    """A Phone rebuilt from its value is equal and is E.164 with the same trailing digits."""
    phone = Phone(text)
    assert Phone(str(phone)) == phone
    assert phone.value.startswith("+")
    digits = "".join(c for c in text if c.isdigit())
    assert phone.value.endswith(digits[-10:])


@given(st.integers(6_000_000_000, 9_999_999_999))
def test_every_indian_mobile_form_agrees(number: int) -> None:
    """The plain, 0-, 91- and +91- forms of one mobile number are the same Phone."""
    forms = {Phone(f"{p}{number}") for p in ("", "0", "91", "+91", "+91 ")}
    assert forms == {Phone(f"+91{number}")}


# ---- User --------------------------------------------------------------------------------------


def user(**changes: Any) -> User:
    fields: dict[str, Any] = {
        "user_id": "u-1",
        "email": "Asha@Example.com",
        "name": " Asha ",
        "password_hash": "$argon2id$v=19$secret",
    }
    fields.update(changes)
    return User(**fields)


def test_user_defaults_and_normalisation() -> None:
    """A user is an active customer by default; email and phone strings become values."""
    u = user(phone="9876543210")
    assert u.roles == frozenset({Role.CUSTOMER})
    assert u.active
    assert u.email == Email("Asha@example.com")
    assert u.phone == Phone("+919876543210")
    assert u.name == "Asha"


def test_password_hash_never_appears_in_repr() -> None:
    """The opaque password hash is kept out of repr so logs cannot leak it."""
    assert "argon2" not in repr(user())


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"user_id": ""}, "user_id"),
        ({"name": ""}, "name"),
        ({"email": "nope"}, "email"),
        ({"phone": "123"}, "phone"),
        ({"password_hash": ""}, "password_hash"),
        ({"roles": frozenset()}, "roles"),
        ({"roles": {"superuser"}}, "roles"),
        ({"roles": "customer"}, "roles"),
        ({"theater_ids": {"t-1"}}, "theater_ids"),
        ({"roles": {Role.THEATER_ADMIN}, "theater_ids": {""}}, "theater_ids"),
        ({"active": "yes"}, "active"),
    ],
)
def test_user_rejects_invalid_fields(changes: dict[str, Any], field_name: str) -> None:
    """Bad fields, no roles, or theaters managed without the theater-admin role are refused."""
    with pytest.raises(InvalidInput) as info:
        user(**changes)
    assert info.value.field == field_name


def test_inactive_users_cannot_act() -> None:
    """principal() of a deactivated user raises UserInactive; reactivating restores it."""
    u = user().deactivate()
    with pytest.raises(UserInactive) as info:
        u.principal()
    assert info.value.code == "user_inactive"
    assert u.reactivate().principal().user_id == "u-1"


def test_with_roles_sets_roles_and_theaters_together() -> None:
    """Promoting to theater admin with theaters works; theaters without the role are refused."""
    admin = user().with_roles([Role.THEATER_ADMIN, "customer"], ["t-1"])
    assert admin.principal() == Principal(
        user_id="u-1", roles={Role.THEATER_ADMIN, Role.CUSTOMER}, theater_ids={"t-1"}
    )
    with pytest.raises(InvalidInput):
        user().with_roles([Role.CUSTOMER], ["t-1"])


@given(users())
def test_user_round_trips_and_principal_mirrors_it(u: User) -> None:
    """Rebuilding a user from its fields is equal; its principal carries its roles and theaters."""
    assert attrs.evolve(u) == u
    if u.active:
        p = u.principal()
        assert (p.user_id, p.roles, p.theater_ids) == (u.user_id, u.roles, u.theater_ids)
    assert u.with_password_hash("new-hash").password_hash == "new-hash"


# ---- Permissions -------------------------------------------------------------------------------

# The specification, written out by hand as a matrix independent of the implementation's tables:
# for each action, the resource kinds it applies to and what each role may do.
#   "all" = any such resource, "own" = owner_id is the actor, "mine" = theater_id is managed,
#   "-"   = nothing.
_ROLE_ORDER = (Role.CUSTOMER, Role.THEATER_ADMIN, Role.PLATFORM_ADMIN)
SPEC = {
    #                        kinds                       customer theater_admin platform
    Action.MANAGE_CATALOG: ({"movie", "city", "coupon"}, ("-", "-", "all")),
    Action.MANAGE_THEATER: ({"theater", "screen"}, ("-", "mine", "all")),
    Action.MANAGE_SHOW: ({"show"}, ("-", "mine", "all")),
    Action.CANCEL_SHOW: ({"show"}, ("-", "mine", "all")),
    Action.HOLD_SEATS: ({"hold"}, ("own", "-", "all")),
    Action.VIEW_BOOKING: ({"booking"}, ("own", "mine", "all")),
    Action.MANAGE_BOOKING: ({"booking"}, ("own", "-", "all")),
    Action.CHECK_IN: ({"booking"}, ("-", "mine", "all")),
    Action.WRITE_REVIEW: ({"review"}, ("own", "-", "all")),
    Action.MODERATE_REVIEW: ({"review"}, ("-", "-", "all")),
    Action.VOTE_REVIEW: ({"review"}, ("own", "own", "all")),
    Action.MANAGE_ACCOUNT: ({"user"}, ("own", "own", "all")),
    Action.MANAGE_USERS: ({"user"}, ("-", "-", "all")),
    Action.RUN_OPERATIONS: ({"booking"}, ("-", "-", "all")),
}


def expected(role: Role, action: Action, kind: ResourceKind, own: bool, managed: bool) -> bool:
    kinds, grants = SPEC[action]
    grant = grants[_ROLE_ORDER.index(role)]
    if kind not in kinds:
        return False
    return {"all": True, "own": own, "mine": managed, "-": False}[grant]


def test_spec_covers_every_action() -> None:
    """The hand-written matrix names every action, so a new action must be specified here."""
    assert set(SPEC) == set(Action) == set(PERMISSIONS) == set(ACTION_KINDS)


def test_permission_matrix() -> None:
    """can() agrees with the hand-written matrix for every role, action, kind and relation."""
    mismatches = []
    for role, action, kind, own, managed in itertools.product(
        Role, Action, ResourceKind, (False, True), (False, True)
    ):
        actor = Principal(
            user_id="u-1",
            roles={role},
            theater_ids={"t-1"} if role is Role.THEATER_ADMIN else (),
        )
        resource = Resource(
            kind=kind,
            resource_id="r-1",
            owner_id="u-1" if own else "u-2",
            theater_id="t-1" if managed else "t-2",
        )
        if can(actor, action, resource) != expected(role, action, kind, own, managed):
            mismatches.append((role.value, action.value, kind.value, own, managed))
    assert mismatches == []


def test_scenarios_in_words() -> None:
    """Customers act on their own things; theater admins on their theaters; platform on all."""
    asha = Principal(user_id="asha", roles={Role.CUSTOMER})
    ravi = Principal(user_id="ravi", roles={Role.THEATER_ADMIN}, theater_ids={"pvr-forum"})
    root = Principal(user_id="root", roles={Role.PLATFORM_ADMIN})
    ashas_booking = Resource(kind="booking", owner_id="asha", theater_id="pvr-forum")
    other_booking = Resource(kind="booking", owner_id="vikram", theater_id="inox")
    assert can(asha, Action.MANAGE_BOOKING, ashas_booking)
    assert not can(asha, Action.VIEW_BOOKING, other_booking)
    assert can(ravi, Action.CHECK_IN, ashas_booking)
    assert not can(ravi, Action.CHECK_IN, other_booking)
    assert not can(ravi, Action.MANAGE_BOOKING, ashas_booking)
    assert can(root, Action.CHECK_IN, other_booking)
    assert not can(root, Action.CHECK_IN, Resource(kind="review", owner_id="asha"))
    new_theater = Resource(kind="theater", resource_id="cinepolis")
    assert not can(ravi, Action.MANAGE_THEATER, new_theater)


def test_missing_owner_or_theater_never_matches() -> None:
    """A resource without owner or theater is not 'own' or 'managed' for anyone."""
    asha = Principal(user_id="asha", roles={Role.CUSTOMER})
    ravi = Principal(user_id="ravi", roles={Role.THEATER_ADMIN}, theater_ids={"pvr"})
    assert not can(asha, Action.HOLD_SEATS, Resource(kind="hold"))
    assert not can(ravi, Action.MANAGE_SHOW, Resource(kind="show"))


def test_require_raises_permission_denied_with_reason() -> None:
    """require raises PermissionDenied naming the action, the resource and why."""
    asha = Principal(user_id="asha", roles={Role.CUSTOMER})
    with pytest.raises(PermissionDenied) as info:
        require(
            asha, Action.VIEW_BOOKING, Resource(kind="booking", resource_id="b-9", owner_id="x")
        )
    assert info.value.code == "permission_denied"
    assert info.value.details() == {
        "action": "view_booking",
        "resource": "booking:b-9",
        "reason": "only the owner may",
    }
    with pytest.raises(PermissionDenied) as info:
        require(asha, Action.MODERATE_REVIEW, Resource(kind="review"))
    assert info.value.reason == "no role of this user grants it"
    with pytest.raises(PermissionDenied) as info:
        require(asha, Action.HOLD_SEATS, Resource(kind="show"))
    assert "does not apply" in info.value.reason


@given(principals(), st.sampled_from(Action), resources())
def test_require_agrees_with_can(principal: Principal, action: Action, res: Resource) -> None:
    """require passes exactly when can is true, and then denial_reason is None."""
    allowed = can(principal, action, res)
    assert (denial_reason(principal, action, res) is None) == allowed
    if allowed:
        require(principal, action, res)
    else:
        with pytest.raises(PermissionDenied):
            require(principal, action, res)


@given(principals(), st.sampled_from(Role), st.sampled_from(Action), resources())
def test_more_roles_never_take_permissions_away(
    principal: Principal, extra: Role, action: Action, res: Resource
) -> None:
    """Adding a role to a principal only ever adds permissions."""
    wider = attrs.evolve(principal, roles=principal.roles | {extra})
    if can(principal, action, res):
        assert can(wider, action, res)


@given(st.sampled_from(Action), resources())
def test_platform_admins_may_do_anything_that_applies(action: Action, res: Resource) -> None:
    """A platform admin is allowed every action on every resource kind the action applies to."""
    root = Principal(user_id="root", roles={Role.PLATFORM_ADMIN})
    assert can(root, action, res) == (res.kind in ACTION_KINDS[action])


def test_principal_validates() -> None:
    """A principal needs an id and a role, and theaters only with the theater-admin role."""
    with pytest.raises(InvalidInput):
        Principal(user_id="", roles={Role.CUSTOMER})
    with pytest.raises(InvalidInput):
        Principal(user_id="u", roles=())
    with pytest.raises(InvalidInput):
        Principal(user_id="u", roles={Role.CUSTOMER}, theater_ids={"t-1"})
    with pytest.raises(InvalidInput):
        Resource(kind="planet")


@given(emails(), phones())
def test_contact_values_are_hashable_values(email: Email, phone: Phone) -> None:
    """Email and Phone compare and hash by value, so they can key lookups."""
    assert {email: 1}[Email(email.value)] == 1
    assert {phone: 1}[Phone(phone.value)] == 1


def test_revoking_tokens_moves_the_version_on_and_nothing_else() -> None:
    """revoke_tokens gives a copy one version later; the version is a non-negative integer."""
    user = User(user_id="u1", email="a@example.com", name="A", password_hash="h")
    revoked = user.revoke_tokens()
    assert revoked.token_version == user.token_version + 1
    assert attrs.evolve(revoked, token_version=0) == user
    bad_versions: tuple[Any, ...] = (-1, True, "1", 1.0)
    for bad in bad_versions:
        with pytest.raises(InvalidInput):
            attrs.evolve(user, token_version=bad)
