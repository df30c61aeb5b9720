"""Networking area: teacher profiles, contacts, partner-finding posts, partner search.

Every endpoint of this area is for validated teachers only; pupils never see
any of it. Subjects and languages are codes of controlled vocabularies
(``GET /api/v1/network/vocabulary``): subject codes from the subject list,
languages as ISO 639-1 codes, so that search facets stay stable.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ..base import PageQuery, QueryModel, RequestModel, ResponseModel

AGE_LOW = 3
AGE_HIGH = 20
MAX_BIO_LEN = 1000
MAX_TERMS = 10
"""Most subjects, languages or wanted countries on one profile or post."""
MAX_INTERESTS = 15
MAX_INTEREST_LEN = 40
MAX_POST_TITLE_LEN = 200
MAX_POST_DESCRIPTION_LEN = 5000
MAX_SEARCH_TEXT_LEN = 200
MAX_SEARCH_PAGE = 50

Age = Annotated[int, Field(ge=AGE_LOW, le=AGE_HIGH)]
SubjectCode = Annotated[str, Field(pattern=r"^[a-z][a-z_]{1,39}$")]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
SchoolTypeCode = Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")]


class ContactStatus(StrEnum):
    """Where a contact request stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ContactList(StrEnum):
    """Which contacts to list."""

    ACCEPTED = "accepted"
    """My contacts."""
    INCOMING = "incoming"
    """Requests waiting for my answer."""
    OUTGOING = "outgoing"
    """My requests still waiting for an answer."""


class PostStatus(StrEnum):
    """An open post looks for partners; a closed one no longer does."""

    OPEN = "open"
    CLOSED = "closed"


class SearchKind(StrEnum):
    """What partner search finds."""

    PROFILE = "profile"
    """Teachers, by their profile."""
    POST = "post"
    """Partner-finding posts (project ideas)."""


# -- reference data -----------------------------------------------------------


class NsoView(ResponseModel):
    """The national support organisation of a country."""

    name: str
    is_generic: bool
    """True when our sources name no organisation and ``name`` is a placeholder."""
    verification: str
    """``S``: named by one secondary source; ``U``: not verified."""
    website: str | None = None
    source: str
    """Where the entry comes from."""
    note: str | None = None


class CountryDetailView(ResponseModel):
    """A participating country and its national support organisation."""

    code: str
    name: str
    group: str
    timezone: str
    joined: date | None = None
    left: date | None = None
    is_participating: bool
    nso: NsoView | None = None
    """None for a country that no longer takes part."""
    version: str
    """Review date of the reference data."""


class TermView(ResponseModel):
    code: str
    label: str
    """English name."""


class VocabularyView(ResponseModel):
    """The codes profiles, posts and search filters use."""

    version: str
    subjects: list[TermView]
    languages: list[TermView]
    """ISO 639-1 codes."""


# -- profiles -------------------------------------------------------------------


class ProfileRequest(RequestModel):
    """A teacher's whole profile (PUT replaces it)."""

    bio: Annotated[str, Field(max_length=MAX_BIO_LEN)] = ""
    """A few lines about your teaching and what you would like to do."""
    subjects: Annotated[list[SubjectCode], Field(default_factory=list, max_length=MAX_TERMS)]
    """Subject codes you teach."""
    languages: Annotated[list[LanguageCode], Field(default_factory=list, max_length=MAX_TERMS)]
    """ISO 639-1 codes of languages you can work in."""
    interests: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=MAX_INTEREST_LEN)]],
        Field(default_factory=list, max_length=MAX_INTERESTS),
    ]
    """Free topics ("robotics", "Erasmus days")."""
    age_min: Age
    """Youngest pupils you teach."""
    age_max: Age
    """Oldest pupils you teach."""
    looking_for_partners: bool = False


class SchoolSummaryView(ResponseModel):
    id: str
    name: str
    city: str
    country_code: str
    school_type: str


class ProfileView(ResponseModel):
    """A teacher's profile, as other validated teachers see it."""

    user_id: str
    full_name: str
    school: SchoolSummaryView
    bio: str
    subjects: list[str]
    languages: list[str]
    interests: list[str]
    age_min: int
    age_max: int
    looking_for_partners: bool
    updated_at: datetime | None = None
    """None while the teacher has not filled in a profile."""


# -- contacts ---------------------------------------------------------------------


class ContactRequestBody(RequestModel):
    user_id: Annotated[str, Field(min_length=1, max_length=64)]
    """The teacher to ask."""


class ContactListQuery(PageQuery):
    status: ContactList = ContactList.ACCEPTED


