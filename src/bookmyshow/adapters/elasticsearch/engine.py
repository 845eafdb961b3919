"""The Elasticsearch movie search engine: :class:`ElasticsearchMovieSearch`.

The engine talks to Elasticsearch through :class:`elasticsearch.AsyncElasticsearch`, always by an
*alias* (``bookmyshow-movies`` unless told otherwise) that names one versioned index
(``<alias>-v<n>-<suffix>``).  The request bodies and the reading of answers are the pure
translation layer of this package (:mod:`.mapping`, :mod:`.documents`, :mod:`.queries`); this
module owns the index lifecycle and the writes:

* :meth:`~ElasticsearchMovieSearch.ensure_index` creates the first index behind the alias when the
  alias is missing — one fixed name, created with the alias in a single request, so concurrent
  callers cannot end with two indices behind it;
* :meth:`~ElasticsearchMovieSearch.rebuild` loads every document into a new versioned index, swaps
  the alias to it in one atomic ``_aliases`` request and deletes the old index, so searches keep
  answering from the old index until the swap and from the new one after;
* writes go through the alias with ``require_alias`` (a missing alias is an error, never an
  auto-created index with guessed mappings) and ``refresh`` (``"wait_for"`` by default), so the
  next search sees them;
* :meth:`~ElasticsearchMovieSearch.put_show` and :meth:`~ElasticsearchMovieSearch.remove_show`
  read the movie's stored document, change its shows and write it back only if nobody wrote it
  in between (``if_seq_no`` / ``if_primary_term``), retrying on a conflict: concurrent show
  updates of one movie never lose each other.

Every client error becomes :class:`~bookmyshow.ports.errors.BackendUnavailable` (see
:mod:`.errors`); arguments are checked first and refused with
:class:`~bookmyshow.domain.errors.InvalidInput`, before any request.
"""

from __future__ import annotations

import asyncio
import random
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from attrs import evolve
from elasticsearch import (
    ApiError,
    AsyncElasticsearch,
    BadRequestError,
    ConflictError,
    NotFoundError,
    TransportError,
)

from bookmyshow.adapters.elasticsearch.documents import document_from, source_of
from bookmyshow.adapters.elasticsearch.errors import (
    BACKEND,
    error_type,
    is_missing_index,
    unavailable,
)
from bookmyshow.adapters.elasticsearch.mapping import index_body
from bookmyshow.adapters.elasticsearch.queries import (
    result_from,
    search_body,
    suggest_body,
    suggestions_from,
)
from bookmyshow.domain.catalog import require_id
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.search import (
    MovieDocument,
    SearchQuery,
    SearchResult,
    ShowFact,
    Suggestion,
)
from bookmyshow.domain.validation import instances, require_count, require_instance
from bookmyshow.ports.errors import BackendUnavailable, NotFound

__all__ = [
    "DEFAULT_ALIAS",
    "DEFAULT_BATCH_SIZE",
    "ElasticsearchMovieSearch",
    "Progress",
    "Refresh",
    "connect",
]

DEFAULT_ALIAS: Final = "bookmyshow-movies"
"""The alias the engine searches and writes unless told another."""
DEFAULT_BATCH_SIZE: Final = 500
"""Documents per bulk request of :meth:`ElasticsearchMovieSearch.rebuild` and ``index_many``."""

Refresh = bool | str
"""``True`` / ``"true"`` (refresh now), ``"wait_for"`` (wait for the next refresh) or ``False`` /
``"false"`` (do not wait: writes become visible within the index's refresh interval)."""
Progress = Callable[[int], object]
"""Called by :meth:`ElasticsearchMovieSearch.rebuild` after each batch with the number of
documents loaded so far."""

_T = TypeVar("_T")

_CONNECTIONS_PER_NODE: Final = 64
"""The client's default pool is 10 connections per node, and a request that finds them busy
does not wait its turn: at 16 concurrent searches some waited 28 s (docs/performance.md)."""

