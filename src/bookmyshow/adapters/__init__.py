"""Adapters implement the ports, one subpackage per technology.

Only :mod:`bookmyshow.adapters.memory` ships with the core; the others need their extras.
"""

__all__: list[str] = []
