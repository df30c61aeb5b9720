"""The first step: how often a participant, and a whole room, may write.

Three token buckets, through the ``cluster.RateLimiter`` port so that every
node shares them (Redis in a cluster, a dict on one node):

* ``chat.participant``, keyed by room and participant: everyone, teachers
  included, so that a runaway client or script is stopped;
* ``chat.slow``, keyed the same way: pupils only, when a teacher turned on
  slow mode (one message every ``slow_mode_s`` seconds);
* ``chat.room``, keyed by room: pupils only, so that a flood cannot drown the
  room. Teachers neither use nor are stopped by it: when pupils flood the
  chat, the teacher's "stop" must still get through.

The buckets are hit in that order and the first denial answers; a denied hit
takes no token from its own bucket (the port's contract), but the buckets
before it keep the token they gave.
"""

from __future__ import annotations

import functools

from cluster import RateLimiter, RateRule

from ..pipeline import CheckContext, Submission
from ..settings import ModerationSettings
from ..verdict import Outcome, Reason, Verdict

__all__ = ["RateLimitCheck", "slow_mode_rule"]


@functools.lru_cache(maxsize=64)
def slow_mode_rule(slow_mode_s: float) -> RateRule:
    """One message, refilled every ``slow_mode_s`` seconds.

    Raises:
        ValueError: ``slow_mode_s`` is not a positive finite number.
    """
    return RateRule("chat.slow", capacity=1, refill_per_s=1.0 / slow_mode_s)


class RateLimitCheck:
    """Implements ``moderation.pipeline.Check`` for the rate limits.

    Args:
        limiter: The shared rate limiter.
        settings: The per-participant and per-room rules.
    """

    name = "rate_limit"

    def __init__(self, limiter: RateLimiter, settings: ModerationSettings) -> None:
        self._limiter = limiter
        self._participant_rule = settings.participant_rate
        self._room_rule = settings.room_rate

    async def check(self, message: Submission, context: CheckContext) -> Verdict | None:
        """Reject with ``rate_limited`` or ``slow_mode`` and a retry delay, or pass.

        Raises:
            ClusterUnavailable: The shared store cannot be reached.
        """
        key = f"{message.room_id}:{message.participant_id}"
        decision = await self._limiter.hit(self._participant_rule, key)
        if not decision.allowed:
            return self._refused(Reason.RATE_LIMITED, decision.retry_after_s)
        if message.is_teacher:
            return None
        slow_mode_s = context.policy.slow_mode_s
        if slow_mode_s is not None:
            decision = await self._limiter.hit(slow_mode_rule(slow_mode_s), key)
            if not decision.allowed:
                return self._refused(Reason.SLOW_MODE, decision.retry_after_s)
        decision = await self._limiter.hit(self._room_rule, message.room_id)
        if not decision.allowed:
            return self._refused(Reason.RATE_LIMITED, decision.retry_after_s)
        return None

    def _refused(self, reason: Reason, retry_after_s: float) -> Verdict:
        return Verdict(Outcome.REJECT, reason, self.name, retry_after_s=retry_after_s)
