"""Pages of a project space, and the public view of a project.

A page has a view scope (public, members, teachers), an edit scope (admins,
teachers, teachers and pupils) and a state: a draft is seen only by those
who may edit it. A page the caller may not see is answered exactly like a
missing one. Only teachers give a page the public scope (teachers decide
what the project shows on the web), and the public views label pupils as
"a pupil" rather than with their pseudonym; teachers are shown by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from cluster import Clock
from protocol.api.spaces import PageEditScope, PageState, PageViewScope
from protocol.errors import Forbidden, InvalidPayload, NotFound
from protocol.ids import ProjectId, new_id
from storage import Database
from storage.records_projects import PageRecord, ProjectRecord

from ..accounts.names import clean_display_text
from ..clock import utc_now
from ..principal import Principal
from .access import Seat, enter_space, require, require_writable
from .gate import ContentGate, SpaceContentKind, SpaceSubmission
from .roles import PUPIL_ROLES, SPACE_STATUSES, Action, may, may_edit_page, may_view_page

MAX_TITLE_LEN = 200
MAX_BODY_LEN = 50_000


@dataclass(frozen=True, slots=True)
class PageDraft:
    """A page's editable fields."""

    title: str
    body: str
    view_scope: PageViewScope
    edit_scope: PageEditScope
    state: PageState


@dataclass(frozen=True, slots=True)
class PublicProject:
    project: ProjectRecord
    pages: tuple[PageRecord, ...]


def _no_page() -> NotFound:
    return NotFound("no such page")


def _visible(seat: Seat, page: PageRecord) -> bool:
    return may_view_page(
        seat.member.role, view_scope=page.view_scope, edit_scope=page.edit_scope, state=page.state
    )


def _check_draft(seat: Seat, draft: PageDraft) -> PageDraft:
    if not may_edit_page(seat.member.role, draft.edit_scope):
        raise Forbidden(
            "choose an edit scope that includes your own role", details={"field": "edit_scope"}
        )
    if draft.view_scope is PageViewScope.PUBLIC and not may(
        seat.member.role, Action.PUBLISH_PUBLICLY
    ):
        raise Forbidden("only teachers make a page public", details={"field": "view_scope"})
    if len(draft.body) > MAX_BODY_LEN:
        raise InvalidPayload("the page is too long", details={"field": "body"})
    return PageDraft(
        title=clean_display_text(draft.title, field="title", max_len=MAX_TITLE_LEN),
        body=draft.body.replace("\x00", ""),
        view_scope=draft.view_scope,
        edit_scope=draft.edit_scope,
        state=draft.state,
    )


