"""Ways pupils disguise a word, as functions from a plain word to a disguised one."""

from __future__ import annotations

from collections.abc import Callable

_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})
_CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у"})
_ACCENTS = str.maketrans({"a": "á", "e": "ë", "i": "ï", "o": "ô", "u": "ü", "c": "ç", "n": "ñ"})


def upper(word: str) -> str:
    return word.upper()


def accents(word: str) -> str:
    return word.translate(_ACCENTS)


def leet(word: str) -> str:
    return word.translate(_LEET)


def stretched(word: str) -> str:
    """The first vowel written five times ("fuuuuuck")."""
    for index, char in enumerate(word):
        if char in "aeiou":
            return word[:index] + char * 5 + word[index + 1 :]
    return word[0] * 4 + word


def dotted(word: str) -> str:
    return ".".join(word)


def spaced(word: str) -> str:
    return " ".join(word)


def dashed(word: str) -> str:
    return "-".join(word)


def underscored(word: str) -> str:
    return "_".join(word)


def cyrillic(word: str) -> str:
    return word.translate(_CYRILLIC)


def zero_width(word: str) -> str:
    return "\u200b".join(word)


def bidi(word: str) -> str:
    return "\u202d" + "\u2066".join(word) + "\u202c"


def fullwidth(word: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in word)


def soft_hyphens(word: str) -> str:
    return "\u00ad".join(word)


def leet_stretched_zero_width(word: str) -> str:
    return zero_width(stretched(leet(word)))


def cyrillic_dotted_upper(word: str) -> str:
    return dotted(cyrillic(word)).upper()


def accents_spaced_fullwidth(word: str) -> str:
    return fullwidth(spaced(accents(word)))


TECHNIQUES: dict[str, Callable[[str], str]] = {
    "upper": upper,
    "accents": accents,
    "leet": leet,
    "stretched": stretched,
    "dotted": dotted,
    "spaced": spaced,
    "dashed": dashed,
    "underscored": underscored,
    "cyrillic": cyrillic,
    "zero_width": zero_width,
    "bidi": bidi,
    "fullwidth": fullwidth,
    "soft_hyphens": soft_hyphens,
    "leet+stretched+zero_width": leet_stretched_zero_width,
    "cyrillic+dotted+upper": cyrillic_dotted_upper,
    "accents+spaced+fullwidth": accents_spaced_fullwidth,
}
