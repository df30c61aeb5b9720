"""The pure rules of who may do what (table-driven)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from protocol.api.accounts import AccountKind
from protocol.api.grants import Grants, RoomRole
from protocol.errors import Forbidden
from rooms.model import Meta, Participant, Perms
from rooms.policy import (
    cap,
    effective,
    initial_perms,
    member_may_hold,
    require_outranks,
    role_perms,
    within_ceiling,
)
from rooms.ports import MemberRole

H, C, OB, P = RoomRole.HOST, RoomRole.CO_TEACHER, RoomRole.OBSERVER, RoomRole.PUPIL
META = Meta(session_id="s", project_id="p", series_id="r", started_at=0.0)
EVERYTHING = Grants(
    may_publish=True, may_screen=True, may_draw=True, may_chat=True, may_moderate=True
)


def someone(role: RoomRole, perms: Perms | None = None) -> Participant:
    from protocol.ids import ParticipantId, UserId

    return Participant(
        participant_id=ParticipantId(role.value),
        user_id=UserId(role.value),
        role=role,
        member_role=MemberRole.PUPIL if role is P else MemberRole.ADMIN,
        school_id=None,
        display_name=role.value,
        perms=perms or Perms(True, True, True, True, True),
        is_present=True,
        conn_id="c",
        joined_at=0.0,
    )


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (H, C, True), (H, OB, True), (H, P, True), (H, H, False),
        (C, OB, True), (C, P, True), (C, C, False), (C, H, False),
        (OB, P, False), (P, P, False), (P, H, False), (P, OB, False),
    ],
)  # fmt: skip
def test_teachers_act_only_on_lower_ranks(actor: RoomRole, target: RoomRole, allowed: bool) -> None:
    if allowed:
        require_outranks(someone(actor), someone(target))
    else:
        with pytest.raises(Forbidden):
            require_outranks(someone(actor), someone(target))


@pytest.mark.parametrize(
    ("member", "kind", "role", "allowed"),
    [
        (MemberRole.ADMIN, AccountKind.TEACHER, H, True),
        (MemberRole.TEACHER, AccountKind.TEACHER, C, True),
        (MemberRole.TEACHER, AccountKind.TEACHER, P, False),
        (MemberRole.OBSERVER, AccountKind.TEACHER, OB, True),
        (MemberRole.OBSERVER, AccountKind.TEACHER, C, False),
        (MemberRole.PUPIL, AccountKind.PUPIL, P, True),
        (MemberRole.PUPIL, AccountKind.PUPIL, OB, False),
        (MemberRole.ADMIN, AccountKind.PUPIL, H, False),
    ],
)
def test_which_member_may_hold_which_role(
    member: MemberRole, kind: AccountKind, role: RoomRole, allowed: bool
) -> None:
    assert member_may_hold(member, role, kind) is allowed


def test_observers_may_at_most_chat() -> None:
    assert cap(OB, Perms(True, True, True, True, True)) == Perms(chat=True)
    assert not within_ceiling(OB, Perms(speak=True))
    assert within_ceiling(P, Perms(screen=True))


def test_newcomers_follow_the_room_defaults_but_teachers_do_not() -> None:
    muted = replace(META, speak_default=False, chat_default=False)
    assert initial_perms(P, EVERYTHING, muted) == Perms(video=True, screen=True, draw=True)
    assert initial_perms(H, EVERYTHING, muted) == Perms(True, True, True, True, True)
    assert initial_perms(P, Grants(may_chat=True), META) == Perms(chat=True)


def test_the_failsafe_freezes_pupils_chat_and_drawing_only() -> None:
    absent = replace(META, teacher_absent=True)
    pupil = someone(P)
    assert effective(pupil, absent) == Perms(speak=True, video=True, screen=True)
    assert effective(someone(C), absent).chat
    assert effective(pupil, META) == pupil.perms


def test_a_role_change_resets_to_the_roles_usual_permissions() -> None:
    assert role_perms(OB) == Perms()
    assert role_perms(P) == Perms(speak=True, video=True, draw=True, chat=True)
    assert role_perms(H) == Perms(True, True, True, True, True)
