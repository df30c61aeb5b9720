"""Realtime events: one class per client command and per server event.

Modules by area: ``rooms`` (joining and the teacher controls), ``lobby``,
``hands``, ``polls``, ``breakouts`` and ``chat``; ``models`` holds the records
nested inside events; ``base`` the base classes; ``text`` the rules for free
text. ``protocol.registry`` maps every name to its class.
"""

from .base import ClientEvent, ClientRecord, EmptyResult, ServerEvent, WireId, WireModel

__all__ = ["ClientEvent", "ClientRecord", "EmptyResult", "ServerEvent", "WireId", "WireModel"]