_REFRESH_VALUES: Final = frozenset({"true", "false", "wait_for"})
_FIRST_SUFFIX: Final = "initial"
"""The first index has a fixed name, so concurrent ``ensure_index`` calls create it once."""
_WRITE_ATTEMPTS: Final = 64
"""Read-modify-write attempts of one show update; each conflict means another writer won."""
_BACKOFF_CAP: Final = 0.05
# Index and alias names: lower case, no separators or wildcards Elasticsearch refuses; the
# engine appends "-v<n>-<suffix>", so the alias must leave room under the 255-byte limit.
_ALIAS_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9_.+-]{0,199}")


def _refresh(value: object) -> bool | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in _REFRESH_VALUES:
        return value
    raise InvalidInput(field="refresh", reason="True, False, 'true', 'false' or 'wait_for'")


def _alias(value: object) -> str:
    if not isinstance(value, str) or not _ALIAS_PATTERN.fullmatch(value) or value in {".", ".."}:
        raise InvalidInput(
            field="alias",
            reason="1-200 characters: lower-case letters, digits, '_', '.', '+', '-', "
            "starting with a letter or digit",
        )
    return value


async def _each(documents: object) -> AsyncIterator[MovieDocument]:
    """The items of an iterable or async iterable, each checked to be a MovieDocument."""
    index = 0
    if isinstance(documents, AsyncIterable):
        async for item in documents:
            yield require_instance(item, MovieDocument, f"documents[{index}]")
            index += 1
        return
    if isinstance(documents, str | bytes) or not isinstance(documents, Iterable):
        raise InvalidInput(
            field="documents", reason="an iterable or async iterable of MovieDocument"
        )
    for item in documents:
        yield require_instance(item, MovieDocument, f"documents[{index}]")
        index += 1


