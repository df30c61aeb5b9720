"""Free text in events: what is kept, what is removed, what is refused."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, strategies as st
from pydantic import ValidationError

from protocol.events.chat import SendChat
from protocol.events.polls import CreatePoll
from protocol.events.text import MAX_CHAT_LEN, clean_text

PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  bonjour  ", "bonjour"),
        ("line one\nline two", "line one\nline two"),
        ("tab\there", "tab\there"),
        ("e\u0301cole", "\u00e9cole"),  # NFC
        ("abc\u202eevil", "abcevil"),  # right-to-left override removed
        ("x\u2066y\u2069z", "xyz"),  # isolates removed
        ("zero\u200bwidth", "zerowidth"),
        ("bom\ufeff", "bom"),
        ("\u05e9\u05dc\u05d5\u05dd \u200fok", "\u05e9\u05dc\u05d5\u05dd \u200fok"),  # RLM kept
        ("\U0001f469\u200d\U0001f4bb", "\U0001f469\u200d\U0001f4bb"),  # ZWJ emoji kept
        (PERSIAN, PERSIAN),  # ZWNJ kept
    ],
)
def test_clean_text_keeps_writing_and_removes_deception(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "\u202e", "\u200b\u200b", "bell\x07", "nul\x00", "esc\x1b[31m", "\ud800", "\x85"],
)
def test_clean_text_refuses_empty_controls_and_lone_surrogates(raw: str) -> None:
    with pytest.raises(ValueError):
        clean_text(raw)


def test_chat_text_is_bounded_after_cleaning() -> None:
    assert SendChat.model_validate({"text": "a" * MAX_CHAT_LEN}).text == "a" * MAX_CHAT_LEN
    with pytest.raises(ValidationError) as caught:
        SendChat.model_validate({"text": "a" * (MAX_CHAT_LEN + 1)})
    assert caught.value.errors()[0]["loc"] == ("text",)


def test_a_huge_string_is_refused_before_it_is_cleaned() -> None:
    with pytest.raises(ValidationError) as caught:
        SendChat.model_validate({"text": "a" * 1_000_000})
    assert caught.value.errors()[0]["type"] == "string_too_long"


def test_poll_options_are_cleaned_one_by_one() -> None:
    poll = CreatePoll.model_validate({"question": " Q? ", "options": [" yes", "no\u202e"]})
    assert poll.question == "Q?"
    assert poll.options == ["yes", "no"]
    with pytest.raises(ValidationError):
        CreatePoll.model_validate({"question": "Q", "options": ["yes", "\u200b"]})


def _clean_by_the_rules(value: str) -> str:
    """The rules of ``protocol.events.text`` applied one by one, without shortcut."""
    if re.search("[\ud800-\udfff]", value):
        raise ValueError("surrogate")
    text = re.sub(
        "[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]", "", unicodedata.normalize("NFC", value)
    )
    if re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text) or not text.strip():
        raise ValueError("refused")
    return text.strip()


@given(
    st.one_of(
        st.text(alphabet=st.characters(max_codepoint=0x7F)),
        st.text(alphabet=st.characters(codec=None)),
        st.text(alphabet="ae\u0301 \t\n\x00\x1f\x7f\x85\u202e\u200b\ufeff\ud800"),
    )
)
def test_clean_text_ascii_shortcut_follows_the_rules(value: str) -> None:
    try:
        expected: str | None = _clean_by_the_rules(value)
    except ValueError:
        expected = None
    try:
        cleaned: str | None = clean_text(value)
    except ValueError:
        cleaned = None
    assert cleaned == expected
