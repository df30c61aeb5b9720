"""Project spaces: pages, materials, forum, teacher bulletin, meetings and school calendars.

Everything here lives inside one project's space and is reached through the
project's id; an id of another project's content is answered exactly as a
missing one.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field

from ..base import PageQuery, QueryModel, RequestModel, ResponseModel
from .projects import ProjectScope, ProjectStatus, SpaceRole

Title = Annotated[str, Field(min_length=1, max_length=200)]
Body = Annotated[str, Field(min_length=1, max_length=10_000)]
IdText = Annotated[str, Field(min_length=1, max_length=64)]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class PageViewScope(StrEnum):
    """Who may read a published page."""

    PUBLIC = "public"
    """Anyone, signed in or not (pupils are shown as "a pupil")."""
    MEMBERS = "members"
    TEACHERS = "teachers"
    """Adult members only: teacher admins, teachers, observers and guests."""


class PageEditScope(StrEnum):
    """Who may edit a page (and so see it while it is a draft)."""

    ADMINS = "admins"
    TEACHERS = "teachers"
    TEACHERS_AND_PUPILS = "teachers_and_pupils"


class PageState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class MeetingAudience(StrEnum):
    """Which members may see and join a meeting."""

    ALL_MEMBERS = "all_members"
    TEACHERS = "teachers"
    """Teacher admins, teachers and observers."""
    CHOSEN = "chosen"
    """The invited members, and the project's teacher admins."""


class SpaceStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class SpaceView(ResponseModel):
    """The project space as one member sees it."""

    project_id: str
    name: str
    description: str
    status: SpaceStatus
    my_role: SpaceRole
    may: list[str]
    """What the caller may do here (``create_page``, ``upload``, ...)."""
    storage_used_bytes: int
    storage_quota_bytes: int


class AuthorView(ResponseModel):
    user_id: str | None = None
    """Absent on public views."""
    label: str
    """A teacher's name; a pupil's pseudonym for members, "a pupil" in public."""
    is_pupil: bool


class CreatePageRequest(RequestModel):
    title: Title
    body: Annotated[str, Field(max_length=50_000)] = ""
    view_scope: PageViewScope = PageViewScope.MEMBERS
    edit_scope: PageEditScope = PageEditScope.TEACHERS
    state: PageState = PageState.DRAFT


class UpdatePageRequest(RequestModel):
    title: Title | None = None
    body: Annotated[str, Field(max_length=50_000)] | None = None
    view_scope: PageViewScope | None = None
    edit_scope: PageEditScope | None = None
    state: PageState | None = None


class PageView(ResponseModel):
    id: str
    project_id: str
    title: str
    body: str
    view_scope: PageViewScope
    edit_scope: PageEditScope
    state: PageState
    author: AuthorView
    updated_by: AuthorView
    created_at: datetime
    updated_at: datetime


class PageSummaryView(ResponseModel):
    id: str
    title: str
    view_scope: PageViewScope
    edit_scope: PageEditScope
    state: PageState
    updated_at: datetime


class PageListView(ResponseModel):
    pages: list[PageSummaryView]


class PublicPageView(ResponseModel):
    """A public page for anyone: authors are labelled, pupils never named."""

    id: str
    title: str
    body: str
    author: AuthorView
    updated_at: datetime


class PublicProjectView(ResponseModel):
    """The public cover of an active, closed or archived project."""

    id: str
    title: str
    description: str
    scope: ProjectScope
    status: ProjectStatus
    countries: list[str]
    pages: list[PageSummaryView]


class CreateFolderRequest(RequestModel):
    title: Title


class FolderView(ResponseModel):
    id: str
    title: str
    created_at: datetime


class FolderListView(ResponseModel):
    folders: list[FolderView]


