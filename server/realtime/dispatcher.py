"""One generic dispatcher for every realtime command: validate, authorise, limit, call, ack.

A command is declared once, on a ``CommandTable``, with its model, its
authorisation ``Rule`` (mandatory: a handler cannot be registered without
one) and its rate rule. ``Dispatcher.dispatch`` takes what Socket.IO hands
over (an event name of any type and any arguments) and always answers with
an acknowledgement: unknown names, wrong types, oversized or missing fields,
a role that may not, a limit reached, a domain refusal, each become an error
ack with a stable code, and change nothing. Anything unexpected is logged
with the ids of the room and participant and answered ``internal``.

The rule here is the transport's coarse gate, from the connection's cached
role; the domain decides again from the room's current state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from cluster import RateRule
from protocol.ack import error_ack, ok_ack
from protocol.errors import (
    CodedError,
    ErrorCode,
    Forbidden,
    InvalidPayload,
    RateLimited,
    Unauthenticated,
)
from protocol.events.base import ClientEvent
from protocol.ids import new_id
from protocol.registry import CLIENT_EVENTS
from rooms import NotInRoom, RoomActor, RoomServices

from ..http.endpoint import validation_details
from ..logs import StickyContext, context_var
from .connections import Connection

if TYPE_CHECKING:
    from .runtime import Realtime

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=ClientEvent)
Handler = Callable[["Call", Any], Awaitable[BaseModel | None]]

MAX_EVENT_NAME_LEN = 64
UNKNOWN_LABEL = "unknown"
SOCKET_IDS = StickyContext("room_id", "user_id", "participant_id")
"""The log context of a socket's task: the ids of its room, user and participant."""
COMMAND = context_var("command")
"""The log context of one command: its registered name (or ``unknown``), never
what the client sent. (Not ``event``: structlog's key for the log message.)"""


class Rule(StrEnum):
    """Who may send a command. Every command names one."""

    CONNECTED = "connected"
    """Any authenticated connection (joined or not)."""
    PARTICIPANT = "participant"
    """A participant who joined the room on this connection."""
    TEACHER = "teacher"
    """A host or co-teacher of the room."""
    HOST = "host"
    """A host of the room (the gate checks "teacher"; the domain checks "host")."""

    @property
    def is_privileged(self) -> bool:
        """Teacher commands re-check the account before they run."""
        return self in (Rule.TEACHER, Rule.HOST)


@dataclass(frozen=True)
class Command:
    """A command's declaration."""

    model: type[ClientEvent]
    handler: Handler
    rule: Rule
    rate: RateRule | None
    """None: the command's service limits it itself, shared by every node
    (``chat.send``: the moderation pipeline's rate-limit step)."""


class CommandTable:
    """Collects commands declared with ``command``."""

    def __init__(self) -> None:
        self.commands: list[Command] = []

    def command(
        self, model: type[E], *, rule: Rule, rate: RateRule | None
    ) -> Callable[[Callable[[Call, E], Awaitable[BaseModel | None]]], Handler]:
        """Declare the handler of ``model`` with its authorisation and rate rules.

        ``rate`` is None only for a command whose service applies a shared
        limit of its own (see ``Command.rate``): one limit per command.
        """

        def register(handler: Callable[[Call, E], Awaitable[BaseModel | None]]) -> Handler:
            if not isinstance(rule, Rule):
                raise TypeError(f"{handler.__name__}: rule must be a Rule")
            self.commands.append(Command(model, handler, rule, rate))
            return handler

        return register


@dataclass
class Call:
    """What a handler knows about the command it serves."""

    conn: Connection
    realtime: Realtime

    @property
    def actor(self) -> RoomActor:
        """The participant behind the socket (commands past the ``participant`` gate)."""
        return self.conn.actor

    @property
    def rooms(self) -> RoomServices:
        return self.realtime.services.rooms


