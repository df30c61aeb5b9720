"""Scheduled meetings of project spaces, slot proposals, and schools' calendars."""

from __future__ import annotations

from datetime import timedelta

from community import MeetingPlan, MeetingsSeen
from protocol.api.spaces import (
    CreateMeetingRequest,
    MeetingListView,
    MeetingView,
    SchoolCalendarRequest,
    SchoolCalendarView,
    SlotListView,
    SlotQuery,
    SlotView,
)
from protocol.ids import ProjectId, SchoolId, UserId
from storage.records_projects import HolidayRecord, HoursRecord

from .projects_views import calendar_view, meeting_view
from .routing import Access, Ctx, RouteTable

routes = RouteTable()
TAGS = ("meetings",)
BASE = "/api/v1/projects/{project_id}"


def _meetings(seen: MeetingsSeen) -> list[MeetingView]:
    return [meeting_view(m, seen.time_zone) for m in seen.meetings]


@routes.get(f"{BASE}/meetings", access=Access.ACTIVE, summary="Scheduled meetings", tags=TAGS)
async def list_project_meetings(ctx: Ctx, project_id: str) -> MeetingListView:
    """Only meetings whose audience includes the caller, in the caller's time zone."""
    seen = await ctx.services.projects.meetings.list_meetings(ctx.actor, ProjectId(project_id))
    return MeetingListView(meetings=_meetings(seen))


@routes.post(
    f"{BASE}/meetings",
    access=Access.TEACHER,
    summary="Schedule a meeting",
    tags=TAGS,
    status=201,
)
async def schedule_meeting(ctx: Ctx, project_id: str, body: CreateMeetingRequest) -> MeetingView:
    """Teacher admins only; the meeting gets a random room id for the live room."""
    seen = await ctx.services.projects.meetings.schedule(
        ctx.actor,
        ProjectId(project_id),
        MeetingPlan(
            title=body.title,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            audience=body.audience,
            invited_user_ids=[UserId(u) for u in body.invited_user_ids],
        ),
    )
    return _meetings(seen)[0]


@routes.get(f"{BASE}/meetings/{{meeting_id}}", access=Access.ACTIVE, summary="A meeting", tags=TAGS)
async def get_project_meeting(ctx: Ctx, project_id: str, meeting_id: str) -> MeetingView:
    seen = await ctx.services.projects.meetings.get_meeting(
        ctx.actor, ProjectId(project_id), meeting_id
    )
    return _meetings(seen)[0]


@routes.get(
    f"{BASE}/meeting-slots",
    access=Access.TEACHER,
    summary="Propose slots that suit every partner school",
    tags=TAGS,
)
async def propose_meeting_slots(ctx: Ctx, project_id: str, query: SlotQuery) -> SlotListView:
    """Inside every member school's hours and outside its holidays; days are read
    in the caller's school's time zone; times are returned in UTC."""
    slots = await ctx.services.projects.meetings.propose(
        ctx.actor,
        ProjectId(project_id),
        first_day=query.start_date,
        last_day=query.end_date,
        duration=timedelta(minutes=query.duration_minutes),
        step=timedelta(minutes=query.step_minutes),
        limit=query.limit,
    )
    return SlotListView(slots=[SlotView(starts_at=s, ends_at=e) for s, e in slots])


@routes.get(
    "/api/v1/schools/{school_id}/calendar",
    access=Access.TEACHER,
    summary="A school's time zone, hours and holidays",
    tags=TAGS,
)
async def get_school_calendar(ctx: Ctx, school_id: str) -> SchoolCalendarView:
    calendar = await ctx.services.projects.calendars.get(ctx.actor, SchoolId(school_id))
    return calendar_view(calendar)


@routes.put(
    "/api/v1/schools/{school_id}/calendar",
    access=Access.TEACHER,
    summary="Set one's school's time zone, hours and holidays",
    tags=TAGS,
)
async def set_school_calendar(
    ctx: Ctx, school_id: str, body: SchoolCalendarRequest
) -> SchoolCalendarView:
    """Any validated teacher of the school; replaces the whole calendar."""
    calendar = await ctx.services.projects.calendars.update(
        ctx.actor,
        SchoolId(school_id),
        time_zone=body.time_zone,
        hours=[HoursRecord(h.weekday, h.opens, h.closes) for h in body.hours],
        holidays=[HolidayRecord(h.starts_on, h.ends_on, h.label) for h in body.holidays],
    )
    return calendar_view(calendar)
