"""Users, the acting identity (:class:`Principal`) and who may do what.

Authorization is data: :data:`PERMISSIONS` says, for each :class:`Action`, which :class:`Role`
grants it and in which :class:`Scope` (any resource, the principal's own, or one in a theater the
principal manages), and :data:`ACTION_KINDS` says which kinds of :class:`Resource` the action can
apply to.  :func:`can` reads the tables; :func:`require` raises
:class:`~bookmyshow.domain.errors.PermissionDenied` with the reason.

Contact details are values: :class:`Email` (lower-cased domain, at most 254 characters) and
:class:`Phone` (E.164; Indian ten-digit mobile numbers become ``+91…``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import ClassVar, Final, TypeVar

from attrs import define, evolve, field, frozen

from bookmyshow.domain.catalog import clean_text, parse_enum, require_id
from bookmyshow.domain.errors import DomainError, InvalidInput, PermissionDenied
from bookmyshow.domain.validation import require_collection, require_instance

__all__ = [
    "ACTION_KINDS",
    "PERMISSIONS",
    "Action",
    "Email",
    "Phone",
    "Principal",
    "Resource",
    "ResourceKind",
    "Role",
    "Scope",
    "User",
    "UserInactive",
    "can",
    "denial_reason",
    "require",
]

_MAX_EMAIL: Final = 254
_MAX_LOCAL: Final = 64
_MAX_DOMAIN: Final = 253
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_RE: Final = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*", re.ASCII)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# The last label must start with a letter, so "1.2.3.4" is not taken for a domain.
_DOMAIN_RE: Final = re.compile(rf"(?:{_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?", re.ASCII)
_E164_RE: Final = re.compile(r"\+[1-9][0-9]{7,14}", re.ASCII)
_INDIA_MOBILE_RE: Final = re.compile(r"(?:0|91)?([6-9][0-9]{9})", re.ASCII)
_PHONE_SEPARATORS: Final = str.maketrans("", "", " -().")
_MAX_NAME = 200


def _normalise_email(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field="email", reason="must be a string")
    text = value.strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise InvalidInput(field="email", reason="must look like name@example.com")
    # The local part is case-sensitive by the RFC, so only the domain is lower-cased.
    domain = domain.lower()
    if len(local) > _MAX_LOCAL or not _LOCAL_RE.fullmatch(local):
        raise InvalidInput(field="email", reason="invalid part before '@'")
    if len(domain) > _MAX_DOMAIN or not _DOMAIN_RE.fullmatch(domain):
        raise InvalidInput(field="email", reason="invalid domain")
    address = f"{local}@{domain}"
    if len(address) > _MAX_EMAIL:
        raise InvalidInput(field="email", reason=f"at most {_MAX_EMAIL} characters")
    return address


@frozen
class Email:
    """An email address (RFC 5322 dot-atom subset, ASCII).  The domain is lower-cased.

    Raises :class:`InvalidInput` (field ``email``) for anything that does not parse.
    """

    value: str = field(converter=_normalise_email)

    def __str__(self) -> str:
        return self.value

    @property
    def domain(self) -> str:
        """The part after ``@``."""
        return self.value.rpartition("@")[2]


def _normalise_phone(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field="phone", reason="must be a string")
    compact = value.strip().translate(_PHONE_SEPARATORS)
    if compact.startswith("+"):
        if not _E164_RE.fullmatch(compact):
            raise InvalidInput(field="phone", reason="E.164 is '+', country code, 8-15 digits")
        if compact.startswith("+91") and len(compact) != 13:
            raise InvalidInput(field="phone", reason="an Indian number has 10 digits after +91")
        return compact
    local = _INDIA_MOBILE_RE.fullmatch(compact)
    if local is None:
        raise InvalidInput(
            field="phone", reason="use E.164 (+919876543210) or a 10-digit Indian mobile number"
        )
    return f"+91{local.group(1)}"


@frozen
class Phone:
    """A phone number in E.164 form (``+919876543210``).

    Accepts E.164 (spaces, dashes, dots and brackets are ignored) and Indian mobile numbers written
    nationally: ten digits starting 6-9, optionally after ``0`` or ``91``.  Raises
    :class:`InvalidInput` (field ``phone``) otherwise.
    """

    value: str = field(converter=_normalise_phone)

    def __str__(self) -> str:
        return self.value


class Role(enum.StrEnum):
    """What a user is to the platform; a user may have several."""

    CUSTOMER = "customer"
    THEATER_ADMIN = "theater_admin"
    PLATFORM_ADMIN = "platform_admin"


class Action(enum.StrEnum):
    """Something a principal may try to do."""

    MANAGE_CATALOG = "manage_catalog"
    MANAGE_THEATER = "manage_theater"
    MANAGE_SHOW = "manage_show"
    CANCEL_SHOW = "cancel_show"
    HOLD_SEATS = "hold_seats"
    VIEW_BOOKING = "view_booking"
    MANAGE_BOOKING = "manage_booking"
    CHECK_IN = "check_in"
    WRITE_REVIEW = "write_review"
    MODERATE_REVIEW = "moderate_review"
    VOTE_REVIEW = "vote_review"
    MANAGE_ACCOUNT = "manage_account"
    MANAGE_USERS = "manage_users"
    RUN_OPERATIONS = "run_operations"


class ResourceKind(enum.StrEnum):
    """What an action is applied to."""

    MOVIE = "movie"
    CITY = "city"
    THEATER = "theater"
    SCREEN = "screen"
    SHOW = "show"
    HOLD = "hold"
    BOOKING = "booking"
    REVIEW = "review"
    USER = "user"
    COUPON = "coupon"


class Scope(enum.StrEnum):
    """How far a role's grant reaches."""

    ANY = "any"
    """Every resource of the kind."""
    OWN = "own"
    """Resources whose ``owner_id`` is the principal's ``user_id``."""
    MANAGED_THEATER = "managed_theater"
    """Resources whose ``theater_id`` is one of the principal's ``theater_ids``."""


