"""The error hierarchy shared by the whole library.

Every error raised on purpose by bookmyshow derives from :class:`BookMyShowError` and carries a
stable machine-readable ``code`` (a class attribute that never changes between releases) and the
fields that explain it.  :meth:`BookMyShowError.details` gives those fields as a plain dict so that
a driving adapter (an HTTP app, a CLI) can render any error without knowing its class.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import attrs
from attrs import define, field

__all__ = [
    "BookMyShowError",
    "DomainError",
    "InvalidInput",
    "PermissionDenied",
]


def _sorted_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(values))


@define(auto_exc=True, kw_only=True)
class BookMyShowError(Exception):
    """Root of every error bookmyshow raises on purpose."""

    code: ClassVar[str] = "bookmyshow_error"

    def details(self) -> dict[str, Any]:
        """The error's fields as JSON-friendly values (tuples and frozensets become lists)."""
        out: dict[str, Any] = {}
        for a in attrs.fields(type(self)):
            value = getattr(self, a.name)
            if isinstance(value, frozenset | set):
                value = sorted(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[a.name] = value
        return out

    def __str__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.details().items())
        return f"{self.code}: {fields}" if fields else self.code


@define(auto_exc=True, kw_only=True)
class DomainError(BookMyShowError):
    """A business rule refused the request; retrying it unchanged gives the same answer."""

    code: ClassVar[str] = "domain_error"


@define(auto_exc=True, kw_only=True)
class InvalidInput(DomainError):
    """A value given to the library is malformed or out of range.

    ``field`` names the offending input (dotted for nested values); ``reason`` says what is wrong.
    """

    code: ClassVar[str] = "invalid_input"
    field: str
    reason: str


@define(auto_exc=True, kw_only=True)
class PermissionDenied(DomainError):
    """The acting principal may not perform ``action`` on ``resource``."""

    code: ClassVar[str] = "permission_denied"
    action: str
    resource: str
    reason: str = field(default="")
