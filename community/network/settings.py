"""Knobs of the networking area, with defaults for one school network.

A frozen stdlib dataclass, like ``AccountSettings``, so that the server's
``Settings`` can embed it as a ``network`` section without declaring it twice.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY_S = 24 * 3600


@dataclass(frozen=True)
class NetworkSettings:
    """Contact etiquette and the lifetime of partner-finding posts."""

    contact_cooldown_s: int = 30 * DAY_S
    """After a decline, the requester may ask the same teacher again after 30 days:
    long enough not to pester, short enough for a new school year's plans."""
    contact_requests_per_day: int = 50
    """Contact requests one teacher may send per day (spam brake)."""
    post_default_ttl_s: int = 180 * DAY_S
    """A post without an expiry date drops out of search after about a school term
    and a half, so stale ideas do not crowd the results."""
    post_max_ttl_s: int = 365 * DAY_S
    """No post may stay longer than a year without being renewed."""
    max_open_posts: int = 20
    """Open posts one teacher may have at once."""
