"""The movie search port: an index of movie documents that answers by the shared rules.

Every engine implements the analysis, matching, relevance, filtering, ordering, paging, facet and
highlight rules of :mod:`bookmyshow.domain.search` exactly, so results do not depend on which
engine serves them; the contract suite (``bookmyshow.testing.contracts.search``) states them as
cases over a fixed catalog.

The index is eventually consistent with the catalog: the search use case keeps it current from
domain events, and can rebuild it from the repositories at any time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bookmyshow.domain.search import (
    MovieDocument,
    SearchQuery,
    SearchResult,
    ShowFact,
    Suggestion,
)

__all__ = ["MovieSearch"]


class MovieSearch(Protocol):
    """Index movies and their shows; search and suggest.

    Errors on every method: :class:`~bookmyshow.domain.errors.InvalidInput` for arguments of the
    wrong type, :class:`~bookmyshow.ports.errors.BackendUnavailable` when the engine fails.
    Writes are visible to the next search (an engine with a refresh interval refreshes before
    answering, or on write).
    """

    async def index(self, document: MovieDocument) -> None:
        """Add the movie, or replace everything indexed for it (its shows included)."""
        ...

    async def index_many(self, documents: Sequence[MovieDocument]) -> None:
        """Index every document (in bulk); a movie id given twice keeps the later document."""
        ...

    async def remove(self, movie_id: str) -> bool:
        """Forget the movie and its shows; ``True`` if it was indexed."""
        ...

    async def put_show(self, movie_id: str, show: ShowFact) -> None:
        """Add (or replace, by show id) one show of an indexed movie.

        Raises :class:`~bookmyshow.ports.errors.NotFound` (``kind="movie"``) if the movie is
        not indexed.
        """
        ...

    async def remove_show(self, movie_id: str, show_id: str) -> bool:
        """Drop one show of the movie; ``True`` if it was there."""
        ...

    async def get(self, movie_id: str) -> MovieDocument | None:
        """The indexed document of the movie, if any."""
        ...

    async def search(self, query: SearchQuery) -> SearchResult:
        """The page of hits, the total and the facets for ``query``.

        Raises :class:`~bookmyshow.domain.errors.InvalidInput` for a cursor that does not
        belong to this query's sort.
        """
        ...

    async def suggest(self, prefix: str, *, limit: int = 10) -> Sequence[Suggestion]:
        """Title completions: movies (active or coming soon) whose title, or a word of it,
        starts with the folded ``prefix``; most popular first, then by title and id.

        Exactly: ``analyze(prefix)`` gives ``p1..pk``; a movie matches when, at some word
        position ``i`` of its analyzed title, tokens ``i..i+k-2`` equal ``p1..p(k-1)`` and token
        ``i+k-1`` starts with ``pk``.  Order: popularity descending, ``fold(title)`` ascending,
        movie id.  An empty prefix (no tokens) suggests nothing.  Raises ``InvalidInput`` for a
        ``limit`` outside 1..20 or a prefix over 100 characters.
        """
        ...
