"""An in-process movie search engine: inverted indexes, filter indexes and typo-tolerant terms.

The engine answers by the rules of :mod:`bookmyshow.domain.search` without looking at every movie
for a query:

* per text field (title, cast, director, description) an inverted index maps each token to the
  movies that have it, with the token's positions (cast members are separate sequences, so a
  phrase never spans two names);
* a vocabulary of every indexed token, bucketed by length, from which a query term's fuzzy
  variants are found with rapidfuzz (only buckets within the term's fuzziness of its length can
  hold a variant); expansions are cached per term until the vocabulary changes;
* filter indexes: folded genre, folded language, status (with the unions of several statuses
  kept up to date once asked for), rating (one bucket per distinct rating, in order), and shows
  by every combination of city, local date and format — so "one show in that city, on one of
  those days, in one of those formats" is a union of index entries, not a look at each movie.

A query's candidates are the movies every term matches (the postings of its exact and fuzzy
tokens over all fields), intersected, smallest first, with the filter indexes; the rating bound
takes whichever of its buckets above, its buckets below, or a look at each candidate is cheapest.
Only the hits are scored, from the postings, and only the page is ordered: with a heap over the
hits' keys, or by walking the catalog's pre-sorted keys when the hits are dense enough that the
page is found after a few keys.  Facets of queries without text, which count large hit sets, are
cached until the next write.

Suggestions gather the movies of the title words continuing the prefix — or, when those are many
(a prefix of two letters), read the suggestible movies in suggestion order until enough fit.
"""

from __future__ import annotations

import asyncio
import heapq
import html
import threading
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache, partial
from itertools import islice
from typing import Any, Final, TypeVar

from attrs import evolve, frozen
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bookmyshow.domain.catalog import Format, MovieStatus, require_id
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.search import (
    EXACT_WEIGHT,
    FIELD_BOOSTS,
    FUZZY_WEIGHT,
    MAX_SUGGESTIONS,
    PHRASE_WEIGHT,
    DateRange,
    Facet,
    FacetCount,
    MovieDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    ShowFact,
    SortBy,
    Suggestion,
    analyze,
    decode_cursor,
    edit_distance,
    encode_cursor,
    fold,
    fuzziness,
    sort_key,
    token_spans,
)
from bookmyshow.domain.validation import instances, require_count, require_instance
from bookmyshow.ports.errors import NotFound

__all__ = ["MemoryMovieSearch"]

_K = TypeVar("_K")
_Key = tuple[Any, ...]
_Fields = Mapping[str, tuple[tuple[str, ...], ...]]
_SuggestKey = tuple[int, str, str]
"""Minus the popularity, the folded title and the movie id: the order of suggestions."""
_ShowKey = tuple[str | None, date | None, Format | None]
"""A show's city, date and format with any of them left out (``None``): an entry of the show
index holds the movies with a show matching every part that is not ``None``."""

_MAX_PREFIX_LENGTH: Final = 100
_SUGGESTED: Final = frozenset({MovieStatus.ACTIVE, MovieStatus.COMING_SOON})
_ALL_STATUSES: Final = frozenset(MovieStatus)
_EXPANSION_CACHE_SIZE: Final = 4096
_BULK: Final = 256
"""Batches larger than this drop the ordered key lists (rebuilt by the next search)."""
_GATHER_COST: Final = 2
"""Reading a hit's key into the heap costs about this many times a step of a walk down the
ordered keys (a membership test).  Hits spread over the order put the page's ``count`` keys
about ``count * movies / hits`` steps down, so the walk is taken when that is at most
``_GATHER_COST * hits``, and given up for the heap when it reads that many keys without
completing the page (hits bunched at the far end of the order)."""
_CHECK_COST: Final = 6
"""Comparing one candidate's rating with the bound (a dict look-up and a ``Decimal``
comparison) costs about this many times adding or testing one member of a set."""
_RATING_BUCKETS: Final = 512
"""With more distinct ratings than this, summing bucket sizes per query is not worth it: the
bound is checked on each candidate."""
_FACET_CACHE_SIZE: Final = 256
_FACET_CACHE_MIN: Final = 1024
"""Facets of a text-less query with at least this many hits are cached until the next write;
smaller hit sets are counted faster than a cache would be churned."""
_SUGGEST_CHECK_COST: Final = 4
"""Reading a title to see whether it fits a prefix costs about this many times adding one of
the prefix's matches to the gathered set."""
_SUGGEST_FIT_COST: Final = 40
"""Checking that a title has the prefix's words in order costs about this many steps of a walk
down the suggestion order (a membership test)."""
_HIGHLIGHT_CACHE_SIZE: Final = 8192
# A position packs (sequence, offset) into one int: the next token of the same sequence is the
# position plus one, and no sequence holds 2**32 tokens.
_SEQUENCE_SHIFT: Final = 32
_FIELDS_BY_BOOST: Final = tuple(sorted(FIELD_BOOSTS.items(), key=lambda item: -item[1]))
_EMPTY: Final[frozenset[str]] = frozenset()
_ANY: Final[tuple[None]] = (None,)


