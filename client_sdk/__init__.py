"""Jumelage's Python SDK.

``RealtimeClient`` joins a live room: typed commands and events, automatic
reconnect and resume. It depends on the wire contract (``protocol``) only.
"""

from .errors import CommandFailed, ConnectRefused, NotConnected, RealtimeError
from .realtime import RealtimeClient, parse_event
from .sequencing import EventSequencer

__all__ = [
    "CommandFailed",
    "ConnectRefused",
    "EventSequencer",
    "NotConnected",
    "RealtimeClient",
    "RealtimeError",
    "parse_event",
]
