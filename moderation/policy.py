"""A room's moderation policy: what teachers set, with defaults for a young class.

The policy is plain data, read by the pipeline's checks. Where it comes from
(a room's settings, a project's defaults) is the caller's business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from protocol.api.grants import RoomRole

from .wordlists import LANGUAGES, Term

__all__ = [
    "PersonalDataPolicy",
    "Premoderation",
    "RoomPolicy",
    "SenderRole",
    "sender_role",
]


class Premoderation(StrEnum):
    """Which pupil messages wait for a teacher."""

    OFF = "off"
    """None: terms of severity ``hold`` are delivered and noted for teachers."""
    FLAGGED = "flagged"
    """Those with a term of severity ``hold`` (the default)."""
    ALL = "all"
    """Every pupil message (for the youngest classes)."""


class PersonalDataPolicy(StrEnum):
    """What happens to a pupil message with personal data or a link."""

    HOLD = "hold"
    """A teacher decides (the default: some links and addresses are fine)."""
    BLOCK = "block"
    """Refused."""


class SenderRole(StrEnum):
    """How the pipeline treats a sender."""

    PUPIL = "pupil"
    TEACHER = "teacher"


_TEACHER_ROLES = (RoomRole.HOST, RoomRole.CO_TEACHER)
"""The room roles that moderate, and so write as teachers."""


def sender_role(role: RoomRole) -> SenderRole:
    """Hosts and co-teachers are teachers; pupils and observers are checked as pupils.

    Observers (a visiting parent, a head teacher) cannot moderate the room,
    so nothing lets them skip the checks a pupil goes through.
    """
    return SenderRole.TEACHER if role in _TEACHER_ROLES else SenderRole.PUPIL


@dataclass(frozen=True, slots=True)
class RoomPolicy:
    """A room's moderation settings.

    Raises:
        ValueError: An unknown language, or a slow mode that is not a
            positive number of seconds.
    """

    premoderation: Premoderation = Premoderation.FLAGGED
    personal_data: PersonalDataPolicy = PersonalDataPolicy.HOLD
    slow_mode_s: float | None = None
    """When set, each pupil may send one message every so many seconds."""
    languages: frozenset[str] = frozenset(LANGUAGES)
    """Whose word lists apply: all partners' languages by default."""
    extra_terms: frozenset[Term] = frozenset()
    """A teacher's own terms for this project."""
    allowed_domains: frozenset[str] = field(default_factory=frozenset)
    """Link hosts pupils may post without a hold (``wikipedia.org`` covers its subdomains)."""

    def __post_init__(self) -> None:
        unknown = self.languages - frozenset(LANGUAGES)
        if unknown:
            raise ValueError(f"no word list for {sorted(unknown)}")
        if self.slow_mode_s is not None and not (
            math.isfinite(self.slow_mode_s) and self.slow_mode_s > 0
        ):
            raise ValueError("slow_mode_s must be a positive number of seconds")
