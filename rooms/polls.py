"""Polls: a teacher asks, participants answer, counts shown when the teacher chooses.

Teachers see the counts as they change; everyone sees them once a teacher
shows them. An anonymous poll never reveals who chose what, to anyone;
otherwise teachers (only) see the voters. Answering again replaces the
earlier answer.
"""

from __future__ import annotations

from dataclasses import replace

from protocol.errors import Conflict, InvalidPayload, NotFound
from protocol.events.polls import (
    PollClosed as PollClosedEvent,
    PollOpened,
    PollResultsShown,
    PollTallyChanged,
)
from protocol.ids import new_id

from .actors import RoomActor, require_present
from .draft import RoomCommands
from .errors import PollClosed
from .kernel import Change
from .model import ALL, STAFF, Poll
from .policy import require_staff
from .state import RoomView, encode_choices, encode_poll, poll_field, vote_field
from .views import poll_view, tally


def _poll(view: RoomView, poll_id: str) -> Poll:
    poll = view.poll(poll_id)
    if poll is None:
        raise NotFound("no such poll")
    return poll


class PollService(RoomCommands):
    """Create, answer, close and show polls."""

    async def create(
        self,
        actor: RoomActor,
        *,
        question: str,
        options: list[str],
        multiple: bool,
        anonymous: bool,
    ) -> str:
        """Open a poll.

        Returns:
            The poll's id.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
            Conflict: The session has reached its number of polls.
        """
        poll_id = new_id()

        def decide(view: RoomView) -> Change[str]:
            require_staff(require_present(view, actor))
            draft = self._draft(view)
            if draft.meta.poll_count >= self._kernel.settings.max_polls:
                raise Conflict("this session has as many polls as it may")
            poll = Poll(
                poll_id=poll_id,
                question=question,
                options=tuple(options),
                is_multiple=multiple,
                is_anonymous=anonymous,
                is_open=True,
                results_visible=False,
                created_at=draft.now,
            )
            draft.put_meta(replace(draft.meta, poll_count=draft.meta.poll_count + 1))
            draft.set_field(poll_field(poll_id), encode_poll(poll))
            draft.send(ALL, PollOpened(poll=poll_view(poll, {}, None)))
            return draft.done(poll_id)

        return (await self._kernel.mutate(actor.room_id, decide)).result

    async def vote(self, actor: RoomActor, poll_id: str, choices: list[int]) -> None:
        """Answer a poll (again: replace the answer).

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            NotFound: No such poll.
            PollClosed: It no longer takes answers.
            InvalidPayload: A choice out of range, repeated, or several on a
                single-choice poll.
        """

        def decide(view: RoomView) -> Change[None]:
            me = require_present(view, actor)
            poll = _poll(view, poll_id)
            if not poll.is_open:
                raise PollClosed("this poll is closed")
            if len(set(choices)) != len(choices) or any(c >= len(poll.options) for c in choices):
                raise InvalidPayload("choose distinct options of this poll")
            if len(choices) > 1 and not poll.is_multiple:
                raise InvalidPayload("this poll takes a single answer")
            draft = self._draft(view)
            draft.set_field(vote_field(poll_id, me.participant_id), encode_choices(tuple(choices)))
            votes = {**view.votes(poll_id), me.participant_id: tuple(choices)}
            counts, voters = tally(poll, votes)
            draft.send(
                STAFF,
                PollTallyChanged(
                    poll_id=poll_id,
                    counts=counts,
                    voters=None if poll.is_anonymous else voters,
                ),
            )
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)

    async def close(self, actor: RoomActor, poll_id: str) -> None:
        """Stop taking answers (closing a closed poll changes nothing).

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
            NotFound: No such poll.
        """

        def decide(view: RoomView) -> Change[None]:
            require_staff(require_present(view, actor))
            poll = _poll(view, poll_id)
            draft = self._draft(view)
            if poll.is_open:
                draft.set_field(poll_field(poll_id), encode_poll(replace(poll, is_open=False)))
                draft.send(ALL, PollClosedEvent(poll_id=poll_id))
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)

    async def show_results(self, actor: RoomActor, poll_id: str) -> None:
        """Show the counts to everyone (never the voters).

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
            NotFound: No such poll.
        """

        def decide(view: RoomView) -> Change[None]:
            require_staff(require_present(view, actor))
            poll = _poll(view, poll_id)
            counts, _ = tally(poll, view.votes(poll_id))
            draft = self._draft(view)
            draft.set_field(poll_field(poll_id), encode_poll(replace(poll, results_visible=True)))
            draft.send(ALL, PollResultsShown(poll_id=poll_id, counts=counts))
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)
