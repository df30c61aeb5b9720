"""The content of project spaces: pages, materials, forum, bulletin and meetings.

Every read by id also filters by project: an id of another project's content
is found exactly as often as a made-up one, never.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.api.projects import ProjectStatus
from protocol.api.spaces import MeetingAudience, PageEditScope, PageState, PageViewScope
from protocol.ids import ProjectId, RoomId, UserId

from ..pagination import cursor_datetime, decode_cursor, encode_cursor
from ..records import Slice
from ..records_projects import (
    BulletinRecord,
    DiscussionRecord,
    FolderRecord,
    MaterialRecord,
    MeetingRecord,
    PageRecord,
    PostRecord,
    ThreadRecord,
)
from ..tables.projects import (
    BulletinPost,
    ForumDiscussion,
    ForumPost,
    ForumThread,
    Material,
    MaterialFolder,
    Meeting,
    MeetingInvitee,
    Project,
    SpacePage,
)
from .projects import load_authors


class SqlSpaceContentRepo:
    """Pages, folders and materials, forum, bulletin and meetings of spaces."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- pages ------------------------------------------------------------

    async def add_page(
        self,
        *,
        page_id: str,
        project_id: ProjectId,
        title: str,
        body: str,
        view_scope: PageViewScope,
        edit_scope: PageEditScope,
        state: PageState,
        author_id: UserId,
        now: datetime,
    ) -> PageRecord:
        last = await self._session.scalar(
            select(func.max(SpacePage.position)).where(SpacePage.project_id == project_id)
        )
        self._session.add(
            SpacePage(
                id=page_id,
                project_id=project_id,
                title=title,
                body=body,
                view_scope=view_scope.value,
                edit_scope=edit_scope.value,
                state=state.value,
                position=(last or 0) + 1,
                created_by=author_id,
                updated_by=author_id,
                created_at=now,
                updated_at=now,
            )
        )
        await self._session.flush()
        page = await self.find_page(project_id, page_id)
        assert page is not None
        return page

    async def _pages(self, rows: Sequence[SpacePage]) -> list[PageRecord]:
        authors = await load_authors(
            self._session, [r.created_by for r in rows] + [r.updated_by for r in rows]
        )
        return [
            PageRecord(
                id=r.id,
                project_id=ProjectId(r.project_id),
                title=r.title,
                body=r.body,
                view_scope=PageViewScope(r.view_scope),
                edit_scope=PageEditScope(r.edit_scope),
                state=PageState(r.state),
                position=r.position,
                created_by=authors[r.created_by],
                updated_by=authors[r.updated_by],
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
            for r in rows
        ]

    async def find_page(self, project_id: ProjectId, page_id: str) -> PageRecord | None:
        row = await self._session.scalar(
            select(SpacePage).where(SpacePage.id == page_id, SpacePage.project_id == project_id)
        )
        return None if row is None else (await self._pages([row]))[0]

    async def list_pages(self, project_id: ProjectId) -> list[PageRecord]:
        rows = (
            await self._session.scalars(
                select(SpacePage)
                .where(SpacePage.project_id == project_id)
                .order_by(SpacePage.position, SpacePage.id)
            )
        ).all()
        return await self._pages(rows)

    async def update_page(
        self,
        project_id: ProjectId,
        page_id: str,
        *,
        title: str,
        body: str,
        view_scope: PageViewScope,
        edit_scope: PageEditScope,
        state: PageState,
        editor_id: UserId,
        now: datetime,
    ) -> None:
        await self._session.execute(
            update(SpacePage)
            .where(SpacePage.id == page_id, SpacePage.project_id == project_id)
            .values(
                title=title,
                body=body,
                view_scope=view_scope.value,
                edit_scope=edit_scope.value,
                state=state.value,
                updated_by=editor_id,
                updated_at=now,
            )
        )

    async def delete_page(self, project_id: ProjectId, page_id: str) -> None:
        await self._session.execute(
            delete(SpacePage).where(SpacePage.id == page_id, SpacePage.project_id == project_id)
        )

    # -- folders and materials -------------------------------------------

    async def add_folder(
        self, *, folder_id: str, project_id: ProjectId, title: str, author_id: UserId, now: datetime
    ) -> FolderRecord:
        row = MaterialFolder(
            id=folder_id, project_id=project_id, title=title, created_by=author_id, created_at=now
        )
        self._session.add(row)
        await self._session.flush()
        return self._folder(row)

    @staticmethod
    def _folder(row: MaterialFolder) -> FolderRecord:
        return FolderRecord(
            id=row.id,
            project_id=ProjectId(row.project_id),
            title=row.title,
            created_by=UserId(row.created_by),
            created_at=row.created_at,
        )

    async def find_folder(self, project_id: ProjectId, folder_id: str) -> FolderRecord | None:
        row = await self._session.scalar(
            select(MaterialFolder).where(
                MaterialFolder.id == folder_id, MaterialFolder.project_id == project_id
            )
        )
        return None if row is None else self._folder(row)

    async def list_folders(self, project_id: ProjectId) -> list[FolderRecord]:
        rows = (
            await self._session.scalars(
                select(MaterialFolder)
                .where(MaterialFolder.project_id == project_id)
                .order_by(MaterialFolder.created_at, MaterialFolder.id)
            )
        ).all()
        return [self._folder(r) for r in rows]

    async def add_material(
        self,
        *,
        material_id: str,
        project_id: ProjectId,
        folder_id: str,
        title: str,
        file_name: str,
        content_type: str,
        size_bytes: int,
        blob_key: str,
        author_id: UserId,
        now: datetime,
    ) -> MaterialRecord:
        self._session.add(
            Material(
                id=material_id,
                project_id=project_id,
                folder_id=folder_id,
                title=title,
                file_name=file_name,
                content_type=content_type,
                size_bytes=size_bytes,
                blob_key=blob_key,
                uploaded_by=author_id,
                created_at=now,
            )
        )
        await self._session.flush()
        found = await self.find_material(project_id, material_id)
        assert found is not None
        return found

    async def _materials(self, rows: Sequence[Material]) -> list[MaterialRecord]:
        authors = await load_authors(self._session, [r.uploaded_by for r in rows])
        return [
            MaterialRecord(
                id=r.id,
                project_id=ProjectId(r.project_id),
                folder_id=r.folder_id,
                title=r.title,
                file_name=r.file_name,
                content_type=r.content_type,
                size_bytes=r.size_bytes,
                blob_key=r.blob_key,
                uploaded_by=authors[r.uploaded_by],
                created_at=r.created_at,
            )
            for r in rows
        ]

    async def find_material(self, project_id: ProjectId, material_id: str) -> MaterialRecord | None:
        row = await self._session.scalar(
            select(Material).where(Material.id == material_id, Material.project_id == project_id)
        )
        return None if row is None else (await self._materials([row]))[0]

    async def list_materials(
        self, project_id: ProjectId, *, folder_id: str | None, cursor: str | None, limit: int
    ) -> Slice[MaterialRecord]:
        """Newest first."""
        query = select(Material).where(Material.project_id == project_id)
        if folder_id is not None:
            query = query.where(Material.folder_id == folder_id)
        if cursor is not None:
            created, last_id = decode_cursor(cursor, 2, kinds=(str, str))
            created_at = cursor_datetime(created)
            query = query.where(
                (Material.created_at < created_at)
                | ((Material.created_at == created_at) & (Material.id < last_id))
            )
        order = (Material.created_at.desc(), Material.id.desc())
        rows = (await self._session.scalars(query.order_by(*order).limit(limit + 1))).all()
        page = await self._materials(rows[:limit])
        next_cursor = (
            encode_cursor(page[-1].created_at.isoformat(), page[-1].id)
            if len(rows) > limit
            else None
        )
        return Slice(tuple(page), next_cursor)

    async def delete_material(self, project_id: ProjectId, material_id: str) -> None:
        await self._session.execute(
            delete(Material).where(Material.id == material_id, Material.project_id == project_id)
        )

    # -- forum ------------------------------------------------------------

    async def add_discussion(
        self,
        *,
        discussion_id: str,
        project_id: ProjectId,
        title: str,
        author_id: UserId,
        now: datetime,
    ) -> DiscussionRecord:
        self._session.add(
            ForumDiscussion(
                id=discussion_id,
                project_id=project_id,
                title=title,
                created_by=author_id,
                created_at=now,
            )
        )
        await self._session.flush()
        found = await self.find_discussion(project_id, discussion_id)
        assert found is not None
        return found

    async def _discussions(self, rows: Sequence[ForumDiscussion]) -> list[DiscussionRecord]:
        authors = await load_authors(self._session, [r.created_by for r in rows])
        return [
            DiscussionRecord(
                id=r.id,
                project_id=ProjectId(r.project_id),
                title=r.title,
                created_by=authors[r.created_by],
                created_at=r.created_at,
            )
            for r in rows
        ]

    async def find_discussion(
        self, project_id: ProjectId, discussion_id: str
    ) -> DiscussionRecord | None:
        row = await self._session.scalar(
            select(ForumDiscussion).where(
                ForumDiscussion.id == discussion_id, ForumDiscussion.project_id == project_id
            )
        )
        return None if row is None else (await self._discussions([row]))[0]

    async def list_discussions(self, project_id: ProjectId) -> list[DiscussionRecord]:
        rows = (
            await self._session.scalars(
                select(ForumDiscussion)
                .where(ForumDiscussion.project_id == project_id)
                .order_by(ForumDiscussion.created_at, ForumDiscussion.id)
            )
        ).all()
        return await self._discussions(rows)

    async def add_thread(
        self,
        *,
        thread_id: str,
        project_id: ProjectId,
        discussion_id: str,
        title: str,
        author_id: UserId,
        now: datetime,
    ) -> ThreadRecord:
        self._session.add(
            ForumThread(
                id=thread_id,
                project_id=project_id,
                discussion_id=discussion_id,
                title=title,
                created_by=author_id,
                created_at=now,
            )
        )
        await self._session.flush()
        found = await self.find_thread(project_id, thread_id)
        assert found is not None
        return found

    async def _threads(self, rows: Sequence[ForumThread]) -> list[ThreadRecord]:
        authors = await load_authors(self._session, [r.created_by for r in rows])
        return [
            ThreadRecord(
                id=r.id,
                project_id=ProjectId(r.project_id),
                discussion_id=r.discussion_id,
                title=r.title,
                created_by=authors[r.created_by],
                created_at=r.created_at,
            )
            for r in rows
        ]

    async def find_thread(self, project_id: ProjectId, thread_id: str) -> ThreadRecord | None:
        row = await self._session.scalar(
            select(ForumThread).where(
                ForumThread.id == thread_id, ForumThread.project_id == project_id
            )
        )
        return None if row is None else (await self._threads([row]))[0]

    async def list_threads(self, project_id: ProjectId, discussion_id: str) -> list[ThreadRecord]:
        rows = (
            await self._session.scalars(
                select(ForumThread)
                .where(
                    ForumThread.project_id == project_id,
                    ForumThread.discussion_id == discussion_id,
                )
                .order_by(ForumThread.created_at, ForumThread.id)
            )
        ).all()
        return await self._threads(rows)

    async def add_post(
        self,
        *,
        post_id: str,
        project_id: ProjectId,
        thread_id: str,
        author_id: UserId,
        body: str,
        now: datetime,
    ) -> PostRecord:
        self._session.add(
            ForumPost(
                id=post_id,
                project_id=project_id,
                thread_id=thread_id,
                author_id=author_id,
                body=body,
                created_at=now,
            )
        )
        await self._session.flush()
        authors = await load_authors(self._session, [author_id])
        return PostRecord(
            id=post_id,
            project_id=project_id,
            thread_id=thread_id,
            author=authors[author_id],
            body=body,
            created_at=now,
        )

    async def list_posts(self, project_id: ProjectId, thread_id: str) -> list[PostRecord]:
        rows = (
            await self._session.scalars(
                select(ForumPost)
                .where(ForumPost.project_id == project_id, ForumPost.thread_id == thread_id)
                .order_by(ForumPost.created_at, ForumPost.id)
            )
        ).all()
        authors = await load_authors(self._session, [r.author_id for r in rows])
        return [
            PostRecord(
                id=r.id,
                project_id=ProjectId(r.project_id),
                thread_id=r.thread_id,
                author=authors[r.author_id],
                body=r.body,
                created_at=r.created_at,
            )
            for r in rows
        ]

    # -- bulletin ---------------------------------------------------------

    async def add_bulletin_post(
        self, *, post_id: str, project_id: ProjectId, author_id: UserId, body: str, now: datetime
    ) -> BulletinRecord:
        self._session.add(
            BulletinPost(
                id=post_id, project_id=project_id, author_id=author_id, body=body, created_at=now
            )
        )
        await self._session.flush()
        authors = await load_authors(self._session, [author_id])
        return BulletinRecord(
            id=post_id, project_id=project_id, author=authors[author_id], body=body, created_at=now
        )

    async def list_bulletin(self, project_id: ProjectId, *, limit: int) -> list[BulletinRecord]:
        """Newest first."""
        rows = (
            await self._session.scalars(
                select(BulletinPost)
                .where(BulletinPost.project_id == project_id)
                .order_by(BulletinPost.created_at.desc(), BulletinPost.id.desc())
                .limit(limit)
            )
        ).all()
        authors = await load_authors(self._session, [r.author_id for r in rows])
        return [
            BulletinRecord(
                id=r.id,
                project_id=ProjectId(r.project_id),
                author=authors[r.author_id],
                body=r.body,
                created_at=r.created_at,
            )
            for r in rows
        ]

    # -- meetings ---------------------------------------------------------

    async def add_meeting(
        self,
        *,
        meeting_id: str,
        project_id: ProjectId,
        room_id: RoomId,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        audience: MeetingAudience,
        invited_user_ids: Sequence[UserId],
        author_id: UserId,
        now: datetime,
    ) -> MeetingRecord:
        self._session.add(
            Meeting(
                id=meeting_id,
                project_id=project_id,
                room_id=room_id,
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                audience=audience.value,
                created_by=author_id,
                created_at=now,
            )
        )
        await self._session.flush()
        for user_id in sorted(set(invited_user_ids)):
            self._session.add(MeetingInvitee(meeting_id=meeting_id, user_id=user_id))
        await self._session.flush()
        found = await self.find_meeting(project_id, meeting_id)
        assert found is not None
        return found

    async def _meetings(self, rows: Sequence[tuple[Meeting, str]]) -> list[MeetingRecord]:
        ids = [m.id for m, _ in rows]
        invited: dict[str, list[UserId]] = {i: [] for i in ids}
        if ids:
            pairs = await self._session.execute(
                select(MeetingInvitee.meeting_id, MeetingInvitee.user_id)
                .where(MeetingInvitee.meeting_id.in_(ids))
                .order_by(MeetingInvitee.user_id)
            )
            for meeting_id, user_id in pairs.all():
                invited[meeting_id].append(UserId(user_id))
        return [
            MeetingRecord(
                id=m.id,
                project_id=ProjectId(m.project_id),
                room_id=RoomId(m.room_id),
                title=m.title,
                starts_at=m.starts_at,
                ends_at=m.ends_at,
                audience=MeetingAudience(m.audience),
                invited_user_ids=tuple(invited[m.id]),
                created_by=UserId(m.created_by),
                created_at=m.created_at,
                project_status=ProjectStatus(status),
            )
            for m, status in rows
        ]

    def _meeting_query(self) -> Select[Meeting, str]:
        return select(Meeting, Project.status).join(Project, Project.id == Meeting.project_id)

    async def find_meeting(self, project_id: ProjectId, meeting_id: str) -> MeetingRecord | None:
        query = self._meeting_query().where(
            Meeting.id == meeting_id, Meeting.project_id == project_id
        )
        rows = (await self._session.execute(query)).all()
        return (await self._meetings(rows))[0] if rows else None

    async def find_meeting_by_room(self, room_id: RoomId) -> MeetingRecord | None:
        query = self._meeting_query().where(Meeting.room_id == room_id)
        rows = (await self._session.execute(query)).all()
        return (await self._meetings(rows))[0] if rows else None

    async def list_meetings(self, project_id: ProjectId) -> list[MeetingRecord]:
        """By start time."""
        query = (
            self._meeting_query()
            .where(Meeting.project_id == project_id)
            .order_by(Meeting.starts_at, Meeting.id)
        )
        rows = (await self._session.execute(query)).all()
        return await self._meetings(rows)
