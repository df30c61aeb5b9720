"""What goes into the search index, what a search asks, and what it returns.

The domain builds a :class:`SearchDocument` from a profile or a post (it
knows the vocabularies' labels); the engines fold its texts and derive its
tags. Tags are index tokens such as ``c_fr`` or ``s_history`` that no free
text can produce (query words never contain ``_``): PostgreSQL's tag index
narrows a search by them before any row is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from protocol.api.network import AGE_HIGH, AGE_LOW, SearchKind

NO_COUNTRY_WANTED = "any"
"""The ``w_`` tag of a post that welcomes partners from every country."""


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One searchable thing, as the domain describes it."""

    kind: SearchKind
    ref_id: str
    """The teacher's user id (profiles) or the post's id."""
    owner_id: str
    """The teacher, or the post's author; only validated owners are found."""
    owner_validated: bool
    title: str
    """Shown first and weighted most: the teacher's name, the post's title."""
    body: str
    """Every other searchable text (bio, interests, subject labels, school...)."""
    summary: str
    """The start of the bio or description, for result lists."""
    school_name: str
    city: str
    country_code: str
    school_type: str
    age_min: int
    age_max: int
    looking_for_partners: bool
    subjects: tuple[str, ...]
    languages: tuple[str, ...]
    wanted_countries: tuple[str, ...] = ()
    """Posts only; empty for "any country"."""
    expires_at: datetime | None = None
    """Posts only: when the post drops out of search."""


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """Free text and filters. Values of one filter are alternatives; filters combine."""

    text: str = ""
    kind: SearchKind | None = None
    countries: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    school_types: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    looking_for_partners: bool | None = None
    open_to: str | None = None
    """Only posts welcoming partners from this country."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: SearchKind
    ref_id: str
    owner_id: str
    title: str
    summary: str
    school_name: str
    city: str
    country_code: str
    school_type: str
    subjects: tuple[str, ...]
    languages: tuple[str, ...]
    age_min: int
    age_max: int
    looking_for_partners: bool
    expires_at: datetime | None
    relevance: float
    """Higher is better; comparable only within one search."""


@dataclass(frozen=True, slots=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results and the counts over the whole filtered result."""

    hits: tuple[SearchHit, ...]
    next_cursor: str | None
    total: int
    facets: dict[str, tuple[FacetCount, ...]] = field(default_factory=dict)
    """``kind``, ``country``, ``subject``, ``language``, ``school_type``: most
    frequent first, then by value."""


FACETS = ("kind", "country", "subject", "language", "school_type")


def document_tags(doc: SearchDocument) -> list[str]:
    """The filter tokens of a document."""
    tags = [
        f"k_{doc.kind.value}",
        f"c_{doc.country_code.lower()}",
        f"t_{doc.school_type}",
        "p_yes" if doc.looking_for_partners else "p_no",
    ]
    tags += [f"s_{s}" for s in doc.subjects]
    tags += [f"l_{lang}" for lang in doc.languages]
    if doc.kind is SearchKind.POST:
        wanted = doc.wanted_countries or (NO_COUNTRY_WANTED,)
        tags += [f"w_{c.lower()}" for c in wanted]
    tags += age_tags(doc.age_min, doc.age_max)
    return tags


def age_tags(low: int, high: int) -> list[str]:
    """A tag per year of pupils' age from ``low`` to ``high``, within the ages
    a profile or post may have: ranges overlap when they share a tagged year."""
    return [f"a_{age}" for age in range(max(low, AGE_LOW), min(high, AGE_HIGH) + 1)]


@dataclass(frozen=True, slots=True)
class FilterGroup:
    """One filter of a request as tags: a document needs any one of them."""

    name: str
    """``kind``, ``open_to``, ``country``, ``subject``, ``language``,
    ``school_type``, ``looking`` or ``age``."""
    tags: tuple[str, ...]


def filter_groups(request: SearchRequest) -> list[FilterGroup]:
    """The request's filters as tag groups: any tag of each group, every group."""
    groups: list[FilterGroup] = []
    if request.kind is not None:
        groups.append(FilterGroup("kind", (f"k_{request.kind.value}",)))
    if request.open_to is not None:
        wanted = (f"w_{request.open_to.lower()}", f"w_{NO_COUNTRY_WANTED}")
        groups.append(FilterGroup("open_to", wanted))
    groups += [
        FilterGroup(name, tuple(f"{prefix}_{value.lower()}" for value in values))
        for name, prefix, values in (
            ("country", "c", request.countries),
            ("subject", "s", request.subjects),
            ("language", "l", request.languages),
            ("school_type", "t", request.school_types),
        )
        if values
    ]
    if request.looking_for_partners is not None:
        groups.append(
            FilterGroup("looking", ("p_yes" if request.looking_for_partners else "p_no",))
        )
    if request.age_min is not None or request.age_max is not None:
        low = AGE_LOW if request.age_min is None else request.age_min
        high = AGE_HIGH if request.age_max is None else request.age_max
        groups.append(FilterGroup("age", tuple(age_tags(low, high))))
    return groups