class ElasticsearchMovieSearch:
    """A :class:`~bookmyshow.ports.search.MovieSearch` over an Elasticsearch index alias.

    ``client`` is owned by the engine from then on: :meth:`close` (or leaving ``async with``)
    closes it.  ``alias`` names the index alias to search and write (created by
    :meth:`ensure_index` or :meth:`rebuild`); ``refresh`` is passed with every write (see
    :data:`Refresh`; the default ``"wait_for"`` makes a write visible to the next search, as the
    port requires).  Raises ``InvalidInput`` for a non-client, a malformed alias or a bad
    ``refresh``.

    Writes made while :meth:`rebuild` runs go to the old index and are lost with it when the
    alias swaps, unless the documents the rebuild reads already contain them: rebuild from the
    source of truth, then replay what changed meanwhile (or pause indexing).
    """

    def __init__(
        self,
        client: AsyncElasticsearch,
        *,
        alias: str = DEFAULT_ALIAS,
        refresh: Refresh = "wait_for",
    ) -> None:
        self._client = require_instance(client, AsyncElasticsearch, "client")
        self._alias = _alias(alias)
        self._refresh = _refresh(refresh)
        self._version = re.compile(rf"{re.escape(self._alias)}-v([0-9]+)-.+")

    @property
    def alias(self) -> str:
        """The index alias this engine searches and writes."""
        return self._alias

    @property
    def client(self) -> AsyncElasticsearch:
        """The Elasticsearch client (owned by the engine)."""
        return self._client

    # --- lifecycle -------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        """The engine itself; leaving the block closes it."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the client."""
        await self.close()

    async def close(self) -> None:
        """Close the client and its connections."""
        await self._client.close()

    async def ping(self) -> None:
        """Ask the cluster who it is (``GET /``): a readiness check.

        Unlike the client's own ``ping()``, which answers ``False``, this raises
        ``BackendUnavailable`` when no node answers (or one answers with an error).
        """
        await self._request("ping", self._client.info, retry_missing=False)

    async def ensure_index(self) -> bool:
        """Create the first index (``<alias>-v1-initial``) behind the alias if the alias is missing.

        Returns ``True`` if it created the index, ``False`` if the alias already existed (or a
        concurrent caller created it first).  Raises ``BackendUnavailable`` if the server fails,
        or if the first index exists without the alias (an operator's half-finished change).
        """
        action = f"create the index behind alias {self._alias!r}"
        if await self._request(action, self._alias_exists, retry_missing=False):
            return False
        name = f"{self._alias}-v1-{_FIRST_SUFFIX}"

        async def create() -> bool:
            try:
                await self._client.indices.create(
                    index=name, aliases={self._alias: {}}, **index_body()
                )
            except BadRequestError as exc:
                if error_type(exc) != "resource_already_exists_exception":
                    raise
                return False
            return True

        if await self._request(action, create, retry_missing=False):
            return True
        if await self._request(action, self._alias_exists, retry_missing=False):
            return False
        raise BackendUnavailable(
            backend=BACKEND,
            reason=f"{action}: the index {name!r} exists but the alias does not name it",
        )

    async def indices(self) -> tuple[str, ...]:
        """The concrete indices behind the alias, sorted (empty when the alias is missing)."""
        return await self._request(
            f"read alias {self._alias!r}", self._indices_behind_alias, retry_missing=False
        )

    async def rebuild(
        self,
        documents: Iterable[MovieDocument] | AsyncIterable[MovieDocument],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
    ) -> int:
        """Replace the whole index with ``documents``, keeping searches answered throughout.

        A new index ``<alias>-v<n+1>-<random>`` gets the documents in bulk requests of
        ``batch_size`` (a movie id seen twice keeps the later document), is refreshed, and takes
        the alias in one atomic request that also removes it from the old index, which is then
        deleted.  ``progress`` is called after each batch with the documents loaded so far.
        Returns the number of documents loaded.

        On any failure the new index is deleted and the alias left as it was.  Raises
        ``InvalidInput`` for a bad argument or an item that is not a document (after reading the
        items before it), ``BackendUnavailable`` if the server fails or a concurrent rebuild
        moved the alias first.
        """
        batch_size = require_count(batch_size, "batch_size", minimum=1)
        if progress is not None and not callable(progress):
            raise InvalidInput(field="progress", reason="a callable taking the count, or None")
        old = await self.indices()
        version = 1 + max((self._version_of(name) for name in old), default=0)
        target = f"{self._alias}-v{version}-{uuid.uuid4().hex[:12]}"
        action = f"rebuild alias {self._alias!r} into {target!r}"

        async def create() -> None:
            await self._client.indices.create(index=target, **index_body())

        await self._request(action, create, retry_missing=False)
        try:
            loaded = await self._load(target, documents, batch_size, progress, action)
            await self._request(
                action,
                lambda: self._client.indices.refresh(index=target),
                retry_missing=False,
            )
            await self._swap(old, target, action)
        except BaseException as exc:
            await self._discard(target, exc)
            raise
        if old:
            await self._request(
                f"delete the old indices {list(old)!r}",
                lambda: self._client.options(ignore_status=404).indices.delete(index=list(old)),
                retry_missing=False,
            )
        return loaded

    # --- MovieSearch -----------------------------------------------------------------------------

    async def index(self, document: MovieDocument) -> None:
        """Add the movie, or replace everything indexed for it (its shows included).

        Raises ``InvalidInput`` for a non-document, ``BackendUnavailable`` if the server fails.
        """
        require_instance(document, MovieDocument, "document")
        await self._put(document, f"index movie {document.movie_id!r}")

    async def index_many(self, documents: Sequence[MovieDocument]) -> None:
        """Index every document in bulk; a movie id given twice keeps the later document.

        Raises ``InvalidInput`` (indexing nothing) if any item is not a document,
        ``BackendUnavailable`` if the server fails (some batches may be indexed: retrying is
        safe, indexing is idempotent).
        """
        latest = {d.movie_id: d for d in instances(documents, MovieDocument, "documents")}
        # Every source is built (and checked) before the first request: a document that cannot
        # be indexed fails the call with nothing written.
        sources = [(movie_id, source_of(d)) for movie_id, d in latest.items()]
        action = f"index {len(sources)} movies into alias {self._alias!r}"
        starts = range(0, len(sources), DEFAULT_BATCH_SIZE)
        for start in starts:
            chunk = sources[start : start + DEFAULT_BATCH_SIZE]
            # Only the last batch waits for a refresh: it makes the earlier ones visible too.
            last = start == starts[-1]
            await self._bulk(self._alias, chunk, action, refresh=self._refresh if last else False)

    async def remove(self, movie_id: str) -> bool:
        """Forget the movie and its shows; ``True`` if it was indexed.

        Raises ``InvalidInput`` for a malformed id, ``BackendUnavailable`` if the server fails.
        """
        require_id(movie_id, "movie_id")

        async def delete() -> bool:
            try:
                await self._client.delete(index=self._alias, id=movie_id, refresh=self._refresh)
            except NotFoundError as exc:
                if is_missing_index(exc):
                    raise
                return False  # the document was not there
            return True

        return await self._request(f"remove movie {movie_id!r}", delete)

    async def put_show(self, movie_id: str, show: ShowFact) -> None:
        """Add (or replace, by show id) one show of an indexed movie.

        Raises ``NotFound(kind="movie")`` if the movie is not indexed, ``InvalidInput`` for a
        malformed id or a non-ShowFact, ``BackendUnavailable`` if the server fails.
        """
        require_id(movie_id, "movie_id")
        require_instance(show, ShowFact, "show")

        def change(document: MovieDocument) -> MovieDocument | None:
            if show in document.shows:
                return None
            kept = tuple(s for s in document.shows if s.show_id != show.show_id)
            return evolve(document, shows=(*kept, show))

        changed = await self._update(movie_id, change, f"put show {show.show_id!r}")
        if changed is None:
            raise NotFound(kind="movie", key=movie_id)

    async def remove_show(self, movie_id: str, show_id: str) -> bool:
        """Drop one show of the movie; ``True`` if it was there (``False`` also when the movie
        is not indexed).  Raises ``InvalidInput`` for malformed ids, ``BackendUnavailable`` if
        the server fails."""
        require_id(movie_id, "movie_id")
        require_id(show_id, "show_id")

        def change(document: MovieDocument) -> MovieDocument | None:
            kept = tuple(s for s in document.shows if s.show_id != show_id)
            if len(kept) == len(document.shows):
                return None
            return evolve(document, shows=kept)

        changed = await self._update(movie_id, change, f"remove show {show_id!r}")
        return bool(changed)

    async def get(self, movie_id: str) -> MovieDocument | None:
        """The document of the movie as indexed (with its shows), or ``None``.

        Raises ``InvalidInput`` for a malformed id, ``BackendUnavailable`` if the server fails.
        """
        require_id(movie_id, "movie_id")
        found = await self._fetch(movie_id)
        return None if found is None else found[0]

    async def search(self, query: SearchQuery) -> SearchResult:
        """The page of hits, the total and the asked facets for ``query``.

        Raises ``InvalidInput`` for a non-query or a cursor made for another sort,
        ``BackendUnavailable`` if the server fails.
        """
        require_instance(query, SearchQuery, "query")
        response = await self._search(search_body(query), f"search alias {self._alias!r}")
        return result_from(response, query)

    async def suggest(self, prefix: str, *, limit: int = 10) -> Sequence[Suggestion]:
        """Active and coming-soon movies whose analyzed title continues the analyzed ``prefix``,
        most popular first, then by folded title, then by id.

        An empty prefix suggests nothing (and sends no request).  Raises ``InvalidInput`` for a
        non-string prefix over 100 characters or a ``limit`` outside 1..20,
        ``BackendUnavailable`` if the server fails.
        """
        body = suggest_body(prefix, limit)  # checks prefix and limit before any request
        if body is None:
            return ()
        response = await self._search(body, f"suggest from alias {self._alias!r}")
        return tuple(suggestions_from(response))

    # --- helpers ---------------------------------------------------------------------------------

    async def _search(self, body: dict[str, Any], action: str) -> dict[str, Any]:
        """Run one search request on the alias; its response body."""

        async def run() -> dict[str, Any]:
            response = await self._client.search(index=self._alias, body=body)
            return dict(response.body)

        return await self._request(action, run)

    async def _request(
        self, action: str, call: Callable[[], Awaitable[_T]], *, retry_missing: bool = True
    ) -> _T:
        """``await call()``, client errors translated to ``BackendUnavailable``.

        With ``retry_missing``, a missing index is tried once more: a rebuild deletes the old
        index right after moving the alias, so a request that resolved the alias just before
        finds the new index on the second try.
        """
        attempts = 2 if retry_missing else 1
        for attempt in range(1, attempts + 1):
            try:
                return await call()
            except (ApiError, TransportError) as exc:
                if attempt < attempts and is_missing_index(exc):
                    continue
                raise unavailable(exc, action) from exc
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    async def _alias_exists(self) -> bool:
        return bool(await self._client.indices.exists_alias(name=self._alias))

    async def _indices_behind_alias(self) -> tuple[str, ...]:
        try:
            response = await self._client.indices.get_alias(name=self._alias)
        except NotFoundError:
            return ()  # no alias (or no index) of that name
        return tuple(sorted(response.body))

    def _version_of(self, index: str) -> int:
        matched = self._version.fullmatch(index)
        return int(matched.group(1)) if matched else 0

    async def _put(self, document: MovieDocument, action: str) -> None:
        source = source_of(document)

        async def put() -> None:
            await self._client.index(
                index=self._alias,
                id=document.movie_id,
                document=source,
                refresh=self._refresh,
                require_alias=True,
            )

        await self._request(action, put)

    async def _bulk(
        self,
        index: str,
        sources: Sequence[tuple[str, dict[str, Any]]],
        action: str,
        *,
        refresh: bool | str,
    ) -> None:
        """Index ``(movie_id, source)`` pairs into ``index`` in one bulk request; a failed item
        fails the call (the others are indexed)."""
        if not sources:
            return
        operations: list[dict[str, Any]] = []
        for movie_id, source in sources:
            operations.append({"index": {"_index": index, "_id": movie_id}})
            operations.append(source)

        async def send() -> dict[str, Any]:
            response = await self._client.bulk(
                operations=operations, refresh=refresh, require_alias=index == self._alias
            )
            return dict(response.body)

        response = await self._request(action, send)
        if not response.get("errors"):
            return
        for item in response.get("items", ()):
            result: dict[str, Any] = next(iter(item.values()), {})
            error = result.get("error")
            if error:
                kind = error.get("type") if isinstance(error, dict) else None
                why = error.get("reason") if isinstance(error, dict) else error
                raise BackendUnavailable(
                    backend=BACKEND,
                    reason=f"{action}: movie {result.get('_id')!r} was refused "
                    f"(HTTP {result.get('status')}): {kind}: {why}",
                )
        raise BackendUnavailable(backend=BACKEND, reason=f"{action}: the bulk request had errors")

    async def _load(
        self,
        target: str,
        documents: object,
        batch_size: int,
        progress: Progress | None,
        action: str,
    ) -> int:
        loaded = 0
        batch: dict[str, dict[str, Any]] = {}
        async for document in _each(documents):
            # Within one batch the later duplicate wins here; across batches the later bulk
            # request overwrites the earlier one.
            batch[document.movie_id] = source_of(document)
            loaded += 1
            if len(batch) >= batch_size:
                await self._bulk(target, list(batch.items()), action, refresh=False)
                batch.clear()
                if progress is not None:
                    progress(loaded)
        if batch:
            await self._bulk(target, list(batch.items()), action, refresh=False)
            if progress is not None:
                progress(loaded)
        return loaded

    async def _swap(self, old: Sequence[str], target: str, action: str) -> None:
        """Move the alias from ``old`` to ``target`` in one request.

        ``must_exist`` makes the whole request fail if another rebuild moved the alias since
        ``old`` was read, instead of leaving the alias on two indices.
        """
        actions: list[dict[str, Any]] = [
            {"remove": {"index": name, "alias": self._alias, "must_exist": True}} for name in old
        ]
        actions.append({"add": {"index": target, "alias": self._alias}})
        try:
            await self._client.indices.update_aliases(actions=actions)
        except NotFoundError as exc:
            raise BackendUnavailable(
                backend=BACKEND,
                reason=f"{action}: the alias moved during the rebuild (a concurrent rebuild?); "
                f"the new index is discarded: {exc}",
            ) from exc
        except (ApiError, TransportError) as exc:
            raise unavailable(exc, action) from exc

    async def _discard(self, target: str, failure: BaseException) -> None:
        """Delete the half-built ``target`` after ``failure``; a failed delete is noted on it."""
        try:
            await self._client.options(ignore_status=404).indices.delete(index=target)
        except (ApiError, TransportError) as exc:
            failure.add_note(f"the unfinished index {target!r} could not be deleted: {exc!r}")

    async def _fetch(self, movie_id: str) -> tuple[MovieDocument, int, int] | None:
        """The stored document of the movie with its sequence number and primary term."""

        async def read() -> tuple[MovieDocument, int, int] | None:
            try:
                response = await self._client.get(index=self._alias, id=movie_id)
            except NotFoundError as exc:
                if is_missing_index(exc):
                    raise
                return None  # the document is not there
            body = response.body
            try:
                document = document_from(body["_source"])
            except InvalidInput as exc:
                # The stored document is unreadable: the index's fault, not the caller's.
                raise BackendUnavailable(
                    backend=BACKEND,
                    reason=f"get movie {movie_id!r}: the stored document is unreadable: "
                    f"{exc.field}: {exc.reason}",
                ) from exc
            return document, body["_seq_no"], body["_primary_term"]

        return await self._request(f"get movie {movie_id!r}", read)

    async def _update(
        self,
        movie_id: str,
        change: Callable[[MovieDocument], MovieDocument | None],
        what: str,
    ) -> bool | None:
        """Apply ``change`` to the stored document, retrying until no concurrent write intervenes.

        Returns ``None`` if the movie is not indexed, ``False`` if ``change`` left it as it was
        (returned ``None``), ``True`` once the changed document is written.
        """
        action = f"{what} of movie {movie_id!r}"
        for attempt in range(_WRITE_ATTEMPTS):
            found = await self._fetch(movie_id)
            if found is None:
                return None
            document, seq_no, primary_term = found
            changed = change(document)
            if changed is None:
                return False
            source = source_of(changed)

            async def write(
                source: dict[str, Any] = source, seq_no: int = seq_no, term: int = primary_term
            ) -> bool:
                try:
                    await self._client.index(
                        index=self._alias,
                        id=movie_id,
                        document=source,
                        if_seq_no=seq_no,
                        if_primary_term=term,
                        refresh=self._refresh,
                        require_alias=True,
                    )
                except ConflictError:
                    return False  # written (or removed) by someone else since the read
                return True

            if await self._request(action, write):
                return True
            # Jittered, growing pauses spread colliding writers apart.
            await asyncio.sleep(random.uniform(0, min(_BACKOFF_CAP, 0.002 * 2**attempt)))
        raise BackendUnavailable(
            backend=BACKEND,
            reason=f"{action}: {_WRITE_ATTEMPTS} concurrent writes in a row won over this one",
        )


