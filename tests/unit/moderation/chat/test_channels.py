"""Channels (everyone, teachers only, a pupil's thread with the teachers, private
messages), breakout groups, and history paged backwards."""

from __future__ import annotations

import pytest

from moderation.chat import PolicyChanges
from moderation.chat.errors import DirectMessagesOff
from protocol.api.grants import RoomRole
from protocol.errors import Forbidden, InvalidPayload, NotFound
from protocol.events.chat import ChatChannel
from tests.unit.moderation.chat.harness import POSTED, ModeratedRooms, data_of
from tests.unit.moderation.chat.test_queue import history_states

STAFF, TEACHERS, DIRECT = ChatChannel.STAFF, ChatChannel.TEACHERS, ChatChannel.DIRECT


async def test_the_teachers_channel_reaches_teachers_only(rooms: ModeratedRooms) -> None:
    teacher = await rooms.seat_teacher()
    colleague = await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    await rooms.services.chat.send(teacher.actor, "shall we split them?", None, channel=STAFF)
    assert rooms.texts_seen_by(colleague) == ["shall we split them?"]
    assert rooms.texts_seen_by(kid) == []
    assert await history_states(rooms, kid) == []
    assert await history_states(rooms, colleague) == [("posted", "shall we split them?")]
    with pytest.raises(Forbidden):
        await rooms.services.chat.send(kid.actor, "let me in", None, channel=STAFF)


async def test_a_pupils_thread_with_the_teachers_is_theirs_alone(rooms: ModeratedRooms) -> None:
    teacher = await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    other = await rooms.seat_pupil()
    await rooms.services.chat.send(kid.actor, "I feel sad today", None, channel=TEACHERS)
    await rooms.services.chat.send(
        teacher.actor, "let us talk after class", None, channel=TEACHERS,
        to=kid.actor.participant_id,
    )  # fmt: skip
    both = ["I feel sad today", "let us talk after class"]
    assert rooms.texts_seen_by(kid) == both
    assert rooms.texts_seen_by(teacher) == both
    assert rooms.texts_seen_by(other) == []
    assert [text for _, text in await history_states(rooms, kid)] == both
    assert await history_states(rooms, other) == []
    with pytest.raises(InvalidPayload):
        await rooms.services.chat.send(teacher.actor, "to whom?", None, channel=TEACHERS)
    with pytest.raises(InvalidPayload):
        await rooms.services.chat.send(
            kid.actor, "not mine", None, channel=TEACHERS, to=other.actor.participant_id
        )


async def test_private_messages_between_pupils_only_when_a_teacher_turns_them_on(
    rooms: ModeratedRooms,
) -> None:
    teacher = await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    friend = await rooms.seat_pupil()
    bystander = await rooms.seat_pupil()
    to_friend = friend.actor.participant_id
    with pytest.raises(DirectMessagesOff):
        await rooms.services.chat.send(kid.actor, "psst", None, channel=DIRECT, to=to_friend)
    await rooms.moderation.sanctions.set_policy(teacher.actor, PolicyChanges(direct_messages=True))
    await rooms.services.chat.send(kid.actor, "psst", None, channel=DIRECT, to=to_friend)
    assert rooms.texts_seen_by(friend) == ["psst"]
    assert rooms.texts_seen_by(kid) == ["psst"]
    assert rooms.texts_seen_by(bystander) == []
    assert await history_states(rooms, bystander) == []
    # Teachers do not receive it live but read it in the history.
    assert await history_states(rooms, teacher) == [("posted", "psst")]
    with pytest.raises(Forbidden):
        await rooms.services.chat.send(
            teacher.actor, "hi", None, channel=DIRECT, to=kid.actor.participant_id
        )
    with pytest.raises(NotFound):
        await rooms.services.chat.send(kid.actor, "hi", None, channel=DIRECT, to="nobody")
    await rooms.moderation.sanctions.set_policy(teacher.actor, PolicyChanges(direct_messages=False))
    with pytest.raises(DirectMessagesOff):
        await rooms.services.chat.send(kid.actor, "psst", None, channel=DIRECT, to=to_friend)


async def test_a_breakout_groups_chat_stays_in_the_group(rooms: ModeratedRooms) -> None:
    teacher = await rooms.seat_teacher()
    ann = await rooms.seat_pupil()
    bob = await rooms.seat_pupil()
    groups = await rooms.services.breakouts.start(
        teacher.actor,
        mode="manual",
        groups=[[ann.actor.participant_id], [bob.actor.participant_id]],
        group_count=None,
        duration_s=None,
    )
    ann_group, bob_group = groups[0].group_id, groups[1].group_id
    await rooms.services.chat.send(ann.actor, "group one here", None)
    (posted,) = data_of(rooms.seen_by(ann, group_id=ann_group), POSTED)
    assert posted["group_id"] == ann_group
    assert rooms.texts_seen_by(bob, group_id=bob_group) == []
    assert rooms.texts_seen_by(teacher) == ["group one here"]
    assert await history_states(rooms, bob) == []
    assert await history_states(rooms, ann) == [("posted", "group one here")]
    await rooms.services.breakouts.end(teacher.actor)
    # Back in the main room: the group's chat is no longer part of the pupils' room.
    assert await history_states(rooms, bob) == []


async def test_history_pages_backwards_oldest_first_within_a_page(rooms: ModeratedRooms) -> None:
    await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    for n in range(7):
        await rooms.services.chat.send(kid.actor, f"message {n}", None)
    history = rooms.moderation.history
    pages: list[list[str]] = []
    before = None
    while True:
        page = await history.page(kid.actor, before, 3)
        pages.append([m.text or "" for m in page.messages])
        if page.before is None:
            break
        before = page.before
    assert pages == [
        ["message 4", "message 5", "message 6"],
        ["message 1", "message 2", "message 3"],
        ["message 0"],
    ]
    with pytest.raises(NotFound):
        await history.page(kid.actor, "not-a-message", 3)


async def test_an_observer_never_writes_privately_to_a_pupil(rooms: ModeratedRooms) -> None:
    teacher = await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    visitor = await rooms.join(await rooms.teacher(), role=RoomRole.OBSERVER)
    await rooms.moderation.sanctions.set_policy(teacher.actor, PolicyChanges(direct_messages=True))
    with pytest.raises(Forbidden):
        await rooms.services.chat.send(
            visitor, "hi there", None, channel=DIRECT, to=kid.actor.participant_id
        )
    with pytest.raises(Forbidden):
        await rooms.services.chat.send(
            kid.actor, "hi there", None, channel=DIRECT, to=visitor.participant_id
        )