class UploadQuery(QueryModel):
    """The body is the file itself; its name and title travel in the query."""

    file_name: Annotated[str, Field(min_length=1, max_length=255)]
    """The file's name on the uploader's machine; only a cleaned copy is kept,
    for the download, never for the stored path."""
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class MaterialView(ResponseModel):
    id: str
    folder_id: str
    title: str
    file_name: str
    """The cleaned name, with the extension of the verified type."""
    content_type: str
    """The type found in the content, never the one the uploader declared."""
    size_bytes: int
    uploaded_by: AuthorView
    created_at: datetime


class MaterialListQuery(PageQuery):
    folder_id: Annotated[str, Field(max_length=64)] | None = None


class CreateDiscussionRequest(RequestModel):
    title: Title


class DiscussionView(ResponseModel):
    id: str
    title: str
    created_by: AuthorView
    created_at: datetime


class DiscussionListView(ResponseModel):
    discussions: list[DiscussionView]


class CreateThreadRequest(RequestModel):
    title: Title
    body: Body
    """The thread's first post."""


class ThreadView(ResponseModel):
    id: str
    discussion_id: str
    title: str
    created_by: AuthorView
    created_at: datetime


class ThreadListView(ResponseModel):
    threads: list[ThreadView]


class CreatePostRequest(RequestModel):
    body: Body


class PostView(ResponseModel):
    id: str
    thread_id: str
    author: AuthorView
    body: str
    created_at: datetime


class BulletinPostRequest(RequestModel):
    body: Body


class BulletinPostView(ResponseModel):
    id: str
    author: AuthorView
    body: str
    created_at: datetime


class CreateMeetingRequest(RequestModel):
    title: Title
    starts_at: AwareDatetime
    """With its offset; stored in UTC."""
    ends_at: AwareDatetime
    audience: MeetingAudience = MeetingAudience.TEACHERS
    invited_user_ids: Annotated[list[IdText], Field(max_length=200)] = Field(default_factory=list)
    """Members who may join a ``chosen`` meeting."""


class MeetingView(ResponseModel):
    id: str
    project_id: str
    room_id: str
    """The live room this meeting opens."""
    title: str
    starts_at: datetime
    """UTC."""
    ends_at: datetime
    time_zone: str
    """The caller's time zone (their school's)."""
    local_starts_at: datetime
    """``starts_at`` in the caller's time zone."""
    local_ends_at: datetime
    audience: MeetingAudience
    invited_user_ids: list[str]
    created_by: str
    created_at: datetime


class MeetingListView(ResponseModel):
    meetings: list[MeetingView]


class SlotQuery(QueryModel):
    """Find meeting slots inside every partner school's hours."""

    start_date: date
    end_date: date
    duration_minutes: int = Field(ge=5, le=8 * 60)
    step_minutes: int = Field(default=30, ge=5, le=240)
    limit: int = Field(default=20, ge=1, le=200)


class SlotView(ResponseModel):
    starts_at: datetime
    ends_at: datetime


class SlotListView(ResponseModel):
    slots: list[SlotView]


class SchoolHours(RequestModel):
    weekday: int = Field(ge=0, le=6)
    """0 is Monday."""
    opens: ClockTime
    """Local time, ``HH:MM``."""
    closes: ClockTime


class Holiday(RequestModel):
    starts_on: date
    ends_on: date
    """Inclusive."""
    label: Annotated[str, Field(max_length=80)] = ""


class SchoolCalendarRequest(RequestModel):
    """A school's time zone, weekly hours and holidays (replaces them all)."""

    time_zone: Annotated[str, Field(min_length=1, max_length=64)]
    """An IANA zone such as ``Europe/Paris``."""
    hours: Annotated[list[SchoolHours], Field(max_length=14)]
    holidays: Annotated[list[Holiday], Field(max_length=100)] = Field(default_factory=list)


class SchoolCalendarView(ResponseModel):
    school_id: str
    time_zone: str
    hours: list[dict[str, str | int]]
    holidays: list[dict[str, str]]
    is_default: bool
    """True while nobody of the school has set it: country zone, default hours."""


class PostListView(ResponseModel):
    posts: list[PostView]


class BulletinListView(ResponseModel):
    posts: list[BulletinPostView]
