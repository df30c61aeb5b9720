"""Reconnect and resume: what a client missed arrives exactly once and in order;
beyond the replay window it gets a snapshot instead.

Each test compares everything the SDK delivered with the room's event log:
the sequenced events a participant may see, after their first snapshot,
must all be there, once, in ``seq`` order.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from protocol.events.chat import ChatMessagePosted, ChatPage, SendChat
from protocol.events.hands import RaiseHand
from protocol.events.models import RoomSnapshot
from protocol.events.polls import CreatePoll
from protocol.events.rooms import LockRoom, ParticipantLeft
from rooms import Participant, may_see
from server.config import Settings
from tests.integration.realtime.live import Live, RecordingClient, drop, until

REPLAY_WINDOW = 20


@pytest.fixture
def live_settings(
    make_settings: Callable[..., Settings], tmp_path: Path, realtime_template: Path
) -> Settings:
    path = tmp_path / "live.sqlite3"
    shutil.copyfile(realtime_template, path)
    return make_settings(
        database={"url": f"sqlite+aiosqlite:///{path}", "migrate_on_start": False},
        rooms={"replay_window_events": REPLAY_WINDOW},
    )


async def visible_seqs(live: Live, client: RecordingClient, after: int) -> list[int]:
    """The seq of every logged event the client's participant may see, after ``after``."""
    view = await live.services.rooms.kernel.view(live.room)
    viewer = view.participant(str(client.participant_id))
    assert isinstance(viewer, Participant)
    logged = await live.services.cluster.event_log.since(live.room, after)
    assert logged is not None, "the window must still hold the test's events"
    return [e.seq for e in logged if may_see(e.audience, viewer)]


async def say(live: Live, client: RecordingClient, text: str) -> None:
    """Post a chat message, two seconds apart (the moderation pipeline's limit per
    participant refills one message every two seconds)."""
    live.world.clock.advance(2)
    await client.send(SendChat(text=text))


async def test_a_dropped_client_resumes_every_missed_event_once_in_order(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    start = (await kid.next(RoomSnapshot)).seq
    await say(live, kid, "before")
    await drop(kid)
    await host.next(ParticipantLeft)
    for n in range(5):
        await say(live, host, f"missed {n}")
    await host.send(RaiseHand())
    await until(lambda: kid.joins == 2)
    assert kid.last_join is not None and kid.last_join.replay is not None
    await say(live, host, "after")
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "after")
    assert kid.seqs(start) == await visible_seqs(live, kid, start)


async def test_reconnecting_again_and_again_loses_and_repeats_nothing(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher), reconnect=False)
    start = (await kid.next(RoomSnapshot)).seq
    for n in range(3):
        await say(live, host, f"live {n}")
        expected = f"live {n}"
        await kid.next(ChatMessagePosted, where=lambda e: e.text == expected)  # noqa: B023
        await drop(kid)
        await host.next(ParticipantLeft)
        await say(live, host, f"missed {n}")
        await host.send(LockRoom(locked=n % 2 == 0))
        result = await kid.connect()
        assert result.replay is not None and result.snapshot is None
    await say(live, host, "end")
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "end")
    assert kid.seqs(start) == await visible_seqs(live, kid, start)
    assert kid.last_seq == await live.services.cluster.event_log.last_seq(live.room)


async def test_a_client_away_beyond_the_window_gets_a_snapshot(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher), reconnect=False)
    await kid.next(RoomSnapshot)
    await drop(kid)
    await host.next(ParticipantLeft)
    for n in range(REPLAY_WINDOW + 5):
        await say(live, host, f"lots {n}")
    await host.send(CreatePoll(question="Still there?", options=["yes", "no"]))
    result = await kid.connect()
    assert result.replay is None and result.snapshot is not None
    snapshot = await kid.next(RoomSnapshot)
    assert [p.question for p in snapshot.polls] == ["Still there?"]
    # The snapshot holds no chat: the SDK read the page that does, next to it.
    page = await kid.next(ChatPage)
    assert kid.record.index(page) == kid.record.index(snapshot) + 1
    assert [m.text for m in page.messages][-3:] == [f"lots {n}" for n in range(22, 25)]
    await say(live, host, "and now")
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "and now")
    assert kid.seqs(snapshot.seq) == await visible_seqs(live, kid, snapshot.seq)


async def test_a_late_joiner_gets_the_chat_so_far_once(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    for n in range(3):
        await say(live, host, f"early {n}")
    kid = await live.join(await live.pupil(teacher))
    await kid.next(RoomSnapshot)
    page = await kid.next(ChatPage)
    assert [m.text for m in page.messages] == ["early 0", "early 1", "early 2"]
    await say(live, host, "later")
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "later")
    texts = [m.text for m in page.messages] + [
        e.text for e in kid.record if isinstance(e, ChatMessagePosted)
    ]
    assert texts == ["early 0", "early 1", "early 2", "later"]


async def test_an_app_that_pages_the_chat_itself_can_turn_the_page_off(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    await say(live, host, "early")
    kid = await live.join(await live.pupil(teacher), chat_history=False)
    await say(live, host, "later")
    await kid.next(ChatMessagePosted, where=lambda e: e.text == "later")
    assert not any(isinstance(e, ChatPage) for e in kid.record)
