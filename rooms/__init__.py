"""Live rooms: sessions, roles and permissions, teacher controls, lobby, hands,
polls, breakout groups, attendance, and the plain chat.

Other packages use only the names exported here. The services are built by
``build_room_services``; the transport calls them with a ``RoomActor`` (a
participant on one connection) or a community ``Principal`` (HTTP).
"""

from .actors import RoomActor
from .admission import JoinTicket
from .attendance import AttendanceLine, AttendanceReport
from .chat import ChatDraft, ChatGate, ChatOutcome, OpenGate
from .directory import CommunityDirectory
from .effects import EVICT_ALL, EVICT_CONN, EVICT_USER, GROUP, STAFF, UNGROUP, Effect
from .errors import Banned, NotInRoom, PollClosed, RoomClosed, RoomFull, RoomLocked, TeacherAbsent
from .model import Participant
from .ports import MeetingRef, Member, MemberRole, NoMeetings, RoomDirectory
from .services import RoomServices, build_room_services
from .sessions import CatchUp, JoinOutcome
from .settings import RoomSettings
from .timers import Fired
from .views import may_see

__all__ = [
    "EVICT_ALL",
    "EVICT_CONN",
    "EVICT_USER",
    "GROUP",
    "STAFF",
    "UNGROUP",
    "AttendanceLine",
    "AttendanceReport",
    "Banned",
    "CatchUp",
    "ChatDraft",
    "ChatGate",
    "ChatOutcome",
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
    "TeacherAbsent",
    "build_room_services",
    "may_see",
]
