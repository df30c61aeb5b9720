"""Partner search on SQLite: an FTS5 table over the documents' texts.

The FTS5 table (``network_search_fts``, built by migration 0002) indexes the
folded title, body and tags of ``network_search_texts``. Words become quoted
phrases, the last one may carry the prefix operator, and a column filter
keeps tags out of reach of free text::

    {title_text body_text} : ("climat" "eco"*)

One statement answers a search: the documents with every word, then for each
word those with it in the title (``{title_text} : ...``), each list folded
into one string by ``group_concat`` (one value to fetch instead of a row per
document). The filters reach SQLite as one byte per document id, 1 for the
candidates, read with ``substr`` on a blob (constant time per match, unlike a
join to the document rows or an ``IN`` list), so no filter needs the
full-text index and the index's work is only the words' posting lists.
"""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .index import Params, SqlSearchIndex, TextMatch
from .plan import QueryPlan

FTS = "network_search_fts"
KEPT = f"substr(:keep, {FTS}.rowid + 1, 1) = x'01'"


def phrases(plan: QueryPlan) -> list[str]:
    """The plan's words as FTS5 phrases (letters and digits only, so safe to quote)."""
    quoted = [f'"{word}"' for word in plan.words]
    if plan.prefix_last:
        quoted[-1] += "*"
    return quoted


def words_match(plan: QueryPlan) -> str:
    """The FTS5 query: every word, in the title or the body."""
    return "{title_text body_text} : (" + " ".join(phrases(plan)) + ")"


def _ids(joined: str | None) -> list[int]:
    return json.loads(f"[{joined}]") if joined else []


class Fts5SearchIndex(SqlSearchIndex):
    """SQLite's implementation of the search index."""

    async def _match(self, conn: AsyncConnection, plan: QueryPlan, keep: bytes) -> TextMatch:
        params: Params = {"keep": keep, "words": words_match(plan)}
        parts = [f"SELECT -1, group_concat(rowid) FROM {FTS} WHERE {FTS} MATCH :words AND {KEPT}"]
        for index, phrase in enumerate(phrases(plan)):
            params[f"title{index}"] = "{title_text} : (" + phrase + ")"
            parts.append(
                f"SELECT {index}, group_concat(rowid) FROM {FTS} "
                f"WHERE {FTS} MATCH :title{index} AND {KEPT}"
            )
        rows = await conn.execute(text(" UNION ALL ".join(parts)), params)
        found = {int(part): _ids(joined) for part, joined in rows}
        return TextMatch(found[-1], [found[index] for index in range(len(plan.words))])

    async def rebuild(self) -> None:
        await self._session.execute(text(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')"))
        await self._session.execute(text(f"INSERT INTO {FTS}({FTS}) VALUES ('optimize')"))
