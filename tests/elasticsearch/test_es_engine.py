"""What the Elasticsearch engine adds to the search contract: its index lifecycle and failures.

The contract (``test_es_search_contract.py``) states what every engine answers; these tests
state how this one keeps the index: the mapping it declares, the alias that a rebuild swaps while
searches keep answering, a missing alias that stays missing, server failures reported as
``BackendUnavailable``, and show updates that never lose each other under concurrency.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date

import pytest
from attrs import evolve
from elasticsearch import AsyncElasticsearch

from bookmyshow.adapters.elasticsearch.engine import ElasticsearchMovieSearch, connect
from bookmyshow.adapters.elasticsearch.mapping import ANALYZER, INDEX_MAPPINGS
from bookmyshow.domain.catalog import Format, MovieStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.search import MovieDocument, SearchQuery, ShowFact
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.testing.search_catalog import SEARCH_CATALOG, catalog_document
from tests.elasticsearch.conftest import EngineFactory, drop_alias, fresh_alias

pytestmark = pytest.mark.timeout(120)

_EVERYONE = frozenset(MovieStatus)


def _everything(page_size: int = 100) -> SearchQuery:
    return SearchQuery(statuses=_EVERYONE, page_size=page_size)


def _show(number: int, city: str = "delhi") -> ShowFact:
    return ShowFact(
        show_id=f"c-{number:03d}", city_id=city, date=date(2030, 1, 10), format=Format.TWO_D
    )


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback URL where nothing listens: the port is bound (so nobody else takes it) but
    never listened on, so connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


@pytest.fixture
async def refused_engine(refused_url: str) -> AsyncIterator[ElasticsearchMovieSearch]:
    """An engine whose server refuses connections, without client retries."""
    async with connect(refused_url, max_retries=0, request_timeout=5) as engine:
        yield engine


# --- the index --------------------------------------------------------------------------------


async def test_mapping_is_created_as_declared(engine_factory: EngineFactory) -> None:
    """ensure_index creates <alias>-v1-initial behind the alias with the declared mapping and
    the whitespace-only analyzer."""
    async with engine_factory() as engine:
        name = f"{engine.alias}-v1-initial"
        assert await engine.indices() == (name,)
        mapping = await engine.client.indices.get_mapping(index=engine.alias)
        assert mapping.body[name]["mappings"] == INDEX_MAPPINGS
        settings = await engine.client.indices.get_settings(index=name)
        analysis = settings.body[name]["settings"]["index"]["analysis"]
        analyzer = analysis["analyzer"][ANALYZER]
        assert analyzer["type"] == "custom"
        assert analysis["tokenizer"][analyzer["tokenizer"]]["type"] == "whitespace"
        assert not analyzer.get("filter")


async def test_ensure_index_is_idempotent_under_concurrency(engine_factory: EngineFactory) -> None:
    """Concurrent ensure_index calls on a missing alias create exactly one index behind it."""
    async with engine_factory(ensure_index=False) as engine:
        created = await asyncio.gather(*(engine.ensure_index() for _ in range(6)))
        assert sorted(created) == [False] * 5 + [True]
        assert await engine.ensure_index() is False
        assert await engine.indices() == (f"{engine.alias}-v1-initial",)


async def test_missing_alias_is_unavailable_and_never_auto_created(
    engine_factory: EngineFactory,
) -> None:
    """Without ensure_index, reads and writes raise BackendUnavailable naming the missing index,
    and a write does not auto-create an index under the alias's name."""
    async with engine_factory(ensure_index=False) as engine:
        with pytest.raises(BackendUnavailable) as searched:
            await engine.search(SearchQuery(text="dangal"))
        assert searched.value.backend == "elasticsearch"
        assert "does not exist" in searched.value.reason
        with pytest.raises(BackendUnavailable):
            await engine.index(catalog_document("dangal"))
        with pytest.raises(BackendUnavailable):
            await engine.index_many([catalog_document("dangal")])
        with pytest.raises(BackendUnavailable):
            await engine.get("dangal")
        assert not await engine.client.indices.exists(index=engine.alias)
        assert await engine.indices() == ()


async def test_refused_request_is_unavailable_naming_the_error(
    engine_factory: EngineFactory,
) -> None:
    """An index whose mapping refuses the adapter's documents (HTTP 400) gives
    BackendUnavailable naming the server's error, not InvalidInput."""
    alias = fresh_alias("bad")
    async with engine_factory(alias, ensure_index=False) as engine:
        await engine.client.indices.create(
            index=f"{alias}-v1-initial",
            aliases={alias: {}},
            mappings={"dynamic": "strict", "properties": {"movie_id": {"type": "keyword"}}},
        )
        with pytest.raises(BackendUnavailable) as indexed:
            await engine.index(catalog_document("dangal"))
        assert "strict_dynamic_mapping_exception" in indexed.value.reason
        with pytest.raises(BackendUnavailable) as bulk:
            await engine.index_many([catalog_document("dangal")])
        assert "strict_dynamic_mapping_exception" in bulk.value.reason


