"""Rows to aggregates and back: the explicit mapping between the SQL tables and the domain.

Every ``<kind>_values`` function turns an aggregate into the column values of its table (without
``version``, which the repositories manage); every ``<kind>_from`` function rebuilds the
aggregate from a row, re-running the domain's own validation, so a corrupted row fails loudly
with :class:`~bookmyshow.domain.errors.InvalidInput` instead of yielding a bad aggregate.  Values
kept in JSON columns go through :data:`bookmyshow.adapters.sql.codec.converter`.

The schema stores two durations in whole seconds (a movie's and a show's runtime), so
``movie_values`` and ``show_values`` refuse a duration with a fraction of a second
(``InvalidInput``) rather than silently round it.  :func:`check_fits` refuses text longer than its
column on every backend alike (SQLite would store it, MariaDB would fail the statement).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Final, TypeVar

import cattrs
from sqlalchemy import String, Table

from bookmyshow.adapters.sql.codec import converter
from bookmyshow.domain.booking import Booking, BookingLine, BookingStatus, CancelReason, Refund
from bookmyshow.domain.catalog import Movie, parse_enum
from bookmyshow.domain.coupons import Coupon
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.layouts import SeatLayout
from bookmyshow.domain.money import Money
from bookmyshow.domain.pricing import TicketBreakdown
from bookmyshow.domain.reviews import Review
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import User
from bookmyshow.domain.venues import City, GeoPoint, Screen, Theater

__all__ = [
    "booking_from",
    "booking_values",
    "check_fits",
    "city_from",
    "city_values",
    "coupon_from",
    "coupon_values",
    "movie_from",
    "movie_values",
    "review_from",
    "review_values",
    "screen_from",
    "screen_values",
    "show_from",
    "show_values",
    "theater_from",
    "theater_values",
    "user_from",
    "user_values",
]

Row = Mapping[Any, Any]
"""A row as the repositories read it (a ``RowMapping``), looked up by column name."""

_T = TypeVar("_T")
_SECOND: Final = timedelta(seconds=1)


def check_fits(table: Table, values: Mapping[str, Any]) -> None:
    """Refuse (``InvalidInput`` naming the column) a string longer than its ``VARCHAR``."""
    for name, value in values.items():
        column_type = table.c[name].type
        if (
            isinstance(column_type, String)
            and column_type.length is not None
            and isinstance(value, str)
            and len(value) > column_type.length
        ):
            limit = column_type.length
            raise InvalidInput(field=name, reason=f"at most {limit} characters when stored")


def _seconds(value: timedelta, name: str) -> int:
    if value % _SECOND:
        raise InvalidInput(field=name, reason="the SQL store keeps whole seconds")
    return value // _SECOND


def _json(value: object) -> Any:
    return converter.unstructure(value)


def _structure(data: object, kind: type[_T] | Any, column: str) -> _T:
    try:
        result: _T = converter.structure(data, kind)
    except (cattrs.BaseValidationError, KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(field=column, reason=f"stored value does not decode: {exc}") from exc
    return result


def _decimal(text: str, column: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise InvalidInput(field=column, reason="stored value is not a decimal") from exc


# -- catalog ------------------------------------------------------------------------------------


def movie_values(movie: Movie) -> dict[str, Any]:
    """The ``movies`` columns of ``movie``."""
    return {
        "movie_id": movie.movie_id,
        "title": movie.title,
        "languages": _json(movie.languages),
        "duration_seconds": _seconds(movie.duration, "duration"),
        "release_date": movie.release_date,
        "certificate": movie.certificate.value,
        "formats": sorted(f.value for f in movie.formats),
        "description": movie.description,
        "genres": _json(movie.genres),
        "cast": _json(movie.cast),
        "director": movie.director,
        "status": movie.status.value,
        "rating": None if movie.rating is None else str(movie.rating),
        "rating_count": movie.rating_count,
        "popularity": movie.popularity,
    }


def movie_from(row: Row) -> Movie:
    """The movie stored in ``row``."""
    rating = row["rating"]
    return Movie(
        movie_id=row["movie_id"],
        title=row["title"],
        languages=tuple(row["languages"]),
        duration=timedelta(seconds=row["duration_seconds"]),
        release_date=row["release_date"],
        certificate=row["certificate"],
        formats=frozenset(row["formats"]),
        description=row["description"],
        genres=tuple(row["genres"]),
        cast=tuple(row["cast"]),
        director=row["director"],
        status=row["status"],
        rating=None if rating is None else _decimal(rating, "rating"),
        rating_count=row["rating_count"],
        popularity=row["popularity"],
    )


# -- venues -------------------------------------------------------------------------------------


def city_values(city: City) -> dict[str, Any]:
    """The ``cities`` columns of ``city``."""
    return {
        "city_id": city.city_id,
        "name": city.name,
        "state": city.state,
        "time_zone": city.time_zone,
    }


def city_from(row: Row) -> City:
    """The city stored in ``row``."""
    return City(
        city_id=row["city_id"], name=row["name"], state=row["state"], time_zone=row["time_zone"]
    )


def theater_values(theater: Theater) -> dict[str, Any]:
    """The ``theaters`` columns of ``theater``."""
    return {
        "theater_id": theater.theater_id,
        "name": theater.name,
        "city_id": theater.city_id,
        "address": theater.address,
        "lat": str(theater.location.lat),
        "lon": str(theater.location.lon),
        "time_zone": theater.time_zone,
        "amenities": sorted(theater.amenities),
    }


def theater_from(row: Row) -> Theater:
    """The theater stored in ``row``."""
    return Theater(
        theater_id=row["theater_id"],
        name=row["name"],
        city_id=row["city_id"],
        address=row["address"],
        location=GeoPoint(_decimal(row["lat"], "lat"), _decimal(row["lon"], "lon")),
        time_zone=row["time_zone"],
        amenities=frozenset(row["amenities"]),
    )


def screen_values(screen: Screen) -> dict[str, Any]:
    """The ``screens`` columns of ``screen`` (its layout as ``[[label, category, cells], ...]``)."""
    return {
        "screen_id": screen.screen_id,
        "theater_id": screen.theater_id,
        "name": screen.name,
        "layout": [[s.label, s.category, s.cells] for s in screen.layout.specs],
        "formats": sorted(f.value for f in screen.formats),
    }


def screen_from(row: Row) -> Screen:
    """The screen stored in ``row`` (equal stored layouts give the same :class:`SeatLayout`,
    see :meth:`SeatLayout.from_rows`)."""
    try:
        specs = tuple(
            (str(label), str(category), str(cells)) for label, category, cells in row["layout"]
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInput(field="layout", reason="stored value is not a row list") from exc
    return Screen(
        screen_id=row["screen_id"],
        theater_id=row["theater_id"],
        name=row["name"],
        layout=SeatLayout.from_rows(specs),
        formats=frozenset(row["formats"]),
    )


# -- shows --------------------------------------------------------------------------------------


def show_values(show: Show) -> dict[str, Any]:
    """The ``shows`` columns of ``show`` (prices as ``{category: minor units}``)."""
    return {
        "show_id": show.show_id,
        "movie_id": show.movie_id,
        "theater_id": show.theater_id,
        "screen_id": show.screen_id,
        "starts_at": show.starts_at,
        "ends_at": show.ends_at,
        "runtime_seconds": _seconds(show.runtime, "runtime"),
        "format": show.format.value,
        "language": show.language,
        "prices": {category: price.amount for category, price in show.prices.items()},
        "currency": show.currency,
        "status": show.status.value,
        "cancel_reason": show.cancel_reason,
    }


def show_from(row: Row) -> Show:
    """The show stored in ``row``."""
    currency = row["currency"]
    return Show(
        show_id=row["show_id"],
        movie_id=row["movie_id"],
        theater_id=row["theater_id"],
        screen_id=row["screen_id"],
        starts_at=row["starts_at"],
        runtime=timedelta(seconds=row["runtime_seconds"]),
        format=row["format"],
        language=row["language"],
        prices={category: Money(amount, currency) for category, amount in row["prices"].items()},
        status=row["status"],
        cancel_reason=row["cancel_reason"],
    )


# -- bookings -----------------------------------------------------------------------------------


def booking_values(booking: Booking) -> dict[str, Any]:
    """The ``bookings`` columns of ``booking`` (its pending events are not stored)."""
    return {
        "booking_id": booking.booking_id,
        "user_id": booking.user_id,
        "show_id": booking.show_id,
        "hold_id": booking.hold_id,
        "seats": sorted(booking.seats),
        "fencing_token": booking.fencing_token,
        "amount": booking.amount.amount,
        "currency": booking.amount.currency,
        "lines": _json(booking.lines),
        "tickets": _json(booking.tickets),
        "coupon_code": booking.coupon_code,
        "non_cancellable": booking.non_cancellable,
        "idempotency_key": booking.idempotency_key,
        "created_at": booking.created_at,
        "payment_due_at": booking.payment_due_at,
        "updated_at": booking.updated_at,
        "status": booking.status.value,
        "payment_id": booking.payment_id,
        "booking_code": booking.booking_code,
        "failure_reason": booking.failure_reason,
        "confirmed_at": booking.confirmed_at,
        "cancelled_at": booking.cancelled_at,
        "cancel_reason": None if booking.cancel_reason is None else booking.cancel_reason.value,
        "checked_in_at": booking.checked_in_at,
        "refunds": _json(booking.refunds),
    }


def booking_from(row: Row) -> Booking:
    """The booking stored in ``row``, with no pending events."""
    cancel_reason = row["cancel_reason"]
    return Booking(
        booking_id=row["booking_id"],
        user_id=row["user_id"],
        show_id=row["show_id"],
        hold_id=row["hold_id"],
        seats=frozenset(row["seats"]),
        fencing_token=row["fencing_token"],
        amount=Money(row["amount"], row["currency"]),
        lines=_structure(row["lines"], tuple[BookingLine, ...], "lines"),
        tickets=_structure(row["tickets"], tuple[TicketBreakdown, ...], "tickets"),
        coupon_code=row["coupon_code"],
        non_cancellable=row["non_cancellable"],
        idempotency_key=row["idempotency_key"],
        created_at=row["created_at"],
        payment_due_at=row["payment_due_at"],
        updated_at=row["updated_at"],
        status=parse_enum(BookingStatus, row["status"], "status"),
        payment_id=row["payment_id"],
        booking_code=row["booking_code"],
        failure_reason=row["failure_reason"],
        confirmed_at=row["confirmed_at"],
        cancelled_at=row["cancelled_at"],
        cancel_reason=(
            None
            if cancel_reason is None
            else parse_enum(CancelReason, cancel_reason, "cancel_reason")
        ),
        checked_in_at=row["checked_in_at"],
        refunds=_structure(row["refunds"], tuple[Refund, ...], "refunds"),
    )


# -- users and reviews --------------------------------------------------------------------------


def user_values(user: User) -> dict[str, Any]:
    """The ``users`` columns of ``user``."""
    return {
        "user_id": user.user_id,
        "email": user.email.value,
        "name": user.name,
        "password_hash": user.password_hash,
        "phone": None if user.phone is None else user.phone.value,
        "roles": sorted(r.value for r in user.roles),
        "theater_ids": sorted(user.theater_ids),
        "active": user.active,
        "token_version": user.token_version,
    }


def user_from(row: Row) -> User:
    """The user stored in ``row``."""
    return User(
        user_id=row["user_id"],
        email=row["email"],
        name=row["name"],
        password_hash=row["password_hash"],
        phone=row["phone"],
        roles=frozenset(row["roles"]),
        theater_ids=frozenset(row["theater_ids"]),
        active=row["active"],
        token_version=row["token_version"],
    )


def review_values(review: Review) -> dict[str, Any]:
    """The ``reviews`` columns of ``review``."""
    return {
        "review_id": review.review_id,
        "movie_id": review.movie_id,
        "user_id": review.user_id,
        "rating": review.rating,
        "created_at": review.created_at,
        "text": review.text,
        "edited_at": review.edited_at,
        "verified": review.verified,
    }


def review_from(row: Row) -> Review:
    """The review stored in ``row``."""
    return Review(
        review_id=row["review_id"],
        movie_id=row["movie_id"],
        user_id=row["user_id"],
        rating=row["rating"],
        created_at=row["created_at"],
        text=row["text"],
        edited_at=row["edited_at"],
        verified=row["verified"],
    )


# -- coupons ------------------------------------------------------------------------------------


def _discount_json(discount: Money | Fraction) -> dict[str, Any]:
    if isinstance(discount, Money):
        return {"amount": discount.amount, "currency": discount.currency}
    return {"rate": converter.unstructure(discount)}


def _discount_from(data: Mapping[str, Any]) -> Money | Fraction:
    if "rate" in data:
        return _structure(data["rate"], Fraction, "discount")
    return _structure(data, Money, "discount")


def _optional_money(data: Mapping[str, Any] | None, column: str) -> Money | None:
    return None if data is None else _structure(data, Money, column)


def _optional_names(names: frozenset[str] | None) -> list[str] | None:
    return None if names is None else sorted(names)


def coupon_values(coupon: Coupon) -> dict[str, Any]:
    """The ``coupons`` columns of ``coupon`` (its discount as ``{"amount", "currency"}`` or
    ``{"rate": "n/d"}``)."""
    return {
        "code": coupon.code,
        "discount": _discount_json(coupon.discount),
        "valid_from": coupon.valid_from,
        "valid_until": coupon.valid_until,
        "max_discount": None if coupon.max_discount is None else _json(coupon.max_discount),
        "min_order": None if coupon.min_order is None else _json(coupon.min_order),
        "usage_limit": coupon.usage_limit,
        "per_user_limit": coupon.per_user_limit,
        "categories": _optional_names(coupon.categories),
        "movies": _optional_names(coupon.movies),
        "non_cancellable": coupon.non_cancellable,
    }


def coupon_from(row: Row) -> Coupon:
    """The coupon stored in ``row``."""
    categories, movies = row["categories"], row["movies"]
    return Coupon(
        code=row["code"],
        discount=_discount_from(row["discount"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        max_discount=_optional_money(row["max_discount"], "max_discount"),
        min_order=_optional_money(row["min_order"], "min_order"),
        usage_limit=row["usage_limit"],
        per_user_limit=row["per_user_limit"],
        categories=None if categories is None else frozenset(categories),
        movies=None if movies is None else frozenset(movies),
        non_cancellable=row["non_cancellable"],
    )
