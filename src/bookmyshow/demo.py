"""Demo data made through the public use cases: for examples, demos and trying the app.

Two seeders, both going through the same use cases a real front end calls, so the data obeys every
rule (the overlap rule, prices per category, permissions):

* :func:`seed_demo` — a small cinema: one city, one theater with two screens, three movies and a
  show of each movie on each of the next days.  Examples and tests use it.
* :func:`seed_showcase` — the app's demo (``bookmyshow serve --demo``): seven Indian cities, a
  dozen theaters with screens of different sizes, eighteen movies in seven languages, a full
  programme of shows for the coming days, two coupons, and ready-made accounts to log in with
  (:data:`DEMO_CUSTOMER_EMAIL`, :data:`DEMO_ADMIN_EMAIL`, :data:`DEMO_STAFF_EMAIL`, all with
  :data:`DEMO_PASSWORD`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Final

from attrs import frozen

from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.catalog import Movie
from bookmyshow.domain.coupons import Coupon
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import Money
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import Principal, Role, User
from bookmyshow.domain.validation import require_count
from bookmyshow.domain.venues import City, GeoPoint, Screen, Theater

__all__ = [
    "DEMO_ADMIN_EMAIL",
    "DEMO_COUPONS",
    "DEMO_CUSTOMER_EMAIL",
    "DEMO_PASSWORD",
    "DEMO_STAFF_EMAIL",
    "Demo",
    "Showcase",
    "seed_demo",
    "seed_showcase",
]

DEMO_PASSWORD = "demo password 1"
"""The password of every demo account (change it before exposing a demo anywhere)."""
DEMO_CUSTOMER_EMAIL: Final = "customer@demo.example"
"""The showcase's customer: browse, hold seats, book, pay, cancel and review as them."""
DEMO_ADMIN_EMAIL: Final = "admin@demo.example"
"""The showcase's (and the small demo's) platform admin: manages the whole catalog."""
DEMO_STAFF_EMAIL: Final = "staff@demo.example"
"""The showcase's (and the small demo's) theater admin: manages every demo theater, checks
tickets in."""
DEMO_COUPONS: Final = ("FIRSTSHOW", "WEEKEND20")
"""The showcase's coupon codes: ₹100 off an order of ₹300 or more (once per customer), and
20% off capped at ₹150."""

_AUDI_1 = [
    ("A", "silver", "ssss_ssss"),
    ("B", "silver", "ssss_ssss"),
    ("C", "silver", "ssssssssss"),
    ("D", "gold", "ssssssssss"),
    ("E", "gold", "wwssssssww"),
    ("F", "recliner", "ss_ss_ss"),
]
_AUDI_2 = [
    ("A", "silver", "ssssss"),
    ("B", "silver", "ssssss"),
    ("C", "gold", "ssxxss"),
]
_PRICES = {
    "silver": Money.of("180"),
    "gold": Money.of("250"),
    "recliner": Money.of("450"),
}
_MOVIES = [
    ("Sholay", ["Hindi"], 204, date(1975, 8, 15), "U", ["Action", "Adventure"]),
    ("Kantara", ["Kannada", "Hindi"], 148, date(2022, 9, 30), "UA", ["Thriller", "Drama"]),
    ("Baahubali", ["Telugu", "Tamil", "Hindi"], 159, date(2015, 7, 10), "UA", ["Epic"]),
]
# Local start times (IST) of the day's screenings, one per movie, spaced beyond every runtime.
_STARTS = [timedelta(hours=10), timedelta(hours=14), timedelta(hours=18, minutes=30)]


@frozen(kw_only=True)
class Demo:
    """What :func:`seed_demo` made, and the principals to act as."""

    admin: Principal
    staff: Principal
    city: City
    theater: Theater
    screens: tuple[Screen, ...]
    movies: tuple[Movie, ...]
    shows: tuple[Show, ...]