class Dispatcher:
    """Routes commands to their handlers.

    Args:
        tables: Every command table.
        realtime: The node's realtime bundle (connections, services, metrics).
        rates: Configured rate rules replacing the declared ones of the same name.

    Raises:
        ValueError: Two handlers for one command, or a model not in the registry.
    """

    def __init__(
        self,
        tables: Sequence[CommandTable],
        realtime: Realtime,
        rates: Mapping[str, RateRule] | None = None,
    ) -> None:
        self._realtime = realtime
        self.commands: dict[str, Command] = {}
        self._stats = realtime.metrics.realtime
        for table in tables:
            for declared in table.commands:
                rate = declared.rate
                if rate is not None:
                    rate = (rates or {}).get(rate.name, rate)
                command = replace(declared, rate=rate)
                name = command.model.name
                if CLIENT_EVENTS.get(name) is not command.model:
                    raise ValueError(f"{name!r} is not a registered client event")
                if name in self.commands:
                    raise ValueError(f"two handlers for {name!r}")
                self.commands[name] = command

    async def dispatch(self, sid: str, event: object, args: tuple[Any, ...]) -> dict[str, Any]:
        """Handle one command from a socket and return its acknowledgement.

        The socket's ids (room, user, participant) are log context for the
        rest of its task, bound when they change (``SOCKET_IDS``: the socket's
        commands all run in its session's task); the command's name is bound
        for the command only (``command``).
        """
        started = time.perf_counter()
        name = event if isinstance(event, str) and len(event) <= MAX_EVENT_NAME_LEN else None
        command = None if name is None else self.commands.get(name)
        label = name if command is not None and name is not None else UNKNOWN_LABEL
        conn = self._realtime.connections.get(sid)
        if conn is None:
            SOCKET_IDS.bind(None, None, None)
        else:
            SOCKET_IDS.bind(conn.room_id, conn.user_id, conn.participant_id)
        outcome = "ok"
        token = COMMAND.set(label)
        try:
            if command is None:
                raise UnknownEvent("no such command")
            if conn is None or conn.closing:
                raise Unauthenticated("connect with a join token first")
            return ok_ack(await self._run(command, conn, args))
        except CodedError as exc:
            outcome = exc.code.value
            return error_ack(exc)
        except Exception:
            outcome = ErrorCode.INTERNAL.value
            request_id = new_id()
            context = {} if conn is None else {"room_id": conn.room_id, "user_id": conn.user_id}
            if conn is not None and conn.participant_id is not None:
                context["participant_id"] = conn.participant_id
            logger.exception("realtime command failed", extra={"request_id": request_id, **context})
            return error_ack(
                CodedError(
                    "something went wrong on our side; quote the request id",
                    details={"request_id": request_id},
                )
            )
        finally:
            COMMAND.reset(token)
            self._stats.command(label, outcome, time.perf_counter() - started)

    async def _run(self, command: Command, conn: Connection, args: tuple[Any, ...]) -> Any:
        payload = _payload(args)
        try:
            parsed = command.model.model_validate(payload)
        except ValidationError as exc:
            raise InvalidPayload(
                "the command does not match its schema",
                details={"errors": validation_details(exc)},
            ) from None
        self._gate(command.rule, conn)
        await self._realtime.revalidate(conn, force=command.rule.is_privileged)
        if command.rate is not None:
            await self._limit(command.rate, conn)
        conn.busy = True
        try:
            return await command.handler(Call(conn, self._realtime), parsed)
        finally:
            conn.busy = False
            if conn.closing:
                # Evicted while the command ran: its answer is queued before
                # the task that closes the socket gets to run.
                self._realtime.close_soon(conn)

    async def _limit(self, rate: RateRule, conn: Connection) -> None:
        decision = await self._realtime.services.cluster.rate_limiter.hit(
            rate, f"{conn.room_id}:{conn.user_id}"
        )
        if not decision.allowed:
            raise RateLimited(
                "too many commands; slow down",
                details={"retry_after_s": round(decision.retry_after_s, 3)},
            )

    @staticmethod
    def _gate(rule: Rule, conn: Connection) -> None:
        if rule is Rule.CONNECTED:
            return
        if conn.participant_id is None:
            raise NotInRoom("join the room first")
        if rule.is_privileged and not conn.is_staff:
            raise Forbidden("only the room's teachers may do this")


class UnknownEvent(CodedError):
    """No command has this name."""

    code = ErrorCode.UNKNOWN_EVENT


def _payload(args: tuple[Any, ...]) -> Any:
    """A command's single argument (an object); none means an empty one."""
    if not args:
        return {}
    if len(args) > 1:
        raise InvalidPayload("send one object as the command's argument")
    return args[0]
