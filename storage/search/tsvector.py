"""Partner search on PostgreSQL: tsvector and tag arrays with GIN indexes.

Migration 0002 adds two columns to ``network_search_docs``, which a trigger
derives from the row's texts in ``network_search_texts``: ``search_tsv``
(title weighted A, body D, ``simple`` configuration: the text is folded
already, and stemming would treat each of our languages wrongly) and
``tags_arr`` (the filter tags as ``text[]``), each with a GIN index.

One statement answers a search. Words become ``to_tsquery`` operands joined
by ``&``, the last one with ``:*`` when it may be unfinished; every filter
that has tags becomes an array overlap (``&&``), so the planner can intersect
the two GIN indexes and visit only the rows that pass both: on PostgreSQL,
visiting a matching row in the table, not finding it in the index, is the
cost of a search. The row's other filters (owner validated, not expired,
pupils' ages) are checked there at no extra cost. ``array_agg`` returns the
matches as one array, and with ``FILTER`` the matches with each word in the
title (weight A).
"""

from __future__ import annotations

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Text

from .index import Params, SqlSearchIndex, TextMatch
from .plan import QueryPlan

TSQUERY = "to_tsquery('simple', :{})"


def operands(plan: QueryPlan) -> list[str]:
    """The plan's words as ``to_tsquery`` operands (letters and digits only)."""
    quoted = [f"'{word}'" for word in plan.words]
    if plan.prefix_last:
        quoted[-1] += ":*"
    return quoted


def tsquery_text(plan: QueryPlan) -> str:
    """The ``to_tsquery`` input of a plan: every word."""
    return " & ".join(operands(plan))


def in_title(operand: str) -> str:
    """The operand restricted to weight A (the title)."""
    return operand + ("A" if operand.endswith(":*") else ":A")


class PostgresSearchIndex(SqlSearchIndex):
    """PostgreSQL's implementation of the search index."""

    async def _match(self, conn: AsyncConnection, plan: QueryPlan, keep: bytes) -> TextMatch:
        params: Params = {"words": tsquery_text(plan), "now_s": plan.now_s}
        conditions = [
            f"d.search_tsv @@ {TSQUERY.format('words')}",
            "d.owner_validated",
            "(d.expires_s IS NULL OR d.expires_s > :now_s)",
        ]
        for index, group in enumerate(plan.tag_groups):
            params[f"tags{index}"] = list(group)
            conditions.append(f"d.tags_arr && :tags{index}")
        if plan.request.age_min is not None:
            params["age_min"] = plan.request.age_min
            conditions.append("d.age_max >= :age_min")
        if plan.request.age_max is not None:
            params["age_max"] = plan.request.age_max
            conditions.append("d.age_min <= :age_max")
        columns = ["array_agg(d.id)"]
        for index, operand in enumerate(operands(plan)):
            params[f"title{index}"] = in_title(operand)
            columns.append(
                f"array_agg(d.id) FILTER (WHERE d.search_tsv @@ {TSQUERY.format(f'title{index}')})"
            )
        sql = (
            f"SELECT {', '.join(columns)} FROM network_search_docs AS d "
            f"WHERE {' AND '.join(conditions)}"
        )
        row = (await conn.execute(self._text(sql, params), params)).one()
        return TextMatch(row[0] or [], [ids or [] for ids in row[1:]])

    @staticmethod
    def _text(sql: str, params: Params) -> TextClause:
        # Every list parameter is a text[] (tag groups).
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
