"""Reference data of the networking area: NSOs per country and the vocabularies."""

from __future__ import annotations

from datetime import date

import pytest

from community import country_table, describe_country, nso_table, vocabulary
from protocol import ErrorCode
from protocol.api.network import LanguageCode, SubjectCode
from protocol.errors import CodedError

TODAY = date(2026, 11, 29)


def test_every_participating_country_has_exactly_one_nso():
    participating = {c.code for c in country_table().participating(TODAY)}
    listed = [n.country_code for n in nso_table().nsos]
    assert len(listed) == len(set(listed))
    assert set(listed) == participating
    assert len(participating) == 46


def test_named_nsos_are_sourced_and_others_are_marked_placeholders():
    for nso in nso_table().nsos:
        assert nso.source
        if nso.is_generic:
            assert nso.verification == "U"
            country = country_table().find(nso.country_code)
            assert country is not None
            assert nso.name == f"National Support Organisation of {country.name}"
        else:
            assert nso.verification in {"V", "S"}
    named = {n.country_code: n.name for n in nso_table().nsos if not n.is_generic}
    assert named == {"FR": "Réseau Canopé", "IT": "INDIRE"}


def test_describe_country_joins_country_and_nso():
    france = describe_country("fr", TODAY)
    assert france.country.code == "FR" and france.is_participating
    assert france.nso is not None and france.nso.name == "Réseau Canopé"
    britain = describe_country("GB", TODAY)
    assert not britain.is_participating and britain.nso is None


def test_describe_unknown_country_is_not_found():
    with pytest.raises(CodedError) as caught:
        describe_country("ZZ", TODAY)
    assert caught.value.code is ErrorCode.NOT_FOUND


def test_languages_are_iso_639_1_codes_with_names():
    languages = vocabulary().languages
    codes = [t.code for t in languages]
    assert len(codes) == len(set(codes)) == 183
    assert all(len(c) == 2 and c.isascii() and c.islower() for c in codes)
    for code in ("fr", "de", "pl", "el", "tr", "uk", "ar", "lb", "mt", "ga", "sq", "ka", "hy"):
        assert vocabulary().language(code) is not None
    assert vocabulary().language("sh") is None  # deprecated by ISO


def test_every_code_fits_the_wire_patterns():
    from pydantic import TypeAdapter

    subject = TypeAdapter(SubjectCode)
    language = TypeAdapter(LanguageCode)
    for term in vocabulary().subjects:
        subject.validate_python(term.code)
        assert term.label
    for term in vocabulary().languages:
        language.validate_python(term.code)


def test_check_keeps_order_drops_repeats_and_names_unknown_codes():
    terms = vocabulary()
    assert terms.check_subjects(["drama", "history", "drama"], field="subjects") == (
        "drama",
        "history",
    )
    with pytest.raises(CodedError) as caught:
        terms.check_languages(["fr", "xx", "yy"], field="languages")
    assert caught.value.code is ErrorCode.INVALID_PAYLOAD
    assert caught.value.details == {"field": "languages", "unknown": ["xx", "yy"]}
