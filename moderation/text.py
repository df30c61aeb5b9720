"""The normalised form of one message, computed once and shared by every check.

``normalise(text)`` keeps the text; its folded form (``moderation.folding``:
NFKC, case folding, invisible and bidi characters dropped, diacritics and
confusables to Latin, as ASCII bytes) and everything else are derived lazily,
only when a check asks for them (a message refused by the rate limit is never
folded):

* ``words``: the runs of letters and digits, in order. Word boundaries are
  kept exactly where the writer put them, which is what protects innocent
  words that contain a listed one ("Scunthorpe", "class", "cocktail"): lists
  are matched against whole words, never against substrings.
* ``padded``: the folded text with every byte that is not a letter or digit
  made a space, and a space at each end: " word " is in it exactly where
  ``word`` is a whole word. The content filter's screen (one Aho–Corasick
  pass) and the spaced-letters gate read it; no word object is made.
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

``marked_words`` is how the pipeline's checks share one pass over the words:
the content filter sets it to the gate words and phrase anchors its screen
found, or to the words its memo does not know to be plain (see
``moderation.checks.content``), a small set, and the personal-data detector
then looks only at those for its gate words and digits.
"""

from __future__ import annotations

import re
from collections.abc import Set

from .folding import OTHER_LETTER, fold

__all__ = [
    "WORD_BYTES",
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
WORD_BYTES = _ALNUM
"""Every byte a word of ``NormalisedText.words`` can hold: a-z, digits, ``OTHER_LETTER``."""


def _table(mapping: dict[bytes, bytes], default: bytes | None = None) -> bytes:
    table = bytearray(range(256)) if default is None else bytearray(default * 256)
    for sources, target in mapping.items():
        for byte in sources:
            table[byte] = target[0]
    return bytes(table)


# Letters and digits stay, everything else is a space: the words.
_WORDS = bytes(byte if byte in _ALNUM else ord(" ") for byte in range(256))
# A leet symbol or mask touching a letter, or "!" before one ("sh!t", "!diot"); "!"
# after a word is an exclamation, "$" before a digit a price.
_SYMBOL_SIGN = re.compile(rb"[a-z\x01][@$|+*#]|[@$|+*#!][a-z\x01]")
_BANG_SIGN = re.compile(rb"![a-z\x01]")
# Letters and digits become "a", everything else a space (read on ``padded``).
_WORD_SHAPE = _table({_ALNUM: b"a"}, b" ")
# Led by the literal " a " (a one-character word), so the search jumps between them
# (written "  {0,2}" rather than " {1,3}", or the literal prefix would stop at " a",
# the start of every word).
_SPACED_SIGN = re.compile(rb" a  {0,2}a  {0,2}a ")
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

    __slots__ = (
        "_folded",
        "_has_spaced",
        "_has_symbols",
        "_joined",
        "_padded",
        "_separated",
        "_symbol_chunks",
        "_words",
        "marked_words",
        "original",
    )

    def __init__(self, original: str) -> None:
        self.original = original
        """The text as written; personal-data spans point into it."""
        self._folded: bytes | None = None
        self._separated: bytes | None = None
        self._padded: bytes | None = None
        self._words: list[bytes] | None = None
        self._joined: bytes | None = None
        self._symbol_chunks: list[bytes] | None = None
        self._has_spaced: bool | None = None
        self._has_symbols: bool | None = None
        self.marked_words: Set[bytes] | None = None
        """Set by a content filter that screened this text: every word that may be a
        listed term, a phrase anchor, a personal-data gate word ("at", "insta",
        "rue"...), or that holds a digit or "www". Every other word is plain for
        every check. ``None`` until screened."""

    @property
    def folded(self) -> bytes:
        """Lower-case ASCII bytes (see ``moderation.folding``), folded on first use."""
        folded = self._folded
        if folded is None:
            folded = self._folded = fold(self.original)
        return folded

    @property
    def separated(self) -> bytes:
        """``folded`` with every byte that is not a letter or digit made a space.

        Same length as ``folded``: separators keep their width.
        """
        separated = self._separated
        if separated is None:
            separated = self._separated = self.folded.translate(_WORDS)
        return separated

    @property
    def padded(self) -> bytes:
        """``separated`` with a space before and after: every word has a space each side.

        What the content filter's screen reads: " word " is found in it exactly
        where ``word`` is a whole word, " stem" where a word starts with ``stem``.
        One translation of the folded text, no word objects.
        """
        padded = self._padded
        if padded is None:
            padded = self._padded = (b" " + self.folded + b" ").translate(_WORDS)
        return padded

    @property
    def words(self) -> list[bytes]:
        """Runs of letters and digits, in order."""
        if self._words is None:
            self._words = self.padded.split()
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
        if self._has_spaced is None:
            shape = self.padded.translate(_WORD_SHAPE)
            self._has_spaced = _SPACED_SIGN.search(shape) is not None
        return self._has_spaced

    def rule_out_spaced_letters(self) -> None:
        """Record that ``has_spaced_letters`` is false, without its two C passes.

        For the content filter's screen, which has a key for every two one-character
        words in a row (" f u ", " f  u "...) and looks for a third after each: three
        in a row hold such a pair, so a text on which no pair was followed by a third
        has none (``moderation.checks.content``).
        """
        self._has_spaced = False

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
        if self._has_symbols is None:
            folded = self.folded
            find = folded.find
            # The leet symbols and masks other than "!", each looked for with
            # ``bytes.find`` (a ``memchr``): cheaper than a translation or a character
            # class, which read every byte one at a time. Unrolled: a generator over
            # the six costs more than the searches themselves.
            if (
                find(b"@") >= 0
                or find(b"$") >= 0
                or find(b"|") >= 0
                or find(b"+") >= 0
                or find(b"*") >= 0
                or find(b"#") >= 0
            ):
                self._has_symbols = _SYMBOL_SIGN.search(folded) is not None
            elif find(b"!") >= 0:
                # Only exclamation marks (common): a search led by a literal is fast.
                self._has_symbols = _BANG_SIGN.search(folded) is not None
            else:
                self._has_symbols = False
        return self._has_symbols

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
                # One search over the whole text, not one per chunk (a long message has
                # about 150): a sign is two non-space bytes, so it lies in one chunk, and
                # every chunk that holds one yields a match. ``folded`` has no whitespace
                # but " " (``fold`` makes every kind a space), so the chunk is what lies
                # between the spaces around the sign: what ``split()`` would give.
                folded = self.folded
                end = -1
                for sign in _SYMBOL_SIGN.finditer(folded):
                    if sign.start() < end:
                        continue  # another sign of the chunk just taken
                    start = folded.rfind(b" ", 0, sign.start()) + 1
                    end = folded.find(b" ", sign.end())
                    if end < 0:
                        end = len(folded)
                    core = folded[start:end].lstrip(_EDGE_START).rstrip(_EDGE_END)
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
