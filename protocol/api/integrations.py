"""School integrations: API keys and the join tokens they mint."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from ..base import RequestModel, ResponseModel
from .grants import Grants, RoomRole


class CreateApiKeyRequest(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    """What the key is for ("Moodle of Lycée Victor Hugo")."""
    scopes: Annotated[
        list[str], Field(min_length=1, max_length=10, default_factory=lambda: ["join_tokens"])
    ]


class ApiKeyView(ResponseModel):
    id: str
    name: str
    prefix: str
    """The visible part of the key, to tell keys apart."""
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class IssuedApiKeyView(ApiKeyView):
    secret_key: str
    """The whole key: shown this once only. Store it in the school tool's secrets."""


class ApiKeyListView(ResponseModel):
    keys: list[ApiKeyView]


class MintJoinTokenRequest(RequestModel):
    """A school's tool asks for a join token for one of its own users."""

    user_id: Annotated[str, Field(min_length=1, max_length=64)]
    room_id: Annotated[str, Field(min_length=1, max_length=64)]
    role: RoomRole | None = None
    """Defaults to ``pupil`` for pupils and ``host`` for teachers."""
    grants: Grants | None = None
    """Narrower grants than the role's default; never wider than its ceiling."""
    ttl_s: Annotated[int, Field(ge=1, le=3600)] | None = None
    """Lifetime; at most the server's limit (10 minutes by default)."""


class JoinTokenView(ResponseModel):
    join_token: str
    """Pass it when connecting to the live room; never put it in a URL."""
    expires_at: datetime
    role: RoomRole
    grants: Grants
