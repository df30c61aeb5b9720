"""The content filter's word lists: terms, their severity and category, per language.

Each language has one file, ``moderation/data/blocklist/<lang>.txt``, whose
header names its source and its review date. The format, one entry a line::

    # comment
    term | severity | category
    [allow]
    innocent word

* ``term`` is lower case; accents may be written or not (matching folds
  them). Words separated by spaces make a phrase. ``stem*`` matches every
  word that starts with ``stem``; ``*stem`` every word that ends with it.
  Stems are used sparingly, only where no innocent word of the partners'
  languages starts or ends that way (the Scunthorpe problem).
* ``severity`` is ``block`` (the message is refused) or ``hold`` (a teacher
  sees it first).
* ``category`` is one of ``Category``.
* After ``[allow]``, one innocent word per line: words that a stem, a
  repeated-letter variant or another language's list must never match.

A teacher's own terms for a project are ``Term`` values too (category
``custom``); see ``moderation.checks.content.content_matcher``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources

__all__ = [
    "LANGUAGES",
    "Category",
    "Severity",
    "Term",
    "WordList",
    "load_wordlist",
    "parse_wordlist",
]

LANGUAGES = ("en", "fr", "de", "es", "it", "pl", "pt", "nl")
"""The partners' languages that have a list, in the order they are documented."""
MAX_TERM_LEN = 80
_HEADER = re.compile(r"#\s*(source|reviewed)\s*:\s*(.+)", re.IGNORECASE)
_TERM = re.compile(r"\*?[^\s*|]+(?: [^\s*|]+)*\*?")


class Severity(StrEnum):
    """What happens to a pupil's message that contains the term."""

    BLOCK = "block"
    """Refused: the sender is told why, nobody else sees it."""
    HOLD = "hold"
    """Held for a teacher (when the room's pre-moderation is on)."""


class Category(StrEnum):
    """Why a term is listed; shown to teachers, never to other pupils."""

    INSULT = "insult"
    SLUR = "slur"
    """Hate: ethnic, religious, homophobic, transphobic or ableist slurs."""
    SEXUAL = "sexual"
    PROFANITY = "profanity"
    SELF_HARM = "self_harm"
    """Suicide and self-harm, including "kill yourself" aimed at someone."""
    VIOLENCE = "violence"
    """Threats of violence."""
    GROOMING = "grooming"
    """Moving a child to secrecy or private contact, asking for pictures."""
    CUSTOM = "custom"
    """Added by a teacher for a project."""


@dataclass(frozen=True, slots=True)
class Term:
    """One entry of a list, or one word a teacher added.

    Raises:
        ValueError: An empty or overlong term, or a ``*`` anywhere but at
            one end of a single word.
    """

    text: str
    """As written: lower case, ``*`` at an end for a stem, spaces for a phrase."""
    severity: Severity = Severity.HOLD
    category: Category = Category.CUSTOM
    language: str = "custom"
    """The list it comes from (``en``...), or ``custom`` for a teacher's term."""

    def __post_init__(self) -> None:
        if not self.text or len(self.text) > MAX_TERM_LEN or not _TERM.fullmatch(self.text):
            raise ValueError(f"invalid term {self.text!r}")
        if self.text.startswith("*") and self.text.endswith("*"):
            raise ValueError(f"term {self.text!r}: a stem has one '*', at one end")
        if "*" in self.text and " " in self.text:
            raise ValueError(f"term {self.text!r}: a phrase cannot be a stem")

    @property
    def is_prefix(self) -> bool:
        """``stem*``: every word starting with the stem."""
        return self.text.endswith("*")

    @property
    def is_suffix(self) -> bool:
        """``*stem``: every word ending with the stem."""
        return self.text.startswith("*")

    @property
    def is_phrase(self) -> bool:
        """Several words that must follow each other."""
        return " " in self.text


@dataclass(frozen=True)
class WordList:
    """One language's list, as loaded from its file."""

    language: str
    source: str
    """Who compiled it, from what (the file's ``# source:`` line)."""
    reviewed: dt.date
    """When a person last went through it (the ``# reviewed:`` line)."""
    terms: tuple[Term, ...]
    allowed: tuple[str, ...]
    """Innocent words that must never match (see the module docstring)."""


def parse_wordlist(text: str, language: str) -> WordList:
    """Parse one list file.

    Raises:
        ValueError: A malformed line (its number is in the message), an
            unknown severity or category, or a missing source or review date.
    """
    header: dict[str, str] = {}
    terms: list[Term] = []
    allowed: list[str] = []
    in_allow = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            found = _HEADER.fullmatch(line)
            if found and found.group(1).lower() not in header:
                header[found.group(1).lower()] = found.group(2).strip()
            continue
        if line == "[allow]":
            in_allow = True
            continue
        try:
            if in_allow:
                if "|" in line or " " in line or "*" in line:
                    raise ValueError("an allowed entry is one plain word")
                allowed.append(line)
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3:
                raise ValueError("expected 'term | severity | category'")
            terms.append(Term(parts[0], Severity(parts[1]), Category(parts[2]), language))
        except ValueError as error:
            raise ValueError(f"{language}.txt line {number}: {error}") from None
    if "source" not in header or "reviewed" not in header:
        raise ValueError(f"{language}.txt: the header needs '# source:' and '# reviewed:'")
    reviewed = dt.date.fromisoformat(header["reviewed"].split()[0])
    return WordList(language, header["source"], reviewed, tuple(terms), tuple(allowed))


@functools.cache
def load_wordlist(language: str) -> WordList:
    """Load a language's list from the package data (once per process).

    Raises:
        ValueError: ``language`` has no list, or its file is malformed.
    """
    if language not in LANGUAGES:
        raise ValueError(f"no word list for language {language!r}")
    data = resources.files("moderation.data.blocklist").joinpath(f"{language}.txt")
    return parse_wordlist(data.read_text(encoding="utf-8"), language)
