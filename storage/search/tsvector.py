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
it in the index, is the cost of a search. Every filter (and the owner's
status, expiry, ages) is then checked on the visited row from the node's
mirror, sent as one byte per document id, so only candidates are returned
and checked for titles. ``array_agg`` returns the matches as one array, and
with ``FILTER`` the matches with each word in the title (weight A).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .index import SqlSearchIndex, TextMatch
from .plan import QueryPlan
from .reader import Params, Reader, asyncpg_reader

KEPT = "CASE WHEN d.id < :size THEN get_byte(:keep, d.id) = 1 ELSE false END"
"""The row is a candidate: its byte in the ``keep`` blob (one per document id,
sent as ``bytea``) is 1. ``CASE`` checks the bound first, as ``AND`` need not."""
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
        params: Params = {"words": tsquery_text(plan), "keep": keep, "size": len(keep)}
        conditions = [f"d.search_tsv @@ {TSQUERY.format('words')}", KEPT]
        for index, group in enumerate(narrowing):
            params[f"tags{index}"] = list(group)
            conditions.append(f"d.tags_arr && :tags{index}::text[]")
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
        return TextMatch(row[0] or [], [ids or [] for ids in row[1:]], only_candidates=True)

    async def rebuild(self) -> None:
        # Touching the texts makes the trigger derive every index column again.
        await self._session.execute(text("UPDATE network_search_texts SET title_text = title_text"))
        for index in ("ix_network_search_docs_tsv", "ix_network_search_docs_tags"):
            await self._session.execute(text(f"REINDEX INDEX {index}"))
        await self._session.execute(text("ANALYZE network_search_docs"))
