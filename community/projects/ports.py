"""What projects need from other parts of the community domain.

Contacts belong to the networking area (``community.network``); projects
only ask whether two teachers are contacts, through this small Protocol, so
that the rule "only contacts can be co-founders or partners" has a single
source of truth and no second contacts table exists.
"""

from __future__ import annotations

from typing import Protocol

from protocol.ids import UserId


class ContactChecker(Protocol):
    """Answers whether two accounts are accepted contacts of each other."""

    async def are_contacts(self, a: UserId, b: UserId) -> bool:
        """True when ``a`` and ``b`` are accepted contacts (in either direction)."""
        ...
