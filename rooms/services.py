"""Builds the live rooms' services from their dependencies.

The server's composition root calls :func:`build_room_services` once per
node; every service shares one ``RoomKernel`` (and so one per-room queue).
"""

from __future__ import annotations

from dataclasses import dataclass

from cluster import Clock, EventLog, NodeLiveness, RoomState
from storage import Database

from .admission import Admission
from .attendance import AttendanceBook, AttendanceReports
from .breakouts import BreakoutService
from .chat import ChatService
from .controls import ControlService
from .gate import ChatGate, OpenGate
from .hands import HandService
from .kernel import RoomKernel
from .lobby import LobbyService
from .polls import PollService
from .ports import RoomDirectory
from .removal import RemovalService
from .sessions import SessionService
from .settings import RoomSettings
from .timers import TimerService


@dataclass(frozen=True, slots=True)
class RoomServices:
    """Every service of live rooms."""

    kernel: RoomKernel
    admission: Admission
    sessions: SessionService
    controls: ControlService
    removal: RemovalService
    lobby: LobbyService
    hands: HandService
    polls: PollService
    breakouts: BreakoutService
    chat: ChatService
    timers: TimerService
    attendance: AttendanceReports
    book: AttendanceBook


def build_room_services(
    *,
    db: Database,
    state: RoomState,
    log: EventLog,
    clock: Clock,
    directory: RoomDirectory,
    settings: RoomSettings,
    gate: ChatGate | None = None,
    liveness: NodeLiveness | None = None,
) -> RoomServices:
    """Wire the services together.

    Args:
        db: Ad-hoc rooms, attendance and bans.
        state: Shared room state (``Cluster.room_state``).
        log: The rooms' event log (``Cluster.event_log``).
        clock: Wall time (``Cluster.clock``).
        directory: Projects, members and meetings.
        settings: Room knobs.
        gate: The moderation pipeline's seat for chat; open by default.
        liveness: Which nodes are alive (participants of dead nodes are marked
            away); without it, no node is presumed dead.
    """
    kernel = RoomKernel(state=state, log=log, clock=clock, settings=settings)
    admission = Admission(db=db, directory=directory, clock=clock)
    book = AttendanceBook(db)
    return RoomServices(
        kernel=kernel,
        admission=admission,
        sessions=SessionService(kernel=kernel, book=book),
        controls=ControlService(kernel=kernel),
        removal=RemovalService(kernel=kernel, db=db, admission=admission, book=book),
        lobby=LobbyService(kernel=kernel),
        hands=HandService(kernel=kernel),
        polls=PollService(kernel=kernel),
        breakouts=BreakoutService(kernel=kernel),
        chat=ChatService(kernel=kernel, gate=gate or OpenGate()),
        timers=TimerService(kernel=kernel, book=book, liveness=liveness),
        attendance=AttendanceReports(db=db, admission=admission, clock=clock),
        book=book,
    )
