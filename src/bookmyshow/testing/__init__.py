"""Tools for adapter authors: the contract suite and Hypothesis strategies (extra ``testing``).

Run a contract against your adapter by subclassing it in a test module and overriding its one
factory fixture; see ``docs/testing.md``.
"""

__all__: list[str] = []
