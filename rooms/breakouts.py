"""Breakout groups: split the pupils, run a timer, call everyone back.

Groups change who hears whom (chat in a group reaches the group and the
teachers), never who may do what: a group has no moderator of its own, and
the room's teachers keep every control and may visit any group. The timer
is the room's wake-up time: whichever node sees it due first ends the
groups, once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from protocol.api.grants import RoomRole
from protocol.errors import Conflict, InvalidPayload, NotFound
from protocol.events.breakouts import BreakoutEnded, BreakoutStarted, GroupVisited
from protocol.events.models import GroupView
from protocol.ids import ParticipantId

from . import effects
from .actors import RoomActor, require_present
from .draft import Draft, RoomCommands
from .grouping import check_manual, group_id, mixed
from .kernel import Change
from .model import ALL, Breakout
from .policy import require_staff
from .state import RoomView
from .views import breakout_view

Mode = Literal["manual", "mixed"]


def end_breakouts(draft: Draft, reason: Literal["teacher", "timer"]) -> None:
    """Everyone back to the main room (nothing happens if no groups run)."""
    if draft.meta.breakout is None:
        return
    for participant in list(draft.participants()):
        if participant.group_id is not None:
            draft.put(replace(participant, group_id=None))
    draft.put_meta(replace(draft.meta, breakout=None))
    draft.send(ALL, BreakoutEnded(reason=reason), effects.ungroup())


class BreakoutService(RoomCommands):
    """Start, end and visit breakout groups."""

    async def start(
        self,
        actor: RoomActor,
        *,
        mode: Mode,
        groups: list[list[str]] | None,
        group_count: int | None,
        duration_s: int | None,
    ) -> list[GroupView]:
        """Split the pupils into groups.

        Returns:
            The groups.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
            Conflict: Groups are already running.
            InvalidPayload: Missing or inconsistent groups or count.
            NotFound: A manual group names someone who is not a pupil here.
        """

        def decide(view: RoomView) -> Change[list[GroupView]]:
            require_staff(require_present(view, actor))
            draft = self._draft(view)
            if draft.meta.breakout is not None:
                raise Conflict("breakout groups are already running")
            if mode == "manual":
                if not groups:
                    raise InvalidPayload("manual groups need the participants of each group")
                check_manual(groups, {p.participant_id: p for p in view.participants()})
                split = [list(g) for g in groups]
            else:
                if group_count is None:
                    raise InvalidPayload("mixed groups need a group_count")
                pupils = [p for p in view.present() if p.role is RoomRole.PUPIL]
                split = mixed(pupils, group_count)
            assignments = {
                participant_id: group_id(i)
                for i, members in enumerate(split)
                for participant_id in members
            }
            for participant_id, gid in assignments.items():
                participant = view.participant(participant_id)
                assert participant is not None
                draft.put(replace(participant, group_id=gid))
            breakout = Breakout(
                groups=tuple(
                    (group_id(i), tuple(ParticipantId(p) for p in members))
                    for i, members in enumerate(split)
                ),
                ends_at=None if duration_s is None else draft.now + duration_s,
            )
            draft.put_meta(replace(draft.meta, breakout=breakout))
            shown = breakout_view(breakout)
            draft.send(
                ALL,
                BreakoutStarted(groups=shown.groups, ends_at=shown.ends_at),
                effects.group(assignments),
            )
            return draft.done(shown.groups)

        return (await self._kernel.mutate(actor.room_id, decide)).result

    async def end(self, actor: RoomActor) -> None:
        """Call everyone back (nothing happens if no groups run).

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
        """

        def decide(view: RoomView) -> Change[None]:
            require_staff(require_present(view, actor))
            draft = self._draft(view)
            end_breakouts(draft, "teacher")
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)

    async def visit(self, actor: RoomActor, group: str | None) -> None:
        """A teacher joins a group's conversation (None: back to the main room).

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
            NotFound: No such group running.
        """

        def decide(view: RoomView) -> Change[None]:
            me = require_present(view, actor)
            require_staff(me)
            breakout = view.meta.breakout
            if group is not None and (breakout is None or group not in breakout.group_ids()):
                raise NotFound("no such breakout group")
            draft = self._draft(view)
            if me.group_id != group:
                draft.put(replace(me, group_id=group))
                draft.send(
                    ALL,
                    GroupVisited(participant_id=me.participant_id, group_id=group),
                    effects.group({me.participant_id: group}),
                )
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)