async def seed_demo(
    app: Ticketing,
    *,
    days: int = 2,
    admin_email: str = DEMO_ADMIN_EMAIL,
    staff_email: str = DEMO_STAFF_EMAIL,
    password: str = DEMO_PASSWORD,
) -> Demo:
    """Make the demo cinema in ``app``: shows of every movie on each of the next ``days`` days.

    Shows start on the days after today in the theater's zone (``app.ports.clock``), so they are
    always bookable when seeded.  Raises :class:`InvalidInput` for ``days`` outside 1..14, and
    whatever the use cases raise — ``EmailTaken`` if the demo was seeded in ``app`` already.
    """
    require_count(days, "days")
    if not 1 <= days <= 14:
        raise InvalidInput(field="days", reason="from 1 to 14")
    admin = (
        await app.accounts.provision(admin_email, "Demo Admin", password, [Role.PLATFORM_ADMIN])
    ).principal()
    catalog = app.catalog
    city = await catalog.add_city(admin, name="Bengaluru", state="Karnataka")
    theater = await catalog.add_theater(
        admin,
        name="PVR Forum Mall",
        city_id=city.city_id,
        address="21 Hosur Road, Koramangala",
        location=GeoPoint(Decimal("12.934533"), Decimal("77.611284")),
        amenities=["parking", "food court", "wheelchair access"],
    )
    staff = (
        await app.accounts.provision(
            staff_email,
            "Demo Staff",
            password,
            [Role.THEATER_ADMIN],
            theater_ids=[theater.theater_id],
        )
    ).principal()
    screens = (
        await catalog.add_screen(
            staff, theater_id=theater.theater_id, name="Audi 1", rows=_AUDI_1, formats=["2D", "3D"]
        ),
        await catalog.add_screen(
            staff, theater_id=theater.theater_id, name="Audi 2", rows=_AUDI_2, formats=["2D"]
        ),
    )
    movies = tuple(
        [
            await catalog.add_movie(
                admin,
                title=title,
                languages=languages,
                duration=timedelta(minutes=minutes),
                release_date=released,
                certificate=certificate,
                genres=genres,
            )
            for title, languages, minutes, released, certificate, genres in _MOVIES
        ]
    )
    today = theater.local_time(app.ports.clock.now()).date()
    shows: list[Show] = []
    for day in range(1, days + 1):
        midnight = datetime.combine(today + timedelta(days=day), datetime.min.time(), theater.zone)
        for screen in screens:
            for movie, start in zip(movies, _STARTS, strict=True):
                prices = {c: _PRICES[c] for c in screen.layout.categories}
                shows.append(
                    await catalog.schedule_show(
                        staff,
                        movie_id=movie.movie_id,
                        screen_id=screen.screen_id,
                        starts_at=midnight + start,
                        format="2D",
                        language=movie.languages[0],
                        prices=prices,
                    )
                )
    return Demo(
        admin=admin,
        staff=staff,
        city=city,
        theater=theater,
        screens=screens,
        movies=movies,
        shows=tuple(shows),
    )


# -- the showcase ------------------------------------------------------------------------------

_Rows = tuple[tuple[str, str, str], ...]

# Screen layouts, front row first.  ``w`` wheelchair spaces sit by the entrance aisles, ``x`` is
# a seat taken out of sale (a camera position), ``_`` an aisle.
_IMAX: Final[_Rows] = (
    ("A", "silver", "ww_ssssssssssss_ww"),
    ("B", "silver", "ssss_ssssssssss_ssss"),
    ("C", "silver", "ssss_ssssssssss_ssss"),
    ("D", "gold", "ssss_ssssssssss_ssss"),
    ("E", "gold", "ssss_ssssssssss_ssss"),
    ("F", "gold", "ssss_ssssssssss_ssss"),
    ("G", "gold", "ssss_sssssxxsss_ssss"),
    ("H", "recliner", "ss_ss_ss_ss_ss_ss"),
    ("J", "recliner", "ss_ss_ss_ss_ss_ss"),
)
_LARGE: Final[_Rows] = (
    ("A", "silver", "ww_ssssssssss_ww"),
    ("B", "silver", "sss_ssssssssss_sss"),
    ("C", "silver", "sss_ssssssssss_sss"),
    ("D", "gold", "sss_ssssssssss_sss"),
    ("E", "gold", "sss_ssssssssss_sss"),
    ("F", "gold", "sss_ssssssssss_sss"),
    ("G", "recliner", "ss_ss_ss_ss_ss"),
)
_MEDIUM: Final[_Rows] = (
    ("A", "silver", "w_ssssssss_w"),
    ("B", "silver", "ss_ssssssss_ss"),
    ("C", "gold", "ss_ssssssss_ss"),
    ("D", "gold", "ss_ssssssss_ss"),
    ("E", "gold", "ss_ssssssss_ss"),
)
_BOUTIQUE: Final[_Rows] = (
    ("A", "recliner", "w_ss_ss_ss"),
    ("B", "recliner", "ss_ss_ss_ss"),
    ("C", "recliner", "ss_ss_ss_ss"),
)
_SINGLE: Final[_Rows] = (
    ("A", "silver", "ww_ssssssssssss_ww"),
    ("B", "silver", "ssss_ssssssssssss_ssss"),
    ("C", "silver", "ssss_ssssssssssss_ssss"),
    ("D", "silver", "ssss_ssssssssssss_ssss"),
    ("E", "gold", "ssss_ssssssssssss_ssss"),
    ("F", "gold", "ssss_ssssssssssss_ssss"),
    ("G", "gold", "sssss_ssssssssss_sssss"),
    ("H", "gold", "sssss_ssssssssss_sssss"),
)


