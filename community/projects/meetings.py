"""Scheduled live meetings of a project, and the slots that suit every partner school.

A teacher admin schedules a meeting with a title, a start and an end
(stored in UTC) and an audience: all members, the teachers, or a chosen
list. Each meeting gets a random ``room_id`` (UUID4, 122 bits, unguessable)
that the live rooms open; the live rooms check the membership behind it
through :class:`community.projects.directory.ProjectDirectory`. Members see
a meeting, shown in their own school's time zone, only when its audience
includes them; pupils therefore see only the meetings meant for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from cluster import Clock
from protocol.api.spaces import MeetingAudience
from protocol.errors import Forbidden, InvalidPayload, NotFound
from protocol.ids import ProjectId, RoomId, UserId, new_id
from storage import Database, UnitOfWork
from storage.records_projects import MeetingRecord

from ..accounts.names import clean_display_text
from ..clock import utc_now
from ..principal import Principal
from .access import Seat, enter_space, require, require_writable
from .calendars import CalendarService
from .roles import ADULT_ROLES, Action, may_see_meeting
from .scheduling import propose_slots

MAX_TITLE_LEN = 200
MAX_MEETING = timedelta(hours=8)
MAX_AHEAD = timedelta(days=2 * 366)


@dataclass(frozen=True, slots=True)
class MeetingPlan:
    """What a teacher admin asks for."""

    title: str
    starts_at: datetime
    ends_at: datetime
    audience: MeetingAudience
    invited_user_ids: Sequence[UserId] = ()


@dataclass(frozen=True, slots=True)
class MeetingsSeen:
    """Meetings as one member sees them, with the zone to show them in."""

    time_zone: str
    meetings: tuple[MeetingRecord, ...]


def _visible(seat: Seat, meeting: MeetingRecord) -> bool:
    return may_see_meeting(
        seat.member.role,
        seat.member.user_id,
        audience=meeting.audience,
        invited_user_ids=meeting.invited_user_ids,
    )


class MeetingService:
    """Schedules, lists and reads meetings; proposes slots."""

    def __init__(self, *, db: Database, clock: Clock, calendars: CalendarService) -> None:
        self._db = db
        self._clock = clock
        self._calendars = calendars

    async def _zone(self, uow: UnitOfWork, seat: Seat) -> str:
        return (await self._calendars.effective(uow, seat.member.school_id)).time_zone

    async def schedule(
        self, actor: Principal, project_id: ProjectId, plan: MeetingPlan
    ) -> MeetingsSeen:
        """Schedule a meeting; returns it as the caller sees it.

        Raises:
            NotFound: Not a member.
            Forbidden: Not a teacher admin.
            SpaceReadOnly: Closed or archived.
            InvalidPayload: Naive or inverted times, in the past, too long, or
                invitees who are not members (or invitees without ``chosen``).
        """
        title = clean_display_text(plan.title, field="title", max_len=MAX_TITLE_LEN)
        if plan.starts_at.tzinfo is None or plan.ends_at.tzinfo is None:
            raise InvalidPayload("give times with their offset", details={"field": "starts_at"})
        starts, ends = plan.starts_at.astimezone(UTC), plan.ends_at.astimezone(UTC)
        now = utc_now(self._clock)
        if not starts < ends <= starts + MAX_MEETING:
            raise InvalidPayload(
                "a meeting ends after it starts and lasts at most 8 hours",
                details={"field": "ends_at"},
            )
        if starts < now or starts > now + MAX_AHEAD:
            raise InvalidPayload(
                "a meeting starts in the future (within two years)", details={"field": "starts_at"}
            )
        invited = sorted(set(plan.invited_user_ids))
        if invited and plan.audience is not MeetingAudience.CHOSEN:
            raise InvalidPayload(
                "invite members only to a meeting for a chosen list",
                details={"field": "invited_user_ids"},
            )
        async with self._db.transaction("meetings.schedule") as uow:
            seat = await enter_space(uow, project_id, actor)
            require(seat, Action.CREATE_MEETING)
            require_writable(seat)
            members = {m.user_id for m in await uow.projects.list_members(project_id)}
            strangers = [u for u in invited if u not in members]
            if strangers:
                raise InvalidPayload(
                    "only members of the project can be invited",
                    details={"field": "invited_user_ids", "count": len(strangers)},
                )
            meeting = await uow.spaces.add_meeting(
                meeting_id=new_id(),
                project_id=project_id,
                room_id=RoomId(new_id()),
                title=title,
                starts_at=starts,
                ends_at=ends,
                audience=plan.audience,
                invited_user_ids=invited,
                author_id=actor.user_id,
                now=now,
            )
            return MeetingsSeen(await self._zone(uow, seat), (meeting,))

    async def list_meetings(self, actor: Principal, project_id: ProjectId) -> MeetingsSeen:
        """The meetings whose audience includes the caller, by start time.

        Raises:
            NotFound: Not a member.
        """
        async with self._db.transaction("meetings.list") as uow:
            seat = await enter_space(uow, project_id, actor)
            meetings = await uow.spaces.list_meetings(project_id)
            zone = await self._zone(uow, seat)
        return MeetingsSeen(zone, tuple(m for m in meetings if _visible(seat, m)))

    async def get_meeting(
        self, actor: Principal, project_id: ProjectId, meeting_id: str
    ) -> MeetingsSeen:
        """Raises: NotFound: not a member, no such meeting, or not in its audience."""
        async with self._db.transaction("meetings.get") as uow:
            seat = await enter_space(uow, project_id, actor)
            meeting = await uow.spaces.find_meeting(project_id, meeting_id)
            if meeting is None or not _visible(seat, meeting):
                raise NotFound("no such meeting")
            return MeetingsSeen(await self._zone(uow, seat), (meeting,))

    async def propose(
        self,
        actor: Principal,
        project_id: ProjectId,
        *,
        first_day: date,
        last_day: date,
        duration: timedelta,
        step: timedelta,
        limit: int,
    ) -> list[tuple[datetime, datetime]]:
        """Slots inside every member school's hours, outside their holidays.

        The days are read in the caller's school's time zone.

        Raises:
            NotFound: Not a member.
            Forbidden: Pupils (meetings are planned by teachers).
            InvalidPayload: A bad range, duration or step.
        """
        async with self._db.transaction("meetings.propose") as uow:
            seat = await enter_space(uow, project_id, actor)
            if seat.member.role not in ADULT_ROLES:
                raise Forbidden("meetings are planned by the project's teachers")
            schools = sorted({m.school_id for m in await uow.projects.list_members(project_id)})
            calendars = [await self._calendars.effective(uow, s) for s in schools]
            own = await self._zone(uow, seat)
        return propose_slots(
            [c.week() for c in calendars],
            first_day=first_day,
            last_day=last_day,
            range_zone=ZoneInfo(own),
            duration=duration,
            step=step,
            limit=limit,
        )
