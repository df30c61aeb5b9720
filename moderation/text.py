"""The normalised form of one message, computed once and shared by every check.

``normalise(text)`` folds the characters (``moderation.folding``: NFKC, case
folding, invisible and bidi characters dropped, diacritics and confusables
to Latin) and keeps the result as ASCII bytes. Everything else is derived
lazily, only when a check asks for it:

* ``words``: the runs of letters and digits, in order. Word boundaries are
  kept exactly where the writer put them, which is what protects innocent
  words that contain a listed one ("Scunthorpe", "class", "cocktail"): lists
  are matched against whole words, never against substrings.
* ``spaced_runs``: runs of three or more one-letter words ("f u c k",
  "f.u.c.k", "f-u-c-k", "f_u_c_k" all give the words f, u, c, k). Their
  letters joined are a candidate word. Only one-letter runs are joined, so
  ordinary words are never glued together.
* ``symbol_chunks``: the space-separated chunks that mix letters with leet
  symbols or masks ("$h!t", "@ss", "f*ck"). They are the only chunks read
  again character by character.

Word-level variants used against the lists, each answering one evasion:

* ``leet_variants``: digits and symbols read as letters (4 a, 3 e, 1 i or l,
  0 o, 5 s, 7 t, @ a, $ s, ! i, | i or l), only inside a word that has a
  letter, so that "455" or "10:30" never become words. "1", "!" and "|" are
  ambiguous, so two variants are returned (all i, all l).
* ``squeeze_repeats``: runs of three or more of a letter cut to two
  ("fuuuuck" to "fuuck", "asssss" to "ass"), which keeps real double letters.
* ``collapse_repeats``: every run cut to one ("fuuck" to "fuck"), for the
  lists' collapsed index; a real word with a double letter can collapse onto
  a listed one, so the content filter only uses it under conditions (see
  ``moderation.checks.content``).

Not for display and not for personal data spans: the personal-data detector
reads ``original``.
"""

from __future__ import annotations

import re

from .folding import OTHER_LETTER, fold

__all__ = [
    "NormalisedText",
    "collapse_repeats",
    "has_repeats",
    "leet_variants",
    "normalise",
    "shrink_repeats",
    "squeeze_repeats",
]

MIN_SPACED_RUN = 3
"""One-letter words in a row that are read as one spelled-out word."""
MAX_SPACED_RUN = 24
"""Longest run examined; longer runs are cut (bounded work per message)."""

_LETTERS = b"abcdefghijklmnopqrstuvwxyz" + OTHER_LETTER
_DIGITS = b"0123456789"
_ALNUM = _LETTERS + _DIGITS


def _table(mapping: dict[bytes, bytes], default: bytes | None = None) -> bytes:
    table = bytearray(range(256)) if default is None else bytearray(default * 256)
    for sources, target in mapping.items():
        for byte in sources:
            table[byte] = target[0]
    return bytes(table)


# Letters and digits stay, everything else is a space: the words.
_WORDS = bytes(byte if byte in _ALNUM else ord(" ") for byte in range(256))
_NOT_SYMBOLS = bytes(byte for byte in range(256) if byte not in b"@$|+!*#")
# A leet symbol or mask touching a letter, or "!" before one ("sh!t", "!diot"); "!"
# after a word is an exclamation, "$" before a digit a price.
_SYMBOL_SIGN = re.compile(rb"[a-z\x01][@$|+*#]|[@$|+*#!][a-z\x01]")
_BANG_SIGN = re.compile(rb"![a-z\x01]")
# Letters and digits become "a", everything else a space.
_WORD_SHAPE = _table({_ALNUM: b"a"}, b" ")
# Led by the literal " a " (a one-character word), so the search jumps between them.
_SPACED_SIGN = re.compile(rb" a {1,3}a {1,3}a ")
_NOT_DIGITS = bytes(byte for byte in range(256) if byte not in _DIGITS)

_LEET = {
    ord("4"): b"a",
    ord("@"): b"a",
    ord("8"): b"b",
    ord("3"): b"e",
    ord("6"): b"g",
    ord("9"): b"g",
    ord("0"): b"o",
    ord("5"): b"s",
    ord("$"): b"s",
    ord("7"): b"t",
    ord("+"): b"t",
    ord("2"): b"z",
}
_AMBIGUOUS = frozenset(b"1!|")
_LEET_I = bytes(range(256)).translate(
    _table({bytes([k]): v for k, v in _LEET.items()} | {b"1!|": b"i"})
)
_LEET_L = bytes(range(256)).translate(
    _table({bytes([k]): v for k, v in _LEET.items()} | {b"1!|": b"l"})
)
_NOT_LETTERS = bytes(byte for byte in range(256) if byte not in _LETTERS)
_MASKS = b"*#"
_DROPPED_IN_LEET = _NOT_LETTERS.translate(None, _MASKS)
_EDGE_START = b"\"'([{<.,;:-_~`^=/\\"
_EDGE_END = b"\"')]}>.,;:!?-_~`^=/\\"
_REPEAT_3 = re.compile(rb"(.)\1{2,}")
_REPEAT_2 = re.compile(rb"(.)\1+")


def normalise(text: str) -> NormalisedText:
    """Fold ``text`` once for every check; never raises."""
    return NormalisedText(text)


