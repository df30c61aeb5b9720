"""Partner search: one interface, two full-text engines chosen by dialect.

- :mod:`.folding` folds accents and case the same way for both engines.
- :mod:`.documents` holds what is indexed, asked and returned.
- :mod:`.plan` sanitises a request into words and filter tags.
- :mod:`.mirror` holds each node's copy of the documents' filter and facet
  columns as bitsets (:mod:`.bitsets`); :mod:`.mirror_sync` keeps it equal to
  the database; :mod:`.ranking` orders results.
- :mod:`.index` is the shared part; :mod:`.fts5` (SQLite) and
  :mod:`.tsvector` (PostgreSQL) supply the engine-specific SQL; on
  PostgreSQL each node also keeps the engine's lexemes per word
  (:mod:`.words`) and matches words in memory.
- :mod:`.bulk` loads many documents at once (benchmarks, imports).

Domain code reaches the index as ``uow.search``.
"""

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from .documents import FacetCount, SearchDocument, SearchHit, SearchPage, SearchRequest
from .folding import fold, tokens
from .fts5 import Fts5SearchIndex
from .index import SqlSearchIndex
from .mirror_sync import MirrorSync
from .tsvector import PostgresSearchIndex


def search_index(
    session: AsyncSession, dialect: Literal["sqlite", "postgresql"], mirror: MirrorSync
) -> SqlSearchIndex:
    """The search index of the session's engine, with the node's mirror."""
    if dialect == "sqlite":
        return Fts5SearchIndex(session, mirror)
    return PostgresSearchIndex(session, mirror)


__all__ = [
    "FacetCount",
    "Fts5SearchIndex",
    "MirrorSync",
    "PostgresSearchIndex",
    "SearchDocument",
    "SearchHit",
    "SearchPage",
    "SearchRequest",
    "SqlSearchIndex",
    "fold",
    "search_index",
    "tokens",
]
