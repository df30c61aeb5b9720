"""Character folding: any Unicode text to lower-case ASCII bytes, in one C pass.

Every moderation check compares what a pupil *shows* with word lists, so the
same visible word must give the same bytes however it was typed. Folding one
character at a time does, in this order:

1. **Invisible characters are dropped**: format characters (zero-width space
   and joiners, bidi controls, soft hyphen, word joiner, BOM, tag
   characters), combining marks and variation selectors, surrogates, private
   use and unassigned code points. "fu\\u200bck" and "f\\u202eu\\u202cck" read as
   "fuck" on screen, so they must fold to it.
2. **Compatibility forms** (NFKC): fullwidth "ｆ", mathematical "𝐟", circled
   "ⓕ", ligatures "ﬁ", superscripts: all become their plain letters.
3. **Case folding** (``str.casefold``): "ß" becomes "ss", "Σ" becomes "σ".
4. **Diacritics** (NFKD, marks removed): "é" to "e", "ą" to "a", "ö" to "o".
   Letters with no decomposition are transliterated with ``anyascii`` when
   they are Latin ("ł" to "l", "ø" to "o", "đ" to "d", "æ" to "ae").
5. **Confusables** (Unicode's confusables data, via
   ``confusable-homoglyphs``): letters of other scripts that look like a
   Latin letter or digit become it (Cyrillic "а", "е", "о", "р", "с", Greek
   "ο", Cherokee and Armenian look-alikes).
6. What is left: other letters become ``OTHER_LETTER`` (a byte that belongs
   to words but never matches a list entry), other digits their value,
   punctuation its ASCII form ("’" to "'", "–" to "-"), symbols and emoji a
   space, every kind of space a space.

The result is ``bytes`` rather than ``str`` because bytes have C-speed
``translate`` and ``split`` with no per-character Python work. Three ways in,
by what the text holds (``fold_charmap`` is the reference; the others give
the same bytes, which the tests check over every code point):

* ASCII: encoded as is, then one 256-byte table;
* only Latin-1 (German, Spanish, Italian, Portuguese, Dutch; French without
  typographic apostrophes): encoded as Latin-1, a ``memcpy``, then one
  256-byte table derived from the charmap's;
* anything else (Polish letters, "’", other scripts): about 120 common
  accented letters and punctuation marks are encoded through a ``codecs``
  charmap and folded by one 256-byte table; only rarer characters reach a
  Python error handler, once per run, whose answers are cached per code
  point. French text whose only wide character is "’" is first given "'"
  (its fold) and takes the Latin-1 way.

Not for display: folding loses case and accents. Leetspeak, repeated letters
and separators are word-level questions, answered in ``moderation.text``.
"""

from __future__ import annotations

import codecs
import functools
import sys
import unicodedata
from typing import Any

from anyascii import anyascii

OTHER_LETTER = b"\x01"
"""A letter of a script that has no Latin look-alike: part of a word, never of a match."""
_EXPANSIONS = {b"\x02": b"ss", b"\x03": b"ae", b"\x04": b"oe", b"\x05": b"th"}
"""Reserved bytes for the common letters that fold to two letters."""
_EXPANSION_OF = {value.decode(): key for key, value in _EXPANSIONS.items()}
_NOT_RESERVED = bytes(byte for byte in range(256) if bytes([byte]) not in _EXPANSIONS)
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Mc"})
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u17b4\u17b5\u2800")
"""Fillers and blanks that render as nothing but are not format characters."""
_INVERTED_MARKS = frozenset("¡¿")
"""Spanish opening marks: a space, or every "¡Hola!" would look like leetspeak."""
_MAX_CACHED_CODE_POINTS = 65_536
"""Bound on the per-code-point cache, so that a flood of rare characters cannot grow it."""
_ERROR_HANDLER = "jumelage.moderation.fold"

# The characters folded in C: Latin-1 (all of French, German, Spanish, Italian,
# Portuguese and Dutch), Polish letters, and the typographic punctuation that
# phones insert. Everything else goes through the error handler.
_SLOT_CHARS = (
    "".join(chr(cp) for cp in range(0xA0, 0x100))
    + "ąćęłńśźżĄĆĘŁŃŚŹŻœŒ"
    + "\u2018\u2019\u201c\u201d\u201e\u2013\u2014\u2026\u20ac"
)


