"""Live rooms over HTTP: join tokens for members, ad-hoc rooms, attendance, bans.

The realtime part of rooms is Socket.IO (``server.realtime``); these routes
serve what happens around it. Attendance comes as JSON or as CSV for a
spreadsheet (cells that a spreadsheet would run as formulas are quoted).
"""

from __future__ import annotations

import csv
import io

from aiohttp import web

from protocol.api.integrations import JoinTokenView
from protocol.api.rooms import (
    AttendanceLineView,
    AttendanceReportView,
    BanListView,
    BanView,
    LiveRoomView,
    RoomSessionListView,
    RoomSessionView,
)
from protocol.ids import ProjectId, RoomId, UserId
from rooms import AttendanceReport
from storage.records_rooms import RoomSessionRecord

from ..realtime.accounts import AccountEpochs, issue_join_token
from .routing import Access, Ctx, RouteTable

routes = RouteTable()
TAGS = ("rooms",)
CSV_COLUMNS = (
    "participant_id",
    "user_id",
    "display_name",
    "role",
    "school_id",
    "joined_at",
    "left_at",
    "seconds",
    "leave_reason",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _session_view(session: RoomSessionRecord) -> RoomSessionView:
    return RoomSessionView(
        session_id=session.id,
        room_id=session.room_id,
        started_at=session.started_at,
        ended_at=session.ended_at,
    )


def _report_view(report: AttendanceReport) -> AttendanceReportView:
    return AttendanceReportView(
        room_id=report.room_id,
        session=_session_view(report.session),
        lines=[
            AttendanceLineView(
                participant_id=line.participant_id,
                user_id=line.user_id,
                display_name=line.display_name,
                role=line.role,
                school_id=line.school_id,
                joined_at=line.joined_at,
                left_at=line.left_at,
                seconds=line.seconds,
                leave_reason=line.leave_reason,
            )
            for line in report.lines
        ],
    )


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # OWASP CSV injection: a cell starting like a formula is quoted.
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@routes.post(
    "/api/v1/rooms/{room_id}/join-token",
    access=Access.ACTIVE,
    summary="Get a join token for a live room",
    tags=TAGS,
    status=201,
    errors=(404,),
)
async def create_join_token(ctx: Ctx, room_id: str) -> JoinTokenView:
    """For a member of the room's project (in the meeting's audience). The role
    follows the project role: teacher admins host, teachers co-teach, pupils are
    pupils, observers observe. Pass the token in the Socket.IO ``auth`` payload."""
    services = ctx.services
    issued = await issue_join_token(
        ctx.actor,
        RoomId(room_id),
        rooms=services.rooms,
        accounts=services.accounts,
        epochs=AccountEpochs(services.db),
        ttl_s=services.settings.accounts.join_token_max_ttl_s,
    )
    return JoinTokenView(
        join_token=issued.token,
        expires_at=issued.expires_at,
        role=issued.role,
        grants=issued.grants,
    )


@routes.post(
    "/api/v1/projects/{project_id}/rooms",
    access=Access.TEACHER,
    summary="Open a live room for the project's teachers",
    tags=TAGS,
    status=201,
    errors=(404,),
)
async def open_room(ctx: Ctx, project_id: str) -> LiveRoomView:
    """An ad-hoc room, outside the scheduled meetings; its roster is the
    project's teachers (anyone else waits in the lobby)."""
    room = await ctx.services.rooms.admission.open_adhoc(ctx.actor, ProjectId(project_id))
    return LiveRoomView(
        room_id=room.id, project_id=room.project_id, kind=room.kind, created_at=room.created_at
    )


@routes.get(
    "/api/v1/rooms/{room_id}/sessions",
    access=Access.TEACHER,
    summary="List a room's sessions",
    tags=TAGS,
    errors=(404,),
)
async def list_sessions(ctx: Ctx, room_id: str) -> RoomSessionListView:
    sessions = await ctx.services.rooms.attendance.sessions(ctx.actor, RoomId(room_id))
    return RoomSessionListView(sessions=[_session_view(s) for s in sessions])


@routes.get(
    "/api/v1/rooms/{room_id}/sessions/{session_id}/attendance",
    access=Access.TEACHER,
    summary="Attendance of a session (JSON)",
    tags=TAGS,
    errors=(404,),
)
async def attendance(ctx: Ctx, room_id: str, session_id: str) -> AttendanceReportView:
    """Every join and leave of the session, with the roster's names."""
    report = await ctx.services.rooms.attendance.report(ctx.actor, RoomId(room_id), session_id)
    return _report_view(report)


@routes.get(
    "/api/v1/rooms/{room_id}/sessions/{session_id}/attendance.csv",
    access=Access.TEACHER,
    summary="Attendance of a session (CSV)",
    tags=TAGS,
    errors=(404,),
)
async def attendance_csv(ctx: Ctx, room_id: str, session_id: str) -> web.Response:
    """The same report as a spreadsheet file."""
    report = await ctx.services.rooms.attendance.report(ctx.actor, RoomId(room_id), session_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for line in _report_view(report).lines:
        data = line.model_dump(mode="json")
        writer.writerow([_cell(data[column]) for column in CSV_COLUMNS])
    response = web.Response(text=buffer.getvalue(), content_type="text/csv", charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="attendance-{session_id}.csv"'
    return response


@routes.get(
    "/api/v1/rooms/{room_id}/bans",
    access=Access.TEACHER,
    summary="List the room's bans",
    tags=TAGS,
    errors=(404,),
)
async def list_bans(ctx: Ctx, room_id: str) -> BanListView:
    bans = await ctx.services.rooms.removal.list_bans(ctx.actor, RoomId(room_id))
    return BanListView(
        bans=[
            BanView(user_id=b.user_id, banned_by=b.banned_by, banned_at=b.banned_at) for b in bans
        ]
    )


@routes.delete(
    "/api/v1/rooms/{room_id}/bans/{user_id}",
    access=Access.TEACHER,
    summary="Lift a ban",
    tags=TAGS,
    errors=(404,),
)
async def lift_ban(ctx: Ctx, room_id: str, user_id: str) -> None:
    await ctx.services.rooms.removal.lift_ban_by_teacher(
        ctx.actor, RoomId(room_id), UserId(user_id)
    )
