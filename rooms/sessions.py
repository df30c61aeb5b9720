"""A session's life: joining (or waiting in the lobby), leaving, catching up, ending.

Joining follows the room's rules in this order: a teacher of the project
always enters (and starts a new session if the last one ended); anyone else
is refused while a teacher has locked the room (unless they were already in
it, or a teacher admitted them), and waits in the lobby while no teacher is
present (the failsafe), after a kick, while the lobby holds everyone, or
when they are not on the meeting's roster. A participant who comes back gets
their record back, permissions included: a muted pupil stays muted.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from typing import Literal

from cluster import RoomRecord
from protocol.events.lobby import LobbyKnocked, LobbyLeft
from protocol.events.models import LobbyMode, LobbyReason, ReplayedEvent, RoomSnapshot
from protocol.events.rooms import ParticipantJoined, ParticipantLeft, ResumePoint, RoomEnded
from protocol.ids import ParticipantId, RoomId, UserId, new_id

from . import effects
from .actors import RoomActor, require_present
from .admission import JoinTicket
from .attendance import AttendanceBook
from .draft import Draft
from .errors import RoomClosed, RoomFull, RoomLocked
from .kernel import Change, RoomKernel
from .model import ALL, STAFF, LeaveReason, LobbyEntry, Meta, Participant, user_audience
from .policy import initial_perms, is_staff, require_staff
from .state import META, RoomView, lobby_field, user_field
from .views import lobby_entry_view, may_see, participant_view, snapshot

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JoinOutcome:
    """Joined, or waiting in the lobby."""

    session_id: str
    participant: Participant | None
    """Set when joined."""
    lobby_reason: LobbyReason | None
    """Set when waiting."""
    new_session: bool
    session_started_at: float


@dataclass(frozen=True, slots=True)
class Departure:
    """Who left which session (for attendance)."""

    session_id: str
    participant_id: ParticipantId | None


@dataclass(frozen=True, slots=True)
class CatchUp:
    """Either the missed events or a snapshot."""

    replay: list[ReplayedEvent] | None
    snapshot: RoomSnapshot | None


EndReason = Literal["ended_by_teacher", "empty"]


def end_session(draft: Draft, reason: EndReason) -> None:
    """End the session in ``draft``: everyone is told and disconnected, every
    record but the meta is dropped (late reconnects learn it ended)."""
    meta = draft.meta
    for entry in draft.view.lobby():
        draft.send(user_audience(entry.user_id), RoomEnded(reason=reason))
    for name in draft.view.session_fields():
        if name != META:
            draft.delete_field(name)
    draft.send(ALL, RoomEnded(reason=reason), effects.evict_all())
    draft.put_meta(
        replace(
            meta,
            is_ended=True,
            ended_at=draft.now,
            teacher_absent=False,
            absent_since=None,
            empty_since=None,
            breakout=None,
        )
    )


class SessionService:
    """Join, leave, catch up and end.

    Args:
        kernel: Room state and events.
        book: Attendance.
    """

    def __init__(self, *, kernel: RoomKernel, book: AttendanceBook) -> None:
        self._kernel = kernel
        self._book = book

    async def join(
        self, ticket: JoinTicket, *, conn_id: str, node_id: str | None = None
    ) -> JoinOutcome:
        """Join the room (or wait in its lobby) on a connection.

        Args:
            node_id: The server node holding the connection.

        Raises:
            RoomClosed: The session ended and the caller is no teacher.
            RoomLocked: A teacher locked the room and the caller is new to it.
            RoomFull: The room holds its maximum.
        """
        now = self._kernel.now()
        applied = await self._kernel.mutate(
            ticket.room_id, lambda view: self._decide_join(view, ticket, conn_id, node_id, now)
        )
        outcome = applied.result
        if outcome.participant is not None:
            await self._book.joined(
                room_id=ticket.room_id,
                project_id=ticket.meeting.project_id,
                session_id=outcome.session_id,
                new_session=outcome.new_session,
                session_started_at=outcome.session_started_at,
                participant=outcome.participant,
                now=now,
            )
        return outcome

    async def leave(
        self, room_id: RoomId, user_id: UserId, *, conn_id: str, reason: LeaveReason
    ) -> Departure | None:
        """The connection left: its participant is away (or its lobby entry gone).

        Leaving from a connection that was already replaced changes nothing.
        """
        now = self._kernel.now()
        applied = await self._kernel.mutate(
            room_id, lambda view: self._decide_leave(view, user_id, conn_id, reason, now)
        )
        departure = applied.result
        if departure is not None and departure.participant_id is not None:
            await self._book.left(
                room_id=room_id,
                session_id=departure.session_id,
                participant_id=departure.participant_id,
                now=now,
                reason=reason,
            )
        return departure

    async def end(self, actor: RoomActor) -> None:
        """End the session for everyone.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
        """
        now = self._kernel.now()

        def decide(view: RoomView) -> Change[str]:
            require_staff(require_present(view, actor))
            draft = self._draft(view, now)
            end_session(draft, "ended_by_teacher")
            return draft.done(view.meta.session_id)

        session_id = (await self._kernel.mutate(actor.room_id, decide)).result
        logger.info("session ended by a teacher", extra={"room_id": actor.room_id})
        await self._book.left(
            room_id=actor.room_id,
            session_id=session_id,
            participant_id=None,
            now=now,
            reason="ended",
            session_ended=True,
        )

    async def catch_up(self, actor: RoomActor, resume: ResumePoint | None) -> CatchUp:
        """The events the actor missed since ``resume``, or a snapshot.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
        """
        view = await self._kernel.view(actor.room_id)
        viewer = require_present(view, actor)
        if resume is not None and resume.session_id == view.meta.session_id:
            missed = await self._kernel.log.since(actor.room_id, resume.seq)
            if missed is not None:
                return CatchUp(
                    replay=[
                        ReplayedEvent(event=e.name, data=json.loads(e.payload))
                        for e in missed
                        if may_see(e.audience, viewer)
                    ],
                    snapshot=None,
                )
        return CatchUp(replay=None, snapshot=await self.snapshot(actor))

    async def snapshot(self, actor: RoomActor) -> RoomSnapshot:
        """The whole room as the actor may see it.

        The sequence number is read before the room, so the snapshot already
        holds every event up to it (and maybe some after, which the client
        applies again harmlessly: events state facts, not differences).

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
        """
        seq = await self._kernel.log.last_seq(actor.room_id)
        view = await self._kernel.view(actor.room_id)
        return snapshot(view, require_present(view, actor), seq)

    # -- decisions ---------------------------------------------------------

    def _draft(self, view: RoomView, now: float) -> Draft:
        return Draft(view, self._kernel.next_wake, now)

    def _decide_join(
        self, view: RoomView, ticket: JoinTicket, conn_id: str, node_id: str | None, now: float
    ) -> Change[JoinOutcome]:
        staff = is_staff(ticket.role)
        new_session = not view.is_open
        if new_session:
            if view.exists and not staff:
                raise RoomClosed("this session has ended")
            fresh = RoomView(view.room_id, _empty(view))
            draft = self._draft(fresh, now)
            for name in view.session_fields():
                draft.delete_field(name)
            draft.put_meta(
                Meta(
                    session_id=new_id(),
                    project_id=ticket.meeting.project_id,
                    series_id=ticket.meeting.series_id,
                    started_at=now,
                    # Pupils who arrive before any teacher wait for one.
                    teacher_absent=not staff,
                )
            )
        else:
            draft = self._draft(view, now)
        meta = draft.meta
        view = draft.view
        existing = view.participant_of(ticket.user_id)
        entry = view.lobby_entry(ticket.user_id)
        admitted = entry is not None and entry.is_admitted
        if not staff and not admitted:
            if meta.is_locked and existing is None:
                raise RoomLocked("a teacher locked the room")
            reason = _lobby_reason(view, meta, ticket, existing)
            if reason is not None:
                waiting = LobbyEntry(
                    user_id=ticket.user_id,
                    role=ticket.role,
                    member_role=ticket.member.role,
                    school_id=ticket.member.school_id,
                    display_name=ticket.member.display_name,
                    reason=reason,
                    since=entry.since if entry is not None else now,
                    conn_id=conn_id,
                )
                draft.put_entry(waiting)
                if entry is None or entry.reason is not reason:
                    draft.send(STAFF, LobbyKnocked(entry=lobby_entry_view(waiting)))
                return draft.done(
                    JoinOutcome(meta.session_id, None, reason, new_session, meta.started_at)
                )
        if not staff and (existing is None or not existing.is_present):
            present = sum(1 for p in view.participants() if p.is_present)
            if present >= self._kernel.settings.max_participants:
                raise RoomFull("the room is full")
        if entry is not None:
            draft.delete_field(lobby_field(ticket.user_id))
        if existing is not None:
            if existing.is_present and existing.conn_id != conn_id:
                draft.send(
                    ALL,
                    ParticipantLeft(participant_id=existing.participant_id, reason="replaced"),
                    effects.evict_conn(existing.conn_id or ""),
                )
            participant = replace(existing, is_present=True, conn_id=conn_id, node_id=node_id)
        else:
            participant = Participant(
                participant_id=ParticipantId(new_id()),
                user_id=ticket.user_id,
                role=ticket.role,
                member_role=ticket.member.role,
                school_id=ticket.member.school_id,
                display_name=ticket.member.display_name,
                perms=initial_perms(ticket.role, ticket.grants, meta),
                is_present=True,
                conn_id=conn_id,
                joined_at=now,
                node_id=node_id,
            )
            draft.set_field(user_field(ticket.user_id), participant.participant_id)
        draft.put(participant)
        draft.send(ALL, ParticipantJoined(participant=participant_view(participant)))
        draft.after_arrival()
        if draft.meta.presence_check_at is None:
            check_at = now + self._kernel.settings.presence_check_s
            draft.put_meta(replace(draft.meta, presence_check_at=check_at))
        return draft.done(
            JoinOutcome(
                draft.meta.session_id, participant, None, new_session, draft.meta.started_at
            )
        )

    def _decide_leave(
        self, view: RoomView, user_id: UserId, conn_id: str, reason: LeaveReason, now: float
    ) -> Change[Departure | None]:
        if not view.is_open:
            return Change(None)
        draft = self._draft(view, now)
        participant = view.participant_of(user_id)
        if participant is not None and participant.is_present and participant.conn_id == conn_id:
            away = draft.lower_hand(participant, participant.participant_id)
            draft.put(replace(away, is_present=False, conn_id=None))
            draft.send(
                ALL,
                ParticipantLeft(
                    participant_id=participant.participant_id,
                    reason="left" if reason == "left" else "disconnected",
                ),
            )
            draft.after_departure()
            return draft.done(Departure(view.meta.session_id, participant.participant_id))
        entry = view.lobby_entry(user_id)
        if entry is not None and entry.conn_id == conn_id:
            draft.delete_field(lobby_field(user_id))
            draft.send(STAFF, LobbyLeft(user_id=user_id, reason="gone"))
            return draft.done(Departure(view.meta.session_id, None))
        return Change(None)


def _lobby_reason(
    view: RoomView, meta: Meta, ticket: JoinTicket, existing: Participant | None
) -> LobbyReason | None:
    """Why a non-teacher must wait, or None to let them in."""
    if view.was_kicked(ticket.user_id):
        return LobbyReason.KICKED
    if existing is not None:
        return None
    if meta.teacher_absent:
        return LobbyReason.TEACHER_ABSENT
    if meta.lobby_mode is LobbyMode.EVERYONE:
        return LobbyReason.LOBBY_ON
    if not ticket.on_roster:
        return LobbyReason.NOT_ON_ROSTER
    return None


def _empty(view: RoomView) -> RoomRecord:
    return RoomRecord({}, view.version)