class NormalisedText:
    """One message, folded, with its derived forms computed on first use.

    Args:
        original: The text as the sender wrote it.
    """

    __slots__ = ("_joined", "_symbol_chunks", "_words", "folded", "original")

    def __init__(self, original: str) -> None:
        self.original = original
        """The text as written; personal-data spans point into it."""
        self.folded: bytes = fold(original)
        """Lower-case ASCII bytes (see ``moderation.folding``)."""
        self._words: list[bytes] | None = None
        self._joined: bytes | None = None
        self._symbol_chunks: list[bytes] | None = None

    @property
    def words(self) -> list[bytes]:
        """Runs of letters and digits, in order."""
        if self._words is None:
            self._words = self.folded.translate(_WORDS).split()
        return self._words

    @property
    def joined(self) -> bytes:
        """The words separated by single spaces, with a space at each end."""
        if self._joined is None:
            self._joined = b" " + b" ".join(self.words) + b" "
        return self._joined

    @property
    def has_spaced_letters(self) -> bool:
        """Whether three one-character words follow each other.

        Read on the text with every non-word character made a space, so
        that separators of one to three characters ("f u", "f.u", "f - u")
        are found without joining the words again.
        """
        shape = b" " + self.folded.translate(_WORD_SHAPE) + b" "
        return _SPACED_SIGN.search(shape) is not None

    @property
    def has_digits(self) -> bool:
        """Whether any word holds a digit."""
        return bool(self.folded.translate(None, _NOT_DIGITS))

    def spaced_runs(self) -> list[bytes]:
        """Every stretch of ``MIN_SPACED_RUN`` or more one-letter words, joined.

        For a run longer than the minimum every contiguous stretch of it is
        returned, so "a f u c k" still yields "fuck".
        """
        runs: list[list[bytes]] = []
        current: list[bytes] = []
        for word in self.words:
            if len(word) == 1:
                current.append(word)
                continue
            if len(current) >= MIN_SPACED_RUN:
                runs.append(current)
            current = []
        if len(current) >= MIN_SPACED_RUN:
            runs.append(current)
        joined: list[bytes] = []
        for run in runs:
            run = run[:MAX_SPACED_RUN]
            for start in range(len(run) - MIN_SPACED_RUN + 1):
                for end in range(start + MIN_SPACED_RUN, len(run) + 1):
                    candidate = b"".join(run[start:end])
                    if candidate.translate(None, _DIGITS):
                        joined.append(candidate)
        return joined

    @property
    def has_symbol_signs(self) -> bool:
        """Whether letters touch leet symbols or masks somewhere ("$h!t", "f*ck")."""
        symbols = self.folded.translate(None, _NOT_SYMBOLS)
        if not symbols:
            return False
        if not symbols.translate(None, b"!"):
            # Only exclamation marks (common): a search led by a literal is fast.
            return _BANG_SIGN.search(self.folded) is not None
        return _SYMBOL_SIGN.search(self.folded) is not None

    def canonical_joined(self) -> bytes:
        """``joined`` with each word that mixes letters and digits read as leetspeak.

        Used for phrases ("k1ll yourself"); equal to ``joined`` when no word
        holds a digit.
        """
        if not self.has_digits:
            return self.joined
        read = [
            word if word.isalpha() else (leet_variants(word) or (word,))[0] for word in self.words
        ]
        return b" " + b" ".join(read) + b" "

    def symbol_chunks(self) -> list[bytes]:
        """Space-separated chunks that mix letters with leet symbols or masks.

        Each is stripped of sentence punctuation at its ends ("sh!t!" gives
        "sh!t") but keeps leading leet symbols ("@ss", "$hit").
        """
        if self._symbol_chunks is None:
            chunks: list[bytes] = []
            if self.has_symbol_signs:
                for chunk in self.folded.split():
                    if _SYMBOL_SIGN.search(chunk):
                        core = chunk.lstrip(_EDGE_START).rstrip(_EDGE_END)
                        if core:
                            chunks.append(core)
            self._symbol_chunks = chunks
        return self._symbol_chunks


def leet_variants(chunk: bytes) -> tuple[bytes, ...]:
    """Read digits and leet symbols as letters; drop separators; keep masks.

    Returns nothing when ``chunk`` has neither a letter nor "@" or "$"
    (numbers stay numbers: "455" is not "ass"), or nothing is left.
    Otherwise one variant, or two when "1", "!" or "|" appear (one reading
    them as "i", one as "l").
    """
    if not chunk.translate(None, _NOT_LETTERS) and b"@" not in chunk and b"$" not in chunk:
        return ()
    as_i = chunk.translate(_LEET_I).translate(None, _DROPPED_IN_LEET)
    if not as_i:
        return ()
    if _AMBIGUOUS.isdisjoint(chunk):
        return (as_i,)
    as_l = chunk.translate(_LEET_L).translate(None, _DROPPED_IN_LEET)
    return (as_i, as_l)


def has_repeats(word: bytes) -> bool:
    """Whether a letter appears twice or more in a row."""
    return _REPEAT_2.search(word) is not None


def squeeze_repeats(word: bytes) -> bytes:
    """Cut runs of three or more of one character to two."""
    return _REPEAT_3.sub(rb"\1\1", word)


def shrink_repeats(word: bytes) -> bytes:
    """Cut runs of three or more of one character to one ("aaaasshole" to "asshole")."""
    return _REPEAT_3.sub(rb"\1", word)


def collapse_repeats(word: bytes) -> bytes:
    """Cut every run of one character to one."""
    return _REPEAT_2.sub(rb"\1", word)
