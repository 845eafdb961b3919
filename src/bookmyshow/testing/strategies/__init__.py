"""Hypothesis strategies for bookmyshow values, one module per area.

``catalog`` (movies, venues, shows, users, reviews), ``seating`` (layouts and taken seats),
``pricing`` (rules, coupons, quotes, cancellation policies), ``booking`` (bookings, refunds,
events) and ``inventory`` (hold requests and seat sets).
"""

__all__: list[str] = []
