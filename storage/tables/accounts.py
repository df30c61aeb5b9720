"""Tables of schools, accounts, credentials, tokens and API keys.

Personal data is split by who it belongs to: ``users`` holds no personal data
at all (kind, status, token epoch), adults' names sit in ``teachers`` and
``staff``, and ``pupils`` holds only the allowlisted fields checked by
``tests/unit/storage/test_pupil_allowlist.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..types import JsonColumn, UtcDateTime
from .base import Base

ID = String(36)


class School(Base):
    """A school in a participating country."""

    __tablename__ = "schools"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    city: Mapped[str] = mapped_column(String(120))
    school_type: Mapped[str] = mapped_column(String(40))
    age_min: Mapped[int] = mapped_column(Integer)
    age_max: Mapped[int] = mapped_column(Integer)
    languages: Mapped[list[str]] = mapped_column(JsonColumn)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class User(Base):
    """Every account: its kind, state and token epoch. No personal data."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    token_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Credential(Base):
    """How an account logs in: a login (e-mail, or a pupil's generated login)."""

    __tablename__ = "credentials"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    login: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Teacher(Base):
    """A teacher (or other school staff) registered with one school."""

    __tablename__ = "teachers"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    full_name: Mapped[str] = mapped_column(String(120))
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    role_at_school: Mapped[str] = mapped_column(String(30))
    is_school_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class Staff(Base):
    """An administrator: of a national support organisation, or of the platform."""

    __tablename__ = "staff"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    full_name: Mapped[str] = mapped_column(String(120))
    country_code: Mapped[str | None] = mapped_column(String(2), nullable=True, index=True)


class Pupil(Base):
    """A pupil account made by a teacher. Allowlisted columns only.

    No e-mail, no real name, no birth date: the display name is a pseudonym
    and the school gives the country (for the age of digital consent).
    """

    __tablename__ = "pupils"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    display_name: Mapped[str] = mapped_column(String(40))
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    class_label: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(ID)


class RefreshToken(Base):
    """A rotating refresh token, stored only as a hash.

    Tokens of one login form a family; presenting a token that was already
    used revokes the whole family (it was stolen, or replayed).
    """

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(ID, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ApiKey(Base):
    """A school integration's key; only a hash of its secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JsonColumn)
    created_by: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AuditEntry(Base):
    """Who did what to whom, when and why. Ids only, never names or text."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_scope", "scope_type", "scope_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[str] = mapped_column(String(64))
    scope_type: Mapped[str | None] = mapped_column(String(30), nullable=True)
    scope_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
