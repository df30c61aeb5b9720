"""The content filter's screen never skips a finding.

``ContentMatcher.scan`` first reads a message through one Aho–Corasick pass
(the screen) and skips the word-by-word work when it sees nothing that work
could find. These tests hold it to the reference: for any text built from
listed terms, stems, phrases, anchors, gate words, digits, stretched and
leet words with any separators, ``scan`` equals ``scan_full`` (cold and warm
memo), and the personal-data detector reading the screened text finds what
it finds on an unscreened one.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st

from moderation import LANGUAGES, detect_personal_data, normalise
from moderation.checks.content import (
    _PAIR,
    MAX_KEYED_PHRASE_WORDS,
    ContentCheck,
    ContentMatch,
    ContentMatcher,
    _compiled,
    _phrase_keys,
)
from moderation.personal.vocabulary import GATE_WORDS, TLDS
from moderation.pipeline import CheckContext, Submission
from moderation.policy import RoomPolicy, SenderRole
from moderation.text import WORD_BYTES
from moderation.wordlists import Category, Severity, Term, load_wordlist
from protocol.ids import ParticipantId, RoomId

from .test_screening import CLASSROOM, PERSONAL, SYMBOLS


def _fresh(extra: frozenset[Term] = frozenset()) -> ContentMatcher:
    return _compiled.__wrapped__(frozenset(LANGUAGES), extra)


def _tokens() -> list[str]:
    """Words and phrases of every kind the screen has a key for, and ordinary ones."""
    tokens: list[str] = []
    for language in LANGUAGES:
        wordlist = load_wordlist(language)
        for term in wordlist.terms[::3]:
            text = term.text
            if term.is_prefix:
                tokens += [text[:-1], text[:-1] + "ing", "x" + text[:-1]]
            elif term.is_suffix:
                tokens += [text[1:], "mega" + text[1:], text[1:] + "s"]
            elif term.is_phrase:
                tokens += [text, *text.split()]
            else:
                tokens += [text, text[:-1], text + "s"]
        tokens += list(wordlist.allowed[::4])
    tokens += sorted(GATE_WORDS)[::3] + sorted(TLDS)[::4]
    tokens += [word for sentence in CLASSROOM for word in sentence.split()]
    tokens += PERSONAL + SYMBOLS + ["sh1t", "fuuuuck", "k1ll", "12", "06 12 34 56 78", "10:30"]
    tokens += ["www", "www.example.org", "f u c k", "a", "z", "die", "foto", "mag"]
    tokens += ["Scunthorpe", "class", "cocktail", "assess", "looser", "fffff", "wanna"]
    return tokens


TOKENS = _tokens()
SEPARATORS = [" ", " ", " ", "  ", ", ", ". ", "... ", " - ", "\u200b", "!", "?! ", "\n"]
SEPARATORS += ["     ", "*", "$", "'", "’", "_", "/"]
TEXTS = st.lists(
    st.tuples(st.sampled_from(TOKENS), st.sampled_from(SEPARATORS)), min_size=1, max_size=14
).map(lambda parts: "".join(token + separator for token, separator in parts))
PERSONAL_TOKENS = PERSONAL + sorted(GATE_WORDS) + sorted(TLDS) + CLASSROOM + ["die", "foto"]
PERSONAL_TEXTS = st.lists(
    st.tuples(st.sampled_from(PERSONAL_TOKENS), st.sampled_from(SEPARATORS)),
    min_size=1,
    max_size=8,
).map(lambda parts: "".join(token + separator for token, separator in parts))
"""Texts mostly of what the personal-data detector looks for, few listed words."""
MATCHER = _fresh()
COLD = _fresh()


def _found(matches: tuple[ContentMatch, ...]) -> tuple[Severity | None, set[Term]]:
    """The strongest severity and the terms: what a verdict is made of.

    Terms of the same severity come in the order of a set of the text's words,
    which depends on the memo's state, for ``scan_full`` as for ``scan``.
    """
    return (matches[0].severity if matches else None), {match.term for match in matches}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_the_screened_scan_finds_what_the_full_scan_finds(text: str) -> None:
    expected = _found(MATCHER.scan_full(normalise(text)))
    for memo in (COLD._clean, COLD._hits, COLD._plain_words):
        memo.clear()
    assert _found(COLD.scan(normalise(text))) == expected  # cold memo
    for _ in range(2):  # warm: every word of the text is now in the memo
        assert _found(MATCHER.scan(normalise(text))) == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXTS, PERSONAL_TEXTS))
def test_screened_personal_data_is_what_the_whole_text_shows(text: str) -> None:
    screened = normalise(text)
    MATCHER.scan(screened)  # marks the words, unless a listed one sent it to the full scan
    assert detect_personal_data(screened) == detect_personal_data(normalise(text))


def test_a_phrase_is_found_whatever_its_separators() -> None:
    matcher = _fresh()
    for text in (
        "go die",
        "ok go  die!",
        "go... die",
        "go     ,     die",
        "GO\u200b die",
        "well, kill yourself",
        "kill - - - - - - yourself",
        "niemand mag dich",
        "niemand.... mag ... dich",
    ):
        for _ in range(2):
            found = _found(matcher.scan(normalise(text)))
            assert found == _found(matcher.scan_full(normalise(text))), text
            assert found[1], text


def test_a_phrase_longer_than_the_keyed_ones_is_searched_when_its_anchor_is_seen() -> None:
    words = ["please", "never", "ever", "mention", "the", "zorbalon", "plan"]
    assert len(words) > MAX_KEYED_PHRASE_WORDS
    term = Term(" ".join(words), Severity.HOLD, Category.CUSTOM)
    matcher = _fresh(frozenset({term}))
    for separator in (" ", "  ", " ... ", "\u200b "):
        text = "ok " + separator.join(words) + " thanks"
        assert [match.term for match in matcher.scan(normalise(text))] == [term], text
    assert matcher.scan(normalise("the zorbalon plan is secret")) == ()


def test_a_stem_inside_a_word_or_an_allowed_word_stays_clean() -> None:
    matcher = _fresh()
    for text in ("Scunthorpe class cocktail", "we assess the passage", "shitake", "Ass"):
        for _ in range(2):
            assert _found(matcher.scan(normalise(text))) == _found(
                matcher.scan_full(normalise(text))
            ), text
    assert matcher.scan(normalise("Scunthorpe is in the class")) == ()
    assert matcher.scan(normalise("what a bullshit story")) != ()  # "*shit"
    assert matcher.scan(normalise("fuckers")) != ()  # "fuck*"


def test_phrase_keys_cover_one_to_three_spaces_between_words() -> None:
    keys = _phrase_keys([b"go", b"die"])
    assert keys == [b" go die ", b" go  die ", b" go   die "]
    assert len(_phrase_keys([b"a", b"b", b"c"])) == 9


async def test_the_content_check_follows_each_rooms_word_sets() -> None:
    """The check keeps the last room's matcher; another room's sets get their own."""
    check = ContentCheck()
    message = Submission(RoomId("r"), ParticipantId("p"), SenderRole.PUPIL, "du Arschloch")
    everyone = RoomPolicy()
    english = RoomPolicy(languages=frozenset({"en"}))
    own_word = Term("zorbalon", Severity.BLOCK, Category.CUSTOM)
    custom = RoomPolicy(languages=frozenset({"en"}), extra_terms=frozenset({own_word}))
    for _ in range(2):
        assert await check.check(message, CheckContext(everyone, message.text)) is not None
        assert await check.check(message, CheckContext(english, message.text)) is None
        zorbalon = CheckContext(custom, "a zorbalon")
        assert await check.check(message, zorbalon) is not None
        assert await check.check(message, CheckContext(english, "a zorbalon")) is None


def test_a_teachers_terms_get_their_own_small_screen_beside_the_shared_one() -> None:
    own = frozenset(
        {
            Term("zorb*", Severity.BLOCK),
            Term("*quux", Severity.HOLD),
            Term("blue whale", Severity.HOLD),
            Term("plonk", Severity.HOLD),
        }
    )
    matcher = _compiled(frozenset(LANGUAGES), own)
    assert matcher.screens[0] is _compiled(frozenset(LANGUAGES), frozenset()).screens[0]
    assert len(matcher.screens) == 2
    for text in ("zorbing", "megaquux", "the blue... whale", "plonk!", "a PLONK", "idiot zorb"):
        found = _found(matcher.scan(normalise(text)))
        assert found == _found(matcher.scan_full(normalise(text))), text
        assert found[1] & own, text
    for text in ("azorb", "quuxes", "blue sky whale", "plonks", CLASSROOM[0]):
        assert not (_found(matcher.scan(normalise(text)))[1] & own), text


def test_a_message_with_numbers_stays_on_the_screen_and_marks_them() -> None:
    """Numbers need no word path; a word mixing digits and letters does (leetspeak)."""
    matcher = _fresh()
    screened = normalise("call me on 06 12 34 56 78 at 10:30, www.example.org")
    assert matcher._screened(screened) == {b"06", b"12", b"34", b"56", b"78", b"10", b"30",
                                           b"www", b"at"}  # fmt: skip
    assert matcher._screened(normalise("you are sh1t")) is None
    assert matcher._screened(normalise("room 12b")) is None
    assert matcher.scan(normalise("you are sh1t 12")) != ()


def test_a_listed_word_beside_leetspeak_wide_phrases_or_long_ones_finds_them_all() -> None:
    """A blocked or held message is read off the screen's hits unless they may not say it all."""
    words = ["please", "never", "ever", "mention", "the", "zorbalon", "plan"]
    long_phrase = Term(" ".join(words), Severity.HOLD, Category.CUSTOM)
    matcher = _fresh(frozenset({long_phrase}))
    for text, hidden in (
        ("du Arschloch, sh1t", "shit"),  # a leet word: canonical_joined reads it
        ("du Arschloch, k1ll yourself", "kill yourself"),  # a leet word in a phrase
        ("du Arschloch, kill  ...   yourself", "kill yourself"),  # a wide separator
        ("du Arschloch, " + " ".join(words), long_phrase.text),  # a phrase too long to key
    ):
        for _ in range(2):
            severity, terms = _found(matcher.scan(normalise(text)))
            assert (severity, terms) == _found(matcher.scan_full(normalise(text))), text
            assert len(terms) >= 2, text
            assert hidden in {term.text.strip("*") for term in terms}, text


