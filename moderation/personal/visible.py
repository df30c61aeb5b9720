"""The text as it is seen: invisible characters removed, offsets kept.

"06\\u200b12 34 56 78" shows as a phone number, so the detectors must read it
without the zero-width space; but a teacher's view highlights the original,
so every span found in the visible text is mapped back.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from ..folding import is_latin1
from .anchored import aligned_lower

__all__ = ["VisibleText", "find_all", "merge", "same_length_lower", "windows", "word_windows"]

# Format characters that render as nothing: zero-width space and joiners, bidi
# marks, embeddings, overrides and isolates, word joiner and invisible
# operators, BOM, soft hyphen, variation selectors, Mongolian vowel separator,
# and the controls other than line breaks and tabs.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u034f\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\U000e0000-\U000e007f]"
)


_PRINTABLE_INVISIBLE = re.compile("[\u034f\ufe00-\ufe0f]")
"""The characters of ``_INVISIBLE`` that ``str.isprintable`` calls printable (combining
grapheme joiner, variation selectors: marks); every other one is not printable."""


def _may_hide(text: str) -> bool:
    """Whether ``text`` may hold an invisible character (never wrong when it says no).

    ``str.isprintable`` is one C pass; the search of ``_INVISIBLE`` tests a long
    character class per character (about 60 instructions each, 1,000 characters
    per long message). Printable Latin-1 text (one byte per character, no code
    point above U+00FF) cannot hold the two printable kinds.
    """
    if not text.isprintable():
        return True
    if text.isascii() or is_latin1(text):
        return False
    return _PRINTABLE_INVISIBLE.search(text) is not None


class VisibleText:
    """``original`` without invisible characters, and the way back to it.

    Args:
        original: The message as written.
    """

    __slots__ = ("_aligned", "_is_aligned_known", "_lower", "_removed", "original", "text")

    def __init__(self, original: str) -> None:
        self.original = original
        removed = (
            [match.start() for match in _INVISIBLE.finditer(original)]
            if _may_hide(original)
            else []
        )
        self._removed = removed
        """Offsets (in ``original``) of the removed characters, ascending."""
        self.text = _INVISIBLE.sub("", original) if removed else original
        """What the detectors read."""
        self._lower: str | None = None
        self._aligned: str | None = None
        self._is_aligned_known = False

    @property
    def lower(self) -> str:
        """``text`` lower-cased at the same offsets, computed once for every detector.

        ``text.lower()`` (8 µs for 1,000 accented characters: each detector lowered
        the text again), except where that changes the length (``same_length_lower``):
        the detectors read windows of ``text`` around the offsets of words found here.
        """
        if self._lower is None:
            lowered = self.text.lower()
            if len(lowered) != len(self.text):
                lowered = same_length_lower(self.text)
            self._lower = lowered
        return self._lower

    @property
    def aligned_lower(self) -> str | None:
        """``lower`` at the same offsets as ``text``, for anchors (``anchored.aligned_lower``)."""
        if not self._is_aligned_known:
            self._aligned = aligned_lower(self.lower, len(self.text))
            self._is_aligned_known = True
        return self._aligned

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of ``text`` to the same characters in ``original``."""
        return self._offset(start), self._offset(end - 1) + 1 if end > start else self._offset(end)

    def _offset(self, index: int) -> int:
        # The index-th visible character is preceded by k removed ones where k
        # is the smallest count with removed[k] > index + k.
        removed = self._removed
        low, high = 0, len(removed)
        while low < high:
            middle = (low + high) // 2
            if removed[middle] <= index + middle:
                low = middle + 1
            else:
                high = middle
        return index + low


def same_length_lower(text: str) -> str:
    """``text.lower()`` with one character for each of ``text``'s.

    "İ".lower() is "i" and a combining dot (the only such letter in Unicode 14, Python 3.11's):
    each one moved every later offset of ``text.lower()`` one place to the right,
    and windows read around a word found there (sixty "İ" before "www.") missed it.
    A letter that lowers to several characters keeps the first, its simple lower
    case ("i", as ``re.IGNORECASE`` reads "İ"). The slow path of ``VisibleText.lower``.
    """
    lowered = text.replace("\u0130", "i").lower()
    if len(lowered) == len(text):
        return lowered
    return "".join([char.lower()[0] for char in text])


def windows(positions: list[int], before: int, after: int, length: int) -> list[tuple[int, int]]:
    """Merged ``[position - before, position + after)`` ranges, clipped to ``length``.

    Detectors search only these ranges (``Pattern.finditer(text, start, end)``
    keeps global offsets and lets look-behinds see the text before ``start``),
    so a long message costs what its suspicious parts cost.
    """
    return merge([(max(0, p - before), min(length, p + after)) for p in positions])


def merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort ranges and merge those that overlap or touch."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def find_all(text: str, needle: str) -> list[int]:
    """Every offset of ``needle`` in ``text`` (``str.find`` in a loop, in C)."""
    found: list[int] = []
    index = text.find(needle)
    while index >= 0 and len(found) < 64:
        found.append(index)
        index = text.find(needle, index + 1)
    return found


def word_windows(
    text: str, words: Collection[str], before: int, after: int, lowered: str | None = None
) -> list[tuple[int, int]]:
    """Windows around each occurrence of ``words`` in ``text`` (case-insensitive).

    Falls back to the whole text when none is found (a spelling the fold
    changed, "małpa" for "malpa"), so a gate that opened is never wasted.
    ``lowered`` is ``VisibleText.lower`` when the caller has it (offsets of
    ``text``).
    """
    if lowered is None:
        lowered = same_length_lower(text)
    positions = [index for word in words for index in find_all(lowered, word)]
    if not positions:
        return [(0, len(text))]
    return windows(positions, before, after, len(text))
