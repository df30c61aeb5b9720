"""Property-based fuzzing of normalisation, the content filter and the personal-data detector.

Any Unicode (lone surrogates, bidi controls, zero-width characters, private
use, emoji, other scripts), up to the longest message the pipeline accepts:
never an exception, always a well-formed answer, and bounded time.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from hypothesis import HealthCheck, given, settings, strategies as st

from cluster.memory import InMemoryRateLimiter
from moderation import (
    MAX_MESSAGE_CHARS,
    Outcome,
    RoomPolicy,
    SenderRole,
    Submission,
    build_pipeline,
    content_matcher,
    detect_personal_data,
    normalise,
)
from moderation.folding import fold
from protocol.ids import ParticipantId, RoomId
from tests.fakes.clock import FakeClock

P = ParamSpec("P")
R = TypeVar("R")
MAX_SECONDS = 2.0
"""Generous on a shared machine: a message normally takes well under a millisecond."""

ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=())
TRICKY = st.sampled_from(
    [
        "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\u202d",
        "\u2066", "\u2069", "\ud800", "\udfff", "\x00", "\n", "@", ".", " at ", " dot ",
        "0", "6", "+33", "www.", "://", "rue ", "straße ", "ul. ", "insta ", "*", "$", "!",
        "f", "u", "c", "k", "ａ", "а", "𝐟", "é", "ß", "ł", "NaN", "inf", "None", "null",
    ]
)  # fmt: skip
TEXT = st.text(ANY_CHAR, max_size=300) | st.lists(
    TRICKY | st.text(ANY_CHAR, max_size=5), max_size=120
).map("".join)
LONG = st.builds(
    lambda unit, count: (unit * count)[:MAX_MESSAGE_CHARS],
    st.text(ANY_CHAR, min_size=1, max_size=12) | TRICKY,
    st.integers(min_value=1, max_value=MAX_MESSAGE_CHARS),
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _timed(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    elapsed = time.perf_counter() - started
    assert elapsed < MAX_SECONDS, f"took {elapsed:.2f} s"
    return result


@FUZZ
@given(TEXT | LONG)
def test_normalisation_never_fails(text: str) -> None:
    normalised = _timed(normalise, text)
    assert normalised.folded.isascii()
    assert all(word.isalnum() or b"\x01" in word for word in normalised.words)
    for run in normalised.spaced_runs():
        assert len(run) >= 3
    normalised.symbol_chunks()
    normalised.canonical_joined()


@FUZZ
@given(TEXT | LONG)
def test_content_filter_never_fails(text: str) -> None:
    found = _timed(content_matcher().scan, normalise(text))
    assert isinstance(found, tuple)


@FUZZ
@given(TEXT | LONG)
def test_personal_data_detector_never_fails(text: str) -> None:
    found = _timed(detect_personal_data, normalise(text))
    for item in found:
        start, end = item.span
        assert 0 <= start < end <= len(text)
    spans = [item.span for item in found]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


@FUZZ
@given(TEXT | LONG)
def test_pipeline_always_decides(text: str) -> None:
    pipeline = build_pipeline(InMemoryRateLimiter(FakeClock()))
    submission = Submission(RoomId("r"), ParticipantId("p"), SenderRole.PUPIL, text)
    verdict = _timed(asyncio.run, pipeline.run(submission, RoomPolicy()))
    assert verdict.outcome in set(Outcome)
    assert verdict.outcome is Outcome.DELIVER or verdict.reason is not None


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=200), st.data())
def test_invisible_characters_change_nothing(text: str, data: st.DataObject) -> None:
    invisible = data.draw(st.sampled_from(["\u200b", "\u2060", "\ufeff", "\u00ad", "\u202c"]))
    positions = data.draw(st.lists(st.integers(0, len(text)), max_size=10))
    disguised = text
    for position in sorted(positions, reverse=True):
        disguised = disguised[:position] + invisible + disguised[position:]
    assert fold(disguised) == fold(text)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=200))
def test_case_changes_nothing(text: str) -> None:
    assert fold(text.upper()) == fold(text.lower()) == fold(text)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["hello", "class", "Scunthorpe", "cocktail", "grape", "Essex"]),
        max_size=30,
    )
)
def test_innocent_words_never_match_in_any_order(words: list[str]) -> None:
    assert content_matcher().scan(normalise(" ".join(words))) == ()


def test_adversarial_long_inputs_stay_fast() -> None:
    units = [
        "a.", "a.a@", "a at b dot ", "1 ", "06 ", "@a_1 ", "www.a", "rue 1 ", "f u ", "ß",
        "\u200b", "\U0001f600", "x" * 12, "-a", "1.", "insta: a_1 ", "a" * 70 + ".",
    ]  # fmt: skip
    matcher = content_matcher()
    for unit in units:
        text = (unit * MAX_MESSAGE_CHARS)[:MAX_MESSAGE_CHARS]
        normalised = _timed(normalise, text)
        _timed(matcher.scan, normalised)
        _timed(detect_personal_data, normalised)
