"""Keeps a node's :class:`~.mirror.DocumentMirror` equal to the database.

Triggers log every insert, delete and change of a search document in
``network_search_changes`` (migration 0007), in commit order. Before each
search, the node reads the entries after the last one it applied (one
indexed range read, usually returning just that entry) and reloads the rows
of the documents they name, so a profile or post written on any node is
found, and counted, by the next search on every node.

The node reloads everything instead when it has no copy yet, when more
changes wait than :data:`MAX_CHANGES`, or when the last entry it applied is
gone or differs: pruned from the log, or rolled back (its transaction failed
after the node read it) and its id reused. Changes are applied to a copy,
so a search that already holds the mirror keeps a consistent one.

An engine may also have the node keep its words (:mod:`.words`, on
PostgreSQL): given a :class:`WordSource`, the mirror carries a
:class:`~.words.WordIndex` loaded, caught up and reloaded with it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol

from .mirror import DocumentMirror, MirroredDoc
from .reader import Params, Reader, in_list
from .words import MAX_CHANGED, DocWords, WordIndex

MAX_CHANGES = 5000
"""Above this many waiting changes, one full reload is cheaper."""
RELOAD_PAGE = 20_000
"""Documents read per statement when loading them all."""

CHANGES = (
    "SELECT id, doc_id, nonce FROM network_search_changes WHERE id >= :start ORDER BY id LIMIT :n"
)
LAST_CHANGE = "SELECT id, nonce FROM network_search_changes ORDER BY id DESC LIMIT 1"
DOCUMENTS = (
    "SELECT id, kind, country_code, school_type, looking_for_partners, owner_validated, "
    "expires_s, age_min, age_max, subjects, languages, wanted, length FROM network_search_docs"
)


def json_terms(value: Any) -> tuple[str, ...]:
    """A JSON array column, whichever way the driver returned it."""
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(value)


def _doc(row: Sequence[Any], terms: Callable[[Any], tuple[str, ...]]) -> MirroredDoc:
    return MirroredDoc(
        id=row[0],
        kind=row[1],
        country=row[2],
        school_type=row[3],
        looking=bool(row[4]),
        validated=bool(row[5]),
        expires_s=row[6],
        age_min=row[7],
        age_max=row[8],
        subjects=terms(row[9]),
        languages=terms(row[10]),
        wanted=terms(row[11]),
        length=row[12],
    )


class WordSource(Protocol):
    """Where an engine's words come from (see :mod:`.words`)."""

    async def load(self, read: Reader) -> WordIndex:
        """Every document's words."""

    async def read(self, read: Reader, ids: Collection[int]) -> list[DocWords]:
        """The words of these documents (those that still exist)."""


class MirrorSync:
    """One node's mirror of the search documents, brought up to date on demand."""

    def __init__(self) -> None:
        self._mirror: DocumentMirror | None = None
        self._last: tuple[int, int] | None = None
        """(id, nonce) of the last change applied; None while the log was empty."""
        self._lock = asyncio.Lock()
        self.reloads = 0
        """How many full loads this node made (for tests and diagnostics)."""

    async def current(self, read: Reader, words: WordSource | None = None) -> DocumentMirror:
        """The mirror, with every change committed before this call applied.

        Args:
            words: Keep the documents' words too, from this source (the
                mirror's ``words``); pass the same source on every call.
        """
        async with self._lock:
            if (
                self._mirror is None
                or (words is not None and self._mirror.words is None)
                or not await self._catch_up(read, self._mirror, words)
            ):
                await self._reload(read, words)
            assert self._mirror is not None
            return self._mirror

    async def _catch_up(
        self, read: Reader, mirror: DocumentMirror, words: WordSource | None
    ) -> bool:
        """Apply the changes after the last one applied; False when a reload is due."""
        start = 0 if self._last is None else self._last[0]
        rows = await read(CHANGES, {"start": start, "n": MAX_CHANGES + 2})
        if self._last is not None:
            if not rows or (rows[0][0], rows[0][2]) != self._last:
                return False
            rows = rows[1:]
        if not rows:
            return True
        if len(rows) > MAX_CHANGES:
            return False
        touched = {doc_id for _, doc_id, _ in rows}
        docs = await self._read(read, touched)
        updated = mirror.copy()
        updated.apply(docs, removed=touched - {doc.id for doc in docs})
        if words is not None and mirror.words is not None:
            texts = await words.read(read, touched)
            updated.words = mirror.words.apply(texts, touched - {doc.id for doc in texts})
            if updated.words.changed_count > MAX_CHANGED:
                return False
        self._mirror = updated
        self._last = (rows[-1][0], rows[-1][2])
        return True

    async def _reload(self, read: Reader, words: WordSource | None) -> None:
        # The log's end first: a change committed between the two reads is
        # then in the documents read and applied again later, harmlessly.
        found = await read(LAST_CHANGE, {})
        last = found[0] if found else None
        mirror = DocumentMirror()
        terms = _TermsCache()
        after = 0
        while True:  # in pages, so that the rows of one page at a time are in memory
            page = await read(
                DOCUMENTS + " WHERE id > :after ORDER BY id LIMIT :n",
                {"after": after, "n": RELOAD_PAGE},
            )
            mirror.apply([_doc(row, terms) for row in page])
            if len(page) < RELOAD_PAGE:
                break
            after = page[-1][0]
        if words is not None:
            mirror.words = await words.load(read)
        self._mirror = mirror
        self._last = None if last is None else (last[0], last[1])
        self.reloads += 1

    @staticmethod
    async def _read(read: Reader, ids: Collection[int]) -> list[MirroredDoc]:
        params: Params = {}
        sql = DOCUMENTS + " WHERE id IN " + in_list("id", sorted(ids), params)
        terms = _TermsCache()
        return [_doc(row, terms) for row in await read(sql, params)]


class _TermsCache:
    """Parses JSON lists of codes, each distinct one once: the same few
    thousand lists of subjects and languages recur, and decoding JSON was half
    the time of loading 120,000 documents."""

    def __init__(self) -> None:
        self._parsed: dict[Any, tuple[str, ...]] = {}

    def __call__(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, list):
            return tuple(value)
        found = self._parsed.get(value)
        if found is None:
            found = self._parsed[value] = json_terms(value)
        return found
