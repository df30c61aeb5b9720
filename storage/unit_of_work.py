"""One transaction's worth of repositories.

The domain opens a unit of work with ``async with db.transaction(name) as uow``
and reaches every table through ``uow.<area>``; everything it does inside the
block commits or rolls back together.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from .repositories.accounts import SqlAccountRepo
from .repositories.audit import SqlAuditRepo
from .repositories.moderation import SqlModerationRepo
from .repositories.network import SqlContactRepo, SqlPostRepo, SqlProfileRepo
from .repositories.projects import SqlProjectRepo
from .repositories.projects_calendar import SqlSchoolCalendarRepo
from .repositories.projects_content import SqlSpaceContentRepo
from .repositories.rooms import SqlRoomRepo
from .repositories.schools import SqlSchoolRepo
from .repositories.tokens import SqlTokenRepo
from .search import MirrorSync, SqlSearchIndex, search_index


class UnitOfWork:
    """Repositories sharing one session and one transaction.

    Args:
        search_mirror: The node's copy of the search documents (see
            ``storage.search.mirror``), which outlives transactions.
    """

    def __init__(
        self,
        session: AsyncSession,
        dialect: Literal["sqlite", "postgresql"],
        search_mirror: MirrorSync,
    ) -> None:
        self.session = session
        self.dialect = dialect
        self._search_mirror = search_mirror

    @cached_property
    def schools(self) -> SqlSchoolRepo:

        return SqlSchoolRepo(self.session)

    @cached_property
    def accounts(self) -> SqlAccountRepo:

        return SqlAccountRepo(self.session)

    @cached_property
    def tokens(self) -> SqlTokenRepo:

        return SqlTokenRepo(self.session)

    @cached_property
    def audit(self) -> SqlAuditRepo:

        return SqlAuditRepo(self.session)

    @cached_property
    def projects(self) -> SqlProjectRepo:
        return SqlProjectRepo(self.session)

    @cached_property
    def spaces(self) -> SqlSpaceContentRepo:
        return SqlSpaceContentRepo(self.session)

    @cached_property
    def school_calendars(self) -> SqlSchoolCalendarRepo:
        return SqlSchoolCalendarRepo(self.session)

    @cached_property
    def profiles(self) -> SqlProfileRepo:
        return SqlProfileRepo(self.session)

    @cached_property
    def contacts(self) -> SqlContactRepo:
        return SqlContactRepo(self.session)

    @cached_property
    def posts(self) -> SqlPostRepo:
        return SqlPostRepo(self.session)

    @cached_property
    def search(self) -> SqlSearchIndex:
        """Partner search: FTS5 on SQLite, tsvector on PostgreSQL."""
        return search_index(self.session, self.dialect, self._search_mirror)

    @cached_property
    def rooms(self) -> SqlRoomRepo:
        return SqlRoomRepo(self.session)

    @cached_property
    def moderation(self) -> SqlModerationRepo:
        """Chat messages, reports, held space content, chat settings, retention."""
        return SqlModerationRepo(self.session)
