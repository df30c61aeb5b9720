"""Tables of moderation: chat messages, reports, held space content, room and
project settings, and schools' retention.

A chat message is one row from the moment the pipeline lets it through (or
holds it) to its purge: its ``status`` says what others may see. Rows carry
ids, codes and the message text only; names come from the project's roster
when a transcript is made. A user's erasure clears their id from the rows
they wrote (``SET NULL``) and deletes the reports they filed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..types import JsonColumn, UtcDateTime
from .base import Base

ID = String(36)
LONG_ID = String(64)
CODE = String(20)


class ChatMessage(Base):
    """One chat message of a live room's session."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        Index("ix_chat_messages_session", "room_id", "session_id", "id"),
        # No index on the sender: every index is a page written per message
        # stored, and no query looks rows up by sender (migration 0011).
        UniqueConstraint("participant_id", "client_msg_id", name="uq_chat_messages_client"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """The order of the room's messages (history pages by it)."""
    message_id: Mapped[str] = mapped_column(ID, unique=True)
    room_id: Mapped[str] = mapped_column(LONG_ID)
    session_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    school_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    """The sender's school: its retention period applies."""
    participant_id: Mapped[str] = mapped_column(LONG_ID)
    sender_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    sender_role: Mapped[str] = mapped_column(String(10))
    """``teacher`` or ``pupil`` (as the pipeline treats the sender)."""
    channel: Mapped[str] = mapped_column(String(10))
    group_id: Mapped[str | None] = mapped_column(LONG_ID, nullable=True)
    peer_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    """``teachers``: the pupil whose thread it is; ``direct``: the recipient."""
    peer_participant_id: Mapped[str | None] = mapped_column(LONG_ID, nullable=True)
    status: Mapped[str] = mapped_column(String(10))
    """``posted``, ``held``, ``rejected``, ``deleted`` or ``cleared``."""
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    """None once deleted or rejected."""
    client_msg_id: Mapped[str | None] = mapped_column(LONG_ID, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    links_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_reason: Mapped[str | None] = mapped_column(CODE, nullable=True)
    findings: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonColumn, nullable=True)
    """What the checks found (for teachers): check, kind and detail, never the text."""
    decided_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ChatReport(Base):
    """A participant's report of a message, for the room's (and project's) teachers."""

    __tablename__ = "chat_reports"
    __table_args__ = (
        UniqueConstraint("message_id", "reporter_user_id", name="uq_chat_reports_reporter"),
        Index("ix_chat_reports_room", "room_id", "session_id", "id"),
        Index("ix_chat_reports_project", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ID, unique=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("chat_messages.message_id", ondelete="CASCADE")
    )
    room_id: Mapped[str] = mapped_column(LONG_ID)
    session_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    reporter_user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reporter_participant_id: Mapped[str] = mapped_column(LONG_ID)
    reason: Mapped[str] = mapped_column(CODE)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ChatRoomSettings(Base):
    """A room's lasting chat settings (a session's locks and mutes live in the room state)."""

    __tablename__ = "chat_room_settings"

    room_id: Mapped[str] = mapped_column(LONG_ID, primary_key=True)
    premoderation: Mapped[str] = mapped_column(CODE)
    personal_data: Mapped[str] = mapped_column(CODE)
    links_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    slow_mode_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    allowed_domains: Mapped[list[str]] = mapped_column(JsonColumn, default=list)
    updated_by: Mapped[str] = mapped_column(ID)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProjectTerm(Base):
    """A word or phrase a project's teacher added to the content filter."""

    __tablename__ = "moderation_project_terms"
    __table_args__ = (UniqueConstraint("project_id", "text", name="uq_moderation_project_terms"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ID)
    text: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(10))
    added_by: Mapped[str] = mapped_column(ID)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SchoolChatRetention(Base):
    """How many days a school's chat is kept after its session (absent: the default)."""

    __tablename__ = "moderation_school_retention"

    school_id: Mapped[str] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True
    )
    days: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(ID)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HeldContent(Base):
    """A post for a project's space, waiting for one of its teachers."""

    __tablename__ = "moderation_held_content"
    __table_args__ = (Index("ix_moderation_held_content_project", "project_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    held_id: Mapped[str] = mapped_column(ID, unique=True)
    project_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(CODE)
    """``forum_thread``, ``forum_reply`` or ``page``."""
    author_user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    school_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    target_id: Mapped[str | None] = mapped_column(LONG_ID, nullable=True)
    """The discussion (a thread), the thread (a reply) or the page (an edit)."""
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    """None once decided: the published post keeps the text, a refused one loses it."""
    extra: Mapped[dict[str, Any]] = mapped_column(JsonColumn, default=dict)
    reason: Mapped[str] = mapped_column(CODE)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn, default=list)
    status: Mapped[str] = mapped_column(String(10))
    """``held``, ``approved`` or ``rejected``."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
