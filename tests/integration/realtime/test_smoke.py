"""The shortest path: a teacher and a pupil join and see each other."""

from __future__ import annotations

from protocol.events.chat import ChatMessagePosted, SendChat
from protocol.events.models import JoinStatus, RoomSnapshot
from protocol.events.rooms import ParticipantJoined
from tests.integration.realtime.live import Live


async def test_a_teacher_and_a_pupil_join_and_chat(live: Live) -> None:
    teacher = await live.teacher()
    pupil = await live.pupil(teacher)
    host = await live.join(teacher)
    assert host.status is JoinStatus.JOINED
    snapshot = await host.next(RoomSnapshot)
    assert snapshot.you == host.participant_id
    kid = await live.join(pupil)
    joined = await host.next(ParticipantJoined)
    assert joined.participant.participant_id == kid.participant_id
    accepted = await kid.send(SendChat(text="Hallo!"))
    posted = await host.next(ChatMessagePosted)
    assert posted.text == "Hallo!" and posted.seq == accepted.seq
    echoed = await kid.next(ChatMessagePosted)
    assert echoed.message_id == accepted.message_id
