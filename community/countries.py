"""The countries taking part in eTwinning, read from ``data/countries.toml``.

The list is data with its sources, not constants scattered through the code:
when a country joins or leaves, one file changes and its review date with it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources


class CountryGroup(StrEnum):
    """How a country takes part."""

    EU = "eu"
    ERASMUS_ASSOCIATED = "erasmus_associated"
    WESTERN_BALKANS = "western_balkans"
    NEIGHBOURHOOD = "neighbourhood"
    JOINED_2024 = "joined_2024"
    FORMER = "former"


@dataclass(frozen=True, slots=True)
class Country:
    """One country of the network."""

    code: str
    """ISO 3166-1 alpha-2 code (XK for Kosovo, user-assigned)."""
    name: str
    """English short name."""
    group: CountryGroup
    timezone: str
    """IANA time zone of the capital; the default for the country's schools."""
    joined: date | None
    """When it joined, where a source gives it."""
    left: date | None
    """When it stopped taking part, if it did."""

    def is_participating(self, on: date) -> bool:
        """Whether the country takes part on the given day."""
        if self.joined is not None and on < self.joined:
            return False
        return self.left is None or on <= self.left


@dataclass(frozen=True, slots=True)
class CountryTable:
    """The whole table and the version (review date) of its data file."""

    version: str
    countries: tuple[Country, ...]

    def find(self, code: str) -> Country | None:
        """The country with this code, participating or not."""
        return _index(self).get(code.upper())

    def participating(self, on: date) -> tuple[Country, ...]:
        """Countries taking part on the given day, in file order."""
        return tuple(c for c in self.countries if c.is_participating(on))


@cache
def _index(table: CountryTable) -> dict[str, Country]:
    return {c.code: c for c in table.countries}


@cache
def country_table() -> CountryTable:
    """The table shipped with the package (read once)."""
    raw = tomllib.loads(
        resources.files("community.data").joinpath("countries.toml").read_text("utf-8")
    )
    countries = tuple(
        Country(
            code=entry["code"],
            name=entry["name"],
            group=CountryGroup(entry["group"]),
            timezone=entry["timezone"],
            joined=entry.get("joined"),
            left=entry.get("left"),
        )
        for entry in raw["country"]
    )
    return CountryTable(version=raw["version"], countries=countries)
