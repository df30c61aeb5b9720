"""Frozen records of projects, their membership and their space's content.

Repositories of ``storage.repositories.projects*`` return only these; the
domain never meets an ORM object.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from protocol.api.projects import (
    ApprovalDecision,
    InvitationKind,
    InvitationStatus,
    MemberKind,
    ProjectScope,
    ProjectStatus,
    SpaceRole,
)
from protocol.api.spaces import MeetingAudience, PageEditScope, PageState, PageViewScope
from protocol.ids import ProjectId, RoomId, SchoolId, UserId


@dataclass(frozen=True, slots=True)
class ProjectFields:
    """The describing fields a teacher fills in (and may edit later)."""

    title: str
    description: str
    subjects: tuple[str, ...]
    languages: tuple[str, ...]
    age_min: int
    age_max: int
    tools: tuple[str, ...]
    aims: str
    work_process: str
    expected_results: str


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    id: ProjectId
    fields: ProjectFields
    scope: ProjectScope
    status: ProjectStatus
    founder_id: UserId
    founder_country: str
    co_founder_id: UserId
    co_founder_country: str
    needs_nso_approval: bool
    storage_used_bytes: int
    created_at: datetime
    activated_at: datetime | None
    closed_at: datetime | None
    archived_at: datetime | None

    @property
    def countries(self) -> tuple[str, ...]:
        """The founders' countries, without repetition, founder's first."""
        if self.founder_country == self.co_founder_country:
            return (self.founder_country,)
        return (self.founder_country, self.co_founder_country)

    @property
    def founders(self) -> frozenset[UserId]:
        return frozenset({self.founder_id, self.co_founder_id})


@dataclass(frozen=True, slots=True)
class MemberRecord:
    project_id: ProjectId
    user_id: UserId
    kind: MemberKind
    role: SpaceRole
    school_id: SchoolId
    country_code: str
    display_name: str
    """A teacher's name, a pupil's pseudonym."""
    joined_at: datetime
    added_by: UserId | None


@dataclass(frozen=True, slots=True)
class InvitationRecord:
    id: str
    project_id: ProjectId
    project_title: str
    invitee_id: UserId
    inviter_id: UserId
    kind: InvitationKind
    role: SpaceRole
    status: InvitationStatus
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    project_id: ProjectId
    project_title: str
    country_code: str
    decision: ApprovalDecision
    decided_by: UserId | None
    decided_at: datetime | None
    note: str | None


@dataclass(frozen=True, slots=True)
class SpaceRecord:
    project_id: ProjectId
    name: str
    description: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote something, with what a reader needs to label them."""

    user_id: UserId
    display_name: str
    is_pupil: bool


@dataclass(frozen=True, slots=True)
class PageRecord:
    id: str
    project_id: ProjectId
    title: str
    body: str
    view_scope: PageViewScope
    edit_scope: PageEditScope
    state: PageState
    position: int
    created_by: Author
    updated_by: Author
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class FolderRecord:
    id: str
    project_id: ProjectId
    title: str
    created_by: UserId
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MaterialRecord:
    id: str
    project_id: ProjectId
    folder_id: str
    title: str
    file_name: str
    content_type: str
    size_bytes: int
    blob_key: str
    uploaded_by: Author
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DiscussionRecord:
    id: str
    project_id: ProjectId
    title: str
    created_by: Author
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ThreadRecord:
    id: str
    project_id: ProjectId
    discussion_id: str
    title: str
    created_by: Author
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PostRecord:
    id: str
    project_id: ProjectId
    thread_id: str
    author: Author
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BulletinRecord:
    id: str
    project_id: ProjectId
    author: Author
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """A scheduled meeting and what the live rooms need to admit people to it."""

    id: str
    project_id: ProjectId
    room_id: RoomId
    title: str
    starts_at: datetime
    ends_at: datetime
    audience: MeetingAudience
    invited_user_ids: tuple[UserId, ...]
    created_by: UserId
    created_at: datetime
    project_status: ProjectStatus


@dataclass(frozen=True, slots=True)
class HoursRecord:
    weekday: int
    """0 is Monday."""
    opens: str
    """``HH:MM`` local time."""
    closes: str


@dataclass(frozen=True, slots=True)
class HolidayRecord:
    starts_on: date
    ends_on: date
    label: str


@dataclass(frozen=True, slots=True)
class SchoolCalendarRecord:
    """A school's stored calendar; None from the repository means "never set"."""

    school_id: SchoolId
    time_zone: str
    hours: tuple[HoursRecord, ...]
    holidays: tuple[HolidayRecord, ...]
    updated_by: UserId
    updated_at: datetime
