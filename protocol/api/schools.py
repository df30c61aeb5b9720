"""Query of the public school and country lists."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from ..base import PageQuery, ResponseModel


class SchoolListQuery(PageQuery):
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    """Only schools of this country."""
    q: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """Beginning of the school's name (case does not matter)."""


class CountryView(ResponseModel):
    code: str
    name: str
    group: str
    timezone: str
    joined: date | None = None


class CountryListView(ResponseModel):
    version: str
    """Review date of the country data."""
    countries: list[CountryView]
