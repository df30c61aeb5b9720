"""Projects: founding, reading, editing, closing; invitations; members; NSO approvals; audit.

Every route that names a project answers ``404 not_found`` alike for a
project that does not exist and for one the caller may not see.
"""

from __future__ import annotations

from typing import Literal

from community import ProjectForm
from protocol import Page, PageQuery
from protocol.api.projects import (
    AddPupilsRequest,
    ApprovalDecision,
    ApprovalDecisionRequest,
    ApprovalListQuery,
    ApprovalListView,
    ApprovalView,
    ChangeRoleRequest,
    CreateProjectRequest,
    InvitationListView,
    InvitationView,
    InvitePartnerRequest,
    MemberListView,
    MemberView,
    ProjectAuditView,
    ProjectListQuery,
    ProjectStatus,
    ProjectStatusRequest,
    ProjectView,
    SpaceRole,
    UpdateProjectRequest,
)
from protocol.ids import ProjectId, UserId

from .projects_views import (
    approval_view,
    audit_view,
    invitation_view,
    member_view,
    project_view,
    sight_view,
)
from .routing import Access, Ctx, RouteTable

routes = RouteTable()
TAGS = ("projects",)


@routes.post(
    "/api/v1/projects",
    access=Access.TEACHER,
    summary="Found a project with one contact as co-founder",
    tags=TAGS,
    status=201,
    errors=(400, 403, 409),
)
async def found_project(ctx: Ctx, body: CreateProjectRequest) -> ProjectView:
    """The project waits for the co-founder's acceptance (and, where configured,
    for the national support organisations). Its scope is frozen now."""
    form = ProjectForm(**body.model_dump(exclude={"co_founders"}))
    project = await ctx.services.projects.projects.found(
        ctx.actor, form, co_founder_ids=[UserId(u) for u in body.co_founders]
    )
    return sight_view(await ctx.services.projects.projects.sight(ctx.actor, project))


@routes.get("/api/v1/projects", access=Access.ACTIVE, summary="The caller's projects", tags=TAGS)
async def list_my_projects(ctx: Ctx, query: ProjectListQuery) -> Page[ProjectView]:
    """Newest first; archived projects only with ``include_archived``."""
    found = await ctx.services.projects.projects.list_mine(
        ctx.actor, include_archived=query.include_archived, cursor=query.cursor, limit=query.limit
    )
    return Page[ProjectView](
        items=[project_view(p) for p in found.items], next_cursor=found.next_cursor
    )


@routes.get("/api/v1/projects/{project_id}", access=Access.ACTIVE, summary="A project", tags=TAGS)
async def get_project(ctx: Ctx, project_id: str) -> ProjectView:
    """For members, the invited co-founder and the NSOs of the founders' countries."""
    return sight_view(await ctx.services.projects.projects.get(ctx.actor, ProjectId(project_id)))


@routes.patch(
    "/api/v1/projects/{project_id}",
    access=Access.TEACHER,
    summary="Edit a project's description",
    tags=TAGS,
    errors=(409,),
)
async def update_project(ctx: Ctx, project_id: str, body: UpdateProjectRequest) -> ProjectView:
    """Teacher admins only; absent fields are kept. The scope never changes."""
    service = ctx.services.projects.projects
    current = (await service.get(ctx.actor, ProjectId(project_id))).project.fields
    merged = {
        **{name: getattr(current, name) for name in ProjectForm.__dataclass_fields__},
        **body.model_dump(exclude_none=True),
    }
    updated = await service.update(ctx.actor, ProjectId(project_id), ProjectForm(**merged))
    return sight_view(await service.sight(ctx.actor, updated))


@routes.post(
    "/api/v1/projects/{project_id}/status",
    access=Access.TEACHER,
    summary="Close or archive a project",
    tags=TAGS,
    errors=(409,),
)
async def set_project_status(ctx: Ctx, project_id: str, body: ProjectStatusRequest) -> ProjectView:
    """Closed: the space is read-only. Archived: read-only and hidden from lists."""
    target: Literal[ProjectStatus.CLOSED, ProjectStatus.ARCHIVED] = (
        ProjectStatus.CLOSED if body.status == "closed" else ProjectStatus.ARCHIVED
    )
    service = ctx.services.projects.projects
    updated = await service.set_status(ctx.actor, ProjectId(project_id), target)
    return sight_view(await service.sight(ctx.actor, updated))


@routes.get(
    "/api/v1/projects/{project_id}/members",
    access=Access.ACTIVE,
    summary="Members of a project space",
    tags=TAGS,
)
async def list_project_members(ctx: Ctx, project_id: str) -> MemberListView:
    members = await ctx.services.projects.members.list_members(ctx.actor, ProjectId(project_id))
    return MemberListView(members=[member_view(m) for m in members])


@routes.post(
    "/api/v1/projects/{project_id}/pupils",
    access=Access.TEACHER,
    summary="Add pupils of one's own school",
    tags=TAGS,
    status=201,
    errors=(409,),
)
async def add_project_pupils(ctx: Ctx, project_id: str, body: AddPupilsRequest) -> MemberListView:
    """Teacher admins only, and only pupils of their own school; all or none."""
    added = await ctx.services.projects.members.add_pupils(
        ctx.actor,
        ProjectId(project_id),
        [UserId(u) for u in body.user_ids],
        SpaceRole(body.role),
    )
    return MemberListView(members=[member_view(m) for m in added])


@routes.patch(
    "/api/v1/projects/{project_id}/members/{user_id}",
    access=Access.TEACHER,
    summary="Change a member's role",
    tags=TAGS,
    errors=(409,),
)
async def change_member_role(
    ctx: Ctx, project_id: str, user_id: str, body: ChangeRoleRequest
) -> MemberView:
    """Teacher admins only; the founders' role cannot change."""
    member = await ctx.services.projects.members.change_role(
        ctx.actor, ProjectId(project_id), UserId(user_id), body.role
    )
    return member_view(member)


