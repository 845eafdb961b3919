"""Accounts: registration, login, token refresh, request authentication and user administration.

:class:`Accounts` is the only service that turns credentials into identities.  A login returns a
:class:`TokenPair`: a short-lived *access* token that carries the user's roles and theaters (so
:meth:`Accounts.authenticate` builds a :class:`~bookmyshow.domain.users.Principal` without a
store read on every request) and a long-lived *refresh* token that only names the user (so
:meth:`Accounts.refresh` reloads the account and issues tokens with its current roles).  The two
are told apart by their ``typ`` claim, and neither is accepted in place of the other.

Passwords are checked against the policy here (8 to 128 characters, not blank, not the email
address) and hashed by the :class:`~bookmyshow.ports.security.PasswordHasher` port; a login
upgrades a hash made with older parameters.  A login for an unknown email costs the same key
derivation as a wrong password, and both fail with the same :class:`InvalidCredentials`.  See
``docs/accounts.md``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar, Final

from attrs import define, field, frozen

from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.users import (
    Action,
    Email,
    Principal,
    Resource,
    ResourceKind,
    Role,
    User,
    require,
)
from bookmyshow.domain.validation import require_instance
from bookmyshow.ports.errors import Conflict, NotFound
from bookmyshow.ports.security import InvalidToken, TokenClaims
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._units import in_unit, read_unit
from bookmyshow.services.context import Policies, Ports

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "Accounts",
    "EmailTaken",
    "InvalidCredentials",
    "TokenPair",
    "WeakPassword",
]

MIN_PASSWORD_LENGTH: Final = 8
"""The shortest password accepted, in characters (code points)."""

MAX_PASSWORD_LENGTH: Final = 128
"""The longest password accepted, in characters: a bound on the work one login can demand."""

_ACCESS: Final = "access"
_REFRESH: Final = "refresh"
_VERSION: Final = "ver"
_USER_ID_PREFIX: Final = "usr"
# Stands in for the hash while a new account's other fields are validated, so that bad input
# is refused before the (deliberately slow) key derivation runs.  It never reaches a store.
_PENDING_HASH: Final = "!pending"


@define(auto_exc=True, kw_only=True)
class WeakPassword(InvalidInput):
    """The password breaks the policy: shorter than 8 or longer than 128 characters, only
    whitespace, or the account's email address.  ``field`` names the argument (``password``,
    or ``new_password`` when changing it) and ``reason`` the rule."""

    code: ClassVar[str] = "weak_password"


@define(auto_exc=True, kw_only=True)
class EmailTaken(DomainError):
    """Another account already uses ``email`` (compared as :class:`~bookmyshow.domain.users.Email`
    normalises it: the domain's case does not matter)."""

    code: ClassVar[str] = "email_taken"
    email: str


@define(auto_exc=True, kw_only=True)
class InvalidCredentials(DomainError):
    """The email and password do not match an account.  Deliberately says no more: an unknown
    email and a wrong password are indistinguishable."""

    code: ClassVar[str] = "invalid_credentials"


@frozen(kw_only=True)
class TokenPair:
    """What a login or refresh returns: an access token and a refresh token for ``user_id``.

    ``access_expires_at`` and ``refresh_expires_at`` are the tokens' own ``exp`` instants (whole
    seconds, UTC).  The tokens are bearer secrets and are left out of ``repr``.
    """

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime
    user_id: str
    token_type: str = "Bearer"


def _check_password(password: object, email: Email, name: str) -> str:
    """``password`` if the policy accepts it for an account with ``email``."""
    if not isinstance(password, str):
        raise InvalidInput(field=name, reason="must be a string")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(field=name, reason=f"at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(field=name, reason=f"at most {MAX_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise WeakPassword(field=name, reason="must not be only whitespace")
    if password.strip().casefold() == email.value.casefold():
        raise WeakPassword(field=name, reason="must not be the email address")
    try:
        password.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(field=name, reason="must be Unicode text (no lone surrogate)") from exc
    return password


def _account(user_id: str) -> Resource:
    return Resource(kind=ResourceKind.USER, resource_id=user_id, owner_id=user_id)


async def _require_theaters(uow: UnitOfWork, theater_ids: Iterable[str]) -> None:
    for theater_id in sorted(theater_ids):
        await uow.venues.get_theater(theater_id)


class Accounts:
    """Registration, login, tokens and account administration over :class:`Ports`.

    Token lifetimes come from ``policies.access_token_ttl`` and ``policies.refresh_token_ttl``.
    Every change runs in its own unit of work; no domain event is published (there is no
    account event type).
    """

    def __init__(self, ports: Ports, policies: Policies) -> None:
        self._ports = ports
        self._policies = policies
        self._dummy_hash: str | None = None

    # --- no actor: the ways in -------------------------------------------------------------

    async def register(
        self, email: str, name: str, password: str, phone: str | None = None
    ) -> User:
        """Create a customer account and return it.

        The email and phone are normalised (:class:`~bookmyshow.domain.users.Email`,
        :class:`~bookmyshow.domain.users.Phone`), the password is checked against the policy and
        stored only as a hash, and the id is ``usr…``.  Nothing is stored when anything fails.

        Raises :class:`WeakPassword` (``field="password"``) for a password the policy refuses,
        ``InvalidInput`` for a malformed email, name or phone or a password with no UTF-8 form,
        and :class:`EmailTaken` when another account has the email.
        """
        return await self._create(email, name, password, phone, roles=(Role.CUSTOMER,))

    async def provision(
        self,
        email: str,
        name: str,
        password: str,
        roles: Iterable[Role | str],
        theater_ids: Iterable[str] = (),
    ) -> User:
        """Create an account with any ``roles`` (and managed ``theater_ids``) without an actor.

        This is the operator's bootstrap path — the CLI, demos, and the first platform admin,
        who then grants roles through :meth:`grant_roles`.  It checks no permission, so it must
        never be reachable over the network.  Validation is :meth:`register`'s, and every
        theater must exist.

        Raises what :meth:`register` raises, ``InvalidInput`` for no or unknown roles or theaters
        without the theater-admin role, and ``NotFound(kind="theater")`` for an unknown theater.
        """
        return await self._create(email, name, password, None, roles=roles, theaters=theater_ids)

    async def login(self, email: str, password: str) -> TokenPair:
        """Check the credentials and return a fresh :class:`TokenPair`.

        An unknown email still runs one password verification (against a dummy hash) so that
        the time taken does not reveal which emails have accounts.  A hash made with parameters
        the hasher no longer uses is replaced by a fresh one.

        Raises :class:`InvalidCredentials` for an unknown email or a wrong password (the same
        error either way), :class:`~bookmyshow.domain.users.UserInactive` for a deactivated
        account (only once the password is right), ``InvalidInput`` for a malformed email or a
        password that is not a string, and
        :class:`~bookmyshow.ports.security.InvalidPasswordHash` for a corrupt stored hash.
        """
        address = Email(email)
        if not isinstance(password, str):
            raise InvalidInput(field="password", reason="must be a string")
        passwords = self._ports.passwords
        # Made on the first login of either kind, so neither path alone pays for it.
        dummy = await self._dummy()
        user = await read_unit(self._ports, lambda uow: uow.users.by_email(address.value))
        if user is None:
            await passwords.verify(password, dummy)
            raise InvalidCredentials()
        if not await passwords.verify(password, user.password_hash):
            raise InvalidCredentials()
        user.principal()  # raises UserInactive
        if passwords.needs_rehash(user.password_hash):
            user = await self._rehash(user, password)
        return await self._issue(user)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """A new :class:`TokenPair` for the user a genuine refresh token names.

        The account is read again, so the new access token carries its current roles.  A token
        issued before the account's tokens were revoked (a password change, a deactivation) is
        refused; otherwise the presented refresh token stays valid until it expires.

        Raises :class:`~bookmyshow.ports.security.ExpiredToken` for an expired token,
        :class:`~bookmyshow.ports.security.InvalidToken` for any other bad token, an access
        token, or a user that no longer exists, and
        :class:`~bookmyshow.domain.users.UserInactive` for a deactivated account.
        """
        claims = await self._verify(refresh_token, _REFRESH)
        try:
            user = await read_unit(self._ports, lambda uow: uow.users.get(claims.subject))
        except NotFound as exc:
            raise InvalidToken(reason="the token's user no longer exists") from exc
        user.principal()  # raises UserInactive
        if claims.extra.get(_VERSION) != user.token_version:
            raise InvalidToken(reason="the token was revoked")
        return await self._issue(user)

    async def authenticate(self, access_token: str) -> Principal:
        """The :class:`~bookmyshow.domain.users.Principal` a genuine access token speaks for.

        Built from the token's claims alone, without reading the store (this runs on every
        request): a change of roles or a deactivation takes effect when the user's current
        access tokens expire, at most ``policies.access_token_ttl`` later.

        Raises :class:`~bookmyshow.ports.security.ExpiredToken` for an expired token and
        :class:`~bookmyshow.ports.security.InvalidToken` for any other bad token, a refresh
        token, or claims that do not describe a principal.
        """
        claims = await self._verify(access_token, _ACCESS)
        roles, theaters = claims.extra.get("roles"), claims.extra.get("theaters")
        if not (isinstance(roles, tuple) and isinstance(theaters, tuple)):
            raise InvalidToken(reason="an access token lists roles and theaters")
        try:
            return Principal(user_id=claims.subject, roles=roles, theater_ids=theaters)
        except InvalidInput as exc:
            raise InvalidToken(reason=f"claims describe no principal: {exc}") from exc

    # --- the actor's own account -----------------------------------------------------------

    async def me(self, actor: Principal) -> User:
        """The actor's own account as stored now.

        Raises ``PermissionDenied`` if the actor may not manage the account,
        :class:`~bookmyshow.domain.users.UserInactive` if it was deactivated,
        ``NotFound(kind="user")`` if it no longer exists, and ``InvalidInput`` for an actor that
        is not a :class:`~bookmyshow.domain.users.Principal`.
        """
        require_instance(actor, Principal, "actor")
        require(actor, Action.MANAGE_ACCOUNT, _account(actor.user_id))
        user = await read_unit(self._ports, lambda uow: uow.users.get(actor.user_id))
        user.principal()  # raises UserInactive
        return user

    async def change_password(
        self, actor: Principal, current_password: str, new_password: str
    ) -> None:
        """Replace the actor's password after checking the current one.

        Every refresh token issued before is revoked (the account's token version moves on), so
        other sessions end when their access tokens expire; the caller logs in again for a new
        pair.  If the password was changed by
        someone else between the check and the save, the current password given is stale and
        the change is refused.

        Raises ``PermissionDenied`` if the actor may not manage the account,
        :class:`~bookmyshow.domain.users.UserInactive` for a deactivated account,
        :class:`WeakPassword` (``field="new_password"``) for a new password the policy refuses,
        :class:`InvalidCredentials` for a wrong (or stale) current password,
        ``NotFound(kind="user")`` for a vanished account, and ``InvalidInput`` for arguments of
        the wrong type.
        """
        require_instance(actor, Principal, "actor")
        require(actor, Action.MANAGE_ACCOUNT, _account(actor.user_id))
        if not isinstance(current_password, str):
            raise InvalidInput(field="current_password", reason="must be a string")
        user = await read_unit(self._ports, lambda uow: uow.users.get(actor.user_id))
        user.principal()  # raises UserInactive
        _check_password(new_password, user.email, "new_password")
        passwords = self._ports.passwords
        if not await passwords.verify(current_password, user.password_hash):
            raise InvalidCredentials()
        new_hash = await passwords.hash(new_password)

        async def step(uow: UnitOfWork) -> None:
            current = await uow.users.get(user.user_id)
            if current.password_hash != user.password_hash:
                raise InvalidCredentials()
            # A changed password ends every session: earlier refresh tokens stop working.
            await uow.users.save(current.with_password_hash(new_hash).revoke_tokens())

        await in_unit(self._ports, self._policies, step)

    # --- administration (platform admins) --------------------------------------------------

    async def grant_roles(
        self,
        actor: Principal,
        user_id: str,
        roles: Iterable[Role | str],
        theater_ids: Iterable[str] = (),
    ) -> User:
        """Give ``user_id`` exactly ``roles`` and ``theater_ids`` (replacing what it had).

        Only a platform admin may.  Every theater must exist.  Takes effect in the user's next
        access token (a refresh or login).

        Raises ``PermissionDenied`` unless the actor manages users, ``InvalidInput`` for no or
        unknown roles, theaters without the theater-admin role, or a malformed id,
        ``NotFound(kind="user")`` / ``NotFound(kind="theater")`` for an unknown user or theater.
        """
        require_instance(actor, Principal, "actor")
        require(actor, Action.MANAGE_USERS, _account(user_id))
        # Validates and materialises both collections once, before any unit (and any retry).
        wanted = Principal(user_id=user_id, roles=roles, theater_ids=theater_ids)

        async def step(uow: UnitOfWork) -> User:
            user = await uow.users.get(user_id)
            await _require_theaters(uow, wanted.theater_ids)
            updated = user.with_roles(wanted.roles, wanted.theater_ids)
            if updated != user:
                await uow.users.save(updated)
            return updated

        return await in_unit(self._ports, self._policies, step)

    async def deactivate(self, actor: Principal, user_id: str) -> User:
        """Deactivate ``user_id`` and return it; deactivating an inactive user changes nothing.

        A deactivated user cannot log in, refresh, or use :meth:`me`; access tokens already
        issued authenticate until they expire.  Only a platform admin may.

        Raises ``PermissionDenied`` unless the actor manages users, ``InvalidInput`` for a
        malformed id, and ``NotFound(kind="user")`` for an unknown user.
        """
        require_instance(actor, Principal, "actor")
        require(actor, Action.MANAGE_USERS, _account(user_id))

        async def step(uow: UnitOfWork) -> User:
            user = await uow.users.get(user_id)
            if not user.active:
                return user
            updated = user.deactivate().revoke_tokens()
            await uow.users.save(updated)
            return updated

        return await in_unit(self._ports, self._policies, step)

    # --- helpers ---------------------------------------------------------------------------

    async def _create(
        self,
        email: str,
        name: str,
        password: str,
        phone: str | None,
        *,
        roles: Iterable[Role | str],
        theaters: Iterable[str] = (),
    ) -> User:
        address = Email(email)
        _check_password(password, address, "password")
        draft = User(
            user_id=self._ports.ids.new_id(_USER_ID_PREFIX),
            email=address,
            name=name,
            password_hash=_PENDING_HASH,
            phone=phone,
            roles=roles,
            theater_ids=theaters,
        )

        async def check(uow: UnitOfWork) -> None:
            # Fail before the slow hash; the unique email in the store still decides races.
            if await uow.users.by_email(address.value) is not None:
                raise EmailTaken(email=address.value)
            # Theaters are never removed, so one that exists now still exists at the add.
            await _require_theaters(uow, draft.theater_ids)

        await read_unit(self._ports, check)
        user = draft.with_password_hash(await self._ports.passwords.hash(password))

        async def add(uow: UnitOfWork) -> User:
            await uow.users.add(user)
            return user

        try:
            return await in_unit(self._ports, self._policies, add)
        except Conflict as exc:
            if exc.what == "email":
                raise EmailTaken(email=address.value) from exc
            raise

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._ports.passwords.hash(secrets.token_urlsafe(24))
        return self._dummy_hash

    async def _rehash(self, user: User, password: str) -> User:
        new_hash = await self._ports.passwords.hash(password)

        async def step(uow: UnitOfWork) -> User:
            current = await uow.users.get(user.user_id)
            if current.password_hash != user.password_hash:
                return current  # changed meanwhile: the newer password wins
            updated = current.with_password_hash(new_hash)
            await uow.users.save(updated)
            return updated

        return await in_unit(self._ports, self._policies, step)

    async def _verify(self, token: str, kind: str) -> TokenClaims:
        claims = await self._ports.tokens.verify(token)
        if claims.extra.get("typ") != kind:
            raise InvalidToken(reason=f"the token's typ is not {kind!r}")
        return claims

    async def _issue(self, user: User) -> TokenPair:
        tokens, policies = self._ports.tokens, self._policies
        access = await tokens.issue(
            user.user_id,
            ttl=policies.access_token_ttl,
            extra={
                "typ": _ACCESS,
                _VERSION: user.token_version,
                "roles": sorted(str(role) for role in user.roles),
                "theaters": sorted(user.theater_ids),
            },
        )
        refresh = await tokens.issue(
            user.user_id,
            ttl=policies.refresh_token_ttl,
            extra={"typ": _REFRESH, _VERSION: user.token_version},
        )
        # Read back so the expiry instants are exactly the tokens' own.
        access_claims, refresh_claims = await tokens.verify(access), await tokens.verify(refresh)
        return TokenPair(
            access_token=access,
            refresh_token=refresh,
            access_expires_at=access_claims.expires_at,
            refresh_expires_at=refresh_claims.expires_at,
            user_id=user.user_id,
        )
