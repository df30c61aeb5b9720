"""Moderated chat over real sockets: what a pupil, another pupil, a teacher and a late
joiner see of held, approved, rejected and deleted messages; replay after a
reconnect; the error acks of the chat's sanctions; the same across two nodes on
Redis (the two-node harness of ``test_multinode``)."""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk import CommandFailed
from protocol.events.base import ServerEvent
from protocol.events.chat import (
    ChatAccepted,
    ChatChannel,
    ChatHistory,
    ChatMessageDeclined,
    ChatMessageDeleted,
    ChatMessageHeld,
    ChatMessagePosted,
    ChatPage,
    ReportMessage,
    ReportReason,
    SendChat,
)
from protocol.events.models import RoomSnapshot
from protocol.events.moderation import (
    ApproveMessage,
    DeleteMessage,
    HeldResolved,
    MessageHeld,
    ModerationReason,
    MuteInChat,
    RejectMessage,
    ReportFiled,
    SetChatPolicy,
    UnmuteInChat,
)
from protocol.events.rooms import ParticipantLeft
from rooms import MemberRole
from tests.integration.realtime.live import Live, RecordingClient, drop, until
from tests.integration.realtime.test_multinode import nodes  # noqa: F401 - the fixture

HELD = "my email is tom.smith@gmail.com"


async def say(live: Live, client: RecordingClient, text: str, **fields: Any) -> ChatAccepted:
    """Post a message a second after the last one (the chat rate limits refill with time)."""
    live.world.clock.advance(1)
    accepted: ChatAccepted = await client.send(SendChat(text=text, **fields))
    return accepted


async def barrier(live: Live, host: RecordingClient, *clients: RecordingClient) -> None:
    """Post a marker and wait until each client has it: everything before it arrived."""
    marker = f"marker {live.world.clock.now()}"
    await say(live, host, marker)
    for client in clients:
        await client.next(ChatMessagePosted, where=lambda e: e.text == marker)


def texts(client: RecordingClient) -> list[str]:
    return [
        e.text
        for e in client.record
        if isinstance(e, ChatMessagePosted) and not e.text.startswith("marker")
    ]


def named(client: RecordingClient, kind: type[ServerEvent]) -> list[Any]:
    return [e for e in client.record if isinstance(e, kind)]


async def history(client: RecordingClient, limit: int = 50) -> list[tuple[str, str | None]]:
    page: ChatPage = await client.send(ChatHistory(limit=limit))
    return [(m.state, m.text) for m in page.messages if not (m.text or "").startswith("marker")]


