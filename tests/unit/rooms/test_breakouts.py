"""Breakout groups: mixing schools, group chat, visits, and no control for pupils."""

from __future__ import annotations

import pytest

from protocol.errors import Conflict, Forbidden, InvalidPayload, NotFound
from rooms.grouping import check_manual, group_id, mixed
from rooms.model import Participant, Perms
from rooms.ports import MemberRole
from tests.unit.rooms.harness import SCHOOL_A, SCHOOL_B, Rooms


def pupil(pid: str, school: str, joined: float) -> Participant:
    from protocol.api.grants import RoomRole
    from protocol.ids import ParticipantId, SchoolId, UserId

    return Participant(
        participant_id=ParticipantId(pid),
        user_id=UserId(f"u{pid}"),
        role=RoomRole.PUPIL,
        member_role=MemberRole.PUPIL,
        school_id=SchoolId(school),
        display_name=pid,
        perms=Perms(),
        is_present=True,
        conn_id="c",
        joined_at=joined,
    )


@pytest.mark.parametrize(
    ("schools", "count"),
    [("AAAABBBB", 2), ("AAAAAABB", 2), ("AABBCC", 3), ("AAAB", 4), ("ABABABABAB", 3)],
)
def test_mixed_groups_are_even_and_mix_schools_as_far_as_numbers_allow(
    schools: str, count: int
) -> None:
    pupils = [pupil(f"p{i}", s, float(i)) for i, s in enumerate(schools)]
    groups = mixed(pupils, count)
    sizes = sorted(len(g) for g in groups)
    assert sizes[-1] - sizes[0] <= 1
    assert sorted(p for g in groups for p in g) == sorted(p.participant_id for p in pupils)
    by_id: dict[str, str] = {p.participant_id: str(p.school_id) for p in pupils}
    for school in set(schools):
        spread = [sum(1 for p in g if by_id[p] == school) for g in groups]
        assert max(spread) - min(spread) <= 1, (school, spread)


def test_two_equal_classes_in_two_groups_make_two_mixed_groups() -> None:
    pupils = [pupil(f"p{i}", s, float(i)) for i, s in enumerate("AAAABBBB")]
    by_id: dict[str, str] = {p.participant_id: str(p.school_id) for p in pupils}
    for group in mixed(pupils, 2):
        assert sorted(by_id[p] for p in group) == ["A", "A", "B", "B"]


def test_mixed_refuses_more_groups_than_pupils() -> None:
    with pytest.raises(InvalidPayload):
        mixed([pupil("p1", "A", 0)], 2)


def test_a_manual_split_names_pupils_once_each() -> None:
    members: dict[str, Participant] = {
        p.participant_id: p for p in (pupil("a", "A", 0), pupil("b", "B", 0))
    }
    check_manual([["a"], ["b"]], members)
    with pytest.raises(InvalidPayload):
        check_manual([["a"], ["a"]], members)
    with pytest.raises(InvalidPayload):
        check_manual([["a"], []], members)
    with pytest.raises(NotFound):
        check_manual([["a", "zzz"]], members)


async def test_pupils_chat_within_their_group_and_teachers_can_visit(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    a = await rooms.join(await rooms.pupil(SCHOOL_A))
    b = await rooms.join(await rooms.pupil(SCHOOL_B))
    groups = await rooms.services.breakouts.start(
        host,
        mode="manual",
        groups=[[a.participant_id], [b.participant_id]],
        group_count=None,
        duration_s=None,
    )
    assert [g.group_id for g in groups] == [group_id(0), group_id(1)]
    started = rooms.events()[-1]
    assert started.effects == [
        {"op": "group", "groups": {a.participant_id: "g1", b.participant_id: "g2"}}
    ]
    await rooms.services.chat.send(a, "hello group", None)
    (posted,) = rooms.events()
    assert posted.audience == "group:g1"
    assert posted.data["group_id"] == "g1"
    await rooms.services.breakouts.visit(host, "g2")
    (visited,) = rooms.events()
    assert visited.effects == [{"op": "group", "groups": {host.participant_id: "g2"}}]
    await rooms.services.chat.send(host, "teacher in g2", None)
    assert rooms.events()[0].audience == "group:g2"
    with pytest.raises(NotFound):
        await rooms.services.breakouts.visit(host, "g9")


async def test_being_in_a_group_gives_a_pupil_no_control(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    a = await rooms.join(await rooms.pupil())
    b = await rooms.join(await rooms.pupil())
    await rooms.services.breakouts.start(
        host,
        mode="manual",
        groups=[[a.participant_id, b.participant_id]],
        group_count=None,
        duration_s=None,
    )
    before = await rooms.store.load(rooms.room)
    for attempt in (
        rooms.services.controls.mute(a, b.participant_id),
        rooms.services.removal.kick(a, b.participant_id),
        rooms.services.breakouts.end(a),
        rooms.services.breakouts.visit(a, "g1"),
    ):
        with pytest.raises(Forbidden):
            await attempt
    assert await rooms.store.load(rooms.room) == before


async def test_groups_cannot_start_twice_or_with_teachers_inside(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    a = await rooms.join(await rooms.pupil())
    with pytest.raises(NotFound):
        await rooms.services.breakouts.start(
            host,
            mode="manual",
            groups=[[host.participant_id]],
            group_count=None,
            duration_s=None,
        )
    await rooms.services.breakouts.start(
        host, mode="manual", groups=[[a.participant_id]], group_count=None, duration_s=None
    )
    with pytest.raises(Conflict):
        await rooms.services.breakouts.start(
            host, mode="mixed", groups=None, group_count=1, duration_s=None
        )
    await rooms.services.breakouts.end(host)
    assert (await rooms.participant(a)).group_id is None
