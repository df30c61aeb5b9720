"""Errors raised by the storage layer.

Hierarchy::

    CodedError
     ├── NotFound            (protocol) a ``get_*`` found no row
     ├── Unavailable         (protocol)
     │    └── DatabaseUnavailable   the database cannot be reached
     └── Conflict            (protocol)
          └── DuplicateKey          a unique constraint refused the write
"""

from __future__ import annotations

from protocol.errors import Conflict, Unavailable


class DatabaseUnavailable(Unavailable):
    """The database did not answer; the caller may retry later."""


class DuplicateKey(Conflict):
    """A unique constraint refused the write; nothing was changed."""
