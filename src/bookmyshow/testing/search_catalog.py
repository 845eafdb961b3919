"""A fixed catalog of movie documents that the search contract states its cases over.

Forty movies — Indian and world cinema — with cast, directors, descriptions, genres,
languages, ratings, popularity, release dates and shows in three cities (``mumbai``, ``delhi``,
``bengaluru``) on the local dates 10-14 January 2030, in every format.  The catalog is built to
exercise the search rules: accented titles and names ("Amélie", "Pokémon", "Léon", "Chloë"),
hyphenated and punctuated titles ("Spider-Man", "Mughal-e-Azam", "K.G.F", "Tom & Jerry"), titles
sharing words ("The Dark Knight" and "The Dark Knight Rises", two "Baahubali", two "Drishyam"),
near-duplicate names for typo cases ("Parasite" / "Paradise", "Dangal" / "Dabangg", "Jaws" /
"Jawan"), unrated movies, ties of popularity, three inactive and two coming-soon movies.

Change nothing here without updating the literal expectations of
:mod:`bookmyshow.testing.contracts.search`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from bookmyshow.domain.catalog import Format, MovieStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.search import MovieDocument, ShowFact

__all__ = [
    "CITIES",
    "SEARCH_CATALOG",
    "SHOW_DATES",
    "catalog_document",
]

CITIES: Final = ("mumbai", "delhi", "bengaluru")
"""The city ids the catalog's shows are in."""

SHOW_DATES: Final = tuple(date(2030, 1, day) for day in range(10, 15))
"""The local dates the catalog's shows are on: 10-14 January 2030."""

_2D, _3D, _IMAX, _4DX = Format.TWO_D, Format.THREE_D, Format.IMAX, Format.FOUR_DX
_ACTIVE, _SOON, _INACTIVE = MovieStatus.ACTIVE, MovieStatus.COMING_SOON, MovieStatus.INACTIVE


def _movie(
    movie_id: str,
    title: str,
    *,
    cast: tuple[str, ...],
    director: str,
    description: str,
    genres: tuple[str, ...],
    languages: tuple[str, ...],
    rating: str | None,
    popularity: int,
    released: date,
    shows: tuple[tuple[str, int, Format], ...] = (),
    status: MovieStatus = _ACTIVE,
) -> MovieDocument:
    # Show ids are the movie id and a running number, so they are unique across the catalog.
    facts = tuple(
        ShowFact(show_id=f"{movie_id}-s{n}", city_id=city, date=date(2030, 1, day), format=fmt)
        for n, (city, day, fmt) in enumerate(shows, start=1)
    )
    return MovieDocument(
        movie_id=movie_id,
        title=title,
        cast=cast,
        director=director,
        description=description,
        genres=genres,
        languages=languages,
        status=status,
        rating=None if rating is None else Decimal(rating),
        popularity=popularity,
        release_date=released,
        shows=facts,
    )