async def test_connection_refused_is_backend_unavailable(
    refused_engine: ElasticsearchMovieSearch,
) -> None:
    """Every call to a server that refuses connections raises BackendUnavailable."""
    engine = refused_engine
    document = catalog_document("dangal")
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "ensure_index": engine.ensure_index,
        "indices": engine.indices,
        "rebuild": lambda: engine.rebuild([document]),
        "index": lambda: engine.index(document),
        "index_many": lambda: engine.index_many([document]),
        "remove": lambda: engine.remove("dangal"),
        "put_show": lambda: engine.put_show("dangal", _show(1)),
        "remove_show": lambda: engine.remove_show("dangal", "c-001"),
        "get": lambda: engine.get("dangal"),
        "search": lambda: engine.search(SearchQuery(text="dangal")),
        "suggest": lambda: engine.suggest("dan"),
    }
    for name, call in calls.items():
        with pytest.raises(BackendUnavailable) as info:
            await call()
        assert info.value.backend == "elasticsearch", name
        assert "cannot connect" in info.value.reason, (name, info.value.reason)


async def test_arguments_are_checked_before_any_request(
    refused_engine: ElasticsearchMovieSearch,
) -> None:
    """Bad arguments raise InvalidInput even when the server is down: no request is sent."""
    engine = refused_engine
    with pytest.raises(InvalidInput):
        await engine.rebuild([catalog_document("dangal")], batch_size=0)
    with pytest.raises(InvalidInput):
        await engine.suggest("d", limit=0)
    with pytest.raises(InvalidInput):
        await engine.get("")
    with pytest.raises(InvalidInput):
        await engine.index_many("not documents")  # type: ignore[arg-type]
    assert list(await engine.suggest("  ")) == []


def test_constructor_refuses_bad_options() -> None:
    """A malformed alias, a bad refresh value or a non-client raise InvalidInput."""
    client = AsyncElasticsearch("http://127.0.0.1:1")
    for alias in ("", "Upper", "a*b", "-dash", "x" * 201):
        with pytest.raises(InvalidInput) as info:
            ElasticsearchMovieSearch(client, alias=alias)
        assert info.value.field == "alias"
    with pytest.raises(InvalidInput) as refresh:
        ElasticsearchMovieSearch(client, refresh="sometimes")
    assert refresh.value.field == "refresh"
    with pytest.raises(InvalidInput) as bad_client:
        ElasticsearchMovieSearch(object())  # type: ignore[arg-type]
    assert bad_client.value.field == "client"


# --- rebuild ----------------------------------------------------------------------------------


async def test_rebuild_swaps_the_alias_while_searches_keep_answering(
    engine_factory: EngineFactory,
) -> None:
    """Searches running throughout a rebuild all answer, from the old index until the swap and
    the new one after; the alias then names only the new version and the old index is gone."""
    old = SEARCH_CATALOG
    new = tuple(evolve(d, popularity=d.popularity + 1) for d in SEARCH_CATALOG[:25])
    async with engine_factory() as engine, engine_factory(engine.alias) as reader:
        await engine.index_many(old)
        first = await engine.indices()
        done = asyncio.Event()
        answer = asyncio.Condition()
        totals: list[int] = []

        async def search_until_done() -> None:
            while not done.is_set():
                result = await reader.search(_everything())
                async with answer:
                    totals.append(result.total)
                    answer.notify_all()

        async def slow_documents() -> AsyncIterator[MovieDocument]:
            for document in new:
                await asyncio.sleep(0.01)  # keep the rebuild open while searches run
                yield document

        async def answered(count: int) -> None:
            async with answer:
                await answer.wait_for(lambda: len(totals) >= count)

        progress: list[int] = []
        searcher = asyncio.create_task(search_until_done())
        try:
            await asyncio.wait_for(answered(1), timeout=30)
            loaded = await engine.rebuild(slow_documents(), batch_size=4, progress=progress.append)
            # One search started after the swap has surely read the new index.
            await asyncio.wait_for(answered(len(totals) + 2), timeout=30)
        finally:
            done.set()
            await searcher
        assert loaded == len(new)
        assert progress == [4, 8, 12, 16, 20, 24, 25]
        assert set(totals) == {len(old), len(new)}, totals
        assert totals == sorted(totals, reverse=True), "once swapped, never back"
        (current,) = await engine.indices()
        assert current.startswith(f"{engine.alias}-v2-")
        assert not await engine.client.indices.exists(index=first[0])
        assert await engine.get(new[0].movie_id) == new[0]
        assert await engine.get(old[-1].movie_id) is None


