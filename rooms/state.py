"""How a room's records are stored as fields, and a lazily decoded view of them.

Field names: ``meta``; ``p:<participant>``; ``u:<user>`` (the user's
participant id); ``l:<user>`` (lobby entry); ``k:<user>`` (kicked this
session); ``poll:<poll>``; ``v:<poll>:<participant>`` (an answer). Values are
compact JSON. ``RoomView`` decodes a field only when asked, because most
commands read a few records of a room that may hold hundreds.

Decoding is memoised by the field's text (``DecodedRecords``): every chat
message reads the room's meta and its sender's participant record, which
change rarely, and decoding them (JSON, then the frozen record) cost more than
the rest of the message's checks. The records are frozen, so one decoded
record can serve every reader of the same text.

Not for the wire: ``rooms.snapshot`` builds what clients see.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, fields
from typing import Any, Generic, TypeVar

from cluster import RoomRecord
from protocol.api.grants import RoomRole
from protocol.events.models import LobbyMode, LobbyReason
from protocol.ids import ParticipantId, RoomId, SchoolId, UserId

from .model import Breakout, LobbyEntry, Meta, Participant, Perms, Poll
from .ports import MemberRole

META = "meta"
PARTICIPANT = "p:"
USER = "u:"
LOBBY = "l:"
KICKED = "k:"
POLL = "poll:"
VOTE = "v:"
_PERM_FIELDS = tuple(f.name for f in fields(Perms))
DECODED_KEPT = 4096
"""Decoded records remembered per kind (by their text): a few rooms' worth."""

R = TypeVar("R")


class DecodedRecords(Generic[R]):
    """Decoded records by their text, the oldest forgotten first past ``limit``.

    A hit costs a dict lookup: the store hands back the same string object
    while a field is unchanged (in process), whose hash is cached, and equal
    text is one comparison otherwise (Redis). Only for frozen records.
    """

    def __init__(self, decode: Callable[[str], R], limit: int = DECODED_KEPT) -> None:
        self._decode = decode
        self._limit = limit
        self._known: dict[str, R] = {}

    def __call__(self, text: str) -> R:
        known = self._known
        record = known.get(text)
        if record is None:
            record = self._decode(text)
            if len(known) >= self._limit:
                # Insertion order: the first key is the oldest.
                del known[next(iter(known))]
            known[text] = record
        return record


def _dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def participant_field(participant_id: str) -> str:
    return f"{PARTICIPANT}{participant_id}"


def user_field(user_id: str) -> str:
    return f"{USER}{user_id}"


def lobby_field(user_id: str) -> str:
    return f"{LOBBY}{user_id}"


def kicked_field(user_id: str) -> str:
    return f"{KICKED}{user_id}"


def poll_field(poll_id: str) -> str:
    return f"{POLL}{poll_id}"


def vote_field(poll_id: str, participant_id: str) -> str:
    return f"{VOTE}{poll_id}:{participant_id}"


# -- encoding ------------------------------------------------------------------


def encode_perms(perms: Perms) -> str:
    """Five flags as ``"10110"`` (speak, video, screen, draw, chat)."""
    return "".join("1" if getattr(perms, name) else "0" for name in _PERM_FIELDS)


def decode_perms(text: str) -> Perms:
    return Perms(**{name: flag == "1" for name, flag in zip(_PERM_FIELDS, text, strict=True)})


def encode_meta(meta: Meta) -> str:
    data = asdict(meta)
    data["lobby_mode"] = meta.lobby_mode.value
    return _dumps(data)


def _decode_meta(text: str) -> Meta:
    data = json.loads(text)
    data["lobby_mode"] = LobbyMode(data["lobby_mode"])
    breakout = data.get("breakout")
    if breakout is not None:
        data["breakout"] = Breakout(
            groups=tuple(
                (group_id, tuple(ParticipantId(p) for p in members))
                for group_id, members in breakout["groups"]
            ),
            ends_at=breakout["ends_at"],
        )
    return Meta(**data)


def encode_participant(participant: Participant) -> str:
    data = asdict(participant)
    data["perms"] = encode_perms(participant.perms)
    data["role"] = participant.role.value
    data["member_role"] = participant.member_role.value
    return _dumps(data)


def _decode_participant(text: str) -> Participant:
    data = json.loads(text)
    return Participant(
        participant_id=ParticipantId(data["participant_id"]),
        user_id=UserId(data["user_id"]),
        role=RoomRole(data["role"]),
        member_role=MemberRole(data["member_role"]),
        school_id=None if data["school_id"] is None else SchoolId(data["school_id"]),
        display_name=data["display_name"],
        perms=decode_perms(data["perms"]),
        is_present=data["is_present"],
        conn_id=data["conn_id"],
        joined_at=data["joined_at"],
        hand=data["hand"],
        group_id=data["group_id"],
        node_id=data.get("node_id"),
    )


