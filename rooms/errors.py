"""Errors of live rooms, raised before anything changes.

Hierarchy::

    CodedError (protocol)
     ├── NotFound                    (protocol) no such room, participant, poll,
     │                               group or ban; also "not a member" (the same
     │                               answer, so rooms cannot be probed)
     ├── Forbidden                   (protocol) the caller's role may not do this
     │    ├── Banned                 banned from this room until a teacher lifts it
     │    └── TeacherAbsent          pupils' chat and drawing frozen by the failsafe
     ├── Conflict                    (protocol)
     │    ├── RoomClosed             the session ended
     │    ├── RoomLocked             a teacher locked the room
     │    ├── RoomFull               the room holds its maximum
     │    ├── NotInRoom              this connection is not (or no longer) a participant
     │    └── PollClosed             the poll no longer takes answers
     └── Unavailable                 (protocol) the room is too busy to change now
"""

from __future__ import annotations

from protocol.errors import Conflict, ErrorCode, Forbidden


class Banned(Forbidden):
    """A teacher banned this user from the room (or its series)."""

    code = ErrorCode.BANNED


class TeacherAbsent(Forbidden):
    """No teacher is present: pupils' chat and drawing are frozen."""

    code = ErrorCode.TEACHER_ABSENT


class RoomClosed(Conflict):
    """The session ended; a teacher may start a new one."""

    code = ErrorCode.ROOM_CLOSED


class RoomLocked(Conflict):
    """A teacher locked the room: nobody new may join."""

    code = ErrorCode.ROOM_LOCKED


class RoomFull(Conflict):
    """The room holds as many participants as it may."""

    code = ErrorCode.ROOM_FULL


class NotInRoom(Conflict):
    """This connection is not a participant of the room (join first, or it was replaced)."""

    code = ErrorCode.NOT_IN_ROOM


class PollClosed(Conflict):
    """The poll no longer takes answers."""

    code = ErrorCode.POLL_CLOSED
