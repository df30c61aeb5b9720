"""Tables of projects, their membership, their space's content and schools' calendars.

Every content row carries its ``project_id`` so that each read by id is also a
read by project: another project's id and a missing id give the same empty
answer. The space (``project_spaces``) has the project's id as its primary key,
which is what makes "exactly one space per project" a constraint rather than
a habit; content refers to the space, so none can exist before activation.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..types import JsonColumn, UtcDateTime
from .base import Base

ID = String(36)
SPACE_FK = "project_spaces.project_id"


class Project(Base):
    """A project founded by two teachers; ``scope`` is frozen at creation."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    subjects: Mapped[list[str]] = mapped_column(JsonColumn)
    languages: Mapped[list[str]] = mapped_column(JsonColumn)
    age_min: Mapped[int] = mapped_column(Integer)
    age_max: Mapped[int] = mapped_column(Integer)
    tools: Mapped[list[str]] = mapped_column(JsonColumn)
    aims: Mapped[str] = mapped_column(Text)
    work_process: Mapped[str] = mapped_column(Text)
    expected_results: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    founder_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    founder_country: Mapped[str] = mapped_column(String(2))
    co_founder_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    co_founder_country: Mapped[str] = mapped_column(String(2))
    needs_nso_approval: Mapped[bool] = mapped_column(Boolean)
    storage_used_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ProjectMember(Base):
    """One member of a project's space and their role; pupils included."""

    __tablename__ = "project_members"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"))
    country_code: Mapped[str] = mapped_column(String(2))
    added_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProjectInvitation(Base):
    """An invitation to a teacher: the co-founder's, or a later partner's or guest's."""

    __tablename__ = "project_invitations"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    invitee_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    inviter_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ProjectApproval(Base):
    """A national support organisation's decision, one per founders' country."""

    __tablename__ = "project_approvals"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    country_code: Mapped[str] = mapped_column(String(2), primary_key=True, index=True)
    decision: Mapped[str] = mapped_column(String(20))
    decided_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)


class ProjectSpace(Base):
    """The one space of an active project (its primary key is the project's id)."""

    __tablename__ = "project_spaces"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SpacePage(Base):
    __tablename__ = "space_pages"
    __table_args__ = (Index("ix_space_pages_project", "project_id", "position"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey(SPACE_FK, ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    view_scope: Mapped[str] = mapped_column(String(20))
    edit_scope: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(ID)
    updated_by: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MaterialFolder(Base):
    __tablename__ = "material_folders"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey(SPACE_FK, ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Material(Base):
    """An uploaded file: its verified type and its generated blob key, never a user path."""

    __tablename__ = "materials"
    __table_args__ = (Index("ix_materials_project", "project_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey(SPACE_FK, ondelete="CASCADE"))
    folder_id: Mapped[str] = mapped_column(
        ForeignKey("material_folders.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    blob_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ForumDiscussion(Base):
    __tablename__ = "forum_discussions"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey(SPACE_FK, ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ForumThread(Base):
    __tablename__ = "forum_threads"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey(SPACE_FK, ondelete="CASCADE"))
    discussion_id: Mapped[str] = mapped_column(
        ForeignKey("forum_discussions.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ForumPost(Base):
    __tablename__ = "forum_posts"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey(SPACE_FK, ondelete="CASCADE"))
    thread_id: Mapped[str] = mapped_column(
        ForeignKey("forum_threads.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[str] = mapped_column(ID)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BulletinPost(Base):
    """The teacher bulletin: pupils never read it."""

    __tablename__ = "bulletin_posts"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey(SPACE_FK, ondelete="CASCADE"), index=True)
    author_id: Mapped[str] = mapped_column(ID)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Meeting(Base):
    """A scheduled live meeting; times in UTC; ``room_id`` is random and unique."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_project", "project_id", "starts_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey(SPACE_FK, ondelete="CASCADE"))
    room_id: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    audience: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MeetingInvitee(Base):
    __tablename__ = "meeting_invitees"

    meeting_id: Mapped[str] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class SchoolCalendar(Base):
    """A school's time zone and weekly hours; absent means the defaults."""

    __tablename__ = "school_calendars"

    school_id: Mapped[str] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True
    )
    time_zone: Mapped[str] = mapped_column(String(64))
    hours: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    updated_by: Mapped[str] = mapped_column(ID)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SchoolHoliday(Base):
    """One holiday of a school, inclusive date range in the school's own calendar."""

    __tablename__ = "school_holidays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(80))
