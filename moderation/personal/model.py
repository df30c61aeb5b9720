"""What the personal-data detectors report."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["PersonalData", "PersonalDataKind"]


class PersonalDataKind(StrEnum):
    """The kinds of personal data a pupil must not post (and links off the platform)."""

    EMAIL = "email"
    """An e-mail address, also written "name at gmail dot com" or "name(at)mail.fr"."""
    PHONE = "phone"
    """A phone number that is valid in one of the partner regions."""
    ADDRESS = "address"
    """A street address: a street word and a house number."""
    SOCIAL = "social"
    """A social-media handle, or an invitation to write on another platform."""
    LINK = "link"
    """A web address, with or without a scheme, or written "site dot com"."""


@dataclass(frozen=True, slots=True)
class PersonalData:
    """One finding: its kind and where it is in the original text."""

    kind: PersonalDataKind
    span: tuple[int, int]
    """Start and end offsets in the original text (``text[start:end]``)."""
    detail: str = ""
    """For teachers: the region of a phone number, the platform named...; never the data."""