class ContactView(ResponseModel):
    """A contact, or a request, seen from the caller's side."""

    user_id: str
    """The other teacher."""
    full_name: str
    school_name: str
    country_code: str
    status: ContactStatus
    is_incoming: bool
    """Whether the other teacher sent the request."""
    requested_at: datetime
    decided_at: datetime | None = None


# -- partner posts ------------------------------------------------------------------


class PostRequest(RequestModel):
    """A new partner-finding post."""

    title: Annotated[str, Field(min_length=1, max_length=MAX_POST_TITLE_LEN)]
    description: Annotated[str, Field(min_length=1, max_length=MAX_POST_DESCRIPTION_LEN)]
    subjects: Annotated[list[SubjectCode], Field(default_factory=list, max_length=MAX_TERMS)]
    languages: Annotated[list[LanguageCode], Field(min_length=1, max_length=MAX_TERMS)]
    """Languages the project would work in."""
    age_min: Age
    age_max: Age
    wanted_countries: Annotated[
        list[CountryCode], Field(default_factory=list, max_length=MAX_TERMS)
    ]
    """Countries of the partners you look for; empty for any."""
    expires_at: datetime | None = None
    """When the post drops out of search; 180 days from now by default, at most 365."""


class PostUpdateRequest(RequestModel):
    """Changes to an open post; absent fields stay as they are."""

    title: Annotated[str, Field(min_length=1, max_length=MAX_POST_TITLE_LEN)] | None = None
    description: Annotated[str, Field(min_length=1, max_length=MAX_POST_DESCRIPTION_LEN)] | None = (
        None
    )
    subjects: Annotated[list[SubjectCode], Field(max_length=MAX_TERMS)] | None = None
    languages: Annotated[list[LanguageCode], Field(min_length=1, max_length=MAX_TERMS)] | None = (
        None
    )
    age_min: Age | None = None
    age_max: Age | None = None
    wanted_countries: Annotated[list[CountryCode], Field(max_length=MAX_TERMS)] | None = None
    expires_at: datetime | None = None


class PostListQuery(PageQuery):
    author_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    """Whose posts; the caller's own (closed and expired ones too) by default."""


class AuthorView(ResponseModel):
    user_id: str
    full_name: str
    school_name: str
    country_code: str


class PostView(ResponseModel):
    id: str
    author: AuthorView
    title: str
    description: str
    subjects: list[str]
    languages: list[str]
    age_min: int
    age_max: int
    wanted_countries: list[str]
    status: PostStatus
    is_expired: bool
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    closed_at: datetime | None = None


# -- partner search -----------------------------------------------------------------


class SearchQuery(QueryModel):
    """Free text and filters. Several values of one filter mean "any of them";
    different filters must all hold."""

    q: Annotated[str, Field(max_length=MAX_SEARCH_TEXT_LEN)] = ""
    """Words to find (accents and case do not matter; the last word may be unfinished)."""
    kind: SearchKind | None = None
    """Only profiles, or only posts; both by default."""
    country: Annotated[list[CountryCode], Field(default_factory=list, max_length=MAX_TERMS)]
    """The teacher's (or the post author's) school country."""
    subject: Annotated[list[SubjectCode], Field(default_factory=list, max_length=MAX_TERMS)]
    language: Annotated[list[LanguageCode], Field(default_factory=list, max_length=MAX_TERMS)]
    school_type: Annotated[list[SchoolTypeCode], Field(default_factory=list, max_length=MAX_TERMS)]
    age_min: Age | None = None
    """With ``age_max``: pupils' ages that must overlap the result's age range."""
    age_max: Age | None = None
    looking_for_partners: bool | None = None
    open_to: CountryCode | None = None
    """Only posts that welcome partners from this country."""
    cursor: str | None = Field(default=None, max_length=512)
    limit: int = Field(default=20, ge=1, le=MAX_SEARCH_PAGE)


class SearchHitView(ResponseModel):
    kind: SearchKind
    id: str
    """The teacher's user id, or the post's id."""
    owner_id: str
    """The teacher (profile) or the post's author."""
    title: str
    """The teacher's name, or the post's title."""
    summary: str
    school_name: str
    city: str
    country_code: str
    school_type: str
    subjects: list[str]
    languages: list[str]
    age_min: int
    age_max: int
    looking_for_partners: bool
    expires_at: datetime | None = None
    score: float
    """Relevance, higher is better; only meaningful within one search."""


class FacetView(ResponseModel):
    value: str
    count: int


class FacetsView(ResponseModel):
    """Counts over the whole filtered result (not just this page)."""

    kind: list[FacetView]
    country: list[FacetView]
    subject: list[FacetView]
    language: list[FacetView]
    school_type: list[FacetView]


class SearchResultView(ResponseModel):
    items: list[SearchHitView]
    next_cursor: str | None = None
    total: int
    """Results of the whole search."""
    facets: FacetsView
