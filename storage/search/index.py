"""The search index behind one interface, with the parts both engines share.

:class:`SqlSearchIndex` writes documents (the same rows on both engines: the
engine keeps its own index in step, by triggers on SQLite and generated
columns on PostgreSQL) and runs a search in two statements, one for the page
and one for the total and the facet counts. Subclasses supply only the SQL
that differs: how a plan becomes a full-text match and a score.

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
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import TextClause, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.api.network import SearchKind
from protocol.errors import InvalidPayload

from ..pagination import decode_cursor, encode_cursor
from ..tables.network import SearchDoc
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
HIT_COLUMNS = (
    "d.id, d.kind, d.ref_id, d.owner_id, d.display_title, d.summary, d.school_name, "
    "d.city, d.country_code, d.school_type, d.subjects, d.languages, d.age_min, "
    "d.age_max, d.looking_for_partners, d.expires_s"
)
FACET_COLUMNS = "d.kind, d.country_code, d.school_type, d.subjects, d.languages"

Params = dict[str, Any]


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _terms(value: Any) -> tuple[str, ...]:
    """A JSON array column, whichever way the driver returned it."""
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(value)


def document_row(doc: SearchDocument, now: datetime) -> dict[str, Any]:
    """The ``network_search_docs`` row of a document: texts folded, tags derived."""
    return {
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
        "display_title": doc.title[:200],
        "school_name": doc.school_name[:200],
        "city": doc.city[:120],
        "summary": doc.summary[:SUMMARY_LEN],
        "title_text": token_text(doc.title),
        "body_text": token_text(doc.body),
        "tags_text": " ".join(document_tags(doc)),
        "updated_at": now,
    }


class SqlSearchIndex(ABC):
    """Partner search over ``network_search_docs``; one subclass per engine."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- writing ------------------------------------------------------------

    async def put(self, doc: SearchDocument, now: datetime) -> None:
        """Add a document, or replace the one with the same kind and id."""
        values = document_row(doc, now)
        doc_id = await self._session.scalar(
            select(SearchDoc.id).where(
                SearchDoc.kind == doc.kind.value, SearchDoc.ref_id == doc.ref_id
            )
        )
        if doc_id is None:
            await self._session.execute(insert(SearchDoc).values(values))
        else:
            await self._session.execute(
                update(SearchDoc).where(SearchDoc.id == doc_id).values(values)
            )

    async def remove(self, kind: SearchKind, ref_id: str) -> None:
        """Take a document out of search (nothing happens if it is not in)."""
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
        page_sql, page_params = self._page_statement(plan, after, limit + 1)
        rows = (await self._session.execute(page_sql, page_params)).all()
        hits = [self._hit(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_cursor(float(last.score), int(last.id), plan.fingerprint())
        facets, total = await self._facets(plan)
        return SearchPage(hits=tuple(hits), next_cursor=next_cursor, total=total, facets=facets)

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

    @staticmethod
    def _hit(row: Any) -> SearchHit:
        expires = row.expires_s
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
            subjects=_terms(row.subjects),
            languages=_terms(row.languages),
            age_min=row.age_min,
            age_max=row.age_max,
            looking_for_partners=bool(row.looking_for_partners),
            expires_at=None if expires is None else datetime.fromtimestamp(expires, UTC),
            relevance=-float(row.score) + 0.0,
        )

    async def _facets(self, plan: QueryPlan) -> tuple[dict[str, tuple[FacetCount, ...]], int]:
        sql, params = self._facet_statement(plan)
        counts: dict[str, list[FacetCount]] = defaultdict(list)
        for facet, value, count in (await self._session.execute(sql, params)).all():
            counts[facet].append(FacetCount(str(value), int(count)))
        facets = {
            name: tuple(sorted(counts[name], key=lambda f: (-f.count, f.value))) for name in FACETS
        }
        return facets, sum(f.count for f in facets["kind"])

    # -- SQL shared by both engines ------------------------------------------

    @staticmethod
    def _document_conditions(plan: QueryPlan, params: Params) -> list[str]:
        """Visibility and age: conditions on the document row itself."""
        params["now_s"] = plan.now_s
        conditions = ["d.owner_validated", "(d.expires_s IS NULL OR d.expires_s > :now_s)"]
        if plan.age_min is not None:
            params["age_min"] = plan.age_min
            conditions.append("d.age_max >= :age_min")
        if plan.age_max is not None:
            params["age_max"] = plan.age_max
            conditions.append("d.age_min <= :age_max")
        return conditions

    @staticmethod
    def _after_condition(score: str, after: tuple[float, int] | None, params: Params) -> list[str]:
        if after is None:
            return []
        params["after_score"], params["after_id"] = after
        return [f"({score} > :after_score OR ({score} = :after_score AND d.id < :after_id))"]

    @staticmethod
    def _facet_union(matched: str, unnest: Mapping[str, str]) -> str:
        """Counts per facet over the matched rows (a materialised CTE ``m``)."""
        single = [
            f"SELECT '{name}', m.{column}, count(*) FROM m GROUP BY m.{column}"
            for name, column in (
                ("kind", "kind"),
                ("country", "country_code"),
                ("school_type", "school_type"),
            )
        ]
        multi = [
            f"SELECT '{name}', j.value, count(*) FROM m, {expand} GROUP BY j.value"
            for name, expand in unnest.items()
        ]
        return f"WITH m AS MATERIALIZED ({matched}) " + " UNION ALL ".join(single + multi)

    @abstractmethod
    def _page_statement(
        self, plan: QueryPlan, after: tuple[float, int] | None, limit: int
    ) -> tuple[TextClause, Params]:
        """The page's rows, each with ``score`` (lower is better) and ``id``."""

    @abstractmethod
    def _facet_statement(self, plan: QueryPlan) -> tuple[TextClause, Params]:
        """Rows of (facet, value, count) over every match."""


def order_clause(score: str) -> str:
    return f"ORDER BY {score}, d.id DESC"


def joined(conditions: Sequence[str]) -> str:
    return " AND ".join(conditions) if conditions else "TRUE"
