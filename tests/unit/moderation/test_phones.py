"""The phone finder searches only around digit chains, and finds what it found before.

``find_phones`` used to run its candidate expression over the whole text
(``_CANDIDATE.finditer(text)``); it now runs it only in a window around each
chain of seven digits or more (``_candidates``), found in the text's Latin-1 shape when it has one
(``_digit_chains``). The old finder is kept here,
as it was, as the oracle: for texts built from digits (ASCII, full-width,
Arabic-Indic), the separators, "+", "00", dates, times, prices, letters and
invisible characters, both give the same candidates and the same findings.
"""

from __future__ import annotations

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
    visible: VisibleText, regions: tuple[str, ...] = PARTNER_REGIONS
) -> list[PersonalData]:
    """``find_phones`` before the digit chains (at ee7a9e6): the oracle."""
    text = visible.text
    found: list[PersonalData] = []
    budget = [MAX_ATTEMPTS]
    confirmed = 0
    for outer in _CANDIDATE.finditer(text):
        start = max(0, outer.start() - _CONTEXT)
        segment = text[start : outer.end() + _CONTEXT]
        masked = _NOT_PHONES.sub(lambda match: " " * len(match.group()), segment)
        for match in _CANDIDATE.finditer(masked):
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
def test_findings_are_those_of_the_old_finder(text: str) -> None:
    visible = VisibleText(text)
    assert find_phones(visible) == old_find_phones(visible)
    regions = ("ES", "GB")
    assert find_phones(visible, regions) == old_find_phones(visible, regions)


def test_the_oracle_finds_phones() -> None:
    # The oracle calls the module's own helpers (_confirm, _NOT_PHONES): a
    # change to them changes both finders alike.
    assert phones._CANDIDATE is _CANDIDATE
    visible = VisibleText("call me on +44 7700 900123, or else on my phone: 06 12 34 56 78")
    assert [item.detail for item in old_find_phones(visible)] == ["GB", "FR"]
    assert find_phones(visible) == old_find_phones(visible)


def test_a_number_close_after_another_is_found_as_before() -> None:
    # Kept as it was: the first number's surroundings end 16 characters after
    # it, cutting the second ("06 12 34 56", valid in Germany), which is then
    # found whole from its own surroundings.
    visible = VisibleText("call me on +44 7700 900123 or 06 12 34 56 78")
    found = find_phones(visible)
    assert found == old_find_phones(visible)
    assert [(item.span, item.detail) for item in found] == [
        ((11, 26), "GB"), ((30, 41), "DE"), ((30, 44), "FR"),
    ]  # fmt: skip
