"""Two cheap questions asked before the detectors give the answers of the old ones.

* ``VisibleText`` searched every message for invisible characters; it now
  asks ``str.isprintable`` first (``_may_hide``), which must never say "none"
  for a text that holds one.
* ``detect_personal_data`` returns at once for a screened message with no marked
  word, no "@", no scheme and no bare domain (the general path's answer).
* The personal-data gate looked for each street mark ("str.", "gasse",
  "straat"...) with its own ``bytes.find``; one Aho–Corasick pass now answers
  whether any is there.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from moderation.checks.personal_data import (
    _STREET_MARK_SEARCH,
    _STREET_MARKS,
    detect_personal_data,
)
from moderation.folding import fold
from moderation.personal.visible import _INVISIBLE, VisibleText, _may_hide
from moderation.text import NormalisedText


def test_every_invisible_character_is_seen_alone_and_among_latin1_text() -> None:
    invisible = [chr(code) for code in range(0x110000) if _INVISIBLE.match(chr(code))]
    assert len(invisible) > 100
    for char in invisible:
        assert _may_hide(char), hex(ord(char))
        assert _may_hide(f"Grüße {char}aus"), hex(ord(char))
        assert _may_hide(f"Cześć {char}z"), hex(ord(char))


def test_printable_text_has_nothing_to_remove() -> None:
    for text in ("Hello", "Grüße aus München", "Cześć z Krakowa", "Ciao 🙂"):
        assert not _may_hide(text)
        assert VisibleText(text).text == text
    assert _may_hide("line\nbreak")  # not printable: searched, and nothing removed
    assert VisibleText("line\nbreak").text == "line\nbreak"
    assert VisibleText("06\u200b12 34").text == "0612 34"


_CHARS = st.one_of(
    st.characters(),
    st.sampled_from(["\u034f", "\ufe0f", "\u200b", "\u00ad", "\xa0", "\n", "é", "ł", "a"]),
)


@settings(max_examples=800, deadline=None)
@given(st.lists(_CHARS, max_size=30).map("".join))
def test_visible_text_is_that_of_the_whole_search(text: str) -> None:
    removed = [match.start() for match in _INVISIBLE.finditer(text)]
    visible = VisibleText(text)
    assert visible.text == _INVISIBLE.sub("", text)
    assert visible._removed == removed


_MARK_PIECES = st.one_of(
    st.sampled_from([mark.decode() for mark in _STREET_MARKS]),
    st.sampled_from(["Straße", "str", "Gasse", "weg", "ring", " ", ".", "5", "c", "/"]),
    st.text(alphabet="abdegilnrstuwy ./", max_size=8),
)


@settings(max_examples=800, deadline=None)
@given(st.lists(_MARK_PIECES, max_size=12).map("".join))
def test_one_pass_finds_a_street_mark_when_the_finds_did(text: str) -> None:
    folded = fold(text)
    expected = any(folded.find(mark) >= 0 for mark in _STREET_MARKS)
    assert bool(_STREET_MARK_SEARCH.find_matches_as_indexes(folded)) == expected


_LINKISH = st.one_of(
    st.sampled_from(["@", "/", "://", ".", ".com", ".de", ".It", "www", "lily", " ", "x.y"]),
    st.sampled_from(["https", "example", "mail", "é", "0", "5 ", "rue", "at", "dot"]),
    st.text(alphabet="abc.:/@ ", max_size=6),
)


@settings(max_examples=800, deadline=None)
@given(st.lists(_LINKISH, max_size=16).map("".join))
def test_a_screened_message_without_marked_words_is_decided_as_by_the_general_path(
    text: str,
) -> None:
    # The quick return for an empty mark set against the general path: a set of one
    # word that is no gate word, no number and no "www" reads the same way there.
    quick, general = NormalisedText(text), NormalisedText(text)
    quick.marked_words = frozenset()
    general.marked_words = frozenset({b"qqqq"})
    assert detect_personal_data(quick) == detect_personal_data(general)


def test_the_quick_return_still_sees_a_plain_address_a_scheme_and_a_domain() -> None:
    for text, kind in (
        ("write to lily.b@mail.fr now", "email"),
        ("see https://x.org/a", "link"),
        ("look at example.org", "link"),
    ):
        screened = NormalisedText(text)
        screened.marked_words = frozenset()
        assert [item.kind.value for item in detect_personal_data(screened)] == [kind], text
