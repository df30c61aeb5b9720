"""Who may do what in a project space: pure tables, tested row by row.

Rights follow the ESEP TwinSpace roles (domain notes §3.3): teacher admins
(founders included) do everything; teachers create content but do not manage
members, open forum discussions or create meetings; observers upload and reply;
guests only read; pupil admins add pages and forum threads; pupils read and
reply. Pupils never read the teacher bulletin. Nothing here touches storage,
so every rule is a table or a small function over enums.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from protocol.api.projects import (
    InvitationKind,
    MemberKind,
    ProjectScope,
    ProjectStatus,
    SpaceRole,
)
from protocol.api.spaces import MeetingAudience, PageEditScope, PageState, PageViewScope
from protocol.ids import UserId

R = SpaceRole
P = ProjectStatus


class Action(StrEnum):
    """Things a member may be allowed to do in a space."""

    MANAGE_MEMBERS = "manage_members"
    """Invite partners and guests, change roles, remove members."""
    ADD_PUPILS = "add_pupils"
    READ_AUDIT = "read_audit"
    EDIT_PROJECT = "edit_project"
    """Edit the description fields, close or archive the project."""
    CREATE_PAGE = "create_page"
    PUBLISH_PUBLICLY = "publish_publicly"
    """Give a page the public view scope."""
    CREATE_FOLDER = "create_folder"
    UPLOAD = "upload"
    MANAGE_CONTENT = "manage_content"
    """Delete anyone's pages and materials."""
    CREATE_DISCUSSION = "create_discussion"
    CREATE_THREAD = "create_thread"
    POST_IN_FORUM = "post_in_forum"
    READ_BULLETIN = "read_bulletin"
    POST_BULLETIN = "post_bulletin"
    CREATE_MEETING = "create_meeting"


A = Action

ADULT_ROLES = frozenset({R.TEACHER_ADMIN, R.TEACHER, R.OBSERVER, R.GUEST})
PUPIL_ROLES = frozenset({R.PUPIL_ADMIN, R.PUPIL})
PARTNER_ROLES = frozenset({R.TEACHER_ADMIN, R.TEACHER})
"""Roles that make a teacher a partner (full project member) rather than a guest."""

PERMISSIONS: dict[SpaceRole, frozenset[Action]] = {
    R.TEACHER_ADMIN: frozenset(Action),
    R.TEACHER: frozenset(
        {
            A.CREATE_PAGE,
            A.PUBLISH_PUBLICLY,
            A.CREATE_FOLDER,
            A.UPLOAD,
            A.CREATE_THREAD,
            A.POST_IN_FORUM,
            A.READ_BULLETIN,
            A.POST_BULLETIN,
        }
    ),
    R.OBSERVER: frozenset({A.UPLOAD, A.POST_IN_FORUM}),
    R.GUEST: frozenset(),
    # [U] ESEP does not say whether pupil admins upload; we let them, as
    # pupils' work is the point of a project, and leave plain pupils out.
    R.PUPIL_ADMIN: frozenset({A.CREATE_PAGE, A.UPLOAD, A.CREATE_THREAD, A.POST_IN_FORUM}),
    R.PUPIL: frozenset({A.POST_IN_FORUM}),
}

EDITORS: dict[PageEditScope, frozenset[SpaceRole]] = {
    PageEditScope.ADMINS: frozenset({R.TEACHER_ADMIN}),
    PageEditScope.TEACHERS: frozenset({R.TEACHER_ADMIN, R.TEACHER}),
    PageEditScope.TEACHERS_AND_PUPILS: frozenset(
        {R.TEACHER_ADMIN, R.TEACHER, R.PUPIL_ADMIN, R.PUPIL}
    ),
}

TEACHERS_AUDIENCE = frozenset({R.TEACHER_ADMIN, R.TEACHER, R.OBSERVER})