@frozen
class _ScreenPlan:
    name: str
    rows: _Rows
    formats: tuple[str, ...]


@frozen
class _TheaterPlan:
    name: str
    address: str
    lat: str
    lon: str
    amenities: tuple[str, ...]
    screens: tuple[_ScreenPlan, ...]
    price_level: int
    """Percent of the base prices: a premium multiplex charges more than a single screen."""


@frozen
class _CityPlan:
    name: str
    state: str
    languages: tuple[str, ...]
    """The languages shown here, most-watched first: a film plays in the first it has."""
    theaters: tuple[_TheaterPlan, ...]


_MULTIPLEX: Final = ("parking", "food court", "wheelchair access", "m-ticket", "dolby atmos")
_MALL_SCREENS: Final = ("parking", "food court", "wheelchair access", "m-ticket")
_HERITAGE: Final = ("snacks", "wheelchair access", "heritage building")

_CITIES: Final[tuple[_CityPlan, ...]] = (
    _CityPlan(
        "Mumbai",
        "Maharashtra",
        ("Hindi", "English", "Tamil"),
        (
            _TheaterPlan(
                "Sitara Cinemas Andheri",
                "Infiniti Mall, New Link Road, Andheri West, Mumbai 400053",
                "19.140520",
                "72.833801",
                (*_MULTIPLEX, "recliners"),
                (
                    _ScreenPlan("IMAX", _IMAX, ("2D", "3D", "IMAX")),
                    _ScreenPlan("Audi 2", _MEDIUM, ("2D", "3D")),
                    _ScreenPlan("Gold Lounge", _BOUTIQUE, ("2D",)),
                ),
                120,
            ),
            _TheaterPlan(
                "Marine Plaza Talkies",
                "Netaji Subhash Chandra Bose Road, Marine Lines, Mumbai 400020",
                "18.943014",
                "72.823100",
                _HERITAGE,
                (_ScreenPlan("Main Hall", _SINGLE, ("2D",)),),
                90,
            ),
        ),
    ),
    _CityPlan(
        "Delhi",
        "Delhi",
        ("Hindi", "English", "Telugu"),
        (
            _TheaterPlan(
                "Saket Silver Screens",
                "Select Citywalk, A-3 District Centre, Saket, New Delhi 110017",
                "28.528627",
                "77.219008",
                (*_MULTIPLEX, "recliners"),
                (
                    _ScreenPlan("Audi 1", _LARGE, ("2D", "3D")),
                    _ScreenPlan("Audi 2", _MEDIUM, ("2D",)),
                    _ScreenPlan("Director's Cut", _BOUTIQUE, ("2D",)),
                ),
                125,
            ),
            _TheaterPlan(
                "Connaught Regal Cinema",
                "Block A, Inner Circle, Connaught Place, New Delhi 110001",
                "28.632900",
                "77.219500",
                _HERITAGE,
                (_ScreenPlan("Main Hall", _SINGLE, ("2D",)),),
                85,
            ),
        ),
    ),
    _CityPlan(
        "Bengaluru",
        "Karnataka",
        ("Kannada", "English", "Hindi", "Tamil", "Telugu"),
        (
            _TheaterPlan(
                "Koramangala Cineplex",
                "Forum Mall, 21 Hosur Road, Koramangala, Bengaluru 560029",
                "12.934533",
                "77.611284",
                _MULTIPLEX,
                (
                    _ScreenPlan("Audi 1", _LARGE, ("2D", "3D")),
                    _ScreenPlan("Audi 2", _MEDIUM, ("2D",)),
                ),
                110,
            ),
            _TheaterPlan(
                "Whitefield Starlight IMAX",
                "Phoenix Marketcity, Whitefield Road, Mahadevapura, Bengaluru 560048",
                "12.997500",
                "77.696600",
                (*_MULTIPLEX, "recliners"),
                (
                    _ScreenPlan("IMAX", _IMAX, ("2D", "3D", "IMAX")),
                    _ScreenPlan("Audi 2", _MEDIUM, ("2D", "3D")),
                ),
                120,
            ),
            _TheaterPlan(
                "Sampige Theatre",
                "Sampige Road, Malleshwaram, Bengaluru 560003",
                "13.003500",
                "77.570900",
                _HERITAGE,
                (_ScreenPlan("Main Hall", _SINGLE, ("2D",)),),
                80,
            ),
        ),
    ),
    _CityPlan(
        "Hyderabad",
        "Telangana",
        ("Telugu", "Hindi", "English", "Tamil"),
        (
            _TheaterPlan(
                "Banjara Hills Cinemas",
                "GVK One Mall, Road No. 1, Banjara Hills, Hyderabad 500034",
                "17.419200",
                "78.448700",
                (*_MULTIPLEX, "recliners"),
                (
                    _ScreenPlan("Audi 1", _LARGE, ("2D", "3D", "IMAX")),
                    _ScreenPlan("Audi 2", _MEDIUM, ("2D",)),
                    _ScreenPlan("Recliner Club", _BOUTIQUE, ("2D",)),
                ),
                110,
            ),
            _TheaterPlan(
                "Kukatpally Ashoka Screens",
                "Nexus Mall, JNTU Road, Kukatpally, Hyderabad 500085",
                "17.487500",
                "78.388900",
                _MALL_SCREENS,
                (
                    _ScreenPlan("Screen 1", _LARGE, ("2D", "3D")),
                    _ScreenPlan("Screen 2", _MEDIUM, ("2D",)),
                ),
                95,
            ),
        ),
    ),
    _CityPlan(
        "Chennai",
        "Tamil Nadu",
        ("Tamil", "English", "Telugu", "Malayalam", "Hindi"),
        (
            _TheaterPlan(
                "Kalaimagal Cinemas",
                "Express Avenue, Whites Road, Royapettah, Chennai 600014",
                "13.058700",
                "80.264200",
                (*_MULTIPLEX, "recliners"),
                (
                    _ScreenPlan("Audi 1", _LARGE, ("2D", "3D", "IMAX")),
                    _ScreenPlan("Audi 2", _MEDIUM, ("2D",)),
                ),
                105,
            ),
            _TheaterPlan(
                "Velachery Grand Screens",
                "Phoenix Marketcity, 142 Velachery Main Road, Chennai 600042",
                "12.991500",
                "80.217000",
                _MALL_SCREENS,
                (
                    _ScreenPlan("Screen 1", _MEDIUM, ("2D", "3D")),
                    _ScreenPlan("Screen 2", _BOUTIQUE, ("2D",)),
                ),
                100,
            ),
        ),
    ),
    _CityPlan(
        "Kolkata",
        "West Bengal",
        ("Bengali", "Hindi", "English"),
        (
            _TheaterPlan(
                "Rabindra Cinemas South City",
                "South City Mall, 375 Prince Anwar Shah Road, Kolkata 700068",
                "22.501600",
                "88.361600",
                _MALL_SCREENS,
                (
                    _ScreenPlan("Audi 1", _LARGE, ("2D", "3D")),
                    _ScreenPlan("Audi 2", _MEDIUM, ("2D",)),
                ),
                95,
            ),
            _TheaterPlan(
                "Park Street Chitra Talkies",
                "24 Park Street, Mullick Bazar, Kolkata 700016",
                "22.552700",
                "88.352300",
                _HERITAGE,
                (_ScreenPlan("Main Hall", _SINGLE, ("2D",)),),
                80,
            ),
        ),
    ),
    _CityPlan(
        "Kochi",
        "Kerala",
        ("Malayalam", "English"),
        (
            _TheaterPlan(
                "Edappally Marine Cinemas",
                "Lulu Mall, NH 66, Edappally, Kochi 682024",
                "10.027100",
                "76.308000",
                (*_MULTIPLEX, "recliners"),
                (
                    _ScreenPlan("Audi 1", _LARGE, ("2D", "3D")),
                    _ScreenPlan("Audi 2", _MEDIUM, ("2D",)),
                    _ScreenPlan("Gold Lounge", _BOUTIQUE, ("2D",)),
                ),
                100,
            ),
        ),
    ),
)


