"""A project's own words: one database read per project at a time, whatever the traffic.

When a project's cached words are missing or expired, every message that
comes while they are read awaits the one read in flight (``ProjectTerms``):
a fake repository counts the reads and holds each one until the test
releases it, so that the messages pile up on it deterministically.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import cast

import pytest

from community import ProjectDirectory
from moderation import MessageRejected
from moderation.chat import ChatModerationSettings
from moderation.chat.terms import ProjectTerms
from moderation.wordlists import Severity, Term
from protocol.ids import ProjectId
from storage import Database, DatabaseUnavailable, UnitOfWork
from tests.fakes.clock import FakeClock
from tests.unit.moderation.chat.harness import ModeratedRooms

PROJECT = ProjectId("project-1")
CACHE_S = 30.0
MESSAGES = 20


@dataclass(frozen=True)
class Row:
    text: str
    severity: str


@dataclass
class CountingRepository:
    """The repository's ``list_terms``: counts reads; each waits for ``release``."""

    words: list[Row] = field(default_factory=lambda: [Row("gros mot", "block")])
    reads: int = 0
    failures: int = 0
    """How many of the next reads fail (after their release)."""
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def list_terms(self, project_id: ProjectId) -> list[Row]:
        assert project_id == PROJECT
        self.reads += 1
        await self.release.wait()
        if self.failures:
            self.failures -= 1
            raise DatabaseUnavailable("the database went away")
        return list(self.words)


class FakeDatabase:
    """Just what ``ProjectTerms.for_project`` uses of ``Database``."""

    def __init__(self, moderation: CountingRepository) -> None:
        self.moderation = moderation

    @asynccontextmanager
    async def transaction(self, name: str) -> AsyncIterator[FakeDatabase]:
        yield self


@pytest.fixture
def repo() -> CountingRepository:
    return CountingRepository()


@pytest.fixture
def terms(repo: CountingRepository, clock: FakeClock) -> ProjectTerms:
    return ProjectTerms(
        db=cast(Database, FakeDatabase(repo)),
        directory=cast(ProjectDirectory, None),  # only the teachers' changes use it
        clock=clock,
        settings=ChatModerationSettings(terms_cache_s=CACHE_S),
    )


def messages(terms: ProjectTerms, count: int = MESSAGES) -> list[asyncio.Task[frozenset[Term]]]:
    """``count`` messages asking for the project's words at once."""
    return [asyncio.create_task(terms.for_project(PROJECT)) for _ in range(count)]


async def settle() -> None:
    """Let every runnable task run until it waits (no time passes)."""
    for _ in range(10):
        await asyncio.sleep(0)


async def released(
    repo: CountingRepository, tasks: list[asyncio.Task[frozenset[Term]]]
) -> list[frozenset[Term] | BaseException]:
    await settle()
    assert not any(t.done() for t in tasks)  # nobody got an expired or empty list
    repo.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    repo.release.clear()
    return results


BLOCKED = frozenset({Term("gros mot", Severity.BLOCK)})


async def test_concurrent_messages_share_one_read_of_a_missing_entry(
    terms: ProjectTerms, repo: CountingRepository
) -> None:
    results = await released(repo, messages(terms))
    assert repo.reads == 1
    assert all(r == BLOCKED for r in results)
    assert len({id(r) for r in results}) == 1  # one object: the pipeline's caches hit
    assert await terms.for_project(PROJECT) is results[0]
    assert repo.reads == 1


async def test_at_expiry_concurrent_messages_share_one_read_and_none_gets_the_stale_list(
    terms: ProjectTerms, repo: CountingRepository, clock: FakeClock
) -> None:
    await released(repo, messages(terms, 1))
    repo.words = [Row("autre mot", "hold")]
    clock.advance(CACHE_S)
    results = await released(repo, messages(terms))
    assert repo.reads == 2
    assert set(results) == {frozenset({Term("autre mot", Severity.HOLD)})}


async def test_a_failed_read_fails_its_waiters_only_and_the_next_message_reads_again(
    terms: ProjectTerms, repo: CountingRepository
) -> None:
    repo.failures = 1
    results = await released(repo, messages(terms))
    assert repo.reads == 1
    assert all(isinstance(r, DatabaseUnavailable) for r in results)
    results = await released(repo, messages(terms))
    assert repo.reads == 2
    assert all(r == BLOCKED for r in results)
    assert await terms.for_project(PROJECT) == BLOCKED
    assert repo.reads == 2


