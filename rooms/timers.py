"""Room timers: the teacher-absent failsafe, breakout timers, closing empty
and forgetting ended sessions.

A room asks to be woken at a wall time (``RoomState`` keeps it). Every node
looks for due rooms (``tick_due``) and *decides* on each: the decision
applies only what is due now and commits against the version it read, so
when two nodes tick one room at once, one commits and the other finds
nothing left to do. A timer fires once in the cluster without a leader or a
lease, because firing is a change of the room, not an act of a node.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from cluster import NO_WAKE, NodeLiveness
from protocol.errors import CodedError
from protocol.events.rooms import ParticipantLeft, TeacherAbsentChanged
from protocol.ids import RoomId

from . import effects
from .attendance import AttendanceBook
from .breakouts import end_breakouts
from .draft import Draft
from .kernel import Change, RoomKernel
from .model import ALL, Meta
from .sessions import end_session
from .state import RoomView

logger = logging.getLogger(__name__)

RETRY_LATER_S = 5.0
"""A room woken with nothing due (a stale wake-up) is looked at again after this."""


@dataclass(frozen=True, slots=True)
class Fired:
    """What one tick of a room did."""

    teacher_absent: bool = False
    breakout_ended: bool = False
    session_ended: str | None = None
    """The id of the session that ended because it stayed empty."""
    forgotten: bool = False
    gone: tuple[tuple[str, str], ...] = ()
    """(session id, participant id) of those whose node died."""

    @property
    def anything(self) -> bool:
        return bool(
            self.teacher_absent
            or self.breakout_ended
            or self.session_ended
            or self.forgotten
            or self.gone
        )


class TimerService:
    """Fires the rooms' due timers.

    Args:
        kernel: Room state and events.
        book: Attendance (a session that ends while empty closes its stays).
        liveness: Which nodes are alive; without it, nodes are never presumed dead.
    """

    def __init__(
        self, *, kernel: RoomKernel, book: AttendanceBook, liveness: NodeLiveness | None = None
    ) -> None:
        self._kernel = kernel
        self._book = book
        self._liveness = liveness

    async def tick_due(self, limit: int = 100) -> int:
        """Fire every room that is due now (each at most once).

        Returns:
            How many rooms changed.
        """
        fired = 0
        for room_id in await self._kernel.state.due(self._kernel.now(), limit):
            try:
                if (await self.tick(room_id)).anything:
                    fired += 1
            except CodedError as exc:
                # One room's trouble must not stop the others' timers.
                logger.warning("room timer failed: %s", exc.code.value, extra={"room_id": room_id})
        return fired

    async def tick(self, room_id: RoomId) -> Fired:
        """Apply whatever is due in one room."""
        now = self._kernel.now()
        dead = await self._dead_nodes(room_id, now)
        fired = (
            await self._kernel.mutate(room_id, lambda view: self._decide(view, now, dead))
        ).result
        for session_id, participant_id in fired.gone:
            await self._book.left(
                room_id=room_id,
                session_id=session_id,
                participant_id=participant_id,
                now=now,
                reason="disconnected",
            )
        if fired.session_ended is not None:
            logger.info("empty session ended", extra={"room_id": room_id})
            await self._book.left(
                room_id=room_id,
                session_id=fired.session_ended,
                participant_id=None,
                now=now,
                reason="ended",
                session_ended=True,
            )
        return fired

    async def _dead_nodes(self, room_id: RoomId, now: float) -> frozenset[str]:
        """The nodes of present participants that stopped beating, if a check is due."""
        if self._liveness is None:
            return frozenset()
        view = await self._kernel.view(room_id)
        if not view.is_open:
            return frozenset()
        check_at = view.meta.presence_check_at
        if check_at is None or now < check_at:
            return frozenset()
        nodes = sorted({p.node_id for p in view.present() if p.node_id is not None})
        return frozenset(nodes) - await self._liveness.alive(nodes)

    def _decide(self, view: RoomView, now: float, dead: frozenset[str]) -> Change[Fired]:
        settings = self._kernel.settings
        if not view.exists:
            return Change(Fired(), wake_at=NO_WAKE)
        meta = view.meta
        if meta.is_ended:
            if now >= (meta.ended_at or now) + settings.ended_keep_s:
                return Change(
                    Fired(forgotten=True), delete_fields=view.session_fields(), wake_at=NO_WAKE
                )
            return Change(Fired(), wake_at=self._kernel.next_wake(meta))
        draft = Draft(view, self._kernel.next_wake, now)
        if (
            meta.empty_since is not None
            and now >= meta.empty_since + settings.empty_close_s
            and not draft.anyone_present()
        ):
            end_session(draft, "empty")
            return draft.done(Fired(session_ended=meta.session_id))
        absent = (
            not meta.teacher_absent
            and meta.absent_since is not None
            and now >= meta.absent_since + settings.teacher_absent_grace_s
            and not draft.teacher_present()
        )
        if absent:
            draft.put_meta(replace(meta, teacher_absent=True))
            draft.send(ALL, TeacherAbsentChanged(teacher_absent=True))
            logger.info("no teacher present: failsafe on", extra={"room_id": view.room_id})
        ends_at = None if meta.breakout is None else meta.breakout.ends_at
        ended_groups = ends_at is not None and now >= ends_at
        if ended_groups:
            end_breakouts(draft, "timer")
        gone = self._presence(draft, meta, dead)
        fired = Fired(teacher_absent=absent, breakout_ended=ended_groups, gone=gone)
        if fired.anything or draft.meta.presence_check_at != meta.presence_check_at:
            return draft.done(fired)
        wake = self._kernel.next_wake(meta)
        if wake != NO_WAKE and wake <= now:
            # Nothing is due although the room asked: look again a little later
            # rather than spinning on it.
            wake = now + RETRY_LATER_S
        return Change(fired, wake_at=wake)

    def _presence(
        self, draft: Draft, meta: Meta, dead: frozenset[str]
    ) -> tuple[tuple[str, str], ...]:
        """Mark away whoever sits on a dead node, and plan the next check."""
        check_at = meta.presence_check_at
        if check_at is None or draft.now < check_at:
            return ()
        gone: list[tuple[str, str]] = []
        for participant in list(draft.participants()):
            if participant.is_present and participant.node_id in dead:
                # Their node died without a word for its sockets: as if each
                # had lost its connection.
                away = draft.lower_hand(participant, participant.participant_id)
                draft.put(replace(away, is_present=False, conn_id=None))
                # Should the node be alive after all (cut off from the others
                # for a while), it lets the socket go, so its client rejoins.
                draft.send(
                    ALL,
                    ParticipantLeft(
                        participant_id=participant.participant_id, reason="disconnected"
                    ),
                    effects.evict_conn(participant.conn_id or "", rejoin=True),
                )
                gone.append((meta.session_id, participant.participant_id))
        if gone:
            logger.warning(
                "%d participant(s) of dead node(s) marked away",
                len(gone),
                extra={"room_id": draft.view.room_id},
            )
            draft.after_departure()
        next_check = (
            draft.now + self._kernel.settings.presence_check_s if draft.anyone_present() else None
        )
        draft.put_meta(replace(draft.meta, presence_check_at=next_check))
        return tuple(gone)
