"""Kicks and bans: removing a participant wherever they are connected.

A kick ends the participant's stay in this session: their connection
closes on whichever node holds it (the removal travels through the room's
ordered feed, so no later event reaches them), and if they come back they
wait in the lobby for a teacher. A ban does the same and is written to the
database first, keyed by the user and the room's series: no token, old or
new, gets them in again until a teacher lifts it.
"""

from __future__ import annotations

import logging
from typing import Literal

from community import Principal
from community.clock import utc_now
from protocol.errors import NotFound
from protocol.events.rooms import BanLifted, ParticipantRemoved
from protocol.ids import RoomId, UserId
from storage import Database
from storage.records_rooms import BanRecord

from . import effects
from .actors import RoomActor, require_present, require_target
from .admission import Admission
from .attendance import AttendanceBook
from .draft import Draft
from .kernel import Change, RoomKernel
from .model import ALL, STAFF, Participant
from .policy import require_outranks, require_staff
from .state import RoomView, kicked_field

logger = logging.getLogger(__name__)

Removal = Literal["kicked", "banned"]


class RemovalService:
    """Kick, ban and lift bans.

    Args:
        kernel: Room state and events.
        db: Bans.
        admission: Resolves rooms and checks teachers (for bans made over HTTP).
        book: Attendance.
    """

    def __init__(
        self, *, kernel: RoomKernel, db: Database, admission: Admission, book: AttendanceBook
    ) -> None:
        self._kernel = kernel
        self._db = db
        self._admission = admission
        self._book = book

    async def kick(self, actor: RoomActor, participant_id: str) -> None:
        """Remove a participant from this session.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            NotFound: No such participant.
            Forbidden: Not a teacher, or the target ranks as high.
        """
        await self._remove(actor, participant_id, "kicked")

    async def ban(self, actor: RoomActor, participant_id: str) -> None:
        """Remove a participant and keep them out until the ban is lifted.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            NotFound: No such participant.
            Forbidden: Not a teacher, or the target ranks as high.
        """
        view = await self._kernel.view(actor.room_id)
        me = require_present(view, actor)
        target = require_target(view, participant_id)
        require_outranks(me, target)
        # The ban is durable before anyone sees it; if the room change below
        # fails, the ban still holds at the next connect.
        async with self._db.transaction("rooms.ban") as uow:
            await uow.rooms.add_ban(
                series_id=view.meta.series_id,
                room_id=actor.room_id,
                user_id=target.user_id,
                banned_by=actor.user_id,
                now=utc_now(self._kernel.clock),
            )
        logger.info(
            "participant banned",
            extra={"room_id": actor.room_id, "participant_id": participant_id},
        )
        await self._remove(actor, participant_id, "banned")

    async def lift_ban(self, actor: RoomActor, user_id: UserId) -> None:
        """Let a banned user join again (from inside the room).

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
            NotFound: The user is not banned.
        """
        view = await self._kernel.view(actor.room_id)
        require_staff(require_present(view, actor))
        await self._lift(actor.room_id, view.meta.series_id, user_id, actor.user_id)

        def decide(view: RoomView) -> Change[None]:
            change: Change[None] = Change(None)
            change.send(STAFF, BanLifted(user_id=user_id))
            return change

        await self._kernel.mutate(actor.room_id, decide)

    async def list_bans(self, actor: Principal, room_id: RoomId) -> list[BanRecord]:
        """Active bans of the room's series (teachers of the project).

        Raises:
            NotFound: No such room, or not a member of its project.
            Forbidden: Not one of the project's teachers.
        """
        meeting, _ = await self._admission.require_teacher(actor, room_id)
        async with self._db.transaction("rooms.list_bans") as uow:
            return await uow.rooms.list_bans(meeting.series_id)

    async def lift_ban_by_teacher(self, actor: Principal, room_id: RoomId, user_id: UserId) -> None:
        """Lift a ban from outside the room (teachers of the project).

        Raises:
            NotFound: No such room, not a member, or the user is not banned.
            Forbidden: Not one of the project's teachers.
        """
        meeting, _ = await self._admission.require_teacher(actor, room_id)
        await self._lift(room_id, meeting.series_id, user_id, actor.user_id)

    async def _lift(self, room_id: RoomId, series_id: str, user_id: UserId, by: UserId) -> None:
        async with self._db.transaction("rooms.lift_ban") as uow:
            lifted = await uow.rooms.lift_ban(
                series_id=series_id, user_id=user_id, lifted_by=by, now=utc_now(self._kernel.clock)
            )
        if not lifted:
            raise NotFound("this user is not banned")
        logger.info("ban lifted", extra={"room_id": room_id})

    async def _remove(self, actor: RoomActor, participant_id: str, how: Removal) -> None:
        now = self._kernel.now()

        def decide(view: RoomView) -> Change[tuple[str, Participant]]:
            me = require_present(view, actor)
            target = require_target(view, participant_id)
            require_outranks(me, target)
            draft = Draft(view, self._kernel.next_wake, now)
            draft.lower_hand(target, me.participant_id)
            draft.send(
                ALL,
                ParticipantRemoved(participant_id=target.participant_id, reason=how),
                effects.evict_user(target.user_id),
            )
            # The record goes: a kicked pupil who is let back in starts afresh
            # (and waits in the lobby first, because of the kicked mark).
            draft.drop(target)
            draft.set_field(kicked_field(target.user_id), how)
            draft.after_departure()
            return draft.done((view.meta.session_id, target))

        session_id, target = (await self._kernel.mutate(actor.room_id, decide)).result
        logger.info(
            "participant removed (%s)",
            how,
            extra={"room_id": actor.room_id, "participant_id": target.participant_id},
        )
        if target.is_present:
            await self._book.left(
                room_id=actor.room_id,
                session_id=session_id,
                participant_id=target.participant_id,
                now=now,
                reason=how,
            )
