"""Shows: scheduling rules, the screen overlap rule, cancellation and local times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.catalog import Certificate, Format, Movie, MovieStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.layouts import SeatLayout
from bookmyshow.domain.money import Money
from bookmyshow.domain.shows import (
    MovieNotSchedulable,
    ScheduleRules,
    Show,
    ShowAlreadyCancelled,
    ShowOverlap,
    ShowStatus,
    check_no_overlap,
    local_start,
    schedule_show,
)
from bookmyshow.domain.venues import GeoPoint, Screen, Theater
from bookmyshow.testing.strategies.catalog import aware_datetimes, names, shows

NOW = datetime(2024, 6, 1, 6, 0, tzinfo=UTC)
MOVIE = Movie(
    movie_id="m-1",
    title="Kalki 2898 AD",
    languages=("Telugu", "Hindi"),
    duration=timedelta(minutes=180),
    release_date=date(2024, 6, 27),
    certificate=Certificate.UA,
    formats=frozenset({Format.TWO_D, Format.THREE_D}),
)
THEATER = Theater(
    theater_id="t-1",
    name="Prasads",
    city_id="hyd",
    address="Necklace Road",
    location=GeoPoint("17.4126", "78.4662"),
)
SCREEN = Screen(
    screen_id="s-1",
    theater_id="t-1",
    name="Large Screen",
    layout=SeatLayout.from_rows([("A", "regular", "ssss_ssss"), ("B", "recliner", "ss_ss")]),
    formats=frozenset({Format.TWO_D, Format.IMAX}),
)
PRICES = {"regular": Money.of(200), "recliner": Money.of("550.50")}
OPENING = datetime(2024, 6, 27, 4, 0, tzinfo=UTC)  # 09:30 in Hyderabad
BUFFER = ScheduleRules()


def schedule(**changes: Any) -> Show:
    args: dict[str, Any] = {
        "show_id": "sh-1",
        "movie": MOVIE,
        "theater": THEATER,
        "screen": SCREEN,
        "starts_at": OPENING,
        "format": Format.TWO_D,
        "language": "telugu",
        "prices": PRICES,
        "existing": [],
        "now": NOW,
    }
    args.update(changes)
    return schedule_show(**args)


def test_schedule_show_builds_a_scheduled_show() -> None:
    """A valid request gives a scheduled show with the movie's runtime and language spelling."""
    show = schedule()
    assert show.status is ShowStatus.SCHEDULED
    assert show.runtime == MOVIE.duration
    assert show.ends_at == OPENING + timedelta(minutes=180)
    assert show.language == "Telugu"
    assert show.format is Format.TWO_D
    assert show.price_of("recliner") == Money(55050)
    assert show.currency == "INR"
    assert (show.movie_id, show.theater_id, show.screen_id) == ("m-1", "t-1", "s-1")


def test_release_date_is_judged_in_the_theater_zone() -> None:
    """A show at 00:30 IST on release day starts on the release date although UTC says the eve."""
    midnight_show = datetime(2024, 6, 26, 19, 0, tzinfo=UTC)
    assert schedule(starts_at=midnight_show).starts_at == midnight_show
    with pytest.raises(InvalidInput) as info:
        schedule(starts_at=datetime(2024, 6, 26, 18, 0, tzinfo=UTC))
    assert info.value.field == "starts_at"


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"starts_at": NOW}, "starts_at"),
        ({"now": OPENING + timedelta(hours=1)}, "starts_at"),
        ({"starts_at": datetime(2024, 6, 27, 4, 0)}, "starts_at"),
        ({"now": datetime(2024, 6, 1)}, "now"),
        ({"format": Format.IMAX}, "format"),
        ({"format": Format.THREE_D}, "format"),
        ({"format": "Dolby"}, "format"),
        ({"language": "Tamil"}, "language"),
        ({"prices": {"regular": Money.of(200)}}, "prices"),
        ({"prices": {**PRICES, "balcony": Money.of(90)}}, "prices"),
        ({"prices": {"regular": Money.of(200), "recliner": Money.of(5, "USD")}}, "prices"),
        ({"prices": {"regular": Money.of(0), "recliner": Money.of(1)}}, "prices.regular"),
        ({"prices": {"regular": 200, "recliner": Money.of(1)}}, "prices.regular"),
        ({"prices": {}}, "prices"),
        ({"show_id": ""}, "show_id"),
        ({"theater": attrs.evolve(THEATER, theater_id="t-2")}, "screen_id"),
    ],
)
def test_schedule_show_rejects_mismatches(changes: dict[str, Any], field_name: str) -> None:
    """Times, format, language and prices that do not fit movie, screen and theater are refused."""
    with pytest.raises(InvalidInput) as info:
        schedule(**changes)
    assert info.value.field == field_name


def test_retired_movies_cannot_be_scheduled() -> None:
    """An inactive movie raises MovieNotSchedulable with its id and status."""
    with pytest.raises(MovieNotSchedulable) as info:
        schedule(movie=MOVIE.retire())
    assert info.value.details() == {"movie_id": "m-1", "status": "inactive"}
    assert info.value.code == "movie_not_schedulable"
    assert schedule(movie=attrs.evolve(MOVIE, status=MovieStatus.COMING_SOON))


