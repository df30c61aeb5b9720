"""Polls, raised hands and the plain chat."""

from __future__ import annotations

import uuid

import pytest

from protocol.errors import Forbidden, InvalidPayload, NotFound
from rooms import ChatDraft, OpenGate, Screened, build_room_services
from rooms.errors import NotInRoom, PollClosed
from rooms.ports import MemberRole
from tests.unit.rooms.harness import Rooms


class TestHands:
    async def test_hands_queue_in_the_order_raised(self, rooms: Rooms) -> None:
        host = await rooms.join(await rooms.teacher())
        a = await rooms.join(await rooms.pupil())
        b = await rooms.join(await rooms.pupil())
        await rooms.services.hands.raise_hand(b)
        assert await rooms.services.hands.raise_hand(a) == [b.participant_id, a.participant_id]
        assert await rooms.services.hands.raise_hand(b) == [b.participant_id, a.participant_id]
        rooms.events()
        assert await rooms.services.hands.lower_hand(host, b.participant_id) == [a.participant_id]
        (lowered,) = rooms.events()
        assert lowered.data["lowered_by"] == host.participant_id
        assert await rooms.services.hands.lower_hand(a, None) == []

    async def test_a_pupil_cannot_lower_another_pupils_hand(self, rooms: Rooms) -> None:
        await rooms.join(await rooms.teacher())
        a = await rooms.join(await rooms.pupil())
        b = await rooms.join(await rooms.pupil())
        await rooms.services.hands.raise_hand(b)
        with pytest.raises(Forbidden):
            await rooms.services.hands.lower_hand(a, b.participant_id)
        assert (await rooms.participant(b)).hand is not None


class TestPolls:
    async def test_counts_reach_teachers_and_everyone_only_when_shown(self, rooms: Rooms) -> None:
        host = await rooms.join(await rooms.teacher())
        a = await rooms.join(await rooms.pupil())
        b = await rooms.join(await rooms.pupil())
        rooms.events()
        poll_id = await rooms.services.polls.create(
            host, question="Which?", options=["x", "y", "z"], multiple=False, anonymous=False
        )
        (opened,) = rooms.events()
        assert opened.data["poll"]["counts"] is None
        await rooms.services.polls.vote(a, poll_id, [1])
        await rooms.services.polls.vote(b, poll_id, [1])
        await rooms.services.polls.vote(a, poll_id, [2])
        tallies = rooms.events()
        assert {t.audience for t in tallies} == {"staff"}
        assert tallies[-1].data["counts"] == [0, 1, 1]
        assert tallies[-1].data["voters"] == [[], [b.participant_id], [a.participant_id]]
        pupil_view = (await rooms.services.sessions.snapshot(a)).polls[0]
        assert pupil_view.counts is None and pupil_view.voters is None
        assert pupil_view.my_choices == [2]
        await rooms.services.polls.show_results(host, poll_id)
        (shown,) = rooms.events()
        assert shown.data == {"seq": shown.data["seq"], "poll_id": poll_id, "counts": [0, 1, 1]}
        assert (await rooms.services.sessions.snapshot(a)).polls[0].counts == [0, 1, 1]

    async def test_anonymous_polls_never_name_voters(self, rooms: Rooms) -> None:
        host = await rooms.join(await rooms.teacher())
        a = await rooms.join(await rooms.pupil())
        poll_id = await rooms.services.polls.create(
            host, question="Q", options=["x", "y"], multiple=True, anonymous=True
        )
        await rooms.services.polls.vote(a, poll_id, [0, 1])
        assert rooms.events()[-1].data["voters"] is None
        assert (await rooms.services.sessions.snapshot(host)).polls[0].voters is None

    async def test_bad_answers_and_closed_polls_are_refused(self, rooms: Rooms) -> None:
        host = await rooms.join(await rooms.teacher())
        a = await rooms.join(await rooms.pupil())
        poll_id = await rooms.services.polls.create(
            host, question="Q", options=["x", "y"], multiple=False, anonymous=True
        )
        before = await rooms.version()
        for choices in ([0, 1], [2], [1, 1]):
            with pytest.raises(InvalidPayload):
                await rooms.services.polls.vote(a, poll_id, choices)
        with pytest.raises(NotFound):
            await rooms.services.polls.vote(a, "no-poll", [0])
        assert await rooms.version() == before
        await rooms.services.polls.close(host, poll_id)
        with pytest.raises(PollClosed):
            await rooms.services.polls.vote(a, poll_id, [0])