async def test_held_approved_rejected_and_deleted_as_each_participant_sees_them(
    live: Live,
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    other = await live.join(await live.pupil(teacher))

    hello = await say(live, kid, "hello everyone")
    held = await say(live, kid, HELD, client_msg_id="mine-1")
    assert held.held and held.seq is None
    waiting = await kid.next(ChatMessageHeld)
    assert (waiting.message_id, waiting.reason) == (held.message_id, "personal_data")
    queued = await host.next(MessageHeld)
    assert queued.message.text == HELD
    await host.send(ApproveMessage(message_id=held.message_id))
    await other.next(ChatMessagePosted, where=lambda e: e.message_id == held.message_id)
    await host.next(HeldResolved)

    second = await say(live, kid, "my email is anna.b@gmail.com")
    await host.send(
        RejectMessage(message_id=second.message_id, reason=ModerationReason.PERSONAL_DATA)
    )
    declined = await kid.next(ChatMessageDeclined)
    assert declined.message_id == second.message_id
    await host.send(DeleteMessage(message_id=hello.message_id, reason=ModerationReason.UNKIND))
    for client in (kid, other, host):
        await client.next(ChatMessageDeleted, where=lambda e: e.message_id == hello.message_id)
    await barrier(live, host, kid, other)

    assert texts(kid) == ["hello everyone", HELD]
    assert texts(other) == ["hello everyone", HELD]
    assert texts(host) == ["hello everyone", HELD]
    assert named(other, ChatMessageHeld) == [] and named(other, MessageHeld) == []
    assert named(other, ChatMessageDeclined) == []
    assert named(kid, MessageHeld) == []
    assert "anna.b" not in str(other.record)

    late = await live.join(await live.pupil(teacher))
    expected = [("deleted", None), ("posted", HELD)]
    for client in (kid, other, host, late):
        assert await history(client) == expected


async def test_a_pupil_sees_their_waiting_message_in_the_history_and_no_one_else(
    live: Live,
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    other = await live.join(await live.pupil(teacher))
    await say(live, kid, HELD)
    assert await history(kid) == [("waiting", HELD)]
    assert await history(other) == []
    assert await history(host) == []


async def test_a_reconnecting_pupil_gets_the_missed_chat_and_tombstones_in_order(
    live: Live,
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    start = (await kid.next(RoomSnapshot)).seq
    first = await say(live, host, "before the drop")
    await kid.next(ChatMessagePosted)
    await drop(kid)
    await host.next(ParticipantLeft)
    for n in range(3):
        await say(live, host, f"missed {n}")
    await host.send(DeleteMessage(message_id=first.message_id))
    await until(lambda: kid.joins == 2)
    assert kid.last_join is not None and kid.last_join.replay is not None
    await barrier(live, host, kid)
    assert texts(kid) == ["before the drop", "missed 0", "missed 1", "missed 2"]
    assert [e.message_id for e in named(kid, ChatMessageDeleted)] == [first.message_id]
    seqs = kid.seqs(start)
    assert seqs == sorted(set(seqs))
    assert (await history(kid))[0] == ("deleted", None)


async def test_a_deleted_message_is_never_replayed_to_a_reconnecting_pupil_or_a_late_joiner(
    live: Live,
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    rude = await live.join(await live.pupil(teacher))
    start = (await kid.next(RoomSnapshot)).seq
    await say(live, host, "before the drop")
    await kid.next(ChatMessagePosted)
    await drop(kid)
    await host.next(ParticipantLeft)
    sent = await say(live, rude, "you are so silly")
    await say(live, host, "after it")
    await host.send(DeleteMessage(message_id=sent.message_id, reason=ModerationReason.UNKIND))
    await until(lambda: kid.joins == 2)
    assert kid.last_join is not None and kid.last_join.replay is not None
    late = await live.join(await live.pupil(teacher))
    await barrier(live, host, kid, late)

    for client in (kid, late):
        assert "silly" not in str(client.record)
        assert await history(client) == [
            ("posted", "before the drop"),
            ("deleted", None),
            ("posted", "after it"),
        ]
    assert texts(kid) == ["before the drop", "after it"]
    # Replayed: the tombstone where the message was, then the teacher's delete.
    assert {e.message_id for e in named(kid, ChatMessageDeleted)} == {sent.message_id}
    seqs = kid.seqs(start)
    assert seqs == sorted(set(seqs))
    assert seqs == list(range(seqs[0], seqs[-1] + 1))


async def test_history_pages_backwards_over_the_wire(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    for n in range(5):
        await say(live, host, f"line {n}")
    page: ChatPage = await host.send(ChatHistory(limit=2))
    assert [m.text for m in page.messages] == ["line 3", "line 4"]
    assert page.before is not None and page.policy is not None
    older: ChatPage = await host.send(ChatHistory(limit=2, before=page.before))
    assert [m.text for m in older.messages] == ["line 1", "line 2"]


async def test_the_chats_refusals_reach_the_sender_as_stable_codes(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    friend = await live.join(await live.pupil(teacher))

    async def refused(**fields: Any) -> CommandFailed:
        with pytest.raises(CommandFailed) as failed:
            await say(live, kid, fields.pop("text", "hello"), **fields)
        return failed.value

    assert (await refused(text="you are shit")).details["reason"] == "blocked_word"
    dm = await refused(channel=ChatChannel.DIRECT, to_participant_id=friend.participant_id)
    assert dm.code == "direct_messages_off"
    await host.send(SetChatPolicy(locked=True))
    assert (await refused()).code == "chat_locked"
    await host.send(SetChatPolicy(locked=False))
    await host.send(MuteInChat(participant_id=str(kid.participant_id), duration_s=60))
    muted = await refused()
    assert muted.code == "chat_muted" and muted.details["retry_after_s"] > 0
    await host.send(UnmuteInChat(participant_id=str(kid.participant_id)))
    await say(live, kid, "I am back")
    with pytest.raises(CommandFailed) as forbidden:
        await kid.send(DeleteMessage(message_id="x"))
    assert forbidden.value.code == "forbidden"


async def test_a_report_reaches_the_teachers_live(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    other = await live.join(await live.pupil(teacher))
    sent = await say(live, kid, "you are slow")
    await other.next(ChatMessagePosted, where=lambda e: e.message_id == sent.message_id)
    accepted = await other.send(
        ReportMessage(message_id=sent.message_id, reason=ReportReason.UNKIND)
    )
    filed = await host.next(ReportFiled)
    assert filed.report.report_id == accepted.report_id
    await barrier(live, host, kid)
    assert named(kid, ReportFiled) == []


@pytest.mark.redis
async def test_moderation_across_two_nodes_on_redis(nodes: tuple[Live, Live]) -> None:  # noqa: F811
    a, b = nodes
    teacher = await a.teacher()
    host = await a.join(teacher)
    kid = await b.join(await a.pupil(teacher))
    other = await b.join(await a.pupil(teacher))

    held = await say(b, kid, HELD)
    queued = await host.next(MessageHeld)
    assert queued.message.message_id == held.message_id
    await host.send(ApproveMessage(message_id=held.message_id, text="my email is hidden"))
    approved = await other.next(ChatMessagePosted)
    assert (approved.text, approved.edited) == ("my email is hidden", True)

    await host.send(DeleteMessage(message_id=held.message_id))
    await other.next(ChatMessageDeleted, where=lambda e: e.message_id == held.message_id)
    await host.send(MuteInChat(participant_id=str(kid.participant_id), duration_s=60))
    with pytest.raises(CommandFailed) as muted:
        await say(b, kid, "hello")
    assert muted.value.code == "chat_muted"

    await host.send(SetChatPolicy(slow_mode_s=30))
    await say(b, other, "one")
    with pytest.raises(CommandFailed) as slow:
        await say(b, other, "two")
    assert slow.value.details["reason"] == "slow_mode"

    late = await a.join(await a.pupil(teacher))
    assert await history(late) == [("deleted", None), ("posted", "one")]
    assert await history(kid) == [("deleted", None), ("posted", "one")]


@pytest.mark.redis
async def test_a_pupil_on_the_other_node_reconnects_and_replays_no_deleted_text(
    nodes: tuple[Live, Live],  # noqa: F811
) -> None:
    a, b = nodes
    teacher = await a.teacher()
    host = await a.join(teacher)
    kid = await b.join(await a.pupil(teacher))
    rude = await a.join(await a.pupil(teacher))
    await say(a, host, "before the drop")
    await kid.next(ChatMessagePosted)
    await drop(kid)
    await host.next(ParticipantLeft)
    sent = await say(a, rude, "you are so silly")
    await host.send(DeleteMessage(message_id=sent.message_id, reason=ModerationReason.UNKIND))
    await until(lambda: kid.joins == 2)
    assert kid.last_join is not None and kid.last_join.replay is not None
    await barrier(a, host, kid)
    assert "silly" not in str(kid.record)
    assert {e.message_id for e in named(kid, ChatMessageDeleted)} == {sent.message_id}


async def test_teachers_export_a_transcript_without_pupils_full_names(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    pupil = await live.pupil(teacher)
    full_name = "Mary Beth Smith"
    live.directory.add_member(
        live.project, pupil.user_id, MemberRole.PUPIL, school_id=pupil.school_id,
        display_name=full_name,
    )  # fmt: skip
    kid = await live.join(pupil)
    await say(live, host, "=HYPERLINK(1)")
    rude = await say(live, kid, "you are silly")
    await host.send(DeleteMessage(message_id=rude.message_id))
    await say(live, kid, "sorry")
    base = f"/api/v1/rooms/{live.room}/sessions/{kid.session_id}/transcript"
    answer = await live.http.get(base, headers=teacher.headers)
    assert answer.status == 200, await answer.text()
    lines = (await answer.json())["lines"]
    assert {line["author"] for line in lines if line["role"] == "pupil"} == {"Mary S."}
    assert full_name not in str(lines)
    assert [(line["state"], line.get("text")) for line in lines] == [
        ("posted", "=HYPERLINK(1)"),
        ("deleted", None),
        ("posted", "sorry"),
    ]
    as_csv = await live.http.get(f"{base}.csv", headers=teacher.headers)
    assert as_csv.status == 200 and as_csv.content_type == "text/csv"
    body = await as_csv.text()
    assert "'=HYPERLINK(1)" in body and full_name not in body
    forbidden = await live.http.get(base, headers=pupil.headers)
    assert forbidden.status == 403
