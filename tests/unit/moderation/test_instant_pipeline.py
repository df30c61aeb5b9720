"""``Pipeline.run_now`` (plain calls) against the pipeline as it was: one coroutine per check.

The oracle is the code before the instant path: ``Pipeline.run``'s loop and
``RateLimitCheck.check`` as they read then (awaiting ``hit_many``), copied
below. Both pipelines get the same messages, policies and clock steps, each
with its own in-process limiter, and must give equal verdicts (or raise the
same error) one message after another, the limiters' buckets included.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from hypothesis import given, settings, strategies as st

from cluster import LocalRateLimiter, RateDecision, RateLimiter, RateRule
from cluster.memory import InMemoryRateLimiter
from moderation import (
    DELIVERED,
    ModerationSettings,
    Outcome,
    PersonalDataPolicy,
    Premoderation,
    Reason,
    RoomPolicy,
    SenderRole,
    Submission,
    Term,
    build_pipeline,
)
from moderation.checks import RateLimitCheck
from moderation.checks.rate_limit import slow_mode_rule
from moderation.pipeline import CheckContext
from moderation.verdict import Verdict
from protocol.errors import InvalidPayload
from protocol.ids import ParticipantId, RoomId
from tests.fakes.clock import FakeClock

SETTINGS = ModerationSettings(
    participant_rate=RateRule("chat.participant", capacity=3, refill_per_s=1.0),
    room_rate=RateRule("chat.room", capacity=5, refill_per_s=1.0),
    max_message_chars=200,
)
ROOMS = (RoomId("room-1"), RoomId("room-2"))
PEOPLE = (ParticipantId("p-1"), ParticipantId("p-2"), ParticipantId("t-1"))
TEXTS = (
    "hello from Lyon",
    "you stupid bitch",
    "that is stupid",
    "call me 06 12 34 56 78",
    "that is stupid, call me 06 12 34 56 78",
    "you stupid bitch, call me 06 12 34 56 78",
    "write to lea@example.com",
    "see https://example.org/page",
    "f u c k",
    "sh1t happens",
    "a spoiler for you",
    "c d jbbbhlhj we are reading a story about the river and the old bridge",
    "x" * 201,
)
POLICIES = (
    RoomPolicy(),
    RoomPolicy(premoderation=Premoderation.ALL),
    RoomPolicy(premoderation=Premoderation.OFF),
    RoomPolicy(personal_data=PersonalDataPolicy.BLOCK),
    RoomPolicy(slow_mode_s=2.0),
    RoomPolicy(extra_terms=frozenset({Term("spoiler*")})),
)


# --- the oracle: the code before ``run_now`` ------------------------------------------


class OldRateLimitCheck:
    """``RateLimitCheck`` as it was (async, ``hit_many``)."""

    name = "rate_limit"

    def __init__(self, limiter: RateLimiter, settings: ModerationSettings) -> None:
        self._limiter = limiter
        self._participant_rule = settings.participant_rate
        self._room_rule = settings.room_rate

    async def check(self, message: Submission, context: CheckContext) -> Verdict | None:
        key = f"{message.room_id}:{message.participant_id}"
        if message.role is SenderRole.TEACHER:
            checks: tuple[tuple[RateRule, str, int], ...] = ((self._participant_rule, key, 1),)
            reasons: tuple[Reason, ...] = (Reason.RATE_LIMITED,)
        elif context.policy.slow_mode_s is None:
            checks = ((self._participant_rule, key, 1), (self._room_rule, message.room_id, 1))
            reasons = (Reason.RATE_LIMITED, Reason.RATE_LIMITED)
        else:
            slow = slow_mode_rule(context.policy.slow_mode_s)
            checks = (
                (self._participant_rule, key, 1),
                (slow, key, 1),
                (self._room_rule, message.room_id, 1),
            )
            reasons = (Reason.RATE_LIMITED, Reason.SLOW_MODE, Reason.RATE_LIMITED)
        decisions: list[RateDecision] = await self._limiter.hit_many(checks)
        if decisions[0].allowed:
            return None
        reason = next(
            (
                reason
                for reason, decision in zip(reasons, decisions, strict=True)
                if decision.retry_after_s > 0
            ),
            Reason.RATE_LIMITED,
        )
        return Verdict(
            Outcome.REJECT,
            reason,
            self.name,
            retry_after_s=max(decision.retry_after_s for decision in decisions),
        )


async def old_run(
    checks: tuple[object, ...], max_chars: int, message: Submission, policy: RoomPolicy
) -> Verdict:
    """``Pipeline.run`` as it was."""
    if len(message.text) > max_chars:
        raise InvalidPayload(
            f"a message has at most {max_chars} characters",
            details={"field": "text", "max_length": max_chars},
        )
    context = CheckContext(policy, message.text)
    held: Verdict | None = None
    noted: list[Verdict] = []
    for check in checks:
        verdict = await check.check(message, context)  # type: ignore[attr-defined]
        if verdict is None:
            continue
        if verdict.outcome is Outcome.REJECT:
            return _old_with_notes(verdict, held, noted)
        if verdict.outcome is Outcome.HOLD and held is None:
            held = verdict
        else:
            noted.append(verdict)
    if held is not None:
        return _old_with_notes(held, None, noted)
    if not noted:
        return DELIVERED
    first = noted[0]
    findings = tuple(finding for verdict in noted for finding in verdict.findings)
    return Verdict(Outcome.DELIVER, first.reason, first.check, findings, notes=tuple(noted[1:]))


def _old_with_notes(verdict: Verdict, held: Verdict | None, noted: list[Verdict]) -> Verdict:
    notes = ([held] if held is not None else []) + noted
    if not notes:
        return verdict
    return Verdict(
        verdict.outcome,
        verdict.reason,
        verdict.check,
        verdict.findings,
        verdict.retry_after_s,
        notes=tuple(notes),
    )


# --- the comparison -------------------------------------------------------------------


@dataclass
class Side:
    clock: FakeClock
    limiter: InMemoryRateLimiter


def side() -> Side:
    clock = FakeClock()
    return Side(clock, InMemoryRateLimiter(clock))


STEPS = st.lists(
    st.tuples(
        st.sampled_from(ROOMS),
        st.sampled_from(PEOPLE),
        st.sampled_from(tuple(SenderRole)),
        st.sampled_from(TEXTS),
        st.sampled_from(POLICIES),
        st.sampled_from((0.0, 0.0, 0.3, 1.0, 2.5)),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(steps=STEPS)
def test_run_now_gives_the_old_pipelines_verdicts(
    steps: list[tuple[RoomId, ParticipantId, SenderRole, str, RoomPolicy, float]],
) -> None:
    new, old = side(), side()
    pipeline = build_pipeline(new.limiter, SETTINGS)
    assert pipeline.is_instant
    reference = build_pipeline(old.limiter, SETTINGS)
    old_checks = (OldRateLimitCheck(old.limiter, SETTINGS), *reference._checks[1:])

    async def old_verdict(message: Submission, policy: RoomPolicy) -> tuple[str, object]:
        try:
            return ("verdict", await old_run(old_checks, 200, message, policy))
        except InvalidPayload as exc:
            return ("invalid", (exc.code, exc.details))

    for room_id, participant_id, role, text, policy, step_s in steps:
        new.clock.advance(step_s)
        old.clock.advance(step_s)
        message = Submission(room_id, participant_id, role, text)
        try:
            got: tuple[str, object] = ("verdict", pipeline.run_now(message, policy))
        except InvalidPayload as exc:
            got = ("invalid", (exc.code, exc.details))
        assert got == asyncio.run(old_verdict(message, policy))
        assert new.limiter.bucket_count == old.limiter.bucket_count


class FarLimiter:
    """A ``RateLimiter`` that is not in this process (like Redis): no ``hit_many_now``."""

    def __init__(self, clock: FakeClock) -> None:
        self._inner = InMemoryRateLimiter(clock)

    async def hit(self, rule: RateRule, key: str, cost: int = 1) -> RateDecision:
        return await self._inner.hit(rule, key, cost)

    async def hit_many(self, checks: tuple[tuple[RateRule, str, int], ...]) -> list[RateDecision]:
        return await self._inner.hit_many(checks)

    async def reset(self, rule: RateRule, key: str) -> None:
        await self._inner.reset(rule, key)


def test_only_the_in_process_limiter_makes_the_pipeline_instant() -> None:
    clock = FakeClock()
    assert isinstance(InMemoryRateLimiter(clock), LocalRateLimiter)
    far = FarLimiter(clock)
    assert not isinstance(far, LocalRateLimiter)
    check = RateLimitCheck(far, SETTINGS)
    assert not check.is_instant
    assert not build_pipeline(far, SETTINGS).is_instant
    assert build_pipeline(InMemoryRateLimiter(clock), SETTINGS).is_instant


async def test_the_awaited_run_still_takes_a_far_limiter() -> None:
    clock = FakeClock()
    pipeline = build_pipeline(FarLimiter(clock), SETTINGS)
    message = Submission(ROOMS[0], PEOPLE[0], SenderRole.PUPIL, "hello")
    for _ in range(3):
        assert await pipeline.run(message, RoomPolicy()) is DELIVERED
    verdict = await pipeline.run(message, RoomPolicy())
    assert (verdict.outcome, verdict.reason) == (Outcome.REJECT, Reason.RATE_LIMITED)
    with pytest.raises(AssertionError):
        RateLimitCheck(FarLimiter(clock), SETTINGS).check_now(
            message, CheckContext(RoomPolicy(), message.text)
        )