class PageService:
    """Creates, reads, edits and deletes pages; serves public pages. Pupils' pages
    cross the content gate."""

    def __init__(self, *, db: Database, clock: Clock, gate: ContentGate) -> None:
        self._db = db
        self._clock = clock
        self._gate = gate

    async def _screen(
        self,
        actor: Principal,
        seat: Seat,
        project_id: ProjectId,
        draft: PageDraft,
        page_id: str | None,
    ) -> None:
        if seat.member.role not in PUPIL_ROLES:
            return
        await self._gate.screen(
            SpaceSubmission(
                author=actor,
                project_id=project_id,
                role=seat.member.role,
                kind=SpaceContentKind.PAGE,
                title=draft.title,
                body=draft.body,
                target_id=page_id,
                extra={
                    "view_scope": draft.view_scope.value,
                    "edit_scope": draft.edit_scope.value,
                    "state": draft.state.value,
                },
            )
        )

    async def list_pages(self, actor: Principal, project_id: ProjectId) -> list[PageRecord]:
        """The pages the caller may see, in order.

        Raises:
            NotFound: Not a member.
        """
        async with self._db.transaction("spaces.list_pages") as uow:
            seat = await enter_space(uow, project_id, actor)
            pages = await uow.spaces.list_pages(project_id)
        return [p for p in pages if _visible(seat, p)]

    async def get_page(self, actor: Principal, project_id: ProjectId, page_id: str) -> PageRecord:
        """Raises: NotFound: not a member, no such page, or not visible to the caller."""
        async with self._db.transaction("spaces.get_page") as uow:
            seat = await enter_space(uow, project_id, actor)
            page = await uow.spaces.find_page(project_id, page_id)
        if page is None or not _visible(seat, page):
            raise _no_page()
        return page

    async def create_page(
        self, actor: Principal, project_id: ProjectId, draft: PageDraft
    ) -> PageRecord:
        """Raises:
        NotFound: Not a member.
        Forbidden: The role may not create pages, or not with these scopes.
        SpaceReadOnly: Closed or archived.
        InvalidPayload: Empty title.
        """
        now = utc_now(self._clock)
        async with self._db.transaction("spaces.create_page") as uow:
            seat = await enter_space(uow, project_id, actor)
            require(seat, Action.CREATE_PAGE)
            require_writable(seat)
            clean = _check_draft(seat, draft)
            await self._screen(actor, seat, project_id, clean, None)
            return await uow.spaces.add_page(
                page_id=new_id(),
                project_id=project_id,
                title=clean.title,
                body=clean.body,
                view_scope=clean.view_scope,
                edit_scope=clean.edit_scope,
                state=clean.state,
                author_id=actor.user_id,
                now=now,
            )

    async def update_page(
        self, actor: Principal, project_id: ProjectId, page_id: str, draft: PageDraft
    ) -> PageRecord:
        """Replace a page's fields (the caller merges partial edits).

        Raises:
            NotFound: Not a member, or no such page visible to the caller.
            Forbidden: Not an editor of this page, or scopes the caller may not set.
            SpaceReadOnly: Closed or archived.
        """
        now = utc_now(self._clock)
        async with self._db.transaction("spaces.update_page") as uow:
            seat = await enter_space(uow, project_id, actor)
            page = await uow.spaces.find_page(project_id, page_id)
            if page is None or not _visible(seat, page):
                raise _no_page()
            if not may_edit_page(seat.member.role, page.edit_scope):
                raise Forbidden("you may not edit this page")
            require_writable(seat)
            clean = _check_draft(seat, draft)
            await self._screen(actor, seat, project_id, clean, page_id)
            await uow.spaces.update_page(
                project_id,
                page_id,
                title=clean.title,
                body=clean.body,
                view_scope=clean.view_scope,
                edit_scope=clean.edit_scope,
                state=clean.state,
                editor_id=actor.user_id,
                now=now,
            )
            updated = await uow.spaces.find_page(project_id, page_id)
        assert updated is not None
        return updated

    async def delete_page(self, actor: Principal, project_id: ProjectId, page_id: str) -> None:
        """Its author or a teacher admin deletes a page.

        Raises:
            NotFound: Not a member, or no such page visible to the caller.
            Forbidden: Neither the author nor a teacher admin.
            SpaceReadOnly: Closed or archived.
        """
        async with self._db.transaction("spaces.delete_page") as uow:
            seat = await enter_space(uow, project_id, actor)
            page = await uow.spaces.find_page(project_id, page_id)
            if page is None or not _visible(seat, page):
                raise _no_page()
            if page.created_by.user_id != actor.user_id:
                require(seat, Action.MANAGE_CONTENT)
            require_writable(seat)
            await uow.spaces.delete_page(project_id, page_id)

    async def public_project(self, project_id: ProjectId) -> PublicProject:
        """The public cover of a project that has a space, and its public pages.

        Raises:
            NotFound: No such project, or it has no space (pending, declined, rejected).
        """
        async with self._db.transaction("spaces.public_project") as uow:
            project = await uow.projects.find_project(project_id)
            if project is None or project.status not in SPACE_STATUSES:
                raise NotFound("no such project")
            pages = await uow.spaces.list_pages(project_id)
        public = tuple(p for p in pages if _is_public(p))
        return PublicProject(project, public)

    async def public_page(self, project_id: ProjectId, page_id: str) -> PageRecord:
        """Raises: NotFound: no such project or page, or the page is not public."""
        async with self._db.transaction("spaces.public_page") as uow:
            project = await uow.projects.find_project(project_id)
            page = await uow.spaces.find_page(project_id, page_id)
        if (
            project is None
            or project.status not in SPACE_STATUSES
            or page is None
            or not _is_public(page)
        ):
            raise _no_page()
        return page


def _is_public(page: PageRecord) -> bool:
    return page.view_scope is PageViewScope.PUBLIC and page.state is PageState.PUBLISHED
