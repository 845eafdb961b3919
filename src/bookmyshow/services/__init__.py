"""Use cases: they take ports, call domain rules, and own transactions through a unit of work."""

from bookmyshow.services.inventory import SeatInventory, SeatState, SeatStatus

__all__ = ["SeatInventory", "SeatState", "SeatStatus"]