@frozen
class _MoviePlan:
    title: str
    languages: tuple[str, ...]
    minutes: int
    released: date
    certificate: str
    genres: tuple[str, ...]
    formats: tuple[str, ...]
    director: str
    cast: tuple[str, ...]
    description: str


_CATALOG: Final[tuple[_MoviePlan, ...]] = (
    _MoviePlan(
        "Jawan",
        ("Hindi", "Tamil", "Telugu"),
        169,
        date(2023, 9, 7),
        "UA",
        ("Action", "Thriller"),
        ("2D", "IMAX"),
        "Atlee",
        ("Shah Rukh Khan", "Nayanthara", "Vijay Sethupathi"),
        "A man with a mysterious past sets out to right the wrongs of a corrupt system.",
    ),
    _MoviePlan(
        "3 Idiots",
        ("Hindi",),
        170,
        date(2009, 12, 25),
        "U",
        ("Comedy", "Drama"),
        ("2D",),
        "Rajkumar Hirani",
        ("Aamir Khan", "R. Madhavan", "Sharman Joshi", "Kareena Kapoor"),
        "Two friends search for the classmate who taught them to chase excellence, not marks.",
    ),
    _MoviePlan(
        "Dangal",
        ("Hindi", "Tamil", "Telugu"),
        161,
        date(2016, 12, 23),
        "U",
        ("Drama", "Sport", "Biography"),
        ("2D",),
        "Nitesh Tiwari",
        ("Aamir Khan", "Fatima Sana Shaikh", "Sanya Malhotra"),
        "A former wrestler trains his daughters to win the gold he never could.",
    ),
    _MoviePlan(
        "Vikram",
        ("Tamil", "Telugu", "Hindi"),
        174,
        date(2022, 6, 3),
        "A",
        ("Action", "Thriller"),
        ("2D",),
        "Lokesh Kanagaraj",
        ("Kamal Haasan", "Vijay Sethupathi", "Fahadh Faasil"),
        "A black-ops squad hunts masked killers and stumbles onto a drug cartel.",
    ),
    _MoviePlan(
        "Jailer",
        ("Tamil", "Telugu", "Hindi"),
        168,
        date(2023, 8, 10),
        "UA",
        ("Action", "Comedy"),
        ("2D",),
        "Nelson Dilipkumar",
        ("Rajinikanth", "Ramya Krishnan", "Vinayakan"),
        "A retired jailer goes after the gang that threatens his family.",
    ),
    _MoviePlan(
        "RRR",
        ("Telugu", "Hindi", "Tamil", "Malayalam", "Kannada"),
        187,
        date(2022, 3, 25),
        "UA",
        ("Action", "Drama", "Period"),
        ("2D", "3D", "IMAX"),
        "S. S. Rajamouli",
        ("N. T. Rama Rao Jr.", "Ram Charan", "Alia Bhatt"),
        "Two revolutionaries of the 1920s forge a friendship on opposite sides of the Raj.",
    ),
    _MoviePlan(
        "Pushpa: The Rise",
        ("Telugu", "Hindi", "Malayalam"),
        179,
        date(2021, 12, 17),
        "UA",
        ("Action", "Crime"),
        ("2D",),
        "Sukumar",
        ("Allu Arjun", "Rashmika Mandanna", "Fahadh Faasil"),
        "A labourer rises through the ranks of a red-sandalwood smuggling syndicate.",
    ),
    _MoviePlan(
        "K.G.F: Chapter 2",
        ("Kannada", "Hindi", "Telugu", "Tamil", "Malayalam"),
        168,
        date(2022, 4, 14),
        "UA",
        ("Action", "Period"),
        ("2D", "IMAX"),
        "Prashanth Neel",
        ("Yash", "Sanjay Dutt", "Srinidhi Shetty"),
        "Rocky rules the gold fields of Kolar while enemies close in from every side.",
    ),
    _MoviePlan(
        "Kantara",
        ("Kannada", "Hindi", "Tamil", "Telugu"),
        148,
        date(2022, 9, 30),
        "UA",
        ("Thriller", "Drama", "Folklore"),
        ("2D",),
        "Rishab Shetty",
        ("Rishab Shetty", "Sapthami Gowda", "Kishore"),
        "A village's ritual guardian clashes with a forest officer over ancestral land.",
    ),
    _MoviePlan(
        "Drishyam",
        ("Malayalam",),
        160,
        date(2013, 12, 19),
        "U",
        ("Thriller", "Drama", "Crime"),
        ("2D",),
        "Jeethu Joseph",
        ("Mohanlal", "Meena", "Asha Sharath"),
        "A cable-TV operator shields his family from a police investigation with cinema tricks.",
    ),
    _MoviePlan(
        "Manjummel Boys",
        ("Malayalam", "Tamil", "Telugu"),
        135,
        date(2024, 2, 22),
        "UA7+",
        ("Survival", "Thriller"),
        ("2D",),
        "Chidambaram",
        ("Soubin Shahir", "Sreenath Bhasi", "Balu Varghese"),
        "Friends on a trip to Kodaikanal fight to rescue one of them from a deep cave.",
    ),
    _MoviePlan(
        "Premam",
        ("Malayalam",),
        156,
        date(2015, 5, 29),
        "U",
        ("Romance", "Comedy"),
        ("2D",),
        "Alphonse Puthren",
        ("Nivin Pauly", "Sai Pallavi", "Madonna Sebastian"),
        "Three loves at three ages in the life of one young man.",
    ),
    _MoviePlan(
        "Sonar Kella",
        ("Bengali",),
        143,
        date(1974, 12, 27),
        "U",
        ("Adventure", "Mystery", "Classic"),
        ("2D",),
        "Satyajit Ray",
        ("Soumitra Chatterjee", "Santosh Dutta", "Kushal Chakraborty"),
        "Feluda follows a boy who remembers a golden fortress from a past life.",
    ),
    _MoviePlan(
        "Pather Panchali",
        ("Bengali",),
        125,
        date(1955, 8, 26),
        "U",
        ("Drama", "Classic"),
        ("2D",),
        "Satyajit Ray",
        ("Subir Banerjee", "Karuna Banerjee", "Uma Dasgupta"),
        "Young Apu grows up in a poor Bengal village: a restored classic.",
    ),
    _MoviePlan(
        "Interstellar",
        ("English", "Hindi"),
        169,
        date(2014, 11, 7),
        "UA",
        ("Sci-Fi", "Drama", "Adventure"),
        ("2D", "IMAX"),
        "Christopher Nolan",
        ("Matthew McConaughey", "Anne Hathaway", "Jessica Chastain"),
        "Explorers travel through a wormhole to find humanity a new home.",
    ),
    _MoviePlan(
        "Oppenheimer",
        ("English", "Hindi"),
        180,
        date(2023, 7, 21),
        "UA16+",
        ("Biography", "Drama", "History"),
        ("2D", "IMAX"),
        "Christopher Nolan",
        ("Cillian Murphy", "Emily Blunt", "Robert Downey Jr."),
        "The physicist behind the first atomic bomb, before and after Trinity.",
    ),
    _MoviePlan(
        "Dune: Part Two",
        ("English", "Hindi", "Tamil", "Telugu"),
        166,
        date(2024, 3, 1),
        "UA13+",
        ("Sci-Fi", "Adventure"),
        ("2D", "3D", "IMAX"),
        "Denis Villeneuve",
        ("Timothée Chalamet", "Zendaya", "Rebecca Ferguson"),
        "Paul Atreides unites with the Fremen against the house that destroyed his family.",
    ),
    _MoviePlan(
        "Inside Out 2",
        ("English", "Hindi"),
        96,
        date(2024, 6, 14),
        "U",
        ("Animation", "Family", "Comedy"),
        ("2D", "3D"),
        "Kelsey Mann",
        ("Amy Poehler", "Maya Hawke", "Kensington Tallman"),
        "New emotions move into Riley's head as she becomes a teenager.",
    ),
)

