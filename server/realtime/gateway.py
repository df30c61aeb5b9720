"""Opening and closing sockets: the checks before anything else, and the leave after.

A socket is accepted only with a valid join token in the Socket.IO ``auth``
payload (never in the URL, never logged), whose account is active and whose
epoch is current, for a room whose project counts the account as a member,
and which is not banned. A refusal is a ``connect_error`` carrying the stable
code. Closing a socket, for whatever reason, marks its participant away (or
takes its lobby entry out), which every node learns through the room's feed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import socketio

from community import join_principal
from protocol.errors import CodedError, ErrorCode, RateLimited, Unauthenticated
from protocol.ids import new_id

from . import limits
from .connections import Connection, user_channel

if TYPE_CHECKING:
    from .runtime import Realtime

logger = logging.getLogger(__name__)

MAX_TOKEN_LEN = 4096


def refusal(error: CodedError) -> socketio.exceptions.ConnectionRefusedError:
    """A Socket.IO connection refusal carrying the stable code."""
    return socketio.exceptions.ConnectionRefusedError(
        error.message, {"code": error.code.value, "message": error.message}
    )


async def on_connect(realtime: Realtime, sid: str, auth: Any) -> bool:
    """Authenticate and admit a new socket.

    Raises:
        socketio.exceptions.ConnectionRefusedError: With the stable code of the refusal.
    """
    try:
        await _admit(realtime, sid, auth)
    except CodedError as exc:
        realtime.metrics.realtime_connects.labels(exc.code.value).inc()
        raise refusal(exc) from None
    except Exception:
        # The engine would log this as a transport error and drop the socket
        # without an answer; answer "internal" instead.
        logger.exception("socket admission failed")
        realtime.metrics.realtime_connects.labels(ErrorCode.INTERNAL.value).inc()
        raise refusal(CodedError("something went wrong on our side")) from None
    realtime.metrics.realtime_connects.labels("ok").inc()
    return True


async def _admit(realtime: Realtime, sid: str, auth: Any) -> None:
    token = auth.get("token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LEN:
        raise Unauthenticated("connect with {'token': <join token>} as the auth payload")
    services = realtime.services
    # The token's signature first (no I/O), then one read of the account and
    # the room together, checked in the order of before: the account
    # (``authenticate_join``'s rule), the connect rate, the room.
    claims = services.accounts.signer.verify_join(token)
    admission = services.rooms.admission
    entry = await admission.read(claims.user_id, claims.room_id)
    principal = join_principal(entry.subject, claims)
    decision = await services.cluster.rate_limiter.hit(
        realtime.rates[limits.CONNECT.name], principal.user_id
    )
    if not decision.allowed:
        raise RateLimited(
            "too many connections; wait a little",
            details={"retry_after_s": round(decision.retry_after_s, 3)},
        )
    ticket = admission.decide(entry, kind=principal.kind, role=claims.role, grants=claims.grants)
    conn = Connection(
        sid=sid,
        outbox=realtime.outbox_of(sid),
        conn_id=new_id(),
        ticket=ticket,
        kind=principal.kind,
        epoch=claims.epoch,
        checked_at=services.cluster.clock.monotonic(),
        admitted_at=services.cluster.clock.monotonic(),
    )
    realtime.connections.add(conn)
    realtime.metrics.realtime_connections.inc()
    await realtime.set_channel(conn, user_channel(conn.room_id, conn.user_id), True)
    logger.info("socket admitted", extra={"room_id": conn.room_id, "user_id": conn.user_id})


async def on_disconnect(realtime: Realtime, sid: str) -> None:
    """Forget a closed socket; its participant is away from now on."""
    conn = realtime.connections.remove(sid)
    if conn is None:
        return
    realtime.metrics.realtime_connections.dec()
    # Out of every group before anything is awaited: the groups then always
    # match this node's connections, and nothing is sent to a closing socket.
    for channel in list(conn.channels):
        await realtime.set_channel(conn, channel, False)
    try:
        await realtime.services.rooms.sessions.leave(
            conn.room_id,
            conn.user_id,
            conn_id=conn.conn_id,
            reason="left" if conn.closing and not conn.rejoin else "disconnected",
        )
    except CodedError as exc:
        logger.warning(
            "leave not recorded: %s",
            exc.code.value,
            extra={"room_id": conn.room_id, "participant_id": conn.participant_id},
        )
    except Exception:
        logger.exception(
            "leave failed", extra={"room_id": conn.room_id, "participant_id": conn.participant_id}
        )
