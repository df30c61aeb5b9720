"""Reports go to the room's teachers; transcripts name pupils by first name and initial."""

from __future__ import annotations

import pytest

from moderation.chat.errors import AlreadyDecided
from moderation.chat.transcript import REMOVED, pupil_label
from protocol.errors import Forbidden, NotFound
from protocol.events.chat import ChatChannel, ReportReason
from protocol.events.moderation import ModerationReason
from tests.unit.moderation.chat.harness import ModeratedRooms, data_of
from tests.unit.moderation.chat.test_sanctions import audit_actions


class TestReports:
    async def test_a_report_reaches_the_rooms_teachers_only_and_once(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        other = await rooms.seat_pupil()
        sent = await rooms.services.chat.send(kid.actor, "you are so slow", None)
        reports = rooms.moderation.reports
        report_id = await reports.report(other.actor, sent.message_id, ReportReason.UNKIND)
        assert await reports.report(other.actor, sent.message_id, ReportReason.SPAM) == report_id
        (filed,) = data_of(rooms.seen_by(teacher), "moderation.report_filed")
        assert filed["report"]["report_id"] == report_id
        assert filed["report"]["reporter_participant_id"] == other.actor.participant_id
        assert data_of(rooms.seen_by(kid), "moderation.report_filed") == []
        assert data_of(rooms.seen_by(other), "moderation.report_filed") == []
        listed = await reports.list_reports(teacher.actor)
        assert [(r.report_id, r.status) for r in listed.reports] == [(report_id, "open")]
        await reports.resolve(teacher.actor, report_id, "actioned")
        with pytest.raises(AlreadyDecided):
            await reports.resolve(teacher.actor, report_id, "dismissed")
        (resolved,) = data_of(rooms.seen_by(teacher), "moderation.report_resolved")
        assert resolved["outcome"] == "actioned"
        actions = [a for a, _, _ in await audit_actions(rooms.db, rooms.project)]
        assert actions == ["chat.report_filed", "chat.report_resolved"]

    async def test_only_messages_the_reporter_can_see_can_be_reported(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        other = await rooms.seat_pupil()
        held = await rooms.services.chat.send(kid.actor, "my email is a.b@gmail.com", None)
        thread = await rooms.services.chat.send(
            kid.actor, "help me", None, channel=ChatChannel.TEACHERS
        )
        staff = await rooms.services.chat.send(
            teacher.actor, "for teachers", None, channel=ChatChannel.STAFF
        )
        for message_id in (held.message_id, thread.message_id, staff.message_id):
            with pytest.raises(NotFound):
                await rooms.moderation.reports.report(other.actor, message_id, ReportReason.OTHER)
        with pytest.raises(Forbidden):
            await rooms.moderation.reports.list_reports(kid.actor)


class TestTranscript:
    @pytest.mark.parametrize(
        ("name", "label"),
        [("Mary Beth Smith", "Mary S."), ("Ola", "Ola"), ("Jan  van Dijk", "Jan D.")],
    )
    def test_pupils_are_named_by_first_name_and_initial(self, name: str, label: str) -> None:
        assert pupil_label(name) == label

    async def test_a_transcript_has_what_participants_saw_in_order_without_full_names(
        self, rooms: ModeratedRooms
    ) -> None:
        teacher = await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        chat = rooms.services.chat
        await chat.send(teacher.actor, "welcome", None)
        rude = await chat.send(kid.actor, "you are silly", None)
        held = await chat.send(kid.actor, "my email is a.b@gmail.com", None)
        await rooms.moderation.queue.reject(teacher.actor, held.message_id, ModerationReason.OTHER)
        await rooms.moderation.sanctions.delete(
            teacher.actor, rude.message_id, ModerationReason.UNKIND
        )
        await chat.send(kid.actor, "sorry", None)
        transcript = await rooms.moderation.transcripts.export(
            teacher.principal, rooms.room, await rooms.session_id()
        )
        teacher_name = teacher.person.member.display_name
        kid_label = pupil_label(kid.person.member.display_name)
        assert kid_label != kid.person.member.display_name
        assert [(line.author, line.role, line.state, line.text) for line in transcript.lines] == [
            (teacher_name, "teacher", "posted", "welcome"),
            (kid_label, "pupil", "deleted", None),
            (kid_label, "pupil", "posted", "sorry"),
        ]
        assert REMOVED not in {line.author for line in transcript.lines}

    async def test_only_the_projects_teachers_export(self, rooms: ModeratedRooms) -> None:
        await rooms.seat_teacher()
        kid = await rooms.seat_pupil()
        session_id = await rooms.session_id()
        with pytest.raises(Forbidden):
            await rooms.moderation.transcripts.export(kid.principal, rooms.room, session_id)
        teacher = await rooms.seat_teacher()
        with pytest.raises(NotFound):
            await rooms.moderation.transcripts.export(teacher.principal, rooms.room, "nope")
