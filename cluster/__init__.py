"""State and messages shared between server nodes, behind small Protocols.

Other packages use only the names exported here: the ports (``Bus``,
``RateLimiter``, ``ClusterHealth``, ``Clock``), the message types, and
``build_cluster`` which yields a ``Cluster`` bundle of implementations. The
implementations themselves (``cluster.memory``, ``cluster.redis``) are chosen
by the factory and are nobody else's business.
"""

from .clock import SystemClock
from .errors import ClusterUnavailable, InvalidClusterMessage
from .factory import Cluster, build_cluster
from .messages import (
    KNOWN_KINDS,
    ClusterMessage,
    ClusterMessageBase,
    Ping,
    UserSessionsRevoked,
    encode_message,
    parse_message,
)
from .ports import Bus, Clock, ClusterHealth, RateLimiter, Subscription
from .rates import RateDecision, RateRule

__all__ = [
    "KNOWN_KINDS",
    "Bus",
    "Clock",
    "Cluster",
    "ClusterHealth",
    "ClusterMessage",
    "ClusterMessageBase",
    "ClusterUnavailable",
    "InvalidClusterMessage",
    "Ping",
    "RateDecision",
    "RateLimiter",
    "RateRule",
    "Subscription",
    "SystemClock",
    "UserSessionsRevoked",
    "build_cluster",
    "encode_message",
    "parse_message",
]
