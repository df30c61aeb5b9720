"""Cleaning display text, spotting full names, and pupils' generated names."""

from __future__ import annotations

import itertools
import re

import pytest

from community.accounts.names import (
    MAX_DISPLAY_NAME_LEN,
    clean_display_text,
    generate_pseudonym,
    generate_pupil_login,
    looks_like_full_name,
    normalise_login,
    pupil_display_name,
)
from community.auth.passwords import pupil_words
from protocol import ErrorCode, InvalidPayload


def clean(text: str, max_len: int = MAX_DISPLAY_NAME_LEN) -> str:
    return clean_display_text(text, field="display_name", max_len=max_len)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mary B.", "Mary B."),
        ("  Mary   B.  ", "Mary B."),
        # bidirectional overrides and isolates
        ("Mary\u202e.B", "Mary.B"),
        ("\u202dMary\u202c", "Mary"),
        ("\u2066Mary\u2069 \u2067B.\u2069 \u2068x\u2069", "Mary B. x"),
        ("\u200e\u200fMary", "Mary"),
        # zero-width characters and the BOM
        ("Ma\u200bry", "Mary"),
        ("Ma\u200cry", "Mary"),
        ("Ma\u200dry", "Mary"),
        ("Ma\u2060ry", "Mary"),
        ("\ufeffMary", "Mary"),
        # control characters
        ("Mary\x00\x07\x1b[31m", "Mary[31m"),
        ("Mary\x7f\x85", "Mary"),
        # every kind of space folds into one ordinary space
        ("Mary\u00a0\u2003B.", "Mary B."),
        ("Mary\u3000B.", "Mary B."),
        # a tab or a line break separates words; it must not glue them together
        ("Mary\tB.", "Mary B."),
        ("Mary\r\nB.", "Mary B."),
        ("Mary\u2028B.", "Mary B."),
        # NFC: a composed é stays one character
        ("Le\u0301a", "Léa"),
        # letters of every script are kept
        ("Łucja Ż.", "Łucja Ż."),
        ("Νίκος Κ.", "Νίκος Κ."),
    ],
)
def test_clean_display_text(raw: str, expected: str):
    assert clean(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", " ", "\u200b\u200b", "\u202e", "\t\n", "\x00\x01", "\ufeff \u2060"]
)
def test_nothing_visible_is_refused(raw: str):
    with pytest.raises(InvalidPayload) as caught:
        clean(raw)
    assert caught.value.code is ErrorCode.INVALID_PAYLOAD
    assert caught.value.details == {"field": "display_name"}


def test_too_long_is_refused_after_cleaning():
    assert clean("x" * 10 + "\u200b" * 50, max_len=10) == "x" * 10
    assert clean("a  " * 5, max_len=9) == "a a a a a"
    with pytest.raises(InvalidPayload) as caught:
        clean("x" * 11, max_len=10)
    assert caught.value.details == {"field": "display_name"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Mary Brown", True),
        ("Jean-Luc Picard", True),
        ("Mary Ann Brown", True),
        ("Zoë Ødegaard", True),
        ("Mary B.", False),
        ("Mary B", False),
        ("mary brown", False),
        ("Mary brown", False),
        ("Brave Otter", False),
        ("Sunny Panda", False),
        ("Mary", False),
        ("Jean-Luc", True),
        ("M. Brown", False),
        ("", False),
        ("6B Team", False),
        # names glued together, by hand or once an invisible separator is gone
        ("MaryBrown", True),
        ("ZoëØdegaard", True),
        ("Mary BrownSmith", True),
        # one name with an inner capital is one name
        ("DeShawn", False),
        ("McKenzie", False),
        ("LeBron B.", False),
        ("BraveOtter", False),
    ],
)
def test_looks_like_full_name(name: str, expected: bool):
    assert looks_like_full_name(name) is expected


def test_no_generated_pseudonym_looks_like_a_full_name():
    words = pupil_words()
    for adjective, animal in itertools.product(words["adjectives"], words["animals"]):
        assert not looks_like_full_name(f"{adjective.title()} {animal.title()}")


class TestPupilDisplayName:
    def test_none_gives_a_pseudonym(self):
        name = pupil_display_name(None)
        assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", name)

    def test_a_first_name_and_initial_is_kept_cleaned(self):
        assert pupil_display_name(" Mary\u200b  B. ") == "Mary B."

    @pytest.mark.parametrize(
        "name", ["Mary Brown", "Mary\tBrown", "Mary\u2066 Brown\u2069", "Mary\u200bBrown"]
    )
    def test_a_full_name_is_refused(self, name: str):
        with pytest.raises(InvalidPayload) as caught:
            pupil_display_name(name)
        assert caught.value.details == {"field": "display_name", "rule": "full_name"}

    def test_too_long_is_refused(self):
        with pytest.raises(InvalidPayload):
            pupil_display_name("x" * (MAX_DISPLAY_NAME_LEN + 1))


def test_pseudonym_shape():
    words = pupil_words()
    for _ in range(50):
        adjective, animal = generate_pseudonym().split(" ")
        assert adjective == adjective.title() and animal == animal.title()
        assert adjective.lower() in words["adjectives"]
        assert animal.lower() in words["animals"]


LOGIN = re.compile(r"^([a-z]+)-([a-z]+)-(\d{3})$")


def test_pupil_login_shape():
    words = pupil_words()
    logins = {generate_pupil_login() for _ in range(50)}
    assert len(logins) > 40
    for login in logins:
        match = LOGIN.fullmatch(login)
        assert match is not None, login
        assert match[1] in words["adjectives"] and match[2] in words["animals"]
        assert "@" not in login
        assert normalise_login(login) == login


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        ("brave-otter-417", "brave-otter-417"),
        ("  Brave-Otter-417 \n", "brave-otter-417"),
        ("Mary.Brown@Example.ORG", "mary.brown@example.org"),
        ("ｍａｒｙ＠ｅｘａｍｐｌｅ．ｏｒｇ", "mary@example.org"),
        ("Straße@example.de", "strasse@example.de"),
        ("Le\u0301a@example.fr", "léa@example.fr"),
    ],
)
def test_normalise_login(login: str, expected: str):
    assert normalise_login(login) == expected
    assert normalise_login(expected) == expected
