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
"""

from __future__ import annotations

import functools

from cluster import RateLimiter, RateRule

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
        if message.role is SenderRole.TEACHER:
            checks: tuple[tuple[RateRule, str, int], ...] = ((self._participant_rule, key, 1),)
            reasons = _TEACHER_REASONS
        elif context.policy.slow_mode_s is None:
            checks = ((self._participant_rule, key, 1), (self._room_rule, message.room_id, 1))
            reasons = _PUPIL_REASONS
        else:
            slow = slow_mode_rule(context.policy.slow_mode_s)
            checks = (
                (self._participant_rule, key, 1),
                (slow, key, 1),
                (self._room_rule, message.room_id, 1),
            )
            reasons = _SLOW_MODE_REASONS
        decisions = await self._limiter.hit_many(checks)
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
        return self._refused(reason, max(decision.retry_after_s for decision in decisions))

    def _refused(self, reason: Reason, retry_after_s: float) -> Verdict:
        return Verdict(Outcome.REJECT, reason, self.name, retry_after_s=retry_after_s)
