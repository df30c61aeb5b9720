"""Errors of the networking area (contacts; the others reuse general codes).

Hierarchy::

    CodedError (protocol)
     ├── InvalidPayload
     │    └── ContactWithSelf      a teacher asked themselves
     ├── Forbidden
     │    └── NotYours             someone else's profile, post or request
     └── Conflict
          ├── ContactExists        the pair is already contacts, or a request waits
          ├── ContactCooldown      declined recently; ``details["retry_after_s"]``
          └── TooManyPosts         the author has the most open posts allowed
"""

from __future__ import annotations

from protocol.errors import Conflict, ErrorCode, Forbidden, InvalidPayload


class ContactWithSelf(InvalidPayload):
    """A teacher cannot be their own contact."""

    code = ErrorCode.CONTACT_SELF


class ContactExists(Conflict):
    """The two teachers are contacts already, or a request between them waits.

    ``details["status"]`` is the pair's status and ``details["is_incoming"]``
    tells a requester that the other teacher asked first (accept that instead).
    """

    code = ErrorCode.CONTACT_EXISTS


class ContactCooldown(Conflict):
    """The other teacher declined recently; ``details["retry_after_s"]`` says when
    a new request is allowed."""

    code = ErrorCode.CONTACT_COOLDOWN


class NotYours(Forbidden):
    """Only the owner (the profile's teacher, the post's author, the request's
    addressee) may do this."""


class TooManyPosts(Conflict):
    """The author has as many open posts as allowed; close one first."""