@routes.delete(
    "/api/v1/projects/{project_id}/members/{user_id}",
    access=Access.ACTIVE,
    summary="Remove a member (or leave)",
    tags=TAGS,
    errors=(409,),
)
async def remove_project_member(ctx: Ctx, project_id: str, user_id: str) -> None:
    """Teacher admins remove others; anyone but the founders may leave."""
    await ctx.services.projects.members.remove(ctx.actor, ProjectId(project_id), UserId(user_id))


@routes.get(
    "/api/v1/projects/{project_id}/invitations",
    access=Access.TEACHER,
    summary="Pending invitations of a project",
    tags=TAGS,
)
async def list_project_invitations(ctx: Ctx, project_id: str) -> InvitationListView:
    found = await ctx.services.projects.invitations.list_for_project(
        ctx.actor, ProjectId(project_id)
    )
    return InvitationListView(invitations=[invitation_view(i) for i in found])


@routes.post(
    "/api/v1/projects/{project_id}/invitations",
    access=Access.TEACHER,
    summary="Invite a contact as partner or guest",
    tags=TAGS,
    status=201,
    errors=(409,),
)
async def invite_to_project(
    ctx: Ctx, project_id: str, body: InvitePartnerRequest
) -> InvitationView:
    """Teacher admins invite their own contacts, validated teachers, once the project is active."""
    invitation = await ctx.services.projects.invitations.invite(
        ctx.actor, ProjectId(project_id), UserId(body.user_id), SpaceRole(body.role)
    )
    return invitation_view(invitation)


@routes.delete(
    "/api/v1/projects/{project_id}/invitations/{invitation_id}",
    access=Access.TEACHER,
    summary="Withdraw an invitation",
    tags=TAGS,
    errors=(409,),
)
async def withdraw_invitation(ctx: Ctx, project_id: str, invitation_id: str) -> None:
    await ctx.services.projects.invitations.withdraw(
        ctx.actor, ProjectId(project_id), invitation_id
    )


@routes.get(
    "/api/v1/invitations", access=Access.TEACHER, summary="The caller's invitations", tags=TAGS
)
async def list_my_invitations(ctx: Ctx) -> InvitationListView:
    found = await ctx.services.projects.invitations.list_mine(ctx.actor)
    return InvitationListView(invitations=[invitation_view(i) for i in found])


@routes.post(
    "/api/v1/invitations/{invitation_id}/accept",
    access=Access.TEACHER,
    summary="Accept an invitation",
    tags=TAGS,
    errors=(409,),
)
async def accept_invitation(ctx: Ctx, invitation_id: str) -> ProjectView:
    """The co-founder's acceptance starts the project; a partner's adds them to it."""
    service = ctx.services.projects
    project = await service.invitations.accept(ctx.actor, invitation_id)
    return sight_view(await service.projects.sight(ctx.actor, project))


@routes.post(
    "/api/v1/invitations/{invitation_id}/decline",
    access=Access.TEACHER,
    summary="Decline an invitation",
    tags=TAGS,
    errors=(409,),
)
async def decline_invitation(ctx: Ctx, invitation_id: str) -> InvitationView:
    """The co-founder's refusal ends the project as declined."""
    return invitation_view(
        await ctx.services.projects.invitations.decline(ctx.actor, invitation_id)
    )


@routes.get(
    "/api/v1/projects/{project_id}/audit",
    access=Access.TEACHER,
    summary="Changes of membership and roles",
    tags=TAGS,
)
async def list_project_audit(ctx: Ctx, project_id: str, query: PageQuery) -> Page[ProjectAuditView]:
    """Teacher admins only; newest first; ids only."""
    found = await ctx.services.projects.audit.list_entries(
        ctx.actor, ProjectId(project_id), cursor=query.cursor, limit=query.limit
    )
    return Page[ProjectAuditView](
        items=[audit_view(e) for e in found.items], next_cursor=found.next_cursor
    )


@routes.get(
    "/api/v1/admin/project-approvals",
    access=Access.NSO_ADMIN,
    summary="Projects waiting for the NSO's approval",
    tags=("admin", *TAGS),
)
async def list_project_approvals(ctx: Ctx, query: ApprovalListQuery) -> Page[ApprovalView]:
    """An NSO admin sees their own country's; a platform admin any country's."""
    found = await ctx.services.projects.approvals.list_pending(
        ctx.actor, country_code=query.country, cursor=query.cursor, limit=query.limit
    )
    return Page[ApprovalView](
        items=[approval_view(a) for a in found.items], next_cursor=found.next_cursor
    )


@routes.post(
    "/api/v1/projects/{project_id}/approvals/{country_code}",
    access=Access.NSO_ADMIN,
    summary="Approve or reject a project for one country",
    tags=("admin", *TAGS),
    errors=(409,),
)
async def decide_project_approval(
    ctx: Ctx, project_id: str, country_code: str, body: ApprovalDecisionRequest
) -> ApprovalListView:
    """Active once every founders' country approved; rejected at the first rejection."""
    decision: Literal[ApprovalDecision.APPROVED, ApprovalDecision.REJECTED] = (
        ApprovalDecision.APPROVED if body.decision == "approved" else ApprovalDecision.REJECTED
    )
    approvals = await ctx.services.projects.approvals.decide(
        ctx.actor, ProjectId(project_id), country_code, decision, note=body.note
    )
    return ApprovalListView(approvals=[approval_view(a) for a in approvals])
