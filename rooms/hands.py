"""Raised hands: one ordered queue, lowered by the pupil or by a teacher."""

from __future__ import annotations

from dataclasses import replace

from protocol.events.hands import HandRaised

from .actors import RoomActor, require_present, require_target
from .draft import RoomCommands
from .kernel import Change
from .model import ALL
from .policy import require_staff
from .state import RoomView


class HandService(RoomCommands):
    """Raise and lower hands."""

    async def raise_hand(self, actor: RoomActor) -> list[str]:
        """Raise the actor's hand (raising it again changes nothing).

        Returns:
            The queue of raised hands.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
        """

        def decide(view: RoomView) -> Change[list[str]]:
            me = require_present(view, actor)
            draft = self._draft(view)
            if me.hand is None:
                counter = draft.meta.hand_counter + 1
                draft.put_meta(replace(draft.meta, hand_counter=counter))
                draft.put(replace(me, hand=counter))
                draft.send(
                    ALL, HandRaised(participant_id=me.participant_id, queue=draft.hand_queue())
                )
            return draft.done(draft.hand_queue())

        return (await self._kernel.mutate(actor.room_id, decide)).result

    async def lower_hand(self, actor: RoomActor, participant_id: str | None) -> list[str]:
        """Lower the actor's own hand, or (teachers) anyone's.

        Returns:
            The queue of raised hands.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            NotFound: No such participant.
            Forbidden: Someone else's hand, and the actor is not a teacher.
        """

        def decide(view: RoomView) -> Change[list[str]]:
            me = require_present(view, actor)
            target = me
            if participant_id is not None and participant_id != me.participant_id:
                require_staff(me)
                target = require_target(view, participant_id)
            draft = self._draft(view)
            draft.lower_hand(target, me.participant_id)
            return draft.done(draft.hand_queue())

        return (await self._kernel.mutate(actor.room_id, decide)).result
