"""The records survive their trip through the room state's text fields."""

from __future__ import annotations

from protocol.api.grants import RoomRole
from protocol.events.models import LobbyMode, LobbyReason
from protocol.ids import ParticipantId, SchoolId, UserId
from rooms.model import Breakout, LobbyEntry, Meta, Participant, Perms, Poll
from rooms.ports import MemberRole
from rooms.state import (
    DecodedRecords,
    decode_lobby_entry,
    decode_meta,
    decode_participant,
    decode_perms,
    decode_poll,
    encode_lobby_entry,
    encode_meta,
    encode_participant,
    encode_perms,
    encode_poll,
)


def test_perms_are_five_flags() -> None:
    perms = Perms(speak=True, draw=True)
    assert encode_perms(perms) == "10010"
    assert decode_perms("10010") == perms


def test_meta_round_trips_with_breakout_groups() -> None:
    meta = Meta(
        session_id="s",
        project_id="p",
        series_id="r",
        started_at=1.5,
        lobby_mode=LobbyMode.EVERYONE,
        absent_since=3.0,
        breakout=Breakout(groups=(("g1", (ParticipantId("a"),)),), ends_at=9.0),
    )
    assert decode_meta(encode_meta(meta)) == meta


def test_participant_lobby_entry_and_poll_round_trip_unicode_names() -> None:
    participant = Participant(
        participant_id=ParticipantId("p"),
        user_id=UserId("u"),
        role=RoomRole.PUPIL,
        member_role=MemberRole.PUPIL,
        school_id=SchoolId("s"),
        display_name="Zoë \u05e9\u05dc\u05d5\u05dd",
        perms=Perms(chat=True),
        is_present=True,
        conn_id="c",
        joined_at=2.0,
        hand=3,
        group_id="g1",
    )
    assert decode_participant(encode_participant(participant)) == participant
    entry = LobbyEntry(
        user_id=UserId("u"),
        role=RoomRole.OBSERVER,
        member_role=MemberRole.OBSERVER,
        school_id=None,
        display_name="Obs",
        reason=LobbyReason.NOT_ON_ROSTER,
        since=1.0,
        conn_id=None,
    )
    assert decode_lobby_entry(encode_lobby_entry(entry)) == entry
    poll = Poll("p1", "Q?", ("a", "b"), True, False, True, False, 4.0)
    assert decode_poll(encode_poll(poll)) == poll


def test_decoded_records_are_remembered_by_text_and_bounded() -> None:
    decoded: list[str] = []

    def decode(text: str) -> tuple[str, ...]:
        decoded.append(text)
        return tuple(text)

    records = DecodedRecords(decode, limit=2)
    first = records("ab")
    assert records("ab") is first
    assert records("".join(["a", "b"])) is first  # equal text, another string
    assert decoded == ["ab"]
    records("cd")
    records("ef")  # past the limit: "ab", the oldest, is forgotten
    assert records("ab") == ("a", "b")
    assert decoded == ["ab", "cd", "ef", "ab"]


def test_memoised_decoding_equals_a_fresh_decoding() -> None:
    meta = Meta(session_id="s", project_id="p", series_id="x", started_at=1.0)
    text = encode_meta(meta)
    assert decode_meta(text) is decode_meta(text) == meta
    changed = encode_meta(Meta(session_id="s", project_id="p", series_id="x", started_at=2.0))
    assert decode_meta(changed).started_at == 2.0
