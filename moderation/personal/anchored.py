"""Run a detector's expression only where a match can start.

``re`` has no fast scan for an expression that opens with a look-behind, a
word boundary or an alternation of words: ``finditer`` enters the whole
expression at every position of the text. The detectors' expressions (links,
e-mail addresses, street addresses, platform accounts) then cost 0.3 to 0.6 µs
per character of the window they read, 50 to 100 µs for a message with
personal data, most of it spent failing in the middle of ordinary words.

Each detector instead lists the positions where its expression *can* start (a
superset, from ``str.find`` of its anchors: "@", "://", "." and the like, or
from the words that open it), and ``finditer_at`` / ``search_at`` try it there
only, with ``Pattern.match``. They yield what ``finditer`` / ``search`` would:
``match`` at a position sees the text before it (look-behinds and ``\\b``
read it) and stops at the same ``end``; the detectors' matches are never
empty. The oracle tests (``tests/unit/moderation/test_anchored.py``) compare
every detector with its whole-window search.

``aligned_lower`` is the lower-cased text whose characters stand at the same
offsets as the original's, with the two letters that ``re.IGNORECASE`` also
takes for ASCII ones ("ı" for "i", "ſ" for "s") made ASCII, so that a word
found in it by ``str.find`` or ``str.startswith`` is where a case-insensitive
expression sees it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence

from ahocorasick_rs import AhoCorasick, Implementation

__all__ = [
    "Openings",
    "aligned_lower",
    "finditer_at",
    "is_word",
    "run_start",
    "search_at",
]


def aligned_lower(lowered: str, length: int) -> str | None:
    """``lowered`` (``text`` lower-cased) aligned with ``text``, or ``None``.

    ``None`` when ``lowered`` is not as long as ``text``: offsets would not
    match, so callers read the whole window. ``VisibleText.lower`` is always as
    long (it keeps one character for "İ", see ``visible.same_length_lower``).
    """
    if len(lowered) != length:
        return None
    if "ı" in lowered:
        lowered = lowered.replace("ı", "i")
    if "ſ" in lowered:
        lowered = lowered.replace("ſ", "s")
    return lowered


def is_word(char: str) -> bool:
    """Whether ``char`` is what ``\\w`` matches in a ``str`` expression."""
    return char.isalnum() or char == "_"


class Openings:
    """Where any of a few lower-case words occurs in a window, in one Rust pass.

    An Aho–Corasick automaton (``ahocorasick_rs``, already the content
    filter's) over the window of ``aligned_lower``: about 1 µs for 120
    characters, where a loop over the window's words in Python cost 1 to 2 µs
    per word.

    Args:
        words: Lower-case words; each occurrence is reported, overlaps too.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = tuple(sorted(set(words)))
        self._automaton = AhoCorasick(list(self.words), implementation=Implementation.DFA)

    def find(self, lower: str, start: int, end: int) -> list[tuple[int, int, int]] | None:
        """``(word index, start, end)`` of every occurrence in ``lower[start:end]``.

        ``None`` for a window with a lone surrogate, which the automaton (UTF-8
        inside) cannot read: the caller searches the window instead.
        """
        try:
            hits = self._automaton.find_matches_as_indexes(lower[start:end], overlapping=True)
        except UnicodeEncodeError:
            return None
        return [(index, first + start, last + start) for index, first, last in hits]


def run_start(text: str, end: int, floor: int, extra: str, longest: int) -> int | None:
    """Where the run of word characters and ``extra`` that ends at ``end`` starts.

    ``None`` when the run is empty, longer than ``longest``, or begins before
    ``floor`` (a match of the detector would have to start before its window).
    """
    index = end
    lowest = max(floor, end - longest)
    while index > lowest:
        char = text[index - 1]
        if not (char.isalnum() or char == "_" or char in extra):
            break
        index -= 1
    if index == end:
        return None
    if index > 0 and index == lowest:
        char = text[index - 1]
        if char.isalnum() or char == "_" or char in extra:
            return None  # longer than allowed, or starting before the window
    return index


def finditer_at(
    pattern: re.Pattern[str], text: str, starts: Sequence[int], end: int
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text, start, end)``, trying only the sorted ``starts``.

    ``starts`` must hold every position of ``[start, end)`` where a match can
    begin, and no position before ``start``.
    """
    match = pattern.match
    after = -1
    for position in starts:
        if position < after:
            continue
        found = match(text, position, end)
        if found is not None:
            yield found
            after = found.end()


def search_at(
    pattern: re.Pattern[str], text: str, starts: Sequence[int], position: int, end: int
) -> re.Match[str] | None:
    """``pattern.search(text, position, end)``, trying only the sorted ``starts``."""
    match = pattern.match
    for index in range(bisect.bisect_left(starts, position), len(starts)):
        found = match(text, starts[index], end)
        if found is not None:
            return found
    return None