def test_schedule_show_refuses_an_overlapping_show() -> None:
    """A second show starting before the first ends plus 15 minutes is a ShowOverlap."""
    first = schedule()
    too_soon = first.ends_at + timedelta(minutes=14)
    with pytest.raises(ShowOverlap) as info:
        schedule(show_id="sh-2", starts_at=too_soon, existing=[first])
    assert info.value.code == "show_overlap"
    assert info.value.details() == {"show_id": "sh-2", "conflicting_show_id": "sh-1"}
    after_cleaning = first.ends_at + timedelta(minutes=15)
    assert schedule(show_id="sh-2", starts_at=after_cleaning, existing=[first])


def test_the_cleaning_buffer_is_configurable() -> None:
    """With no buffer a show may start the minute the previous one ends."""
    first = schedule()
    back_to_back = schedule(
        show_id="sh-2",
        starts_at=first.ends_at,
        existing=[first],
        rules=ScheduleRules(cleaning_buffer=timedelta(0)),
    )
    assert back_to_back.starts_at == first.ends_at
    with pytest.raises(InvalidInput):
        ScheduleRules(cleaning_buffer=timedelta(minutes=-1))


def test_cancelled_shows_and_other_screens_do_not_block() -> None:
    """A cancelled show, a show on another screen, or the show itself never conflicts."""
    first = schedule()
    elsewhere = attrs.evolve(first, show_id="sh-9", screen_id="s-2")
    first.cancel("projector fault")
    same_slot = schedule(show_id="sh-2", existing=[first, elsewhere])
    check_no_overlap(same_slot, [same_slot], BUFFER)


def test_a_cancelled_new_show_is_never_refused() -> None:
    """Checking a cancelled show against a busy screen passes: it occupies nothing."""
    busy = schedule()
    ghost = attrs.evolve(busy, show_id="sh-2", status=ShowStatus.CANCELLED, cancel_reason="x")
    check_no_overlap(ghost, [busy], BUFFER)


def _minutes(show: Show, rules: ScheduleRules) -> set[int]:
    start = int(show.starts_at.timestamp()) // 60
    end = int(show.busy_until(rules).timestamp()) // 60
    return set(range(start, end))


def _brute_conflicts(new: Show, existing: list[Show], rules: ScheduleRules) -> list[Show]:
    """Shows whose occupied minutes share at least one minute with the new show's."""
    if new.is_cancelled:
        return []
    mine = _minutes(new, rules)
    return [
        s
        for s in existing
        if s.screen_id == new.screen_id
        and s.show_id != new.show_id
        and not s.is_cancelled
        and mine & _minutes(s, rules)
    ]


buffers = st.integers(0, 30).map(lambda m: ScheduleRules(cleaning_buffer=timedelta(minutes=m)))
# A three-hour window and short runtimes make touching and overlapping shows common.
crowded = shows(
    span=timedelta(hours=3), runtime=st.integers(1, 90).map(lambda m: timedelta(minutes=m))
)


@given(crowded, st.lists(crowded, max_size=6), buffers)
def test_overlap_rule_matches_a_minute_by_minute_check(
    new: Show, existing: list[Show], rules: ScheduleRules
) -> None:
    """check_no_overlap raises exactly when a minute-level brute force finds a shared minute."""
    conflicts = _brute_conflicts(new, existing, rules)
    if conflicts:
        with pytest.raises(ShowOverlap) as info:
            check_no_overlap(new, existing, rules)
        first = min(conflicts, key=lambda s: (s.starts_at, s.show_id))
        assert info.value.conflicting_show_id == first.show_id
        assert info.value.show_id == new.show_id
    else:
        check_no_overlap(new, existing, rules)


@given(
    st.lists(
        shows(screen_ids=("screen-1",), span=timedelta(hours=6), cancelled=st.just(False)),
        min_size=1,
        max_size=6,
        unique_by=lambda s: s.show_id,
    ),
    buffers,
)
def test_the_earliest_conflict_is_reported(existing: list[Show], rules: ScheduleRules) -> None:
    """When several shows conflict, ShowOverlap names the one starting first (then lowest id)."""
    window_start = min(s.starts_at for s in existing)
    marathon = attrs.evolve(
        existing[0], show_id="marathon", starts_at=window_start, runtime=timedelta(hours=8)
    )
    with pytest.raises(ShowOverlap) as info:
        check_no_overlap(marathon, existing, rules)
    first = min(existing, key=lambda s: (s.starts_at, s.show_id))
    assert info.value.conflicting_show_id == first.show_id


@given(shows(cancelled=st.just(False)), buffers, st.integers(-1, 5), st.sampled_from(Format))
def test_a_screen_is_free_exactly_when_the_buffer_ends(
    old: Show, rules: ScheduleRules, offset: int, fmt: Format
) -> None:
    """A show may start at the previous end plus buffer, not one minute earlier."""
    start = old.busy_until(rules) + timedelta(minutes=offset)
    new = attrs.evolve(old, show_id=old.show_id + "-next", starts_at=start, format=fmt)
    if offset < 0:
        with pytest.raises(ShowOverlap):
            check_no_overlap(new, [old], rules)
    else:
        check_no_overlap(new, [old], rules)


