"""Partner search on PostgreSQL: tsvector and tag arrays with GIN indexes.

Migration 0002 adds two generated columns to ``network_search_docs``:
``search_tsv`` (title weighted A, body D, ``simple`` configuration: the text
is folded already, and stemming would treat each of our languages wrongly)
and ``tags_arr`` (the tags as ``text[]``), each with a GIN index. Words become
``to_tsquery`` operands joined by ``&``, the last one with ``:*`` when it may
be unfinished; each tag group is an array overlap (``&&``), which the GIN
index answers.

The score is ``-ts_rank(search_tsv, query, 1)``: normalisation 1 divides by
the logarithm of the document's length, as bm25 favours shorter documents.
"""

from __future__ import annotations

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from .index import (
    FACET_COLUMNS,
    HIT_COLUMNS,
    Params,
    SqlSearchIndex,
    joined,
    order_clause,
)
from .plan import QueryPlan

SCORE = "(-ts_rank(d.search_tsv, to_tsquery('simple', :tsquery), 1))::float8"


def tsquery_text(plan: QueryPlan) -> str:
    """The ``to_tsquery`` input of a plan (its words are letters and digits only)."""
    operands = [f"'{word}'" for word in plan.words]
    if plan.prefix_last:
        operands[-1] += ":*"
    return " & ".join(operands)


class PostgresSearchIndex(SqlSearchIndex):
    """PostgreSQL's implementation of the search index."""

    def _where(self, plan: QueryPlan, params: Params) -> tuple[list[str], list[str], str]:
        """Conditions, names of array parameters, and the score expression."""
        conditions = self._document_conditions(plan, params)
        arrays: list[str] = []
        score = "0.0::float8"
        if plan.is_text:
            params["tsquery"] = tsquery_text(plan)
            conditions.insert(0, "d.search_tsv @@ to_tsquery('simple', :tsquery)")
            score = SCORE
        for index, group in enumerate(plan.tag_groups):
            name = f"tags{index}"
            params[name] = list(group)
            arrays.append(name)
            conditions.append(f"d.tags_arr && :{name}")
        return conditions, arrays, score

    @staticmethod
    def _typed(sql: str, arrays: list[str]) -> TextClause:
        return text(sql).bindparams(*(bindparam(name, type_=ARRAY(Text())) for name in arrays))

    def _page_statement(
        self, plan: QueryPlan, after: tuple[float, int] | None, limit: int
    ) -> tuple[TextClause, Params]:
        params: Params = {"limit": limit}
        conditions, arrays, score = self._where(plan, params)
        conditions += self._after_condition(score, after, params)
        sql = (
            f"SELECT {HIT_COLUMNS}, {score} AS score FROM network_search_docs AS d "
            f"WHERE {joined(conditions)} {order_clause(score)} LIMIT :limit"
        )
        return self._typed(sql, arrays), params

    def _facet_statement(self, plan: QueryPlan) -> tuple[TextClause, Params]:
        params: Params = {}
        conditions, arrays, _ = self._where(plan, params)
        matched = f"SELECT {FACET_COLUMNS} FROM network_search_docs AS d WHERE {joined(conditions)}"
        unnest = {
            "subject": "jsonb_array_elements_text(m.subjects) AS j(value)",
            "language": "jsonb_array_elements_text(m.languages) AS j(value)",
        }
        return self._typed(self._facet_union(matched, unnest), arrays), params

    async def rebuild(self) -> None:
        for index in ("ix_network_search_docs_tsv", "ix_network_search_docs_tags"):
            await self._session.execute(text(f"REINDEX INDEX {index}"))
        await self._session.execute(text("ANALYZE network_search_docs"))