class TestChat:
    async def test_a_message_is_sequenced_and_says_who_wrote_it(self, rooms: Rooms) -> None:
        await rooms.join(await rooms.teacher())
        pupil = await rooms.join(await rooms.pupil())
        rooms.events()
        outcome = await rooms.services.chat.send(pupil, "bonjour", "c-1")
        (posted,) = rooms.events()
        assert posted.name == "chat.message_posted" and posted.audience == "all"
        assert posted.data["seq"] == outcome.seq
        assert posted.data["text"] == "bonjour"
        assert posted.data["participant_id"] == pupil.participant_id
        assert posted.data["client_msg_id"] == "c-1"

    async def test_message_ids_are_uuid7_in_the_order_of_sending(self, rooms: Rooms) -> None:
        # Time-ordered ids keep the stored messages' unique index appending
        # at its newest pages (moderated chat stores every message).
        await rooms.join(await rooms.teacher())
        pupil = await rooms.join(await rooms.pupil())
        ids, millis = [], []
        for text in ("one", "two", "three"):
            millis.append(int(rooms.clock.now() * 1000))
            ids.append((await rooms.services.chat.send(pupil, text, None)).message_id)
            rooms.clock.advance(0.002)
        assert ids == sorted(ids) and len(set(ids)) == 3
        for value, at_ms in zip(ids, millis, strict=True):
            parsed = uuid.UUID(value)
            assert (parsed.version, parsed.variant, str(parsed)) == (7, uuid.RFC_4122, value)
            assert parsed.int >> 80 == at_ms

    async def test_no_chat_permission_no_message(self, rooms: Rooms) -> None:
        host = await rooms.join(await rooms.teacher())
        pupil = await rooms.join(await rooms.pupil())
        await rooms.services.controls.mute_all(host, include_chat=True)
        rooms.events()
        with pytest.raises(Forbidden):
            await rooms.services.chat.send(pupil, "hi", None)
        assert rooms.events() == []
        observer = await rooms.join(await rooms.person(MemberRole.OBSERVER))
        with pytest.raises(Forbidden):
            await rooms.services.chat.send(observer, "hi", None)

    async def test_a_kicked_or_away_sender_cannot_post(self, rooms: Rooms) -> None:
        host = await rooms.join(await rooms.teacher())
        pupil = await rooms.join(await rooms.pupil())
        await rooms.services.removal.kick(host, pupil.participant_id)
        with pytest.raises(NotInRoom):
            await rooms.services.chat.send(pupil, "hi", None)

    async def test_the_gate_sees_every_message_once_and_may_hold_it(self, rooms: Rooms) -> None:
        seen: list[ChatDraft] = []

        class HoldEverything(OpenGate):
            async def screen(self, draft: ChatDraft, policy: str | None) -> Screened:
                seen.append(draft)
                return Screened(draft, is_held=True)

        held = build_room_services(
            db=rooms.db,
            state=rooms.store,
            log=rooms.store,
            clock=rooms.clock,
            directory=rooms.directory,
            settings=rooms.settings,
            gate=HoldEverything(),
        )
        await rooms.join(await rooms.teacher())
        pupil = await rooms.join(await rooms.pupil())
        rooms.events()
        outcome = await held.chat.send(pupil, "please check", None)
        assert outcome.is_held and outcome.seq is None
        assert [d.text for d in seen] == ["please check"]
        assert seen[0].message_id == outcome.message_id
        assert rooms.events() == []
