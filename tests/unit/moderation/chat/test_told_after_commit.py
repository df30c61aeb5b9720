"""Actions stored first and told after: mute, the chat's settings, reports.

The window between the database's commit and the room's is opened by making
the room's store refuse the telling commit (as a crash or an unreachable
store would). A mute or a setting lives in the room's state, committed with
its event: not told means not in effect, and doing it again works; a client
that missed the event and resumes from a snapshot reads both in
``chat.history``. A report lives in the database: one stored but not told is
told once, later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import pytest

from cluster import ClusterUnavailable
from moderation.chat import PolicyChanges
from moderation.chat.errors import AlreadyDecided, ChatLocked, ChatMuted
from protocol.events.chat import ReportReason
from protocol.ids import MessageId
from tests.unit.moderation.chat.harness import ModeratedRooms, Seat, data_of
from tests.unit.moderation.chat.test_sanctions import audit_actions

FILED = "moderation.report_filed"
CLOSED = "moderation.report_resolved"


@contextmanager
def room_store_down(rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The room's store refuses every commit meanwhile."""

    async def unreachable(*args: object, **kwargs: object) -> list[int] | None:
        raise ClusterUnavailable("room state is unavailable")

    with monkeypatch.context() as patched:
        patched.setattr(rooms.store, "commit", unreachable)
        yield


async def mute(rooms: ModeratedRooms, teacher: Seat, kid: Seat) -> None:
    await rooms.moderation.sanctions.mute(teacher.actor, kid.actor.participant_id, 60, None)


async def lock(rooms: ModeratedRooms, teacher: Seat, kid: Seat) -> None:
    await rooms.moderation.sanctions.set_policy(teacher.actor, PolicyChanges(locked=True))


Act = Callable[[ModeratedRooms, Seat, Seat], Awaitable[None]]


class TestMuteAndSettings:
    @pytest.mark.parametrize(
        ("act", "refused", "event", "action"),
        [
            (mute, ChatMuted, "chat.mute_changed", "chat.muted"),
            (lock, ChatLocked, "chat.policy_changed", "chat.policy_changed"),
        ],
    )
    async def test_a_change_the_room_never_heard_is_not_in_effect_and_can_be_made_again(
        self,
        rooms: ModeratedRooms,
        monkeypatch: pytest.MonkeyPatch,
        act: Act,
        refused: type[Exception],
        event: str,
        action: str,
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        with room_store_down(rooms, monkeypatch), pytest.raises(ClusterUnavailable):
            await act(rooms, teacher, kid)
        # Not told, not in effect: the pupil's client and the room agree.
        assert data_of(rooms.seen_by(kid), event) == []
        await rooms.services.chat.send(kid.actor, "still here", None)
        page = await rooms.moderation.history.page(kid.actor, None, 10)
        assert page.muted_until is None and page.policy is not None and not page.policy.locked

        await act(rooms, teacher, kid)
        assert len(data_of(rooms.seen_by(kid), event)) == 1
        with pytest.raises(refused):
            await rooms.services.chat.send(kid.actor, "and now?", None)
        # The audit is written first: the attempt the room never heard is in it too.
        actions = [a for a, _, _ in await audit_actions(rooms.db, rooms.project)]
        assert actions.count(action) == 2

    async def test_after_a_snapshot_the_history_tells_a_pupil_of_a_mute_and_settings_missed(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        await rooms.services.sessions.leave(
            rooms.room, kid.person.user_id, conn_id=kid.actor.conn_id, reason="disconnected"
        )
        sanctions = rooms.moderation.sanctions
        await sanctions.mute(teacher.actor, kid.actor.participant_id, 600, None)
        await sanctions.set_policy(teacher.actor, PolicyChanges(locked=True, slow_mode_s=30))

        back = Seat(await rooms.join(kid.person), kid.person, is_staff=False)
        caught_up = await rooms.services.sessions.catch_up(back.actor, None)
        # The snapshot holds no chat; chat.history does (docs/protocol.md, resume).
        assert caught_up.snapshot is not None and caught_up.replay is None
        page = await rooms.moderation.history.page(back.actor, None, 10)
        assert page.muted_until is not None
        assert page.policy is not None and page.policy.locked
        assert page.policy.slow_mode_s == 30


class TestReports:
    async def filed_untold(
        self, rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch
    ) -> tuple[Seat, Seat, MessageId]:
        """A teacher, a reporter, and a report stored while the room's store was down."""
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        rude = await rooms.seat_pupil()
        sent = await rooms.services.chat.send(rude.actor, "you are slow", None)
        with room_store_down(rooms, monkeypatch), pytest.raises(ClusterUnavailable):
            await rooms.moderation.reports.report(kid.actor, sent.message_id, ReportReason.UNKIND)
        assert data_of(rooms.seen_by(teacher), FILED) == []
        return teacher, kid, sent.message_id

    async def test_a_report_stored_but_not_told_is_told_once_when_reported_again(
        self, rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        teacher, kid, message_id = await self.filed_untold(rooms, monkeypatch)
        reports = rooms.moderation.reports
        first = await reports.report(kid.actor, message_id, ReportReason.UNKIND)
        again = await reports.report(kid.actor, message_id, ReportReason.UNKIND)
        assert first == again
        (filed,) = data_of(rooms.seen_by(teacher), FILED)
        assert filed["report"]["report_id"] == first
        await reports.list_reports(teacher.actor)
        assert len(data_of(rooms.seen_by(teacher), FILED)) == 1

    async def test_a_report_stored_but_not_told_is_told_once_when_a_teacher_lists(
        self, rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        teacher, kid, message_id = await self.filed_untold(rooms, monkeypatch)
        reports = rooms.moderation.reports
        listed = await reports.list_reports(teacher.actor)
        (report,) = listed.reports
        (filed,) = data_of(rooms.seen_by(teacher), FILED)
        assert filed["report"]["report_id"] == report.report_id
        await reports.list_reports(teacher.actor)
        await reports.report(kid.actor, message_id, ReportReason.UNKIND)
        assert len(data_of(rooms.seen_by(teacher), FILED)) == 1
        assert data_of(rooms.seen_by(kid), FILED) == []

    @pytest.mark.parametrize("then", ["list", "close_again"])
    async def test_a_closed_report_not_told_is_told_once_later(
        self, rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch, then: str
    ) -> None:
        teacher = await rooms.seat_teacher()
        colleague = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        sent = await rooms.services.chat.send(teacher.actor, "a teacher's message", None)
        reports = rooms.moderation.reports
        report_id = await reports.report(kid.actor, sent.message_id, ReportReason.OTHER)
        with room_store_down(rooms, monkeypatch), pytest.raises(ClusterUnavailable):
            await reports.resolve(teacher.actor, report_id, "dismissed")
        assert data_of(rooms.seen_by(colleague), CLOSED) == []

        if then == "list":
            listed = await reports.list_reports(colleague.actor)
            assert [r.status for r in listed.reports] == ["dismissed"]
        else:
            with pytest.raises(AlreadyDecided):
                await reports.resolve(colleague.actor, report_id, "actioned")
        (closed,) = data_of(rooms.seen_by(colleague), CLOSED)
        assert closed["outcome"] == "dismissed"
        assert closed["by_participant_id"] == teacher.actor.participant_id
        await reports.list_reports(teacher.actor)
        with pytest.raises(AlreadyDecided):
            await reports.resolve(colleague.actor, report_id, "actioned")
        assert len(data_of(rooms.seen_by(colleague), CLOSED)) == 1
        assert len(data_of(rooms.seen_by(colleague), FILED)) == 1
