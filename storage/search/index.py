"""The search index behind one interface, with the parts both engines share.

:class:`SqlSearchIndex` writes documents (the same rows on both engines: the
engine keeps its own full-text index in step, by triggers on SQLite and on
PostgreSQL) and answers a search in three steps:

1. the node's mirror of the documents (:mod:`.mirror`, brought up to date
   from the change log by :mod:`.mirror_sync`) gives the visible documents
   that pass the filters, as a set;
2. with words, the documents of that set that contain them, and for each
   word those with it in their title: from the engine's full-text index (one
   statement; subclasses supply it: SQLite's FTS5), or from the node's copy
   of the engine's words when the engine has one kept (:mod:`.words`:
   PostgreSQL's lexemes); without words, the set is the result;
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
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from protocol.api.network import SearchKind
from protocol.errors import InvalidPayload

from ..pagination import decode_cursor, encode_cursor
from ..tables.network import SearchDoc, SearchText
from . import bitsets
from .documents import SearchDocument, SearchHit, SearchPage, SearchRequest, document_tags
from .folding import tokens
from .mirror import DocumentMirror
from .mirror_sync import MirrorSync, WordSource, json_terms
from .plan import QueryPlan, narrowing_groups, plan_search
from .ranking import (
    FEW,
    RankKey,
    by_relevance_ids,
    by_relevance_sets,
    newest_first,
    title_tiers,
)
from .reader import Params, Reader, in_list
from .words import WordIndex

SUMMARY_LEN = 300
HITS = (
    "SELECT d.id, d.kind, d.ref_id, d.owner_id, d.country_code, d.school_type, d.subjects, "
    "d.languages, d.age_min, d.age_max, d.looking_for_partners, d.expires_s, "
    "t.display_title, t.summary, t.school_name, t.city "
    "FROM network_search_docs AS d JOIN network_search_texts AS t ON t.doc_id = d.id "
    "WHERE d.id IN "
)
"""What a result shows (plain SQL: for a 20-row page, building and processing
an ORM or Core select cost more than running it)."""


@dataclass(frozen=True, slots=True)
class TextMatch:
    """What the full-text engine found for a plan's words."""

    ids: Sequence[int]
    """Documents containing every word (the engine may leave in some that
    the filters exclude; they are dropped afterwards)."""
    in_title: Sequence[Sequence[int]]
    """Per word, documents with it in their title (among the engine's matches)."""
    only_candidates: bool = False
    """Whether ``ids`` holds candidates only (the engine applied ``keep``)."""


def match_in_memory(words: WordIndex, plan: QueryPlan, candidates: int) -> tuple[int, list[int]]:
    """The candidates holding every word of the plan, and per word those with
    it in their title, from the node's copy of the engine's words."""
    last = len(plan.words) - 1
    found = candidates
    for index, word in enumerate(plan.words):
        if found:
            found &= words.documents(word, prefix=plan.prefix_last and index == last)
    in_title = [
        found & words.in_title(word, prefix=plan.prefix_last and index == last) if found else 0
        for index, word in enumerate(plan.words)
    ]
    return found, in_title


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


def _hit(row: Sequence[Any], relevance: float) -> SearchHit:
    """A result from a row of :data:`HITS`."""
    (_, kind, ref_id, owner_id, country, school_type, subjects, languages) = row[:8]
    (age_min, age_max, looking, expires_s, title, summary, school, city) = row[8:]
    return SearchHit(
        kind=SearchKind(kind),
        ref_id=ref_id,
        owner_id=owner_id,
        title=title,
        summary=summary,
        school_name=school,
        city=city,
        country_code=country,
        school_type=school_type,
        subjects=json_terms(subjects),
        languages=json_terms(languages),
        age_min=age_min,
        age_max=age_max,
        looking_for_partners=bool(looking),
        # A profile's expiry is a year after its teacher's last sign-in: not for others.
        expires_at=(
            None
            if expires_s is None or kind == SearchKind.PROFILE.value
            else datetime.fromtimestamp(expires_s, UTC)
        ),
        relevance=relevance,
    )


