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
from typing import Any, TypeVar, cast

from sqlalchemy import Table, func, insert, select, text

from protocol.api.accounts import AccountKind

from ..database import Database
from ..records import SchoolRecord
from ..records_network import PostRecord, ProfileRecord, TeacherCardRecord
from ..tables.accounts import School, Teacher, User
from ..tables.base import Base
from ..tables.network import PartnerPost, SearchDoc, SearchText, TeacherProfile
from .documents import SearchDocument
from .index import document_rows

BATCH_ROWS = 2000
T = TypeVar("T")


def _table(model: type[Base]) -> Table:
    """A mapped class's table, for Core multi-row inserts."""
    return cast(Table, model.__table__)


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
            _table(School),
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
            _table(User),
            (
                {
                    "id": t.user_id,
                    "kind": AccountKind.TEACHER.value,
                    "status": t.status.value,
                    "token_epoch": 0,
                    "last_login_at": t.last_login_at,
                    "created_at": self._now,
                    "updated_at": self._now,
                }
                for t in teachers
            ),
        )
        return await self._insert(
            _table(Teacher),
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
            _table(TeacherProfile),
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
            _table(PartnerPost),
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
        """Search documents and their texts; the engine indexes them as they go in.

        Ids are given here rather than returned by each insert, so that every
        batch is one multi-row statement per table.
        """
        async with self._db.transaction("bulk.documents_start") as uow:
            next_id = 1 + int(await uow.session.scalar(select(func.max(SearchDoc.id))) or 0)
        count = 0
        for batch in _batches(documents, self._batch):
            docs, texts = [], []
            for offset, doc in enumerate(batch):
                facets, text_row = document_rows(doc)
                docs.append({"id": next_id + offset, **facets})
                texts.append({"doc_id": next_id + offset, **text_row})
            async with self._db.transaction("bulk.documents") as uow:
                await uow.session.execute(insert(_table(SearchDoc)), docs)
                await uow.session.execute(insert(_table(SearchText)), texts)
            next_id += len(batch)
            count += len(batch)
        if self._db.dialect == "postgresql":
            # Ids were given explicitly: move the sequence past them.
            async with self._db.transaction("bulk.documents_sequence") as uow:
                await uow.session.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('network_search_docs', 'id'), "
                        "(SELECT max(id) FROM network_search_docs))"
                    )
                )
        return count
