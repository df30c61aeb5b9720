"""Loading a whole network at once: schools, teachers, profiles, posts, documents.

For benchmarks and imports only: rows go in with multi-row ``INSERT``s in
large batches, bypassing the domain's checks (the caller vouches for the
data) but writing exactly the rows the repositories write, so the search
that runs afterwards is the production query path. No credentials are
written: teachers loaded this way cannot sign in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Table, insert

from protocol.api.accounts import AccountKind

from ..database import Database
from ..records import SchoolRecord
from ..records_network import PostRecord, ProfileRecord, TeacherCardRecord
from ..tables.accounts import School, Teacher, User
from ..tables.network import PartnerPost, SearchDoc, SearchText, TeacherProfile
from .documents import SearchDocument
from .index import document_rows

BATCH_ROWS = 2000
T = TypeVar("T")


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class BulkLoader:
    """Inserts many rows per statement, one transaction per batch.

    Args:
        db: The database to fill (already migrated).
        now: The time written as creation and update time.
    """

    def __init__(self, db: Database, now: datetime, *, batch_rows: int = BATCH_ROWS) -> None:
        self._db = db
        self._now = now
        self._batch = batch_rows

    async def _insert(self, table: Table, rows: Iterable[dict[str, Any]]) -> int:
        count = 0
        for batch in _batches(rows, self._batch):
            async with self._db.transaction("bulk.insert") as uow:
                await uow.session.execute(insert(table), batch)
            count += len(batch)
        return count

    async def add_schools(self, schools: Iterable[SchoolRecord]) -> int:
        return await self._insert(
            School.__table__,  # type: ignore[arg-type]
            (
                {
                    "id": s.id,
                    "name": s.name,
                    "country_code": s.country_code,
                    "city": s.city,
                    "school_type": s.school_type,
                    "age_min": s.age_min,
                    "age_max": s.age_max,
                    "languages": list(s.languages),
                    "created_at": self._now,
                }
                for s in schools
            ),
        )

    async def add_teachers(self, teachers: Sequence[TeacherCardRecord]) -> int:
        """Teachers' accounts (no credentials) in their schools, with their status."""
        await self._insert(
            User.__table__,  # type: ignore[arg-type]
            (
                {
                    "id": t.user_id,
                    "kind": AccountKind.TEACHER.value,
                    "status": t.status.value,
                    "token_epoch": 0,
                    "created_at": self._now,
                    "updated_at": self._now,
                }
                for t in teachers
            ),
        )
        return await self._insert(
            Teacher.__table__,  # type: ignore[arg-type]
            (
                {
                    "user_id": t.user_id,
                    "full_name": t.full_name,
                    "school_id": t.school_id,
                    "role_at_school": "teacher",
                    "is_school_admin": False,
                }
                for t in teachers
            ),
        )

    async def add_profiles(self, profiles: Iterable[ProfileRecord]) -> int:
        return await self._insert(
            TeacherProfile.__table__,  # type: ignore[arg-type]
            (
                {
                    "user_id": p.user_id,
                    "bio": p.fields.bio,
                    "subjects": list(p.fields.subjects),
                    "languages": list(p.fields.languages),
                    "interests": list(p.fields.interests),
                    "age_min": p.fields.age_min,
                    "age_max": p.fields.age_max,
                    "looking_for_partners": p.fields.looking_for_partners,
                    "updated_at": p.updated_at,
                }
                for p in profiles
            ),
        )

    async def add_posts(self, posts: Iterable[PostRecord]) -> int:
        return await self._insert(
            PartnerPost.__table__,  # type: ignore[arg-type]
            (
                {
                    "id": p.id,
                    "author_id": p.author_id,
                    "title": p.fields.title,
                    "description": p.fields.description,
                    "subjects": list(p.fields.subjects),
                    "languages": list(p.fields.languages),
                    "wanted_countries": list(p.fields.wanted_countries),
                    "age_min": p.fields.age_min,
                    "age_max": p.fields.age_max,
                    "status": p.status.value,
                    "created_at": p.created_at,
                    "updated_at": p.updated_at,
                    "expires_at": p.expires_at,
                    "closed_at": p.closed_at,
                }
                for p in posts
            ),
        )

    async def add_documents(self, documents: Iterable[SearchDocument]) -> int:
        """Search documents and their texts; the engine indexes them as they go in."""
        count = 0
        for batch in _batches(documents, self._batch):
            rows = [document_rows(d) for d in batch]
            async with self._db.transaction("bulk.documents") as uow:
                ids = await uow.session.scalars(
                    insert(SearchDoc).returning(SearchDoc.id, sort_by_parameter_order=True),
                    [facets for facets, _ in rows],
                )
                await uow.session.execute(
                    insert(SearchText),
                    [
                        {"doc_id": doc_id, **texts}
                        for doc_id, (_, texts) in zip(ids.all(), rows, strict=True)
                    ],
                )
            count += len(batch)
        return count