@frozen(kw_only=True)
class _Entry:
    """One indexed movie with everything derived from its document once, at index time."""

    document: MovieDocument
    fields: _Fields
    genres: frozenset[str]
    languages: frozenset[str]
    suggest_key: _SuggestKey


def _show_keys(shows: Iterable[ShowFact]) -> list[_ShowKey]:
    """The keys of the show index that the shows match: each show's city, date and format, with
    every combination of them left out but all three (repeated when shows share them)."""
    keys: list[_ShowKey] = []
    for show in shows:
        city, day, kind = show.city_id, show.date, show.format
        keys += (
            (city, day, kind),
            (city, day, None),
            (city, None, kind),
            (None, day, kind),
            (city, None, None),
            (None, day, None),
            (None, None, kind),
        )
    return keys


def _entry(document: MovieDocument) -> _Entry:
    return _Entry(
        document=document,
        fields=document.analyzed_fields(),
        genres=frozenset(_fold_label(g) for g in document.genres),
        languages=frozenset(_fold_label(lang) for lang in document.languages),
        suggest_key=(-document.popularity, fold(document.title), document.movie_id),
    )


@lru_cache(maxsize=4096)
def _fold_label(value: str) -> str:
    # Genres and languages are few values repeated over every movie: fold each once.
    return fold(value)


@lru_cache(maxsize=_HIGHLIGHT_CACHE_SIZE)
def _title_spans(title: str) -> tuple[tuple[int, int, str], ...]:
    # token_spans reads the title character by character; popular titles are highlighted often.
    return token_spans(title)


