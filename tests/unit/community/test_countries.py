"""The participating-countries table and its data file."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from community.countries import CountryGroup, country_table

TODAY = date(2026, 11, 29)


def test_46_countries_take_part_today():
    participating = country_table().participating(TODAY)
    assert len(participating) == 46
    assert len({c.code for c in participating}) == 46


def test_codes_are_unique_upper_case_pairs():
    codes = [c.code for c in country_table().countries]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert re.fullmatch(r"[A-Z]{2}", code), code


@pytest.mark.parametrize("country", country_table().countries, ids=lambda c: c.code)
def test_every_timezone_is_a_valid_zone(country):
    assert ZoneInfo(country.timezone).key == country.timezone


@pytest.mark.parametrize("country", country_table().countries, ids=lambda c: c.code)
def test_every_country_is_complete_and_consistent(country):
    assert country.name.strip() == country.name and country.name
    assert isinstance(country.group, CountryGroup)
    if country.joined is not None and country.left is not None:
        assert country.joined <= country.left
    assert (country.group is CountryGroup.FORMER) == (country.left is not None)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2019, 6, 1), True),
        (date(2020, 12, 31), True),
        (date(2021, 1, 1), False),
        (TODAY, False),
    ],
)
def test_united_kingdom_left_after_2020(on: date, expected: bool):
    gb = country_table().find("GB")
    assert gb is not None
    assert gb.is_participating(on) is expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2022, 3, 31), False),
        (date(2022, 4, 1), True),
        (TODAY, True),
    ],
)
def test_montenegro_joined_in_april_2022(on: date, expected: bool):
    me = country_table().find("ME")
    assert me is not None
    assert me.is_participating(on) is expected


def test_more_countries_took_part_in_2019_than_joined_since():
    in_2019 = {c.code for c in country_table().participating(date(2019, 6, 1))}
    today = {c.code for c in country_table().participating(TODAY)}
    assert "GB" in in_2019 - today
    assert {"ME", "PS", "XK"} <= today - in_2019


def test_find_ignores_case_and_knows_unknown_codes():
    table = country_table()
    france = table.find("fr")
    assert france is not None and france.code == "FR" and france.name == "France"
    assert table.find("ZZ") is None
    assert table.find("") is None


def test_the_data_file_has_a_version_date():
    version = country_table().version
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", version)
    assert date.fromisoformat(version) <= TODAY
