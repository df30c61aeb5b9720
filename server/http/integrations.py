"""Schools' API keys, and the join tokens a key mints for the school's users."""

from __future__ import annotations

from protocol.api.grants import RoomRole
from protocol.api.integrations import (
    ApiKeyListView,
    CreateApiKeyRequest,
    IssuedApiKeyView,
    JoinTokenView,
    MintJoinTokenRequest,
)
from protocol.ids import ApiKeyId, RoomId, SchoolId, UserId

from .routing import Access, Ctx, RouteTable
from .views import api_key_view

routes = RouteTable()
TAGS = ("integrations",)


@routes.post(
    "/api/v1/schools/{school_id}/api-keys",
    access=Access.SCHOOL_ADMIN,
    summary="Create an API key",
    tags=TAGS,
    status=201,
    errors=(400,),
)
async def create_api_key(ctx: Ctx, school_id: str, body: CreateApiKeyRequest) -> IssuedApiKeyView:
    """The whole key is in this answer only; Jumelage keeps a hash."""
    issued = await ctx.services.accounts.integrations.create_key(
        ctx.actor, SchoolId(school_id), name=body.name, scopes=frozenset(body.scopes)
    )
    return IssuedApiKeyView(
        **api_key_view(issued.record).model_dump(), secret_key=issued.secret_key
    )


@routes.get(
    "/api/v1/schools/{school_id}/api-keys",
    access=Access.SCHOOL_ADMIN,
    summary="List a school's API keys",
    tags=TAGS,
)
async def list_api_keys(ctx: Ctx, school_id: str) -> ApiKeyListView:
    keys = await ctx.services.accounts.integrations.list_keys(ctx.actor, SchoolId(school_id))
    return ApiKeyListView(keys=[api_key_view(k) for k in keys])


@routes.delete(
    "/api/v1/schools/{school_id}/api-keys/{key_id}",
    access=Access.SCHOOL_ADMIN,
    summary="Revoke an API key",
    tags=TAGS,
    errors=(404,),
)
async def revoke_api_key(ctx: Ctx, school_id: str, key_id: str) -> None:
    await ctx.services.accounts.integrations.revoke_key(
        ctx.actor, SchoolId(school_id), ApiKeyId(key_id)
    )


@routes.post(
    "/api/v1/integrations/join-tokens",
    access=Access.API_KEY,
    summary="Mint a join token for one of the school's users",
    tags=TAGS,
    status=201,
    errors=(400, 403, 404, 429),
)
async def mint_join_token(ctx: Ctx, body: MintJoinTokenRequest) -> JoinTokenView:
    """Called by a school's own tool with ``Authorization: Bearer jmlg_...``.
    The user must belong to the key's school; grants never exceed the role's."""
    minted = await ctx.services.accounts.integrations.mint_join_token(
        ctx.school_tool,
        user_id=UserId(body.user_id),
        room_id=RoomId(body.room_id),
        role=None if body.role is None else RoomRole(body.role),
        grants=body.grants,
        ttl_s=body.ttl_s,
        client=ctx.client,
    )
    return JoinTokenView(
        join_token=minted.token,
        expires_at=minted.expires_at,
        role=minted.role,
        grants=minted.grants,
    )
