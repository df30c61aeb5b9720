"""Every command: an explicit rule, a refusal for pupils, an error ack for bad input.

A bad command (unknown name, wrong types, missing fields, extra arguments,
nothing joined yet) is answered with an error acknowledgement carrying a
stable code, and the room does not change.
"""

from __future__ import annotations

from typing import Any

import pytest

from protocol.events.models import LobbyMode
from protocol.events.rooms import SetLobbyMode
from protocol.registry import CLIENT_EVENTS
from server.realtime.dispatcher import Rule
from server.realtime.handlers import COMMAND_TABLES
from tests.integration.realtime.live import Live

EXPECTED_RULES: dict[str, Rule] = {
    "room.join": Rule.CONNECTED,
    "room.leave": Rule.PARTICIPANT,
    "room.sync": Rule.PARTICIPANT,
    "room.lock": Rule.TEACHER,
    "room.end": Rule.TEACHER,
    "room.set_lobby": Rule.TEACHER,
    "room.mute_all": Rule.TEACHER,
    "participant.mute": Rule.TEACHER,
    "participant.set_permissions": Rule.TEACHER,
    "participant.set_role": Rule.HOST,
    "participant.kick": Rule.TEACHER,
    "participant.ban": Rule.TEACHER,
    "ban.lift": Rule.TEACHER,
    "lobby.admit": Rule.TEACHER,
    "lobby.deny": Rule.TEACHER,
    "hand.raise": Rule.PARTICIPANT,
    "hand.lower": Rule.PARTICIPANT,
    "poll.create": Rule.TEACHER,
    "poll.vote": Rule.PARTICIPANT,
    "poll.close": Rule.TEACHER,
    "poll.show_results": Rule.TEACHER,
    "breakout.start": Rule.TEACHER,
    "breakout.end": Rule.TEACHER,
    "breakout.visit": Rule.TEACHER,
    "chat.send": Rule.PARTICIPANT,
    "chat.history": Rule.PARTICIPANT,
    "chat.report": Rule.PARTICIPANT,
    "moderation.list_held": Rule.TEACHER,
    "moderation.approve": Rule.TEACHER,
    "moderation.reject": Rule.TEACHER,
    "moderation.delete": Rule.TEACHER,
    "moderation.mute": Rule.TEACHER,
    "moderation.unmute": Rule.TEACHER,
    "moderation.set_policy": Rule.TEACHER,
    "moderation.clear": Rule.TEACHER,
    "moderation.list_reports": Rule.TEACHER,
    "moderation.resolve_report": Rule.TEACHER,
}
"""The authorisation rule of every command, as reviewed. A new command fails
the tests below until it is added here on purpose."""


def valid_payload(name: str, target: str, user: str) -> dict[str, Any]:
    """A well-formed payload of a teacher command, aimed at ``target``."""
    examples: dict[str, dict[str, Any]] = {
        "room.lock": {"locked": True},
        "room.end": {},
        "room.set_lobby": {"mode": "everyone"},
        "room.mute_all": {"include_chat": True},
        "participant.mute": {"participant_id": target},
        "participant.set_permissions": {"participant_id": target, "may_speak": False},
        "participant.set_role": {"participant_id": target, "role": "observer"},
        "participant.kick": {"participant_id": target},
        "participant.ban": {"participant_id": target},
        "ban.lift": {"user_id": user},
        "lobby.admit": {"user_ids": [user]},
        "lobby.deny": {"user_id": user},
        "poll.create": {"question": "Q?", "options": ["a", "b"]},
        "poll.close": {"poll_id": "p"},
        "poll.show_results": {"poll_id": "p"},
        "breakout.start": {"mode": "mixed", "group_count": 1},
        "breakout.end": {},
        "breakout.visit": {"group_id": None},
        "moderation.list_held": {},
        "moderation.approve": {"message_id": "m"},
        "moderation.reject": {"message_id": "m"},
        "moderation.delete": {"message_id": "m"},
        "moderation.mute": {"participant_id": target},
        "moderation.unmute": {"participant_id": target},
        "moderation.set_policy": {"locked": True},
        "moderation.clear": {},
        "moderation.list_reports": {},
        "moderation.resolve_report": {"report_id": "r", "outcome": "dismissed"},
    }
    return examples[name]


PRIVILEGED = sorted(name for name, rule in EXPECTED_RULES.items() if rule.is_privileged)


def test_every_command_has_one_handler_and_the_reviewed_rule() -> None:
    declared = {c.model.name: c.rule for table in COMMAND_TABLES for c in table.commands}
    assert set(declared) == set(CLIENT_EVENTS), "a client event without a handler"
    assert declared == EXPECTED_RULES


@pytest.mark.parametrize("name", PRIVILEGED)
async def test_a_pupil_is_refused_every_teacher_command_and_nothing_changes(
    live: Live, name: str
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    before = await live.services.cluster.room_state.load(live.room)
    last_seq = await live.services.cluster.event_log.last_seq(live.room)
    payload = valid_payload(name, str(host.participant_id), teacher.user_id)
    ack = await kid.send_raw(name, payload)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "forbidden"
    assert await live.services.cluster.room_state.load(live.room) == before
    assert await live.services.cluster.event_log.last_seq(live.room) == last_seq


@pytest.mark.parametrize(
    ("event", "args", "code"),
    [
        ("no.such_thing", ({},), "unknown_event"),
        ("x" * 500, ({},), "unknown_event"),
        ("room.lock", ({"locked": "yes"},), "invalid_payload"),
        ("room.lock", ({},), "invalid_payload"),
        ("room.lock", ([True],), "invalid_payload"),
        ("room.lock", ("locked",), "invalid_payload"),
        ("room.lock", ({"locked": True}, {"locked": False}), "invalid_payload"),
        ("chat.send", ({"text": "\u202e"},), "invalid_payload"),
        ("chat.send", ({"text": "a" * 5000},), "invalid_payload"),
        ("poll.vote", ({"poll_id": "p", "choices": [float("nan")]},), "invalid_payload"),
    ],
)
async def test_bad_commands_get_an_error_ack_and_change_nothing(
    live: Live, event: str, args: tuple[Any, ...], code: str
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    before = await live.services.cluster.room_state.load(live.room)
    ack = await host.send_raw(event, *args)
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert await live.services.cluster.room_state.load(live.room) == before


async def test_invalid_payload_names_the_fields_but_not_their_values(live: Live) -> None:
    host = await live.join(await live.teacher())
    ack = await host.send_raw("room.lock", {"locked": "secret-value"})
    errors = ack["error"]["details"]["errors"]
    assert errors[0]["loc"] == ["locked"]
    assert "secret-value" not in str(ack)


async def test_a_waiting_person_may_only_join(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    await host.send(SetLobbyMode(mode=LobbyMode.EVERYONE))
    waiting = await live.join(await live.pupil(teacher))
    assert waiting.status is not None and waiting.status.value == "waiting"
    ack = await waiting.send_raw("hand.raise", {})
    assert ack["error"]["code"] == "not_in_room"


async def test_unknown_fields_are_ignored(live: Live) -> None:
    host = await live.join(await live.teacher())
    ack = await host.send_raw("room.lock", {"locked": True, "from_the_future": 1})
    assert ack == {"ok": True, "data": None}
