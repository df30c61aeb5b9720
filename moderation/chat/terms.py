"""A project's own words for the content filter: teachers add them, every message reads them.

Teachers of a project add words or phrases (``hold``: a teacher reads the
message first; ``block``: refused) on top of the partners' lists. Messages
read them through a per-node cache, refreshed every ``terms_cache_s``: one
database read per project and period, not per message; a node that changed
the words forgets its copy at once. The compiled matcher is cached by the
pipeline per set of words.

The refresh is single-flight per project: when a project's copy is missing
or expired, the first message reads the database and every message that
comes meanwhile awaits that read rather than starting its own (a busy room
otherwise sent one read per message to the database at each expiry). A
failed read is not cached: the messages that awaited it fail with it, and
the next message reads again. An expired copy is never served while the
read runs: a teacher's new word must hold from one period after it was
added, on every node.
"""

from __future__ import annotations

import asyncio

from cluster import Clock
from community import Principal, ProjectDirectory
from community.clock import utc_now
from protocol.errors import Conflict, InvalidPayload, NotFound
from protocol.ids import ProjectId
from storage import Database, DuplicateKey
from storage.records_moderation import ProjectTermRecord

from ..wordlists import Severity, Term
from .access import require_project_teacher
from .audit import record
from .settings import ChatModerationSettings

MAX_CACHED_PROJECTS = 2000


def parse_term(text: str, severity: Severity) -> Term:
    """A teacher's word as a term: lower case, single spaces.

    Raises:
        InvalidPayload: Empty, too long, or a misplaced ``*``.
    """
    cleaned = " ".join(text.lower().split())
    try:
        return Term(cleaned, severity)
    except ValueError:
        raise InvalidPayload(
            "a term is a word or phrase of at most 80 characters; '*' may end a single word",
            details={"field": "text"},
        ) from None


