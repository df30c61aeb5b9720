"""E-mail addresses, plain ("lily@mail.fr") and spelled out ("lily at gmail dot com").

Candidates are found by one regular expression that accepts "@", "(at)",
"[at]" and the spoken words for "@" and "." in the partners' languages; each
candidate is rebuilt with "@" and "." and confirmed by ``email-validator``
(syntax only, no DNS). A spelled-out candidate must also end with a known
top-level domain, or name a known mail provider, so that "meet at lunch.
point taken" is not an address.

The expression is tried only where a candidate can start (``_starts``, see
``moderation.personal.anchored``): a local part is a whole run of
``[\\w.+-]`` (its look-behind refuses a start inside one) that ends just
before the "@", the bracket or the spaces of a spoken "at". Searching the
whole window cost about 0.3 µs per character.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from email_validator import EmailNotValidError, validate_email

from .anchored import run_start, search_at
from .model import PersonalData, PersonalDataKind
from .visible import VisibleText, find_all, merge, windows, word_windows
from .vocabulary import AT_WORDS, DOT_WORDS, PROVIDERS, TLDS

__all__ = ["find_emails"]

_AT_SPOKEN = "|".join(sorted(AT_WORDS | {"małpa"}))
_DOT_SPOKEN = "|".join(sorted(DOT_WORDS))
_AT = rf"(?:\s*[@＠]\s*|\s*[(\[{{<]\s*(?:at|@)\s*[)\]}}>]\s*|\s+(?:{_AT_SPOKEN})\s+)"
_DOT = rf"(?:\s*\.\s*|\s*[(\[{{<]\s*(?:dot|\.)\s*[)\]}}>]\s*|\s+(?:{_DOT_SPOKEN})\s+)"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_CANDIDATE = re.compile(
    rf"(?<![\w.+-])(?P<local>[\w][\w.+-]{{0,63}})(?P<at>{_AT})"
    rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL}){{0,4}})",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(_DOT, re.IGNORECASE)


def find_emails(
    visible: VisibleText, spelled_words: Collection[str] | None = None
) -> list[PersonalData]:
    """Every e-mail address in the text, written plainly or spelled out.

    Args:
        visible: The text.
        spelled_words: The spoken "at" words and mail providers the message
            contains, whose surroundings are read too; ``None`` reads the
            whole text. Around each "@" is always read.
    """
    text = visible.text
    if spelled_words is None:
        ranges = [(0, len(text))]
    else:
        positions = find_all(text, "@") + find_all(text, "＠")
        ranges = windows(positions, 70, 80, len(text))
        if spelled_words:
            ranges = merge(ranges + word_windows(text, spelled_words, 70, 80, visible.lower))
    found: list[PersonalData] = []
    for start, end in ranges:
        found.extend(_in_range(visible, start, end))
    return found


def _in_range(visible: VisibleText, start: int, end: int) -> list[PersonalData]:
    text = visible.text
    starts = _starts(visible, start, end)
    found: list[PersonalData] = []
    position = start
    while (
        match := _CANDIDATE.search(text, position, end)
        if starts is None
        else search_at(_CANDIDATE, text, starts, position, end)
    ) is not None:
        if _accepted(match):
            found.append(PersonalData(PersonalDataKind.EMAIL, visible.span(*match.span())))
            position = match.end()
        else:
            # A refused candidate may hide an address in its domain part:
            # "write to me at tom.smith@gmail.com" is first read as "me" at
            # "tom.smith" (no address); the search goes on from "tom".
            position = match.start("domain")
    return found


_AT_MARKS = "@＠([{<"
_AT_WORDS = tuple(sorted(AT_WORDS | {"małpa"}))


def _starts(visible: VisibleText, start: int, end: int) -> list[int] | None:
    """Every position of ``[start, end)`` where ``_CANDIDATE`` can match, sorted.

    ``None`` when the text has no case-aligned lower form (then the window is
    searched). An "at" is "@", "＠" or a bracket after optional spaces, or a
    spoken word after one space or more; the local part is the run of
    ``[\\w.+-]`` before those spaces, at most 64 characters.
    """
    text = visible.text
    lower = visible.aligned_lower
    if lower is None:
        return None
    marks: list[int] = []
    for sign in _AT_MARKS:
        index = text.find(sign, start, end)
        while index >= 0:
            marks.append(index)
            index = text.find(sign, index + 1, end)
    for word in _AT_WORDS:
        index = lower.find(word, start, end)
        while index >= 0:
            if index > start and text[index - 1].isspace():
                marks.append(index)
            index = lower.find(word, index + 1, end)
    starts: set[int] = set()
    for mark in marks:
        before = mark
        while before > start and text[before - 1].isspace():
            before -= 1
        first = run_start(text, before, start, ".+-", 64)
        if first is not None:
            starts.add(first)
    return sorted(starts)


def _accepted(match: re.Match[str]) -> bool:
    """Whether a candidate is an address (plain, spelled out, or a provider's mailbox)."""
    domain = match.group("domain")
    labels = [label.lower() for label in _SEPARATORS.split(domain)]
    dots = _SEPARATORS.findall(domain)
    spoken = match.group("at").strip() not in ("@", "＠") or any(dot.strip() != "." for dot in dots)
    if labels[0] in PROVIDERS:
        # "lily at gmail" names a mailbox, with or without the rest.
        return True
    if len(labels) < 2 or (spoken and (labels[-1] not in TLDS or labels[0] == "www")):
        # "look at www.example.org" is a link, not a mailbox
        return False
    return _is_valid(f"{match.group('local')}@{'.'.join(labels)}")


def _is_valid(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
