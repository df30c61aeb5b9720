"""The last step: rooms that hold every pupil message for a teacher.

With ``Premoderation.ALL`` (the youngest classes) every pupil message waits
for a teacher, reason ``premoderation``, even when no check found anything.
With ``FLAGGED`` and ``OFF`` this step has nothing to add: flagged terms are
held (or only noted) by the content step itself, which reads the same policy
(``flagged_outcome``). Teachers' messages are never held.
"""

from __future__ import annotations

from ..pipeline import CheckContext, Submission
from ..policy import Premoderation, RoomPolicy, SenderRole
from ..verdict import Outcome, Reason, Verdict

__all__ = ["PremoderationCheck", "flagged_outcome"]


def flagged_outcome(policy: RoomPolicy) -> Outcome:
    """What happens to a pupil's message with a term of severity ``hold``."""
    return Outcome.DELIVER if policy.premoderation is Premoderation.OFF else Outcome.HOLD


class PremoderationCheck:
    """Implements ``moderation.pipeline.InstantCheck`` for the room's pre-moderation mode."""

    name = "premoderation"
    is_instant = True

    async def check(self, message: Submission, context: CheckContext) -> Verdict | None:
        """Hold a pupil's message when the room holds them all."""
        return self.check_now(message, context)

    def check_now(self, message: Submission, context: CheckContext) -> Verdict | None:
        """See ``check``."""
        if message.role is SenderRole.TEACHER or (
            context.policy.premoderation is not Premoderation.ALL
        ):
            return None
        return Verdict(Outcome.HOLD, Reason.PREMODERATION, self.name)