@functools.cache
def _confusable_targets() -> dict[str, str]:
    """Map every character that looks like a Latin letter or digit to it.

    Built once from the Unicode confusables data that ``confusable-homoglyphs``
    ships. Letters are preferred to digits ("О" is "o", not "0").
    """
    from confusable_homoglyphs.confusables import (  # type: ignore[import-untyped]
        confusables_data,
    )

    targets: dict[str, str] = {}
    for target in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
        for glyph in confusables_data.get(target, ()):
            char = glyph["c"]
            if len(char) == 1 and not char.isascii():
                targets.setdefault(char, target.lower())
    return targets


def _fold_simple(char: str) -> str:
    """Fold one character that NFKC, case folding and NFKD leave as a single unit."""
    if char.isascii():
        return char
    confusable = _confusable_targets().get(char)
    if confusable is not None:
        return confusable
    category = unicodedata.category(char)
    if category in _INVISIBLE_CATEGORIES or char in _INVISIBLE_LETTERS:
        return ""
    if category[0] == "L":
        if unicodedata.name(char, "").startswith("LATIN"):
            latin = anyascii(char).lower()
            if latin.isascii() and latin.isalpha():
                return latin
        return OTHER_LETTER.decode()
    if category[0] == "N":
        digit = unicodedata.digit(char, None)
        return str(digit) if digit is not None else " "
    if category[0] == "P":
        if char in _INVERTED_MARKS:
            return " "
        punct = anyascii(char)
        if punct and punct.isascii() and not any(c.isalnum() for c in punct):
            return punct
    # Spaces, symbols, emoji, and punctuation with no ASCII form.
    return " "


def fold_char(char: str) -> str:
    """Fold one character to lower-case ASCII (possibly empty or longer).

    The result holds only ``a-z``, ``0-9``, ASCII punctuation, spaces and
    ``OTHER_LETTER``.
    """
    if char.isascii():
        return char.lower() if char.isprintable() or char in "\t\n\r" else ""
    # Look-alikes first: case folding would turn Greek "Β" into "β", which looks like nothing.
    confusable = _confusable_targets().get(char)
    if confusable is not None:
        return confusable
    category = unicodedata.category(char)
    if category in _INVISIBLE_CATEGORIES or char in _INVISIBLE_LETTERS:
        return ""
    if category[0] == "Z":
        return " "
    compatible = unicodedata.normalize("NFKC", char).casefold()
    decomposed = unicodedata.normalize("NFKD", compatible)
    return "".join(_fold_simple(part) for part in decomposed)


_FOLD_CACHE: dict[str, str] = {}


def _cached_fold(char: str) -> str:
    folded = _FOLD_CACHE.get(char)
    if folded is None:
        folded = fold_char(char)
        if len(_FOLD_CACHE) < _MAX_CACHED_CODE_POINTS:
            _FOLD_CACHE[char] = folded
    return folded


def _fold_run(error: UnicodeError) -> tuple[str, int]:
    """The codec error handler: fold a run of characters the charmap lacks."""
    if not isinstance(error, UnicodeEncodeError):  # pragma: no cover - encode only
        raise error
    run = error.object[error.start : error.end]
    return "".join(map(_cached_fold, run)), error.end


def _build_tables() -> tuple[Any, bytes, bytes]:
    """The charmap (char to byte), the 256-byte folding table and the bytes to delete."""
    if len(_SLOT_CHARS) > 128:  # pragma: no cover - guarded at import
        raise AssertionError("too many charmap slots")
    decoding = "".join(chr(i) for i in range(128)) + _SLOT_CHARS
    decoding += "\ufffe" * (256 - len(decoding))
    charmap = codecs.charmap_build(decoding)
    table = bytearray(range(256))
    delete = bytearray()
    for byte in range(128):
        char = chr(byte)
        if "A" <= char <= "Z":
            table[byte] = ord(char.lower())
        elif char in "\t\n\r\x0b\x0c":
            table[byte] = ord(" ")
        elif (byte < 0x20 and byte != OTHER_LETTER[0]) or byte == 0x7F:
            delete.append(byte)
    for index, char in enumerate(_SLOT_CHARS):
        byte = 128 + index
        folded = fold_char(char)
        if folded == "":
            delete.append(byte)
        elif len(folded) == 1:
            table[byte] = ord(folded)
        elif folded in _EXPANSION_OF:
            table[byte] = _EXPANSION_OF[folded][0]
        else:
            # A slot that folds to something longer that we did not reserve a
            # byte for: treat it as a separator (only punctuation such as "…").
            table[byte] = ord(folded[0]) if not folded[0].isalnum() else ord(" ")
    return charmap, bytes(table), bytes(delete)


