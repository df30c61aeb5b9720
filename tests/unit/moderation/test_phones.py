"""The phone finder searches only around digit chains, and finds what it found before.

``find_phones`` used to run its candidate expression over the whole text
(``_CANDIDATE.finditer(text)``); it now runs it only in a window around each
chain of seven digits or more (``_candidates``), found in the text's Latin-1 shape when it has one
(``_digit_chains``). The old finder is kept here,
as it was, as the oracle: for texts built from digits (ASCII, full-width,
Arabic-Indic), the separators, "+", "00", dates, times, prices, letters and
invisible characters, both give the same candidates and the same findings.

Each candidate's surroundings (16 characters each side, read for dates, times
and prices) were searched for numbers too, so a number close after another was
found twice, or cut at the 16th character and then found whole ("06 12 34 56",
valid in Germany, before "06 12 34 56 78"), and its second finding took a
place of ``MAX_CANDIDATES`` (a third close number was not read). Only the
candidate itself is searched now; the oracle is the old finder keeping only
the numbers inside the candidate whose surroundings it reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hypothesis import HealthCheck, example, given, settings, strategies as st

from moderation.personal import phones
from moderation.personal.model import PersonalData, PersonalDataKind
from moderation.personal.phones import (
    _CANDIDATE,
    _CONTEXT,
    _DIGIT_CHAIN,
    _NOT_PHONES,
    MAX_ATTEMPTS,
    MAX_CANDIDATES,
    MIN_DIGITS,
    PARTNER_REGIONS,
    _candidates,
    _confirm,
    _digit_chains,
    find_phones,
)
from moderation.personal.visible import VisibleText


def old_find_phones(
    visible: VisibleText, regions: tuple[str, ...] = PARTNER_REGIONS, *, alone: bool = False
) -> list[PersonalData]:
    """``find_phones`` before the digit chains (at ee7a9e6): the oracle.

    ``alone`` searches each candidate cut out of its masked surroundings (the
    oracle since they are no longer searched): nothing before or after it is
    read, which is what the finder's search between the candidate's ends gives
    (the character before it is neither a word character nor "+", the one after
    no word character).
    """
    found: list[PersonalData] = []
    budget = [MAX_ATTEMPTS]
    confirmed = 0
    for _, offset, match in _old_searches(visible.text, alone=alone):
        candidate = match.group()
        if sum(char.isdigit() for char in candidate) < MIN_DIGITS:
            continue
        confirmed += 1
        if confirmed > MAX_CANDIDATES or budget[0] <= 0:
            return found
        region = _confirm(candidate, regions, budget)
        if region is not None:
            span = visible.span(offset + match.start(), offset + match.end())
            found.append(PersonalData(PersonalDataKind.PHONE, span, region))
    return found


def _old_searches(text: str, *, alone: bool) -> Iterator[tuple[re.Match[str], int, re.Match[str]]]:
    """(candidate, offset of the searched string in ``text``, match) for each match."""
    for outer in _CANDIDATE.finditer(text):
        start = max(0, outer.start() - _CONTEXT)
        segment = text[start : outer.end() + _CONTEXT]
        masked = _NOT_PHONES.sub(lambda match: " " * len(match.group()), segment)
        if alone:
            inside = outer.start() - start
            masked, start = masked[inside : inside + len(outer.group())], outer.start()
        for match in _CANDIDATE.finditer(masked):
            yield outer, start, match


def old_reads_outside(text: str) -> bool:
    """Whether ``old_find_phones`` took a number from beyond a candidate's ends."""
    return any(
        sum(char.isdigit() for char in match.group()) >= MIN_DIGITS
        and not outer.start() <= offset + match.start() <= offset + match.end() <= outer.end()
        for outer, offset, match in _old_searches(text, alone=False)
    )


_DIGITS = "0123456789"
_OTHER_DIGITS = "０６９٣۵"  # full-width, Arabic-Indic, Persian: all match \d
_SEPARATORS = [
    " ", "  ", "   ", "    ", "\t", ".", "-", "/", "(", ")", " - ", "-/.", "\n", "\xa0", "·",
]  # fmt: skip
_TOKENS = [
    "+", "00", "0033", "+33", "+44", "0044", "+1", "+352", "(0)", "06", "07700", "0176",
    "h", "x", "=", ":", ",", "'", "€", "$", "eur", "euros", "zł", "chf", "a", "Tel", "²",
    "12/05/2026", "2026-05-12", "10:30", "10h30", "2025-2026", "0.1234567", "0,75",
    "06 12 34 56 78", "+33 6 12 34 56 78", "+44 7700 900123", "06-39-98-12-34",
    "+49 (0)30 1234567", "600 123 456", "+48 512 345 678", "0639981234",
    "\u200b", "\u00ad", "é", "_",
]  # fmt: skip