# Base prices in rupees per seat category, scaled by each theater's price level; premium formats
# add a surcharge to every category.
_BASE_PRICES: Final = {"silver": 160, "gold": 240, "recliner": 480}
_SURCHARGE: Final = {"2D": 0, "3D": 60, "IMAX": 150, "4DX": 200}
_FIRST_SHOW: Final = time(9, 0)
_LAST_START: Final = time(22, 30)
_STAGGER: Final = timedelta(minutes=20)
"""Screens of one theater open this much apart, so the foyer does not fill all at once."""
_SLOT: Final = 15
"""Shows start on the quarter hour (minutes)."""
_LEAD: Final = timedelta(minutes=30)
"""Today's shows are scheduled only if they start at least this long after seeding."""


@frozen(kw_only=True)
class Showcase:
    """What :func:`seed_showcase` made, and the principals to act as.

    ``shows`` counts the scheduled shows (there are hundreds: list them through the use cases).
    """

    customer: Principal
    admin: Principal
    staff: Principal
    cities: tuple[City, ...]
    theaters: tuple[Theater, ...]
    screens: tuple[Screen, ...]
    movies: tuple[Movie, ...]
    shows: int
    coupons: tuple[str, ...]


def _price(rupees: int, level: int) -> Money:
    # Rounded to whole ten rupees, as cinemas price.
    return Money.of(max(10, round(rupees * level / 1000) * 10))


