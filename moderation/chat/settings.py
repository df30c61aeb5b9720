"""Knobs of moderated chat: retention, history pages, caches.

The server's ``Settings`` embeds this dataclass as its ``moderation`` section
(``JUMELAGE_MODERATION__RETENTION_DAYS=30``). Per-room choices (pre-moderation,
slow mode...) are teachers' settings, not these.
"""

from __future__ import annotations

from dataclasses import dataclass

from cluster import RateRule

from ..settings import ModerationSettings

MAX_RETENTION_DAYS = 3650


@dataclass(frozen=True)
class ChatModerationSettings:
    """Server-wide limits of moderated chat and forum posts."""

    retention_days: int = 30
    """Days a session's chat is kept after the session, for schools that set none."""
    purge_every_s: float = 3600.0
    """How often the purge runs (once in the cluster per period)."""
    purge_batch: int = 500
    """Rows deleted per statement (short transactions on a busy database)."""
    max_session_s: int = 24 * 3600
    """A session not recorded as ended counts as ended this long after a message."""
    terms_cache_s: float = 30.0
    """A project's own words are read again this often per node: a new word
    applies everywhere within this time."""
    max_project_terms: int = 200
    chat_burst: int = 8
    """Chat messages one participant (teachers too) may send at once in a room..."""
    chat_per_s: float = 0.5
    """...then this many a second. Raise both only for load tests
    (bench/chat_fanout.py)."""
    room_chat_burst: int = 120
    """Pupils' messages a room may take at once, all together..."""
    room_chat_per_s: float = 10.0
    """...then this many a second: a flood cannot drown the room."""
    store_interval_s: float = 0.0
    """While chat messages keep coming, a node starts a commit of those
    waiting at most this often (``moderation.chat.writer``): fewer commits
    (each has a fixed cost) for up to this much more wait per message. Off by
    default: a socket's commands run one after another, so a sender's next
    message waits for this one's commit, and bench/chat_fanout.py's one
    sender per room lost more rate to the wait than it gained in CPU."""
    store_batch: int = 100
    """Chat messages in one commit at most."""

    def chat_limits(self) -> ModerationSettings:
        """The chat pipeline's limits (``ModerationSettings``) with these rates."""
        return ModerationSettings(
            participant_rate=RateRule(
                "chat.participant", capacity=self.chat_burst, refill_per_s=self.chat_per_s
            ),
            room_rate=RateRule(
                "chat.room", capacity=self.room_chat_burst, refill_per_s=self.room_chat_per_s
            ),
        )

    def __post_init__(self) -> None:
        if not 1 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise ValueError(f"moderation.retention_days must be within 1 .. {MAX_RETENTION_DAYS}")
        if self.purge_every_s < 1 or self.purge_batch < 1 or self.max_session_s < 60:
            raise ValueError(
                "moderation: purge_every_s >= 1, purge_batch >= 1, max_session_s >= 60"
            )
        if not 0 <= self.store_interval_s <= 1 or self.store_batch < 1:
            raise ValueError("moderation: store_interval_s within 0 .. 1, store_batch >= 1")
        if self.terms_cache_s < 0 or self.max_project_terms < 1:
            raise ValueError("moderation: terms_cache_s >= 0 and max_project_terms >= 1")
        if (
            min(self.chat_burst, self.room_chat_burst) < 1
            or min(self.chat_per_s, self.room_chat_per_s) <= 0
        ):
            raise ValueError("moderation: chat limits must be >= 1 (burst) and > 0 (per_s)")
