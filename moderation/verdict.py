"""What the pipeline decides about one message, and why, in stable codes.

A ``Verdict`` has an ``Outcome`` (``deliver``, ``hold`` for a teacher, or
``reject``) and, unless the message is simply delivered, a ``Reason``: the
code the sender's client shows and branches on. Both are part of the wire
contract (they travel in the error's ``details``) and are never renamed.

``Finding`` records what a check saw (a listed term, a phone number...),
for the teacher's queue and the audit log. Findings never go to other
pupils, and their ``detail`` never holds the pupil's own text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "Outcome", "Reason", "Verdict"]


class Outcome(StrEnum):
    """What happens to the message."""

    DELIVER = "deliver"
    """Everyone in the room (or group) receives it."""
    HOLD = "hold"
    """Only teachers see it, until one approves or refuses it."""
    REJECT = "reject"
    """Nobody receives it; the sender is told the reason."""


class Reason(StrEnum):
    """Why a message was held or rejected (or, for a delivered one, noted)."""

    RATE_LIMITED = "rate_limited"
    """Too many messages: from this participant, or in this room."""
    SLOW_MODE = "slow_mode"
    """A teacher set slow mode: one message per participant every N seconds."""
    BLOCKED_WORD = "blocked_word"
    """A term whose severity is ``block``."""
    FLAGGED_WORD = "flagged_word"
    """A term whose severity is ``hold``."""
    PERSONAL_DATA = "personal_data"
    """An e-mail address, phone number, street address, social handle or link."""
    PREMODERATION = "premoderation"
    """The room holds every pupil message for a teacher."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found in a message."""

    check: str
    """The check's name (``content``, ``personal_data``...)."""
    kind: str
    """What was found: a term's category, or a kind of personal data."""
    detail: str = ""
    """For teachers: the listed term, or the kind of number; never the pupil's text."""
    span: tuple[int, int] | None = None
    """Where in the original text (start, end), when the check can say."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision about one message.

    A check returns one to object (``reject`` or ``hold``) or to note
    something without objecting (``deliver`` with findings); the pipeline
    returns the final one.
    """

    outcome: Outcome
    reason: Reason | None = None
    """Set for ``hold`` and ``reject``; for ``deliver``, why it was noted."""
    check: str = ""
    """The check that decided (empty when no check objected)."""
    findings: tuple[Finding, ...] = ()
    retry_after_s: float | None = None
    """For ``rate_limited`` and ``slow_mode``: when the sender may try again."""
    notes: tuple[Verdict, ...] = field(default=(), compare=False)
    """Other checks' verdicts for the same message (holds and notes), for teachers."""

    @property
    def is_delivered(self) -> bool:
        return self.outcome is Outcome.DELIVER

    def details(self) -> dict[str, Any]:
        """The JSON-safe details a client receives with a held or rejected message.

        Only the outcome, the reason and the retry delay: never the findings,
        which are for teachers.
        """
        details: dict[str, Any] = {"outcome": self.outcome.value}
        if self.reason is not None:
            details["reason"] = self.reason.value
        if self.retry_after_s is not None:
            details["retry_after_s"] = round(self.retry_after_s, 3)
        return details
