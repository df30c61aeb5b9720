"""Errors of projects, their membership and their spaces.

Hierarchy::

    CodedError (protocol)
     ├── InvalidPayload
     │    └── FoundingPairInvalid   not exactly one co-founder, oneself, same school
     ├── Forbidden
     │    ├── NotAContact           the invitee is not an accepted contact of the inviter
     │    └── FounderProtected      founders always stay teacher admins and members
     └── Conflict
          ├── PartnerNotEligible    the invitee is not a validated teacher
          ├── AlreadyMember         already a member (or already invited)
          └── SpaceReadOnly         the project is closed or archived

Files have their own errors in ``community.files.errors``. A project or any
content that the caller may not see is a plain ``NotFound``, identical to a
missing one, so that ids reveal nothing.
"""

from __future__ import annotations

from protocol.errors import Conflict, ErrorCode, Forbidden, InvalidPayload


class FoundingPairInvalid(InvalidPayload):
    """A project is founded by exactly one founder and one co-founder of another school."""

    code = ErrorCode.FOUNDING_PAIR_INVALID


class NotAContact(Forbidden):
    """Only one's accepted contacts can be co-founders or partners."""

    code = ErrorCode.NOT_A_CONTACT


class PartnerNotEligible(Conflict):
    """The invitee is not a validated teacher (pending, suspended, or not a teacher)."""

    code = ErrorCode.PARTNER_NOT_ELIGIBLE


class AlreadyMember(Conflict):
    """The person is already a member of the project, or already invited."""

    code = ErrorCode.ALREADY_MEMBER


class FounderProtected(Forbidden):
    """Nobody can demote or remove the founder or the co-founder."""

    code = ErrorCode.FOUNDER_PROTECTED


class SpaceReadOnly(Conflict):
    """The project is closed or archived: its space can be read, not changed."""

    code = ErrorCode.SPACE_READ_ONLY
