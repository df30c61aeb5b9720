"""The fast ways give the same answers as the reference ways.

Speed work left three pairs that must agree: ``fold`` (ASCII, Latin-1 and
charmap ways in) and ``fold_charmap``; ``ContentMatcher.scan`` (the memo of
plain words, which skips work) and ``scan_full``; the personal-data detector
reading only the words the content filter marked, and reading every word.
A memo only helps once it is warm, so each text is scanned twice.
"""

from __future__ import annotations

import pytest

from moderation import LANGUAGES, detect_personal_data, normalise
from moderation.checks.content import ContentMatcher, _compiled
from moderation.folding import fold, fold_charmap

from .evasion import TECHNIQUES
from .test_content import BLOCKED, INNOCENT

PERSONAL = [
    "write to lily.b@mail.fr please",
    "lily at gmail dot com",
    "jan małpa wp kropka pl",
    "call me on 06 12 34 56 78 tonight",
    "mein Handy: 0176 12345678",
    "+34 600 123 456",
    "I live at 12 rue de la Paix",
    "Hauptstraße 5 in Berlin",
    "mein Insta ist lily_2010",
    "add me on snap",
    "look at www.example.org",
    "play on www.kidsgame",
    "read fr.wikipedia.org/wiki/Lyon",
    "see https://example.org/x",
    "example dot com",
    "06\u200b12 34 56 78",
    "we meet at 10:30",
    "the date is 12/05/2026",
    "I like it.It was fun",
    "room 204, page 42",
    "my snap is broken",
]
SYMBOLS = [
    "$h!t",
    "@sshole",
    "f*ck",
    "sh*t",
    "b!tch",
    "a$$hole",
    "pu+ain",
    "c0nn@rd",
    "$alope",
    "!diot",
]
"""Leet symbols and masks: the letters left alone are often plain words ("hit", "ss")."""
CLASSROOM = [
    "Hello from our class in Leeds! What is your favourite food?",
    "Bonjour de notre classe de Lyon ! J’aime le football et le dessin.",
    "Hallo aus unserer Klasse in München! Unsere Lehrerin lässt euch grüßen.",
    "¡Hola desde nuestra clase de Sevilla! Me gusta el fútbol y dibujar.",
    "Cześć z naszej klasy w Krakowie! Mój brat gra na skrzypcach.",
]


def _every_code_point_in_chunks(first: int, last: int, size: int) -> list[str]:
    return [
        "a" + "a".join(chr(cp) for cp in range(start, min(start + size, last + 1))) + "a"
        for start in range(first, last + 1, size)
    ]


@pytest.mark.parametrize(
    "text",
    [
        *_every_code_point_in_chunks(0, 0xFFFF, 2048),
        *_every_code_point_in_chunks(0x1D400, 0x1D7FF, 1024),  # mathematical letters
        *_every_code_point_in_chunks(0xE0000, 0xE007F, 128),  # tag characters
    ],
)
def test_fold_of_every_code_point_is_the_charmap_fold(text: str) -> None:
    folded = fold(text)
    assert folded == fold_charmap(text)
    # ``NormalisedText.symbol_chunks`` relies on it: the only whitespace is " ".
    assert not frozenset(folded) & frozenset(b"\t\n\r\x0b\x0c")


@pytest.mark.parametrize("code_point", range(256))
def test_fold_of_latin1_and_apostrophe_texts_is_the_charmap_fold(code_point: int) -> None:
    char = chr(code_point)
    for text in (f"x{char}y", f"{char}{char} Straße", f"l’é{char}"):
        assert fold(text) == fold_charmap(text), repr(text)


def _disguised() -> list[str]:
    return [
        technique(fold(word).decode())
        for words in BLOCKED.values()
        for word in words
        for technique in TECHNIQUES.values()
    ] + SYMBOLS


@pytest.fixture
def warm_matcher() -> ContentMatcher:
    """A fresh matcher whose memo has seen ordinary classroom text."""
    matcher = _compiled.__wrapped__(frozenset(LANGUAGES), frozenset())
    for text in CLASSROOM * 2 + ["hit ss ck h t tch hole ain nn rd alope diot"] * 2:
        matcher.scan(normalise(text))
    return matcher


def test_quick_scan_finds_what_the_full_scan_finds(warm_matcher: ContentMatcher) -> None:
    texts = [
        *(f"hey {word} !!" for word in _disguised()),
        *(f"{CLASSROOM[1]} {word}" for word in _disguised()),
        *(" ".join(words) for words in INNOCENT.values()),
        *INNOCENT["fr"],
        "k1ll yourself",
        "go and KILL   YOURSELF",
        "k y s",
        "nie mów rodzicom",
        *CLASSROOM,
    ]
    for _ in range(2):  # the second time, every word is in the memo
        for text in texts:
            assert warm_matcher.scan(normalise(text)) == warm_matcher.scan_full(normalise(text)), (
                text
            )


def test_a_disguised_word_is_blocked_every_time(warm_matcher: ContentMatcher) -> None:
    for word in _disguised():
        for _ in range(3):
            assert warm_matcher.scan(normalise(f"{CLASSROOM[0]} {word}")), word


def test_screened_personal_data_is_what_an_unscreened_text_shows(
    warm_matcher: ContentMatcher,
) -> None:
    for _ in range(2):
        for text in PERSONAL + [f"{CLASSROOM[1]} {text}" for text in PERSONAL]:
            screened = normalise(text)
            warm_matcher.scan(screened)
            assert screened.marked_words is not None
            assert detect_personal_data(screened) == detect_personal_data(normalise(text)), text
