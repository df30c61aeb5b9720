"""National support organisations, read from ``community/data/nsos.toml``.

Each participating country has one NSO (validation of teachers, approval of
projects, quality labels). Our reference names only some of them; the others
are kept as clearly marked placeholders (``is_generic``) until someone checks
ESEP's list, so that the code never presents a guess as a fact.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from protocol.errors import NotFound

from ..countries import Country, country_table


@dataclass(frozen=True, slots=True)
class Nso:
    """One country's national support organisation."""

    country_code: str
    name: str
    is_generic: bool
    """True when ``name`` is a placeholder: no source names the organisation."""
    verification: str
    """The reference's mark: ``S`` (one secondary source) or ``U`` (unverified)."""
    source: str
    website: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class NsoTable:
    version: str
    nsos: tuple[Nso, ...]
    _by_country: dict[str, Nso] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_country", {n.country_code: n for n in self.nsos})

    def find(self, country_code: str) -> Nso | None:
        """The NSO of a country, if it takes part."""
        return self._by_country.get(country_code.upper())


@dataclass(frozen=True, slots=True)
class CountryDetail:
    """A country with its NSO, as ``GET /api/v1/countries/{code}`` shows it."""

    country: Country
    is_participating: bool
    nso: Nso | None
    version: str
    """The newer review date of the two data files."""


def _nso(entry: dict[str, Any]) -> Nso:
    return Nso(
        country_code=entry["country"],
        name=entry["name"],
        is_generic=entry["generic"],
        verification=entry["verification"],
        source=entry["source"],
        website=entry.get("website"),
        note=entry.get("note"),
    )


@cache
def nso_table() -> NsoTable:
    """The table shipped with the package (read once)."""
    text = resources.files("community.data").joinpath("nsos.toml").read_text("utf-8")
    raw: dict[str, Any] = tomllib.loads(text)
    return NsoTable(version=raw["version"], nsos=tuple(_nso(e) for e in raw["nso"]))


def describe_country(code: str, today: date) -> CountryDetail:
    """A country (participating or former) and its NSO.

    Raises:
        NotFound: No country has this code in our table.
    """
    countries = country_table()
    country = countries.find(code)
    if country is None:
        raise NotFound("no such country")
    nsos = nso_table()
    return CountryDetail(
        country=country,
        is_participating=country.is_participating(today),
        nso=nsos.find(country.code),
        version=max(countries.version, nsos.version),
    )
