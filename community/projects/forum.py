"""The project forum: discussions, their threads, and the threads' posts.

Who creates what follows the TwinSpace roles (domain notes §3.3, §7.4):
discussions are opened by teacher admins; threads by teacher admins,
teachers and pupil admins (each thread starts with its first post); every
member but guests may reply. Everyone in the space reads the forum.
"""

from __future__ import annotations

from cluster import Clock
from protocol.errors import InvalidPayload, NotFound
from protocol.ids import ProjectId, new_id
from storage import Database
from storage.records_projects import DiscussionRecord, PostRecord, ThreadRecord

from ..accounts.names import clean_display_text
from ..clock import utc_now
from ..principal import Principal
from .access import enter_space, require, require_writable
from .gate import ContentGate, SpaceContentKind, SpaceSubmission
from .roles import Action

MAX_TITLE_LEN = 200
MAX_POST_LEN = 10_000


def clean_body(body: str, *, max_len: int = MAX_POST_LEN) -> str:
    """A post's text without NULs and outer blanks.

    Raises:
        InvalidPayload: Empty or too long.
    """
    text = body.replace("\x00", "").strip()
    if not text:
        raise InvalidPayload("the text is empty", details={"field": "body"})
    if len(text) > max_len:
        raise InvalidPayload(
            f"the text must have at most {max_len} characters", details={"field": "body"}
        )
    return text


class ForumService:
    """Discussions, threads and posts; threads and replies cross the content gate."""

    def __init__(self, *, db: Database, clock: Clock, gate: ContentGate) -> None:
        self._db = db
        self._clock = clock
        self._gate = gate

    async def list_discussions(
        self, actor: Principal, project_id: ProjectId
    ) -> list[DiscussionRecord]:
        """Raises: NotFound: not a member."""
        async with self._db.transaction("forum.list_discussions") as uow:
            await enter_space(uow, project_id, actor)
            return await uow.spaces.list_discussions(project_id)

    async def create_discussion(
        self, actor: Principal, project_id: ProjectId, title: str
    ) -> DiscussionRecord:
        """Raises: NotFound, Forbidden (not a teacher admin), SpaceReadOnly, InvalidPayload."""
        clean = clean_display_text(title, field="title", max_len=MAX_TITLE_LEN)
        now = utc_now(self._clock)
        async with self._db.transaction("forum.create_discussion") as uow:
            seat = await enter_space(uow, project_id, actor)
            require(seat, Action.CREATE_DISCUSSION)
            require_writable(seat)
            return await uow.spaces.add_discussion(
                discussion_id=new_id(),
                project_id=project_id,
                title=clean,
                author_id=actor.user_id,
                now=now,
            )

    async def list_threads(
        self, actor: Principal, project_id: ProjectId, discussion_id: str
    ) -> list[ThreadRecord]:
        """Raises: NotFound: not a member, or no such discussion in this project."""
        async with self._db.transaction("forum.list_threads") as uow:
            await enter_space(uow, project_id, actor)
            if await uow.spaces.find_discussion(project_id, discussion_id) is None:
                raise NotFound("no such discussion")
            return await uow.spaces.list_threads(project_id, discussion_id)

    async def create_thread(
        self, actor: Principal, project_id: ProjectId, discussion_id: str, *, title: str, body: str
    ) -> ThreadRecord:
        """A thread and its first post.

        Raises:
            NotFound: Not a member, or no such discussion in this project.
            Forbidden: The role may not open threads.
            SpaceReadOnly: Closed or archived.
            InvalidPayload: Empty title or text.
        """
        clean_title = clean_display_text(title, field="title", max_len=MAX_TITLE_LEN)
        text = clean_body(body)
        now = utc_now(self._clock)
        async with self._db.transaction("forum.create_thread") as uow:
            seat = await enter_space(uow, project_id, actor)
            if await uow.spaces.find_discussion(project_id, discussion_id) is None:
                raise NotFound("no such discussion")
            require(seat, Action.CREATE_THREAD)
            require_writable(seat)
            await self._gate.screen(
                SpaceSubmission(
                    author=actor,
                    project_id=project_id,
                    role=seat.member.role,
                    kind=SpaceContentKind.FORUM_THREAD,
                    title=clean_title,
                    body=text,
                    target_id=discussion_id,
                )
            )
            thread = await uow.spaces.add_thread(
                thread_id=new_id(),
                project_id=project_id,
                discussion_id=discussion_id,
                title=clean_title,
                author_id=actor.user_id,
                now=now,
            )
            await uow.spaces.add_post(
                post_id=new_id(),
                project_id=project_id,
                thread_id=thread.id,
                author_id=actor.user_id,
                body=text,
                now=now,
            )
        return thread

    async def list_posts(
        self, actor: Principal, project_id: ProjectId, thread_id: str
    ) -> list[PostRecord]:
        """Oldest first. Raises: NotFound: not a member, or no such thread here."""
        async with self._db.transaction("forum.list_posts") as uow:
            await enter_space(uow, project_id, actor)
            if await uow.spaces.find_thread(project_id, thread_id) is None:
                raise NotFound("no such thread")
            return await uow.spaces.list_posts(project_id, thread_id)

    async def reply(
        self, actor: Principal, project_id: ProjectId, thread_id: str, body: str
    ) -> PostRecord:
        """Raises: NotFound, Forbidden (guests), SpaceReadOnly, InvalidPayload."""
        text = clean_body(body)
        now = utc_now(self._clock)
        async with self._db.transaction("forum.reply") as uow:
            seat = await enter_space(uow, project_id, actor)
            if await uow.spaces.find_thread(project_id, thread_id) is None:
                raise NotFound("no such thread")
            require(seat, Action.POST_IN_FORUM)
            require_writable(seat)
            await self._gate.screen(
                SpaceSubmission(
                    author=actor,
                    project_id=project_id,
                    role=seat.member.role,
                    kind=SpaceContentKind.FORUM_REPLY,
                    body=text,
                    target_id=thread_id,
                )
            )
            return await uow.spaces.add_post(
                post_id=new_id(),
                project_id=project_id,
                thread_id=thread_id,
                author_id=actor.user_id,
                body=text,
                now=now,
            )
