"""Folding and query planning for partner search: pure functions, table-driven."""

from __future__ import annotations

import pytest

from protocol.api.network import SearchKind
from storage.search import SearchRequest, fold, tokens
from storage.search.fts5 import words_match
from storage.search.plan import MAX_QUERY_WORDS, narrowing_groups, plan_search
from storage.search.tsvector import operands, tsquery_text


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("élève", "eleve"),
        ("ÉLÈVE", "eleve"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("ŒUVRE", "oeuvre"),
        ("Ærø", "aero"),
        ("Đakovo", "dakovo"),
        ("Þingvellir", "thingvellir"),
        ("İstanbul ılık", "istanbul ilik"),
        ("Ἀθῆναι", "αθηναι"),
        ("ΟΔΟΣ", "οδοσ"),
        ("Київ", "киів"),
        ("ﬁnal", "final"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_fold_removes_accents_and_case(text: str, folded: str):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("e-twinning, 2026!", ["e", "twinning", "2026"]),
        ('"NEAR(x*)" -y', ["near", "x", "y"]),
        ("c_fr tags_text:x", ["c", "fr", "tags", "text", "x"]),
        ("   ", []),
        ("''; DROP TABLE users; --", ["drop", "table", "users"]),
    ],
)
def test_tokens_are_letters_and_digits_only(text: str, words: list[str]):
    assert tokens(text) == words


def test_tokens_are_cut_to_a_bounded_length():
    assert tokens("a" * 500) == ["a" * 64]


def plan(text: str = "", **filters):
    return plan_search(SearchRequest(text=text, **filters), now_s=0)


@pytest.mark.parametrize(
    ("text", "prefix"),
    [
        ("robo", True),
        ("robo ", False),
        ("robo.", False),
        ("club ro", False),
        ("élè", True),
        ("de", False),
    ],
)
def test_last_word_is_a_prefix_only_while_typed_and_long_enough(text: str, prefix: bool):
    assert plan(text).prefix_last is prefix


def test_words_beyond_the_limit_are_dropped_and_no_prefix_applies():
    many = " ".join(f"w{i}" for i in range(MAX_QUERY_WORDS + 3))
    planned = plan(many)
    assert len(planned.words) == MAX_QUERY_WORDS
    assert planned.prefix_last is False


def test_fts5_expression_quotes_every_word_and_adds_narrowing_tag_groups():
    planned = plan("Climat NEAR éco", countries=("FR", "DE"), languages=("en",))
    assert words_match(planned) == '{title_text body_text} : ("climat" "near" "eco"*)'
    assert words_match(planned, [("c_fr", "c_de"), ("l_en",)]) == (
        '{title_text body_text} : ("climat" "near" "eco"*)'
        ' AND tags_text : ("c_fr" OR "c_de") AND tags_text : ("l_en")'
    )


def test_tsquery_uses_plain_operands_and_a_prefix_marker():
    assert tsquery_text(plan("and ora")) == "'and' & 'ora':*"
    assert tsquery_text(plan("!x & (y) ")) == "'x' & 'y'"
    assert operands(plan("and ora")) == ["'and'", "'ora':*"]


def test_filters_become_tag_groups():
    planned = plan(
        kind=SearchKind.POST,
        open_to="PL",
        subjects=("history", "drama"),
        school_types=("primary",),
        looking_for_partners=False,
    )
    assert planned.tag_groups == (
        ("k_post",),
        ("w_pl", "w_any"),
        ("s_history", "s_drama"),
        ("t_primary",),
        ("p_no",),
    )
    assert not planned.is_text


def test_fingerprint_depends_on_the_question_not_the_time():
    one = plan_search(SearchRequest(text="garden"), now_s=0)
    later = plan_search(SearchRequest(text="garden"), now_s=999)
    other = plan_search(SearchRequest(text="garden", countries=("FR",)), now_s=0)
    assert one.fingerprint() == later.fingerprint() != other.fingerprint()


def test_narrowing_takes_selective_filters_while_they_pay():
    groups = plan(
        "garden", countries=("TR",), kind=SearchKind.PROFILE, looking_for_partners=True
    ).filters
    shares = {"country": 0.18, "kind": 0.83, "looking": 0.5}
    # Where a check costs as much as reading a tag's postings: the country only.
    assert narrowing_groups(groups, shares, cost_ratio=1.0) == (("c_tr",),)
    # Where reading postings is cheap (PostgreSQL): also "looking", not the kind.
    shares_pg = {**shares, "country": 0.3}
    assert narrowing_groups(groups, shares_pg, cost_ratio=0.08) == (("c_tr",), ("p_yes",))
    assert narrowing_groups(groups, {**shares, "country": 0.9}, cost_ratio=1.0) == ()
