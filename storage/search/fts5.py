"""Partner search on SQLite: an FTS5 table over the documents' texts.

The FTS5 table (``network_search_fts``, built by migration 0002) indexes the
folded title, body and tags of ``network_search_texts``; its ``rank`` is
configured as bm25 with weights title 4, body 1, tags 0. Words become quoted
phrases, the last one may carry the prefix operator; tag groups become
column-filtered alternatives::

    {title_text body_text} : ("climat" "eco"*) AND tags_text : ("c_fr" OR "c_de")

JSON arrays are stored as text, so "holds this code" is a search for the
quoted code (codes never contain quotes), which costs far less per row than
``json_each``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import text

from .index import Params, SqlSearchIndex
from .plan import QueryPlan

FTS = "network_search_fts"
SOURCE = f"{FTS} JOIN network_search_docs AS d ON d.id = {FTS}.rowid"


def words_match(plan: QueryPlan) -> str:
    """The FTS5 query of a plan's words (letters and digits only)."""
    phrases = [f'"{word}"' for word in plan.words]
    if plan.prefix_last:
        phrases[-1] += "*"
    return "{title_text body_text} : (" + " ".join(phrases) + ")"


def tags_match(groups: Sequence[Sequence[str]]) -> str:
    """The FTS5 query of filter tag groups."""
    return " AND ".join(
        "tags_text : (" + " OR ".join(f'"{tag}"' for tag in group) + ")" for group in groups
    )


class Fts5SearchIndex(SqlSearchIndex):
    """SQLite's implementation of the search index."""

    def _match(self, plan: QueryPlan, params: Params) -> tuple[str, list[str], str]:
        if plan.is_text:
            groups = plan.selective_groups
            params["match"] = " AND ".join(
                [words_match(plan), *([tags_match(groups)] if groups else [])]
            )
            conditions = [f"{FTS} MATCH :match", *self._row_conditions(plan, params)]
            return SOURCE, conditions, f"{FTS}.rank"
        if plan.filters:
            params["match"] = tags_match(plan.tag_groups)
            return SOURCE, [f"{FTS} MATCH :match"], "0.0"
        return "network_search_docs AS d", [], "0.0"

    async def _prepare(self) -> None:
        return  # nothing to set on SQLite

    def _contains_any(self, column: str, name: str, values: Sequence[str], params: Params) -> str:
        names = [f"{name}{i}" for i in range(len(values))]
        params.update((n, json.dumps(v)) for n, v in zip(names, values, strict=True))
        return "(" + " OR ".join(f"instr({column}, :{n}) > 0" for n in names) + ")"

    def _unnest(self, column: str) -> str:
        return f"json_each({column}) AS j"

    async def rebuild(self) -> None:
        await self._session.execute(text(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')"))
        await self._session.execute(text(f"INSERT INTO {FTS}({FTS}) VALUES ('optimize')"))
