"""The chat's per-message records as named tuples, against the frozen dataclasses they were.

``ChatRoute``, ``ChatDraft``, ``ChatOutcome`` and ``Screened`` (``rooms.gate``)
and ``moderation.Submission`` were frozen slotted dataclasses; they are made
for every message, so they became named tuples. The old classes are kept
here as the oracle: the same keyword construction and defaults give the same
field values, equality and hashes agree, and the records stay immutable.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, strategies as st

from moderation import SenderRole, Submission
from protocol.api.grants import RoomRole
from protocol.events.chat import ChatChannel
from rooms import ChatDraft, ChatOutcome, Screened
from rooms.gate import ChatRoute


@dataclass(frozen=True, slots=True)
class OldRoute:
    channel: ChatChannel
    sender_user_id: str
    group_id: str | None = None
    peer_user_id: str | None = None
    peer_participant_id: str | None = None


@dataclass(frozen=True, slots=True)
class OldDraft:
    room_id: str
    session_id: str
    project_id: str
    message_id: str
    participant_id: str
    user_id: str
    role: RoomRole
    school_id: str | None
    route: Any
    text: str
    client_msg_id: str | None
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class OldOutcome:
    message_id: str
    seq: int | None
    is_held: bool = False
    is_duplicate: bool = False


@dataclass(frozen=True, slots=True)
class OldScreened:
    draft: Any
    is_held: bool = False
    links_allowed: bool = False
    notices: tuple[Any, ...] = ()
    duplicate: Any = None


@dataclass(frozen=True, slots=True)
class OldSubmission:
    room_id: str
    participant_id: str
    role: SenderRole
    text: str


IDS = st.text(max_size=6)
MAYBE = st.none() | IDS
ROUTES = st.fixed_dictionaries(
    {"channel": st.sampled_from(tuple(ChatChannel)), "sender_user_id": IDS},
    optional={"group_id": MAYBE, "peer_user_id": MAYBE, "peer_participant_id": MAYBE},
)


def _same(new: Any, old: Any) -> None:
    for field in dataclasses.fields(old):
        value, expected = getattr(new, field.name), getattr(old, field.name)
        if dataclasses.is_dataclass(expected):
            _same(value, expected)
        else:
            assert value == expected, field.name
    assert len(new) == len(dataclasses.fields(old))


def _draft_fields(route: Any, text: str, when: datetime) -> dict[str, Any]:
    return {
        "room_id": "r",
        "session_id": "s",
        "project_id": "p",
        "message_id": "m",
        "participant_id": "pa",
        "user_id": "u",
        "role": RoomRole.PUPIL,
        "school_id": None,
        "route": route,
        "text": text,
        "client_msg_id": None,
        "sent_at": when,
    }


@given(
    route=ROUTES,
    other=ROUTES,
    text=st.text(max_size=20),
    seq=st.none() | st.integers(),
    flags=st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_records_read_compare_and_hash_as_the_frozen_dataclasses(
    route: dict[str, Any], other: dict[str, Any], text: str, seq: int | None, flags: list[bool]
) -> None:
    when = datetime(2026, 11, 29, tzinfo=UTC)
    new_route, old_route = ChatRoute(**route), OldRoute(**route)
    _same(new_route, old_route)
    assert (new_route == ChatRoute(**other)) == (old_route == OldRoute(**other))
    assert (hash(new_route) == hash(ChatRoute(**route))) is True
    draft = ChatDraft(**_draft_fields(new_route, text, when))
    _same(draft, OldDraft(**_draft_fields(old_route, text, when)))
    assert draft.group_id == route.get("group_id")
    outcome = ChatOutcome(message_id="m", seq=seq, is_held=flags[0], is_duplicate=flags[1])
    _same(outcome, OldOutcome(message_id="m", seq=seq, is_held=flags[0], is_duplicate=flags[1]))
    _same(ChatOutcome("m", seq), OldOutcome("m", seq))
    screened = Screened(draft, is_held=flags[2], links_allowed=flags[3], duplicate=outcome)
    _same(
        screened,
        OldScreened(draft, is_held=flags[2], links_allowed=flags[3], duplicate=outcome),
    )
    _same(Screened(draft), OldScreened(draft))
    submission = Submission("r", "p", SenderRole.PUPIL, text)
    _same(submission, OldSubmission("r", "p", SenderRole.PUPIL, text))
    assert not submission.is_teacher
    assert Submission("r", "p", SenderRole.TEACHER, text).is_teacher


def test_records_stay_immutable() -> None:
    route = ChatRoute(ChatChannel.ROOM, "u")
    for record, name in (
        (route, "group_id"),
        (ChatOutcome("m", 1), "seq"),
        (Screened(ChatDraft(**_draft_fields(route, "t", datetime.now(UTC)))), "is_held"),
        (Submission("r", "p", SenderRole.PUPIL, "t"), "text"),
    ):
        with pytest.raises(AttributeError):
            setattr(record, name, None)
