"""Partner search on SQLite: an FTS5 table over the documents' texts.

The FTS5 table (``network_search_fts``, built by migration 0002) indexes the
folded title, body and tags of ``network_search_texts``. Words become quoted
phrases, the last one may carry the prefix operator, and a column filter
keeps tags out of reach of free text::

    {title_text body_text} : ("climat" "eco"*)

One statement answers a search: the documents with every word, then for each
word those with it in the title (from ``network_search_titles``, an FTS5
table of the titles alone: a column filter on the main table would decode
the positions of every match), each list folded into one string by
``group_concat`` (one value to fetch instead of a row per document). The
filters reach SQLite as one byte per document id, 1 for the candidates, read
with ``substr`` on a blob (constant time per match, unlike a join to the
document rows or an ``IN`` list). Filters that keep few documents are also
added to the query as tags (``AND tags_text : ("c_fr")``), so fewer matches
reach that check. (bm25 would read every tag's whole posting list to weigh
it, but the order of results is not FTS5's.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .index import SqlSearchIndex, TextMatch
from .plan import QueryPlan
from .reader import Params, Reader, aiosqlite_reader

FTS = "network_search_fts"
TITLES = "network_search_titles"
"""The titles alone (migration 0008), for the matches with a word in the title."""


def kept(table: str) -> str:
    """SQL: the row is a candidate (its byte in the ``keep`` blob is 1)."""
    return f"substr(:keep, {table}.rowid + 1, 1) = x'01'"


def phrases(plan: QueryPlan) -> list[str]:
    """The plan's words as FTS5 phrases (letters and digits only, so safe to quote)."""
    quoted = [f'"{word}"' for word in plan.words]
    if plan.prefix_last:
        quoted[-1] += "*"
    return quoted


def words_match(plan: QueryPlan, groups: Sequence[Sequence[str]] = ()) -> str:
    """The FTS5 query: every word, in the title or the body, and a tag of each group."""
    return "{title_text body_text} : (" + " ".join(phrases(plan)) + ")" + tags_match(groups)


def tags_match(groups: Sequence[Sequence[str]]) -> str:
    """`` AND tags_text : ("t1" OR "t2")`` per tag group (tags never contain quotes)."""
    return "".join(' AND tags_text : ("' + '" OR "'.join(group) + '")' for group in groups if group)


def _ids(joined: str | None) -> list[int]:
    return json.loads(f"[{joined}]") if joined else []


class Fts5SearchIndex(SqlSearchIndex):
    """SQLite's implementation of the search index."""

    narrowing_cost = 1.0
    """Measured at 100,000 profiles: FTS5 reads both posting lists of an AND,
    so ANDing "cli"* (58,000 documents) with a third of the documents costs
    about the checks it spares; a country with a sixth of them halves the
    statement's time."""

    async def _reader(self, conn: AsyncConnection) -> Reader:
        return await aiosqlite_reader(conn)

    async def _match(
        self, read: Reader, plan: QueryPlan, keep: bytes, narrowing: Sequence[Sequence[str]]
    ) -> TextMatch:
        params: Params = {"keep": keep, "words": words_match(plan, narrowing)}
        parts = [
            f"SELECT -1, group_concat(rowid) FROM {FTS} WHERE {FTS} MATCH :words AND {kept(FTS)}"
        ]
        for index, phrase in enumerate(phrases(plan)):
            params[f"title{index}"] = phrase
            parts.append(
                f"SELECT {index}, group_concat(rowid) FROM {TITLES} "
                f"WHERE {TITLES} MATCH :title{index} AND {kept(TITLES)}"
            )
        rows = await read(" UNION ALL ".join(parts), params)
        found = {int(part): _ids(joined) for part, joined in rows}
        titled = [found[index] for index in range(len(plan.words))]
        return TextMatch(found[-1], titled, only_candidates=True)

    async def rebuild(self) -> None:
        for table in (FTS, TITLES):
            await self._session.execute(text(f"INSERT INTO {table}({table}) VALUES ('rebuild')"))
            await self._session.execute(text(f"INSERT INTO {table}({table}) VALUES ('optimize')"))
