"""The Elasticsearch :class:`~bookmyshow.ports.search.MovieSearch` adapter.

Install the extra ``elasticsearch``.

Start with :func:`connect` (or :class:`ElasticsearchMovieSearch` over your own client), then
``await engine.ensure_index()`` once; ``from_settings`` does both from ``BOOKMYSHOW_ES_URL``
(``Ticketing.start()``).  See ``docs/elasticsearch.md``.

It answers by the rules of :mod:`bookmyshow.domain.search` exactly: text is analyzed in Python
and indexed pre-analyzed, scores are sums of constant-score clauses, and every order, cursor,
facet and highlight is the domain's (see ``docs/search.md``).

* :mod:`~bookmyshow.adapters.elasticsearch.engine`: the engine, the index lifecycle (alias,
  rebuild) and the writes;
* :mod:`~bookmyshow.adapters.elasticsearch.mapping`: the index settings and field mappings;
* :mod:`~bookmyshow.adapters.elasticsearch.documents`: movie documents to ``_source`` and back;
* :mod:`~bookmyshow.adapters.elasticsearch.queries`: queries to request bodies, responses to
  results.
"""

from bookmyshow.adapters.elasticsearch.documents import (
    document_from,
    rating_key,
    show_keys,
    source_of,
)
from bookmyshow.adapters.elasticsearch.engine import (
    DEFAULT_ALIAS,
    ElasticsearchMovieSearch,
    connect,
)
from bookmyshow.adapters.elasticsearch.mapping import INDEX_MAPPINGS, INDEX_SETTINGS, index_body
from bookmyshow.adapters.elasticsearch.queries import (
    result_from,
    search_body,
    show_filter_keys,
    suggest_body,
    suggestions_from,
)

__all__ = [
    "DEFAULT_ALIAS",
    "INDEX_MAPPINGS",
    "INDEX_SETTINGS",
    "ElasticsearchMovieSearch",
    "connect",
    "document_from",
    "index_body",
    "rating_key",
    "result_from",
    "search_body",
    "show_filter_keys",
    "show_keys",
    "source_of",
    "suggest_body",
    "suggestions_from",
]
