"""Partner search on PostgreSQL: tsvector and tag arrays with GIN indexes.

Migration 0002 adds two columns to ``network_search_docs``, which a trigger
derives from the row's texts in ``network_search_texts``: ``search_tsv``
(title weighted A, body D, ``simple`` configuration: the text is folded
already, and stemming would treat each of our languages wrongly) and
``tags_arr`` (the tags as ``text[]``), each with a GIN index. Keeping them on
the document row means a match, its filters and its rank read one row. Words become
``to_tsquery`` operands joined by ``&``, the last one with ``:*`` when it may
be unfinished; each tag group is an array overlap (``&&``).

The score is ``-ts_rank(search_tsv, query, 1)``: normalisation 1 divides by
the logarithm of the document's length, as bm25 favours shorter documents.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from .index import Params, SqlSearchIndex
from .plan import QueryPlan

SOURCE = "network_search_docs AS d"
QUERY = "to_tsquery('simple', :tsquery)"
SCORE = f"(-ts_rank(d.search_tsv, {QUERY}, 1))::float8"


def tsquery_text(plan: QueryPlan) -> str:
    """The ``to_tsquery`` input of a plan (its words are letters and digits only)."""
    operands = [f"'{word}'" for word in plan.words]
    if plan.prefix_last:
        operands[-1] += ":*"
    return " & ".join(operands)


class PostgresSearchIndex(SqlSearchIndex):
    """PostgreSQL's implementation of the search index."""

    def _match(self, plan: QueryPlan, params: Params) -> tuple[str, list[str], str]:
        if plan.is_text:
            params["tsquery"] = tsquery_text(plan)
            conditions = [f"d.search_tsv @@ {QUERY}"]
            conditions += self._overlaps(plan.selective_groups, params)
            conditions += self._row_conditions(plan, params)
            return SOURCE, conditions, SCORE
        return SOURCE, self._overlaps(plan.tag_groups, params), "0.0::float8"

    @staticmethod
    def _overlaps(groups: Sequence[Sequence[str]], params: Params) -> list[str]:
        """Tag groups as array overlaps, which the GIN index can answer; the
        planner chooses, from the tags' statistics, which ones it uses."""
        conditions = []
        for index, group in enumerate(groups):
            params[f"tags{index}"] = list(group)
            conditions.append(f"d.tags_arr && :tags{index}")
        return conditions

    async def _prepare(self) -> None:
        # A broad search's estimated cost passes jit_above_cost, and compiling
        # its expressions then takes longer than running them (tens of ms).
        await self._session.execute(text("SET LOCAL jit = off"))

    def _contains_any(self, column: str, name: str, values: Sequence[str], params: Params) -> str:
        params[name] = list(values)
        return f"jsonb_exists_any({column}, :{name})"

    def _unnest(self, column: str) -> str:
        return f"jsonb_array_elements_text({column}) AS j(value)"

    def _text(self, sql: str, params: Params) -> TextClause:
        # Every list parameter is a text[] (tag groups, codes to look for).
        arrays = [
            bindparam(name, type_=ARRAY(Text()))
            for name, value in params.items()
            if isinstance(value, list)
        ]
        return text(sql).bindparams(*arrays)

    async def rebuild(self) -> None:
        # Touching the texts makes the trigger derive every index column again.
        await self._session.execute(text("UPDATE network_search_texts SET title_text = title_text"))
        for index in ("ix_network_search_docs_tsv", "ix_network_search_docs_tags"):
            await self._session.execute(text(f"REINDEX INDEX {index}"))
        await self._session.execute(text("ANALYZE network_search_docs"))
