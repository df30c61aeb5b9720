"""The records survive their trip through the room state's text fields."""

from __future__ import annotations

from protocol.api.grants import RoomRole
from protocol.events.models import LobbyMode, LobbyReason
from protocol.ids import ParticipantId, SchoolId, UserId
from rooms.model import Breakout, LobbyEntry, Meta, Participant, Perms, Poll
from rooms.ports import MemberRole
from rooms.state import (
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
