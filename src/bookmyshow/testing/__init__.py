"""Tools for adapter authors: the contract suite and Hypothesis strategies (extra ``testing``).

Run a contract against your adapter by subclassing it in a test module and overriding its one
factory fixture; see ``docs/testing.md``.
"""

import pytest

# The contracts use plain asserts; registering them before they are imported lets pytest explain
# a failing one (the values compared) as it does for a test module's own asserts.
pytest.register_assert_rewrite("bookmyshow.testing.contracts")

__all__: list[str] = []
