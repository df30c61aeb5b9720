"""Moderation's rows: chat messages, reports, held space content, settings, retention.

Over 400 lines on purpose: one repository per area (as ``uow.rooms``), and
the purge queries need the same column lists as the rest.

The chat hot path is ``add_messages`` alone: one bulk INSERT per batch of
messages (``moderation.chat.writer`` groups them), whose unique
``(participant_id, client_msg_id)`` makes a retried send a ``DuplicateKey``
rather than a second message. Every state change of a
message is a guarded UPDATE (``WHERE status = ...``) so that two teachers
deciding at once cannot both win.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.sql.elements import ColumnElement

from protocol.ids import MessageId, ProjectId, RoomId, SchoolId, UserId

from ..pagination import decode_cursor, encode_cursor
from ..records import Slice
from ..records_moderation import (
    ChatMessageRecord,
    ChatReportRecord,
    ChatRoomSettingsRecord,
    HeldContentRecord,
    HistoryViewer,
    NewChatMessage,
    ProjectTermRecord,
)
from ..tables.moderation import (
    ChatMessage,
    ChatReport,
    ChatRoomSettings,
    HeldContent,
    ProjectTerm,
    SchoolChatRetention,
)
from ..tables.rooms import RoomSession

VISIBLE = ("posted", "deleted")
"""Statuses everyone in a message's audience sees (a deleted one as a tombstone)."""


def _uid(value: str | None) -> UserId | None:
    return None if value is None else UserId(value)


def _message(row: ChatMessage) -> ChatMessageRecord:
    return ChatMessageRecord(
        id=row.id,
        message_id=MessageId(row.message_id),
        room_id=RoomId(row.room_id),
        session_id=row.session_id,
        project_id=ProjectId(row.project_id),
        school_id=None if row.school_id is None else SchoolId(row.school_id),
        participant_id=row.participant_id,
        sender_user_id=_uid(row.sender_user_id),
        sender_role=row.sender_role,
        channel=row.channel,
        group_id=row.group_id,
        peer_user_id=_uid(row.peer_user_id),
        peer_participant_id=row.peer_participant_id,
        status=row.status,
        text=row.text,
        client_msg_id=row.client_msg_id,
        sent_at=row.sent_at,
        links_allowed=row.links_allowed,
        edited=row.edited,
        hold_reason=row.hold_reason,
        findings=tuple(row.findings or ()),
        decided_by=_uid(row.decided_by),
        decided_at=row.decided_at,
    )


_NEW_FIELDS = tuple(name for name in NewChatMessage._fields if name != "findings")
"""``NewChatMessage``'s fields, each a column of the same name (findings aside)."""


def _new_row(new: NewChatMessage) -> dict[str, Any]:
    """The columns of a new message's row."""
    row = {name: getattr(new, name) for name in _NEW_FIELDS}
    row.update(
        edited=False,
        findings=[dict(f) for f in new.findings] or None,
        decided_by=None,
        decided_at=None,
    )
    return row


def _stored(new: NewChatMessage, row_id: int) -> ChatMessageRecord:
    """The record of a row just inserted from ``new`` (without reading it back)."""
    return ChatMessageRecord(
        id=row_id,
        edited=False,
        findings=tuple(dict(f) for f in new.findings),
        decided_by=None,
        decided_at=None,
        **{name: getattr(new, name) for name in _NEW_FIELDS},
    )


def insert_messages(
    news: Sequence[NewChatMessage],
) -> tuple[ReturningInsert[str, int], list[dict[str, Any]]]:
    """One bulk INSERT of new chat messages, and its rows (for either engine's
    session or connection; ``inserted_messages`` reads what it returns).

    No ORM object per row, one statement for the whole batch (SQLAlchemy's
    "insertmanyvalues"). It returns the message ids with the row ids rather
    than asking for the rows' order (``sort_by_parameter_order``), which on
    SQLite would mean one statement per row.
    """
    statement = insert(ChatMessage).returning(ChatMessage.message_id, ChatMessage.id)
    return statement, new_message_rows(news)


def new_message_rows(news: Sequence[NewChatMessage]) -> list[dict[str, Any]]:
    """The rows of new chat messages, by column name (every column but ``id``)."""
    return [_new_row(new) for new in news]


