"""Who may enter a room, as what: checked before a connection is accepted.

A room exists when a project's scheduled meeting names it (``RoomDirectory``)
or a project's teacher opened it on the spot (an ad-hoc room, kept in
storage). Entering needs a membership of that project, a role the membership
allows, and no ban. The answer for a room that does not exist and for a room
of someone else's project is the same ``not_found``, so rooms cannot be
probed. Nothing here changes the room: joining is ``rooms.sessions``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cluster import Clock
from community import Principal, cap_grants, may_take_role
from community.clock import utc_now
from protocol.api.accounts import AccountKind
from protocol.api.grants import Grants, RoomRole
from protocol.errors import Forbidden, NotFound
from protocol.ids import ProjectId, RoomId, UserId, new_id
from storage import Database
from storage.entry_reads import EntryReads
from storage.records import AuthSubjectRecord
from storage.records_rooms import LiveRoomRecord

from .directory import CommunityDirectory
from .errors import Banned
from .policy import TOKEN_ROLE_OF_MEMBER, member_may_hold
from .ports import MeetingRef, Member, MemberRole, RoomDirectory

logger = logging.getLogger(__name__)

ADHOC = "adhoc"
TEACHER_MEMBERS = frozenset({MemberRole.ADMIN, MemberRole.TEACHER})
NO_SUCH_ROOM = "no such room"


@dataclass(frozen=True, slots=True)
class JoinTicket:
    """What a connection was admitted as; ``rooms.sessions.join`` takes it."""

    meeting: MeetingRef
    member: Member
    role: RoomRole
    grants: Grants
    """The token's grants, within the role's ceiling."""

    @property
    def room_id(self) -> RoomId:
        return self.meeting.room_id

    @property
    def user_id(self) -> UserId:
        return self.member.user_id

    @property
    def on_roster(self) -> bool:
        return self.meeting.has_on_roster(self.member)


@dataclass(frozen=True, slots=True)
class Entry:
    """What admitting one account to one room depends on, read together (``read``)."""

    subject: AuthSubjectRecord | None
    """The account as authentication checks it (None: gone); ``community.join_principal``."""
    meeting: MeetingRef | None
    """The room (None: no such room, or its project is not active)."""
    member: Member | None
    """The account's membership of the room's project (None: not a member)."""
    banned: bool
    """Banned from the room's series."""


NOBODY = Entry(subject=None, meeting=None, member=None, banned=False)


def _adhoc_meeting(room_id: RoomId, project_id: ProjectId) -> MeetingRef:
    """An ad-hoc room: its own series, for the project's teachers."""
    return MeetingRef(
        room_id=room_id, project_id=project_id, series_id=room_id, invited_roles=TEACHER_MEMBERS
    )


