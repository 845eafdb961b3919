"""Elasticsearch wired in: the settings-driven builder and ``bookmyshow search reindex``."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest

from bookmyshow.adapters.elasticsearch import ElasticsearchMovieSearch, connect
from bookmyshow.adapters.memory import ScryptPasswordHasher
from bookmyshow.adapters.sql.database import create_database
from bookmyshow.adapters.sql.migrate import upgrade
from bookmyshow.bootstrap import (
    Backend,
    Settings,
    Ticketing,
    bootstrap,
    from_settings,
    plan_backends,
    sql_ports,
)
from bookmyshow.cli import main
from bookmyshow.domain.search import SearchQuery, SortBy
from bookmyshow.domain.users import Principal
from tests.elasticsearch.conftest import drop_alias, fresh_alias

pytestmark = pytest.mark.timeout(120)

SECRET = b"s" * 32


async def _add_movies(app: Ticketing, titles: list[str]) -> Principal:
    admin = (
        await app.accounts.provision(
            "root@example.com", "Root", "correct horse battery", ["platform_admin"]
        )
    ).principal()
    for title in titles:
        await app.catalog.add_movie(
            admin,
            title=title,
            languages=["Hindi"],
            duration=timedelta(minutes=120),
            release_date=date(2029, 1, 1),
            certificate="UA",
        )
    return admin


async def test_es_url_puts_search_in_elasticsearch(es_url: str, tmp_path: Path) -> None:
    """With BOOKMYSHOW_ES_URL set the plan says elasticsearch, start() creates the index, and
    catalog changes reach it through the events."""
    settings = Settings.from_env(
        {
            "BOOKMYSHOW_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
            "BOOKMYSHOW_ES_URL": es_url,
            "BOOKMYSHOW_TOKEN_SECRET": "x" * 32,
        }
    )
    assert plan_backends(settings).search is Backend.ELASTICSEARCH
    assert settings.database_url is not None
    await upgrade(settings.database_url)
    app = from_settings(settings)
    engine = app.ports.search
    assert isinstance(engine, ElasticsearchMovieSearch)
    try:
        await app.start()
        await app.start()  # idempotent
        await _add_movies(app, ["Monsoon Wedding"])
        found = await app.search.search(None, SearchQuery(text="monsun weding"))
        # Two fuzzy title terms (3 each); fuzzy terms make no phrase.
        assert [hit.score for hit in found.hits] == [3 + 3]
    finally:
        await drop_alias(engine.client, engine.alias)
        await app.close()


async def test_reindex_command_rebuilds_the_index_from_the_database(
    es_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`bookmyshow search reindex` loads every stored movie into a new index behind the alias,
    in batches, and a second run swaps to another index with the same content."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    await upgrade(url)
    database = create_database(url)
    app = bootstrap(sql_ports(database, passwords=ScryptPasswordHasher.fast_for_tests()))
    titles = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]
    await _add_movies(app, titles)
    await database.dispose()
    alias = fresh_alias("cli")
    engine = connect(es_url, alias=alias)
    try:
        argv = ["search", "reindex", "--url", url, "--es-url", es_url, "--alias", alias]
        assert await asyncio.to_thread(main, [*argv, "--batch-size", "2"]) == 0
        assert capsys.readouterr().out == "5\n"
        first = await engine.indices()
        found = await engine.search(SearchQuery(sort=SortBy.POPULARITY, page_size=10))
        assert found.total == 5
        assert await asyncio.to_thread(main, argv) == 0
        second = await engine.indices()
        assert len(first) == len(second) == 1
        assert first != second
        assert (await engine.search(SearchQuery(text="gama"))).total == 1
    finally:
        await drop_alias(engine.client, alias)
        await engine.close()


def test_reindex_without_an_es_url_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --es-url and no BOOKMYSHOW_ES_URL: exit status 2 and a one-line message."""
    monkeypatch.delenv("BOOKMYSHOW_ES_URL", raising=False)
    status = main(["search", "reindex", "--url", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"])
    assert status == 2
    assert "BOOKMYSHOW_ES_URL" in capsys.readouterr().err
