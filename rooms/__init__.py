"""Live rooms: sessions, roles and permissions, teacher controls, lobby, hands,
polls, breakout groups, attendance, and the plain chat.

Other packages use only the names exported here. The services are built by
``build_room_services``; the transport calls them with a ``RoomActor`` (a
participant on one connection) or a community ``Principal`` (HTTP).
"""

from .actors import RoomActor
from .admission import JoinTicket
from .attendance import AttendanceLine, AttendanceReport
from .chat import ChatChange, ChatRoom
from .directory import CommunityDirectory
from .effects import EVICT_ALL, EVICT_CONN, EVICT_USER, GROUP, STAFF, UNGROUP, Effect
from .errors import Banned, NotInRoom, PollClosed, RoomClosed, RoomFull, RoomLocked, TeacherAbsent
from .gate import (
    CHAT_FIELD,
    EVERYONE,
    TEACHERS,
    ChatDraft,
    ChatGate,
    ChatOutcome,
    ChatRoute,
    Notice,
    OpenGate,
    Screened,
    group,
    person,
    posting,
)
from .model import Participant
from .ports import MeetingRef, Member, MemberRole, NoMeetings, RoomDirectory
from .services import RoomServices, build_room_services
from .sessions import CatchUp, JoinOutcome
from .settings import RoomSettings
from .timers import Fired
from .views import may_see

__all__ = [
    "CHAT_FIELD",
    "EVERYONE",
    "EVICT_ALL",
    "EVICT_CONN",
    "EVICT_USER",
    "GROUP",
    "STAFF",
    "TEACHERS",
    "UNGROUP",
    "AttendanceLine",
    "AttendanceReport",
    "Banned",
    "CatchUp",
    "ChatChange",
    "ChatDraft",
    "ChatGate",
    "ChatOutcome",
    "ChatRoom",
    "ChatRoute",
    "CommunityDirectory",
    "Effect",
    "Fired",
    "JoinOutcome",
    "JoinTicket",
    "MeetingRef",
    "Member",
    "MemberRole",
    "NoMeetings",
    "NotInRoom",
    "Notice",
    "OpenGate",
    "Participant",
    "PollClosed",
    "RoomActor",
    "RoomClosed",
    "RoomDirectory",
    "RoomFull",
    "RoomLocked",
    "RoomServices",
    "RoomSettings",
    "Screened",
    "TeacherAbsent",
    "build_room_services",
    "group",
    "may_see",
    "person",
    "posting",
]
