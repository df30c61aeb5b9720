"""Cleaning what teachers write in profiles and posts.

Short texts (titles, interests) go through the account domain's
``clean_display_text``; long texts (a bio, a description) keep their line
breaks but lose the invisible and control characters that let one text pose
as another, and runs of blank lines.
"""

from __future__ import annotations

import re
import unicodedata

from protocol.errors import InvalidPayload

from ..accounts.names import clean_display_text

# Format characters (Cf) include the bidi overrides and zero-width characters.
_REFUSED = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[^\S\n]+")


def clean_long_text(text: str, *, field: str, max_len: int, required: bool) -> str:
    """NFKC-normalise, keep line breaks, drop invisible characters, fold spaces.

    Raises:
        InvalidPayload: Empty when ``required``, or longer than ``max_len``.
    """
    # Tabs and carriage returns are controls: make them spaces and line breaks
    # first, or dropping controls would glue the words they separate.
    spaced = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    normalised = unicodedata.normalize("NFKC", spaced)
    kept = "".join(
        ch for ch in normalised if ch == "\n" or unicodedata.category(ch) not in _REFUSED
    )
    lines = [_SPACES.sub(" ", line).strip() for line in kept.split("\n")]
    cleaned = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    if required and not cleaned:
        raise InvalidPayload(f"{field} is empty", details={"field": field})
    if len(cleaned) > max_len:
        raise InvalidPayload(
            f"{field} must have at most {max_len} characters", details={"field": field}
        )
    return cleaned


def clean_short_texts(texts: list[str], *, field: str, max_len: int) -> tuple[str, ...]:
    """Each text cleaned as a display text, repeats (ignoring case) dropped.

    Raises:
        InvalidPayload: An empty or overlong entry.
    """
    seen: dict[str, str] = {}
    for text in texts:
        cleaned = clean_display_text(text, field=field, max_len=max_len)
        seen.setdefault(cleaned.casefold(), cleaned)
    return tuple(seen.values())


def check_age_range(age_min: int, age_max: int, *, low: int, high: int) -> None:
    """Raises: InvalidPayload: Outside ``low..high`` or the lowest after the highest."""
    if not low <= age_min <= age_max <= high:
        raise InvalidPayload(
            f"pupils' ages must be between {low} and {high}, lowest first",
            details={"field": "age_min"},
        )
