"""The lobby: people wait there until a teacher admits or turns them away."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from .base import ClientEvent, ServerEvent, WireId
from .models import LobbyEntryView

MAX_ADMIT_AT_ONCE = 200


class AdmitFromLobby(ClientEvent):
    """Let people in; each is told with ``lobby.admitted`` and joins again."""

    name: ClassVar[str] = "lobby.admit"

    user_ids: Annotated[list[WireId], Field(min_length=1, max_length=MAX_ADMIT_AT_ONCE)]


class DenyFromLobby(ClientEvent):
    """Turn someone away; their connection closes after ``lobby.denied``."""

    name: ClassVar[str] = "lobby.deny"

    user_id: WireId


class LobbyKnocked(ServerEvent):
    """Someone is waiting (sent to teachers)."""

    name: ClassVar[str] = "lobby.knocked"

    entry: LobbyEntryView


class LobbyLeft(ServerEvent):
    """Someone no longer waits (sent to teachers)."""

    name: ClassVar[str] = "lobby.left"

    user_id: str
    reason: Literal["admitted", "denied", "gone"]


class LobbyAdmitted(ServerEvent):
    """You may join now: send ``room.join`` again (sent to the waiting person)."""

    name: ClassVar[str] = "lobby.admitted"

    user_id: str


class LobbyDenied(ServerEvent):
    """A teacher turned you away (sent to the waiting person)."""

    name: ClassVar[str] = "lobby.denied"

    user_id: str
