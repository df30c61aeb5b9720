"""A room's chat policy for one session: what teachers set, kept in the room state.

Two parts:

* the *lasting* settings of the room (pre-moderation, personal data, slow
  mode, links, allowed link hosts), stored in the database so that the next
  session starts with them;
* the *session's* switches (chat locked, private messages on, who is muted
  until when), which end with the session.

The whole policy is one compact JSON text in the room state's ``chat`` field,
read with the sender's records on every message (no extra round trip) and
changed by teachers' actions in atomic commits. Decoding is cached by text,
so a room's messages pay for it once per policy change.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace

from protocol.events.chat import ChatPersonalData, ChatPolicyView, ChatPremoderation
from protocol.ids import RoomId
from storage.records_moderation import ChatRoomSettingsRecord

from ..policy import PersonalDataPolicy, Premoderation, RoomPolicy
from ..wordlists import Term

POLICY_CACHE_SIZE = 1024


@dataclass(frozen=True, slots=True)
class ChatPolicy:
    """One session's chat policy (see the module docstring)."""

    premoderation: Premoderation = Premoderation.FLAGGED
    personal_data: PersonalDataPolicy = PersonalDataPolicy.HOLD
    slow_mode_s: float | None = None
    links_allowed: bool = False
    allowed_domains: tuple[str, ...] = ()
    locked: bool = False
    """Only teachers may write."""
    direct_messages: bool = False
    """Pupils may write to each other privately."""
    mutes: tuple[tuple[str, float], ...] = ()
    """(user id, muted until: wall-clock seconds), sorted by user id."""

    # -- the room state's text -------------------------------------------------

    def encode(self) -> str:
        data = {
            "pm": self.premoderation.value,
            "pd": self.personal_data.value,
            "slow": self.slow_mode_s,
            "links": self.links_allowed,
            "domains": list(self.allowed_domains),
            "locked": self.locked,
            "dm": self.direct_messages,
            "mutes": [list(m) for m in self.mutes],
        }
        return json.dumps(data, separators=(",", ":"))

    @staticmethod
    def decode(text: str | None) -> ChatPolicy:
        """The policy in ``text``; the defaults for None (a room that keeps none)."""
        return DEFAULT if text is None else _decode(text)

    # -- lasting settings --------------------------------------------------------

    @classmethod
    def starting(cls, settings: ChatRoomSettingsRecord | None) -> ChatPolicy:
        """A new session's policy: the room's lasting settings, every switch off."""
        if settings is None:
            return DEFAULT
        return cls(
            premoderation=Premoderation(settings.premoderation),
            personal_data=PersonalDataPolicy(settings.personal_data),
            slow_mode_s=settings.slow_mode_s,
            links_allowed=settings.links_allowed,
            allowed_domains=settings.allowed_domains,
        )

    def lasting(self, room_id: RoomId) -> ChatRoomSettingsRecord:
        """What the room keeps for its next sessions."""
        return ChatRoomSettingsRecord(
            room_id=room_id,
            premoderation=self.premoderation.value,
            personal_data=self.personal_data.value,
            links_allowed=self.links_allowed,
            slow_mode_s=self.slow_mode_s,
            allowed_domains=self.allowed_domains,
        )

    # -- mutes -----------------------------------------------------------------

    def muted_until(self, user_id: str, now: float) -> float | None:
        """When the user's mute ends, if they are muted now."""
        for muted, until in self.mutes:
            if muted == user_id:
                return until if until > now else None
        return None

    def with_mute(self, user_id: str, until: float | None, now: float) -> ChatPolicy:
        """The policy with the user muted until ``until`` (None: unmuted); mutes
        that are over are dropped."""
        kept = [(u, t) for u, t in self.mutes if u != user_id and t > now]
        if until is not None:
            kept.append((user_id, until))
        return replace(self, mutes=tuple(sorted(kept)))

    # -- for the pipeline and the wire -----------------------------------------

    def room_policy(self, extra_terms: frozenset[Term]) -> RoomPolicy:
        """The pipeline's policy, with a project's own words."""
        return _room_policy(
            self.premoderation,
            self.personal_data,
            self.slow_mode_s,
            frozenset(self.allowed_domains),
            extra_terms,
        )

    def view(self) -> ChatPolicyView:
        return ChatPolicyView(
            locked=self.locked,
            slow_mode_s=self.slow_mode_s,
            links_allowed=self.links_allowed,
            direct_messages=self.direct_messages,
            premoderation=ChatPremoderation(self.premoderation.value),
            personal_data=ChatPersonalData(self.personal_data.value),
        )


DEFAULT = ChatPolicy()
"""Pre-moderation of flagged messages, personal data held, every switch off."""


@functools.lru_cache(maxsize=POLICY_CACHE_SIZE)
def _decode(text: str) -> ChatPolicy:
    data = json.loads(text)
    return ChatPolicy(
        premoderation=Premoderation(data["pm"]),
        personal_data=PersonalDataPolicy(data["pd"]),
        slow_mode_s=data["slow"],
        links_allowed=bool(data["links"]),
        allowed_domains=tuple(data["domains"]),
        locked=bool(data["locked"]),
        direct_messages=bool(data["dm"]),
        mutes=tuple((str(u), float(t)) for u, t in data["mutes"]),
    )


@functools.lru_cache(maxsize=POLICY_CACHE_SIZE)
def _room_policy(
    premoderation: Premoderation,
    personal_data: PersonalDataPolicy,
    slow_mode_s: float | None,
    allowed_domains: frozenset[str],
    extra_terms: frozenset[Term],
) -> RoomPolicy:
    return RoomPolicy(
        premoderation=premoderation,
        personal_data=personal_data,
        slow_mode_s=slow_mode_s,
        extra_terms=extra_terms,
        allowed_domains=allowed_domains,
    )