class ProjectTerms:
    """Reads, caches and changes projects' own words.

    Args:
        db: The database.
        directory: Who teaches which project.
        clock: For the cache and the audit log.
        settings: Cache period and the number of words per project.
    """

    def __init__(
        self,
        *,
        db: Database,
        directory: ProjectDirectory,
        clock: Clock,
        settings: ChatModerationSettings,
    ) -> None:
        self._db = db
        self._directory = directory
        self._clock = clock
        self._settings = settings
        self._cache: dict[ProjectId, tuple[float, frozenset[Term]]] = {}
        self._reading: dict[ProjectId, asyncio.Future[frozenset[Term] | None]] = {}
        """The read in flight per project; its result None: its reader was cancelled."""

    def cached(self, project_id: ProjectId) -> frozenset[Term] | None:
        """The project's words if this node's cache holds them fresh (None: read
        them with ``for_project``): every message asks, so the answer that
        needs no read is given without a coroutine."""
        cached = self._cache.get(project_id)
        if cached is None or self._clock.monotonic() - cached[0] >= self._settings.terms_cache_s:
            return None
        return cached[1]

    async def for_project(self, project_id: ProjectId) -> frozenset[Term]:
        """The project's words, from this node's cache when fresh enough.

        Raises:
            DatabaseUnavailable: The words could not be read (also for every
                message that awaited the same read).
        """
        while True:
            cached = self.cached(project_id)
            if cached is not None:
                return cached
            reading = self._reading.get(project_id)
            if reading is None:
                return await self._refresh(project_id)
            # Shielded: a message cancelled while it waits must not cancel
            # the read the others await.
            terms = await asyncio.shield(reading)
            if terms is not None:
                return terms
            # Its reader was cancelled before it had read: look again.

    async def _refresh(self, project_id: ProjectId) -> frozenset[Term]:
        """Read the project's words as the one read in flight, and cache them."""
        reading: asyncio.Future[frozenset[Term] | None] = asyncio.get_running_loop().create_future()
        self._reading[project_id] = reading
        try:
            now = self._clock.monotonic()
            async with self._db.transaction("moderation.terms_read") as uow:
                rows = await uow.moderation.list_terms(project_id)
            terms = frozenset(Term(r.text, Severity(r.severity)) for r in rows)
        except asyncio.CancelledError:
            self._end(project_id, reading)
            reading.set_result(None)  # the waiters read again themselves
            raise
        except Exception as exc:
            self._end(project_id, reading)
            reading.set_exception(exc)
            reading.exception()  # retrieved, even if no message waited on it
            raise
        if self._end(project_id, reading):
            self._store(project_id, now, terms)
        reading.set_result(terms)
        return terms

    def _end(self, project_id: ProjectId, reading: asyncio.Future[frozenset[Term] | None]) -> bool:
        """Whether ``reading`` was still the project's read in flight (its
        words not changed meanwhile by this node: see ``_forget``)."""
        if self._reading.get(project_id) is not reading:
            return False
        del self._reading[project_id]
        return True

    def _forget(self, project_id: ProjectId) -> None:
        """After this node changed the project's words: the next message reads
        them again, even if a read begun before the change is still running
        (its result goes to those who awaited it, and is not cached)."""
        self._cache.pop(project_id, None)
        self._reading.pop(project_id, None)

    def _store(self, project_id: ProjectId, now: float, terms: frozenset[Term]) -> None:
        cached = self._cache.get(project_id)
        if cached is not None and cached[1] == terms:
            terms = cached[1]  # the same object: the pipeline's caches hit
        if len(self._cache) >= MAX_CACHED_PROJECTS:
            self._cache.clear()
        self._cache[project_id] = (now, terms)

    async def list_terms(self, actor: Principal, project_id: ProjectId) -> list[ProjectTermRecord]:
        """Raises: NotFound, Forbidden: see ``require_project_teacher``."""
        await require_project_teacher(self._directory, actor, project_id)
        async with self._db.transaction("moderation.terms_list") as uow:
            return await uow.moderation.list_terms(project_id)

    async def add_term(
        self, actor: Principal, project_id: ProjectId, text: str, severity: Severity
    ) -> Term:
        """Add a word to the project's filter.

        Raises:
            NotFound, Forbidden: See ``require_project_teacher``.
            InvalidPayload: Not a valid term.
            Conflict: The project has it already, or has as many words as it may.
        """
        await require_project_teacher(self._directory, actor, project_id, writing=True)
        term = parse_term(text, severity)
        now = utc_now(self._clock)
        try:
            async with self._db.transaction("moderation.terms_add") as uow:
                if await uow.moderation.count_terms(project_id) >= self._settings.max_project_terms:
                    raise Conflict(
                        "the project has as many words as it may",
                        details={"max": self._settings.max_project_terms},
                    )
                await uow.moderation.add_term(
                    project_id=project_id,
                    text=term.text,
                    severity=term.severity.value,
                    added_by=actor.user_id,
                    at=now,
                )
                await record(
                    uow,
                    at=now,
                    actor_id=actor.user_id,
                    action="moderation.term_added",
                    project_id=project_id,
                    subject_type="project",
                    subject_id=project_id,
                    details={"severity": term.severity.value},
                )
        except DuplicateKey:
            raise Conflict("the project has this word already") from None
        self._forget(project_id)
        return term

    async def remove_term(self, actor: Principal, project_id: ProjectId, text: str) -> None:
        """Raises: NotFound (also: no such word), Forbidden."""
        await require_project_teacher(self._directory, actor, project_id, writing=True)
        cleaned = " ".join(text.lower().split())
        now = utc_now(self._clock)
        async with self._db.transaction("moderation.terms_remove") as uow:
            if not await uow.moderation.remove_term(project_id, cleaned):
                raise NotFound("the project has no such word")
            await record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action="moderation.term_removed",
                project_id=project_id,
                subject_type="project",
                subject_id=project_id,
            )
        self._forget(project_id)
