"""Normalisation: what every check reads, table by table."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from moderation import normalise
from moderation.folding import OTHER_LETTER, fold, fold_char
from moderation.text import (
    _EDGE_END,
    _EDGE_START,
    _SYMBOL_SIGN,
    collapse_repeats,
    has_repeats,
    leet_variants,
    shrink_repeats,
    squeeze_repeats,
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Hello World", b"hello world"),
        ("Ｆｕｌｌｗｉｄｔｈ", b"fullwidth"),  # NFKC
        ("𝐛𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐", b"bold italic"),  # mathematical alphanumerics
        ("ⓒⓘⓡⓒⓛⓔ", b"circle"),
        ("ﬁne ﬂow", b"fine flow"),  # ligatures
        ("Straße", b"strasse"),  # case folding
        ("ÉCOLE élève", b"ecole eleve"),  # diacritics
        ("Łódź żółć", b"lodz zolc"),
        ("København Øre", b"kobenhavn ore"),
        ("cœur Æsir", b"coeur aesir"),
        ("zero\u200bwidth\u200c\u200d\u2060\ufeff", b"zerowidth"),
        ("bi\u202edi\u202c\u2066x\u2069", b"bidix"),
        ("soft\u00adhyphen", b"softhyphen"),
        ("e\u0301te\u0301", b"ete"),  # decomposed accents
        ("сunt раyрal", b"cunt paypal"),  # Cyrillic look-alikes
        ("ΒΟΟΚ", b"book"),  # Greek capitals
        ("c’était l’école", b"c'etait l'ecole"),
        ("non\u00a0breaking", b"non breaking"),
        ("tab\tline\nbreak", b"tab line break"),
        ("emoji 😀 ok", b"emoji   ok"),
        ("¡Hola! ¿Qué?", b" hola!  que?"),
        ("lone \ud800 surrogate", b"lone  surrogate"),
        ("nul\x00bell\x07", b"nulbell"),
    ],
)
def test_fold(text: str, folded: bytes) -> None:
    assert fold(text) == folded


def test_other_scripts_stay_letters_that_match_nothing() -> None:
    folded = fold("日本語 Ελλάδα")
    assert folded.count(OTHER_LETTER) >= 3
    assert folded.isascii()


def test_fold_char_of_every_common_latin_letter_is_ascii() -> None:
    for code in range(0xC0, 0x250):
        assert fold_char(chr(code)).isascii()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Scunthorpe is a town", [b"scunthorpe", b"is", b"a", b"town"]),
        ("f.u.c.k", [b"f", b"u", b"c", b"k"]),
        ("well-known e-mail", [b"well", b"known", b"e", b"mail"]),
        ("10:30, page 42", [b"10", b"30", b"page", b"42"]),
    ],
)
def test_words_keep_boundaries(text: str, words: list[bytes]) -> None:
    assert normalise(text).words == words


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("f u c k you", [b"fuc", b"fuck", b"uck"]),
        ("F.U.C.K", [b"fuc", b"fuck", b"uck"]),
        ("f-u-c-k", [b"fuc", b"fuck", b"uck"]),
        ("f_u_c_k", [b"fuc", b"fuck", b"uck"]),
        ("x s h i t", [b"xsh", b"xshi", b"xshit", b"shi", b"shit", b"hit"]),
        ("1 2 3 4", []),
    ],
)
def test_spaced_letters_are_joined(text: str, runs: list[bytes]) -> None:
    normalised = normalise(text)
    assert normalised.has_spaced_letters
    assert normalised.spaced_runs() == runs


@pytest.mark.parametrize("text", ["il y a un chat", "a b", "I am ok", "page 42"])
def test_ordinary_text_has_no_spaced_letters(text: str) -> None:
    assert not normalise(text).has_spaced_letters


@pytest.mark.parametrize(
    ("text", "chunks"),
    [
        ("you $h!t!", [b"$h!t"]),
        ("@ss", [b"@ss"]),
        ("f*ck", [b"f*ck"]),
        ("!diot", [b"!diot"]),
        ("hello! world", []),
        ("price: $5", []),
    ],
)
def test_symbol_chunks(text: str, chunks: list[bytes]) -> None:
    assert normalise(text).symbol_chunks() == chunks


@pytest.mark.parametrize(
    ("chunk", "variants"),
    [
        (b"sh1t", (b"shit", b"shlt")),
        (b"$h!t", (b"shit", b"shlt")),
        (b"@ss", (b"ass",)),
        (b"b00b5", (b"boobs",)),
        (b"f*ck", (b"f*ck",)),
        (b"455", ()),
        (b"10", ()),
    ],
)
def test_leet_variants(chunk: bytes, variants: tuple[bytes, ...]) -> None:
    assert leet_variants(chunk) == variants


def test_repeats() -> None:
    assert has_repeats(b"class")
    assert not has_repeats(b"fuck")
    assert squeeze_repeats(b"fuuuuck") == b"fuuck"
    assert squeeze_repeats(b"class") == b"class"
    assert shrink_repeats(b"aaaasshole") == b"asshole"
    assert collapse_repeats(b"fuuck") == b"fuck"


def test_canonical_joined_reads_leet_words_only() -> None:
    assert normalise("k1ll yourself").canonical_joined() == b" kill yourself "
    assert normalise("kill yourself").canonical_joined() == b" kill yourself "


def _symbol_chunks_chunk_by_chunk(text: str) -> list[bytes]:
    """The reference ``symbol_chunks``: one search per whitespace-separated chunk."""
    found: list[bytes] = []
    for chunk in fold(text).split():
        if _SYMBOL_SIGN.search(chunk):
            core = chunk.lstrip(_EDGE_START).rstrip(_EDGE_END)
            if core:
                found.append(core)
    return found


_CHUNK_PARTS = st.sampled_from(
    ["sh", "!", "$", "@", "|", "+", "*", "#", "t", "ss", "1", " ", "  ", "\t", "\n", ".", "(",
     ")", "é", "ł", "\u200b", "’", "ф", "Ｆ", "!!", "a", "-", "_", "\u00a0", "\u2003", "'"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_CHUNK_PARTS, max_size=30).map("".join))
def test_symbol_chunks_found_in_one_search_are_the_chunk_by_chunk_ones(text: str) -> None:
    assert normalise(text).symbol_chunks() == _symbol_chunks_chunk_by_chunk(text)
