"""The first step: how often a participant, and a whole room, may write.

This is the chat's one rate limit: the realtime transport takes no token of
its own for ``chat.send`` (``server.realtime.limits``), so a message is
counted once, here, and a sender past the limit is always told the same way
(``message_rejected``, ``details.reason`` ``rate_limited`` or ``slow_mode``,
with ``details.retry_after_s``).

Three token buckets, through the ``cluster.RateLimiter`` port so that every
node shares them (Redis in a cluster, a dict on one node):

* ``chat.participant``, keyed by room and participant: everyone, teachers
  included, so that a runaway client or script is stopped;
* ``chat.slow``, keyed the same way: pupils only, when a teacher turned on
  slow mode (one message every ``slow_mode_s`` seconds);
* ``chat.room``, keyed by room: pupils only, so that a flood cannot drown the
  room. Teachers neither use nor are stopped by it: when pupils flood the
  chat, the teacher's "stop" must still get through.

The buckets are taken together, in one ``RateLimiter.hit_many`` call (one
round trip to Redis), all or nothing: a refused message takes no token from
any bucket, so a pupil stopped by the room's flood limit keeps their own. The
reason is that of the first bucket, in the order above, that lacked a token;
the retry delay is when every bucket that lacked one will hold it again.

With the in-process limiter of a single node (``cluster.LocalRateLimiter``)
the step answers with a plain call (``check_now``, the pipeline's
``run_now``): the same buckets, taken the same way, without a coroutine.
"""

from __future__ import annotations

import functools

from cluster import LocalRateLimiter, RateDecision, RateLimiter, RateRule

from ..pipeline import CheckContext, Submission
from ..policy import SenderRole
from ..settings import ModerationSettings
from ..verdict import Outcome, Reason, Verdict

__all__ = ["RateLimitCheck", "slow_mode_rule"]

_TEACHER_REASONS: tuple[Reason, ...] = (Reason.RATE_LIMITED,)
_PUPIL_REASONS: tuple[Reason, ...] = (Reason.RATE_LIMITED, Reason.RATE_LIMITED)
_SLOW_MODE_REASONS: tuple[Reason, ...] = (
    Reason.RATE_LIMITED,
    Reason.SLOW_MODE,
    Reason.RATE_LIMITED,
)
"""The reason each bucket gives when it lacks a token, in the order they are taken."""


@functools.lru_cache(maxsize=64)
def slow_mode_rule(slow_mode_s: float) -> RateRule:
    """One message, refilled every ``slow_mode_s`` seconds.

    Raises:
        ValueError: ``slow_mode_s`` is not a positive finite number.
    """
    return RateRule("chat.slow", capacity=1, refill_per_s=1.0 / slow_mode_s)


class RateLimitCheck:
    """Implements ``moderation.pipeline.InstantCheck`` for the rate limits
    (instant with a ``cluster.LocalRateLimiter``).

    Args:
        limiter: The shared rate limiter.
        settings: The per-participant and per-room rules.
    """

    name = "rate_limit"

    def __init__(self, limiter: RateLimiter, settings: ModerationSettings) -> None:
        self._limiter = limiter
        self._local = limiter if isinstance(limiter, LocalRateLimiter) else None
        self._participant_rule = settings.participant_rate
        self._room_rule = settings.room_rate

    @property
    def is_instant(self) -> bool:
        """Whether the limiter is in this process (``check_now`` may be called)."""
        return self._local is not None

    async def check(self, message: Submission, context: CheckContext) -> Verdict | None:
        """Reject with ``rate_limited`` or ``slow_mode`` and a retry delay, or pass.

        Raises:
            ClusterUnavailable: The shared store cannot be reached.
        """
        checks, reasons = self._buckets(message, context)
        return self._verdict(await self._limiter.hit_many(checks), reasons)

    def check_now(self, message: Submission, context: CheckContext) -> Verdict | None:
        """``check`` with the in-process limiter (only when ``is_instant``)."""
        assert self._local is not None
        checks, reasons = self._buckets(message, context)
        return self._verdict(self._local.hit_many_now(checks), reasons)

    def _buckets(
        self, message: Submission, context: CheckContext
    ) -> tuple[tuple[tuple[RateRule, str, int], ...], tuple[Reason, ...]]:
        """The buckets the message takes, in order, and the reason each gives."""
        key = f"{message.room_id}:{message.participant_id}"
        if message.role is SenderRole.TEACHER:
            return ((self._participant_rule, key, 1),), _TEACHER_REASONS
        if context.policy.slow_mode_s is None:
            return (
                (self._participant_rule, key, 1),
                (self._room_rule, message.room_id, 1),
            ), _PUPIL_REASONS
        slow = slow_mode_rule(context.policy.slow_mode_s)
        return (
            (self._participant_rule, key, 1),
            (slow, key, 1),
            (self._room_rule, message.room_id, 1),
        ), _SLOW_MODE_REASONS

    def _verdict(
        self, decisions: list[RateDecision], reasons: tuple[Reason, ...]
    ) -> Verdict | None:
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
        retry_after_s = max(decision.retry_after_s for decision in decisions)
        return Verdict(Outcome.REJECT, reason, self.name, retry_after_s=retry_after_s)
