"""``RealtimeClient``: a live room from Python, as a school's tool uses it.

It connects with a join token (asked again from your token source at every
reconnect, since tokens are short-lived), joins the room, and hands you the
room's events as typed models, each once and in order, across reconnects:
when the connection drops it reconnects by itself and asks for what it
missed (or gets a fresh snapshot when too much was missed; after a
snapshot, which holds no chat, it reads the latest page of ``chat.history``
and hands it to you as a ``ChatPage`` right after the snapshot). The server
drops connections on purpose too, for their clients to come back (its node
stops, or was taken for dead); a Socket.IO disconnect from the server is
final instead (``closed_reason``). Commands are
typed too: ``await client.send(RaiseHand())`` returns the acknowledgement's
typed data or raises ``CommandFailed`` with the server's stable code.

Example::

    async with RealtimeClient("https://jumelage.example", token=get_token) as room:
        await room.send(SendChat(text="Bonjour !"))
        async for event in room.events():
            print(event.name, event)
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, TypeAlias, TypeVar

import socketio
from pydantic import BaseModel, ValidationError

from protocol.ack import Ack
from protocol.events.base import ClientEvent, ServerEvent
from protocol.events.chat import ChatHistory, ChatPage
from protocol.events.lobby import LobbyAdmitted, LobbyDenied
from protocol.events.models import JoinResult, JoinStatus, LobbyReason, RoomSnapshot
from protocol.events.rooms import JoinRoom, ParticipantRemoved, ResumePoint, RoomEnded
from protocol.registry import SERVER_EVENTS
from protocol.version import PROTOCOL_VERSION

from .chat_catchup import with_chat_page
from .errors import TERMINAL_CODES, CommandFailed, ConnectRefused, NotConnected
from .sequencing import EventSequencer

logger = logging.getLogger(__name__)

SERVER_CLOSED = "server_closed"
"""``closed_reason`` when the server closed the connection for good without a
removal event: the account signed out or was disabled (the token is then
refused), or a newer connection of the same user replaced this one."""
E = TypeVar("E", bound=BaseModel)
TokenSource: TypeAlias = str | Callable[[], Awaitable[str]]
UrlSource: TypeAlias = str | Callable[[], str]
Delivered: TypeAlias = ServerEvent | RoomSnapshot | ChatPage


def parse_event(name: str, data: Any) -> ServerEvent | None:
    """A server event as its model, or None for a name this SDK does not know.

    Fields this SDK does not know (from a newer server) are ignored.
    """
    model = SERVER_EVENTS.get(name)
    if model is None or not isinstance(data, Mapping):
        return None
    known = {k: v for k, v in data.items() if k in model.model_fields}
    try:
        return model.model_validate(known)
    except ValidationError:
        logger.warning("skipped a malformed %s event", name)
        return None


class RealtimeClient:
    """One participant's connection to one live room.

    Args:
        url: The server's base URL, or a function returning one (called at
            every reconnect: rotate between nodes this way).
        token: A join token, or an async function returning a fresh one.
        reconnect: Reconnect by itself after a lost connection.
        reconnect_delay_s: First delay before reconnecting (doubling, jittered).
        reconnect_delay_max_s: Longest delay between attempts.
        timeout_s: How long a command waits for its acknowledgement.
        path: The server's Socket.IO path.
        chat_history: After each snapshot (a first join, a late one, or a
            reconnect past the replay window), read the latest page of
            ``chat.history`` and deliver it right after the snapshot, so that
            the chat the snapshot does not hold is not missed; live chat
            events the page already shows are not delivered again.
    """

    def __init__(
        self,
        url: UrlSource,
        token: TokenSource,
        *,
        reconnect: bool = True,
        reconnect_delay_s: float = 0.5,
        reconnect_delay_max_s: float = 5.0,
        timeout_s: float = 10.0,
        path: str = "socket.io",
        chat_history: bool = True,
    ) -> None:
        self._url = url
        self._token = token
        self._timeout_s = timeout_s
        self._path = path
        self._chat_history = chat_history
        self._sio = socketio.AsyncClient(
            reconnection=reconnect,
            reconnection_delay=reconnect_delay_s,
            reconnection_delay_max=reconnect_delay_max_s,
            logger=False,
            engineio_logger=False,
        )
        self._sio.on("connect", self._on_connect)
        self._sio.on("connect_error", self._on_connect_error)
        self._sio.on("disconnect", self._on_disconnect)
        self._sio.on("*", self._on_event)
        self._sequencer: EventSequencer[Delivered] = EventSequencer()
        self._inbox: collections.deque[Delivered] = collections.deque()
        self._arrived = asyncio.Event()
        self._joined = asyncio.Event()
        self._join_task: asyncio.Task[None] | None = None
        self._join_error: Exception | None = None
        self._refusal: ConnectRefused | None = None
        self.participant_id: str | None = None
        """Yours, once joined (stable across reconnects)."""
        self.status: JoinStatus | None = None
        """``joined`` or ``waiting`` (in the lobby) after each join."""
        self.lobby_reason: LobbyReason | None = None
        self.last_join: JoinResult | None = None
        self.joins = 0
        """Successful joins, the first one included (reconnects add one each)."""
        self.closed_reason: str | None = None
        """Why the server ended this participant's stay: the removal's reason
        (kicked, banned...), ``ended``, ``denied``, or ``server_closed`` when the
        server closed the connection without saying more (the account signed
        out or was disabled)."""

    # -- state -------------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        return self._sequencer.session_id

    @property
    def last_seq(self) -> int:
        """The highest sequence number applied."""
        return self._sequencer.last_seq

    @property
    def connected(self) -> bool:
        return bool(self._sio.connected)

    # -- life --------------------------------------------------------------

    async def connect(self) -> JoinResult:
        """Connect and join; returns the first join's answer.

        Raises:
            ConnectRefused: The server refused the connection (its code says why).
            CommandFailed: The room refused the join (locked, closed, full...).
        """
        self._joined.clear()
        try:
            await self._sio.connect(
                self._next_url,
                auth=self._auth,
                transports=["websocket"],
                socketio_path=self._path,
                wait_timeout=self._timeout_s,
            )
        except socketio.exceptions.ConnectionError as exc:
            if self._refusal is not None:
                raise self._refusal from None
            raise ConnectRefused("unavailable", str(exc)) from exc
        async with asyncio.timeout(self._timeout_s):
            await self._joined.wait()
        if self._join_error is not None:
            raise self._join_error
        assert self.last_join is not None
        return self.last_join

    async def close(self) -> None:
        """Close the connection (for good: no reconnect)."""
        await self._sio.disconnect()
        if self._join_task is not None:
            self._join_task.cancel()
            await asyncio.wait({self._join_task})

    async def __aenter__(self) -> RealtimeClient:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def wait_joined(self, timeout_s: float | None = None) -> JoinResult:
        """Wait until the current (re)join has answered."""
        async with asyncio.timeout(timeout_s or self._timeout_s):
            await self._joined.wait()
        if self._join_error is not None:
            raise self._join_error
        assert self.last_join is not None
        return self.last_join

    # -- commands ----------------------------------------------------------

    async def send(self, command: ClientEvent) -> Any:
        """Send a command and wait for its acknowledgement.

        Returns:
            The acknowledgement's data as the command's result model, or None.

        Raises:
            CommandFailed: The server refused it; nothing changed.
            NotConnected: No live connection.
        """
        raw = await self._call(command.name, command.model_dump(mode="json", exclude_none=True))
        return _result(command, raw)

    async def send_raw(self, event: Any, *args: Any) -> dict[str, Any]:
        """Send anything (tests of the server's input checks); returns the raw ack."""
        if not self._sio.connected:
            raise NotConnected()
        # A tuple goes out as several arguments, None as none.
        data = None if not args else args[0] if len(args) == 1 else tuple(args)
        reply = await self._sio.call(event, data, timeout=self._timeout_s)
        return dict(reply) if isinstance(reply, Mapping) else {"raw": reply}

    # -- events ------------------------------------------------------------

    async def events(self) -> AsyncIterator[Delivered]:
        """Every event, once and in order, as it arrives (forever)."""
        while True:
            yield await self._take()

    async def next(
        self,
        kind: type[E] | tuple[type[Any], ...] = ServerEvent,  # type: ignore[assignment]
        *,
        timeout_s: float = 5.0,
        where: Callable[[Any], bool] | None = None,
    ) -> E:
        """The next delivered event of a kind (earlier ones of other kinds are dropped).

        Raises:
            TimeoutError: None came in time.
        """
        async with asyncio.timeout(timeout_s):
            while True:
                event = await self._take()
                if isinstance(event, kind) and (where is None or where(event)):
                    return event

    def drain(self) -> list[Delivered]:
        """Everything delivered and not yet taken, without waiting."""
        items = list(self._inbox)
        self._inbox.clear()
        return items

    async def _take(self) -> Delivered:
        while not self._inbox:
            self._arrived.clear()
            await self._arrived.wait()
        return self._inbox.popleft()

    def _deliver(self, items: list[Delivered]) -> None:
        if items:
            self._inbox.extend(items)
            self._arrived.set()

    # -- Socket.IO handlers ------------------------------------------------

    def _next_url(self) -> str:
        return self._url() if callable(self._url) else self._url

    async def _auth(self) -> dict[str, Any]:
        token = self._token if isinstance(self._token, str) else await self._token()
        return {"token": token, "protocol": PROTOCOL_VERSION}

    async def _on_connect(self) -> None:
        self._refusal = None
        # Not awaited here: the join's answer arrives on this same connection.
        self._start_join()

    async def _on_connect_error(self, data: Any = None) -> None:
        body = data.get("data") if isinstance(data, Mapping) else None
        code = body.get("code") if isinstance(body, Mapping) else None
        message = data.get("message", "refused") if isinstance(data, Mapping) else "refused"
        self._refusal = ConnectRefused(str(code or "unavailable"), str(message))
        if code in TERMINAL_CODES:
            # A new token would not change this answer: stop reconnecting.
            asyncio.get_running_loop().call_soon(self._stop_reconnecting)

    def _stop_reconnecting(self) -> None:
        self._sio.reconnection = False
        self._join_error = self._refusal
        self._joined.set()

    async def _on_disconnect(self, reason: Any = None) -> None:
        if reason == socketio.AsyncClient.reason.SERVER_DISCONNECT:
            # The server closed the session on purpose (the account signed
            # out or was disabled, or a removal whose event came first):
            # Socket.IO does not reconnect after that, so the stay is over.
            # Whoever waits for a join hears it at once.
            self.closed_reason = self.closed_reason or SERVER_CLOSED
            self._sio.reconnection = False
            self._join_error = NotConnected("the server closed the connection")
            self._joined.set()
            return
        self._joined.clear()

    async def _on_event(self, name: str, data: Any = None) -> None:
        event = parse_event(name, data)
        if event is None:
            return
        member = self.status is JoinStatus.JOINED
        self._deliver(self._sequencer.live(event.seq, event, member=member))
        if isinstance(event, LobbyAdmitted):
            self._start_join()
        elif isinstance(event, ParticipantRemoved) and event.participant_id == self.participant_id:
            self._end(event.reason)
        elif isinstance(event, RoomEnded):
            self._end("ended")
        elif isinstance(event, LobbyDenied):
            self._end("denied")

    def _end(self, reason: str) -> None:
        self.closed_reason = reason
        self._sio.reconnection = False

    # -- joining -----------------------------------------------------------

    def _start_join(self) -> None:
        if self._join_task is None or self._join_task.done():
            self._join_task = asyncio.create_task(self._join())

    async def _join(self) -> None:
        self._join_error = None
        self._sequencer.hold()
        resume = (
            ResumePoint(session_id=self._sequencer.session_id or "", seq=self._sequencer.last_seq)
            if self._sequencer.can_resume
            else None
        )
        try:
            result: JoinResult = await self.send(JoinRoom(resume=resume))
        except Exception as exc:
            self._join_error = exc
            self._deliver(self._sequencer.waiting())
            self._joined.set()
            return
        self.status = result.status
        self.lobby_reason = result.lobby_reason
        self.last_join = result
        if result.status is JoinStatus.WAITING:
            self._deliver(self._sequencer.waiting())
        else:
            self.participant_id = result.participant_id
            self.joins += 1
            snapshot = None if result.snapshot is None else (result.snapshot.seq, result.snapshot)
            replay: list[tuple[int, Delivered]] = []
            for missed in result.replay or []:
                event = parse_event(missed.event, missed.data)
                if event is not None and event.seq is not None:
                    replay.append((event.seq, event))
            # Read while live events are still held: the page goes in before them.
            page = await self._chat_page() if snapshot is not None else None
            items = self._sequencer.joined(result.session_id, snapshot=snapshot, replay=replay)
            self._deliver(items if page is None else with_chat_page(items, page))
        self._joined.set()

    async def _chat_page(self) -> ChatPage | None:
        """The latest ``chat.history`` page, or None (turned off, or refused).

        A refusal does not fail the join: the room is joined, and the app can
        still page the chat itself.
        """
        if not self._chat_history:
            return None
        try:
            page: ChatPage = await self.send(ChatHistory())
        except (CommandFailed, NotConnected) as exc:
            logger.warning("chat.history after a snapshot failed: %s", exc.code)
            return None
        return page

    async def _call(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        if not self._sio.connected and not self._sio.namespaces:
            raise NotConnected()
        try:
            reply = await self._sio.call(name, payload, timeout=self._timeout_s)
        except socketio.exceptions.TimeoutError:
            raise CommandFailed("timeout", f"no answer to {name} in time") from None
        except socketio.exceptions.BadNamespaceError:
            raise NotConnected() from None
        if not isinstance(reply, Mapping):
            raise CommandFailed("invalid_reply", "the server's answer is not an acknowledgement")
        return dict(reply)


def _result(command: ClientEvent, raw: dict[str, Any]) -> Any:
    ack = Ack.model_validate(raw)
    if not ack.ok:
        error = ack.error
        if error is None:
            raise CommandFailed("internal", "failed without a reason")
        raise CommandFailed(error.code.value, error.message, error.details)
    if command.result is None or ack.data is None:
        return None
    return command.result.model_validate(ack.data)
