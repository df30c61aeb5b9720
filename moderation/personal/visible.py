"""The text as it is seen: invisible characters removed, offsets kept.

"06\\u200b12 34 56 78" shows as a phone number, so the detectors must read it
without the zero-width space; but a teacher's view highlights the original,
so every span found in the visible text is mapped back.
"""

from __future__ import annotations

import re

__all__ = ["VisibleText"]

# Format characters that render as nothing: zero-width space and joiners, bidi
# marks, embeddings, overrides and isolates, word joiner and invisible
# operators, BOM, soft hyphen, variation selectors, Mongolian vowel separator,
# and the controls other than line breaks and tabs.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u034f\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\U000e0000-\U000e007f]"
)


class VisibleText:
    """``original`` without invisible characters, and the way back to it.

    Args:
        original: The message as written.
    """

    __slots__ = ("_removed", "original", "text")

    def __init__(self, original: str) -> None:
        self.original = original
        removed = [match.start() for match in _INVISIBLE.finditer(original)]
        self._removed = removed
        """Offsets (in ``original``) of the removed characters, ascending."""
        self.text = _INVISIBLE.sub("", original) if removed else original
        """What the detectors read."""

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
