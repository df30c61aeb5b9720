"""The pipeline: fixed order, first rejection wins, policies per room, teachers."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from cluster import ClusterUnavailable, RateDecision, RateRule
from cluster.memory import InMemoryRateLimiter
from moderation import (
    DELIVERED,
    MessageHeld,
    MessageRejected,
    ModerationSettings,
    Outcome,
    PersonalDataPolicy,
    Pipeline,
    Premoderation,
    Reason,
    RoomPolicy,
    SenderRole,
    Submission,
    Term,
    build_pipeline,
    error_for,
    sender_role,
)
from protocol.api.grants import RoomRole
from protocol.errors import ErrorCode, InvalidPayload
from protocol.ids import ParticipantId, RoomId
from tests.fakes.clock import FakeClock

ROOM = RoomId("room-1")
PUPIL = ParticipantId("pupil-1")
TEACHER = ParticipantId("teacher-1")
SETTINGS = ModerationSettings(
    participant_rate=RateRule("chat.participant", capacity=3, refill_per_s=1.0),
    room_rate=RateRule("chat.room", capacity=5, refill_per_s=1.0),
)
RUDE = "you stupid bitch"
PHONE = "call me 06 12 34 56 78"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limiter(clock: FakeClock) -> InMemoryRateLimiter:
    return InMemoryRateLimiter(clock)


@pytest.fixture
def pipeline(limiter: InMemoryRateLimiter) -> Pipeline:
    return build_pipeline(limiter, SETTINGS)


def pupil(text: str, participant: str = PUPIL) -> Submission:
    return Submission(ROOM, ParticipantId(participant), SenderRole.PUPIL, text)


def teacher(text: str) -> Submission:
    return Submission(ROOM, TEACHER, SenderRole.TEACHER, text)


async def exhaust(pipeline: Pipeline, message: Submission, count: int = 3) -> None:
    for _ in range(count):
        await pipeline.run(message, RoomPolicy())


class TestOrder:
    async def test_checks_run_in_the_fixed_order(self, pipeline: Pipeline) -> None:
        assert pipeline.check_names == (
            "rate_limit", "content", "personal_data", "premoderation",
        )  # fmt: skip

    async def test_clean_message_is_delivered(self, pipeline: Pipeline) -> None:
        verdict = await pipeline.run(pupil("hello from Lyon"), RoomPolicy())
        assert verdict == DELIVERED
        assert error_for(verdict) is None

    async def test_rate_limited_and_rude_gets_the_rate_limit_reason(
        self, pipeline: Pipeline
    ) -> None:
        await exhaust(pipeline, pupil("hello"))
        verdict = await pipeline.run(pupil(RUDE), RoomPolicy())
        assert (verdict.outcome, verdict.reason) == (Outcome.REJECT, Reason.RATE_LIMITED)
        assert verdict.retry_after_s == pytest.approx(1.0)
        assert verdict.findings == ()

    async def test_rude_with_a_phone_number_gets_the_word_reason(self, pipeline: Pipeline) -> None:
        verdict = await pipeline.run(pupil(f"{RUDE}, {PHONE}"), RoomPolicy())
        assert (verdict.outcome, verdict.reason) == (Outcome.REJECT, Reason.BLOCKED_WORD)
        assert verdict.check == "content"

    async def test_a_later_rejection_beats_an_earlier_hold(self, pipeline: Pipeline) -> None:
        policy = RoomPolicy(personal_data=PersonalDataPolicy.BLOCK)
        verdict = await pipeline.run(pupil(f"that is stupid, {PHONE}"), policy)
        assert (verdict.outcome, verdict.reason) == (Outcome.REJECT, Reason.PERSONAL_DATA)
        assert [note.reason for note in verdict.notes] == [Reason.FLAGGED_WORD]

    async def test_first_hold_wins_when_nothing_rejects(self, pipeline: Pipeline) -> None:
        verdict = await pipeline.run(pupil(f"that is stupid, {PHONE}"), RoomPolicy())
        assert (verdict.outcome, verdict.reason) == (Outcome.HOLD, Reason.FLAGGED_WORD)
        assert [note.reason for note in verdict.notes] == [Reason.PERSONAL_DATA]

    async def test_a_rejected_message_is_not_normalised_further(
        self, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        await exhaust(pipeline, pupil("hello"))
        from moderation import pipeline as module

        def fail(text: str) -> None:
            raise AssertionError("normalised a rate-limited message")

        monkeypatch.setattr(module, "NormalisedText", fail)
        verdict = await pipeline.run(pupil(RUDE), RoomPolicy())
        assert verdict.reason is Reason.RATE_LIMITED

    async def test_overlong_text_is_an_invalid_payload(self, pipeline: Pipeline) -> None:
        with pytest.raises(InvalidPayload) as raised:
            await pipeline.run(pupil("a" * 2001), RoomPolicy())
        assert raised.value.code is ErrorCode.INVALID_PAYLOAD


class TestRateLimits:
    async def test_participant_bucket_refills_with_time(
        self, pipeline: Pipeline, clock: FakeClock
    ) -> None:
        await exhaust(pipeline, pupil("hi"))
        assert (await pipeline.run(pupil("hi"), RoomPolicy())).reason is Reason.RATE_LIMITED
        clock.advance(1.0)
        assert (await pipeline.run(pupil("hi"), RoomPolicy())) == DELIVERED

    async def test_room_bucket_is_shared_by_pupils(self, pipeline: Pipeline) -> None:
        for index in range(5):
            assert (await pipeline.run(pupil("hi", f"p{index}"), RoomPolicy())) == DELIVERED
        verdict = await pipeline.run(pupil("hi", "p9"), RoomPolicy())
        assert verdict.reason is Reason.RATE_LIMITED

    async def test_a_message_refused_by_the_room_takes_no_token_of_its_sender(
        self, pipeline: Pipeline, limiter: InMemoryRateLimiter
    ) -> None:
        await exhaust(pipeline, pupil("hi"), count=2)
        for index in range(3):
            assert (await pipeline.run(pupil("hi", f"p{index}"), RoomPolicy())) == DELIVERED
        for _ in range(3):
            verdict = await pipeline.run(pupil("hi"), RoomPolicy())
            assert verdict.reason is Reason.RATE_LIMITED
        # The three refused messages left the sender's last token in place.
        decision = await limiter.hit(SETTINGS.participant_rate, f"{ROOM}:{PUPIL}")
        assert (decision.allowed, decision.remaining) == (True, 0)

    async def test_slow_mode_and_a_flooded_room_give_slow_mode_and_the_longer_delay(
        self, pipeline: Pipeline
    ) -> None:
        policy = RoomPolicy(slow_mode_s=10)
        assert (await pipeline.run(pupil("one"), policy)) == DELIVERED
        for index in range(4):
            assert (await pipeline.run(pupil("hi", f"p{index}"), policy)) == DELIVERED
        verdict = await pipeline.run(pupil("two"), policy)
        assert (verdict.outcome, verdict.reason) == (Outcome.REJECT, Reason.SLOW_MODE)
        assert verdict.retry_after_s == pytest.approx(10.0)

    async def test_teachers_get_through_a_flooded_room(self, pipeline: Pipeline) -> None:
        for index in range(6):
            await pipeline.run(pupil("hi", f"p{index}"), RoomPolicy())
        assert (await pipeline.run(teacher("stop, please"), RoomPolicy())) == DELIVERED

    async def test_teachers_have_a_participant_limit(self, pipeline: Pipeline) -> None:
        await exhaust(pipeline, teacher("hello"))
        verdict = await pipeline.run(teacher("hello"), RoomPolicy())
        assert verdict.reason is Reason.RATE_LIMITED

    async def test_slow_mode_for_pupils(self, pipeline: Pipeline, clock: FakeClock) -> None:
        policy = RoomPolicy(slow_mode_s=10)
        assert (await pipeline.run(pupil("one"), policy)) == DELIVERED
        verdict = await pipeline.run(pupil("two"), policy)
        assert (verdict.outcome, verdict.reason) == (Outcome.REJECT, Reason.SLOW_MODE)
        assert verdict.retry_after_s == pytest.approx(10.0)
        clock.advance(10)
        assert (await pipeline.run(pupil("three"), policy)) == DELIVERED

    async def test_slow_mode_does_not_apply_to_teachers(self, pipeline: Pipeline) -> None:
        policy = RoomPolicy(slow_mode_s=60)
        assert (await pipeline.run(teacher("one"), policy)) == DELIVERED
        assert (await pipeline.run(teacher("two"), policy)) == DELIVERED

    async def test_the_error_carries_the_retry_delay(self, pipeline: Pipeline) -> None:
        await exhaust(pipeline, pupil("hi"))
        error = error_for(await pipeline.run(pupil("hi"), RoomPolicy()))
        assert isinstance(error, MessageRejected)
        assert error.code is ErrorCode.MESSAGE_REJECTED
        assert error.details == {
            "outcome": "reject",
            "reason": "rate_limited",
            "retry_after_s": 1.0,
        }


class TestPolicies:
    async def test_blocked_word_is_rejected(self, pipeline: Pipeline) -> None:
        verdict = await pipeline.run(pupil(RUDE), RoomPolicy())
        error = error_for(verdict)
        assert isinstance(error, MessageRejected)
        assert error.details == {"outcome": "reject", "reason": "blocked_word"}
        assert "bitch" not in error.message

    @pytest.mark.parametrize(
        ("mode", "outcome"),
        [
            (Premoderation.OFF, Outcome.DELIVER),
            (Premoderation.FLAGGED, Outcome.HOLD),
            (Premoderation.ALL, Outcome.HOLD),
        ],
    )
    async def test_flagged_word_follows_premoderation(
        self, pipeline: Pipeline, mode: Premoderation, outcome: Outcome
    ) -> None:
        verdict = await pipeline.run(pupil("that is stupid"), RoomPolicy(premoderation=mode))
        assert (verdict.outcome, verdict.reason) == (outcome, Reason.FLAGGED_WORD)
        assert verdict.findings[0].detail == "stupid"

    async def test_premoderation_all_holds_clean_pupil_messages(self, pipeline: Pipeline) -> None:
        verdict = await pipeline.run(pupil("hello"), RoomPolicy(premoderation=Premoderation.ALL))
        assert (verdict.outcome, verdict.reason) == (Outcome.HOLD, Reason.PREMODERATION)
        error = error_for(verdict)
        assert isinstance(error, MessageHeld)
        assert error.code is ErrorCode.MESSAGE_HELD

    @pytest.mark.parametrize(
        ("policy", "outcome"),
        [(PersonalDataPolicy.HOLD, Outcome.HOLD), (PersonalDataPolicy.BLOCK, Outcome.REJECT)],
    )
    async def test_personal_data_policy(
        self, pipeline: Pipeline, policy: PersonalDataPolicy, outcome: Outcome
    ) -> None:
        verdict = await pipeline.run(pupil(PHONE), RoomPolicy(personal_data=policy))
        assert (verdict.outcome, verdict.reason) == (outcome, Reason.PERSONAL_DATA)
        (finding,) = verdict.findings
        assert (finding.kind, finding.detail) == ("phone", "FR")
        assert finding.span is not None
        assert PHONE[finding.span[0] : finding.span[1]] == "06 12 34 56 78"

    async def test_allowed_domains(self, pipeline: Pipeline) -> None:
        policy = RoomPolicy(allowed_domains=frozenset({"wikipedia.org"}))
        assert (await pipeline.run(pupil("see fr.wikipedia.org/wiki/Lyon"), policy)) == DELIVERED
        verdict = await pipeline.run(pupil("see www.example.org", "p2"), policy)
        assert verdict.reason is Reason.PERSONAL_DATA

    async def test_teacher_terms_apply_to_the_room(self, pipeline: Pipeline) -> None:
        policy = RoomPolicy(extra_terms=frozenset({Term("spoiler*")}))
        verdict = await pipeline.run(pupil("SPOILERS ahead"), policy)
        assert (verdict.outcome, verdict.reason) == (Outcome.HOLD, Reason.FLAGGED_WORD)

    async def test_room_languages_limit_the_lists(self, pipeline: Pipeline) -> None:
        english = RoomPolicy(languages=frozenset({"en"}))
        assert (await pipeline.run(pupil("kurwa"), english)) == DELIVERED
        verdict = await pipeline.run(pupil("kurwa", "p2"), RoomPolicy())
        assert verdict.reason is Reason.BLOCKED_WORD

    def test_invalid_policies_are_refused(self) -> None:
        with pytest.raises(ValueError, match="no word list"):
            RoomPolicy(languages=frozenset({"xx"}))
        with pytest.raises(ValueError, match="slow_mode_s"):
            RoomPolicy(slow_mode_s=0)


class TestTeachers:
    async def test_teacher_may_quote_a_blocked_word(self, pipeline: Pipeline) -> None:
        verdict = await pipeline.run(teacher('the word "bitch" hurts people'), RoomPolicy())
        assert verdict.outcome is Outcome.DELIVER
        assert verdict.reason is Reason.BLOCKED_WORD
        assert verdict.findings[0].check == "content"

    async def test_teacher_personal_data_is_noted_not_held(self, pipeline: Pipeline) -> None:
        policy = RoomPolicy(personal_data=PersonalDataPolicy.BLOCK)
        verdict = await pipeline.run(teacher("our school: 12 rue de la Paix"), policy)
        assert verdict.outcome is Outcome.DELIVER
        assert verdict.reason is Reason.PERSONAL_DATA

    async def test_teacher_is_never_premoderated(self, pipeline: Pipeline) -> None:
        policy = RoomPolicy(premoderation=Premoderation.ALL)
        assert (await pipeline.run(teacher("hello"), policy)) == DELIVERED

    @pytest.mark.parametrize(
        ("role", "expected"),
        [
            (RoomRole.HOST, SenderRole.TEACHER),
            (RoomRole.CO_TEACHER, SenderRole.TEACHER),
            (RoomRole.PUPIL, SenderRole.PUPIL),
            (RoomRole.OBSERVER, SenderRole.PUPIL),
        ],
    )
    def test_room_roles(self, role: RoomRole, expected: SenderRole) -> None:
        assert sender_role(role) is expected


class TestEvasionThroughThePipeline:
    @pytest.mark.parametrize(
        "text",
        ["f.u.c.k you", "ｆｕｃｋ", "fu\u200bck", "сunt", "5h1t", "$h!t", "fuuuuuck", "p u t a"],
    )
    async def test_disguised_words_are_rejected(self, pipeline: Pipeline, text: str) -> None:
        verdict = await pipeline.run(pupil(text, f"p-{text}"), RoomPolicy())
        assert (verdict.outcome, verdict.reason) == (Outcome.REJECT, Reason.BLOCKED_WORD)


class UnreachableLimiter:
    """A rate limiter whose shared store is down (Redis unreachable)."""

    async def hit(self, rule: RateRule, key: str, cost: int = 1) -> RateDecision:
        raise ClusterUnavailable("redis at 127.0.0.1:6379 is unreachable")

    async def hit_many(self, checks: Sequence[tuple[RateRule, str, int]]) -> list[RateDecision]:
        raise ClusterUnavailable("redis at 127.0.0.1:6379 is unreachable")

    async def reset(self, rule: RateRule, key: str) -> None:
        raise ClusterUnavailable("redis at 127.0.0.1:6379 is unreachable")


async def test_an_unreachable_rate_limiter_fails_closed() -> None:
    pipeline = build_pipeline(UnreachableLimiter(), SETTINGS)
    with pytest.raises(ClusterUnavailable) as raised:
        await pipeline.run(pupil("hello"), RoomPolicy())
    assert raised.value.code is ErrorCode.UNAVAILABLE
