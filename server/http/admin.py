"""National support organisations and the platform admin: teachers and admins."""

from __future__ import annotations

from protocol import Page
from protocol.api.accounts import (
    CreateAdminRequest,
    CreatedAdminView,
    SchoolAdminRequest,
    TeacherDecisionRequest,
    TeacherListQuery,
    TeacherView,
)
from protocol.ids import UserId

from .routing import Access, Ctx, RouteTable
from .views import teacher_view

routes = RouteTable()
TAGS = ("admin",)


@routes.get(
    "/api/v1/admin/teachers",
    access=Access.NSO_ADMIN,
    summary="List teachers to validate",
    tags=TAGS,
)
async def list_teachers(ctx: Ctx, query: TeacherListQuery) -> Page[TeacherView]:
    """Oldest first. An NSO admin sees only the teachers of their country."""
    found = await ctx.services.accounts.validation.list_teachers(
        ctx.actor,
        status=query.status,
        country_code=query.country,
        cursor=query.cursor,
        limit=query.limit,
    )
    return Page[TeacherView](
        items=[teacher_view(t) for t in found.items], next_cursor=found.next_cursor
    )


@routes.post(
    "/api/v1/admin/teachers/{user_id}/status",
    access=Access.NSO_ADMIN,
    summary="Validate, reject, suspend or reinstate a teacher",
    tags=TAGS,
    errors=(404, 409),
)
async def decide_teacher(ctx: Ctx, user_id: str, body: TeacherDecisionRequest) -> TeacherView:
    """Pending → validated | rejected; validated ⇄ suspended. Rejecting or
    suspending revokes the teacher's tokens and closes their live connections."""
    teacher = await ctx.services.accounts.validation.decide(
        ctx.actor, UserId(user_id), body.status, reason=body.reason
    )
    return teacher_view(teacher)


@routes.post(
    "/api/v1/admin/teachers/{user_id}/school-admin",
    access=Access.NSO_ADMIN,
    summary="Make a teacher their school's admin, or undo it",
    tags=TAGS,
    errors=(404, 409),
)
async def set_school_admin(ctx: Ctx, user_id: str, body: SchoolAdminRequest) -> TeacherView:
    """A school admin manages the school's API keys."""
    teacher = await ctx.services.accounts.validation.set_school_admin(
        ctx.actor, UserId(user_id), body.is_school_admin
    )
    return teacher_view(teacher)


@routes.post(
    "/api/v1/admin/admins",
    access=Access.PLATFORM_ADMIN,
    summary="Create an NSO or platform admin",
    tags=TAGS,
    status=201,
    errors=(400, 409),
)
async def create_admin(ctx: Ctx, body: CreateAdminRequest) -> CreatedAdminView:
    """The new admin gets a one-time password to change at first sign-in."""
    created = await ctx.services.accounts.staff.create_admin(
        ctx.actor,
        kind=body.kind,
        email=body.email,
        full_name=body.full_name,
        country_code=body.country_code,
        password=None,
    )
    assert created.generated_password is not None
    return CreatedAdminView(
        user_id=created.record.user_id,
        kind=created.record.kind,
        email=created.record.email,
        country_code=created.record.country_code,
        one_time_password=created.generated_password,
    )
