"""Who is acting in a room, and the check every room command starts with.

The transport names the actor by the connection it arrived on; the domain
believes only the room's current state: the participant must be present *on
that connection* (a newer connection of the same user replaces it), and
their role is read from the state at the moment of the command.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.errors import NotFound
from protocol.ids import ParticipantId, RoomId, UserId

from .errors import NotInRoom, RoomClosed
from .model import Participant
from .state import RoomView


@dataclass(frozen=True, slots=True)
class RoomActor:
    """A participant acting through one connection."""

    room_id: RoomId
    user_id: UserId
    participant_id: ParticipantId
    conn_id: str


def require_present(view: RoomView, actor: RoomActor) -> Participant:
    """The actor's participant record, if they are present on this connection.

    Raises:
        RoomClosed: The session ended (or never began).
        NotInRoom: Not a participant, away, or replaced by a newer connection.
    """
    if not view.is_open:
        raise RoomClosed("this session has ended")
    participant = view.participant(actor.participant_id)
    if (
        participant is None
        or not participant.is_present
        or participant.conn_id != actor.conn_id
        or participant.user_id != actor.user_id
    ):
        raise NotInRoom("join the room first")
    return participant


def require_target(view: RoomView, participant_id: str) -> Participant:
    """Another participant of the session, present or away.

    Raises:
        NotFound: No such participant.
    """
    target = view.participant(participant_id)
    if target is None:
        raise NotFound("no such participant")
    return target
