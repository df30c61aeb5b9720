"""Password policy, argon2id hashing, and passwords generated for pupils.

The policy follows NIST SP 800-63B: a minimum length, no composition rules,
and a refusal of passwords that are known to be common or that repeat the
account's own login or name. Hashing is argon2id; it is deliberately slow and
memory-hungry, so it runs in a thread behind a semaphore (Galène's
``hashSemaphore``) to keep a burst of logins from stalling the event loop or
exhausting memory.
"""

from __future__ import annotations

import asyncio
import secrets
import tomllib
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

from argon2 import PasswordHasher as Argon2Hasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import WeakPassword

MAX_PASSWORD_LEN = 128
MIN_CONTEXT_WORD_LEN = 4


@cache
def common_passwords() -> frozenset[str]:
    """The refused common passwords, lower case (read once)."""
    text = resources.files("community.data").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


@cache
def pupil_words() -> dict[str, tuple[str, ...]]:
    """Adjectives, animals and nouns for pupils' names and passwords."""
    raw = tomllib.loads(
        resources.files("community.data").joinpath("pupil_words.toml").read_text("utf-8")
    )
    return {key: tuple(words) for key, words in raw.items()}


def check_password_policy(password: str, *, min_length: int, context: Iterable[str] = ()) -> None:
    """Refuse a password that is too short, too long, common or guessable.

    Args:
        password: The candidate, as typed.
        min_length: Fewest characters (Unicode code points after NFC).
        context: Words the password must not contain: the login, the e-mail's
            local part, the parts of a name.

    Raises:
        WeakPassword: With ``details["rule"]`` one of ``too_short``,
            ``too_long``, ``common``, ``repetitive``, ``contains_personal``.
    """
    normalised = unicodedata.normalize("NFC", password)
    if len(normalised) < min_length:
        raise WeakPassword(
            f"the password must have at least {min_length} characters",
            details={"rule": "too_short", "min_length": min_length},
        )
    if len(normalised) > MAX_PASSWORD_LEN:
        raise WeakPassword(
            f"the password must have at most {MAX_PASSWORD_LEN} characters",
            details={"rule": "too_long", "max_length": MAX_PASSWORD_LEN},
        )
    lowered = normalised.casefold()
    if lowered in common_passwords():
        raise WeakPassword("this password is too common", details={"rule": "common"})
    if len(set(lowered)) <= 2:
        raise WeakPassword(
            "the password repeats too few characters", details={"rule": "repetitive"}
        )
    for word in context:
        word = word.casefold()
        if len(word) >= MIN_CONTEXT_WORD_LEN and word in lowered:
            raise WeakPassword(
                "the password must not contain your login or name",
                details={"rule": "contains_personal"},
            )


def generate_pupil_password() -> str:
    """Three nouns and two digits, e.g. ``kite-lemon-river-42``.

    Easy to read aloud and type for a young pupil; about 28 bits, which the
    per-account login limit makes far too slow to guess online.
    """
    nouns = pupil_words()["nouns"]
    words = [secrets.choice(nouns) for _ in range(3)]
    return "-".join(words) + f"-{secrets.randbelow(100):02d}"


def generate_password(length: int = 20) -> str:
    """A random password for accounts made from the CLI or by a platform admin."""
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


class PasswordHasher:
    """Hashes and verifies passwords with argon2id, off the event loop.

    Args:
        time_cost: argon2 iterations.
        memory_kib: argon2 memory per hash, in KiB.
        parallelism: argon2 lanes.
        concurrency: Hashes allowed to run at once (memory bound).
    """

    def __init__(
        self, *, time_cost: int, memory_kib: int, parallelism: int, concurrency: int
    ) -> None:
        self._hasher = Argon2Hasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            type=Type.ID,
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        """Hash a password for storage."""
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches the stored hash."""
        async with self._slots:
            return await asyncio.to_thread(self._verify, password_hash, password)

    async def verify_nothing(self, password: str) -> None:
        """Spend the time of one verification, for an unknown login.

        Without it, "no such account" would answer faster than "wrong
        password", and the difference would tell who has an account.
        """
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than today's."""
        return self._hasher.check_needs_rehash(password_hash)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
