"""Group commit of chat messages: ``ChatWriter``.

Every message the pipeline lets through (or holds) is stored before its
sender is answered or anyone sees it. One transaction per message made that
write most of a message's cost (a commit, SQLAlchemy's unit of work,
aiosqlite's thread round trips), so the gate hands its row to this writer
and awaits that row's own commit instead:

* When nothing is queued or being committed, ``store`` writes its row at
  once, right where it is called, when the batches can commit without
  waiting (``MessageBatches.add_now``: on SQLite, unless another writer
  holds the file's lock). No task, no future, no turn of the event loop: a
  message's store and its fan-out stay in the sender's turn, where the
  rooms' frame batching groups them. On SQLite that is nearly every row
  (the commit runs in the loop, so nothing can arrive while one is under
  way); the queue below is for PostgreSQL and a locked file. (Rows of one
  turn of the loop sharing one commit in the loop, each sender waiting for
  it, was tried in 20bbba0: half the highest rate of ``bench/chat_fanout.py``,
  95 against 200 messages/s per room side by side; see bench/README.md.)
* On a single node (in-process bus), the rows stored inline in one turn of
  the loop share one transaction that nobody waits for (``share_turns``):
  committed before any socket writes a byte of that turn, or at the latest
  in a callback of the loop's next turn (``storage.chat_batches``); only
  while commits succeed: otherwise each row's commit is awaited, and a
  database that cannot be written refuses each message. 4.6 rows
  per commit on average at 120–170 messages/s per room in
  ``bench/chat_fanout.py``; 42 -> 24-28 µs of CPU per row at 5-10 rows.
* Otherwise ``store`` queues the row and waits on its future; the writer task (started
  when a row arrives, gone when the queue is empty) takes up to
  ``max_batch`` queued rows, oldest first, and inserts them in ONE
  transaction with one statement (``storage.chat_batches``: on SQLite the
  whole transaction in one call on its own thread, not six round trips
  through the event loop). While that commit runs, new rows queue for the
  next one.
* A transaction has a fixed cost that dwarfs a row's, so while rows keep
  coming the writer may start a batch at most every ``interval_s`` (unless
  ``max_batch`` rows wait): at most ``1 / interval_s`` commits a second,
  each message waiting at most that long more. A row that finds the writer
  idle (the previous batch done and nothing queued) is written at once. The
  server's default is no interval (see ``moderation.store_interval_s``):
  batches are then whatever arrived during the previous commit.
* Each future is resolved only after its batch committed, so "stored before
  acknowledged" holds and nothing acknowledged is lost.
* A batch that fails because the database is out fails every row of it with
  ``DatabaseUnavailable`` (as one transaction per message did). A batch that
  a unique key refused (a ``client_msg_id`` sent again) is retried one row
  per transaction, so that only the repeated row gets its ``DuplicateKey``.
* A row whose waiter was cancelled before its batch was taken is never
  written; one cancelled while its batch was being committed is deleted
  right after (it was stored, but nobody will send it).
* ``close`` refuses new rows and waits until everything queued is stored
  (the server's graceful stop).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from storage import Database, DatabaseUnavailable, DuplicateKey
from storage.chat_batches import stop_now
from storage.records_moderation import NewChatMessage

logger = logging.getLogger(__name__)

MAX_BATCH = 100
"""Rows in one transaction at most: bounds a commit's time and a failure's reach
(``moderation.store_batch``)."""
INTERVAL_S = 0.0
"""Batches start at most this often (``moderation.store_interval_s``; see the module docstring)."""


class MessageBatches(Protocol):
    """Where batches go (``storage.chat_batches.ChatBatches``)."""

    async def add(self, news: Sequence[NewChatMessage]) -> list[int]:
        """Store ``news`` in one transaction; their row ids, in order
        (DuplicateKey, DatabaseUnavailable: none stored)."""
        ...

    def add_now(self, news: Sequence[NewChatMessage]) -> list[int] | None:
        """Store ``news`` in one transaction without yielding to the event loop,
        or return None at once (nothing stored: ``add`` must do it). Errors as ``add``."""
        ...

    def close(self) -> None:
        """Release what it holds (after the last batch)."""
        ...

    def share_turns(self, *, on_lost: Callable[[list[NewChatMessage]], None]) -> bool:
        """Let the lone rows of a loop's turn share one transaction, committed by
        ``commit_turn`` (False: these batches cannot); ``on_lost`` is given the
        rows of a turn that could not be stored."""
        ...

    def commit_turn(self) -> None:
        """Commit the current turn's rows, if any."""
        ...


@dataclass(slots=True)
class _Pending:
    new: NewChatMessage
    done: asyncio.Future[int]


