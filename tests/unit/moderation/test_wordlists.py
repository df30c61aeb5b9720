"""The word list format: parsed strictly, so a typo never silently disables an entry."""

from __future__ import annotations

import datetime as dt

import pytest

from moderation import Category, Severity, Term
from moderation.wordlists import parse_wordlist

HEADER = "# source: own compilation\n# reviewed: 2026-11-29 (next 2027-05-29)\n"


def test_parse_terms_and_allowed_words() -> None:
    wordlist = parse_wordlist(
        HEADER + "fuck* | block | profanity\nkill yourself | hold | self_harm\n[allow]\nfuckel\n",
        "en",
    )
    assert wordlist.reviewed == dt.date(2026, 11, 29)
    assert wordlist.source == "own compilation"
    assert wordlist.terms[0] == Term("fuck*", Severity.BLOCK, Category.PROFANITY, "en")
    assert wordlist.terms[0].is_prefix
    assert wordlist.terms[1].is_phrase
    assert wordlist.allowed == ("fuckel",)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("fuck | block\n", "line 3"),
        ("fuck | never | profanity\n", "line 3"),
        ("fuck | block | rude\n", "line 3"),
        ("*fuck* | block | profanity\n", "line 3"),
        ("kill your* | hold | self_harm\n", "line 3"),
        ("[allow]\ntwo words\n", "line 4"),
    ],
)
def test_malformed_lines_name_their_line(body: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_wordlist(HEADER + body, "en")


def test_header_is_required() -> None:
    with pytest.raises(ValueError, match="header"):
        parse_wordlist("fuck | block | profanity\n", "en")


@pytest.mark.parametrize("text", ["", "a" * 81, "two  spaces", "*", "sp*ace"])
def test_invalid_terms_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Term(text)


def test_unknown_language_has_no_list() -> None:
    from moderation import load_wordlist

    with pytest.raises(ValueError, match="no word list"):
        load_wordlist("xx")