@given(crowded.filter(lambda s: not s.is_cancelled), crowded, buffers)
def test_overlap_rule_is_symmetric(a: Show, b: Show, rules: ScheduleRules) -> None:
    """a conflicts with b exactly when b conflicts with a."""

    def refused(new: Show, old: Show) -> bool:
        try:
            check_no_overlap(new, [old], rules)
        except ShowOverlap:
            return True
        return False

    assert refused(a, b) == refused(b, a)


@given(shows(cancelled=st.just(False)), names().map(lambda n: f"  {n} "))
def test_cancel_is_final(show: Show, reason: str) -> None:
    """Cancel records the reason once; a second cancel raises and changes nothing."""
    show.cancel(reason)
    assert show.is_cancelled
    assert show.cancel_reason == reason.strip()
    before = attrs.evolve(show)
    with pytest.raises(ShowAlreadyCancelled) as info:
        show.cancel("again")
    assert info.value.code == "show_already_cancelled"
    assert info.value.show_id == show.show_id
    assert show == before


def test_a_bad_cancel_reason_leaves_the_show_scheduled() -> None:
    """An empty reason is InvalidInput and the show stays scheduled."""
    show = schedule()
    with pytest.raises(InvalidInput):
        show.cancel("   ")
    assert show.status is ShowStatus.SCHEDULED
    assert show.cancel_reason is None


def test_identity_and_timing_cannot_be_reassigned() -> None:
    """Moving a show in place is impossible: its start, screen and prices are write-once."""
    show = schedule()
    for name, value in [("starts_at", NOW), ("screen_id", "s-2"), ("prices", {})]:
        with pytest.raises(attrs.exceptions.FrozenAttributeError):
            setattr(show, name, value)
    assert show == schedule()


@given(shows(), aware_datetimes(datetime(2023, 12, 31, tzinfo=UTC), timedelta(days=3)))
def test_started_ended_and_bookable(show: Show, now: datetime) -> None:
    """A show has started from its start, ended from its end, and is bookable only before start."""
    assert show.has_started(now) == (now >= show.starts_at)
    assert show.has_ended(now) == (now >= show.ends_at)
    assert show.is_bookable(now) == (not show.is_cancelled and now < show.starts_at)


def test_time_checks_refuse_naive_now() -> None:
    """has_started with a naive datetime is InvalidInput."""
    with pytest.raises(InvalidInput):
        schedule().has_started(datetime(2024, 6, 27))


def test_local_start_uses_the_theater_zone() -> None:
    """local_start shows 04:00 UTC as 09:30 in Hyderabad; another theater is refused."""
    show = schedule()
    local = local_start(show, THEATER)
    assert (local.hour, local.minute) == (9, 30)
    assert local == show.starts_at
    with pytest.raises(InvalidInput):
        local_start(show, attrs.evolve(THEATER, theater_id="t-2"))


def test_price_of_an_unknown_category_is_refused() -> None:
    """price_of a category the show does not price is InvalidInput."""
    with pytest.raises(InvalidInput):
        schedule().price_of("balcony")


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"runtime": timedelta(0)}, "runtime"),
        ({"starts_at": datetime(2024, 6, 27)}, "starts_at"),
        ({"status": ShowStatus.CANCELLED}, "cancel_reason"),
        ({"cancel_reason": "why"}, "cancel_reason"),
        ({"status": "postponed"}, "status"),
        ({"language": ""}, "language"),
        ({"format": "5D"}, "format"),
    ],
)
def test_show_construction_validates(changes: dict[str, Any], field_name: str) -> None:
    """A Show built directly still refuses inconsistent fields."""
    base = attrs.asdict(schedule(), recurse=False)
    base.update(changes)
    with pytest.raises(InvalidInput) as info:
        Show(**base)
    assert info.value.field == field_name


def test_show_times_are_real_time_across_a_clock_change() -> None:
    """A 2-hour show starting 00:30 EDT on the fall-back night ends 2 real hours later, in UTC."""
    new_york = ZoneInfo("America/New_York")
    start = datetime(2024, 11, 3, 0, 30, tzinfo=new_york)
    show = Show(
        show_id="sh",
        movie_id="m",
        theater_id="t",
        screen_id="sc",
        starts_at=start,
        runtime=timedelta(hours=2),
        format=Format.TWO_D,
        language="Hindi",
        prices={"regular": Money.of("100")},
    )
    assert show.starts_at == start
    assert show.ends_at.utcoffset() == timedelta(0)
    assert show.ends_at - show.starts_at == timedelta(hours=2)
    # 01:45 EST (fold=1) is 2h15 real time after the start: the show has ended.
    assert show.has_ended(datetime(2024, 11, 3, 1, 45, fold=1, tzinfo=new_york))