def _positions(sequences: Sequence[Sequence[str]]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for number, tokens in enumerate(sequences):
        base = number << _SEQUENCE_SHIFT
        for offset, token in enumerate(tokens):
            places = found.get(token)
            if places is None:
                found[token] = [base + offset]
            else:
                places.append(base + offset)
    return found


def _has_phrase(places: Sequence[Sequence[int]]) -> bool:
    """Whether the tokens whose positions are ``places`` occur consecutively, in that order."""
    first, rest = places[0], places[1:]
    return any(all(start + step in later for step, later in enumerate(rest, 1)) for start in first)


def _add(index: dict[_K, set[str]], key: _K, movie_id: str) -> None:
    index.setdefault(key, set()).add(movie_id)


def _discard(index: dict[_K, set[str]], key: _K, movie_id: str) -> None:
    ids = index.get(key)
    if ids is not None:
        ids.discard(movie_id)
        if not ids:
            del index[key]  # an empty set would keep a value alive in facets and lookups


def _union(index: Mapping[_K, set[str]], keys: Iterable[_K]) -> AbstractSet[str]:
    groups = [index[key] for key in keys if key in index]
    return _merged(groups)


def _merged(groups: Sequence[AbstractSet[str]]) -> AbstractSet[str]:
    if len(groups) == 1:
        return groups[0]  # read only: no copy needed
    return set().union(*groups)


def _intersect(groups: list[AbstractSet[str]]) -> AbstractSet[str]:
    """The movies in every group; one group is given back as it is (to be read only)."""
    if len(groups) == 1:
        return groups[0]
    groups.sort(key=len)
    # & makes a new set by walking the smaller side: no copy of the smallest group first.
    first = groups[0] & groups[1]
    result = first if isinstance(first, set) else set(first)
    for group in groups[2:]:
        if not result:
            break
        result &= group
    return result


def _days(dates: DateRange | None) -> Sequence[date | None]:
    if dates is None:
        return _ANY
    # At most 367 days; a day without any show is a missing key, cheaper than filtering.
    return [dates.start + timedelta(days=n) for n in range((dates.end - dates.start).days + 1)]


def _counts(counter: Mapping[str, int]) -> tuple[FacetCount, ...]:
    ranked = sorted((item for item in counter.items() if item[1] > 0), key=lambda i: (-i[1], i[0]))
    return tuple(FacetCount(value=value, count=count) for value, count in ranked)


def _highlight(
    title: str,
    terms: Sequence[str],
    near: Sequence[Mapping[str, int]],
    vocabulary: Mapping[str, int],
) -> str | None:
    """:func:`bookmyshow.domain.search.highlight`, with the terms' fuzzy expansions ``near``.

    The expansions of a term hold every token of ``vocabulary`` within the term's fuzziness, so
    a title token of the vocabulary matches a term exactly when it is among them; another token
    (a title whose characters fold into a separator splits differently) is measured as the
    rules measure it.
    """
    marked: list[tuple[int, int]] = []
    for start, end, token in _title_spans(title):
        if token in vocabulary:
            hit = any(token in expansions for expansions in near)
        else:
            hit = any(edit_distance(t, token, fuzziness(t)) <= fuzziness(t) for t in terms)
        if hit and (not marked or marked[-1] != (start, end)):
            marked.append((start, end))
    if not marked:
        return None
    out: list[str] = []
    cursor = 0
    for start, end in marked:
        out.append(html.escape(title[cursor:start]))
        out.append(f"<em>{html.escape(title[start:end])}</em>")
        cursor = end
    out.append(html.escape(title[cursor:]))
    return "".join(out)


def _starts(prefix: str, title: tuple[str, ...]) -> bool:
    """Whether a word of the analyzed ``title`` starts with ``prefix``."""
    return any(token.startswith(prefix) for token in title)


def _continues(head: list[str], prefix: str, title: tuple[str, ...]) -> bool:
    """Whether the analyzed ``title`` has the words ``head`` in a row, then a word starting
    with ``prefix``."""
    size = len(head)
    return any(
        list(title[i : i + size]) == head and title[i + size].startswith(prefix)
        for i in range(len(title) - size)
    )


@frozen
class _TermMatch:
    """Where a query term matches: score tiers (highest first) and every movie it matches."""

    tiers: tuple[tuple[int, AbstractSet[str]], ...]
    ids: set[str]


class _Index:
    """The engine's state and algorithms; not thread-safe (the adapter holds the lock)."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._postings: dict[str, dict[str, dict[str, list[int]]]] = {
            name: {} for name in FIELD_BOOSTS
        }
        # token -> in how many fields' postings it appears (it leaves the vocabulary at 0)
        self._vocabulary: dict[str, int] = {}
        self._by_length: dict[int, dict[str, None]] = {}
        self._length_lists: dict[int, list[str]] = {}
        self._expansions: dict[str, dict[str, int]] = {}
        self._title_tokens: list[str] = []  # sorted, for prefix lookups
        self._by_status: dict[MovieStatus, set[str]] = {}
        # The union of several statuses' movies, made on first use and then kept up to date by
        # every write: the default search (active and coming soon) would otherwise copy most of
        # the catalog on every query.
        self._status_unions: dict[frozenset[MovieStatus], set[str]] = {}
        self._by_genre: dict[str, set[str]] = {}
        self._by_language: dict[str, set[str]] = {}
        self._by_show: dict[_ShowKey, set[str]] = {}
        self._by_rating: dict[Decimal, set[str]] = {}
        self._rating_values: list[Decimal] = []  # the keys of _by_rating, in order
        self._ratings: dict[str, Decimal] = {}
        self._unrated: set[str] = set()
        # Sort keys at score 0 (every order but relevance with text), one table per sort: a
        # search reads its table with plain string keys (an enum hashes in Python, slowly).
        self._sort_keys: dict[SortBy, dict[str, _Key]] = {sort: {} for sort in SortBy}
        # The same keys in order, built on first use after a bulk load and then kept by insort:
        # a query matching a large share of the catalog reads its page off the front.
        self._orders: dict[SortBy, list[_Key] | None] = dict.fromkeys(SortBy)
        self._facet_cache: dict[_Key, dict[Facet, tuple[FacetCount, ...]]] = {}
        # Suggestion keys of the movies that can be suggested, and the same keys in order (built
        # on first use after a bulk load, then kept by insort): short prefixes match thousands.
        self._suggestable: dict[str, _SuggestKey] = {}
        self._suggestions: list[_SuggestKey] | None = []

    # --- writes ----------------------------------------------------------------------------------

    def put(self, document: MovieDocument) -> None:
        movie_id = document.movie_id
        old = self._entries.get(movie_id)
        new = _entry(document)
        self._facet_cache.clear()
        if old is not None:
            self._detach(movie_id, old)
        self._set_text(movie_id, None if old is None else old.fields, new.fields)
        self._entries[movie_id] = new
        self._attach(movie_id, new)
        for sort, table in self._sort_keys.items():
            key = sort_key(sort, document, 0)
            old_key = table.get(movie_id)
            if key != old_key:
                table[movie_id] = key
                self._reorder(sort, old_key, key)

    def put_many(self, documents: Iterable[MovieDocument]) -> None:
        batch = list(documents)
        if len(batch) > _BULK:
            # Sorting once on the next search beats thousands of inserts into long lists.
            self._orders = dict.fromkeys(SortBy)
            self._suggestions = None
        for document in batch:
            self.put(document)

    def drop(self, movie_id: str) -> bool:
        old = self._entries.pop(movie_id, None)
        if old is None:
            return False
        self._facet_cache.clear()
        self._detach(movie_id, old)
        self._set_text(movie_id, old.fields, None)
        for sort, table in self._sort_keys.items():
            self._reorder(sort, table.pop(movie_id), None)
        return True

    def put_show(self, movie_id: str, show: ShowFact) -> None:
        old = self._entries.get(movie_id)
        if old is None:
            raise NotFound(kind="movie", key=movie_id)
        shows = (*(s for s in old.document.shows if s.show_id != show.show_id), show)
        self._replace_shows(movie_id, old, shows)

    def remove_show(self, movie_id: str, show_id: str) -> bool:
        old = self._entries.get(movie_id)
        if old is None:
            return False
        shows = tuple(s for s in old.document.shows if s.show_id != show_id)
        if len(shows) == len(old.document.shows):
            return False
        self._replace_shows(movie_id, old, shows)
        return True

    def get(self, movie_id: str) -> MovieDocument | None:
        entry = self._entries.get(movie_id)
        return None if entry is None else entry.document

    def _reorder(self, sort: SortBy, old: _Key | None, new: _Key | None) -> None:
        order = self._orders[sort]
        if order is None:
            return
        if old is not None:
            del order[bisect_left(order, old)]  # keys are unique: they end with the movie id
        if new is not None:
            insort(order, new)

    def _order(self, sort: SortBy) -> list[_Key]:
        order = self._orders[sort]
        if order is None:
            order = self._orders[sort] = sorted(self._sort_keys[sort].values())
        return order

    def _replace_shows(self, movie_id: str, old: _Entry, shows: tuple[ShowFact, ...]) -> None:
        document = evolve(old.document, shows=shows)
        new = evolve(old, document=document)
        self._facet_cache.clear()
        self._detach_shows(movie_id, old)
        self._entries[movie_id] = new
        self._attach_shows(movie_id, new)

    def _attach(self, movie_id: str, entry: _Entry) -> None:
        status = entry.document.status
        if status in _SUGGESTED:
            self._suggestable[movie_id] = entry.suggest_key
            if self._suggestions is not None:
                insort(self._suggestions, entry.suggest_key)
        _add(self._by_status, status, movie_id)
        for statuses, movies in self._status_unions.items():
            if status in statuses:
                movies.add(movie_id)
        for genre in entry.genres:
            _add(self._by_genre, genre, movie_id)
        for language in entry.languages:
            _add(self._by_language, language, movie_id)
        rating = entry.document.rating
        if rating is None:
            self._unrated.add(movie_id)
        else:
            self._ratings[movie_id] = rating
            bucket = self._by_rating.get(rating)
            if bucket is None:
                bucket = self._by_rating[rating] = set()
                insort(self._rating_values, rating)
            bucket.add(movie_id)
        self._attach_shows(movie_id, entry)

    def _detach(self, movie_id: str, entry: _Entry) -> None:
        status = entry.document.status
        if status in _SUGGESTED:
            del self._suggestable[movie_id]
            if self._suggestions is not None:
                del self._suggestions[bisect_left(self._suggestions, entry.suggest_key)]
        _discard(self._by_status, status, movie_id)
        for statuses, movies in self._status_unions.items():
            if status in statuses:
                movies.discard(movie_id)
        for genre in entry.genres:
            _discard(self._by_genre, genre, movie_id)
        for language in entry.languages:
            _discard(self._by_language, language, movie_id)
        rating = entry.document.rating
        if rating is None:
            self._unrated.discard(movie_id)
        else:
            del self._ratings[movie_id]
            bucket = self._by_rating[rating]
            bucket.discard(movie_id)
            if not bucket:
                del self._by_rating[rating]
                del self._rating_values[bisect_left(self._rating_values, rating)]
        self._detach_shows(movie_id, entry)

    def _attach_shows(self, movie_id: str, entry: _Entry) -> None:
        index = self._by_show
        # The keys are made again from the shows on detaching: kept per movie, they would hold
        # a million tuples for a large catalog.
        for key in _show_keys(entry.document.shows):  # _add inlined: a million in a bulk load
            movies = index.get(key)
            if movies is None:
                index[key] = {movie_id}
            else:
                movies.add(movie_id)

    def _detach_shows(self, movie_id: str, entry: _Entry) -> None:
        for key in _show_keys(entry.document.shows):
            _discard(self._by_show, key, movie_id)

    def _set_text(self, movie_id: str, old: _Fields | None, new: _Fields | None) -> None:
        """Move the movie's postings from ``old`` to ``new`` text, touching only what differs,
        so that re-indexing a movie with unchanged text leaves the vocabulary (and its cached
        expansions) alone."""
        if old == new:
            return
        for name in FIELD_BOOSTS:
            before = _positions(old[name]) if old is not None else {}
            after = _positions(new[name]) if new is not None else {}
            postings = self._postings[name]
            for token in before.keys() - after.keys():
                movies = postings[token]
                del movies[movie_id]
                if not movies:
                    del postings[token]
                    self._token_left(name, token)
            for token, places in after.items():
                movies_or_none = postings.get(token)
                if movies_or_none is None:
                    postings[token] = {movie_id: places}
                    self._token_arrived(name, token)
                else:
                    movies_or_none[movie_id] = places

    def _token_arrived(self, field_name: str, token: str) -> None:
        if field_name == "title":
            insort(self._title_tokens, token)
        count = self._vocabulary.get(token, 0)
        self._vocabulary[token] = count + 1
        if count == 0:
            self._by_length.setdefault(len(token), {})[token] = None
            self._vocabulary_changed(token)

    def _token_left(self, field_name: str, token: str) -> None:
        if field_name == "title":
            del self._title_tokens[bisect_left(self._title_tokens, token)]
        count = self._vocabulary[token] - 1
        if count:
            self._vocabulary[token] = count
            return
        del self._vocabulary[token]
        bucket = self._by_length[len(token)]
        del bucket[token]
        if not bucket:
            del self._by_length[len(token)]
        self._vocabulary_changed(token)

    def _vocabulary_changed(self, token: str) -> None:
        self._length_lists.pop(len(token), None)
        if self._expansions:
            self._expansions.clear()

    # --- text ------------------------------------------------------------------------------------

    def _bucket(self, length: int) -> list[str]:
        tokens = self._length_lists.get(length)
        if tokens is None:
            tokens = self._length_lists[length] = list(self._by_length.get(length, ()))
        return tokens

    def _expand(self, term: str) -> dict[str, int]:
        """Every vocabulary token within the term's fuzziness, with its distance (0: the term)."""
        cached = self._expansions.get(term)
        if cached is not None:
            return cached
        allowed = fuzziness(term)
        found: dict[str, int] = {term: 0} if term in self._vocabulary else {}
        if allowed:
            for length in range(max(1, len(term) - allowed), len(term) + allowed + 1):
                choices = self._bucket(length)
                if not choices:
                    continue
                for token, distance, _ in process.extract(
                    term,
                    choices,
                    scorer=OSA.distance,
                    processor=None,
                    score_cutoff=allowed,
                    limit=None,
                ):
                    found[token] = int(distance)
        if len(self._expansions) >= _EXPANSION_CACHE_SIZE:
            del self._expansions[next(iter(self._expansions))]  # oldest first
        self._expansions[term] = found
        return found

    def _match_term(self, term: str, expansions: Mapping[str, int]) -> _TermMatch:
        tiers: list[tuple[int, AbstractSet[str]]] = []
        for name, boost in FIELD_BOOSTS.items():
            postings = self._postings[name]
            exact = postings.get(term)
            fuzzy: set[str] = set()
            for token, distance in expansions.items():
                movies = postings.get(token) if distance else None
                if movies is not None:
                    fuzzy.update(movies)
            tiers.append((boost * EXACT_WEIGHT, set(exact) if exact is not None else _EMPTY))
            tiers.append((boost * FUZZY_WEIGHT, fuzzy))
        tiers.sort(key=lambda tier: -tier[0])  # a term scores the first tier that holds a movie
        ids: set[str] = set().union(*(movies for _, movies in tiers))
        return _TermMatch(tiers=tuple(tiers), ids=ids)

    def _scores(
        self, terms: Sequence[str], matches: Sequence[_TermMatch], hits: AbstractSet[str]
    ) -> dict[str, int]:
        """:func:`bookmyshow.domain.search.score` of every hit, computed from the postings."""
        scores = dict.fromkeys(hits, 0)
        for match in matches:
            remaining = set(hits)
            for value, movies in match.tiers:
                if not remaining:
                    break
                found = remaining & movies
                for movie_id in found:
                    scores[movie_id] += value
                remaining -= found
        if len(terms) < 2:
            return scores
        remaining = set(hits)
        for name, boost in _FIELDS_BY_BOOST:
            postings = self._postings[name]
            lists = [postings.get(term) for term in terms]
            present = [movies for movies in lists if movies is not None]
            if len(present) < len(lists) or not remaining:
                continue
            candidates = set(remaining)
            for places in sorted(present, key=len):
                candidates = {movie_id for movie_id in candidates if movie_id in places}
            for movie_id in candidates:
                if _has_phrase([places[movie_id] for places in present]):
                    scores[movie_id] += boost * PHRASE_WEIGHT
                    remaining.discard(movie_id)
        return scores

    # --- search ----------------------------------------------------------------------------------

    def _with_status(self, statuses: frozenset[MovieStatus]) -> AbstractSet[str]:
        if len(statuses) == 1:
            (status,) = statuses
            return self._by_status.get(status, _EMPTY)
        movies = self._status_unions.get(statuses)
        if movies is None:
            movies = set().union(*(self._by_status.get(s, _EMPTY) for s in statuses))
            self._status_unions[statuses] = movies
        return movies

    def _shown(
        self, city: str | None, days: Sequence[date | None], kinds: Iterable[Format | None]
    ) -> AbstractSet[str]:
        """The movies with one show in ``city``, on one of ``days`` and of one of ``kinds``
        (``None`` for any city, day or kind; not all three)."""
        return _union(self._by_show, [(city, day, kind) for kind in kinds for day in days])

    def _rated(self, hits: AbstractSet[str], owned: bool, bound: Decimal) -> AbstractSet[str]:
        """The hits rated ``bound`` or more, the cheapest way: the hits within the buckets at or
        above the bound, the hits less the buckets below it (and the unrated), or each hit's
        rating compared (costs in set operations; ``owned``: ``hits`` may be changed)."""
        values = self._rating_values
        size = len(hits)
        if not size or len(values) > _RATING_BUCKETS:
            return self._rated_by_check(hits, bound)
        at = bisect_left(values, bound)
        buckets = self._by_rating
        above = [buckets[value] for value in values[at:]]
        below = [buckets[value] for value in values[:at]]
        check = _CHECK_COST * size
        within = sum(min(size, len(movies)) for movies in above)
        without = (0 if owned else size) + sum(map(len, below)) + len(self._unrated)
        if check <= within and check <= without:
            return self._rated_by_check(hits, bound)
        if within <= without:
            return self._rated_within(hits, above)
        return self._rated_without(hits, owned, below)

    def _rated_by_check(self, hits: AbstractSet[str], bound: Decimal) -> set[str]:
        ratings = self._ratings
        return {
            movie_id
            for movie_id in hits
            if (rating := ratings.get(movie_id)) is not None and rating >= bound
        }

    def _rated_within(self, hits: AbstractSet[str], above: list[set[str]]) -> AbstractSet[str]:
        if len(hits) == len(self._entries):
            return _merged(above)  # every movie is a hit: the buckets are the answer
        found: set[str] = set()
        for movies in above:
            found |= movies & hits
        return found

    def _rated_without(
        self, hits: AbstractSet[str], owned: bool, below: list[set[str]]
    ) -> AbstractSet[str]:
        found = hits if owned and isinstance(hits, set) else set(hits)
        for movies in below:
            found -= movies
        found -= self._unrated
        return found

    def search(self, query: SearchQuery, after: _Key | None) -> SearchResult:
        terms = query.terms
        near = [self._expand(term) for term in terms]
        matches = [self._match_term(t, near_t) for t, near_t in zip(terms, near, strict=True)]
        groups: list[AbstractSet[str]] = [match.ids for match in matches]
        if query.statuses != _ALL_STATUSES:
            groups.append(self._with_status(query.statuses))
        if query.genres:
            groups.append(_union(self._by_genre, query.genres))
        if query.languages:
            groups.append(_union(self._by_language, query.languages))
        # One show must meet the city, dates and formats at once: the show index has an entry
        # for every combination of them, so the movies with such a show are a union of entries
        # (one union per format when the formats facet counts them).
        by_format: dict[Format, AbstractSet[str]] | None = None
        if query.filters_shows:
            days = _days(query.dates)
            city = query.city_id
            if Facet.FORMATS in query.facets:
                kinds: Iterable[Format] = query.formats or Format
                by_format = {kind: self._shown(city, days, (kind,)) for kind in kinds}
                groups.append(_merged(list(by_format.values())))
            else:
                groups.append(self._shown(city, days, query.formats or _ANY))
        hits: AbstractSet[str] = _intersect(groups) if groups else self._entries.keys()
        if query.min_rating is not None:
            hits = self._rated(hits, len(groups) > 1, query.min_rating)
        scores = self._scores(terms, matches, hits) if terms else {}

        sort = query.sort
        end = query.offset + query.page_size
        # One hit more than the page tells whether more remain.
        if terms and sort is SortBy.RELEVANCE:
            popularity = self._sort_keys[SortBy.POPULARITY]  # (-popularity, movie id)
            keys = [(-score, popularity[m][0], m) for m, score in scores.items()]
            top = self._smallest(keys, after, end + 1)
        else:
            top = self._top(sort, hits, after, end + 1)
        page = top[query.offset : end]
        found = []
        for key in page:
            movie_id = key[-1]  # every sort key ends with the movie id
            title = self._entries[movie_id].document.title
            found.append(
                SearchHit(
                    movie_id=movie_id,
                    score=scores.get(movie_id, 0),
                    highlight=_highlight(title, terms, near, self._vocabulary) if terms else None,
                )
            )
        return SearchResult(
            total=len(hits),
            hits=tuple(found),
            facets=self._facets(query, bool(terms), hits, by_format),
            next_cursor=encode_cursor(sort, page[-1]) if len(top) > end and page else None,
        )

    def _top(
        self, sort: SortBy, hits: AbstractSet[str], after: _Key | None, count: int
    ) -> list[_Key]:
        """The first ``count`` keys of the hits after ``after`` in the order of ``sort``."""
        size = len(hits)
        # Hits spread over the order have the page about count * catalog / size keys down.
        if size * size * _GATHER_COST >= count * len(self._entries):
            found = self._walk(self._order(sort), hits, after, count, _GATHER_COST * size)
            if found is not None:
                return found
        table = self._sort_keys[sort]
        return self._smallest([table[m] for m in hits], after, count)

    @staticmethod
    def _smallest(keys: list[_Key], after: _Key | None, count: int) -> list[_Key]:
        if after is not None:
            keys = [key for key in keys if key > after]
        return heapq.nsmallest(count, keys)

    @staticmethod
    def _walk(
        order: list[_Key], hits: AbstractSet[str], after: _Key | None, count: int, budget: int
    ) -> list[_Key] | None:
        """The first ``count`` keys of hits after ``after``, walking the ordered keys; ``None``
        when ``budget`` keys were read without finding them (and more remain)."""
        at = 0 if after is None else bisect_right(order, after)
        stop = min(len(order), at + budget)
        found: list[_Key] = []
        step = max(count, 64)
        # In slices that double: no copy of the long tail when the page is near the top.
        while at < stop:
            for key in order[at : min(stop, at + step)]:
                if key[-1] in hits:
                    found.append(key)
                    if len(found) == count:
                        return found
            at += step
            step *= 2
        return found if stop == len(order) else None

    def _facets(
        self,
        query: SearchQuery,
        text: bool,
        hits: AbstractSet[str],
        by_format: Mapping[Format, AbstractSet[str]] | None,
    ) -> dict[Facet, tuple[FacetCount, ...]]:
        if not query.facets:
            return {}
        # Without text the hits depend on the filters alone, and large ones cost most to count.
        key: _Key | None = None
        if not text and len(hits) >= _FACET_CACHE_MIN:
            key = (
                query.statuses,
                query.genres,
                query.languages,
                query.min_rating,
                query.city_id,
                query.dates,
                query.formats,
                query.facets,
            )
            cached = self._facet_cache.get(key)
            if cached is not None:
                return dict(cached)
        facets: dict[Facet, tuple[FacetCount, ...]] = {}
        if Facet.GENRES in query.facets:
            facets[Facet.GENRES] = _counts(self._count(hits, self._by_genre, "genres"))
        if Facet.LANGUAGES in query.facets:
            facets[Facet.LANGUAGES] = _counts(self._count(hits, self._by_language, "languages"))
        if Facet.FORMATS in query.facets:
            # With show filters, a hit counts under the formats of its shows that meet them.
            if by_format is None:
                by_format = {kind: self._by_show.get((None, None, kind), _EMPTY) for kind in Format}
            facets[Facet.FORMATS] = _counts(
                {kind.value: len(hits & movies) for kind, movies in by_format.items()}
            )
        if key is not None:
            if len(self._facet_cache) >= _FACET_CACHE_SIZE:
                del self._facet_cache[next(iter(self._facet_cache))]  # oldest first
            self._facet_cache[key] = facets
            return dict(facets)
        return facets

    def _count(
        self, hits: AbstractSet[str], index: Mapping[str, set[str]], name: str
    ) -> Counter[str]:
        # Either walk the hits' values or intersect each value's movies with the hits, whichever
        # side is smaller; both count each movie once per distinct folded value.
        if len(hits) <= len(index):
            counter: Counter[str] = Counter()
            for movie_id in hits:
                counter.update(getattr(self._entries[movie_id], name))
            return counter
        return Counter({value: len(hits & movies) for value, movies in index.items()})

    # --- suggestions -----------------------------------------------------------------------------

    def _suggest_order(self) -> list[_SuggestKey]:
        order = self._suggestions
        if order is None:
            order = self._suggestions = sorted(self._suggestable.values())
        return order

    def suggest(self, tokens: tuple[str, ...], limit: int) -> list[Suggestion]:
        *head, last = tokens
        titles = self._postings["title"]
        words = self._title_tokens
        first = end = bisect_left(words, last)
        reach = 0  # the prefix's matches, a movie counted once per title word that fits
        while end < len(words) and words[end].startswith(last):
            reach += len(titles[words[end]])
            end += 1
        catalog = len(self._entries)
        if not head:
            # Many matches (a short prefix): the most popular titles are read in order until
            # ``limit`` fit, about limit * movies / matches of them; a walk that reads as many as
            # gathering would cost gives way to gathering.
            if reach * reach >= _SUGGEST_CHECK_COST * limit * catalog:
                ranked = self._walk_suggestions(
                    None, partial(_starts, last), limit, reach // _SUGGEST_CHECK_COST
                )
                if ranked is not None:
                    return self._suggestions_of(ranked)
            found: set[str] = set()
            for word in words[first:end]:
                found.update(titles[word])
            return self._suggestions_of(self._ranked(found, limit))
        lists = [titles.get(token) for token in head]
        present = [movies for movies in lists if movies is not None]
        if len(present) < len(lists):
            return []
        present.sort(key=len)
        # The movies with every head word and a word continuing the prefix, from the smaller
        # side; each must still have them in order.
        if reach < len(present[0]):
            pool = set().union(*(titles[word] for word in words[first:end]))
        else:
            pool = set(present.pop(0))
        for movies in present:
            pool = {movie_id for movie_id in pool if movie_id in movies}
        fits = partial(_continues, head, last)
        if len(pool) * len(pool) * _SUGGEST_FIT_COST >= limit * catalog:
            ranked = self._walk_suggestions(pool, fits, limit, len(pool) * _SUGGEST_FIT_COST)
            if ranked is not None:
                return self._suggestions_of(ranked)
        entries = self._entries
        found = {m for m in pool if fits(entries[m].fields["title"][0])}
        return self._suggestions_of(self._ranked(found, limit))

    def _ranked(self, found: Iterable[str], limit: int) -> list[_SuggestKey]:
        suggestable = self._suggestable
        return heapq.nsmallest(limit, [suggestable[m] for m in found if m in suggestable])

    def _walk_suggestions(
        self,
        pool: AbstractSet[str] | None,
        fits: Callable[[tuple[str, ...]], bool],
        limit: int,
        budget: int,
    ) -> list[_SuggestKey] | None:
        """The first ``limit`` suggestion keys of movies in ``pool`` (any movie if ``None``)
        whose title ``fits``, in order; ``None`` when ``budget`` keys were read without finding
        them (and more remain)."""
        order = self._suggest_order()
        entries = self._entries
        ranked: list[_SuggestKey] = []
        for key in islice(order, budget):
            movie_id = key[2]
            if (pool is None or movie_id in pool) and fits(entries[movie_id].fields["title"][0]):
                ranked.append(key)
                if len(ranked) == limit:
                    return ranked
        return ranked if budget >= len(order) else None

    def _suggestions_of(self, ranked: Iterable[_SuggestKey]) -> list[Suggestion]:
        return [
            Suggestion(movie_id=movie_id, title=self._entries[movie_id].document.title)
            for _, _, movie_id in ranked
        ]


class MemoryMovieSearch:
    """A :class:`~bookmyshow.ports.search.MovieSearch` held in process memory.

    Indexes are updated on every write, so a write is visible to the next search.  Each call
    checks its arguments (``InvalidInput``), yields to the event loop once (a round trip), then
    does its whole work under a :class:`threading.Lock` without awaiting: atomic for concurrent
    tasks, and for one engine used from several event loops or threads.
    """

    def __init__(self) -> None:
        self._index = _Index()
        self._lock = threading.Lock()

    async def index(self, document: MovieDocument) -> None:
        """Add the movie, or replace everything indexed for it (its shows included).

        Raises ``InvalidInput`` for a non-document.
        """
        require_instance(document, MovieDocument, "document")
        await asyncio.sleep(0)
        with self._lock:
            self._index.put(document)

    async def index_many(self, documents: Sequence[MovieDocument]) -> None:
        """Index every document; a movie id given twice keeps the later document.

        Raises ``InvalidInput`` (indexing nothing) if any item is not a document.
        """
        latest = {d.movie_id: d for d in instances(documents, MovieDocument, "documents")}
        await asyncio.sleep(0)
        with self._lock:
            self._index.put_many(latest.values())

    async def remove(self, movie_id: str) -> bool:
        """Forget the movie and its shows; ``True`` if it was indexed.  ``InvalidInput`` for a
        malformed id."""
        require_id(movie_id, "movie_id")
        await asyncio.sleep(0)
        with self._lock:
            return self._index.drop(movie_id)

    async def put_show(self, movie_id: str, show: ShowFact) -> None:
        """Add (or replace, by show id) one show of an indexed movie.

        Raises ``NotFound(kind="movie")`` if the movie is not indexed, ``InvalidInput`` for a
        malformed id or a non-ShowFact.
        """
        require_id(movie_id, "movie_id")
        require_instance(show, ShowFact, "show")
        await asyncio.sleep(0)
        with self._lock:
            self._index.put_show(movie_id, show)

    async def remove_show(self, movie_id: str, show_id: str) -> bool:
        """Drop one show of the movie; ``True`` if it was there (``False`` also when the movie
        is not indexed).  ``InvalidInput`` for malformed ids."""
        require_id(movie_id, "movie_id")
        require_id(show_id, "show_id")
        await asyncio.sleep(0)
        with self._lock:
            return self._index.remove_show(movie_id, show_id)

    async def get(self, movie_id: str) -> MovieDocument | None:
        """The document of the movie as indexed (with its shows), or ``None``.  ``InvalidInput``
        for a malformed id."""
        require_id(movie_id, "movie_id")
        await asyncio.sleep(0)
        with self._lock:
            return self._index.get(movie_id)

    async def search(self, query: SearchQuery) -> SearchResult:
        """The page of hits, the total and the asked facets for ``query``.

        Raises ``InvalidInput`` for a non-query or a cursor made for another sort.
        """
        require_instance(query, SearchQuery, "query")
        after = None if query.cursor is None else decode_cursor(query.cursor, query.sort)
        await asyncio.sleep(0)
        with self._lock:
            return self._index.search(query, after)

    async def suggest(self, prefix: str, *, limit: int = 10) -> Sequence[Suggestion]:
        """Active and coming-soon movies whose analyzed title continues the analyzed ``prefix``.

        With ``prefix`` analyzed to tokens ``p1..pk``, a movie is suggested when its title has
        ``p1..p(k-1)`` as consecutive words followed by a word starting with ``pk``; most popular
        first, then by folded title, then by id.  An empty prefix suggests nothing.  Raises
        ``InvalidInput`` for a non-string prefix over 100 characters or a ``limit`` outside
        1..20.
        """
        if not isinstance(prefix, str) or len(prefix) > _MAX_PREFIX_LENGTH:
            raise InvalidInput(
                field="prefix", reason=f"a string of at most {_MAX_PREFIX_LENGTH} characters"
            )
        if require_count(limit, "limit", minimum=1) > MAX_SUGGESTIONS:
            raise InvalidInput(field="limit", reason=f"at most {MAX_SUGGESTIONS}")
        tokens = analyze(prefix)
        await asyncio.sleep(0)
        if not tokens:
            return ()
        with self._lock:
            return tuple(self._index.suggest(tokens, limit))