_C, _T, _P = Role.CUSTOMER, Role.THEATER_ADMIN, Role.PLATFORM_ADMIN
_K = ResourceKind


_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


def _table(rows: Mapping[_Key, _Value]) -> Mapping[_Key, _Value]:
    # Read-only views: the rules cannot be changed by a caller at run time.
    return MappingProxyType(dict(rows))


ACTION_KINDS: Final[Mapping[Action, frozenset[ResourceKind]]] = _table(
    {
        Action.MANAGE_CATALOG: frozenset({_K.MOVIE, _K.CITY, _K.COUPON}),
        Action.MANAGE_THEATER: frozenset({_K.THEATER, _K.SCREEN}),
        Action.MANAGE_SHOW: frozenset({_K.SHOW}),
        Action.CANCEL_SHOW: frozenset({_K.SHOW}),
        Action.HOLD_SEATS: frozenset({_K.HOLD}),
        Action.VIEW_BOOKING: frozenset({_K.BOOKING}),
        Action.MANAGE_BOOKING: frozenset({_K.BOOKING}),
        Action.CHECK_IN: frozenset({_K.BOOKING}),
        Action.WRITE_REVIEW: frozenset({_K.REVIEW}),
        Action.MODERATE_REVIEW: frozenset({_K.REVIEW}),
        Action.VOTE_REVIEW: frozenset({_K.REVIEW}),
        Action.MANAGE_ACCOUNT: frozenset({_K.USER}),
        Action.MANAGE_USERS: frozenset({_K.USER}),
        Action.RUN_OPERATIONS: frozenset({_K.BOOKING}),
    }
)
"""The kinds of resource each action applies to; any other kind is refused for every role."""

_ALL = Scope.ANY
_OWN = Scope.OWN
_MANAGED = Scope.MANAGED_THEATER