def test_a_listed_word_beside_personal_data_leaves_its_gate_words_marked() -> None:
    matcher = _fresh()
    for text in (
        "du Arschloch, lily at gmail dot com",
        "idiot, add me on snap",
        "idiot, mein Insta ist lily_b",
    ):
        screened = normalise(text)
        assert matcher.scan(screened) != ()
        assert screened.marked_words, text  # read off the hits: only the gate words
        found = detect_personal_data(screened)
        assert found, text
        assert found == detect_personal_data(normalise(text)), text


_SPACED_SIGN_OLD = re.compile(rb" a  {0,2}a  {0,2}a ")
_WORD_SHAPE_OLD = bytes(ord("a") if byte in WORD_BYTES else ord(" ") for byte in range(256))


def _has_spaced_letters_old(text: str) -> bool:
    """The reference: three one-character words in a row, searched on the word shape."""
    shape = normalise(text).padded.translate(_WORD_SHAPE_OLD)
    return _SPACED_SIGN_OLD.search(shape) is not None


_LETTER_PARTS = st.sampled_from(
    ["f", "u", "c", "k", "a", "y", "1", "2", "é", "ł", "ф", "Ｆ", "ab", "il", "cd", "\u200b",
     " ", " ", "  ", "   ", "    ", ".", "-", "_", "’", ", ", "\n", "!", "$", "*", "ß"]
)  # fmt: skip
SPACED_TEXTS = st.lists(_LETTER_PARTS, max_size=24).map("".join)
"""Texts dense in one-character words and separators of every width."""


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(SPACED_TEXTS, TEXTS))
def test_the_screen_rules_out_spaced_letters_only_where_there_are_none(text: str) -> None:
    """A text the screen clears of two one-character words in a row has no spelled-out
    word; every other answer is the whole search's."""
    screened = normalise(text)
    MATCHER.scan(screened)
    assert screened.has_spaced_letters == _has_spaced_letters_old(text)


def test_pair_keys_cover_every_one_character_word_and_gap() -> None:
    screen = MATCHER.screens[0]
    for text in ("f u c k", "f.u.c.k", "f - u - c - k", "1 2 3", "x\u200b y z", "é ł ф"):
        hits = screen.automaton.find_matches_as_indexes(normalise(text).padded, overlapping=True)
        assert any(screen.flags[index] & _PAIR for index, _, _ in hits), text
        screened = normalise(text)
        MATCHER.scan(screened)
        assert screened.has_spaced_letters, text
    for text in ("é a o", "x y   z", "il y a b"):
        screened = normalise(text)
        MATCHER.scan(screened)
        assert screened.has_spaced_letters, text
    for text in ("il y a une classe", "Qual é a tua comida?", "f    u    c    k", "ab cd ef"):
        screened = normalise(text)
        MATCHER.scan(screened)
        assert screened._has_spaced is False, text  # ruled out by the screen, not searched
        assert not _has_spaced_letters_old(text), text
