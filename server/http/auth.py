"""Registration, sign-in, refresh, sign-out and the caller's own account."""

from __future__ import annotations

from community import NewSchool, SignedIn, TeacherRegistration
from protocol.api.accounts import MeView
from protocol.api.auth import (
    ChangePasswordRequest,
    LoginRequest,
    RefreshRequest,
    RegisterTeacherRequest,
    RegistrationAccepted,
    TokenPair,
)
from protocol.ids import SchoolId

from .routing import Access, Ctx, RouteTable
from .views import me_view

routes = RouteTable()
TAGS = ("auth",)


def _pair(ctx: Ctx, signed: SignedIn) -> TokenPair:
    return TokenPair(
        access_token=signed.access_token,
        access_expires_at=signed.access_expires_at,
        expires_in=ctx.services.settings.accounts.access_token_ttl_s,
        refresh_token=signed.refresh_token,
        refresh_expires_at=signed.refresh_expires_at,
        user_id=signed.user_id,
    )


@routes.post(
    "/api/v1/auth/register",
    access=Access.PUBLIC,
    summary="Register as a teacher",
    tags=TAGS,
    status=202,
    errors=(400, 404, 429),
)
async def register_teacher(ctx: Ctx, body: RegisterTeacherRequest) -> RegistrationAccepted:
    """The account waits for the teacher's national support organisation.

    The answer is the same whether or not the address was already registered.
    """
    school = body.new_school
    form = TeacherRegistration(
        email=body.email,
        password=body.password,
        full_name=body.full_name,
        role_at_school=body.role_at_school,
        school_id=None if body.school_id is None else SchoolId(body.school_id),
        new_school=None
        if school is None
        else NewSchool(
            name=school.name,
            country_code=school.country_code,
            city=school.city,
            school_type=school.school_type,
            age_min=school.age_min,
            age_max=school.age_max,
            languages=tuple(school.languages),
        ),
    )
    await ctx.services.accounts.registration.register_teacher(form, client=ctx.client)
    return RegistrationAccepted()


@routes.post(
    "/api/v1/auth/login",
    access=Access.PUBLIC,
    summary="Sign in",
    tags=TAGS,
    errors=(401, 403, 429),
)
async def login(ctx: Ctx, body: LoginRequest) -> TokenPair:
    """Adults sign in with their e-mail address, pupils with their generated login."""
    signed = await ctx.services.accounts.sessions.login(
        body.login, body.password, client=ctx.client
    )
    return _pair(ctx, signed)


@routes.post(
    "/api/v1/auth/refresh",
    access=Access.PUBLIC,
    summary="Rotate the refresh token",
    tags=TAGS,
    errors=(401, 403, 429),
)
async def refresh(ctx: Ctx, body: RefreshRequest) -> TokenPair:
    """Spends the refresh token and returns a new pair. Reusing a spent token
    revokes every token of that sign-in."""
    signed = await ctx.services.accounts.sessions.refresh(body.refresh_token, client=ctx.client)
    return _pair(ctx, signed)


@routes.post(
    "/api/v1/auth/logout",
    access=Access.ACCOUNT,
    summary="Sign out everywhere",
    tags=TAGS,
)
async def logout(ctx: Ctx) -> None:
    """Revokes every token of the account and closes its live connections."""
    await ctx.services.accounts.sessions.logout(ctx.actor)


@routes.get("/api/v1/me", access=Access.ACCOUNT, summary="The caller's own account", tags=TAGS)
async def get_me(ctx: Ctx) -> MeView:
    return me_view(await ctx.services.accounts.profile.describe(ctx.actor))


@routes.post(
    "/api/v1/me/password",
    access=Access.ACCOUNT,
    summary="Change one's own password",
    tags=TAGS,
    errors=(400, 401),
)
async def change_password(ctx: Ctx, body: ChangePasswordRequest) -> None:
    """Adults only; signs the account out everywhere."""
    await ctx.services.accounts.profile.change_password(
        ctx.actor, body.current_password, body.new_password
    )