PERMISSIONS: Final[Mapping[Action, Mapping[Role, Scope]]] = _table(
    {
        Action.MANAGE_CATALOG: _table({_P: _ALL}),
        Action.MANAGE_THEATER: _table({_T: _MANAGED, _P: _ALL}),
        Action.MANAGE_SHOW: _table({_T: _MANAGED, _P: _ALL}),
        Action.CANCEL_SHOW: _table({_T: _MANAGED, _P: _ALL}),
        Action.HOLD_SEATS: _table({_C: _OWN, _P: _ALL}),
        Action.VIEW_BOOKING: _table({_C: _OWN, _T: _MANAGED, _P: _ALL}),
        Action.MANAGE_BOOKING: _table({_C: _OWN, _P: _ALL}),
        Action.CHECK_IN: _table({_T: _MANAGED, _P: _ALL}),
        Action.WRITE_REVIEW: _table({_C: _OWN, _P: _ALL}),
        Action.MODERATE_REVIEW: _table({_P: _ALL}),
        # Every signed-in user may vote, as themselves (the vote's owner is the voter).
        Action.VOTE_REVIEW: _table({_C: _OWN, _T: _OWN, _P: _ALL}),
        Action.MANAGE_ACCOUNT: _table({_C: _OWN, _T: _OWN, _P: _ALL}),
        Action.MANAGE_USERS: _table({_P: _ALL}),
        Action.RUN_OPERATIONS: _table({_P: _ALL}),
    }
)
"""Who may do what: action → role → scope.  A role missing from a row grants nothing."""


def _to_roles(values: Iterable[Role | str]) -> frozenset[Role]:
    roles = frozenset(parse_enum(Role, v, "roles") for v in require_collection(values, "roles"))
    if not roles:
        raise InvalidInput(field="roles", reason="at least one role is required")
    return roles


def _to_ids(values: Iterable[str]) -> frozenset[str]:
    ids = require_collection(values, "theater_ids")
    return frozenset(require_id(v, "theater_ids") for v in ids)


def _check_theaters(roles: frozenset[Role], theater_ids: frozenset[str]) -> None:
    if theater_ids and Role.THEATER_ADMIN not in roles:
        raise InvalidInput(field="theater_ids", reason="only theater admins manage theaters")


@frozen(kw_only=True)
class Principal:
    """Who is acting: a user id, its roles and the theaters it manages.

    Raises :class:`InvalidInput` for an empty id, no roles, or theaters without the
    theater-admin role.
    """

    user_id: str
    roles: frozenset[Role] = field(converter=_to_roles)
    theater_ids: frozenset[str] = field(default=frozenset(), converter=_to_ids)

    def __attrs_post_init__(self) -> None:
        require_id(self.user_id, "user_id")
        _check_theaters(self.roles, self.theater_ids)


@define(auto_exc=True, kw_only=True)
class UserInactive(DomainError):
    """The account is deactivated: it cannot act."""

    code: ClassVar[str] = "user_inactive"
    user_id: str


def _to_email(value: Email | str) -> Email:
    return value if isinstance(value, Email) else Email(value)


def _to_phone(value: Phone | str | None) -> Phone | None:
    return value if value is None or isinstance(value, Phone) else Phone(value)


