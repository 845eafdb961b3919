"""Contract suite for :class:`bookmyshow.ports.ids.IdGenerator` adapters.

Subclass :class:`IdGeneratorContract` and override the ``ids`` fixture.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.domain.booking import booking_code_from, parse_booking_code
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.ids import BOOKING_NUMBER_BITS, ID_PREFIX_PATTERN, IdGenerator

__all__ = ["IdGeneratorContract"]

_SUFFIX = re.compile(r"[0-9a-z]+")
_prefixes = st.from_regex(ID_PREFIX_PATTERN, fullmatch=True)
# The adapter fixture is deliberately shared by every example (a fresh prefix or key per example
# isolates them), and one property runs under several subclasses.
_contract = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
)


class IdGeneratorContract:
    """What every id generator promises: well-formed, unique, per-prefix sortable ids."""

    @pytest.fixture
    def ids(self) -> IdGenerator:
        """The generator under test (override in a subclass)."""
        raise NotImplementedError

    @_contract
    @given(prefix=_prefixes)
    def test_id_shape(self, ids: IdGenerator, prefix: str) -> None:
        """An id is the prefix, an underscore and a lowercase alphanumeric suffix, <= 64 chars."""
        new = ids.new_id(prefix)
        head, sep, suffix = new.partition("_")
        assert (head, sep) == (prefix, "_")
        assert _SUFFIX.fullmatch(suffix)
        assert len(new) <= 64

    def test_ids_are_unique_and_sorted_per_prefix(self, ids: IdGenerator) -> None:
        """1000 ids with one prefix are all different and sort in creation order."""
        made = [ids.new_id("bkg") for _ in range(1000)]
        assert len(set(made)) == len(made)
        assert made == sorted(made)

    def test_ids_differ_across_prefixes(self, ids: IdGenerator) -> None:
        """Ids made with different prefixes never coincide."""
        made = [ids.new_id(p) for p in ("show", "bkg", "show", "hold", "bkg")]
        assert len(set(made)) == len(made)

    @pytest.mark.parametrize("prefix", ["", "Bkg", "1bkg", "bkg_", "b-k", "a" * 17, "ü"])
    def test_bad_prefix_is_refused(self, ids: IdGenerator, prefix: str) -> None:
        """A prefix outside [a-z][a-z0-9]{0,15} raises InvalidInput(field="prefix")."""
        with pytest.raises(InvalidInput) as info:
            ids.new_id(prefix)
        assert info.value.field == "prefix"

    def test_booking_numbers_make_booking_codes_and_are_distinct(self, ids: IdGenerator) -> None:
        """Booking numbers are ints every one of which makes a booking code; 500 are distinct."""
        numbers = [ids.new_booking_number() for _ in range(500)]
        assert all(type(n) is int and 0 <= n < 2**BOOKING_NUMBER_BITS for n in numbers)
        assert all(parse_booking_code(booking_code_from(n)) == n for n in numbers)
        assert len(set(numbers)) == len(numbers)
