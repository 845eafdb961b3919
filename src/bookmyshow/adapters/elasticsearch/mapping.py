"""The Elasticsearch index of movie documents: its settings, analysis and field mappings.

Text is analyzed in Python (:func:`bookmyshow.domain.search.analyze`), never by Elasticsearch:
every text field holds its tokens joined by single spaces, and the index's only analyzer splits
at whitespace and changes nothing else.  So the indexed tokens are exactly the domain's tokens
(folding, Unicode marks and all), and query terms, already analyzed, go into ``term``, ``fuzzy``
and ``match_phrase`` clauses unchanged.

One document per movie, ``_id`` = movie id; :func:`bookmyshow.adapters.elasticsearch.documents.
source_of` builds its ``_source``.  The fields:

==================  ==========================  ==================================================
field               mapping                     value
==================  ==========================  ==================================================
``movie_id``        keyword                     the movie id (the last sort key of every order)
``title``           text, ``bms_tokens``        analyzed title
``cast``            text, ``bms_tokens``        one analyzed name per array value (the position
                                                gap of 100 keeps a phrase inside one name)
``director``        text, ``bms_tokens``        analyzed director
``description``     text, ``bms_tokens``        analyzed description
``title_suffixes``  keyword                     the analyzed title from each token on (suggest)
``title_sort``      keyword                     ``fold(title)`` (suggest tie-break)
``genres``          keyword                     folded genres
``languages``       keyword                     folded languages
``status``          keyword                     the status value
``rated``           integer                     1 when the movie has a rating, else 0
``rating_key``      keyword                     the rating as an order-preserving string (exact
                                                for every finite Decimal; see ``rating_key``)
``rating``          double                      the rating, approximate (for people and
                                                dashboards; ``None`` when unrated)
``popularity``      long                        popularity
``release_ordinal`` long                        ``release_date.toordinal()``
``release_date``    date                        the release date
``show_count``      integer                     how many scheduled shows the movie has
``show_keys``       keyword                     city|date|format keys of every show, with each
                                                part also as the empty wildcard
``doc``             object, not indexed         the whole document as plain JSON (``get``)
==================  ==========================  ==================================================

One shard: term aggregations then count exactly and every order is decided in one place.
"""

from __future__ import annotations

import copy
from typing import Any, Final

from bookmyshow.domain.search import MAX_OFFSET_WINDOW

__all__ = [
    "ANALYZER",
    "INDEX_MAPPINGS",
    "INDEX_SETTINGS",
    "MAX_TOKEN_LENGTH",
    "index_body",
]

ANALYZER: Final = "bms_tokens"
"""The analyzer of every text field: split at whitespace, nothing else."""

MAX_TOKEN_LENGTH: Final = 8191
"""Longest token, in characters, that the whitespace tokenizer keeps whole (its default is 255).

A longer token would be split there; 8191 characters of at most 4 UTF-8 bytes each stay under
Lucene's limit of 32,766 bytes for one indexed term.
"""

_TEXT: Final = {"type": "text", "analyzer": ANALYZER, "norms": False}
_KEYWORD: Final = {"type": "keyword"}

INDEX_SETTINGS: Final[dict[str, Any]] = {
    "number_of_shards": 1,
    "max_result_window": MAX_OFFSET_WINDOW,
    "analysis": {
        "tokenizer": {
            "bms_whitespace": {"type": "whitespace", "max_token_length": MAX_TOKEN_LENGTH}
        },
        "analyzer": {ANALYZER: {"type": "custom", "tokenizer": "bms_whitespace", "filter": []}},
    },
}
"""Index settings (``number_of_replicas`` is left to the cluster's default)."""

INDEX_MAPPINGS: Final[dict[str, Any]] = {
    "dynamic": "strict",
    "properties": {
        "movie_id": _KEYWORD,
        "title": _TEXT,
        "cast": _TEXT,
        "director": _TEXT,
        "description": _TEXT,
        "title_suffixes": _KEYWORD,
        "title_sort": _KEYWORD,
        "genres": _KEYWORD,
        "languages": _KEYWORD,
        "status": _KEYWORD,
        "rated": {"type": "integer"},
        "rating_key": _KEYWORD,
        "rating": {"type": "double"},
        "popularity": {"type": "long"},
        "release_ordinal": {"type": "long"},
        "release_date": {"type": "date", "format": "strict_date"},
        "show_count": {"type": "integer"},
        "show_keys": _KEYWORD,
        "doc": {"type": "object", "enabled": False},
    },
}
"""The field mappings; ``dynamic: strict`` refuses any field not listed."""


def index_body() -> dict[str, Any]:
    """A fresh ``{"settings": ..., "mappings": ...}`` body for creating one versioned index."""
    return {"settings": copy.deepcopy(INDEX_SETTINGS), "mappings": copy.deepcopy(INDEX_MAPPINGS)}
