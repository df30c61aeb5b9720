"""Frozen records of the networking area: profiles, contacts and partner posts.

The repositories of ``storage.repositories.network`` return only these (the
search records live with the engines, in ``storage.search.documents``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from protocol.api.accounts import AccountStatus
from protocol.api.network import ContactStatus, PostStatus
from protocol.ids import SchoolId, UserId


@dataclass(frozen=True, slots=True)
class TeacherCardRecord:
    """Who a teacher is, in the few words networking lists show."""

    user_id: UserId
    full_name: str
    status: AccountStatus
    school_id: SchoolId
    school_name: str
    city: str
    country_code: str
    school_type: str
    last_login_at: datetime | None = None
    """When the teacher last signed in (None: never); a year later their
    profile drops out of sight (``community.network.profiles``)."""


@dataclass(frozen=True, slots=True)
class ProfileFields:
    """What a teacher writes in their profile."""

    bio: str
    subjects: tuple[str, ...]
    languages: tuple[str, ...]
    interests: tuple[str, ...]
    age_min: int
    age_max: int
    looking_for_partners: bool


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    user_id: UserId
    fields: ProfileFields
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """One row per pair of teachers, whoever asked."""

    id: str
    requester_id: UserId
    addressee_id: UserId
    status: ContactStatus
    requested_at: datetime
    decided_at: datetime | None

    def other(self, user_id: UserId) -> UserId:
        """The other teacher of the pair."""
        return self.addressee_id if user_id == self.requester_id else self.requester_id


@dataclass(frozen=True, slots=True)
class ContactEntryRecord:
    """A contact as a list shows it: the relation and the other teacher."""

    contact: ContactRecord
    other: TeacherCardRecord


@dataclass(frozen=True, slots=True)
class PostFields:
    """What the author writes in a partner-finding post."""

    title: str
    description: str
    subjects: tuple[str, ...]
    languages: tuple[str, ...]
    age_min: int
    age_max: int
    wanted_countries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PostRecord:
    id: str
    author_id: UserId
    fields: PostFields
    status: PostStatus
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    closed_at: datetime | None