def _playing(city: _CityPlan, movies: Sequence[Movie]) -> list[tuple[Movie, str]]:
    """The movies playing in ``city``, each in the city's favourite language it has."""
    playing = []
    for movie in movies:
        for rank, language in enumerate(city.languages):
            if language in movie.languages:
                playing.append((rank, movie, language))
                break
    # Films in the city's own language first, then the others by language.
    playing.sort(key=lambda entry: entry[0])
    return [(movie, language) for _, movie, language in playing]


def _quarter_after(instant: datetime) -> datetime:
    """The first quarter hour at or after ``instant`` (seconds dropped)."""
    minutes = -instant.minute % _SLOT
    late = instant.second or instant.microsecond
    if late and not minutes:
        minutes = _SLOT
    return (instant + timedelta(minutes=minutes)).replace(second=0, microsecond=0)


async def seed_showcase(
    app: Ticketing, *, days: int = 7, password: str = DEMO_PASSWORD
) -> Showcase:
    """Make the showcase in ``app``: the demo the reference app serves (see the module).

    Every screen gets a day's programme — shows from 09:00 to the last start at 22:30, each
    starting on the quarter hour once the previous show and the cleaning buffer are over —
    on the rest of today (shows starting at least 30 minutes from now) and on each of the next
    ``days`` days, in the theater's zone (``app.ports.clock``).  Every movie plays somewhere;
    each city shows the movies in its languages.  The accounts are :data:`DEMO_CUSTOMER_EMAIL`,
    :data:`DEMO_ADMIN_EMAIL` and :data:`DEMO_STAFF_EMAIL` with ``password``.

    Raises :class:`InvalidInput` for ``days`` outside 1..14 (before any change), and whatever
    the use cases raise — ``EmailTaken`` first, before anything else is made, if the showcase
    was seeded in ``app`` already.
    """
    require_count(days, "days")
    if not 1 <= days <= 14:
        raise InvalidInput(field="days", reason="from 1 to 14")
    accounts = app.accounts
    # The admin first: a second seeding stops here with EmailTaken, before making anything.
    admin = (
        await accounts.provision(DEMO_ADMIN_EMAIL, "Asha Admin", password, [Role.PLATFORM_ADMIN])
    ).principal()
    # Password hashing is slow on purpose and runs off the event loop, so the other two
    # accounts are made while the admin builds the catalog.
    accounts_made: list[asyncio.Task[User]] = []
    try:
        accounts_made.append(
            asyncio.create_task(accounts.register(DEMO_CUSTOMER_EMAIL, "Chetan Customer", password))
        )
        movies, venues = await _venues(app, admin)
        accounts_made.append(
            asyncio.create_task(
                accounts.provision(
                    DEMO_STAFF_EMAIL,
                    "Sunil Staff",
                    password,
                    [Role.THEATER_ADMIN],
                    theater_ids=[theater.theater_id for theater, *_ in venues],
                )
            )
        )
        count = await _programme(app, admin, movies, venues, days)
        for coupon in _coupons(app.ports.clock.now()):
            await app.coupons.create(admin, coupon)
        customer, staff = [(await task).principal() for task in accounts_made]
    finally:
        for task in accounts_made:
            task.cancel()
        # Only reached with an error already on its way (or all tasks done): a task's own
        # failure then is a consequence, and gathering it keeps asyncio from logging it.
        await asyncio.gather(*accounts_made, return_exceptions=True)
    return Showcase(
        customer=customer,
        admin=admin,
        staff=staff,
        cities=tuple(dict.fromkeys(city for *_, city, _ in venues)),
        theaters=tuple(theater for theater, *_ in venues),
        screens=tuple(screen for *_, screens in venues for screen in screens),
        movies=movies,
        shows=count,
        coupons=DEMO_COUPONS,
    )


