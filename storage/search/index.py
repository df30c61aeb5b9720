"""The search index behind one interface, with the parts both engines share.

:class:`SqlSearchIndex` writes documents (the same rows on both engines: the
engine keeps its own full-text index in step, by triggers on SQLite and on
PostgreSQL) and answers a search in three steps:

1. the node's mirror of the documents (:mod:`.mirror`, brought up to date
   from the change log by :mod:`.mirror_sync`) gives the visible documents
   that pass the filters, as a set;
2. with words, the engine's full-text index finds the documents of that set
   that contain them, and for each word those with it in their title (one
   statement; subclasses supply it); without words, the set is the result;
3. the mirror counts the facets over the result, :mod:`.ranking` picks the
   page, and one statement reads the page's display fields.

Results are ordered by :mod:`.ranking`'s key; the cursor carries the last
key and a fingerprint of the question, so a page never repeats or skips a
result while the data stand still, and a cursor cannot be replayed against
another question.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from protocol.api.network import SearchKind
from protocol.errors import InvalidPayload

from ..pagination import decode_cursor, encode_cursor
from ..tables.network import SearchDoc, SearchText
from . import bitsets
from .documents import SearchDocument, SearchHit, SearchPage, SearchRequest, document_tags
from .folding import tokens
from .mirror import DocumentMirror
from .mirror_sync import MirrorSync, json_terms
from .plan import QueryPlan, plan_search
from .ranking import (
    FEW,
    RankKey,
    by_relevance_ids,
    by_relevance_sets,
    newest_first,
    title_tiers,
)

SUMMARY_LEN = 300
HITS = text(
    "SELECT d.id, d.kind, d.ref_id, d.owner_id, d.country_code, d.school_type, d.subjects, "
    "d.languages, d.age_min, d.age_max, d.looking_for_partners, d.expires_s, "
    "t.display_title, t.summary, t.school_name, t.city "
    "FROM network_search_docs AS d JOIN network_search_texts AS t ON t.doc_id = d.id "
    "WHERE d.id IN :ids"
).bindparams(bindparam("ids", expanding=True))
"""What a result shows (plain SQL: for a 20-row page, building and processing
an ORM or Core select cost more than running it)."""

Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class TextMatch:
    """What the full-text engine found for a plan's words."""

    ids: Sequence[int]
    """Documents containing every word (the engine may leave in some that
    the filters exclude; they are dropped afterwards)."""
    in_title: Sequence[Sequence[int]]
    """Per word, documents with it in their title (among the engine's matches)."""


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def document_rows(doc: SearchDocument) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``network_search_docs`` and ``network_search_texts`` rows of a document
    (texts folded, tags derived); the second lacks its ``doc_id``."""
    title, body = tokens(doc.title), tokens(doc.body)
    facets = {
        "kind": doc.kind.value,
        "ref_id": doc.ref_id,
        "owner_id": doc.owner_id,
        "owner_validated": doc.owner_validated,
        "expires_s": _epoch(doc.expires_at),
        "country_code": doc.country_code,
        "school_type": doc.school_type,
        "age_min": doc.age_min,
        "age_max": doc.age_max,
        "looking_for_partners": doc.looking_for_partners,
        "subjects": list(doc.subjects),
        "languages": list(doc.languages),
        "wanted": [c.upper() for c in doc.wanted_countries],
        "length": len(title) + len(body),
    }
    texts = {
        "display_title": doc.title[:200],
        "school_name": doc.school_name[:200],
        "city": doc.city[:120],
        "summary": doc.summary[:SUMMARY_LEN],
        "title_text": " ".join(title),
        "body_text": " ".join(body),
        "tags_text": " ".join(document_tags(doc)),
    }
    return facets, texts


class SqlSearchIndex(ABC):
    """Partner search over ``network_search_docs``; one subclass per engine.

    Args:
        mirror: The node's mirror of the documents (one per database).
    """

    def __init__(self, session: AsyncSession, mirror: MirrorSync) -> None:
        self._session = session
        self._mirror = mirror

    # -- writing ------------------------------------------------------------

    async def put(self, doc: SearchDocument) -> None:
        """Add a document, or replace the one with the same kind and id."""
        facets, texts = document_rows(doc)
        doc_id = await self._session.scalar(
            select(SearchDoc.id).where(
                SearchDoc.kind == doc.kind.value, SearchDoc.ref_id == doc.ref_id
            )
        )
        if doc_id is None:
            doc_id = await self._session.scalar(
                insert(SearchDoc).values(facets).returning(SearchDoc.id)
            )
            await self._session.execute(insert(SearchText).values(doc_id=doc_id, **texts))
        else:
            await self._session.execute(
                update(SearchDoc).where(SearchDoc.id == doc_id).values(facets)
            )
            await self._session.execute(
                update(SearchText).where(SearchText.doc_id == doc_id).values(texts)
            )

    async def remove(self, kind: SearchKind, ref_id: str) -> None:
        """Take a document out of search (nothing happens if it is not in)."""
        doc_id = select(SearchDoc.id).where(
            SearchDoc.kind == kind.value, SearchDoc.ref_id == ref_id
        )
        await self._session.execute(delete(SearchText).where(SearchText.doc_id.in_(doc_id)))
        await self._session.execute(
            delete(SearchDoc).where(SearchDoc.kind == kind.value, SearchDoc.ref_id == ref_id)
        )

    @abstractmethod
    async def rebuild(self) -> None:
        """Rebuild the engine's full-text index from the documents (maintenance)."""

    # -- searching ----------------------------------------------------------

    async def search(
        self, request: SearchRequest, *, now: datetime, cursor: str | None, limit: int
    ) -> SearchPage:
        """One page of results, best first, with the total and facet counts.

        Raises:
            InvalidPayload: A cursor we did not make, or made for another question.
        """
        plan = plan_search(request, int(now.timestamp()))
        after = self._read_cursor(cursor, plan)
        # Reads go through the connection: the ORM session adds nothing here.
        conn = await self._session.connection()
        mirror = await self._mirror.current(conn)
        candidates = mirror.candidates(plan.request, plan.now_s)
        ids: Sequence[int] | None = None
        if plan.is_text:
            found, ids, keys = await self._ranked(conn, plan, mirror, candidates, after, limit + 1)
        else:
            found = candidates
            after_id = None if after is None else after.doc_id
            keys = [RankKey(0, 0, doc_id) for doc_id in newest_first(found, after_id, limit + 1)]
        next_cursor = None
        if len(keys) > limit:
            keys = keys[:limit]
            next_cursor = self._cursor(keys[-1], plan)
        page = [(key.doc_id, key.relevance() if plan.is_text else 0.0) for key in keys]
        return SearchPage(
            hits=await self._hits(conn, page),
            next_cursor=next_cursor,
            total=found.bit_count(),
            facets=mirror.facets(found, ids),
        )

    async def _ranked(
        self,
        conn: AsyncConnection,
        plan: QueryPlan,
        mirror: DocumentMirror,
        candidates: int,
        after: RankKey | None,
        count: int,
    ) -> tuple[int, list[int], list[RankKey]]:
        """The documents with the words among ``candidates`` (as a set and as
        ids), and the page's keys."""
        keep = bitsets.unpack(candidates, mirror.size)
        match = await self._match(conn, plan, keep)
        size = len(keep)
        ids = [doc_id for doc_id in match.ids if doc_id < size and keep[doc_id]]
        found = bitsets.from_ids(ids) if ids else 0
        if len(ids) <= FEW:
            titled = [frozenset(titles) for titles in match.in_title]
            return found, ids, by_relevance_ids(ids, titled, mirror.length_of, after, count)
        tiers = title_tiers(found, [bitsets.from_ids(t) if t else 0 for t in match.in_title])
        return found, ids, by_relevance_sets(tiers, mirror.lengths(), after, count)

    @staticmethod
    def _cursor(last: RankKey, plan: QueryPlan) -> str:
        if plan.is_text:
            return encode_cursor(*last, plan.fingerprint())
        return encode_cursor(last.doc_id, plan.fingerprint())

    @staticmethod
    def _read_cursor(cursor: str | None, plan: QueryPlan) -> RankKey | None:
        if cursor is None:
            return None
        if plan.is_text:
            in_title, length, doc_id, fingerprint = decode_cursor(
                cursor, 4, kinds=(int, int, int, str)
            )
        else:
            doc_id, fingerprint = decode_cursor(cursor, 2, kinds=(int, str))
            in_title = length = 0
        if fingerprint != plan.fingerprint():
            raise InvalidPayload("this cursor belongs to another search; start again without it")
        return RankKey(in_title, length, doc_id)

    async def _hits(
        self, conn: AsyncConnection, page: Sequence[tuple[int, float]]
    ) -> tuple[SearchHit, ...]:
        if not page:
            return ()
        rows = await conn.execute(HITS, {"ids": [doc_id for doc_id, _ in page]})
        found = {row.id: row for row in rows.all()}
        return tuple(
            self._hit(found[doc_id], relevance) for doc_id, relevance in page if doc_id in found
        )

    @staticmethod
    def _hit(row: Any, relevance: float) -> SearchHit:
        return SearchHit(
            kind=SearchKind(row.kind),
            ref_id=row.ref_id,
            owner_id=row.owner_id,
            title=row.display_title,
            summary=row.summary,
            school_name=row.school_name,
            city=row.city,
            country_code=row.country_code,
            school_type=row.school_type,
            subjects=json_terms(row.subjects),
            languages=json_terms(row.languages),
            age_min=row.age_min,
            age_max=row.age_max,
            looking_for_partners=bool(row.looking_for_partners),
            expires_at=None
            if row.expires_s is None
            else datetime.fromtimestamp(row.expires_s, UTC),
            relevance=relevance,
        )

    # -- what each engine supplies ------------------------------------------

    @abstractmethod
    async def _match(self, conn: AsyncConnection, plan: QueryPlan, keep: bytes) -> TextMatch:
        """The documents that contain the plan's words.

        Args:
            keep: One byte per document id, 1 for the candidates (the filters
                passed): the engine may use it to skip the others.
        """
