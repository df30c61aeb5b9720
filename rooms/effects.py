"""What every node does to its own connections when an event is delivered.

An effect travels with its event through the room's ordered feed, so each
node applies it exactly between the events before and after it: a removed
participant's connection leaves the room's broadcast groups before the next
event is sent, on whichever node it is. The server's feed pump
(``server.realtime.outbound``) carries them out; the domain only names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Effect = Mapping[str, Any]

EVICT_USER = "evict"
EVICT_CONN = "evict_conn"
EVICT_ALL = "evict_all"
STAFF = "staff"
GROUP = "group"
UNGROUP = "ungroup"


def evict_user(user_id: str) -> Effect:
    """Close the user's connections to the room (after this event reached them)."""
    return {"op": EVICT_USER, "user": user_id}


def evict_conn(conn_id: str, *, rejoin: bool = False) -> Effect:
    """Close one connection.

    Args:
        conn_id: The connection.
        rejoin: Its client is to come back and resume (its node was taken for
            dead): the node lets the socket go as a network failure would, and
            clients reconnect by themselves. Without it the close is final (a
            connection replaced by a newer one of the same user must not come
            back and replace that one in turn).
    """
    if rejoin:
        return {"op": EVICT_CONN, "conn": conn_id, "rejoin": True}
    return {"op": EVICT_CONN, "conn": conn_id}


def evict_all() -> Effect:
    """Close every connection to the room (after this event reached them)."""
    return {"op": EVICT_ALL}


def staff(participant_id: str, on: bool) -> Effect:
    """The participant joins (or leaves) the teachers' broadcast group."""
    return {"op": STAFF, "participant": participant_id, "on": on}


def group(assignments: Mapping[str, str | None]) -> Effect:
    """Participants move to breakout groups (None: back to the main room only)."""
    return {"op": GROUP, "groups": dict(assignments)}


def ungroup() -> Effect:
    """Every participant of the room leaves every breakout group."""
    return {"op": UNGROUP}