def _register_handler() -> None:
    try:
        codecs.lookup_error(_ERROR_HANDLER)
    except LookupError:
        codecs.register_error(_ERROR_HANDLER, _fold_run)


_register_handler()
_CHARMAP, _TABLE, _DELETE = _build_tables()


def _latin1_tables() -> tuple[bytes, bytes]:
    """The charmap's folding table and deletions, indexed by Latin-1 byte instead.

    U+0000 to U+007F keep their bytes; U+00A0 to U+00FF are the charmap's first
    96 slots; U+0080 to U+009F (C1 controls) are not in the charmap, and fold
    to nothing.
    """
    if _SLOT_CHARS[:96] != "".join(chr(cp) for cp in range(0xA0, 0x100)):  # pragma: no cover
        raise AssertionError("the charmap's first slots must be U+00A0 to U+00FF")
    deleted = frozenset(_DELETE)
    table = bytearray(range(256))
    delete = bytearray(byte for byte in range(0x80) if byte in deleted)
    delete += bytes(range(0x80, 0xA0))
    for byte in range(0x80):
        table[byte] = _TABLE[byte]
    for byte in range(0xA0, 0x100):
        slot = byte - 0xA0 + 128
        table[byte] = _TABLE[slot]
        if slot in deleted:
            delete.append(byte)
    return bytes(table), bytes(delete)


_LATIN1_TABLE, _LATIN1_DELETE = _latin1_tables()
_STR_HEADER = sys.getsizeof("\u00e9") - 2
"""Size of a compact non-ASCII ``str`` before its characters (CPython)."""
_APOSTROPHE = "\u2019"
"""The one wide character common in French text; it folds to "'"."""


def is_latin1(text: str) -> bool:
    """Whether every character of a non-ASCII ``text`` is below U+0100, in O(1).

    CPython stores such a string with one byte per character; its size says
    so. Only a hint: the Latin-1 encoder still checks every character.
    """
    return sys.getsizeof(text) - _STR_HEADER <= len(text) + 1


def fold(text: str) -> bytes:
    """Fold ``text`` to lower-case ASCII bytes; never raises.

    Lone surrogates, controls and invisible characters are dropped. Word
    boundaries stay where they were: a space, punctuation or symbol stays a
    non-letter byte.
    """
    if text.isascii():
        return text.encode("ascii").translate(_TABLE, _DELETE)
    if not is_latin1(text):
        if _APOSTROPHE not in text:
            return fold_charmap(text)
        text = text.replace(_APOSTROPHE, "'")
        if not is_latin1(text):
            return fold_charmap(text)
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:  # pragma: no cover - is_latin1 was wrong
        return fold_charmap(text)
    folded = raw.translate(_LATIN1_TABLE, _LATIN1_DELETE)
    for reserved, expansion in _EXPANSIONS.items():
        # ``find``, not ``in``: ``bytes in bytes`` first tries the operand as an
        # integer and formats the error it then discards.
        if folded.find(reserved) >= 0:
            folded = folded.replace(reserved, expansion)
    return folded


def fold_charmap(text: str) -> bytes:
    """``fold`` through the charmap, for any text: the reference the fast ways match."""
    if text.isascii():
        raw = text.encode("ascii")
    else:
        raw = codecs.charmap_encode(text, _ERROR_HANDLER, _CHARMAP)[0]
    folded = raw.translate(_TABLE, _DELETE)
    # ASCII input cannot produce the reserved bytes (its controls are deleted); one
    # C pass tells whether a non-ASCII text did.
    if not text.isascii() and folded.translate(None, _NOT_RESERVED):
        for reserved, expansion in _EXPANSIONS.items():
            folded = folded.replace(reserved, expansion)
    return folded