async def test_a_cancelled_reader_hands_the_read_to_a_waiting_message(
    terms: ProjectTerms, repo: CountingRepository
) -> None:
    reader, *waiting = messages(terms, 3)
    await settle()
    reader.cancel()
    await settle()
    assert reader.cancelled()
    assert repo.reads == 2  # one of the waiting messages reads in its place, once
    assert await released(repo, waiting) == [BLOCKED, BLOCKED]


async def test_a_cancelled_waiting_message_does_not_cancel_the_read(
    terms: ProjectTerms, repo: CountingRepository
) -> None:
    reader, gone, *waiting = messages(terms, 4)
    await settle()
    gone.cancel()
    await settle()
    assert gone.cancelled()
    assert await released(repo, [reader, *waiting]) == [BLOCKED] * 3
    assert repo.reads == 1


@dataclass
class HeldReads:
    """Reads of projects' words on the real database, each held once read."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    asked: int = 0
    """Messages that asked for their project's words."""
    reads: int = 0
    """Reads made (each then held until ``release``)."""
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def bump(self, name: str) -> None:
        async with self.changed:
            setattr(self, name, getattr(self, name) + 1)
            self.changed.notify_all()

    async def until(self, name: str, count: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: getattr(self, name) >= count)


@pytest.fixture
def held_reads(rooms: ModeratedRooms, monkeypatch: pytest.MonkeyPatch) -> HeldReads:
    held = HeldReads()
    real = rooms.db.transaction
    terms = rooms.gates.terms
    for_project = terms.for_project

    @asynccontextmanager
    async def transaction(name: str) -> AsyncIterator[UnitOfWork]:
        async with real(name) as uow:
            yield uow
        if name == "moderation.terms_read":
            await held.bump("reads")
            await held.release.wait()

    async def asking(project_id: ProjectId) -> frozenset[Term]:
        await held.bump("asked")
        return await for_project(project_id)

    monkeypatch.setattr(rooms.db, "transaction", transaction)
    monkeypatch.setattr(terms, "for_project", asking)
    return held


async def test_a_rooms_burst_of_messages_reads_the_words_once(
    rooms: ModeratedRooms, held_reads: HeldReads
) -> None:
    await rooms.seat_teacher()
    kids = [await rooms.seat_pupil() for _ in range(5)]
    sends = [
        asyncio.create_task(rooms.services.chat.send(kid.actor, f"hello {n}", None))
        for n, kid in enumerate(kids)
    ]
    await held_reads.until("asked", len(kids))
    await held_reads.until("reads", 1)
    await settle()
    held_reads.release.set()
    sent = await asyncio.gather(*sends)
    assert all(not s.is_held for s in sent)
    assert held_reads.reads == 1


async def test_a_word_added_while_the_words_are_read_holds_from_the_next_message(
    rooms: ModeratedRooms, held_reads: HeldReads, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def any_teacher(*_args: object, **_kwargs: object) -> None:
        """The harness's project is not in the database's directory; who may
        change the words is not what this test is about."""

    monkeypatch.setattr("moderation.chat.terms.require_project_teacher", any_teacher)
    teacher = await rooms.seat_teacher()
    kid = await rooms.seat_pupil()
    before = asyncio.create_task(rooms.services.chat.send(kid.actor, "a nice zorglub", None))
    await held_reads.until("reads", 1)  # read, not yet returned
    terms = rooms.moderation.terms
    await terms.add_term(teacher.principal, rooms.project, "zorglub", Severity.BLOCK)
    held_reads.release.set()
    assert not (await before).is_held  # read before the word was added
    with pytest.raises(MessageRejected):
        await rooms.services.chat.send(kid.actor, "zorglub again", None)
    assert held_reads.reads == 2


async def test_cached_answers_only_fresh_words_without_a_read(
    terms: ProjectTerms, repo: CountingRepository, clock: FakeClock
) -> None:
    """``cached`` (the gate asks it first on every message) never reads, and
    never gives a missing or expired list: ``for_project`` reads those."""
    assert terms.cached(PROJECT) is None
    assert repo.reads == 0
    first = await released(repo, messages(terms, 1))
    assert terms.cached(PROJECT) is first[0]
    clock.advance(CACHE_S - 0.5)
    assert terms.cached(PROJECT) is first[0]
    clock.advance(0.5)
    assert terms.cached(PROJECT) is None  # expired exactly at terms_cache_s, as for_project
    assert repo.reads == 1
    await released(repo, messages(terms, 1))
    assert repo.reads == 2
    assert terms.cached(PROJECT) == BLOCKED