SEARCH_CATALOG: Final[tuple[MovieDocument, ...]] = (
    _movie(
        "amelie",
        "Amélie",
        cast=("Audrey Tautou", "Mathieu Kassovitz"),
        director="Jean-Pierre Jeunet",
        description="A shy waitress in Montmartre quietly changes the lives of the people "
        "around her.",
        genres=("Comedy", "Romance"),
        languages=("French",),
        rating="8.3",
        popularity=410,
        released=date(2001, 4, 25),
        shows=(("mumbai", 11, _2D),),
    ),
    _movie(
        "pokemon-pikachu",
        "Pokémon Detective Pikachu",
        cast=("Ryan Reynolds", "Justice Smith", "Kathryn Newton"),
        director="Rob Letterman",
        description="A young man teams up with a talking Pikachu to find his missing father "
        "in Ryme City.",
        genres=("Adventure", "Comedy", "Family"),
        languages=("English", "Hindi", "Japanese"),
        rating="6.6",
        popularity=520,
        released=date(2019, 5, 10),
        shows=(("bengaluru", 10, _3D), ("mumbai", 12, _2D)),
    ),
    _movie(
        "pokemon-first",
        "Pokémon: The First Movie",
        cast=("Veronica Taylor", "Rica Matsumoto"),
        director="Kunihiko Yuyama",
        description="Ash and Pikachu face Mewtwo, a clone who wants revenge on the world.",
        genres=("Animation", "Adventure", "Family"),
        languages=("Japanese", "English"),
        rating="6.2",
        popularity=150,
        released=date(1998, 7, 18),
        status=_INACTIVE,
    ),
    _movie(
        "spider-verse",
        "Spider-Man: Across the Spider-Verse",
        cast=("Shameik Moore", "Hailee Steinfeld", "Oscar Isaac"),
        director="Joaquim Dos Santos",
        description="Miles Morales catapults across the multiverse and meets a society of "
        "spider people.",
        genres=("Animation", "Action", "Adventure"),
        languages=("English", "Hindi", "Tamil"),
        rating="8.6",
        popularity=870,
        released=date(2023, 6, 2),
        shows=(("mumbai", 10, _IMAX), ("mumbai", 11, _3D), ("delhi", 12, _2D)),
    ),
    _movie(
        "spider-man-nwh",
        "Spider-Man: No Way Home",
        cast=("Tom Holland", "Zendaya", "Benedict Cumberbatch"),
        director="Jon Watts",
        description="Peter Parker asks Doctor Strange for help when his identity as "
        "Spider-Man is revealed.",
        genres=("Action", "Adventure"),
        languages=("English", "Hindi"),
        rating="8.2",
        popularity=900,
        released=date(2021, 12, 17),
        shows=(("delhi", 10, _IMAX), ("bengaluru", 13, _4DX)),
    ),
    _movie(
        "baahubali-1",
        "Baahubali: The Beginning",
        cast=("Prabhas", "Rana Daggubati", "Anushka Shetty", "Tamannaah Bhatia"),
        director="S. S. Rajamouli",
        description="A young man raised by villagers climbs a waterfall and learns he is heir "
        "to the kingdom of Mahishmati.",
        genres=("Action", "Drama", "Fantasy"),
        languages=("Telugu", "Tamil", "Hindi"),
        rating="8.0",
        popularity=640,
        released=date(2015, 7, 10),
        shows=(("bengaluru", 11, _2D), ("mumbai", 10, _2D)),
    ),
    _movie(
        "baahubali-2",
        "Baahubali 2: The Conclusion",
        cast=("Prabhas", "Rana Daggubati", "Anushka Shetty", "Sathyaraj"),
        director="S. S. Rajamouli",
        description="Why did Kattappa kill Baahubali? The war for the throne of Mahishmati ends.",
        genres=("Action", "Drama", "Fantasy"),
        languages=("Telugu", "Tamil", "Hindi", "Malayalam"),
        rating="8.2",
        popularity=780,
        released=date(2017, 4, 28),
        shows=(("bengaluru", 12, _IMAX), ("delhi", 11, _2D)),
    ),
    _movie(
        "rrr",
        "RRR",
        cast=("N. T. Rama Rao Jr.", "Ram Charan", "Alia Bhatt", "Ajay Devgn"),
        director="S. S. Rajamouli",
        description="Two revolutionaries fight the British Raj in 1920s India, bound by an "
        "unlikely friendship.",
        genres=("Action", "Drama"),
        languages=("Telugu", "Hindi", "Tamil"),
        rating="7.8",
        popularity=820,
        released=date(2022, 3, 25),
        shows=(("mumbai", 11, _IMAX), ("bengaluru", 10, _2D), ("delhi", 13, _3D)),
    ),
    _movie(
        "dangal",
        "Dangal",
        cast=("Aamir Khan", "Fatima Sana Shaikh", "Sanya Malhotra", "Sakshi Tanwar"),
        director="Nitesh Tiwari",
        description="A former wrestler trains his daughters to win gold for India.",
        genres=("Biography", "Drama", "Sport"),
        languages=("Hindi",),
        rating="8.3",
        popularity=700,
        released=date(2016, 12, 23),
        shows=(("delhi", 10, _2D), ("mumbai", 13, _2D)),
    ),
    _movie(
        "dabangg",
        "Dabangg",
        cast=("Salman Khan", "Sonakshi Sinha", "Arbaaz Khan"),
        director="Abhinav Kashyap",
        description="A corrupt but fearless police officer takes on a local politician in "
        "Uttar Pradesh.",
        genres=("Action", "Comedy"),
        languages=("Hindi",),
        rating="6.2",
        popularity=300,
        released=date(2010, 9, 10),
        shows=(("delhi", 11, _2D),),
    ),
    _movie(
        "lagaan",
        "Lagaan: Once Upon a Time in India",
        cast=("Aamir Khan", "Gracy Singh", "Rachel Shelley"),
        director="Ashutosh Gowariker",
        description="Villagers stake their future on a cricket match against their colonial "
        "rulers.",
        genres=("Drama", "Musical", "Sport"),
        languages=("Hindi",),
        rating="8.1",
        popularity=380,
        released=date(2001, 6, 15),
        shows=(("mumbai", 12, _2D),),
    ),
    _movie(
        "three-idiots",
        "3 Idiots",
        cast=("Aamir Khan", "R. Madhavan", "Sharman Joshi", "Kareena Kapoor"),
        director="Rajkumar Hirani",
        description="Two friends search for their long lost college companion, who taught "
        "them to think differently.",
        genres=("Comedy", "Drama"),
        languages=("Hindi",),
        rating="8.4",
        popularity=760,
        released=date(2009, 12, 25),
        shows=(("mumbai", 10, _2D), ("bengaluru", 11, _2D)),
    ),
    _movie(
        "ddlj",
        "Dilwale Dulhania Le Jayenge",
        cast=("Shah Rukh Khan", "Kajol", "Amrish Puri"),
        director="Aditya Chopra",
        description="Raj and Simran fall in love across Europe, but her father has promised "
        "her to another man.",
        genres=("Drama", "Romance"),
        languages=("Hindi",),
        rating="8.0",
        popularity=560,
        released=date(1995, 10, 20),
        shows=(("mumbai", 10, _2D),),
    ),
    _movie(
        "dilwale",
        "Dilwale",
        cast=("Shah Rukh Khan", "Kajol", "Varun Dhawan", "Kriti Sanon"),
        director="Rohit Shetty",
        description="Two brothers on the road through Goa, a family feud and a trip back to "
        "an old romance.",
        genres=("Action", "Comedy", "Romance"),
        languages=("Hindi",),
        rating="5.2",
        popularity=560,
        released=date(2015, 12, 18),
        shows=(("delhi", 12, _2D),),
    ),
    _movie(
        "dil-chahta-hai",
        "Dil Chahta Hai",
        cast=("Aamir Khan", "Saif Ali Khan", "Akshaye Khanna", "Preity Zinta"),
        director="Farhan Akhtar",
        description="Three college friends drift apart and grow up in Mumbai and Sydney.",
        genres=("Comedy", "Drama", "Romance"),
        languages=("Hindi",),
        rating="8.1",
        popularity=330,
        released=date(2001, 8, 10),
        shows=(("mumbai", 11, _2D),),
    ),
    _movie(
        "dil-se",
        "Dil Se..",
        cast=("Shah Rukh Khan", "Manisha Koirala", "Preity Zinta"),
        director="Mani Ratnam",
        description="A radio journalist falls for a mysterious woman on a railway platform "
        "in Assam.",
        genres=("Drama", "Romance", "Thriller"),
        languages=("Hindi",),
        rating="7.5",
        popularity=210,
        released=date(1998, 8, 21),
        shows=(("mumbai", 10, _2D),),
        status=_INACTIVE,
    ),
    _movie(
        "jawan",
        "Jawan",
        cast=("Shah Rukh Khan", "Nayanthara", "Vijay Sethupathi", "Deepika Padukone"),
        director="Atlee",
        description="A man sets out to right the wrongs of society, leading a team of women "
        "against a ruthless arms dealer.",
        genres=("Action", "Thriller"),
        languages=("Hindi", "Tamil", "Telugu"),
        rating="7.0",
        popularity=850,
        released=date(2023, 9, 7),
        shows=(("mumbai", 10, _4DX), ("mumbai", 12, _2D), ("delhi", 11, _IMAX)),
    ),
    _movie(
        "jaws",
        "Jaws",
        cast=("Roy Scheider", "Robert Shaw", "Richard Dreyfuss"),
        director="Steven Spielberg",
        description="A police chief, a scientist and a fisherman hunt a great white shark off "
        "Amity Island.",
        genres=("Thriller", "Adventure"),
        languages=("English",),
        rating="8.1",
        popularity=240,
        released=date(1975, 6, 20),
        shows=(("bengaluru", 13, _2D),),
    ),
    _movie(
        "pathaan",
        "Pathaan",
        cast=("Shah Rukh Khan", "Deepika Padukone", "John Abraham"),
        director="Siddharth Anand",
        description="An exiled spy returns to stop a rogue agent from attacking India.",
        genres=("Action", "Thriller"),
        languages=("Hindi", "Tamil", "Telugu"),
        rating="5.9",
        popularity=800,
        released=date(2023, 1, 25),
        shows=(("delhi", 12, _4DX), ("mumbai", 13, _IMAX)),
    ),
    _movie(
        "inception",
        "Inception",
        cast=("Leonardo DiCaprio", "Joseph Gordon-Levitt", "Elliot Page", "Tom Hardy"),
        director="Christopher Nolan",
        description="A thief who steals secrets through dream sharing is offered a chance to "
        "plant an idea instead.",
        genres=("Action", "Science Fiction", "Thriller"),
        languages=("English",),
        rating="8.8",
        popularity=690,
        released=date(2010, 7, 16),
        shows=(("bengaluru", 10, _IMAX), ("mumbai", 12, _2D)),
    ),
    _movie(
        "interstellar",
        "Interstellar",
        cast=("Matthew McConaughey", "Anne Hathaway", "Jessica Chastain"),
        director="Christopher Nolan",
        description="Explorers travel through a wormhole near Saturn to find a new home for "
        "humanity.",
        genres=("Adventure", "Drama", "Science Fiction"),
        languages=("English",),
        rating="8.7",
        popularity=720,
        released=date(2014, 11, 7),
        shows=(("mumbai", 11, _IMAX), ("bengaluru", 12, _IMAX)),
    ),
    _movie(
        "oppenheimer",
        "Oppenheimer",
        cast=("Cillian Murphy", "Emily Blunt", "Robert Downey Jr.", "Florence Pugh"),
        director="Christopher Nolan",
        description="The story of the physicist who led the Manhattan Project and the first "
        "atomic bomb.",
        genres=("Biography", "Drama", "History"),
        languages=("English",),
        rating="8.3",
        popularity=880,
        released=date(2023, 7, 21),
        shows=(("delhi", 10, _IMAX), ("mumbai", 12, _IMAX), ("bengaluru", 14, _2D)),
    ),
    _movie(
        "dark-knight",
        "The Dark Knight",
        cast=("Christian Bale", "Heath Ledger", "Aaron Eckhart"),
        director="Christopher Nolan",
        description="Batman faces the Joker, a criminal mastermind who plunges Gotham into "
        "anarchy.",
        genres=("Action", "Crime", "Drama"),
        languages=("English",),
        rating="9.0",
        popularity=760,
        released=date(2008, 7, 18),
        shows=(("mumbai", 13, _2D),),
    ),
    _movie(
        "dark-knight-rises",
        "The Dark Knight Rises",
        cast=("Christian Bale", "Tom Hardy", "Anne Hathaway"),
        director="Christopher Nolan",
        description="Eight years later Batman returns to save Gotham from the terrorist Bane.",
        genres=("Action", "Drama"),
        languages=("English",),
        rating="8.4",
        popularity=600,
        released=date(2012, 7, 20),
        shows=(("delhi", 13, _2D),),
    ),
    _movie(
        "parasite",
        "Parasite",
        cast=("Song Kang-ho", "Lee Sun-kyun", "Cho Yeo-jeong", "Choi Woo-shik"),
        director="Bong Joon-ho",
        description="A poor family schemes its way into working for a wealthy household.",
        genres=("Comedy", "Drama", "Thriller"),
        languages=("Korean",),
        rating="8.5",
        popularity=500,
        released=date(2019, 5, 30),
        shows=(("bengaluru", 11, _2D),),
    ),
    _movie(
        "paradise",
        "Paradise",
        cast=("Roshan Mathew", "Darshana Rajendran"),
        director="Prasanna Vithanage",
        description="A couple's anniversary holiday in Sri Lanka turns tense during an "
        "economic crisis.",
        genres=("Drama", "Thriller"),
        languages=("Malayalam",),
        rating="7.2",
        popularity=530,
        released=date(2024, 6, 28),
        shows=(("bengaluru", 12, _2D),),
    ),
    _movie(
        "spirited-away",
        "Spirited Away",
        cast=("Rumi Hiiragi", "Miyu Irino"),
        director="Hayao Miyazaki",
        description="A girl wanders into a world of spirits and must work in a bathhouse to "
        "free her parents.",
        genres=("Animation", "Family", "Fantasy"),
        languages=("Japanese",),
        rating="8.6",
        popularity=450,
        released=date(2001, 7, 20),
        shows=(("bengaluru", 12, _2D),),
    ),
    _movie(
        "leon",
        "Léon: The Professional",
        cast=("Jean Reno", "Natalie Portman", "Gary Oldman"),
        director="Luc Besson",
        description="A hitman takes in a twelve year old girl whose family was murdered.",
        genres=("Action", "Crime", "Drama"),
        languages=("English", "French"),
        rating="8.5",
        popularity=350,
        released=date(1994, 9, 14),
        shows=(("mumbai", 14, _2D),),
    ),
    _movie(
        "y-tu-mama",
        "Y Tu Mamá También",
        cast=("Gael García Bernal", "Diego Luna", "Maribel Verdú"),
        director="Alfonso Cuarón",
        description="Two teenage friends take a road trip across Mexico with an older woman.",
        genres=("Drama", "Romance"),
        languages=("Spanish",),
        rating="7.7",
        popularity=120,
        released=date(2001, 6, 8),
        shows=(("delhi", 14, _2D),),
    ),
    _movie(
        "kgf-2",
        "K.G.F: Chapter 2",
        cast=("Yash", "Sanjay Dutt", "Raveena Tandon", "Srinidhi Shetty"),
        director="Prashanth Neel",
        description="Rocky rules the gold fields of Kolar while enemies and the government "
        "close in.",
        genres=("Action", "Crime", "Drama"),
        languages=("Kannada", "Hindi", "Telugu", "Tamil"),
        rating="8.2",
        popularity=740,
        released=date(2022, 4, 14),
        shows=(("bengaluru", 10, _2D), ("bengaluru", 13, _IMAX)),
    ),
    _movie(
        "kantara",
        "Kantara",
        cast=("Rishab Shetty", "Sapthami Gowda", "Kishore"),
        director="Rishab Shetty",
        description="A village guardian clashes with a forest officer over land sacred to "
        "the demigod.",
        genres=("Action", "Drama", "Thriller"),
        languages=("Kannada",),
        rating="8.2",
        popularity=590,
        released=date(2022, 9, 30),
        shows=(("bengaluru", 11, _2D),),
    ),
    _movie(
        "drishyam",
        "Drishyam",
        cast=("Mohanlal", "Meena", "Ansiba Hassan"),
        director="Jeethu Joseph",
        description="A cable operator protects his family after an accidental killing, using "
        "what he learned from movies.",
        genres=("Crime", "Drama", "Thriller"),
        languages=("Malayalam",),
        rating="8.3",
        popularity=420,
        released=date(2013, 12, 19),
        shows=(("bengaluru", 12, _2D),),
    ),
    _movie(
        "drishyam-2",
        "Drishyam 2",
        cast=("Ajay Devgn", "Tabu", "Akshaye Khanna"),
        director="Abhishek Pathak",
        description="Seven years on, the police reopen the case against Vijay Salgaonkar and "
        "his family.",
        genres=("Crime", "Drama", "Thriller"),
        languages=("Hindi",),
        rating="8.2",
        popularity=610,
        released=date(2022, 11, 18),
        shows=(("mumbai", 11, _2D), ("delhi", 12, _2D)),
    ),
    _movie(
        "dune-2",
        "Dune: Part Two",
        cast=("Timothée Chalamet", "Zendaya", "Rebecca Ferguson", "Javier Bardem"),
        director="Denis Villeneuve",
        description="Paul Atreides unites with the Fremen while seeking revenge against the "
        "conspirators who destroyed his family.",
        genres=("Action", "Adventure", "Science Fiction"),
        languages=("English",),
        rating="8.5",
        popularity=790,
        released=date(2024, 3, 1),
        shows=(("mumbai", 10, _IMAX), ("delhi", 11, _4DX), ("bengaluru", 14, _IMAX)),
    ),
    _movie(
        "kalki",
        "Kalki 2898 AD",
        cast=("Prabhas", "Amitabh Bachchan", "Kamal Haasan", "Deepika Padukone"),
        director="Nag Ashwin",
        description="In a dystopian future, a mother's unborn child is the key to a prophecy.",
        genres=("Action", "Science Fiction"),
        languages=("Telugu", "Hindi"),
        rating=None,
        popularity=680,
        released=date(2024, 6, 27),
        shows=(("mumbai", 12, _3D), ("delhi", 10, _3D)),
    ),
    _movie(
        "tom-jerry",
        "Tom & Jerry",
        cast=("Chloë Grace Moretz", "Michael Peña", "Colin Jost"),
        director="Tim Story",
        description="A cat and a mouse wreck a luxury New York hotel on the eve of a society "
        "wedding.",
        genres=("Animation", "Comedy", "Family"),
        languages=("English", "Hindi"),
        rating="5.3",
        popularity=260,
        released=date(2021, 2, 26),
        shows=(("mumbai", 13, _2D),),
    ),
    _movie(
        "mughal-e-azam",
        "Mughal-e-Azam",
        cast=("Prithviraj Kapoor", "Dilip Kumar", "Madhubala"),
        director="K. Asif",
        description="Prince Salim's love for the court dancer Anarkali sets him against his "
        "father, Emperor Akbar.",
        genres=("Drama", "History", "Romance"),
        languages=("Hindi", "Urdu"),
        rating="8.1",
        popularity=90,
        released=date(1960, 8, 5),
        shows=(("mumbai", 14, _2D),),
    ),
    _movie(
        "sholay",
        "Sholay",
        cast=("Dharmendra", "Amitabh Bachchan", "Sanjeev Kumar", "Hema Malini"),
        director="Ramesh Sippy",
        description="A retired police officer hires two small-time crooks to capture a "
        "ruthless dacoit.",
        genres=("Action", "Adventure"),
        languages=("Hindi",),
        rating="8.1",
        popularity=330,
        released=date(1975, 8, 15),
        status=_INACTIVE,
    ),
    _movie(
        "war-2",
        "War 2",
        cast=("Hrithik Roshan", "N. T. Rama Rao Jr.", "Kiara Advani"),
        director="Ayan Mukerji",
        description="Kabir faces his most dangerous adversary yet.",
        genres=("Action", "Thriller"),
        languages=("Hindi", "Telugu", "Tamil"),
        rating=None,
        popularity=670,
        released=date(2030, 2, 14),
        shows=(("mumbai", 14, _IMAX),),
        status=_SOON,
    ),
    _movie(
        "ramayana",
        "Ramayana: Part One",
        cast=("Ranbir Kapoor", "Sai Pallavi", "Yash"),
        director="Nitesh Tiwari",
        description="Prince Rama's exile and the abduction of Sita, told on an epic scale.",
        genres=("Mythology", "Fantasy", "Action"),
        languages=("Hindi", "Telugu", "Tamil"),
        rating=None,
        popularity=655,
        released=date(2030, 10, 20),
        status=_SOON,
    ),
)
"""Every movie of the catalog (40), in no particular order."""

_BY_ID: Final[Mapping[str, MovieDocument]] = MappingProxyType(
    {document.movie_id: document for document in SEARCH_CATALOG}
)


def catalog_document(movie_id: str) -> MovieDocument:
    """The catalog's document for ``movie_id``; raises :class:`InvalidInput` for an id the
    catalog does not have."""
    document = _BY_ID.get(movie_id) if isinstance(movie_id, str) else None
    if document is None:
        raise InvalidInput(field="movie_id", reason=f"not in the search catalog: {movie_id!r}")
    return document
