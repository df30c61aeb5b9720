"""Free text inside events (chat messages, poll questions): cleaned or refused.

Pupils and teachers write in many scripts, so the rules remove only what is
used to deceive or to break displays, and keep what real writing needs:

* text is normalised to NFC, so the same words compare equal;
* lone surrogates (which cannot be encoded as UTF-8) are refused;
* control characters are refused, except line feed and tab;
* bidirectional *overrides, embeddings and isolates* (U+202A–U+202E,
  U+2066–U+2069) are removed: they reorder what others see ("Trojan Source"),
  while the plain marks U+200E/U+200F that mixed Arabic or Hebrew text needs
  stay;
* invisible spaces (U+200B, U+2060, U+FEFF) are removed; the joiners U+200C
  and U+200D stay, as Persian and emoji sequences need them;
* surrounding white space is stripped and the result must not be empty.

Not for names of people: see ``community.clean_display_text``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

MAX_CHAT_LEN = 2000
"""Characters in one chat message, after cleaning."""
MAX_POLL_QUESTION_LEN = 300
MAX_POLL_OPTION_LEN = 120

_REMOVED = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")
"""Bidirectional overrides, embeddings and isolates; invisible spaces."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Unicode category Cc (the C0 and C1 controls) except line feed and tab; a
regular expression, because chat text is checked on the hot path."""


def clean_text(value: str) -> str:
    """Return ``value`` cleaned by the module's rules.

    Raises:
        ValueError: Lone surrogates, control characters, or nothing left.
    """
    if value.isascii():
        # Most chat text: ASCII is its own NFC and holds no surrogate, override
        # or invisible space, so only the control check applies.
        text = value
    else:
        if _SURROGATE.search(value):
            raise ValueError("text must be valid Unicode (no lone surrogates)")
        text = _REMOVED.sub("", unicodedata.normalize("NFC", value))
    if _CONTROL.search(text):
        raise ValueError("text must not contain control characters")
    text = text.strip()
    if not text:
        raise ValueError("text must not be empty")
    return text


def _bounded(max_len: int) -> object:
    def check(value: str) -> str:
        text = clean_text(value)
        if len(text) > max_len:
            raise ValueError(f"text must be at most {max_len} characters")
        return text

    return AfterValidator(check)


ChatText = Annotated[str, StringConstraints(max_length=MAX_CHAT_LEN * 2), _bounded(MAX_CHAT_LEN)]
"""A chat message: cleaned, 1 to ``MAX_CHAT_LEN`` characters."""
PollQuestion = Annotated[
    str, StringConstraints(max_length=MAX_POLL_QUESTION_LEN * 2), _bounded(MAX_POLL_QUESTION_LEN)
]
"""A poll's question: cleaned, 1 to ``MAX_POLL_QUESTION_LEN`` characters."""
PollOption = Annotated[
    str, StringConstraints(max_length=MAX_POLL_OPTION_LEN * 2), _bounded(MAX_POLL_OPTION_LEN)
]
"""One answer of a poll: cleaned, 1 to ``MAX_POLL_OPTION_LEN`` characters."""
