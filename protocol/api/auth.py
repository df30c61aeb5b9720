"""Bodies of the sign-in, refresh, registration and password endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from ..base import RequestModel, ResponseModel
from .accounts import RoleAtSchool, SchoolType

Password = Annotated[str, Field(min_length=1, max_length=1024)]
Email = Annotated[str, Field(min_length=3, max_length=254)]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]


class LoginRequest(RequestModel):
    """Sign in with an e-mail address (adults) or a generated login (pupils)."""

    login: Annotated[str, Field(min_length=1, max_length=254)]
    """E-mail address, or a pupil's login such as ``brave-otter-417``."""
    password: Password


class RefreshRequest(RequestModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=256)]
    """The refresh token of the last sign-in or refresh; it is spent by this call."""


class TokenPair(ResponseModel):
    """Tokens after signing in or refreshing."""

    token_type: str = "Bearer"
    access_token: str
    """Send as ``Authorization: Bearer <access_token>``."""
    access_expires_at: datetime
    expires_in: int
    """Seconds until the access token expires."""
    refresh_token: str
    """Use once with ``POST /api/v1/auth/refresh``; keep it secret."""
    refresh_expires_at: datetime
    user_id: str


class NewSchoolRequest(RequestModel):
    """A school that is not on Jumelage yet."""

    name: Annotated[str, Field(min_length=2, max_length=200)]
    country_code: CountryCode
    city: Annotated[str, Field(min_length=1, max_length=120)]
    school_type: SchoolType
    age_min: Annotated[int, Field(ge=3, le=20)]
    """Youngest pupils' age."""
    age_max: Annotated[int, Field(ge=3, le=20)]
    """Oldest pupils' age."""
    languages: Annotated[list[LanguageCode], Field(max_length=10, default_factory=list)]
    """Languages taught or spoken at school (ISO 639 codes)."""


class RegisterTeacherRequest(RequestModel):
    """A teacher's registration; it waits for the national support organisation."""

    email: Email
    password: Password
    full_name: Annotated[str, Field(min_length=2, max_length=120)]
    role_at_school: RoleAtSchool = RoleAtSchool.TEACHER
    school_id: Annotated[str, Field(max_length=64)] | None = None
    """An existing school; or give ``new_school``."""
    new_school: NewSchoolRequest | None = None


class RegistrationAccepted(ResponseModel):
    """The same answer whether or not the address was already registered."""

    status: str = "pending"
    message: str = (
        "If this address can be registered, a pending account now waits for your "
        "national support organisation; check your e-mail."
    )


class ChangePasswordRequest(RequestModel):
    current_password: Password
    new_password: Password
