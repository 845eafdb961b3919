"""Shapes shared by every resource, and naming a bad value as the client sent it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta

from attrs import evolve, frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import Money

__all__ = ["whole_minutes", "MoneyRead", "renamed", "wire_names"]


@frozen(kw_only=True)
class MoneyRead:
    """An amount: ``paise`` is exact (integer minor units); ``display`` is for people."""

    paise: int
    currency: str
    display: str

    @classmethod
    def of(cls, money: Money) -> MoneyRead:
        """The wire shape of ``money``."""
        return cls(paise=money.amount, currency=money.currency, display=str(money))


def renamed(error: InvalidInput, names: Mapping[str, str], *, prefix: str = "") -> InvalidInput:
    """``error`` with its ``field`` named as the client sent it; ``reason`` (and the error's
    class and code) unchanged.

    The library names its own parameters (``on``, ``code``, ``rows[2].cells``); a client knows
    the query parameter, header or body field it sent (``date``, ``coupon``, ``rows[2].seats``).
    ``names`` maps a library name to the wire name; it matches the whole field or its last dotted
    part (``cells`` renames ``rows[2].cells``).  ``prefix`` goes before the result (``location.``
    for the fields of a nested body).  A field ``names`` does not know keeps its name.
    """
    name = error.field
    for library, wire in names.items():
        if name == library or name.endswith("." + library):
            name = name[: len(name) - len(library)] + wire
            break
    return evolve(error, field=prefix + name)


@contextmanager
def wire_names(names: Mapping[str, str], *, prefix: str = "") -> Iterator[None]:
    """Re-raise an :class:`InvalidInput` raised inside the block :func:`renamed` by ``names``
    and ``prefix`` (chained to the library's error); other errors pass unchanged.

    ``with wire_names({"on": "date"}): await ticketing.browsing.shows(..., on=on)``
    """
    try:
        yield
    except InvalidInput as exc:
        raise renamed(exc, names, prefix=prefix) from exc


def whole_minutes(span: timedelta) -> int:
    """``span`` in whole minutes, rounded down (durations and notice periods on the wire)."""
    return int(span.total_seconds() // 60)
