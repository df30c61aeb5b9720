"""Moderation: the pipeline every chat message (and, later, forum post) crosses.

Other packages use only the names exported here:

* ``build_pipeline(limiter)`` returns the ``Pipeline`` (rate limit, content,
  personal data, pre-moderation); ``await pipeline.run(submission, policy)``
  returns a ``Verdict``; ``error_for(verdict)`` the ``CodedError`` to answer
  the sender with when the message is not delivered.
* ``RoomPolicy`` is what teachers set per room; ``sender_role`` maps a
  ``RoomRole`` to the pipeline's ``SenderRole``.
* ``normalise``, ``content_matcher`` and ``detect_personal_data`` are the
  pure parts, for other surfaces (forum posts, display names, board text).
"""

from .checks import build_pipeline
from .checks.content import ContentMatch, ContentMatcher, content_matcher
from .checks.personal_data import detect_personal_data
from .errors import MessageHeld, MessageRejected, error_for
from .personal import PersonalData, PersonalDataKind
from .pipeline import DELIVERED, Check, CheckContext, Pipeline, Submission
from .policy import PersonalDataPolicy, Premoderation, RoomPolicy, SenderRole, sender_role
from .settings import MAX_MESSAGE_CHARS, ModerationSettings
from .text import NormalisedText, normalise
from .verdict import Finding, Outcome, Reason, Verdict
from .wordlists import LANGUAGES, Category, Severity, Term, WordList, load_wordlist

__all__ = [
    "DELIVERED",
    "LANGUAGES",
    "MAX_MESSAGE_CHARS",
    "Category",
    "Check",
    "CheckContext",
    "ContentMatch",
    "ContentMatcher",
    "Finding",
    "MessageHeld",
    "MessageRejected",
    "ModerationSettings",
    "NormalisedText",
    "Outcome",
    "PersonalData",
    "PersonalDataKind",
    "PersonalDataPolicy",
    "Pipeline",
    "Premoderation",
    "Reason",
    "RoomPolicy",
    "SenderRole",
    "Severity",
    "Submission",
    "Term",
    "Verdict",
    "WordList",
    "build_pipeline",
    "content_matcher",
    "detect_personal_data",
    "error_for",
    "load_wordlist",
    "normalise",
    "sender_role",
]
