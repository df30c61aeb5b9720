"""Password policy rules, argon2id hashing and generated passwords."""

from __future__ import annotations

import re
import unicodedata

import pytest

from community.auth.passwords import (
    MAX_PASSWORD_LEN,
    PasswordHasher,
    check_password_policy,
    generate_password,
    generate_pupil_password,
    pupil_words,
)
from community.errors import WeakPassword
from protocol import ErrorCode

MIN = 12
GOOD = "correct horse battery staple"
# "é" written as "e" + combining acute: two code points that NFC makes one.
DECOMPOSED_E = "e\u0301"


def cheap_hasher(time_cost: int = 1) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_kib=1024, parallelism=1, concurrency=2)


@pytest.mark.parametrize(
    ("password", "context", "rule"),
    [
        # too short: fewer than MIN code points once NFC-normalised
        ("", (), "too_short"),
        ("elevenchars", (), "too_short"),
        # 7 "é" in decomposed form are 14 code points but only 7 characters
        ("x" + DECOMPOSED_E * 7 + "yz", (), "too_short"),
        # too long
        ("ab1-" * 32 + "z", (), "too_long"),
        # common, whatever the case
        ("password1234", (), "common"),
        ("PassWord1234", (), "common"),
        ("ADMINISTRATOR", (), "common"),
        ("eTwinning123", (), "common"),
        # repetitive: two distinct characters or fewer
        ("aaaaaaaaaaaa", (), "repetitive"),
        ("abababababab", (), "repetitive"),
        ("AbAbAbAbAbAb", (), "repetitive"),
        # contains the login or a part of the name, whatever the case
        ("brave-otter-417-rocks", ("brave-otter-417",), "contains_personal"),
        ("sunny-BROWN-meadow", ("mary", "brown"), "contains_personal"),
        ("my name is Mary, ok?", ("Mary", "Brown"), "contains_personal"),
        ("jane.doe@school-garden", ("jane.doe",), "contains_personal"),
    ],
)
def test_refused_passwords_name_their_rule(password, context, rule):
    with pytest.raises(WeakPassword) as caught:
        check_password_policy(password, min_length=MIN, context=context)
    assert caught.value.code is ErrorCode.WEAK_PASSWORD
    assert caught.value.details["rule"] == rule


@pytest.mark.parametrize(
    ("password", "context"),
    [
        (GOOD, ()),
        (GOOD, ("mary.brown", "Mary", "Brown")),
        # exactly the bounds
        ("abcdefghijkl", ()),
        (("ab1-" * 32)[:MAX_PASSWORD_LEN], ()),
        # three distinct characters are not "repetitive"
        ("abcabcabcabc", ()),
        # 12 characters after NFC, although more code points were typed
        ("caf" + DECOMPOSED_E + "-" + "au-lait!", ()),
        # NFC makes 128 characters out of 128 + 10 code points
        ((DECOMPOSED_E * 10) + ("xyz-" * 30)[:118], ()),
        # context words shorter than four characters are ignored
        ("lightning-over-the-bay", ("li", "bay")),
        # a common password inside a longer passphrase is fine
        ("password1234 is what they all use", ()),
    ],
)
def test_accepted_passwords(password, context):
    check_password_policy(password, min_length=MIN, context=context)


def test_length_counts_characters_after_nfc():
    typed = DECOMPOSED_E * 6 + "abcdef"
    assert len(typed) == 18
    assert len(unicodedata.normalize("NFC", typed)) == MIN
    check_password_policy(typed, min_length=MIN)
    with pytest.raises(WeakPassword) as caught:
        check_password_policy(typed, min_length=MIN + 1)
    assert caught.value.details == {"rule": "too_short", "min_length": MIN + 1}


def test_too_long_gives_the_limit():
    with pytest.raises(WeakPassword) as caught:
        check_password_policy("xy-" * 50, min_length=MIN)
    assert caught.value.details == {"rule": "too_long", "max_length": MAX_PASSWORD_LEN}


class TestPasswordHasher:
    async def test_hash_is_argon2id_and_verifies(self):
        hasher = cheap_hasher()
        stored = await hasher.hash(GOOD)
        assert stored.startswith("$argon2id$")
        assert GOOD not in stored
        assert await hasher.verify(stored, GOOD) is True
        assert await hasher.verify(stored, GOOD + " ") is False
        assert await hasher.verify(stored, "") is False

    async def test_same_password_hashes_differently(self):
        hasher = cheap_hasher()
        first, second = await hasher.hash(GOOD), await hasher.hash(GOOD)
        assert first != second
        assert await hasher.verify(second, GOOD)

    @pytest.mark.parametrize("stored", ["", "not-a-hash", "$argon2id$v=19$broken", "$2b$12$abc"])
    async def test_verify_against_garbage_is_false(self, stored):
        assert await cheap_hasher().verify(stored, GOOD) is False

    async def test_needs_rehash_when_parameters_grow(self):
        weak, strong = cheap_hasher(time_cost=1), cheap_hasher(time_cost=2)
        stored = await weak.hash(GOOD)
        assert weak.needs_rehash(stored) is False
        assert strong.needs_rehash(stored) is True
        assert strong.needs_rehash(await strong.hash(GOOD)) is False

    async def test_verify_nothing_returns_and_can_be_repeated(self):
        hasher = cheap_hasher()
        assert await hasher.verify_nothing(GOOD) is None
        assert await hasher.verify_nothing("another guess") is None


PUPIL_PASSWORD = re.compile(r"^([a-z]+)-([a-z]+)-([a-z]+)-(\d{2})$")


def test_pupil_password_is_three_known_nouns_and_two_digits():
    nouns = set(pupil_words()["nouns"])
    for _ in range(50):
        password = generate_pupil_password()
        match = PUPIL_PASSWORD.fullmatch(password)
        assert match is not None, password
        assert set(match.groups()[:3]) <= nouns


def test_pupil_passwords_differ():
    assert generate_pupil_password() != generate_pupil_password()


def test_generated_pupil_passwords_pass_a_relaxed_policy():
    # Pupils' passwords are not subject to the adults' 12-character minimum,
    # but they are never common or repetitive.
    for _ in range(20):
        check_password_policy(generate_pupil_password(), min_length=8)


def test_generated_admin_password_passes_the_adult_policy():
    password = generate_password()
    assert len(password) == 20
    assert re.fullmatch(r"[A-Za-z2-9]+", password)
    assert not set(password) & set("lI1O0")  # no look-alike characters
    check_password_policy(password, min_length=MIN)
    assert generate_password() != password