def connect(
    url: str | Sequence[str],
    *,
    alias: str = DEFAULT_ALIAS,
    refresh: Refresh = "wait_for",
    **client_options: Any,
) -> ElasticsearchMovieSearch:
    """An engine over a new :class:`AsyncElasticsearch` client for ``url`` (one or more nodes).

    ``client_options`` go to the client (``api_key``, ``basic_auth``, ``ca_certs``,
    ``request_timeout``, ``max_retries``...); ``connections_per_node`` defaults to 64 rather than
    the client's 10, so that a busy app server's searches do not starve for a connection.  No
    request is sent: call
    :meth:`~ElasticsearchMovieSearch.ensure_index` before the first write.  Close the engine
    when done.  Raises ``InvalidInput`` for a non-string url, a bad alias or refresh.
    """
    if isinstance(url, str):
        hosts: list[str] = [url]
    elif isinstance(url, Sequence) and url and all(isinstance(u, str) for u in url):
        hosts = list(url)
    else:
        raise InvalidInput(field="url", reason="a URL string or a non-empty sequence of them")
    _alias(alias)
    _refresh(refresh)
    try:
        client = AsyncElasticsearch(
            hosts, **{"connections_per_node": _CONNECTIONS_PER_NODE, **client_options}
        )
    except (ValueError, TypeError):
        # Not chained: the client's message quotes the URL, password included.
        raise InvalidInput(
            field="url", reason="not a usable Elasticsearch URL (scheme://host:port)"
        ) from None
    return ElasticsearchMovieSearch(client, alias=alias, refresh=refresh)
