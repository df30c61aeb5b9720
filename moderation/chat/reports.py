"""Reports: any participant flags a message; the room's teachers see it at once.

A report goes to the teachers of the room, live (``moderation.report_filed``,
sequenced, so a teacher who reconnects finds it), and stays listed for the
project's teacher admins afterwards; never only to a platform admin. The
reporter must be able to see the message; reporting it again changes
nothing and answers the same report id. Filing and closing a report are in
the project's audit log.

A report is stored first, then told: what teachers are told must be listed
too. The room commit that tells it keeps a mark ``report:<report_id>``
holding what the teachers were told (``open``, then the outcome), so a
report stored but not told (a crash, the room's store unreachable between
the two) is told once, later: when the reporter reports the message again,
when a teacher lists the session's reports, or tries to close it (again).
The mark makes each telling once: the second finds it and tells nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from cluster import Clock
from community import Principal, ProjectDirectory
from protocol.errors import NotFound
from protocol.events.base import ServerEvent
from protocol.events.chat import ReportReason
from protocol.events.moderation import ReportFiled, ReportList, ReportResolved
from protocol.ids import MessageId, ProjectId, new_id
from rooms import TEACHERS, ChatChange, ChatRoom, Notice, RoomActor, RoomServices
from storage import Database, DuplicateKey
from storage.records import Slice
from storage.records_moderation import ChatReportRecord, HistoryViewer

from .access import require_project_teacher
from .acting import RoomAction
from .errors import AlreadyDecided
from .history import may_read
from .views import report_view

MAX_PROJECT_PAGE = 100
MARK = "report:"
"""Prefix of a report's mark in the session's state: what the teachers were told."""
OPEN = "open"


def _untold(room: ChatRoom, report: ChatReportRecord) -> bool:
    """Whether the teachers were not told the report as it stands."""
    return room.mark(MARK + report.report_id) != report.status


def catching_up(reports: list[ChatReportRecord]) -> Callable[[ChatRoom], ChatChange[None]]:
    """The room commit telling the teachers what they were not told of ``reports``."""

    def decide(current: ChatRoom) -> ChatChange[None]:
        change: ChatChange[None] = ChatChange(None)
        for report in reports:
            if not _untold(current, report):
                continue
            if report.status == OPEN:
                event: ServerEvent = ReportFiled(report=report_view(report))
            else:
                by = next(
                    (p for p in current.participants() if p.user_id == report.resolved_by), None
                )
                event = ReportResolved(
                    report_id=report.report_id,
                    outcome=report.status,
                    by_participant_id="" if by is None else by.participant_id,
                )
            change.notices.append(Notice(TEACHERS, event))
            change.marks[MARK + report.report_id] = report.status
        return change

    return decide


class ChatReports:
    """Files, lists and closes reports of a room's messages.

    Args:
        db: Messages, reports and the audit log.
        rooms: The live rooms.
        directory: Who teaches which project (for the project's list).
        clock: For report times.
    """

    def __init__(
        self, *, db: Database, rooms: RoomServices, directory: ProjectDirectory, clock: Clock
    ) -> None:
        self._db = db
        self._rooms = rooms
        self._directory = directory
        self._clock = clock

    async def report(self, actor: RoomActor, message_id: MessageId, reason: ReportReason) -> str:
        """Report a message to the room's teachers; returns the report's id.

        Raises:
            NotInRoom, RoomClosed: The reporter is not present on this connection.
            NotFound: No such message in this session, or not one the reporter sees.
        """
        acting = await RoomAction.begin(self._rooms, self._clock, actor, staff=False)
        room = acting.room
        viewer = HistoryViewer(actor.user_id, room.actor.is_staff, room.actor.group_id)
        try:
            async with self._db.transaction("moderation.report") as uow:
                message = await acting.message(uow, message_id)
                if message.status != "posted" or not may_read(message, viewer):
                    raise NotFound("no such message in this session")
                # Reported before: the same report, told below if it was not then.
                filed = await uow.moderation.find_report_of(message_id, actor.user_id)
                if filed is None:
                    filed = await uow.moderation.add_report(
                        report_id=new_id(),
                        message=message,
                        reporter_user_id=actor.user_id,
                        reporter_participant_id=actor.participant_id,
                        reason=reason.value,
                        at=acting.at,
                    )
                    await acting.audit(
                        uow,
                        "chat.report_filed",
                        subject_type="chat_message",
                        subject_id=message_id,
                        reason=reason.value,
                        report_id=filed.report_id,
                    )
        except DuplicateKey:
            # The same report, sent twice at once: the other one won (and tells).
            async with self._db.transaction("moderation.report_again") as uow:
                earlier = await uow.moderation.find_report_of(message_id, actor.user_id)
            if earlier is None:
                raise
            return earlier.report_id
        await self._rooms.chat.act(actor, catching_up([filed]), staff=False)
        return filed.report_id

    async def list_reports(self, actor: RoomActor) -> ReportList:
        """The session's reports, oldest first.

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
        """
        room = (await RoomAction.begin(self._rooms, self._clock, actor)).room
        async with self._db.transaction("moderation.reports_list") as uow:
            found = await uow.moderation.list_reports(room.room_id, room.session_id)
        if any(_untold(room, report) for report in found):
            await self._rooms.chat.act(actor, catching_up(found))
        return ReportList(reports=[report_view(r) for r in found])

    async def resolve(self, actor: RoomActor, report_id: str, outcome: str) -> None:
        """Close an open report as ``dismissed`` or ``actioned``.

        Raises:
            NotInRoom, RoomClosed: Not present. Forbidden: not a teacher now.
            NotFound: No such report in this room.
            AlreadyDecided: The report is closed already (its closing is told
                now if the teachers were not told of it).
            ClusterUnavailable: The room could not be told (it is closed all the same).
        """
        acting = await RoomAction.begin(self._rooms, self._clock, actor)
        async with self._db.transaction("moderation.report_resolve") as uow:
            found = await uow.moderation.find_report(report_id)
            if found is None or found.room_id != acting.room.room_id:
                raise NotFound("no such report in this room")
            closing = await uow.moderation.resolve_report(
                report_id, status=outcome, resolved_by=actor.user_id, at=acting.at
            )
            if closing:
                await acting.audit(
                    uow,
                    "chat.report_resolved",
                    subject_type="chat_message",
                    subject_id=found.message_id,
                    reason=outcome,
                    report_id=report_id,
                )
                found = replace(
                    found, status=outcome, resolved_by=actor.user_id, resolved_at=acting.at
                )
        await self._rooms.chat.act(actor, catching_up([found]))
        if not closing:
            raise AlreadyDecided("this report is closed already")

    async def project_reports(
        self, actor: Principal, project_id: ProjectId, *, cursor: str | None, limit: int
    ) -> Slice[ChatReportRecord]:
        """Every report in the project's rooms, newest first, for its teacher admins.

        Raises:
            NotFound: Not a member (or no such project). Forbidden: not a teacher admin.
        """
        await require_project_teacher(self._directory, actor, project_id, admin=True)
        async with self._db.transaction("moderation.reports_project") as uow:
            return await uow.moderation.list_project_reports(
                project_id, cursor=cursor, limit=min(limit, MAX_PROJECT_PAGE)
            )
