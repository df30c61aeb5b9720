"""Phone numbers in the partner countries' national and international formats.

Two stages, so that ordinary numbers never reach the slow one:

1. **Candidates**: runs of seven digits or more, with the separators people
   put in numbers (spaces, dots, dashes, slashes, brackets), optionally after
   "+" or "00". Before that, dates ("12/05/2026", "2026-05-12"), times
   ("10:30", "10h30"), year ranges ("2025-2026"), decimals below one
   ("0.1234567") and prices (a currency next to the digits) are blanked
   out, keeping offsets.
2. **Confirmation** with ``phonenumbers`` (Google's libphonenumber), in two
   steps:

   a. ``PhoneNumberMatcher`` over the candidate, once per partner region
      until one finds a number, with ``Leniency.VALID``: a number in a range
      that region assigns (a real prefix and length). The matcher also
      rejects what libphonenumber knows is not a phone (slash-separated
      dates, timestamps).
   b. VALID alone let numbers in ranges that are not (yet) assigned through:
      the fictional ranges of films and textbooks ("+44 7700 900123",
      "06 39 98 12 34"), new ranges, a digit changed on purpose. A child who
      writes a plausible number must be caught, so a candidate that is not
      valid anywhere is still a phone when it is *possible* (a plausible
      length, ``is_possible_number``) *and written as phones are*: with an
      international prefix ("+" or "00" and a country code), or with a
      region's trunk "0" and its digits in groups of two or more
      ("07700 900123", "06-39-98-12-34", compact "0639981234"). What
      marks neither (numbers of the regions without a trunk prefix, "600 123
      456" in Spain) must be valid: such a run is as often a count ("1 299
      000 people") as a number. In this step a group of one digit ("0 1 2 3
      4 5 6 7") reads as a list, not as a phone.

   ``Leniency.POSSIBLE`` alone would accept any digit string of a plausible
   length (order numbers, long scores); ``STRICT_GROUPING`` and
   ``EXACT_GROUPING`` require the national grouping of digits, which pupils,
   and anyone hiding a number, do not follow ("06 123 456 78").

Scores ("12-10") and sums ("3 x 4 = 12") have too few digits in a run to be
candidates; "x", "=", "+" between digits end a run.

The candidate expression starts with a look-behind, so ``re`` tries it at
every position of the text (30 to 60 µs for 1,000 characters). It runs only
around *digit chains* instead: digits joined by at most three separators,
seven digits or more (see ``_candidates`` and ``_digit_chains``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from phonenumbers import (
    Leniency,
    NumberParseException,
    PhoneNumber,
    PhoneNumberMatcher,
    ValidationResult,
    is_possible_number_with_reason,
    parse,
    region_code_for_country_code,
    region_code_for_number,
)

from .model import PersonalData, PersonalDataKind
from .visible import VisibleText

__all__ = ["PARTNER_REGIONS", "find_phones", "warm_up"]

PARTNER_REGIONS = ("FR", "DE", "ES", "IT", "PL", "PT", "NL", "GB", "BE", "AT", "CH", "IE")
"""Regions whose national formats are tried, in this order. Numbers of other
countries are found when written internationally ("+352 ...", "00352 ...")."""
MIN_DIGITS = 7
MAX_CANDIDATES = 4
"""Candidates confirmed per message: bounded work for a wall of digits (each
confirmation tries the regions in turn, a few milliseconds at worst)."""
MAX_ATTEMPTS = 16
"""Matcher runs (one candidate in one region) per message: a few milliseconds at most."""
_NO_TRUNK_PREFIX = frozenset({"ES", "PT", "PL", "IT"})
"""Regions whose national numbers do not start with a trunk "0" (Italy: mobiles)."""
_CONTEXT = 16
"""Characters around a candidate read for dates, times and currencies."""

_NOT_PHONES = re.compile(
    r"(?<![\d./-])\d{1,2}([./-])\d{1,2}\1(?:\d{4}|\d{2})(?![./-]?\d)"  # 12/05/2026, 12.05.26
    r"|(?<![\d./-])\d{4}([./-])\d{1,2}\2\d{1,2}(?![./-]?\d)"  # 2026-05-12
    r"|\b\d{1,2}\s?[:h]\s?\d{2}(?::\d{2})?\b"  # 10:30, 10h30, 10:30:15
    r"|\b(?:19|20)\d{2}\s?[-–/]\s?(?:19|20)?\d{2}\b"  # 2025-2026, 2025/26
    r"|(?<![\d.,])0[.,]\d+"  # 0.1234567, 0,75: a decimal, never a trunk "0"
    # prices; possessive (Python 3.11) so that a wall of digits cannot backtrack
    r"|[€$£¥]\s?\d[\d\s.,']*|\d(?:[\s.,']?\d)*+\s?(?:[€$£¥]|eur\b|euros?\b|zł|pln\b|chf\b|gbp\b)",
    re.IGNORECASE,
)
_DIGIT_GROUP = re.compile(r"\d+")
_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ \t().\-/]{0,3}\d){6,17}(?!\w)")
_DIGIT_CHAIN = re.compile(r"\d(?:[ \t().\-/]{0,3}\d){6,}")
"""The digits of every ``_CANDIDATE`` match are in one such chain (the same
separators, at most three between two digits; seven digits or more)."""
_SHAPE = bytes(
    ord("0") if chr(byte).isdecimal() else byte if chr(byte) in " \t().-/" else ord("x")
    for byte in range(256)
)
"""Latin-1 byte -> "0" for a digit, itself for a separator, "x" for anything else."""
_SHAPE_CHAIN = re.compile(rb"0(?:[ \t().\-/]{0,3}0){6,}")
"""``_DIGIT_CHAIN`` over a text's shape: it starts with a literal, which ``re``
finds without entering the pattern at every position."""


@functools.cache
def warm_up() -> None:
    """Load libphonenumber's metadata for the partner regions (about 50 ms, once).

    Called when the check is built, so that the first pupil who types a
    number does not wait for it.
    """
    for region in PARTNER_REGIONS:
        list(PhoneNumberMatcher("0", region, leniency=Leniency.VALID))


def find_phones(
    visible: VisibleText, regions: tuple[str, ...] = PARTNER_REGIONS
) -> list[PersonalData]:
    """Every phone number of a partner region (or any international number)."""
    text = visible.text
    found: list[PersonalData] = []
    budget = [MAX_ATTEMPTS]
    confirmed = 0
    for outer in _candidates(text):
        # Dates, times and prices are blanked in the candidate's surroundings only.
        start = max(0, outer.start() - _CONTEXT)
        segment = text[start : outer.end() + _CONTEXT]
        masked = _NOT_PHONES.sub(lambda match: " " * len(match.group()), segment)
        # Only the candidate itself is searched: its surroundings hold the next
        # number when it is close, which its own turn finds whole (searched here
        # too, it was found twice, or cut at 16 characters, and counted twice
        # against MAX_CANDIDATES, so that a third number was not read).
        inside = outer.start() - start
        for match in _CANDIDATE.finditer(masked, inside, inside + len(outer.group())):
            candidate = match.group()
            if sum(char.isdigit() for char in candidate) < MIN_DIGITS:
                continue
            confirmed += 1
            if confirmed > MAX_CANDIDATES or budget[0] <= 0:
                return found
            region = _confirm(candidate, regions, budget)
            if region is not None:
                span = visible.span(start + match.start(), start + match.end())
                found.append(PersonalData(PersonalDataKind.PHONE, span, region))
    return found


def _candidates(text: str) -> Iterator[re.Match[str]]:
    """What ``_CANDIDATE.finditer(text)`` finds, searching only around digit chains.

    A match is digits of one chain with the separators between them, after
    a "+" just before the chain or not; its look-behind reads the character
    before the search's start (``re`` lets it see the text before ``pos``)
    and its look-ahead the character after the chain, which the window
    includes so that the end of the window is never taken for the end of
    the text. Chains are maximal and apart, so no match
    spans two, and the matches come in the order ``finditer`` gives them.
    """
    length = len(text)
    for start, end in _digit_chains(text):
        yield from _CANDIDATE.finditer(text, max(0, start - 1), min(length, end + 1))


def _digit_chains(text: str) -> Iterator[tuple[int, int]]:
    """The spans of ``_DIGIT_CHAIN`` in ``text``.

    ``re`` looks for the first digit of ``_DIGIT_CHAIN`` with a set test per
    character (12 to 15 µs for 1,000 characters). A text of Latin-1
    characters only (most messages of the Latin-script languages but Polish)
    has no digits but ASCII ones (the first other digit is U+0660), so its
    chains are found in its shape (``_SHAPE``: one encoding, one
    ``bytes.translate``, then a literal search; 3 to 4 times faster), at the
    same offsets. Other texts may hold other scripts' digits ("０", "٣"),
    which ``\\d`` matches, and are searched directly.
    """
    try:
        shape = text.encode("latin-1").translate(_SHAPE)
    except UnicodeEncodeError:
        return (chain.span() for chain in _DIGIT_CHAIN.finditer(text))
    return (chain.span() for chain in _SHAPE_CHAIN.finditer(shape))


def _confirm(candidate: str, regions: tuple[str, ...], budget: list[int]) -> str | None:
    """The region in which ``candidate`` is a valid, or a plausible, number; None if none.

    ``budget`` counts the matcher runs left for the message; each region
    tried takes one, and the plausibility test one more.
    """
    international = candidate.startswith(("+", "00"))
    trunk = not international and candidate.lstrip("( ").startswith(("0", "０"))
    if international:
        tried = regions[:1]
    elif trunk:
        tried = tuple(
            region for region in regions if region not in _NO_TRUNK_PREFIX or region == "IT"
        )
    else:
        tried = tuple(region for region in regions if region in _NO_TRUNK_PREFIX)
    for region in tried:
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        for number in PhoneNumberMatcher(candidate, region, leniency=Leniency.VALID):
            return region_code_for_number(number.number) or region
    if not (international or trunk) or budget[0] <= 0:
        return None
    budget[0] -= 1
    return _plausible(candidate, tried, international=international)


def _plausible(candidate: str, tried: tuple[str, ...], *, international: bool) -> str | None:
    """The region of a number that is possible and written as phones are (see step 2b)."""
    if international:
        written = "+" + candidate[2:] if candidate.startswith("00") else candidate
        number = _parsed(written, None)
        if number is None or number.country_code is None or not _is_possible(number):
            return None
        region = region_code_for_country_code(number.country_code)
        return None if region == "ZZ" else region
    groups = _DIGIT_GROUP.findall(candidate)
    if len(groups[0]) < 2 or any(len(group) < 2 for group in groups[1:]):
        return None
    for region in tried:
        number = _parsed(candidate, region)
        if number is not None and _is_possible(number):
            return region
    return None


def _parsed(text: str, region: str | None) -> PhoneNumber | None:
    try:
        return parse(text, region)
    except NumberParseException:
        return None


def _is_possible(number: PhoneNumber) -> bool:
    """A whole number of a plausible length (not a local number without its area code)."""
    return bool(is_possible_number_with_reason(number) == ValidationResult.IS_POSSIBLE)