def inserted_messages(
    news: Sequence[NewChatMessage], returned: Iterable[Row[str, int] | tuple[str, int]]
) -> list[ChatMessageRecord]:
    """The records of ``news`` once ``insert_messages`` returned their ids."""
    ids = {message_id: row_id for message_id, row_id in returned}
    return [_stored(new, ids[new.message_id]) for new in news]


def _report(row: ChatReport) -> ChatReportRecord:
    return ChatReportRecord(
        id=row.id,
        report_id=row.report_id,
        message_id=MessageId(row.message_id),
        room_id=RoomId(row.room_id),
        session_id=row.session_id,
        project_id=ProjectId(row.project_id),
        reporter_user_id=UserId(row.reporter_user_id),
        reporter_participant_id=row.reporter_participant_id,
        reason=row.reason,
        status=row.status,
        created_at=row.created_at,
        resolved_by=_uid(row.resolved_by),
        resolved_at=row.resolved_at,
    )


def _held(row: HeldContent) -> HeldContentRecord:
    return HeldContentRecord(
        id=row.id,
        held_id=row.held_id,
        project_id=ProjectId(row.project_id),
        kind=row.kind,
        author_user_id=UserId(row.author_user_id),
        school_id=None if row.school_id is None else SchoolId(row.school_id),
        target_id=row.target_id,
        title=row.title,
        body=row.body,
        extra=dict(row.extra or {}),
        reason=row.reason,
        findings=tuple(row.findings or ()),
        status=row.status,
        created_at=row.created_at,
        decided_by=_uid(row.decided_by),
        decided_at=row.decided_at,
    )


def _visible_to(viewer: HistoryViewer) -> ColumnElement[bool]:
    """The rows of a session ``viewer`` may see (held ones: only their own)."""
    m = ChatMessage
    shown = or_(
        m.status.in_(VISIBLE),
        and_(m.status == "held", m.sender_user_id == viewer.user_id),
    )
    if viewer.is_staff:
        # Teachers read every channel: private messages between pupils too.
        return shown
    room = and_(
        m.channel == "room",
        or_(m.group_id.is_(None), m.group_id == viewer.group_id)
        if viewer.group_id is not None
        else m.group_id.is_(None),
    )
    thread = and_(m.channel == "teachers", m.peer_user_id == viewer.user_id)
    direct = and_(
        m.channel == "direct",
        or_(m.sender_user_id == viewer.user_id, m.peer_user_id == viewer.user_id),
    )
    return and_(shown, or_(room, thread, direct))


