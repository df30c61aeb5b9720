"""The search index behind one interface, with the parts both engines share.

:class:`SqlSearchIndex` writes documents (the same rows on both engines: the
engine keeps its own index in step, by triggers on SQLite and generated
columns on PostgreSQL) and answers a search in two statements: one finds the
page and counts the facets over one materialised set of matches, the other
reads the page's display fields. Subclasses supply the SQL that differs.

How a search is matched depends on what it asks:

- with words: the full-text index finds the documents that contain them and
  ranks them; filters are then conditions on the narrow document rows. (Put
  into the full-text query instead, broad filters such as "profiles" or
  "English" would make the ranking function read their huge posting lists.)
- filters only: the full-text index's tags find the documents; no ranking.
- nothing: every visible document, newest first.

Results are ordered by score (lower is better: FTS5's bm25 is negative,
PostgreSQL's rank is negated to match) and then by document id, newest first.
The cursor carries the last score and id and a fingerprint of the question,
so a page never repeats or skips a result while the data stand still, and a
cursor cannot be replayed against another question.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import TextClause, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.api.network import SearchKind
from protocol.errors import InvalidPayload

from ..pagination import decode_cursor, encode_cursor
from ..tables.network import SearchDoc, SearchText
from .documents import (
    FACETS,
    FacetCount,
    SearchDocument,
    SearchHit,
    SearchPage,
    SearchRequest,
    document_tags,
)
from .folding import token_text
from .plan import QueryPlan, plan_search

SUMMARY_LEN = 300
MATCH_COLUMNS = "d.id, d.kind, d.country_code, d.school_type, d.subjects, d.languages"

Params = dict[str, Any]


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _terms(value: Any) -> tuple[str, ...]:
    """A JSON array column, whichever way the driver returned it."""
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(value)


def document_rows(doc: SearchDocument) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``network_search_docs`` and ``network_search_texts`` rows of a document
    (texts folded, tags derived); the second lacks its ``doc_id``."""
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
    }
    texts = {
        "display_title": doc.title[:200],
        "school_name": doc.school_name[:200],
        "city": doc.city[:120],
        "summary": doc.summary[:SUMMARY_LEN],
        "title_text": token_text(doc.title),
        "body_text": token_text(doc.body),
        "tags_text": " ".join(document_tags(doc)),
    }
    return facets, texts


