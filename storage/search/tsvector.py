"""Partner search on PostgreSQL: tsvector and tag arrays with GIN indexes.

Migration 0002 adds two columns to ``network_search_docs``, which a trigger
derives from the row's texts in ``network_search_texts``: ``search_tsv``
(title weighted A, body D, ``simple`` configuration: the text is folded
already, and stemming would treat each of our languages wrongly) and
``tags_arr`` (the filter tags as ``text[]``), each with a GIN index.

One statement answers a search. Words become ``to_tsquery`` operands joined
by ``&``, the last one with ``:*`` when it may be unfinished; each filter
that keeps few documents becomes an array overlap (``&&``) on the tags, so
the planner can intersect the two GIN indexes and visit only the rows that
pass both: on PostgreSQL, visiting a matching row in the table, not finding
it in the index, is the cost of a search. The row's owner, expiry and ages
are checked there at no extra cost; broad filters are left to the node's
mirror, which drops the ids that fail them. ``array_agg`` returns the
matches as one array, and with ``FILTER`` the matches with each word in the
title (weight A).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .index import SqlSearchIndex, TextMatch
from .plan import QueryPlan
from .reader import Params, Reader, asyncpg_reader

TSQUERY = "(SELECT to_tsquery('simple', :{}))"
"""A scalar subquery, so PostgreSQL parses the query once (an InitPlan) rather
than once per row: 30 % of a broad search's time went into that."""


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

    narrowing_share = 0.6
    """Each row a filter spares is a table visit of several microseconds,
    against a fraction of that per entry to intersect its tags' index: worth
    it up to filters as broad as "looking for partners" (45 %), not for
    "profiles" (83 %) or English (75 %)."""

    async def _reader(self, conn: AsyncConnection) -> Reader:
        return await asyncpg_reader(conn)

    async def _match(
        self, read: Reader, plan: QueryPlan, keep: bytes, narrowing: Sequence[Sequence[str]]
    ) -> TextMatch:
        params: Params = {"words": tsquery_text(plan), "now_s": plan.now_s}
        conditions = [
            f"d.search_tsv @@ {TSQUERY.format('words')}",
            "d.owner_validated",
            "(d.expires_s IS NULL OR d.expires_s > :now_s)",
        ]
        for index, group in enumerate(narrowing):
            params[f"tags{index}"] = list(group)
            conditions.append(f"d.tags_arr && :tags{index}::text[]")
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
        (row,) = await read(sql, params)
        return TextMatch(row[0] or [], [ids or [] for ids in row[1:]])

    async def rebuild(self) -> None:
        # Touching the texts makes the trigger derive every index column again.
        await self._session.execute(text("UPDATE network_search_texts SET title_text = title_text"))
        for index in ("ix_network_search_docs_tsv", "ix_network_search_docs_tags"):
            await self._session.execute(text(f"REINDEX INDEX {index}"))
        await self._session.execute(text("ANALYZE network_search_docs"))