class ChatWriter:
    """Stores chat messages in group commits (see the module docstring).

    Args:
        db: Where rows of senders who stopped waiting are removed.
        batches: Stores each batch.
        max_batch: Rows per transaction at most.
        interval_s: Least time between the starts of two batches (0: none).
    """

    def __init__(
        self,
        *,
        db: Database,
        batches: MessageBatches,
        max_batch: int = MAX_BATCH,
        interval_s: float = INTERVAL_S,
    ) -> None:
        if max_batch < 1 or interval_s < 0:
            raise ValueError("max_batch must be at least 1 and interval_s at least 0")
        self._db = db
        self._batches = batches
        self._max_batch = max_batch
        self._interval_s = interval_s
        self._queue: deque[_Pending] = deque()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.batches = 0
        """Transactions committed (for tests and metrics: rows ÷ batches is the grouping)."""

    async def store(self, new: NewChatMessage) -> int:
        """Store one message; returns its row id once its batch has committed
        (``storage.chat_batches.stored_message`` makes its record, when needed).

        Raises:
            DuplicateKey: A unique key refused this row (its ``client_msg_id``
                was used before by its participant).
            DatabaseUnavailable: The database could not be reached, or the
                server is stopping (nothing was stored).
        """
        if self._closed:
            raise DatabaseUnavailable("the server is stopping; send again shortly")
        if self._task is None and not self._queue:
            stored = self._store_now(new)
            if stored is not None:
                return stored
        loop = asyncio.get_running_loop()
        pending = _Pending(new, loop.create_future())
        self._queue.append(pending)
        if self._task is None:
            self._task = loop.create_task(self._run(), name="moderation.chat_writer")
        return await pending.done

    def _store_now(self, new: NewChatMessage) -> int | None:
        """The row stored inline, as a batch of one (None: it must queue)."""
        try:
            stored = self._batches.add_now([new])
        except (DatabaseUnavailable, DuplicateKey):
            raise
        except Exception:
            logger.exception("storing a chat batch failed", extra={"rows": 1})
            raise
        if stored is None:
            return None
        self.batches += 1
        return stored[0]

    def share_turns(
        self,
        before_writes: Callable[[Callable[[], None]], Callable[[], None]],
        *,
        on_lost: Callable[[list[NewChatMessage]], None] = stop_now,
    ) -> Callable[[], None] | None:
        """Rows stored inline in one turn of the event loop share one commit, made
        before any socket writes (``before_writes`` registers the commit there:
        the engine's ``FrameBatch.before_writes``). Only for a node whose every
        way out is that engine (single node, in-process bus); see
        ``storage.chat_batches.ChatBatches.share_turns``: turns are shared
        while commits succeed, and ``on_lost`` is given the rows of a turn
        whose commit failed twice, before any of its frames is written (it
        must not raise). Returns what removes the hook; None: the batches
        cannot (PostgreSQL), nothing changes.
        """
        if not self._batches.share_turns(on_lost=on_lost):
            return None
        return before_writes(self._batches.commit_turn)

    async def close(self) -> None:
        """Refuse new rows, wait until every queued one is stored (or failed),
        then release the batches' resources."""
        self._closed = True
        task = self._task
        if task is not None:
            await asyncio.shield(task)
        self._batches.close()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        started: float | None = None  # the first batch of a busy spell goes at once
        try:
            while self._queue:
                if started is not None and len(self._queue) < self._max_batch:
                    wait = started + self._interval_s - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                started = loop.time()
                batch = self._take()
                if batch:
                    await self._write(batch)
        except asyncio.CancelledError:
            self._fail_all(DatabaseUnavailable("the server is stopping; send again shortly"))
            raise
        finally:
            self._task = None

    def _take(self) -> list[_Pending]:
        """Up to ``max_batch`` queued rows whose senders still wait, oldest first."""
        batch: list[_Pending] = []
        while self._queue and len(batch) < self._max_batch:
            pending = self._queue.popleft()
            if not pending.done.done():
                batch.append(pending)
        return batch

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            stored = await self._insert([p.new for p in batch])
        except DuplicateKey as exc:
            if len(batch) == 1:
                _settle(batch[0], error=exc)
                return
            logger.info("a chat batch hit a unique key; storing its rows one by one")
            for pending in batch:
                await self._write_one(pending)
            return
        except asyncio.CancelledError:
            for pending in batch:
                _settle(pending, error=DatabaseUnavailable("the server is stopping"))
            raise
        except Exception as exc:
            _fail_batch(batch, exc)
            return
        await self._resolve(batch, stored)

    async def _write_one(self, pending: _Pending) -> None:
        try:
            stored = await self._insert([pending.new])
        except Exception as exc:
            _fail_batch([pending], exc)
            return
        await self._resolve([pending], stored)

    async def _insert(self, rows: Sequence[NewChatMessage]) -> list[int]:
        stored = await self._batches.add(rows)
        self.batches += 1
        return stored

    async def _resolve(self, batch: list[_Pending], stored: list[int]) -> None:
        abandoned: list[str] = []
        for pending, row_id in zip(batch, stored, strict=True):
            if pending.done.done():
                abandoned.append(pending.new.message_id)
            else:
                pending.done.set_result(row_id)
        if abandoned:
            await self._forget(abandoned)

    async def _forget(self, message_ids: list[str]) -> None:
        """Delete rows stored for senders who stopped waiting (never sent)."""
        try:
            async with self._db.transaction("moderation.chat_withdraw") as uow:
                for message_id in message_ids:
                    await uow.moderation.remove_message(message_id)
        except Exception as exc:  # the rows stay, as after a failed withdraw
            logger.error(
                "stored messages whose senders stopped waiting could not be removed: %s",
                type(exc).__name__,
                extra={"message_ids": message_ids},
            )

    def _fail_all(self, error: Exception) -> None:
        while self._queue:
            _settle(self._queue.popleft(), error=error)


def _fail_batch(batch: list[_Pending], exc: Exception) -> None:
    """Fail each row of a batch: an outage as ``DatabaseUnavailable``, anything else as is."""
    if isinstance(exc, DatabaseUnavailable | DuplicateKey):
        for pending in batch:
            _settle(pending, error=_copy(exc))
        return
    logger.exception("storing a chat batch failed", extra={"rows": len(batch)})
    for pending in batch:
        _settle(pending, error=exc)


def _copy(exc: DatabaseUnavailable | DuplicateKey) -> Exception:
    """The same error for another waiter (one instance raised in many tasks
    would gather every task's traceback)."""
    copy = type(exc)(exc.message, details=dict(exc.details))
    copy.__cause__ = exc.__cause__
    return copy


def _settle(pending: _Pending, *, error: Exception) -> None:
    if not pending.done.done():
        pending.done.set_exception(error)
