"""Movie search: the search use case, and keeping the search index current.

:class:`Search` answers queries through the :class:`~bookmyshow.ports.search.MovieSearch` port by
the rules of :mod:`bookmyshow.domain.search`.  Anyone may search, anonymous visitors too; only
admins may ask for retired (``inactive``) movies.

:class:`SearchIndexer` keeps the index current from domain events.  The services publish their
events after the unit of work commits (:func:`~bookmyshow.services._units.publish`), and a
delivery failure is logged, not raised, so the index is *eventually* consistent with the
catalog: a search right after a change normally sees it, and :meth:`SearchIndexer.reindex_all`
rebuilds the whole index from the repositories whenever an event was lost.  Every handler reads
the current state from the repositories rather than trusting the event's payload, and handlers
for one movie run one at a time in this process, so late or repeated deliveries converge on the
stored state.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from functools import partial
from typing import Final

from attrs import evolve

from bookmyshow.domain.catalog import Movie, MovieStatus
from bookmyshow.domain.errors import InvalidInput, PermissionDenied
from bookmyshow.domain.events import (
    DomainEvent,
    MovieAdded,
    MovieChanged,
    MovieRetired,
    ShowCancelled,
    ShowScheduled,
)
from bookmyshow.domain.search import (
    MAX_PAGE_SIZE,
    MAX_SUGGESTIONS,
    DateRange,
    MovieDocument,
    SearchQuery,
    SearchResult,
    ShowFact,
    SortBy,
    Suggestion,
)
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import Action, Principal, Resource, ResourceKind, can, require
from bookmyshow.domain.validation import require_count, require_instance
from bookmyshow.domain.venues import Theater
from bookmyshow.ports.errors import NotFound
from bookmyshow.ports.events import EventBus
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._key_locks import KeyLocks
from bookmyshow.services._subscriptions import subscribe_once
from bookmyshow.services._units import read_unit
from bookmyshow.services.context import Policies, Ports

__all__ = [
    "INDEXED_EVENTS",
    "MAX_PREFIX_LENGTH",
    "REINDEX_BATCH",
    "SEARCH_INACTIVE",
    "Search",
    "SearchIndexer",
    "stored_documents",
]

SEARCH_INACTIVE: Final = "search_inactive"
"""The ``action`` a :class:`PermissionDenied` names when a non-admin asks for retired movies."""

MAX_PREFIX_LENGTH: Final = 100
"""The longest prefix :meth:`Search.suggest` completes."""

REINDEX_BATCH: Final = 500
"""How many documents :meth:`SearchIndexer.reindex_all` sends to the engine at once."""

INDEXED_EVENTS: Final[tuple[type[DomainEvent], ...]] = (
    MovieAdded,
    MovieChanged,
    MovieRetired,
    ShowScheduled,
    ShowCancelled,
)
"""The events :meth:`SearchIndexer.subscribe` listens to."""

_ALL_STATUSES: Final = frozenset(MovieStatus)
_log = logging.getLogger("bookmyshow.services")


def _check_actor(actor: Principal | None) -> None:
    if actor is not None and not isinstance(actor, Principal):
        raise InvalidInput(field="actor", reason="a Principal, or None for an anonymous visitor")


def _may_see_retired(actor: Principal | None) -> bool:
    # Whoever manages the catalog, or the shows of some theater, works with retired movies too
    # (the admin catalog lists them); everyone else sees what is showing or coming.
    if actor is None:
        return False
    if can(actor, Action.MANAGE_CATALOG, Resource(kind=ResourceKind.MOVIE)):
        return True
    return any(
        can(actor, Action.MANAGE_SHOW, Resource(kind=ResourceKind.SHOW, theater_id=theater_id))
        for theater_id in actor.theater_ids
    )


class Search:
    """Find movies and complete titles (see the module)."""

    def __init__(self, ports: Ports, policies: Policies) -> None:
        """Search through ``ports.search``; ``policies`` is kept for symmetry with the others."""
        self._ports = ports
        self._policies = policies

    async def search(self, actor: Principal | None, query: SearchQuery) -> SearchResult:
        """The page of hits, the total and the facets for ``query``.

        Open to everyone (``actor`` may be ``None``).  Show filters mean *upcoming* shows: a
        query filtering by city or formats without ``dates`` is searched over the dates from
        yesterday (so that today in every time zone is included) to a year ahead, so a movie
        that only played there before is not a hit; pass ``dates`` to look elsewhere in time.
        A query whose ``statuses`` include
        ``inactive`` is allowed only to a platform admin or a theater admin of some theater;
        anyone else gets :class:`PermissionDenied` (action :data:`SEARCH_INACTIVE`).  The
        query was validated when it was built; raises :class:`InvalidInput` for an actor that is
        neither a Principal nor ``None``, a ``query`` that is not a :class:`SearchQuery`, or a
        cursor made for another sort, and ``BackendUnavailable`` when the engine fails.
        """
        _check_actor(actor)
        require_instance(query, SearchQuery, "query")
        if MovieStatus.INACTIVE in query.statuses and not _may_see_retired(actor):
            raise PermissionDenied(
                action=SEARCH_INACTIVE,
                resource=str(ResourceKind.MOVIE),
                reason="only admins search retired movies",
            )
        if query.filters_shows and query.dates is None:
            today = self._ports.clock.now().date()
            upcoming = DateRange(start=today - timedelta(days=1), end=today + timedelta(days=365))
            query = evolve(query, dates=upcoming)
        return await self._ports.search.search(query)

    async def suggest(
        self, actor: Principal | None, prefix: str, *, limit: int = 10
    ) -> Sequence[Suggestion]:
        """Up to ``limit`` title completions for ``prefix``: active and coming-soon movies whose
        analyzed title continues the analyzed prefix from some word on (the last prefix word
        may be incomplete), most popular first (see the port for the exact rule).

        Open to everyone.  An empty prefix suggests nothing.  Raises :class:`InvalidInput` for a
        bad actor, a prefix that is not a string of at most :data:`MAX_PREFIX_LENGTH`
        characters, or a ``limit`` outside 1..20; ``BackendUnavailable`` when the engine fails.
        """
        _check_actor(actor)
        if not isinstance(prefix, str) or len(prefix) > MAX_PREFIX_LENGTH:
            raise InvalidInput(
                field="prefix", reason=f"a string of at most {MAX_PREFIX_LENGTH} characters"
            )
        if require_count(limit, "limit", minimum=1) > MAX_SUGGESTIONS:
            raise InvalidInput(field="limit", reason=f"at most {MAX_SUGGESTIONS}")
        return await self._ports.search.suggest(prefix, limit=limit)


def _fact(show: Show, theater: Theater) -> ShowFact:
    return ShowFact(
        show_id=show.show_id,
        city_id=theater.city_id,
        date=theater.local_time(show.starts_at).date(),
        format=show.format,
    )


async def _theater(uow: UnitOfWork, theater_id: str, theaters: dict[str, Theater]) -> Theater:
    theater = theaters.get(theater_id)
    if theater is None:
        theater = theaters[theater_id] = await uow.venues.get_theater(theater_id)
    return theater


async def _document(uow: UnitOfWork, movie: Movie, theaters: dict[str, Theater]) -> MovieDocument:
    """The movie's document: the movie and its scheduled (not cancelled) shows."""
    facts = [
        _fact(show, await _theater(uow, show.theater_id, theaters))
        for show in await uow.shows.find(movie_id=movie.movie_id)
    ]
    return MovieDocument.from_movie(movie, facts)


