"""A session's chat transcript, for the project's teachers, without pupils' full names.

The transcript lists what the session's participants saw, in order: posted
messages (edited ones marked), tombstones where a teacher deleted one, and
what a teacher cleared (marked). Waiting and refused messages are not part of
it. Teachers are named as on the roster; pupils by first name and initial
("Mary B."), as eTwinning advises; an erased account as "(removed account)".

A held message the room already heard decided, whose decision the database
does not hold yet (see ``queue``), is stored as the room heard it before the
rows are read (``decision.settle_session``), so that an approved one is in the
transcript as the room saw it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from community import Principal
from protocol.errors import NotFound
from protocol.ids import RoomId, UserId
from rooms import Member, MemberRole, RoomServices
from storage import Database
from storage.records_rooms import RoomSessionRecord

from .decision import settle_session

REMOVED = "(removed account)"
SHOWN = ("posted", "deleted", "cleared")


def pupil_label(display_name: str) -> str:
    """A pupil's first name and the initial of their last word: "Mary B."."""
    words = display_name.split()
    if len(words) < 2:
        return display_name
    return f"{words[0]} {words[-1][0]}."


def label_of(user_id: UserId | None, members: dict[UserId, Member]) -> str:
    member = None if user_id is None else members.get(user_id)
    if member is None:
        return REMOVED
    if member.role is MemberRole.PUPIL:
        return pupil_label(member.display_name)
    return member.display_name


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    message_id: str
    sent_at: datetime
    author: str
    role: str
    """``teacher`` or ``pupil`` (observers write as pupils)."""
    channel: str
    group_id: str | None
    to: str | None
    """``teachers``: the pupil whose thread it is; ``direct``: the recipient."""
    state: str
    """``posted``, ``deleted`` (no text) or ``cleared`` (a teacher cleared the chat later)."""
    text: str | None
    edited: bool


@dataclass(frozen=True, slots=True)
class Transcript:
    room_id: RoomId
    session: RoomSessionRecord
    lines: tuple[TranscriptLine, ...]


class Transcripts:
    """Exports sessions' chat for the project's teachers.

    Args:
        db: Messages and sessions.
        rooms: Which teachers a room has, and the roster's names.
    """

    def __init__(self, *, db: Database, rooms: RoomServices) -> None:
        self._db = db
        self._rooms = rooms

    async def export(self, actor: Principal, room_id: RoomId, session_id: str) -> Transcript:
        """The session's transcript.

        Raises:
            NotFound: No such room or session, or not a member of the project.
            Forbidden: Not one of the project's teachers.
            ClusterUnavailable, DatabaseUnavailable: Also when a decision the
                room heard could not be stored (see ``decision.settle_session``).
        """
        meeting, _ = await self._rooms.admission.require_teacher(actor, room_id)
        await settle_session(self._db, self._rooms, room_id, session_id)
        async with self._db.transaction("moderation.transcript") as uow:
            session = await uow.rooms.find_session(session_id)
            if session is None or session.room_id != room_id:
                raise NotFound("no such session")
            messages = await uow.moderation.list_session_messages(room_id, session_id)
        members = await self._rooms.admission.list_members(meeting.project_id)
        lines = tuple(
            TranscriptLine(
                message_id=m.message_id,
                sent_at=m.sent_at,
                author=label_of(m.sender_user_id, members),
                role=m.sender_role,
                channel=m.channel,
                group_id=m.group_id,
                to=None if m.peer_user_id is None else label_of(m.peer_user_id, members),
                state=m.status,
                text=None if m.status == "deleted" else m.text,
                edited=m.edited,
            )
            for m in messages
            if m.status in SHOWN
        )
        return Transcript(room_id=room_id, session=session, lines=lines)
