"""The notification port: tell a user something (booking confirmed, refund issued, ...).

A :class:`Notification` names a template and carries the data to fill it; rendering and the
channel (e-mail, SMS, push) are the adapter's business.  Each notification has an id so that a
retried use case does not notify twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, Protocol, TypeAlias

from attrs import field, frozen

from bookmyshow.domain.errors import InvalidInput

__all__ = ["TEMPLATE_PATTERN", "Notification", "Notifier", "TemplateValue"]

TemplateValue: TypeAlias = (
    "str | int | bool | Sequence[TemplateValue] | Mapping[str, TemplateValue] | None"
)
"""Template data: JSON-like values without floats (format money as text with ``str(money)``)."""

TEMPLATE_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
"""Template names are dotted lowercase identifiers: ``"booking.confirmed"``."""

_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+")
_MAX_DEPTH: Final = 32
"""Template data nests at most this deep (a deeper or self-containing value is refused)."""


def _snapshot(value: object, path: str, depth: int = 0) -> TemplateValue:
    """A deep copy of ``value`` with sequences as tuples; ``InvalidInput`` for other types."""
    if value is None or isinstance(value, str | int | bool):
        return value
    if depth >= _MAX_DEPTH:
        raise InvalidInput(field=path, reason=f"template data nests at most {_MAX_DEPTH} deep")
    if isinstance(value, Mapping):
        return _snapshot_mapping(value, path, depth + 1)
    if isinstance(value, list | tuple):
        return tuple(_snapshot(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
    raise InvalidInput(
        field=path, reason=f"{type(value).__name__} is not template data (str, int, bool, None)"
    )


def _snapshot_mapping(
    value: Mapping[Any, object], path: str, depth: int = 0
) -> dict[str, TemplateValue]:
    out: dict[str, TemplateValue] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidInput(field=path, reason="template data keys are strings")
        out[key] = _snapshot(item, f"{path}.{key}", depth)
    return out


def _data(value: Mapping[str, TemplateValue]) -> Mapping[str, TemplateValue]:
    if not isinstance(value, Mapping):
        raise InvalidInput(field="data", reason="must be a mapping")
    return _snapshot_mapping(value, "data")


@frozen(kw_only=True)
class Notification:
    """A message for ``user_id`` (optionally at ``email``) from ``template`` with ``data``.

    ``notification_id`` makes sending idempotent.  ``data`` is deep-copied (lists become
    tuples).  Raises :class:`~bookmyshow.domain.errors.InvalidInput` for an empty id or user, a
    template name not matching :data:`TEMPLATE_PATTERN`, a malformed e-mail address, or data
    holding anything but strings, ints, bools, ``None``, sequences and string-keyed mappings
    (nested at most 32 deep).
    """

    notification_id: str
    user_id: str
    template: str
    email: str | None = None
    data: Mapping[str, TemplateValue] = field(factory=dict, converter=_data)

    def __attrs_post_init__(self) -> None:
        for name in ("notification_id", "user_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise InvalidInput(field=name, reason="must be a non-empty string")
        if not isinstance(self.template, str) or not TEMPLATE_PATTERN.fullmatch(self.template):
            raise InvalidInput(field="template", reason="a dotted lowercase name")
        if self.email is not None and (
            not isinstance(self.email, str) or not _EMAIL.fullmatch(self.email)
        ):
            raise InvalidInput(field="email", reason="not an e-mail address")


class Notifier(Protocol):
    """Delivers notifications.

    Errors: :class:`~bookmyshow.ports.errors.BackendUnavailable` when the notification could not
    be handed over (it may be retried with the same id).
    """

    async def send(self, notification: Notification) -> None:
        """Hand ``notification`` over for delivery; a ``notification_id`` already sent is a
        no-op."""
        ...