class SqlSearchIndex(ABC):
    """Partner search over ``network_search_docs``; one subclass per engine.

    Args:
        mirror: The node's mirror of the documents (one per database).
    """

    narrowing_cost = 1.0
    """What reading a filter's postings in the full-text query costs per
    document, relative to checking a match afterwards (see
    :func:`.plan.narrowing_groups`); each engine sets its own."""

    words: WordSource | None = None
    """Where the node's copy of the engine's words comes from, for engines
    whose words are matched in memory (see :mod:`.words`); None to ask the
    full-text index on every search."""

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

    async def keep_until(
        self, kind: SearchKind, ref_id: str, until: datetime, *, step: timedelta
    ) -> None:
        """Have a document drop out of search at ``until`` rather than earlier.

        Only written when that moves its expiry by more than ``step`` (or it
        had none), so that a frequent event (a sign-in) seldom writes, and so
        seldom makes every node re-read the document.
        """
        moved = int(until.timestamp())
        await self._session.execute(
            update(SearchDoc)
            .where(
                SearchDoc.kind == kind.value,
                SearchDoc.ref_id == ref_id,
                or_(
                    SearchDoc.expires_s.is_(None),
                    SearchDoc.expires_s < moved - int(step.total_seconds()),
                ),
            )
            .values(expires_s=moved)
        )

    @abstractmethod
    async def rebuild(self) -> None:
        """Rebuild the engine's full-text index from the documents (maintenance)."""

    # -- searching ----------------------------------------------------------

    async def warm(self) -> None:
        """Load the node's mirror (and the engine's words) now rather than on
        the first search, which would otherwise wait seconds for it."""
        read = await self._reader(await self._session.connection())
        await self._mirror.current(read, self.words)

    async def search(
        self, request: SearchRequest, *, now: datetime, cursor: str | None, limit: int
    ) -> SearchPage:
        """One page of results, best first, with the total and facet counts.

        Raises:
            InvalidPayload: A cursor we did not make, or made for another question.
        """
        plan = plan_search(request, int(now.timestamp()))
        after = self._read_cursor(cursor, plan)
        read = await self._reader(await self._session.connection())
        mirror = await self._mirror.current(read, self.words)
        passing = mirror.filter_sets(plan.request)
        candidates = mirror.visible(plan.now_s)
        for one_filter in passing.values():
            candidates &= one_filter
        ids: Sequence[int] | None = None
        if plan.is_text:
            total = max(1, mirror.count)
            shares = {name: docs.bit_count() / total for name, docs in passing.items()}
            narrowing = narrowing_groups(plan.filters, shares, self.narrowing_cost)
            found, ids, keys = await self._ranked(
                read, plan, narrowing, mirror, candidates, after, limit + 1
            )
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
            hits=await self._hits(read, page),
            next_cursor=next_cursor,
            total=found.bit_count(),
            facets=mirror.facets(found, ids),
        )

    async def _ranked(
        self,
        read: Reader,
        plan: QueryPlan,
        narrowing: Sequence[Sequence[str]],
        mirror: DocumentMirror,
        candidates: int,
        after: RankKey | None,
        count: int,
    ) -> tuple[int, Sequence[int] | None, list[RankKey]]:
        """The documents with the words among ``candidates`` (as a set, and as
        ids when known), and the page's keys."""
        if mirror.words is not None:
            found, in_title = match_in_memory(mirror.words, plan, candidates)
            if found.bit_count() > FEW:
                tiers = title_tiers(found, in_title)
                return found, None, by_relevance_sets(tiers, mirror.lengths(), after, count)
            ids: Sequence[int] = bitsets.members(found)
            titled = [frozenset(bitsets.members(t & found)) for t in in_title]
            return found, ids, by_relevance_ids(ids, titled, mirror.length_of, after, count)
        keep = bitsets.unpack(candidates, mirror.size)
        match = await self._match(read, plan, keep, narrowing)
        size = len(keep)
        ids = match.ids
        if not match.only_candidates:
            ids = [doc_id for doc_id in ids if doc_id < size and keep[doc_id]]
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

    @staticmethod
    async def _hits(read: Reader, page: Sequence[tuple[int, float]]) -> tuple[SearchHit, ...]:
        if not page:
            return ()
        params: Params = {}
        sql = HITS + in_list("id", [doc_id for doc_id, _ in page], params)
        found = {row[0]: row for row in await read(sql, params)}
        return tuple(
            _hit(found[doc_id], relevance) for doc_id, relevance in page if doc_id in found
        )

    # -- what each engine supplies ------------------------------------------

    @abstractmethod
    async def _reader(self, conn: AsyncConnection) -> Reader:
        """How this engine's reads run on the transaction's connection."""

    @abstractmethod
    async def _match(
        self, read: Reader, plan: QueryPlan, keep: bytes, narrowing: Sequence[Sequence[str]]
    ) -> TextMatch:
        """The documents that contain the plan's words.

        Args:
            keep: One byte per document id, 1 for the candidates (the filters
                passed): the engine may use it to skip the others.
            narrowing: The tag groups of the filters that keep few documents
                (a document needs a tag of each): the engine may add them to
                its full-text query, whose index intersects them cheaply.
        """