async def test_rebuild_creates_a_missing_alias_and_counts_versions(
    engine_factory: EngineFactory,
) -> None:
    """rebuild on a missing alias creates v1; the next rebuild makes v2 and drops v1; a movie
    given twice keeps the later document."""
    dangal = catalog_document("dangal")
    renamed = evolve(dangal, title="Dangal Returns")
    async with engine_factory(ensure_index=False) as engine:
        assert await engine.rebuild([dangal, renamed]) == 2
        (v1,) = await engine.indices()
        assert v1.startswith(f"{engine.alias}-v1-")
        assert await engine.get("dangal") == renamed
        assert await engine.rebuild(iter([dangal]), batch_size=1) == 1
        (v2,) = await engine.indices()
        assert v2.startswith(f"{engine.alias}-v2-")
        assert not await engine.client.indices.exists(index=v1)
        assert await engine.get("dangal") == dangal


async def test_failed_rebuild_keeps_the_old_index(engine_factory: EngineFactory) -> None:
    """A rebuild that meets a non-document raises InvalidInput, deletes its half-built index and
    leaves the alias and the old documents as they were."""
    async with engine_factory() as engine:
        await engine.index_many(SEARCH_CATALOG)
        before = await engine.indices()
        bad: list[object] = [catalog_document("dangal"), "not a document"]
        with pytest.raises(InvalidInput) as info:
            await engine.rebuild(bad, batch_size=1)  # type: ignore[arg-type]
        assert info.value.field == "documents[1]"
        assert await engine.indices() == before
        every = await engine.client.indices.get(index=f"{engine.alias}-*")
        assert sorted(every.body) == list(before)
        assert (await engine.search(_everything())).total == len(SEARCH_CATALOG)


async def test_concurrent_rebuilds_leave_one_index(engine_factory: EngineFactory) -> None:
    """Two rebuilds at once: one wins, the other raises BackendUnavailable; the alias names
    exactly one index and no half-built index is left."""
    async with engine_factory() as engine:
        outcomes = await asyncio.gather(
            engine.rebuild(SEARCH_CATALOG[:10], batch_size=2),
            engine.rebuild(SEARCH_CATALOG[10:15], batch_size=2),
            return_exceptions=True,
        )
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        assert all(isinstance(f, BackendUnavailable) for f in failures), failures
        assert len(failures) <= 1, outcomes
        indices = await engine.indices()
        assert len(indices) == 1
        every = await engine.client.indices.get(index=f"{engine.alias}-*")
        assert sorted(every.body) == list(indices)
        total = (await engine.search(_everything())).total
        assert total in {10, 5}


# --- concurrent show updates ------------------------------------------------------------------


async def test_concurrent_put_show_keeps_every_show(engine_factory: EngineFactory) -> None:
    """Thirty put_show calls at once, from three clients, keep all thirty shows; concurrent
    removals and additions then leave exactly the expected shows."""
    movie = evolve(catalog_document("jaws"), shows=())
    async with (
        engine_factory() as first,
        engine_factory(first.alias) as second,
        engine_factory(first.alias) as third,
    ):
        engines = (first, second, third)
        await first.index(movie)
        await asyncio.gather(
            *(engines[n % 3].put_show("jaws", _show(n)) for n in range(30)),
        )
        stored = await first.get("jaws")
        assert stored is not None
        assert {s.show_id for s in stored.shows} == {f"c-{n:03d}" for n in range(30)}
        removed = await asyncio.gather(
            *(engines[n % 3].remove_show("jaws", f"c-{n:03d}") for n in range(0, 30, 2)),
            *(engines[n % 3].put_show("jaws", _show(n, "mumbai")) for n in range(30, 40)),
        )
        assert removed[:15] == [True] * 15
        stored = await first.get("jaws")
        assert stored is not None
        expected = {f"c-{n:03d}" for n in range(1, 30, 2)} | {f"c-{n:03d}" for n in range(30, 40)}
        assert {s.show_id for s in stored.shows} == expected
        found = await first.search(SearchQuery(city_id="mumbai", statuses=_EVERYONE))
        assert [hit.movie_id for hit in found.hits] == ["jaws"]


async def test_drop_alias_deletes_every_index(engine_factory: EngineFactory) -> None:
    """The fixture's cleanup deletes every index of the alias, rebuilt ones included."""
    async with engine_factory() as engine:
        await engine.rebuild([catalog_document("dangal")])
        await drop_alias(engine.client, engine.alias)
        assert await engine.indices() == ()
        every = await engine.client.indices.get(index=f"{engine.alias}-*")
        assert dict(every.body) == {}


async def test_connect_gives_each_node_a_pool_for_a_busy_server() -> None:
    """connect() pools 64 connections per node unless told otherwise (the client's own default
    of 10 starves concurrent searches)."""
    engine = connect("http://127.0.0.1:9")
    own = connect("http://127.0.0.1:9", connections_per_node=5)
    try:
        [node] = engine.client.transport.node_pool.all()
        [small] = own.client.transport.node_pool.all()
        assert node.config.connections_per_node == 64
        assert small.config.connections_per_node == 5
    finally:
        await engine.close()
        await own.close()
