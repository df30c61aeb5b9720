"""Errors of the moderation domain, raised for messages that are not delivered.

Hierarchy::

    CodedError (protocol.errors)
     ├── MessageRejected      code ``message_rejected``: nobody receives it
     └── MessageHeld          code ``message_held``: waiting for a teacher

Both carry the verdict's ``details()``: ``outcome``, ``reason`` (a
``moderation.Reason`` value such as ``blocked_word`` or ``slow_mode``) and,
for rate limits, ``retry_after_s``. Never the findings: which word or which
number matched is for teachers only.
"""

from __future__ import annotations

from protocol.errors import CodedError, ErrorCode

from .verdict import Outcome, Reason, Verdict

__all__ = ["MessageHeld", "MessageRejected", "error_for"]

_MESSAGES = {
    Reason.RATE_LIMITED: "you are sending messages too fast; wait a moment",
    Reason.SLOW_MODE: "slow mode is on; wait before sending another message",
    Reason.BLOCKED_WORD: "this message contains a word that is not allowed here",
    Reason.FLAGGED_WORD: "a teacher will read this message before the others see it",
    Reason.PERSONAL_DATA: "this message looks like it shares personal details or a link",
    Reason.PREMODERATION: "a teacher will read this message before the others see it",
}


class MessageRejected(CodedError):
    """The message was refused; ``details["reason"]`` says why."""

    code = ErrorCode.MESSAGE_REJECTED


class MessageHeld(CodedError):
    """The message waits for a teacher; ``details["reason"]`` says why."""

    code = ErrorCode.MESSAGE_HELD


def error_for(verdict: Verdict) -> CodedError | None:
    """The error to answer the sender with, or ``None`` when the message is delivered."""
    if verdict.outcome is Outcome.DELIVER:
        return None
    reason = verdict.reason or Reason.PREMODERATION
    error_type = MessageRejected if verdict.outcome is Outcome.REJECT else MessageHeld
    return error_type(_MESSAGES[reason], details=verdict.details())