_pieces = st.one_of(
    st.text(alphabet=_DIGITS, min_size=1, max_size=12),
    st.text(alphabet=_DIGITS + _OTHER_DIGITS, min_size=1, max_size=4),
    st.sampled_from(_SEPARATORS),
    st.sampled_from(_TOKENS),
    st.text(alphabet="abcxyz ", min_size=1, max_size=20),
)
texts = st.lists(_pieces, max_size=40).map("".join)


def _spans(matches: object) -> list[tuple[int, int]]:
    return [match.span() for match in matches]  # type: ignore[attr-defined]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("a1234567 x")
@example("1234567x8901234")
@example("1234567+8901234 +33 6 12 34 56 78")
@example("0612345678abc 06 12 34 56 78")
@example("+" + "1" * 40)
@example("1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0")
def test_candidates_are_those_of_the_whole_text_search(text: str) -> None:
    assert _spans(_candidates(text)) == _spans(_CANDIDATE.finditer(text))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("٣" + "1234567")
@example("１２３４５６７ 1234567")
def test_chains_from_the_shape_are_the_chains_of_the_text(text: str) -> None:
    assert list(_digit_chains(text)) == _spans(_DIGIT_CHAIN.finditer(text))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("appelle-moi au 06 12 34 56 78 ou au 06.12.34.56.79 demain à 10h30")
@example("0612345678 abc 0612345679 et le 12/05/2026 +44 7700 900123")
@example("écris: 06\u200b12 34 56 78, prix 1 234 567 €")
@example("06 12 34 56 78 " * 6)
@example("0612345678 10:30 0712345678, 06 12 34 56 79")
@example("0100000000000000 010 0000")
def test_findings_are_those_of_the_old_finder_reading_each_candidate_alone(text: str) -> None:
    visible = VisibleText(text)
    for regions in (PARTNER_REGIONS, ("ES", "GB")):
        found = find_phones(visible, regions)
        assert found == old_find_phones(visible, regions, alone=True)
        if not old_reads_outside(visible.text):
            assert found == old_find_phones(visible, regions)


def test_the_oracle_finds_phones() -> None:
    # The oracle calls the module's own helpers (_confirm, _NOT_PHONES): a
    # change to them changes both finders alike.
    assert phones._CANDIDATE is _CANDIDATE
    visible = VisibleText("call me on +44 7700 900123, or else on my phone: 06 12 34 56 78")
    assert [item.detail for item in old_find_phones(visible, alone=True)] == ["GB", "FR"]
    assert not old_reads_outside(visible.text)
    assert find_phones(visible) == old_find_phones(visible)


def test_a_number_close_after_another_is_found_once_and_whole() -> None:
    # The first number's surroundings end 16 characters after it: they cut the
    # second ("06 12 34 56", valid in Germany), found whole again from its own.
    visible = VisibleText("call me on +44 7700 900123 or 06 12 34 56 78")
    assert [(item.span, item.detail) for item in old_find_phones(visible)] == [
        ((11, 26), "GB"), ((30, 41), "DE"), ((30, 44), "FR"),
    ]  # fmt: skip
    assert [(item.span, item.detail) for item in find_phones(visible)] == [
        ((11, 26), "GB"), ((30, 44), "FR"),
    ]  # fmt: skip


def test_three_close_numbers_are_all_read() -> None:
    # Each was found twice: the third was past MAX_CANDIDATES.
    text = "0612345678 et 0712345678 et 0612345679"
    found = find_phones(VisibleText(text))
    assert [text[slice(*item.span)] for item in found] == [
        "0612345678", "0712345678", "0612345679",
    ]  # fmt: skip


_NUMBERS = [
    "06 12 34 56 78", "0612345678", "06.12.34.56.79", "06-39-98-12-34", "+33 6 12 34 56 78",
    "+44 7700 900123", "0044 7911 123456", "0176 12345678", "+48 512 345 678",
    "+34 600 123 456", "+39 345 123 4567",
]  # fmt: skip
# Not spaces, dashes or slashes alone (they join two numbers into one run of digits),
# nor ": " ("78: 06" reads as a time).
_GAPS = [", ", " et ", " or ", " oder ", " ou au ", " 10:30 ", "; ", " und ", "! "]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(_NUMBERS), min_size=2, max_size=3),
    st.lists(st.sampled_from(_GAPS), min_size=2, max_size=2),
)
def test_close_numbers_are_each_found_once_and_whole(numbers: list[str], gaps: list[str]) -> None:
    text = numbers[0]
    expected = [(0, len(numbers[0]))]
    for gap, number in zip(gaps, numbers[1:], strict=False):
        text += gap
        expected.append((len(text), len(text) + len(number)))
        text += number
    found = find_phones(VisibleText(text))
    alone = [find_phones(VisibleText(number))[0].detail for number in numbers]
    assert [(item.span, item.detail) for item in found] == list(
        zip(expected, alone, strict=True)
    ), text