class SqlSearchIndex(ABC):
    """Partner search over ``network_search_docs``; one subclass per engine."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

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
        self,
        request: SearchRequest,
        *,
        now: datetime,
        cursor: str | None,
        limit: int,
        with_facets: bool = True,
    ) -> SearchPage:
        """One page of results, best first, with the total and facet counts.

        Args:
            with_facets: Count the total and the facets; without, ``total`` is
                0 and ``facets`` are empty (the caller has them already).

        Raises:
            InvalidPayload: A cursor we did not make, or made for another question.
        """
        plan = plan_search(request, int(now.timestamp()))
        after = self._read_cursor(cursor, plan)
        await self._prepare()
        sql, params = self._statement(plan, after, limit + 1, with_facets=with_facets)
        ranked: list[tuple[float, int]] = []
        counts: dict[str, list[FacetCount]] = defaultdict(list)
        for part, value, score, count in (await self._session.execute(sql, params)).all():
            if part == "hit":
                ranked.append((float(score), int(value)))
            else:
                counts[part].append(FacetCount(str(value), int(count)))
        ranked.sort(key=lambda hit: (hit[0], -hit[1]))
        page = ranked[:limit]
        hits = await self._hits(page)
        next_cursor = None
        if len(ranked) > limit:
            score, doc_id = page[-1]
            next_cursor = encode_cursor(score, doc_id, plan.fingerprint())
        facets = {
            name: tuple(sorted(counts[name], key=lambda f: (-f.count, f.value))) for name in FACETS
        }
        total = sum(f.count for f in facets["kind"])
        return SearchPage(hits=hits, next_cursor=next_cursor, total=total, facets=facets)

    @staticmethod
    def _read_cursor(cursor: str | None, plan: QueryPlan) -> tuple[float, int] | None:
        if cursor is None:
            return None
        score, doc_id, fingerprint = decode_cursor(cursor, 3)
        valid = (
            isinstance(score, int | float)
            and isinstance(doc_id, int)
            and fingerprint == plan.fingerprint()
        )
        if not valid:
            raise InvalidPayload("this cursor belongs to another search; start again without it")
        return float(score), doc_id

    async def _hits(self, page: Sequence[tuple[float, int]]) -> tuple[SearchHit, ...]:
        if not page:
            return ()
        query = (
            select(SearchDoc, SearchText)
            .join(SearchText, SearchText.doc_id == SearchDoc.id)
            .where(SearchDoc.id.in_([doc_id for _, doc_id in page]))
        )
        found = {doc.id: (doc, text) for doc, text in (await self._session.execute(query)).all()}
        return tuple(self._hit(*found[doc_id], score) for score, doc_id in page)

    @staticmethod
    def _hit(doc: SearchDoc, text: SearchText, score: float) -> SearchHit:
        return SearchHit(
            kind=SearchKind(doc.kind),
            ref_id=doc.ref_id,
            owner_id=doc.owner_id,
            title=text.display_title,
            summary=text.summary,
            school_name=text.school_name,
            city=text.city,
            country_code=doc.country_code,
            school_type=doc.school_type,
            subjects=_terms(doc.subjects),
            languages=_terms(doc.languages),
            age_min=doc.age_min,
            age_max=doc.age_max,
            looking_for_partners=bool(doc.looking_for_partners),
            expires_at=None
            if doc.expires_s is None
            else datetime.fromtimestamp(doc.expires_s, UTC),
            relevance=-score + 0.0,
        )

    # -- SQL shared by both engines ------------------------------------------

    @abstractmethod
    async def _prepare(self) -> None:
        """Set up the transaction for a search."""

    def _statement(
        self, plan: QueryPlan, after: tuple[float, int] | None, limit: int, *, with_facets: bool
    ) -> tuple[TextClause, Params]:
        """Rows of (part, value, score, count): ``hit`` rows (value: the document
        id) for the page, then one row per facet value with its count."""
        params: Params = {"limit": limit}
        source, conditions, score = self._match(plan, params)
        conditions += self._visibility(plan, params)
        if after is not None:
            params["after_score"], params["after_id"] = after

        def after_last(score_of: str, id_of: str) -> str:
            if after is None:
                return "TRUE"
            return (
                f"({score_of} > :after_score OR ({score_of} = :after_score "
                f"AND {id_of} < :after_id))"
            )

        if not with_facets:
            # Nothing to count: the database may stop at the page's last row.
            where = " AND ".join([*conditions, after_last(score, "d.id")])
            # Without words every score is 0: ordering by id alone lets SQLite
            # walk the primary key backwards instead of sorting every row.
            order = f"{score}, d.id DESC" if plan.is_text else "d.id DESC"
            sql = (
                f"SELECT 'hit', CAST(d.id AS TEXT), {score} AS score, 0 FROM {source} "
                f"WHERE {where} ORDER BY {order} LIMIT :limit"
            )
            return self._text(sql, params), params
        single = [
            f"SELECT '{name}', m.{column}, NULL, count(*) FROM m GROUP BY m.{column}"
            for name, column in (
                ("kind", "kind"),
                ("country", "country_code"),
                ("school_type", "school_type"),
            )
        ]
        multi = [
            f"SELECT '{name}', j.value, NULL, count(*) FROM m, {self._unnest(column)} "
            "GROUP BY j.value"
            for name, column in (("subject", "m.subjects"), ("language", "m.languages"))
        ]
        sql = (
            f"WITH m AS MATERIALIZED (SELECT {MATCH_COLUMNS}, {score} AS score "
            f"FROM {source} WHERE {' AND '.join(conditions)}) "
            "SELECT 'hit', CAST(h.id AS TEXT), h.score, 0 FROM ("
            f"SELECT m.id, m.score FROM m WHERE {after_last('m.score', 'm.id')} "
            "ORDER BY m.score, m.id DESC LIMIT :limit) AS h UNION ALL "
            + " UNION ALL ".join(single + multi)
        )
        return self._text(sql, params), params

    @staticmethod
    def _visibility(plan: QueryPlan, params: Params) -> list[str]:
        """Visible documents whose pupils' ages overlap the asked range."""
        params["now_s"] = plan.now_s
        conditions = ["d.owner_validated", "(d.expires_s IS NULL OR d.expires_s > :now_s)"]
        if plan.request.age_min is not None:
            params["age_min"] = plan.request.age_min
            conditions.append("d.age_max >= :age_min")
        if plan.request.age_max is not None:
            params["age_max"] = plan.request.age_max
            conditions.append("d.age_min <= :age_max")
        return conditions

    def _row_conditions(self, plan: QueryPlan, params: Params) -> list[str]:
        """The filters a search with words checks on each matching row."""
        request, names = plan.request, plan.row_filters
        conditions: list[str] = []
        if "kind" in names and request.kind is not None:
            params["kind"] = request.kind.value
            conditions.append("d.kind = :kind")
        if "looking" in names and request.looking_for_partners is not None:
            params["looking"] = request.looking_for_partners
            conditions.append("d.looking_for_partners = :looking")
        if "school_type" in names:
            types = [f"school_type{i}" for i in range(len(request.school_types))]
            params.update(zip(types, request.school_types, strict=True))
            conditions.append(f"d.school_type IN ({', '.join(':' + t for t in types)})")
        if "language" in names:
            conditions.append(
                self._contains_any("d.languages", "language", request.languages, params)
            )
        return conditions

    @abstractmethod
    def _match(self, plan: QueryPlan, params: Params) -> tuple[str, list[str], str]:
        """FROM clause (documents as ``d``), match conditions, score expression."""

    @abstractmethod
    def _contains_any(self, column: str, name: str, values: Sequence[str], params: Params) -> str:
        """Condition: the JSON array ``column`` holds one of ``values``."""

    @abstractmethod
    def _unnest(self, column: str) -> str:
        """A table expression ``j(value)`` of the JSON array ``column``'s elements."""

    def _text(self, sql: str, params: Params) -> TextClause:
        """The statement, with any typing of parameters the engine needs."""
        return TextClause(sql)
