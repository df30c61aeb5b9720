"""Retention: chat is kept for a school's number of days after its session, then purged.

Each school may set its own number of days (its jurisdiction's rule); the
others use the server's default. A message belongs to its sender's school.
Its time is over that many days after its session ended, or, for a session
never recorded as ended (a node crashed), that many days plus the longest
session after the message was sent. Reports go with their messages; posts
held for a project's space go the same many days after they were made.

The purge deletes in short batches, logs counts and ids only, and is
idempotent: a second run right after finds nothing. In a cluster it runs once
per period: each node asks the shared rate limiter for the period's one token
(a lease), and only the node that gets it purges; should that node die
mid-way, the next period finishes the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from cluster import Clock, RateLimiter, RateRule
from community import Principal
from community.clock import utc_now
from protocol.errors import CodedError, Forbidden
from protocol.ids import SchoolId
from storage import Database

from .settings import MAX_RETENTION_DAYS, ChatModerationSettings

logger = logging.getLogger(__name__)

LEASE_KEY = "cluster"
LOGGED_SESSIONS = 20
"""Session ids named in a purge's log line, at most."""
MAX_CHECK_EVERY_S = 300.0
STOP_WAIT_S = 10.0
"""How long stopping waits for a purge under way before cancelling it."""


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What one purge removed."""

    messages: int
    held_content: int
    sessions: tuple[str, ...]
    """Sessions some of whose messages went (the first ``LOGGED_SESSIONS``)."""


class ChatRetention:
    """Purges chat past its retention, and keeps schools' retention settings.

    Args:
        db: The database.
        clock: Wall time (the purge compares with it).
        limiter: The cluster's rate limiter (the purge's lease).
        settings: Default days, batch size, period.
    """

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        limiter: RateLimiter,
        settings: ChatModerationSettings,
    ) -> None:
        self._db = db
        self._clock = clock
        self._limiter = limiter
        self._settings = settings
        self._lease = RateRule(
            "moderation.retention", capacity=1, refill_per_s=1.0 / settings.purge_every_s
        )
        self.runs = 0
        """Purges this node ran."""

    # -- schools' settings ------------------------------------------------------

    async def school_days(self, actor: Principal, school_id: SchoolId) -> tuple[int, bool]:
        """The school's retention in days, and whether it is the default.

        Raises:
            Forbidden: Not an admin of this school (nor a platform admin).
        """
        _require_school_admin(actor, school_id)
        async with self._db.transaction("moderation.retention_read") as uow:
            days = await uow.moderation.find_retention(school_id)
        return (self._settings.retention_days, True) if days is None else (days, False)

    async def set_school_days(
        self, actor: Principal, school_id: SchoolId, days: int | None
    ) -> tuple[int, bool]:
        """Set the school's retention (None: back to the default).

        Raises:
            Forbidden: Not an admin of this school (nor a platform admin).
            ValueError: ``days`` out of 1 .. ``MAX_RETENTION_DAYS`` (the wire model bounds it).
        """
        _require_school_admin(actor, school_id)
        if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
            raise ValueError("days out of range")
        now = utc_now(self._clock)
        async with self._db.transaction("moderation.retention_set") as uow:
            await uow.moderation.put_retention(school_id, days, updated_by=actor.user_id, at=now)
            await uow.audit.add_entry(
                at=now,
                actor_id=actor.user_id,
                action="moderation.retention_changed",
                subject_type="school",
                subject_id=school_id,
                scope_type="school",
                scope_id=school_id,
                details={"days": days},
            )
        return (self._settings.retention_days, True) if days is None else (days, False)

    # -- the purge -----------------------------------------------------------------

    async def purge(self) -> PurgeReport:
        """Delete every message and held post whose time is over (see the module docstring).

        Raises:
            DatabaseUnavailable: The database could not be reached (the next run resumes).
        """
        now = utc_now(self._clock)
        async with self._db.transaction("moderation.retention_list") as uow:
            own = await uow.moderation.list_retention()
        groups: dict[int, list[SchoolId]] = {}
        for school, days in own.items():
            groups.setdefault(days, []).append(school)
        messages = held = 0
        sessions: dict[str, None] = {}
        plans: list[tuple[int, Collection[SchoolId] | None]] = [
            (days, schools) for days, schools in sorted(groups.items())
        ]
        plans.append((self._settings.retention_days, None))
        for days, schools in plans:
            cutoff = now - timedelta(days=days)
            other_than = list(own) if schools is None else []
            gone = await self._purge_messages(schools, other_than, cutoff)
            messages += len(gone)
            for session_id in gone:
                sessions.setdefault(session_id, None)
            held += await self._purge_held(schools, other_than, cutoff)
        report = PurgeReport(messages, held, tuple(list(sessions)[:LOGGED_SESSIONS]))
        self.runs += 1
        logger.info(
            "chat retention purge",
            extra={
                "messages": report.messages,
                "held_content": report.held_content,
                "sessions": list(report.sessions),
                "session_count": len(sessions),
            },
        )
        return report

    async def purge_if_due(self) -> PurgeReport | None:
        """Purge if this node holds the period's lease (once per cluster and period)."""
        lease = await self._limiter.hit(self._lease, LEASE_KEY)
        if not lease.allowed:
            return None
        return await self.purge()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Purge in the background while the block runs; stop and wait for it after.

        A purge under way is let finish (up to ``STOP_WAIT_S``) rather than
        cancelled: cancelled in the middle of a statement, the SQLite driver's
        thread would answer an event loop that may be closed by then.
        """
        stop = asyncio.Event()
        task = asyncio.create_task(self._loop(stop), name="chat-retention")
        try:
            yield
        finally:
            stop.set()
            done, _ = await asyncio.wait({task}, timeout=STOP_WAIT_S)
            if not done:
                task.cancel()
                await asyncio.wait({task})

    async def _loop(self, stop: asyncio.Event) -> None:
        check_every_s = min(MAX_CHECK_EVERY_S, max(1.0, self._settings.purge_every_s / 4))
        while not stop.is_set():
            try:
                await self.purge_if_due()
            except CodedError as exc:
                logger.warning("chat retention purge failed: %s", exc.code.value)
            except Exception:
                # The loop must outlive one bad run: the next period retries.
                logger.exception("chat retention purge failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), check_every_s)

    async def _purge_messages(
        self,
        schools: Collection[SchoolId] | None,
        other_than: Collection[SchoolId],
        cutoff: datetime,
    ) -> list[str]:
        sent_before = cutoff - timedelta(seconds=self._settings.max_session_s)
        gone: list[str] = []
        while True:
            async with self._db.transaction("moderation.retention_purge") as uow:
                batch = await uow.moderation.purge_chat_batch(
                    schools=schools,
                    other_than=other_than,
                    ended_before=cutoff,
                    sent_before=sent_before,
                    limit=self._settings.purge_batch,
                )
            gone.extend(batch)
            if len(batch) < self._settings.purge_batch:
                return gone

    async def _purge_held(
        self,
        schools: Collection[SchoolId] | None,
        other_than: Collection[SchoolId],
        cutoff: datetime,
    ) -> int:
        total = 0
        while True:
            async with self._db.transaction("moderation.retention_purge_held") as uow:
                count = await uow.moderation.purge_held_content_batch(
                    schools=schools,
                    other_than=other_than,
                    before=cutoff,
                    limit=self._settings.purge_batch,
                )
            total += count
            if count < self._settings.purge_batch:
                return total


def _require_school_admin(actor: Principal, school_id: SchoolId) -> None:
    if actor.is_platform_admin:
        return
    if actor.is_validated_teacher and actor.is_school_admin and actor.school_id == school_id:
        return
    raise Forbidden("only the school's admins set its retention")
