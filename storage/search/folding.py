"""Folding text for search: no accents, no case, the same tokens on both engines.

Accents and case must not matter ("eleve" and "ELEVE" find "élève"). Both
engines could fold by themselves (SQLite's ``unicode61 remove_diacritics 2``,
PostgreSQL's ``unaccent`` extension), but they would not agree: FTS5 leaves
letters that do not decompose into a base and a mark (``ł``, ``ø``, ``đ``,
``ß``, ``œ``, ``æ``, ``ı``) as they are, so "Lodz" would find "Łódź" on one
engine only, and ``unaccent`` is a contrib extension a managed PostgreSQL may
lack. So texts are folded here, once, before they are stored, and queries
are folded by the same function: each engine then sees plain lower-case
ASCII-like tokens separated by spaces, and tokenizes them identically.

Folding: NFKD decomposition, combining marks dropped, the few letters without
a decomposition mapped by hand, then ``casefold`` (which also maps the Greek
final sigma and German sharp s). Scripts without Latin letters (Greek,
Cyrillic, Armenian, Georgian, Arabic) keep their letters, only without marks.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TOKEN_LEN = 64
"""Longer runs of letters are cut: nobody searches for them, and PostgreSQL
refuses lexemes over 2 KiB."""

_WORD = re.compile(r"[^\W_]+")
_NO_DECOMPOSITION = {
    "ß": "ss",
    "ẞ": "ss",
    "æ": "ae",
    "Æ": "ae",
    "œ": "oe",
    "Œ": "oe",
    "ø": "o",
    "Ø": "o",
    "ł": "l",
    "Ł": "l",
    "đ": "d",
    "Đ": "d",
    "ð": "d",
    "Ð": "d",
    "þ": "th",
    "Þ": "th",
    "ı": "i",
    "ħ": "h",
    "Ħ": "h",
    "ŀ": "l",
    "Ŀ": "l",
}
# A pattern finds them in C; ``str.translate`` with a mapping is ten times slower.
_UNDECOMPOSABLE = re.compile("[" + "".join(_NO_DECOMPOSITION) + "]")


_MARKS = re.compile(
    "["
    "\u0300-\u036f"  # combining diacritical marks (Latin, Greek, Cyrillic accents)
    "\u0483-\u0489"  # Cyrillic
    "\u0591-\u05c7"  # Hebrew points
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"  # Arabic harakat
    "\u1ab0-\u1aff\u1dc0-\u1dff"  # extended and supplementary diacritics
    "\u20d0-\u20ff\ufe20-\ufe2f"  # marks for symbols, half marks
    "]+"
)
"""The marks that European, Greek, Cyrillic, Hebrew and Arabic text decomposes
into. A regular expression over these few blocks is an order of magnitude
faster than testing every character; marks of other scripts are kept, which
is harmless because both engines index the same folded text."""


def fold(text: str) -> str:
    """Text without accents and case ("Łódź, ÉLÈVE" → "lodz, eleve")."""
    if text.isascii():
        return text.lower()
    mapped = _UNDECOMPOSABLE.sub(lambda m: _NO_DECOMPOSITION[m.group()], text)
    decomposed = unicodedata.normalize("NFKD", mapped)
    return _MARKS.sub("", decomposed).casefold()


def tokens(text: str) -> list[str]:
    """The folded words of a text: runs of letters and digits, in order."""
    return [word[:MAX_TOKEN_LEN] for word in _WORD.findall(fold(text))]


def token_text(text: str) -> str:
    """The folded words joined by single spaces, as the index stores them."""
    return " ".join(tokens(text))