@frozen(kw_only=True)
class User:
    """An account.  ``password_hash`` is opaque (made by the security adapter) and never shown.

    ``email`` and ``phone`` accept strings and are normalised.  Raises :class:`InvalidInput` for
    bad fields, no roles, or ``theater_ids`` without the theater-admin role.
    """

    user_id: str
    email: Email = field(converter=_to_email)
    name: str
    password_hash: str = field(repr=False)
    phone: Phone | None = field(default=None, converter=_to_phone)
    roles: frozenset[Role] = field(default=frozenset({Role.CUSTOMER}), converter=_to_roles)
    theater_ids: frozenset[str] = field(default=frozenset(), converter=_to_ids)
    active: bool = True
    token_version: int = 0
    """Tokens issued at an older version are refused when refreshed (see :meth:`revoke_tokens`)."""

    def __attrs_post_init__(self) -> None:
        require_id(self.user_id, "user_id")
        object.__setattr__(self, "name", clean_text(self.name, "name", max_length=_MAX_NAME))
        if not isinstance(self.password_hash, str) or not self.password_hash:
            raise InvalidInput(field="password_hash", reason="must be a non-empty string")
        _check_theaters(self.roles, self.theater_ids)
        if not isinstance(self.active, bool):
            raise InvalidInput(field="active", reason="must be a bool")
        version = self.token_version
        if isinstance(version, bool) or not isinstance(version, int) or version < 0:
            raise InvalidInput(field="token_version", reason="must be a non-negative integer")

    def principal(self) -> Principal:
        """The identity this user acts as; raises :class:`UserInactive` if deactivated."""
        if not self.active:
            raise UserInactive(user_id=self.user_id)
        return Principal(user_id=self.user_id, roles=self.roles, theater_ids=self.theater_ids)

    def deactivate(self) -> User:
        """A copy that can no longer act."""
        return evolve(self, active=False)

    def reactivate(self) -> User:
        """A copy that can act again."""
        return evolve(self, active=True)

    def with_roles(self, roles: Iterable[Role | str], theater_ids: Iterable[str] = ()) -> User:
        """A copy with exactly ``roles`` and ``theater_ids``; raises InvalidInput like the class."""
        # The converters check the collections (a bare string is refused, not split).
        return evolve(self, roles=roles, theater_ids=theater_ids)

    def with_password_hash(self, password_hash: str) -> User:
        """A copy with a new password hash."""
        return evolve(self, password_hash=password_hash)

    def revoke_tokens(self) -> User:
        """A copy whose earlier tokens no longer refresh (the token version moves on)."""
        return evolve(self, token_version=self.token_version + 1)


def _to_kind(value: ResourceKind | str) -> ResourceKind:
    return parse_enum(ResourceKind, value, "kind")


@frozen(kw_only=True)
class Resource:
    """What an action is applied to, described by the facts the rules need.

    ``owner_id`` is the user a hold, booking, review or account belongs to; ``theater_id`` the
    theater a screen, show or booking is in.  ``resource_id`` only makes messages readable.
    Raises :class:`InvalidInput` for an unknown kind or an id that is neither None nor valid.
    """

    kind: ResourceKind = field(converter=_to_kind)
    resource_id: str | None = None
    owner_id: str | None = None
    theater_id: str | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("resource_id", "owner_id", "theater_id"):
            value = getattr(self, name)
            if value is not None:
                require_id(value, name)

    def describe(self) -> str:
        """``kind:id`` (or just the kind), for messages."""
        return f"{self.kind}:{self.resource_id}" if self.resource_id else str(self.kind)


def _reach(scope: Scope, principal: Principal, resource: Resource) -> str | None:
    """None when ``scope`` covers ``resource`` for ``principal``, else why not."""
    if scope is Scope.ANY:
        return None
    if scope is Scope.OWN:
        if resource.owner_id is not None and resource.owner_id == principal.user_id:
            return None
        return "only the owner may"
    if resource.theater_id is not None and resource.theater_id in principal.theater_ids:
        return None
    return "not a theater this user manages"


def denial_reason(principal: Principal, action: Action, resource: Resource) -> str | None:
    """Why ``principal`` may not do ``action`` on ``resource``, or None when it may.

    Raises :class:`InvalidInput` for an unknown action or arguments of the wrong type.
    """
    require_instance(principal, Principal, "principal")
    require_instance(resource, Resource, "resource")
    action = parse_enum(Action, action, "action")
    if resource.kind not in ACTION_KINDS[action]:
        return f"{action} does not apply to a {resource.kind}"
    reasons: list[str] = []
    for role, scope in PERMISSIONS[action].items():
        if role in principal.roles:
            why = _reach(scope, principal, resource)
            if why is None:
                return None
            reasons.append(why)
    return "; ".join(sorted(set(reasons))) if reasons else "no role of this user grants it"


def can(principal: Principal, action: Action, resource: Resource) -> bool:
    """Whether ``principal`` may do ``action`` on ``resource`` according to the tables."""
    return denial_reason(principal, action, resource) is None


def require(principal: Principal, action: Action, resource: Resource) -> None:
    """Return if :func:`can` allows it, else raise :class:`PermissionDenied` with the reason."""
    reason = denial_reason(principal, action, resource)
    if reason is not None:
        raise PermissionDenied(action=str(action), resource=resource.describe(), reason=reason)