_Venue = tuple[Theater, _TheaterPlan, _CityPlan, City, list[Screen]]


async def _venues(app: Ticketing, admin: Principal) -> tuple[tuple[Movie, ...], list[_Venue]]:
    """The movies, and every city's theaters with their screens."""
    catalog = app.catalog
    movies = tuple(
        [
            await catalog.add_movie(
                admin,
                title=plan.title,
                languages=plan.languages,
                duration=timedelta(minutes=plan.minutes),
                release_date=plan.released,
                certificate=plan.certificate,
                formats=plan.formats,
                description=plan.description,
                genres=plan.genres,
                cast=plan.cast,
                director=plan.director,
            )
            for plan in _CATALOG
        ]
    )
    venues: list[_Venue] = []
    for city_plan in _CITIES:
        city = await catalog.add_city(admin, name=city_plan.name, state=city_plan.state)
        for plan in city_plan.theaters:
            theater = await catalog.add_theater(
                admin,
                name=plan.name,
                city_id=city.city_id,
                address=plan.address,
                location=GeoPoint(Decimal(plan.lat), Decimal(plan.lon)),
                amenities=plan.amenities,
            )
            screens = [
                await catalog.add_screen(
                    admin,
                    theater_id=theater.theater_id,
                    name=screen_plan.name,
                    rows=screen_plan.rows,
                    formats=screen_plan.formats,
                )
                for screen_plan in plan.screens
            ]
            venues.append((theater, plan, city_plan, city, screens))
    return movies, venues


