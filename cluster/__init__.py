"""State and messages shared between server nodes, behind small Protocols.

Other packages use only the names exported here: the ports (``Bus``,
``RateLimiter`` and ``LocalRateLimiter``, ``ClusterHealth``, ``Clock``), the message types, and
``build_cluster`` which yields a ``Cluster`` bundle of implementations. The
implementations themselves (``cluster.memory``, ``cluster.redis``) are chosen
by the factory and are nobody else's business.
"""

from .clock import SystemClock
from .errors import ClusterUnavailable, InvalidClusterMessage
from .factory import Cluster, RoomStoreOptions, build_cluster
from .messages import (
    KNOWN_KINDS,
    ClusterMessage,
    ClusterMessageBase,
    Ping,
    UserSessionsRevoked,
    encode_message,
    parse_message,
)
from .ports import Bus, Clock, ClusterHealth, LocalRateLimiter, RateLimiter, Subscription
from .ports_rooms import (
    KEEP_WAKE,
    NO_WAKE,
    Commit,
    EventLog,
    FeedSubscription,
    LoggedEvent,
    NewEvent,
    NodeLiveness,
    Redaction,
    RoomRecord,
    RoomState,
)
from .rates import RateDecision, RateRule

__all__ = [
    "KEEP_WAKE",
    "KNOWN_KINDS",
    "NO_WAKE",
    "Bus",
    "Clock",
    "Cluster",
    "ClusterHealth",
    "ClusterMessage",
    "ClusterMessageBase",
    "ClusterUnavailable",
    "Commit",
    "EventLog",
    "FeedSubscription",
    "InvalidClusterMessage",
    "LocalRateLimiter",
    "LoggedEvent",
    "NewEvent",
    "NodeLiveness",
    "Ping",
    "RateDecision",
    "RateLimiter",
    "RateRule",
    "Redaction",
    "RoomRecord",
    "RoomState",
    "RoomStoreOptions",
    "Subscription",
    "SystemClock",
    "UserSessionsRevoked",
    "build_cluster",
    "encode_message",
    "parse_message",
]