async def _documents(uow: UnitOfWork, movie_ids: Sequence[str]) -> list[MovieDocument]:
    """The documents of the stored movies among ``movie_ids`` (vanished ones are skipped)."""
    theaters: dict[str, Theater] = {}
    out: list[MovieDocument] = []
    for movie_id in movie_ids:
        movie = await _movie_or_none(uow, movie_id)
        if movie is not None:
            out.append(await _document(uow, movie, theaters))
    return out


async def stored_documents(
    ports: Ports, *, batch_size: int = REINDEX_BATCH
) -> AsyncIterator[MovieDocument]:
    """Every stored movie's search document (whatever its status), read ``batch_size`` movies
    per unit of work: the input of an engine's full rebuild (e.g. Elasticsearch's new index
    behind an alias).  Operator tooling: no permission is checked (use
    :meth:`SearchIndexer.reindex_all` on behalf of a user).  Raises ``InvalidInput`` for a
    ``batch_size`` under 1 and ``BackendUnavailable`` when a repository fails.
    """
    size = require_count(batch_size, "batch_size", minimum=1)

    movie_ids = await read_unit(ports, _stored_ids)
    for start in range(0, len(movie_ids), size):
        batch = movie_ids[start : start + size]
        for document in await read_unit(ports, partial(_documents, movie_ids=batch)):
            yield document


