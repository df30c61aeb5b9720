"""Every Redis key and channel name the cluster uses, and nothing else.

All names start with a versioned namespace (``jumelage:v1`` by default). A
change to the layout of stored values bumps the version, so old and new nodes
never misread each other's data; tests pass their own namespace to isolate
themselves and to clean up after themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_NAMESPACE = "jumelage:v1"
NAMESPACE_RE = re.compile(r"[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*")
"""Plain segments joined by ``:``; no glob characters, so
``all_keys_pattern`` matches only this namespace."""


@dataclass(frozen=True)
class RedisKeys:
    """Key and channel names under one namespace.

    Raises:
        ValueError: The namespace is empty or contains characters other than
            letters, digits, ``_``, ``.``, ``-`` and inner ``:`` separators.
    """

    namespace: str = DEFAULT_NAMESPACE
    """Prefix of every name, for example ``jumelage:v1``."""

    def __post_init__(self) -> None:
        if not NAMESPACE_RE.fullmatch(self.namespace):
            raise ValueError(f"invalid Redis namespace {self.namespace!r}")

    def bus_channel(self) -> str:
        """The pub/sub channel every node's bus publishes to and listens on."""
        return f"{self.namespace}:bus"

    def rate_bucket(self, rule_name: str, key: str) -> str:
        """The hash holding the token bucket of ``(rule_name, key)``.

        Rule names cannot contain ``:`` (see ``cluster.rates.RateRule``), so
        distinct pairs never map to the same key.
        """
        return f"{self.namespace}:rate:{rule_name}:{key}"

    def room_state(self, room_id: str) -> str:
        """The hash of a live room's fields (and its version, ``_v``)."""
        return f"{self.namespace}:room:{room_id}:state"

    def room_seq(self, room_id: str) -> str:
        """The counter of a live room's event sequence numbers."""
        return f"{self.namespace}:room:{room_id}:seq"

    def room_log(self, room_id: str) -> str:
        """The list of a live room's latest events, oldest first."""
        return f"{self.namespace}:room:{room_id}:log"

    def room_wakes(self) -> str:
        """The sorted set of rooms by the wall time they want to be woken at."""
        return f"{self.namespace}:rooms:wakes"

    def node_alive(self, node_id: str) -> str:
        """A node's heartbeat: present while the node is alive (it expires)."""
        return f"{self.namespace}:node:{node_id}:alive"

    def room_feed_channel(self) -> str:
        """The pub/sub channel carrying every room's new events, in order."""
        return f"{self.namespace}:rooms:feed"

    def all_keys_pattern(self) -> str:
        """A ``SCAN MATCH`` pattern for every key of this namespace."""
        return f"{self.namespace}:*"