class SqlModerationRepo:
    """Rows of moderation (see the module docstring)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- chat messages ---------------------------------------------------------

    async def add_messages(self, news: Sequence[NewChatMessage]) -> list[ChatMessageRecord]:
        """Store messages, in this order, in one statement (see ``insert_messages``).

        Raises:
            DuplicateKey: (at commit) one of them reused its participant's ``client_msg_id``.
        """
        if not news:
            return []
        statement, rows = insert_messages(news)
        result = await self._session.execute(statement, rows)
        return inserted_messages(news, result)

    async def add_message(self, new: NewChatMessage) -> ChatMessageRecord:
        """Store one message (see ``add_messages``).

        Raises:
            DuplicateKey: (at commit) the participant used this ``client_msg_id`` before.
        """
        (stored,) = await self.add_messages([new])
        return stored

    async def find_message(self, message_id: str) -> ChatMessageRecord | None:
        row = await self._session.scalar(
            select(ChatMessage).where(ChatMessage.message_id == message_id)
        )
        return None if row is None else _message(row)

    async def find_by_client_id(
        self, participant_id: str, client_msg_id: str
    ) -> ChatMessageRecord | None:
        row = await self._session.scalar(
            select(ChatMessage).where(
                ChatMessage.participant_id == participant_id,
                ChatMessage.client_msg_id == client_msg_id,
            )
        )
        return None if row is None else _message(row)

    async def remove_message(self, message_id: str) -> None:
        """Forget a message that was stored but never sent (its append failed)."""
        await self._session.execute(delete(ChatMessage).where(ChatMessage.message_id == message_id))

    async def history(
        self,
        room_id: RoomId,
        session_id: str,
        viewer: HistoryViewer,
        *,
        before_id: int | None,
        limit: int,
    ) -> list[ChatMessageRecord]:
        """The newest ``limit`` messages ``viewer`` may see, before ``before_id``; newest first."""
        query = select(ChatMessage).where(
            ChatMessage.room_id == room_id,
            ChatMessage.session_id == session_id,
            _visible_to(viewer),
        )
        if before_id is not None:
            query = query.where(ChatMessage.id < before_id)
        rows = await self._session.scalars(query.order_by(ChatMessage.id.desc()).limit(limit))
        return [_message(r) for r in rows]

    async def list_held(self, room_id: RoomId, session_id: str) -> list[ChatMessageRecord]:
        """The session's waiting messages, oldest first."""
        rows = await self._session.scalars(
            select(ChatMessage)
            .where(
                ChatMessage.room_id == room_id,
                ChatMessage.session_id == session_id,
                ChatMessage.status == "held",
            )
            .order_by(ChatMessage.id)
        )
        return [_message(r) for r in rows]

    async def list_session_messages(
        self, room_id: RoomId, session_id: str
    ) -> list[ChatMessageRecord]:
        """Every stored message of a session, in order (for the transcript)."""
        rows = await self._session.scalars(
            select(ChatMessage)
            .where(ChatMessage.room_id == room_id, ChatMessage.session_id == session_id)
            .order_by(ChatMessage.id)
        )
        return [_message(r) for r in rows]

    async def decide_held(
        self,
        message_id: str,
        *,
        approve: bool,
        text: str | None,
        decided_by: UserId,
        at: datetime,
    ) -> bool:
        """Approve (with ``text``: edited) or refuse a waiting message.

        Returns:
            False when it was not waiting (already decided, or no such message).
        """
        values: dict[str, Any] = {"decided_by": decided_by, "decided_at": at}
        if approve:
            values["status"] = "posted"
            if text is not None:
                values.update(text=text, edited=True)
        else:
            values.update(status="rejected", text=None)
        result = await self._session.execute(
            update(ChatMessage)
            .where(ChatMessage.message_id == message_id, ChatMessage.status == "held")
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def tombstone(self, message_id: str, *, decided_by: UserId, at: datetime) -> bool:
        """Delete a posted (or cleared) message's text for good; False if it was not shown.

        A cleared message stays cleared (out of the participants' view), without its text.
        """
        m = ChatMessage
        result = await self._session.execute(
            update(m)
            .where(m.message_id == message_id, m.status.in_(("posted", "cleared")))
            .values(
                status=case((m.status == "posted", "deleted"), else_=m.status),
                text=None,
                decided_by=decided_by,
                decided_at=at,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def clear_session(
        self, room_id: RoomId, session_id: str, *, decided_by: UserId, at: datetime
    ) -> int:
        """Hide every shown message (posted, and tombstones) of the session from
        participants; returns how many."""
        result = await self._session.execute(
            update(ChatMessage)
            .where(
                ChatMessage.room_id == room_id,
                ChatMessage.session_id == session_id,
                ChatMessage.status.in_(VISIBLE),
            )
            .values(status="cleared", decided_by=decided_by, decided_at=at)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    # -- reports -----------------------------------------------------------------

    async def add_report(
        self,
        *,
        report_id: str,
        message: ChatMessageRecord,
        reporter_user_id: UserId,
        reporter_participant_id: str,
        reason: str,
        at: datetime,
    ) -> ChatReportRecord:
        """Raises: DuplicateKey (at commit): this person reported this message before."""
        row = ChatReport(
            report_id=report_id,
            message_id=message.message_id,
            room_id=message.room_id,
            session_id=message.session_id,
            project_id=message.project_id,
            reporter_user_id=reporter_user_id,
            reporter_participant_id=reporter_participant_id,
            reason=reason,
            status="open",
            created_at=at,
        )
        self._session.add(row)
        await self._session.flush()
        return _report(row)

    async def find_report(self, report_id: str) -> ChatReportRecord | None:
        row = await self._session.scalar(
            select(ChatReport).where(ChatReport.report_id == report_id)
        )
        return None if row is None else _report(row)

    async def find_report_of(
        self, message_id: str, reporter_user_id: UserId
    ) -> ChatReportRecord | None:
        row = await self._session.scalar(
            select(ChatReport).where(
                ChatReport.message_id == message_id,
                ChatReport.reporter_user_id == reporter_user_id,
            )
        )
        return None if row is None else _report(row)

    async def list_reports(self, room_id: RoomId, session_id: str) -> list[ChatReportRecord]:
        """A session's reports, oldest first."""
        rows = await self._session.scalars(
            select(ChatReport)
            .where(ChatReport.room_id == room_id, ChatReport.session_id == session_id)
            .order_by(ChatReport.id)
        )
        return [_report(r) for r in rows]

    async def list_project_reports(
        self, project_id: ProjectId, *, cursor: str | None, limit: int
    ) -> Slice[ChatReportRecord]:
        """Every report in the project's rooms, newest first."""
        query = select(ChatReport).where(ChatReport.project_id == project_id)
        if cursor is not None:
            (last_id,) = decode_cursor(cursor, 1, kinds=(int,))
            query = query.where(ChatReport.id < last_id)
        rows = (
            await self._session.scalars(query.order_by(ChatReport.id.desc()).limit(limit + 1))
        ).all()
        page = [_report(r) for r in rows[:limit]]
        return Slice(tuple(page), encode_cursor(page[-1].id) if len(rows) > limit else None)

    async def resolve_report(
        self, report_id: str, *, status: str, resolved_by: UserId, at: datetime
    ) -> bool:
        """Close an open report; False when it was not open."""
        result = await self._session.execute(
            update(ChatReport)
            .where(ChatReport.report_id == report_id, ChatReport.status == "open")
            .values(status=status, resolved_by=resolved_by, resolved_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- room settings and project terms -------------------------------------------

    async def find_room_settings(self, room_id: RoomId) -> ChatRoomSettingsRecord | None:
        row = await self._session.get(ChatRoomSettings, room_id)
        if row is None:
            return None
        return ChatRoomSettingsRecord(
            room_id=RoomId(row.room_id),
            premoderation=row.premoderation,
            personal_data=row.personal_data,
            links_allowed=row.links_allowed,
            slow_mode_s=row.slow_mode_s,
            allowed_domains=tuple(row.allowed_domains or ()),
        )

    async def put_room_settings(
        self, settings: ChatRoomSettingsRecord, *, updated_by: UserId, at: datetime
    ) -> None:
        row = await self._session.get(ChatRoomSettings, settings.room_id)
        if row is None:
            row = ChatRoomSettings(room_id=settings.room_id)
            self._session.add(row)
        row.premoderation = settings.premoderation
        row.personal_data = settings.personal_data
        row.links_allowed = settings.links_allowed
        row.slow_mode_s = settings.slow_mode_s
        row.allowed_domains = list(settings.allowed_domains)
        row.updated_by = updated_by
        row.updated_at = at
        await self._session.flush()

    async def list_terms(self, project_id: ProjectId) -> list[ProjectTermRecord]:
        rows = await self._session.scalars(
            select(ProjectTerm).where(ProjectTerm.project_id == project_id).order_by(ProjectTerm.id)
        )
        return [
            ProjectTermRecord(
                project_id=ProjectId(r.project_id),
                text=r.text,
                severity=r.severity,
                added_by=UserId(r.added_by),
                added_at=r.added_at,
            )
            for r in rows
        ]

    async def count_terms(self, project_id: ProjectId) -> int:
        found = await self._session.scalar(
            select(func.count())
            .select_from(ProjectTerm)
            .where(ProjectTerm.project_id == project_id)
        )
        return int(found or 0)

    async def add_term(
        self, *, project_id: ProjectId, text: str, severity: str, added_by: UserId, at: datetime
    ) -> None:
        """Raises: DuplicateKey (at commit): the project has this term already."""
        self._session.add(
            ProjectTerm(
                project_id=project_id, text=text, severity=severity, added_by=added_by, added_at=at
            )
        )
        await self._session.flush()

    async def remove_term(self, project_id: ProjectId, text: str) -> bool:
        result = await self._session.execute(
            delete(ProjectTerm).where(
                ProjectTerm.project_id == project_id, ProjectTerm.text == text
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- held space content --------------------------------------------------------

    async def add_held_content(
        self,
        *,
        held_id: str,
        project_id: ProjectId,
        kind: str,
        author_user_id: UserId,
        school_id: SchoolId | None,
        target_id: str | None,
        title: str | None,
        body: str,
        extra: Mapping[str, Any],
        reason: str,
        findings: Collection[Mapping[str, Any]],
        at: datetime,
    ) -> HeldContentRecord:
        row = HeldContent(
            held_id=held_id,
            project_id=project_id,
            kind=kind,
            author_user_id=author_user_id,
            school_id=school_id,
            target_id=target_id,
            title=title,
            body=body,
            extra=dict(extra),
            reason=reason,
            findings=[dict(f) for f in findings],
            status="held",
            created_at=at,
        )
        self._session.add(row)
        await self._session.flush()
        return _held(row)

    async def find_held_content(self, held_id: str) -> HeldContentRecord | None:
        row = await self._session.scalar(select(HeldContent).where(HeldContent.held_id == held_id))
        return None if row is None else _held(row)

    async def list_held_content(self, project_id: ProjectId) -> list[HeldContentRecord]:
        """A project's waiting posts, oldest first."""
        rows = await self._session.scalars(
            select(HeldContent)
            .where(HeldContent.project_id == project_id, HeldContent.status == "held")
            .order_by(HeldContent.id)
        )
        return [_held(r) for r in rows]

    async def decide_held_content(
        self, held_id: str, *, approve: bool, decided_by: UserId, at: datetime
    ) -> bool:
        """Mark a waiting post decided (its text goes); False when it was not waiting."""
        result = await self._session.execute(
            update(HeldContent)
            .where(HeldContent.held_id == held_id, HeldContent.status == "held")
            .values(
                status="approved" if approve else "rejected",
                title=None,
                body=None,
                decided_by=decided_by,
                decided_at=at,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- retention -------------------------------------------------------------------

    async def find_retention(self, school_id: SchoolId) -> int | None:
        row = await self._session.get(SchoolChatRetention, school_id)
        return None if row is None else row.days

    async def put_retention(
        self, school_id: SchoolId, days: int | None, *, updated_by: UserId, at: datetime
    ) -> None:
        """Set a school's retention (None: back to the default)."""
        row = await self._session.get(SchoolChatRetention, school_id)
        if days is None:
            if row is not None:
                await self._session.delete(row)
            return
        if row is None:
            row = SchoolChatRetention(school_id=school_id)
            self._session.add(row)
        row.days = days
        row.updated_by = updated_by
        row.updated_at = at
        await self._session.flush()

    async def list_retention(self) -> dict[SchoolId, int]:
        """Every school's own retention, in days (schools absent use the default)."""
        rows = await self._session.execute(
            select(SchoolChatRetention.school_id, SchoolChatRetention.days)
        )
        return {SchoolId(row[0]): int(row[1]) for row in rows}

    async def purge_chat_batch(
        self,
        *,
        schools: Collection[SchoolId] | None,
        other_than: Collection[SchoolId],
        ended_before: datetime,
        sent_before: datetime,
        limit: int,
    ) -> list[str]:
        """Delete up to ``limit`` messages whose time is over; returns their sessions.

        A message's time is over when its session ended before ``ended_before``,
        or, for a session never recorded as ended (a node crashed), when it was
        sent before ``sent_before``. Which senders' schools: ``schools`` (None:
        every school but ``other_than``, and messages of no school). Reports of
        the messages go with them (the foreign key cascades).
        """
        m = ChatMessage
        query = (
            select(m.id, m.session_id)
            .outerjoin(RoomSession, RoomSession.id == m.session_id)
            .where(
                or_(
                    and_(RoomSession.ended_at.is_not(None), RoomSession.ended_at < ended_before),
                    and_(RoomSession.ended_at.is_(None), m.sent_at < sent_before),
                )
            )
        )
        if schools is not None:
            query = query.where(m.school_id.in_(list(schools)))
        elif other_than:
            query = query.where(or_(m.school_id.is_(None), m.school_id.not_in(list(other_than))))
        found = (await self._session.execute(query.order_by(m.id).limit(limit))).all()
        if not found:
            return []
        await self._session.execute(delete(m).where(m.id.in_([row_id for row_id, _ in found])))
        return [session_id for _, session_id in found]

    async def purge_held_content_batch(
        self,
        *,
        schools: Collection[SchoolId] | None,
        other_than: Collection[SchoolId],
        before: datetime,
        limit: int,
    ) -> int:
        """Delete up to ``limit`` held posts (decided or not) created before ``before``."""
        h = HeldContent
        query = select(h.id).where(h.created_at < before)
        if schools is not None:
            query = query.where(h.school_id.in_(list(schools)))
        elif other_than:
            query = query.where(or_(h.school_id.is_(None), h.school_id.not_in(list(other_than))))
        ids = list((await self._session.scalars(query.order_by(h.id).limit(limit))).all())
        if ids:
            await self._session.execute(delete(h).where(h.id.in_(ids)))
        return len(ids)