async def _stored_ids(uow: UnitOfWork) -> list[str]:
    """The id of every stored movie, whatever its status."""
    return [movie.movie_id for movie in await uow.movies.list()]


async def _movie_or_none(uow: UnitOfWork, movie_id: str) -> Movie | None:
    try:
        return await uow.movies.get(movie_id)
    except NotFound as exc:
        if exc.kind != "movie":
            raise
        return None


class SearchIndexer:
    """Keeps ``ports.search`` current from domain events, and rebuilds it on demand.

    * ``MovieAdded``, ``MovieChanged`` (a rating change included), ``MovieRetired``: the
      movie's whole document is rebuilt from the repositories — the movie and its scheduled,
      not cancelled shows, each as a :class:`~bookmyshow.domain.search.ShowFact` (the city of
      its theater, its start date in the theater's zone, its format).  A movie no longer stored
      is removed from the index.
    * ``ShowScheduled``: the show is added to its movie's document (the whole document is
      indexed if the movie was not indexed yet; a show cancelled meanwhile is removed instead).
    * ``ShowCancelled``: the show is removed from its movie's document.

    Errors raised by a handler (``NotFound``, ``BackendUnavailable`` …) reach the event bus,
    which runs the other handlers, and the publishing service logs them; run
    :meth:`reindex_all` to repair what was missed.
    """

    def __init__(self, ports: Ports, policies: Policies) -> None:
        """Index into ``ports.search`` from the repositories of ``ports.uow``."""
        self._ports = ports
        self._policies = policies
        self._locks = KeyLocks()
        self._buses: list[EventBus] = []

    def subscribe(self, bus: EventBus) -> None:
        """Register :meth:`handle` on ``bus`` for every type of :data:`INDEXED_EVENTS`.

        Subscribing to the same bus again does nothing (each event is indexed once).  Raises
        :class:`InvalidInput` if ``bus`` has no ``subscribe`` method.
        """
        subscribe_once(self._buses, bus, INDEXED_EVENTS, self.handle)

    async def handle(self, event: DomainEvent) -> None:
        """Bring the index up to date with ``event`` (see the class); other events are ignored.

        Raises :class:`InvalidInput` for a non-event, ``NotFound`` when the event names a show
        or theater that is not stored, and ``BackendUnavailable`` when a store fails.
        """
        require_instance(event, DomainEvent, "event")
        if isinstance(event, MovieAdded | MovieChanged | MovieRetired):
            async with self._locks.locked((event.movie_id,)):
                await self._reindex_movie(event.movie_id)
        elif isinstance(event, ShowScheduled):
            async with self._locks.locked((event.movie_id,)):
                await self._put_show(event.movie_id, event.show_id)
        elif isinstance(event, ShowCancelled):
            show_id = event.show_id

            async def movie_of(uow: UnitOfWork) -> str:
                return (await uow.shows.get(show_id)).movie_id

            movie_id = await read_unit(self._ports, movie_of)
            async with self._locks.locked((movie_id,)):
                await self._ports.search.remove_show(movie_id, show_id)

    async def reindex_all(self, actor: Principal, *, batch_size: int = REINDEX_BATCH) -> int:
        """Rebuild the whole index from the repositories; returns how many movies were indexed.

        Every stored movie (whatever its status) is indexed with its shows, ``batch_size`` at a
        time through ``index_many``; then every indexed movie that is no longer stored is
        removed.  Events handled meanwhile are not lost: a batch and the handlers of its movies
        take turns.  Only a platform admin may (``manage_catalog`` on movies): raises
        :class:`PermissionDenied` otherwise, :class:`InvalidInput` for a ``batch_size`` under
        1, and ``BackendUnavailable`` when a store fails (run it again; it is idempotent).
        """
        require(actor, Action.MANAGE_CATALOG, Resource(kind=ResourceKind.MOVIE))
        size = require_count(batch_size, "batch_size", minimum=1)

        movie_ids = await read_unit(self._ports, _stored_ids)
        indexed = 0
        for start in range(0, len(movie_ids), size):
            batch = movie_ids[start : start + size]
            async with self._locks.locked(batch):
                # Read under the locks: a handler that ran before read older state than this.
                docs = await read_unit(self._ports, partial(_documents, movie_ids=batch))
                await self._ports.search.index_many(docs)
            indexed += len(docs)
        removed = await self._remove_unstored(set(movie_ids))
        _log.info("search index rebuilt: %d movie(s) indexed, %d removed", indexed, removed)
        return indexed

    # --- internals -------------------------------------------------------------------------

    async def _reindex_movie(self, movie_id: str) -> None:
        """Index the movie's current document, or forget a movie that is not stored."""

        async def read(uow: UnitOfWork) -> MovieDocument | None:
            movie = await _movie_or_none(uow, movie_id)
            return None if movie is None else await _document(uow, movie, {})

        document = await read_unit(self._ports, read)
        if document is None:
            await self._ports.search.remove(movie_id)
        else:
            await self._ports.search.index(document)

    async def _put_show(self, movie_id: str, show_id: str) -> None:
        async def read(uow: UnitOfWork) -> ShowFact | None:
            show = await uow.shows.get(show_id)
            if show.is_cancelled:
                return None
            return _fact(show, await uow.venues.get_theater(show.theater_id))

        fact = await read_unit(self._ports, read)
        if fact is None:
            # Cancelled before this delivery: its ShowCancelled may have been handled first.
            await self._ports.search.remove_show(movie_id, show_id)
            return
        try:
            await self._ports.search.put_show(movie_id, fact)
        except NotFound as exc:
            if exc.kind != "movie":
                raise
            await self._reindex_movie(movie_id)

    async def _indexed_ids(self) -> set[str]:
        """Every movie id in the index, whatever its status, paged by cursor."""
        found: set[str] = set()
        cursor: str | None = None
        while True:
            query = SearchQuery(
                statuses=_ALL_STATUSES,
                sort=SortBy.POPULARITY,
                page_size=MAX_PAGE_SIZE,
                cursor=cursor,
            )
            result = await self._ports.search.search(query)
            found.update(hit.movie_id for hit in result.hits)
            if result.next_cursor is None or not result.hits:
                return found
            cursor = result.next_cursor

    async def _remove_unstored(self, stored: set[str]) -> int:
        """Remove indexed movies the repository does not have; returns how many."""
        candidates = sorted(await self._indexed_ids() - stored)
        if not candidates:
            return 0

        async def missing(uow: UnitOfWork) -> list[str]:
            # Movies added after the listing are in the index but not in ``stored``.
            return [m for m in candidates if await _movie_or_none(uow, m) is None]

        removed = 0
        async with self._locks.locked(candidates):
            for movie_id in await read_unit(self._ports, missing):
                if await self._ports.search.remove(movie_id):
                    removed += 1
        return removed
