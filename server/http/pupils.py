"""Teachers create and look after their school's pupils' accounts."""

from __future__ import annotations

from protocol import Page
from protocol.api.accounts import (
    CreatePupilsRequest,
    IssuedPupilsView,
    IssuedPupilView,
    PupilEnabledRequest,
    PupilListQuery,
    PupilView,
)
from protocol.ids import UserId

from .routing import Access, Ctx, RouteTable
from .views import issued_pupil_view, pupil_view

routes = RouteTable()
TAGS = ("pupils",)


@routes.post(
    "/api/v1/pupils",
    access=Access.TEACHER,
    summary="Create pupils (one or a class list)",
    tags=TAGS,
    status=201,
    errors=(400,),
)
async def create_pupils(ctx: Ctx, body: CreatePupilsRequest) -> IssuedPupilsView:
    """Each pupil gets a pseudonym, a generated login and a password shown once."""
    issued = await ctx.services.accounts.pupils.create_pupils(
        ctx.actor,
        class_label=body.class_label,
        display_names=[p.display_name for p in body.pupils],
    )
    return IssuedPupilsView(pupils=[issued_pupil_view(i) for i in issued])


@routes.get(
    "/api/v1/pupils",
    access=Access.TEACHER,
    summary="List the school's pupils",
    tags=TAGS,
)
async def list_pupils(ctx: Ctx, query: PupilListQuery) -> Page[PupilView]:
    found = await ctx.services.accounts.pupils.list_pupils(
        ctx.actor, class_label=query.class_label, cursor=query.cursor, limit=query.limit
    )
    return Page[PupilView](
        items=[pupil_view(p) for p in found.items], next_cursor=found.next_cursor
    )


@routes.post(
    "/api/v1/pupils/{user_id}/password",
    access=Access.TEACHER,
    summary="Reset a pupil's password",
    tags=TAGS,
    errors=(404,),
)
async def reset_pupil_password(ctx: Ctx, user_id: str) -> IssuedPupilView:
    """A new generated password, shown once; the pupil is signed out everywhere."""
    issued = await ctx.services.accounts.pupils.reset_password(ctx.actor, UserId(user_id))
    return issued_pupil_view(issued)


@routes.post(
    "/api/v1/pupils/{user_id}/enabled",
    access=Access.TEACHER,
    summary="Disable or enable a pupil",
    tags=TAGS,
    errors=(404, 409),
)
async def set_pupil_enabled(ctx: Ctx, user_id: str, body: PupilEnabledRequest) -> PupilView:
    """Disabling revokes the pupil's tokens and closes their live connections."""
    pupil = await ctx.services.accounts.pupils.set_enabled(ctx.actor, UserId(user_id), body.enabled)
    return pupil_view(pupil)
