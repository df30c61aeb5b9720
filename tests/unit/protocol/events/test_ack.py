"""The acknowledgement envelope and the strictness of commands."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from protocol.ack import Ack, error_ack, ok_ack
from protocol.api.grants import RoomRole
from protocol.errors import Forbidden, InvalidPayload
from protocol.events.chat import ChatAccepted
from protocol.events.models import LobbyMode
from protocol.events.polls import VotePoll
from protocol.events.rooms import JoinRoom, LockRoom, SetLobbyMode, SetRole


def test_ok_ack_carries_the_result_as_json() -> None:
    wire = ok_ack(ChatAccepted(message_id="m1", seq=7))
    assert wire == {
        "ok": True,
        "data": {"message_id": "m1", "seq": 7, "held": False, "duplicate": False},
    }
    assert Ack.model_validate(wire).ok


def test_empty_ok_ack_has_no_data() -> None:
    assert ok_ack() == {"ok": True, "data": None}


def test_error_ack_carries_code_message_and_details_only_when_set() -> None:
    expected = {"ok": False, "error": {"code": "forbidden", "message": "no"}}
    assert error_ack(Forbidden("no")) == expected
    wire = error_ack(InvalidPayload("bad", details={"errors": [{"loc": ["text"]}]}))
    assert wire["error"]["details"] == {"errors": [{"loc": ["text"]}]}
    assert Ack.model_validate(wire).error is not None


@pytest.mark.parametrize(
    "payload",
    [{"locked": "true"}, {"locked": 1}, {}, {"locked": None}],
)
def test_commands_do_not_coerce_types(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        LockRoom.model_validate(payload)


def test_unknown_fields_are_ignored_for_rolling_deploys() -> None:
    assert LockRoom.model_validate({"locked": True, "added_in_v2": 1}).locked is True


def test_poll_choices_must_be_small_non_negative_integers() -> None:
    with pytest.raises(ValidationError):
        VotePoll.model_validate({"poll_id": "p", "choices": [True]})
    with pytest.raises(ValidationError):
        VotePoll.model_validate({"poll_id": "p", "choices": [-1]})
    with pytest.raises(ValidationError):
        VotePoll.model_validate({"poll_id": "p", "choices": [1.0]})


def test_resume_point_needs_a_session_and_a_non_negative_seq() -> None:
    assert JoinRoom.model_validate({"resume": {"session_id": "s", "seq": 0}}).resume is not None
    with pytest.raises(ValidationError):
        JoinRoom.model_validate({"resume": {"session_id": "s", "seq": -1}})
    with pytest.raises(ValidationError):
        JoinRoom.model_validate({"resume": {"seq": 3}})


def test_ids_refuse_odd_characters() -> None:
    with pytest.raises(ValidationError):
        VotePoll.model_validate({"poll_id": "../../etc", "choices": [0]})


def test_enum_fields_take_their_wire_text_and_nothing_else() -> None:
    assert SetRole.model_validate({"participant_id": "p", "role": "observer"}).role is (
        RoomRole.OBSERVER
    )
    assert SetLobbyMode.model_validate({"mode": "everyone"}).mode is LobbyMode.EVERYONE
    for bad in ("admin", 1, None, ["host"]):
        with pytest.raises(ValidationError):
            SetRole.model_validate({"participant_id": "p", "role": bad})


def test_a_deeply_nested_value_in_an_enum_field_is_refused_not_crashed_on() -> None:
    value: object = "host"
    for _ in range(5000):
        value = [value]
    with pytest.raises(ValidationError):
        SetRole.model_validate({"participant_id": "p", "role": value})
