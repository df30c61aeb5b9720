"""Partner search on SQLite: an FTS5 table over the documents.

The FTS5 table (``network_search_fts``, built by migration 0002) indexes the
documents' folded title, body and tags; its ``rank`` is configured as bm25
with weights title 4, body 1, tags 0, so filters never change the order.
Words become quoted phrases and the last one may carry the prefix operator;
tag groups become column-filtered alternatives::

    {title_text body_text} : ("climat" "eco"*) AND tags_text : ("c_fr" OR "c_de")
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

from .index import (
    FACET_COLUMNS,
    HIT_COLUMNS,
    Params,
    SqlSearchIndex,
    joined,
    order_clause,
)
from .plan import QueryPlan

FTS = "network_search_fts"


def match_expression(plan: QueryPlan) -> str:
    """The FTS5 query of a plan (its words are letters and digits only)."""
    parts: list[str] = []
    if plan.words:
        phrases = [f'"{word}"' for word in plan.words]
        if plan.prefix_last:
            phrases[-1] += "*"
        parts.append("{title_text body_text} : (" + " ".join(phrases) + ")")
    for group in plan.tag_groups:
        parts.append("tags_text : (" + " OR ".join(f'"{tag}"' for tag in group) + ")")
    return " AND ".join(parts)


class Fts5SearchIndex(SqlSearchIndex):
    """SQLite's implementation of the search index."""

    def _source(self, plan: QueryPlan, params: Params) -> tuple[str, list[str], str]:
        """FROM clause, conditions and score expression."""
        conditions = self._document_conditions(plan, params)
        if not plan.uses_index:
            return "network_search_docs AS d", conditions, "0.0"
        params["match"] = match_expression(plan)
        source = f"{FTS} JOIN network_search_docs AS d ON d.id = {FTS}.rowid"
        score = f"{FTS}.rank" if plan.is_text else "0.0"
        return source, [f"{FTS} MATCH :match", *conditions], score

    def _page_statement(
        self, plan: QueryPlan, after: tuple[float, int] | None, limit: int
    ) -> tuple[TextClause, Params]:
        params: Params = {"limit": limit}
        source, conditions, score = self._source(plan, params)
        conditions += self._after_condition(score, after, params)
        sql = (
            f"SELECT {HIT_COLUMNS}, {score} AS score FROM {source} "
            f"WHERE {joined(conditions)} {order_clause(score)} LIMIT :limit"
        )
        return text(sql), params

    def _facet_statement(self, plan: QueryPlan) -> tuple[TextClause, Params]:
        params: Params = {}
        source, conditions, _ = self._source(plan, params)
        matched = f"SELECT {FACET_COLUMNS} FROM {source} WHERE {joined(conditions)}"
        unnest = {
            "subject": "json_each(m.subjects) AS j",
            "language": "json_each(m.languages) AS j",
        }
        return text(self._facet_union(matched, unnest)), params

    async def rebuild(self) -> None:
        await self._session.execute(text(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')"))
        await self._session.execute(text(f"INSERT INTO {FTS}({FTS}) VALUES ('optimize')"))
