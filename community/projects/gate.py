"""The gate in front of what members write in a project's space, as a port.

The project forum and pupils' pages cross the same moderation pipeline as
the live rooms' chat. Community cannot import moderation (moderation sits
above it), so the space's services call this ``ContentGate`` Protocol after
their own checks and before they store anything; the server wires
moderation's implementation. There is no permissive default: the services
cannot be built without a gate.

A gate lets a text through (returns), refuses it (raises ``message_rejected``)
or holds it for the project's teachers (stores it in its own queue and
raises ``message_held``). When a teacher approves a held text, moderation
publishes it with :func:`publish_held`, inside its own transaction, under
the space's rules of that moment (the thread still exists, the project is
still open, the author still a member).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from protocol.api.projects import SpaceRole
from protocol.api.spaces import PageEditScope, PageState, PageViewScope
from protocol.errors import NotFound
from protocol.ids import ProjectId, UserId, new_id
from storage import UnitOfWork

from ..principal import Principal
from .errors import SpaceReadOnly
from .roles import READ_ONLY_STATUSES, SPACE_STATUSES


class SpaceContentKind(StrEnum):
    """What a member writes in a space."""

    FORUM_THREAD = "forum_thread"
    """A new thread (its title and first post)."""
    FORUM_REPLY = "forum_reply"
    PAGE = "page"
    """A new page, or an edit of one."""


@dataclass(frozen=True, slots=True)
class SpaceSubmission:
    """A text on its way into a project's space."""

    author: Principal
    project_id: ProjectId
    role: SpaceRole
    """The author's role in the project."""
    kind: SpaceContentKind
    body: str
    title: str | None = None
    target_id: str | None = None
    """The discussion (a thread), the thread (a reply), the page (an edit; None: a new page)."""
    extra: Mapping[str, str] = field(default_factory=dict)
    """A page's ``view_scope``, ``edit_scope`` and ``state``."""


class ContentGate(Protocol):
    """Moderation's seat in the project space."""

    async def screen(self, submission: SpaceSubmission) -> None:
        """Let the text through, or raise.

        Raises:
            CodedError: ``message_rejected`` (nobody sees it) or ``message_held``
                (queued for the project's teachers), with ``details.reason``;
                ``rate_limited``-like reasons carry ``retry_after_s``.
        """
        ...


@dataclass(frozen=True, slots=True)
class HeldSpaceContent:
    """A held text a teacher approved, to publish as its author wrote it."""

    project_id: ProjectId
    author_id: UserId
    kind: SpaceContentKind
    body: str
    title: str | None
    target_id: str | None
    extra: Mapping[str, str]


async def publish_held(uow: UnitOfWork, held: HeldSpaceContent, now: datetime) -> str:
    """Publish an approved text in the caller's transaction; returns the new or edited id.

    Raises:
        NotFound: The project, the author's membership, or the discussion,
            thread or page is gone.
        SpaceReadOnly: The project was closed or archived meanwhile.
    """
    project = await uow.projects.find_project(held.project_id)
    if project is None or project.status not in SPACE_STATUSES:
        raise NotFound("no such project")
    if await uow.projects.find_member(held.project_id, held.author_id) is None:
        raise NotFound("the author is no longer a member of the project")
    if project.status in READ_ONLY_STATUSES:
        raise SpaceReadOnly(
            f"the project is {project.status.value}; its space is read-only",
            details={"status": project.status.value},
        )
    spaces = uow.spaces
    if held.kind is SpaceContentKind.FORUM_REPLY:
        assert held.target_id is not None
        if await spaces.find_thread(held.project_id, held.target_id) is None:
            raise NotFound("no such thread")
        post = await spaces.add_post(
            post_id=new_id(),
            project_id=held.project_id,
            thread_id=held.target_id,
            author_id=held.author_id,
            body=held.body,
            now=now,
        )
        return post.id
    if held.kind is SpaceContentKind.FORUM_THREAD:
        assert held.target_id is not None
        if await spaces.find_discussion(held.project_id, held.target_id) is None:
            raise NotFound("no such discussion")
        thread = await spaces.add_thread(
            thread_id=new_id(),
            project_id=held.project_id,
            discussion_id=held.target_id,
            title=held.title or "",
            author_id=held.author_id,
            now=now,
        )
        await spaces.add_post(
            post_id=new_id(),
            project_id=held.project_id,
            thread_id=thread.id,
            author_id=held.author_id,
            body=held.body,
            now=now,
        )
        return thread.id
    view_scope = PageViewScope(held.extra["view_scope"])
    edit_scope = PageEditScope(held.extra["edit_scope"])
    state = PageState(held.extra["state"])
    if held.target_id is None:
        page = await spaces.add_page(
            page_id=new_id(),
            project_id=held.project_id,
            title=held.title or "",
            body=held.body,
            view_scope=view_scope,
            edit_scope=edit_scope,
            state=state,
            author_id=held.author_id,
            now=now,
        )
        return page.id
    if await spaces.find_page(held.project_id, held.target_id) is None:
        raise NotFound("no such page")
    await spaces.update_page(
        held.project_id,
        held.target_id,
        title=held.title or "",
        body=held.body,
        view_scope=view_scope,
        edit_scope=edit_scope,
        state=state,
        editor_id=held.author_id,
        now=now,
    )
    return held.target_id
