"""Partner search on PostgreSQL: tsvector and tag arrays with GIN indexes.

Migration 0002 adds two columns to ``network_search_docs``, which a trigger
derives from the row's texts in ``network_search_texts``: ``search_tsv``
(title weighted A, body D, ``simple`` configuration: the text is folded
already, and stemming would treat each of our languages wrongly) and
``tags_arr`` (the filter tags as ``text[]``), each with a GIN index.

Which documents hold the words is answered, on each node, from its copy of
PostgreSQL's lexemes (:class:`PostgresWords`, :mod:`.words`): the lexemes
of every document's ``search_tsv`` and ``title_tsv`` as ``to_tsvector``
made them, grouped per word by PostgreSQL at load, and re-read for each
document the change log names. A search then costs no table visit per
match (2-3 µs each, up to 16,000 for a broad search, plus a bitmap of every
row holding a word of the last word's prefix). The GIN path below is what
a node without that copy runs (``words = None``); tests hold both to the
same answers.

There one statement answers a search. Words become ``to_tsquery`` operands joined
by ``&``, the last one with ``:*`` when it may be unfinished; each filter
that keeps few documents becomes an array overlap (``&&``) on the tags, so
the planner can intersect the two GIN indexes and visit only the rows that
pass both: on PostgreSQL, visiting a matching row in the table, not finding
it in the index, is the cost of a search. Every filter (and the owner's
status, expiry, ages) is then checked on the visited row from the node's
mirror, sent as one byte per document id, so only candidates are returned.
``array_agg`` returns the matches as one array. For each word, the
candidates with it in their title come from ``title_tsv`` and its own GIN
index (migration 0009): checking the title's weight in ``search_tsv`` on each
matching row cost a quarter of a broad search.
"""

from __future__ import annotations

import asyncio
import sys
from array import array
from collections.abc import Collection, Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .index import SqlSearchIndex, TextMatch
from .plan import QueryPlan
from .reader import Params, Reader, asyncpg_reader
from .words import DocWords, WordIndex

INDEXES = (
    "ix_network_search_docs_tsv",
    "ix_network_search_docs_title",
    "ix_network_search_docs_tags",
)
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


WORD_SETS = (
    "SELECT w, string_agg(int4send(d.id), ''::bytea) FROM network_search_docs AS d, "
    "unnest(tsvector_to_array(d.{column})) AS w GROUP BY w"
)
"""PostgreSQL's own lexemes of every document's vector, each with its documents
as 4-byte big-endian ids in one ``bytea``: decoding an ``int[]`` of the 5
million (word, document) pairs at 100,000 profiles cost the node 7 s of CPU
and 250 MB at its peak; ``array.frombytes`` copies them in C."""
WORD_COUNTS = (
    "SELECT id, length(coalesce(search_tsv, ''::tsvector)), "
    "length(coalesce(title_tsv, ''::tsvector)) FROM network_search_docs"
)
DOC_WORDS = (
    "SELECT id, tsvector_to_array(coalesce(search_tsv, ''::tsvector)), "
    "tsvector_to_array(coalesce(title_tsv, ''::tsvector)) "
    "FROM network_search_docs WHERE id = ANY(:ids::integer[])"
)


def _ids(packed: bytes) -> array[int]:
    ids = array("i")
    ids.frombytes(packed)
    if sys.byteorder == "little":
        ids.byteswap()
    return ids


class PostgresWords:
    """The node's copy of PostgreSQL's lexemes (:mod:`.words`), read from the
    ``tsvector`` columns the trigger derives with ``to_tsvector``."""

    async def load(self, read: Reader) -> WordIndex:
        sets = []
        for column in ("search_tsv", "title_tsv"):
            rows = await read(WORD_SETS.format(column=column), {})
            sets.append({word: _ids(packed) for word, packed in rows})
        counts = {doc_id: (words, titles) for doc_id, words, titles in await read(WORD_COUNTS, {})}
        size = max(counts, default=-1) + 1
        # Building the sets is a second or more of pure Python at 100,000
        # profiles: in a thread, so the event loop (/health, other requests)
        # keeps its turns meanwhile.
        return await asyncio.to_thread(WordIndex, sets[0], sets[1], counts, size)

    async def read(self, read: Reader, ids: Collection[int]) -> list[DocWords]:
        rows = await read(DOC_WORDS, {"ids": sorted(ids)})
        return [
            DocWords(doc_id, frozenset(words), frozenset(title)) for doc_id, words, title in rows
        ]


class PostgresSearchIndex(SqlSearchIndex):
    """PostgreSQL's implementation of the search index."""

    words = PostgresWords()

    narrowing_cost = 0.08
    """Measured at 100,000 profiles (roughly: a busy machine): a row a filter
    spares is a table visit of 2-3 µs, and the filter's tags cost a fraction
    of a microsecond per entry to turn into a bitmap from the index. With
    "clima"* (38,000 matches), adding lower secondary then "looking for
    partners" took 57 -> 44 -> 32 ms; English (75 %) on "robo"* did not pay."""

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
        parts = [
            "SELECT -1, array_agg(d.id) FROM network_search_docs AS d "
            f"WHERE {' AND '.join(conditions)}"
        ]
        for index, operand in enumerate(operands(plan)):
            params[f"title{index}"] = operand
            parts.append(
                f"SELECT {index}, array_agg(d.id) FROM network_search_docs AS d "
                f"WHERE d.title_tsv @@ {TSQUERY.format(f'title{index}')} AND {KEPT}"
            )
        rows = await read(" UNION ALL ".join(parts), params)
        found = {int(part): ids or [] for part, ids in rows}
        titled = [found[index] for index in range(len(plan.words))]
        return TextMatch(found[-1], titled, only_candidates=True)

    async def rebuild(self) -> None:
        # Touching the texts makes the trigger derive every index column again.
        await self._session.execute(text("UPDATE network_search_texts SET title_text = title_text"))
        for index in INDEXES:
            await self._session.execute(text(f"REINDEX INDEX {index}"))
        await self._session.execute(text("ANALYZE network_search_docs"))
