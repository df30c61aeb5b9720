"""Pupils' pseudonyms and logins, and the cleaning of every display name.

A pupil's display name is a pseudonym: one the school chose ("Mary B.") or one
we generate ("Brave Otter"). Names are cleaned of the characters that let one
name pose as another (bidirectional overrides, zero-width joiners, control
characters), and a teacher-typed name that looks like a full name is refused,
because pupils' full names must never be shown.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from protocol.errors import InvalidPayload

from ..auth.passwords import pupil_words

MAX_DISPLAY_NAME_LEN = 40
MAX_CLASS_LABEL_LEN = 40
# Format characters (Cf) include the bidi overrides and zero-width characters.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]{2,}")
MIN_GLUED_PART = 3
"""Parts of a glued word count as names from this length: "MaryBrown" is a
full name, "DeShawn", "McKenzie" or "LeBron" are one."""


def clean_display_text(text: str, *, field: str, max_len: int) -> str:
    """NFC-normalise, drop invisible and control characters, fold spaces.

    Raises:
        InvalidPayload: Nothing visible is left, or it is too long.
    """
    # Whitespace controls (tab, line breaks) become spaces before control
    # characters are dropped: "Mary<TAB>Brown" pasted from a class list must
    # not turn into "MaryBrown", which the full-name check would let through.
    normalised = _SPACES.sub(" ", unicodedata.normalize("NFKC", text))
    kept = "".join(ch for ch in normalised if unicodedata.category(ch) not in _REFUSED_CATEGORIES)
    cleaned = _SPACES.sub(" ", kept).strip()
    if not cleaned:
        raise InvalidPayload(f"{field} is empty", details={"field": field})
    if len(cleaned) > max_len:
        raise InvalidPayload(
            f"{field} must have at most {max_len} characters", details={"field": field}
        )
    return cleaned


def _is_known_word(word: str) -> bool:
    words = pupil_words()
    lowered = word.lower()
    return lowered in words["adjectives"] or lowered in words["animals"]


def looks_like_full_name(name: str) -> bool:
    """Whether a name looks like a first name and a surname ("Mary Brown").

    Two or more capitalised words of two letters or more, unless they are all
    words of our own pseudonym lists; names glued together ("MaryBrown") count
    as two words. "Mary B." and "mary" pass; so does "Brave Otter".
    """
    words = [part for word in _WORD.findall(name) for part in _glued_parts(word)]
    capitalised = [w for w in words if w[0].isupper()]
    if len(capitalised) < 2:
        return False
    return not all(_is_known_word(w) for w in capitalised)


def _glued_parts(word: str) -> list[str]:
    """A word split where names were glued together ("MaryBrown", or
    "Mary<zero-width space>Brown" once the invisible character is gone), else the word."""
    parts = _split_at_capitals(word)
    if len(parts) > 1 and all(len(part) >= MIN_GLUED_PART for part in parts):
        return parts
    return [word]


def _split_at_capitals(word: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for index in range(1, len(word)):
        if word[index].isupper() and word[index - 1].islower():
            parts.append(word[start:index])
            start = index
    parts.append(word[start:])
    return parts


def pupil_display_name(requested: str | None) -> str:
    """The display name to store for a pupil.

    Raises:
        InvalidPayload: The name is empty, too long, or looks like a full name.
    """
    if requested is None:
        return generate_pseudonym()
    name = clean_display_text(requested, field="display_name", max_len=MAX_DISPLAY_NAME_LEN)
    if looks_like_full_name(name):
        raise InvalidPayload(
            "a pupil's display name must not be a full name: use a first name and "
            "an initial ('Mary B.') or leave it empty for a generated pseudonym",
            details={"field": "display_name", "rule": "full_name"},
        )
    return name


def generate_pseudonym() -> str:
    """A friendly pseudonym such as ``Brave Otter``."""
    words = pupil_words()
    return (
        f"{secrets.choice(words['adjectives']).title()} {secrets.choice(words['animals']).title()}"
    )


def generate_pupil_login() -> str:
    """A login such as ``brave-otter-417``: no '@', so never an e-mail."""
    words = pupil_words()
    adjective, animal = (
        secrets.choice(words["adjectives"]),
        secrets.choice(words["animals"]),
    )
    return f"{adjective}-{animal}-{secrets.randbelow(1000):03d}"


def normalise_login(login: str) -> str:
    """The form a login is stored and looked up in: trimmed, NFKC, case-folded."""
    return unicodedata.normalize("NFKC", login).strip().casefold()
