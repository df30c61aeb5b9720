"""Cleaning teachers' texts, and what a search document holds (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from community import vocabulary
from community.network.documents import post_document, profile_document
from community.network.texts import check_age_range, clean_long_text, clean_short_texts
from protocol import ErrorCode
from protocol.api.accounts import AccountStatus
from protocol.api.network import PostStatus, SearchKind
from protocol.errors import CodedError
from protocol.ids import SchoolId, UserId
from storage.records_network import PostFields, PostRecord, ProfileFields, TeacherCardRecord
from storage.search.documents import document_tags


def test_long_text_keeps_paragraphs_and_drops_invisible_characters():
    raw = "  Hello\u200b  world \r\n\r\n\r\n\r\nSecond\u202e line\t\tend  "
    assert clean_long_text(raw, field="bio", max_len=100, required=False) == (
        "Hello world\n\nSecond line end"
    )


@pytest.mark.parametrize(
    ("text", "required", "max_len"),
    [("   \n  ", True, 10), ("x" * 11, False, 10)],
)
def test_long_text_refuses_empty_or_overlong(text: str, required: bool, max_len: int):
    with pytest.raises(CodedError) as caught:
        clean_long_text(text, field="description", max_len=max_len, required=required)
    assert caught.value.code is ErrorCode.INVALID_PAYLOAD
    assert caught.value.details == {"field": "description"}


def test_short_texts_drop_repeats_ignoring_case():
    assert clean_short_texts(["Robotics", " robotics ", "Théâtre"], field="i", max_len=40) == (
        "Robotics",
        "Théâtre",
    )


@pytest.mark.parametrize(("low", "high"), [(12, 11), (2, 10), (10, 21)])
def test_age_range_must_be_ordered_and_within_bounds(low: int, high: int):
    with pytest.raises(CodedError) as caught:
        check_age_range(low, high, low=3, high=20)
    assert caught.value.code is ErrorCode.INVALID_PAYLOAD


CARD = TeacherCardRecord(
    user_id=UserId("u1"),
    full_name="Łucja Wiśniewska",
    status=AccountStatus.VALIDATED,
    school_id=SchoolId("s1"),
    school_name="Szkoła Podstawowa nr 5",
    city="Kraków",
    country_code="PL",
    school_type="primary",
)


def test_profile_document_carries_labels_school_and_facets():
    fields = ProfileFields(
        bio="Lubimy teatr.",
        subjects=("mathematics",),
        languages=("pl", "en"),
        interests=("robotics",),
        age_min=7,
        age_max=10,
        looking_for_partners=True,
    )
    doc = profile_document(CARD, fields, vocabulary())
    assert doc.kind is SearchKind.PROFILE and doc.ref_id == "u1" and doc.owner_validated
    for word in ("Mathematik", "matemáticas", "Polish", "English", "robotics", "Kraków"):
        assert word in doc.body
    assert doc.title == "Łucja Wiśniewska"
    assert document_tags(doc) == [
        "k_profile",
        "c_pl",
        "t_primary",
        "p_yes",
        "s_mathematics",
        "l_pl",
        "l_en",
        "a_7",
        "a_8",
        "a_9",
        "a_10",
    ]


def test_post_document_looks_for_partners_and_keeps_wanted_countries():
    now = datetime(2026, 11, 29, tzinfo=UTC)
    post = PostRecord(
        id="p1",
        author_id=UserId("u1"),
        fields=PostFields(
            title="Bajki",
            description="x" * 400,
            subjects=(),
            languages=("en",),
            age_min=8,
            age_max=10,
            wanted_countries=(),
        ),
        status=PostStatus.OPEN,
        created_at=now,
        updated_at=now,
        expires_at=now,
        closed_at=None,
    )
    doc = post_document(post, CARD, vocabulary())
    assert doc.looking_for_partners and doc.expires_at == now
    assert len(doc.summary) == 300 and doc.summary.endswith("…")
    assert "Łucja Wiśniewska" in doc.body
    assert document_tags(doc)[-4:] == ["w_any", "a_8", "a_9", "a_10"]
