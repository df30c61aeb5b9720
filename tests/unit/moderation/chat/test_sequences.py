"""Property: whatever teachers and pupils do in any order, another pupil never sees a
message that was refused, is waiting or was rejected, and every history agrees
with a plain model of the chat (posted in order, tombstones, nothing before a clear).

Hypothesis draws a sequence of actions (a clean message, a message the
pipeline holds, one it refuses, approve, edit and approve, reject, delete,
clear) and replays it on fresh moderated rooms.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from moderation import MessageRejected
from protocol.events.moderation import ModerationReason
from protocol.ids import MessageId
from storage import Database
from tests.fakes.clock import FakeClock
from tests.unit.moderation.chat.harness import ModeratedRooms, Seat

ACTIONS = ("clean", "held", "refused", "approve", "edit", "reject", "delete", "clear")


@dataclass
class Model:
    """What the chat should be: message ids with their state and text, in order."""

    shown: list[tuple[int, str, str, str | None]] = field(default_factory=list)
    """(order sent, message id, ``posted`` or ``deleted``, text) since the last clear: an
    approved message takes its place by the time it was sent (the history's order)."""
    waiting: dict[str, tuple[int, str]] = field(default_factory=dict)
    never_shown: set[str] = field(default_factory=set)
    """Texts nobody but their sender and the teachers may ever see."""


async def play(rooms: ModeratedRooms, actions: list[tuple[str, int]]) -> None:
    teacher = await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    other = await rooms.seat_pupil()
    model = Model()
    queue, sanctions = rooms.moderation.queue, rooms.moderation.sanctions
    for n, (action, pick) in enumerate(actions):
        rooms.clock.advance(3)
        text = f"message {n}"
        if action == "clean":
            sent = await rooms.services.chat.send(kid.actor, text, None)
            model.shown.append((n, sent.message_id, "posted", text))
        elif action == "held":
            text = f"my email is pupil{n}@gmail.com"
            sent = await rooms.services.chat.send(kid.actor, text, None)
            assert sent.is_held
            model.waiting[sent.message_id] = (n, text)
            model.never_shown.add(text)
        elif action == "refused":
            with pytest.raises(MessageRejected):
                await rooms.services.chat.send(kid.actor, f"shit {n}", None)
            model.never_shown.add(f"shit {n}")
        elif action in ("approve", "edit", "reject") and model.waiting:
            message_id = sorted(model.waiting)[pick % len(model.waiting)]
            order, original = model.waiting.pop(message_id)
            if action == "reject":
                await queue.reject(teacher.actor, MessageId(message_id), ModerationReason.OTHER)
                continue
            edited = f"edited {n}" if action == "edit" else None
            await queue.approve(teacher.actor, MessageId(message_id), edited)
            model.shown.append((order, message_id, "posted", edited or original))
            model.shown.sort()
            if edited is None:
                model.never_shown.discard(original)
        elif action == "delete":
            posted = [i for i, shown in enumerate(model.shown) if shown[2] == "posted"]
            if posted:
                index = posted[pick % len(posted)]
                order, message_id, _, _ = model.shown[index]
                await sanctions.delete(teacher.actor, MessageId(message_id), ModerationReason.OTHER)
                model.shown[index] = (order, message_id, "deleted", None)
        elif action == "clear":
            await sanctions.clear(teacher.actor, ModerationReason.OTHER)
            model.shown.clear()
        await check(rooms, model, kid, other, teacher)


async def check(rooms: ModeratedRooms, model: Model, kid: Seat, other: Seat, teacher: Seat) -> None:
    expected = [(state, text) for _, _, state, text in model.shown]
    for seat in (other, teacher):
        page = await rooms.moderation.history.page(seat.actor, None, 100)
        assert [(m.state, m.text) for m in page.messages] == expected
    page = await rooms.moderation.history.page(kid.actor, None, 100)
    assert [(m.state, m.text) for m in page.messages if m.state != "waiting"] == expected
    waiting = {m.text for m in page.messages if m.state == "waiting"}
    assert waiting == {text for _, text in model.waiting.values()}
    seen_live = set(rooms.texts_seen_by(other))
    assert not seen_live & model.never_shown
    private = {"chat.message_held", "chat.message_declined"}
    assert not [
        e.name
        for e in rooms.seen_by(other)
        if e.name.startswith("moderation.") or e.name in private
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 20)), max_size=14))
async def test_no_sequence_of_actions_shows_a_pupil_what_they_may_not_see(
    actions: list[tuple[str, int]],
    moderation_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    path = tmp_path_factory.getbasetemp() / f"sequence-{uuid.uuid4().hex}.sqlite3"
    shutil.copyfile(moderation_template, path)
    db = Database(f"sqlite+aiosqlite:///{path}")
    rooms = ModeratedRooms(db, FakeClock())
    await rooms.start()
    try:
        await play(rooms, actions)
    finally:
        await rooms.close()
        await db.close()
        path.unlink()