async def _programme(
    app: Ticketing, admin: Principal, movies: Sequence[Movie], venues: list[_Venue], days: int
) -> int:
    """Schedule the rest of today and the next ``days`` days on every screen; returns the count."""
    now = app.ports.clock.now()
    buffer = app.policies.schedule.cleaning_buffer
    # One rotation per city, carried across its screens and days: a full day's programme in a
    # city plays each of its movies at least once (the tests check the showcase stays so).
    turns = {city_plan.name: 0 for city_plan in _CITIES}
    count = 0
    for day in range(days + 1):
        for theater, plan, city_plan, _, made in venues:
            playing = _playing(city_plan, movies)
            date_ = theater.local_time(now).date() + timedelta(days=day)
            last = datetime.combine(date_, _LAST_START, theater.zone)
            for index, screen in enumerate(made):
                start = datetime.combine(date_, _FIRST_SHOW, theater.zone) + index * _STAGGER
                while start <= last:
                    turn = turns[city_plan.name]
                    turns[city_plan.name] = turn + 1
                    movie, language = playing[turn % len(playing)]
                    if start - now >= _LEAD:
                        count += await _schedule(
                            app,
                            admin,
                            screen=screen,
                            movie=movie,
                            language=language,
                            start=start,
                            level=plan.price_level,
                            turn=turn,
                        )
                    start = _quarter_after(start + movie.duration + buffer)
    return count


async def _schedule(
    app: Ticketing,
    admin: Principal,
    *,
    screen: Screen,
    movie: Movie,
    language: str,
    start: datetime,
    level: int,
    turn: int,
) -> int:
    """Schedule one show in the best format the screen and movie share; returns 1."""
    shared = [f for f in ("IMAX", "3D") if f in screen.formats and f in movie.formats]
    # Premium screens alternate their premium format with plain 2D, as theaters do.
    format_ = shared[0] if shared and turn % 2 else "2D"
    prices = {
        category: _price(_BASE_PRICES[category] + _SURCHARGE[format_], level)
        for category in screen.layout.categories
    }
    await app.catalog.schedule_show(
        admin,
        movie_id=movie.movie_id,
        screen_id=screen.screen_id,
        starts_at=start,
        format=format_,
        language=language,
        prices=prices,
    )
    return 1


def _coupons(now: datetime) -> list[Coupon]:
    until = now + timedelta(days=90)
    return [
        Coupon(
            code=DEMO_COUPONS[0],
            discount=Money.of(100),
            valid_from=now,
            valid_until=until,
            min_order=Money.of(300),
            per_user_limit=1,
        ),
        Coupon(
            code=DEMO_COUPONS[1],
            discount=Fraction(1, 5),
            valid_from=now,
            valid_until=until,
            max_discount=Money.of(150),
        ),
    ]
