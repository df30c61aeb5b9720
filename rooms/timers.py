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

from cluster import NO_WAKE
from protocol.errors import CodedError
from protocol.events.rooms import TeacherAbsentChanged
from protocol.ids import RoomId

from .attendance import AttendanceBook
from .breakouts import end_breakouts
from .draft import Draft
from .kernel import Change, RoomKernel
from .model import ALL
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

    @property
    def anything(self) -> bool:
        return bool(
            self.teacher_absent or self.breakout_ended or self.session_ended or self.forgotten
        )


class TimerService:
    """Fires the rooms' due timers.

    Args:
        kernel: Room state and events.
        book: Attendance (a session that ends while empty closes its stays).
    """

    def __init__(self, *, kernel: RoomKernel, book: AttendanceBook) -> None:
        self._kernel = kernel
        self._book = book

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
        fired = (await self._kernel.mutate(room_id, lambda view: self._decide(view, now))).result
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

    def _decide(self, view: RoomView, now: float) -> Change[Fired]:
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
        fired = Fired(teacher_absent=absent, breakout_ended=ended_groups)
        if fired.anything:
            return draft.done(fired)
        wake = self._kernel.next_wake(meta)
        if wake != NO_WAKE and wake <= now:
            # Nothing is due although the room asked: look again a little later
            # rather than spinning on it.
            wake = now + RETRY_LATER_S
        return Change(fired, wake_at=wake)