class Admission:
    """Resolves rooms and checks who may enter them.

    Args:
        db: Ad-hoc rooms and bans.
        directory: Projects, members and meetings.
        clock: Time of new rooms.
    """

    def __init__(self, *, db: Database, directory: RoomDirectory, clock: Clock) -> None:
        self._db = db
        self._directory = directory
        self._clock = clock
        self._stored = directory if isinstance(directory, CommunityDirectory) else None
        """The community's directory keeps its projects in our database, so a
        connection's whole admission is one statement (``read``); any other
        directory (tests') is asked, and the rest read, one after another."""
        self._entries = EntryReads(db) if self._stored is not None else None

    def close(self) -> None:
        """Release the admission read's own connection (when the node stops)."""
        if self._entries is not None:
            self._entries.close()

    async def read(self, user_id: UserId, room_id: RoomId) -> Entry:
        """Everything ``decide`` (and the caller's authentication) needs, read fresh.

        Nothing is cached between connections: a revoked token, a removed
        member or a new ban holds for the very next connection, on every
        node, because every connection reads the rows as they are. What makes
        it cheap is reading them at once: one statement in one transaction
        (storage ``find_entry``) instead of the five transactions that the
        account, the ad-hoc room, the meeting, the membership and the ban
        each took through aiosqlite's thread, and on SQLite running it in
        the event loop (``storage.entry_reads``; see bench/README.md,
        chat_fanout).
        """
        if self._stored is None or self._entries is None:
            return await self._read_apart(user_id, room_id)
        record = await self._entries.find(user_id, room_id)
        if record is None:
            return NOBODY
        target = record.target
        if target is None:
            return Entry(subject=record.subject, meeting=None, member=None, banned=False)
        meeting, member = self._stored.entry_of(room_id, user_id, target, record.member)
        if target.adhoc:
            meeting = _adhoc_meeting(room_id, target.project_id)
        return Entry(subject=record.subject, meeting=meeting, member=member, banned=record.banned)

    async def _read_apart(self, user_id: UserId, room_id: RoomId) -> Entry:
        async with self._db.transaction("rooms.entry") as uow:
            subject = await uow.accounts.find_auth_subject(user_id)
            adhoc = await uow.rooms.find_room(room_id)
        meeting = (
            await self._directory.find_meeting(room_id)
            if adhoc is None
            else _adhoc_meeting(adhoc.id, adhoc.project_id)
        )
        if meeting is None:
            return Entry(subject=subject, meeting=None, member=None, banned=False)
        member = await self._directory.membership(meeting.project_id, user_id)
        if member is None:
            return Entry(subject=subject, meeting=meeting, member=None, banned=False)
        async with self._db.transaction("rooms.find_ban") as uow:
            ban = await uow.rooms.find_active_ban(meeting.series_id, user_id)
        return Entry(subject=subject, meeting=meeting, member=member, banned=ban is not None)

    def decide(
        self, entry: Entry, *, kind: AccountKind, role: RoomRole, grants: Grants
    ) -> JoinTicket:
        """Check an account (of ``kind``, holding a token for ``role`` with
        ``grants``) against what ``read`` found for the token's room.

        Raises:
            NotFound: No such room, or not a member of its project.
            Forbidden: The membership does not allow this role.
            Banned: Banned from this room or its series.
        """
        meeting, member = entry.meeting, entry.member
        if meeting is None or member is None:
            raise NotFound(NO_SUCH_ROOM)
        if not (may_take_role(kind, role) and member_may_hold(member.role, role, kind)):
            raise Forbidden(f"a {member.role.value} of the project cannot join as {role.value}")
        if entry.banned:
            raise Banned("a teacher banned you from this room")
        return JoinTicket(
            meeting=meeting, member=member, role=role, grants=cap_grants(role, grants)
        )

    async def resolve(self, room_id: RoomId) -> MeetingRef:
        """The meeting (or ad-hoc room) behind a room id.

        Raises:
            NotFound: Neither.
        """
        async with self._db.transaction("rooms.resolve") as uow:
            adhoc = await uow.rooms.find_room(room_id)
        if adhoc is not None:
            return _adhoc_meeting(adhoc.id, adhoc.project_id)
        meeting = await self._directory.find_meeting(room_id)
        if meeting is None:
            raise NotFound(NO_SUCH_ROOM)
        return meeting

    async def admit(
        self,
        *,
        user_id: UserId,
        kind: AccountKind,
        room_id: RoomId,
        role: RoomRole,
        grants: Grants,
    ) -> JoinTicket:
        """Check a verified join token's holder against the room, before connecting.

        Args:
            user_id: The token's subject (an active account).
            kind: Their account's kind.
            room_id: The token's room.
            role: The token's role.
            grants: The token's grants.

        Raises:
            NotFound: No such room, or not a member of its project.
            Forbidden: The membership does not allow this role.
            Banned: Banned from this room or its series.
        """
        return self.decide(await self.read(user_id, room_id), kind=kind, role=role, grants=grants)

    async def plan_token(self, actor: Principal, room_id: RoomId) -> tuple[RoomRole, Grants]:
        """The role and grants of a signed-in member's join token.

        Raises:
            NotFound: No such room, not a member, or not in the meeting's audience.
        """
        meeting = await self.resolve(room_id)
        member = await self._directory.membership(meeting.project_id, actor.user_id)
        if member is None or not meeting.has_on_roster(member):
            raise NotFound(NO_SUCH_ROOM)
        role = TOKEN_ROLE_OF_MEMBER[member.role]
        if not may_take_role(actor.kind, role):
            raise NotFound(NO_SUCH_ROOM)
        return role, cap_grants(role, None)

    async def require_teacher(self, actor: Principal, room_id: RoomId) -> tuple[MeetingRef, Member]:
        """The room and the actor's membership, if the actor teaches in its project.

        Raises:
            NotFound: No such room, or not a member of its project.
            Forbidden: A member, but not one of its teachers.
        """
        meeting = await self.resolve(room_id)
        member = await self._directory.membership(meeting.project_id, actor.user_id)
        if member is None:
            raise NotFound(NO_SUCH_ROOM)
        if member.role not in TEACHER_MEMBERS or actor.kind is not AccountKind.TEACHER:
            raise Forbidden("only the project's teachers may do this")
        return meeting, member

    async def list_members(self, project_id: ProjectId) -> dict[UserId, Member]:
        """A project's members by user id (for reports)."""
        return {m.user_id: m for m in await self._directory.list_members(project_id)}

    async def open_adhoc(self, actor: Principal, project_id: ProjectId) -> LiveRoomRecord:
        """Open a room on the spot for a project's teachers.

        Raises:
            NotFound: Not a member of the project.
            Forbidden: A member, but not one of its teachers.
        """
        member = await self._directory.membership(project_id, actor.user_id)
        if member is None:
            raise NotFound("no such project")
        if member.role not in TEACHER_MEMBERS or actor.kind is not AccountKind.TEACHER:
            raise Forbidden("only the project's teachers may open a room")
        async with self._db.transaction("rooms.open_adhoc") as uow:
            room = await uow.rooms.add_room(
                room_id=RoomId(new_id()),
                project_id=project_id,
                kind=ADHOC,
                created_by=actor.user_id,
                now=utc_now(self._clock),
            )
        logger.info("ad-hoc room opened", extra={"room_id": room.id, "project_id": project_id})
        return room