decode_meta = DecodedRecords(_decode_meta)
"""A meta record from its text (memoised)."""
decode_participant = DecodedRecords(_decode_participant)
"""A participant record from its text (memoised)."""


def encode_lobby_entry(entry: LobbyEntry) -> str:
    data = asdict(entry)
    data["role"] = entry.role.value
    data["member_role"] = entry.member_role.value
    data["reason"] = entry.reason.value
    return _dumps(data)


def decode_lobby_entry(text: str) -> LobbyEntry:
    data = json.loads(text)
    data["user_id"] = UserId(data["user_id"])
    data["role"] = RoomRole(data["role"])
    data["member_role"] = MemberRole(data["member_role"])
    data["reason"] = LobbyReason(data["reason"])
    return LobbyEntry(**data)


def encode_poll(poll: Poll) -> str:
    return _dumps(asdict(poll))


def decode_poll(text: str) -> Poll:
    data = json.loads(text)
    data["options"] = tuple(data["options"])
    return Poll(**data)


def encode_choices(choices: tuple[int, ...]) -> str:
    return _dumps({"c": list(choices)})


def decode_choices(text: str) -> tuple[int, ...]:
    return tuple(json.loads(text)["c"])


# -- reading -------------------------------------------------------------------


class RoomView:
    """A room's fields at one version, decoded on demand.

    Args:
        room_id: The room.
        record: Its fields and version, as loaded.
    """

    def __init__(self, room_id: RoomId, record: RoomRecord) -> None:
        self.room_id = room_id
        self.version = record.version
        self.raw: Mapping[str, str] = record.fields
        self._participants: dict[str, Participant] = {}
        self._meta: Meta | None = None

    @property
    def exists(self) -> bool:
        """Whether the room has a session (open or ended)."""
        return META in self.raw

    @property
    def meta(self) -> Meta:
        """The session's meta record; only call when ``exists``."""
        if self._meta is None:
            self._meta = decode_meta(self.raw[META])
        return self._meta

    @property
    def is_open(self) -> bool:
        """A session exists and has not ended."""
        return self.exists and not self.meta.is_ended

    def participant(self, participant_id: str) -> Participant | None:
        cached = self._participants.get(participant_id)
        if cached is not None:
            return cached
        text = self.raw.get(participant_field(participant_id))
        if text is None:
            return None
        decoded = self._participants[participant_id] = decode_participant(text)
        return decoded

    def participant_of(self, user_id: str) -> Participant | None:
        participant_id = self.raw.get(user_field(user_id))
        return None if participant_id is None else self.participant(participant_id)

    def participants(self) -> Iterator[Participant]:
        """Every participant, present or away, in no particular order."""
        for name in self.raw:
            if name.startswith(PARTICIPANT):
                participant = self.participant(name[len(PARTICIPANT) :])
                assert participant is not None
                yield participant

    def present(self) -> list[Participant]:
        """Participants present now, first joined first."""
        return sorted(
            (p for p in self.participants() if p.is_present),
            key=lambda p: (p.joined_at, p.participant_id),
        )

    def has_teacher_present(self) -> bool:
        return any(p.is_present and p.is_staff for p in self.participants())

    def hands(self) -> list[Participant]:
        """Participants with a raised hand, first raised first."""
        return sorted(
            (p for p in self.participants() if p.hand is not None),
            key=lambda p: p.hand or 0,
        )

    def lobby_entry(self, user_id: str) -> LobbyEntry | None:
        text = self.raw.get(lobby_field(user_id))
        return None if text is None else decode_lobby_entry(text)

    def lobby(self) -> list[LobbyEntry]:
        """Everyone waiting, first arrived first."""
        entries = [decode_lobby_entry(v) for k, v in self.raw.items() if k.startswith(LOBBY)]
        return sorted(entries, key=lambda e: (e.since, e.user_id))

    def was_kicked(self, user_id: str) -> bool:
        return kicked_field(user_id) in self.raw

    def poll(self, poll_id: str) -> Poll | None:
        text = self.raw.get(poll_field(poll_id))
        return None if text is None else decode_poll(text)

    def polls(self) -> list[Poll]:
        found = [decode_poll(v) for k, v in self.raw.items() if k.startswith(POLL)]
        return sorted(found, key=lambda p: (p.created_at, p.poll_id))

    def votes(self, poll_id: str) -> dict[str, tuple[int, ...]]:
        """Answers by participant id."""
        prefix = f"{VOTE}{poll_id}:"
        return {
            name[len(prefix) :]: decode_choices(value)
            for name, value in self.raw.items()
            if name.startswith(prefix)
        }

    def session_fields(self) -> list[str]:
        """Every field of the session (to clear it when a new one starts)."""
        return list(self.raw)