PROJECT_TRANSITIONS: dict[ProjectStatus, frozenset[ProjectStatus]] = {
    P.PENDING_PARTNER: frozenset({P.PENDING_NSO, P.ACTIVE, P.DECLINED}),
    P.PENDING_NSO: frozenset({P.ACTIVE, P.REJECTED}),
    P.ACTIVE: frozenset({P.CLOSED, P.ARCHIVED}),
    P.CLOSED: frozenset({P.ARCHIVED}),
    P.ARCHIVED: frozenset(),
    P.DECLINED: frozenset(),
    P.REJECTED: frozenset(),
}

SPACE_STATUSES = frozenset({P.ACTIVE, P.CLOSED, P.ARCHIVED})
"""A project in one of these states has its space."""
READ_ONLY_STATUSES = frozenset({P.CLOSED, P.ARCHIVED})


def may(role: SpaceRole, action: Action) -> bool:
    """Whether a member with ``role`` may do ``action``."""
    return action in PERMISSIONS[role]


def may_edit_page(role: SpaceRole | None, edit_scope: PageEditScope) -> bool:
    """Whether this member may edit a page with this edit scope."""
    return role is not None and role in EDITORS[edit_scope]


def may_view_page(
    role: SpaceRole | None,
    *,
    view_scope: PageViewScope,
    edit_scope: PageEditScope,
    state: PageState,
) -> bool:
    """Whether a reader (``None``: not a member, or nobody signed in) sees a page.

    Drafts are seen by their possible editors only, whatever their view scope.
    """
    if state is PageState.DRAFT:
        return may_edit_page(role, edit_scope)
    if view_scope is PageViewScope.PUBLIC:
        return True
    if view_scope is PageViewScope.MEMBERS:
        return role is not None
    return role in ADULT_ROLES


def may_see_meeting(
    role: SpaceRole,
    user_id: UserId,
    *,
    audience: MeetingAudience,
    invited_user_ids: Collection[UserId],
) -> bool:
    """Whether a member sees (and may join) a meeting.

    Teacher admins see every meeting of their project, since they organise
    them; everyone else only those whose audience includes them.
    """
    if role is R.TEACHER_ADMIN:
        return True
    if audience is MeetingAudience.ALL_MEMBERS:
        return True
    if audience is MeetingAudience.TEACHERS:
        return role in TEACHERS_AUDIENCE
    return user_id in invited_user_ids


def fits_member(role: SpaceRole, *, is_pupil: bool) -> bool:
    """Pupils hold pupil roles only, adults adult roles only."""
    return role in (PUPIL_ROLES if is_pupil else ADULT_ROLES)


def kind_for_role(role: SpaceRole) -> MemberKind:
    """The kind of a non-founding member holding ``role``."""
    if role in PUPIL_ROLES:
        return MemberKind.PUPIL
    return MemberKind.PARTNER if role in PARTNER_ROLES else MemberKind.GUEST


def invitation_kind_for(role: SpaceRole) -> InvitationKind:
    """Partners are invited as teacher admins or teachers; others as guests."""
    return InvitationKind.PARTNER if role in PARTNER_ROLES else InvitationKind.GUEST


def is_founder(kind: MemberKind) -> bool:
    """Founders and co-founders are protected: always teacher admins, never removed."""
    return kind in (MemberKind.FOUNDER, MemberKind.CO_FOUNDER)


def may_transition(current: ProjectStatus, target: ProjectStatus) -> bool:
    """Whether a project may go from ``current`` to ``target``."""
    return target in PROJECT_TRANSITIONS[current]


def scope_for(founder_country: str, co_founder_country: str) -> ProjectScope:
    """European when the founders' schools are in different countries."""
    if founder_country.upper() != co_founder_country.upper():
        return ProjectScope.EUROPEAN
    return ProjectScope.NATIONAL


def capabilities(role: SpaceRole) -> list[str]:
    """The actions of a role, sorted, for the client to show or hide buttons."""
    return sorted(a.value for a in PERMISSIONS[role])
