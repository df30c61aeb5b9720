"""Each node's copy of the filter, facet and ranking columns of every document.

Counting facets and applying filters over the full-text engine's matches
used to cost several microseconds per match in SQL (a GROUP BY per facet,
JSON arrays unnested row by row). Here every value of every facet (a country,
a subject, "looking for partners", an age, a length) has the set of documents
that carry it, as a bitset (:mod:`.bitsets`): a filter is a few ANDs and ORs
over whole sets, a facet count one AND and one popcount per value, whatever
the number of matches. The full-text engine is left with what only it can
do: deciding which words each document holds (on SQLite FTS5 also finds
them per search; on PostgreSQL the node keeps the engine's lexemes per
word, :mod:`.words`, carried here as ``words``).

The copy is kept exact by :mod:`.mirror_sync`, which reads the documents'
change log before each search. This module is pure: no I/O, no clock.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right, insort
from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from . import bitsets
from .documents import FACETS, NO_COUNTRY_WANTED, FacetCount, SearchRequest
from .words import WordIndex


@dataclass(frozen=True, slots=True)
class MirroredDoc:
    """The columns of one ``network_search_docs`` row that the mirror keeps."""

    id: int
    kind: str
    country: str
    school_type: str
    looking: bool
    validated: bool
    expires_s: int | None
    age_min: int
    age_max: int
    subjects: tuple[str, ...]
    languages: tuple[str, ...]
    wanted: tuple[str, ...]
    """Posts only; empty for "any country"."""
    length: int


ANY_COUNTRY = NO_COUNTRY_WANTED.upper()
"""The ``wanted`` value of a post that welcomes every country."""
INDEXED = (
    "kind",
    "country",
    "school_type",
    "subject",
    "language",
    "wanted",
    "looking",
    "age_min",
    "age_max",
    "length",
)
"""Every field with a bitset per value; the first five are also facets."""


def _keys(doc: MirroredDoc) -> Iterator[tuple[str, Hashable]]:
    """(field, value) pairs under which a document is indexed."""
    yield "kind", doc.kind
    yield "country", doc.country.upper()
    yield "school_type", doc.school_type
    for subject in doc.subjects:
        yield "subject", subject
    for language in doc.languages:
        yield "language", language
    if doc.kind == "post":
        for country in doc.wanted or (ANY_COUNTRY,):
            yield "wanted", country.upper()
    yield "looking", doc.looking
    yield "age_min", doc.age_min
    yield "age_max", doc.age_max
    yield "length", doc.length


class _Expiry:
    """Which documents have expired by a given time, cached per time."""

    def __init__(self) -> None:
        self._when: dict[int, int] = {}
        self._ordered: list[tuple[int, int]] = []
        self._cached: tuple[int, int] | None = None
        """(entries expired, their set) for the last time asked."""

    def copy(self) -> _Expiry:
        twin = _Expiry()
        twin._when = dict(self._when)
        twin._ordered = list(self._ordered)
        twin._cached = self._cached
        return twin

    def update(self, removed: Collection[int], added: Sequence[tuple[int, int]]) -> None:
        """Forget the expiry of ``removed`` documents, then learn (id, when) pairs."""
        gone: list[tuple[int, int]] = []
        for doc_id in removed:
            when = self._when.pop(doc_id, None)
            if when is not None:
                gone.append((when, doc_id))
        self._when.update(added)
        if len(gone) + len(added) > 64:
            self._ordered = sorted((when, doc_id) for doc_id, when in self._when.items())
        else:
            for entry in gone:
                self._ordered.remove(entry)
            for doc_id, when in added:
                insort(self._ordered, (when, doc_id))
        if gone or added:
            self._cached = None

    def expired(self, now_s: int) -> int:
        """Documents whose expiry is at or before ``now_s``."""
        count = bisect_right(self._ordered, (now_s, 1 << 62))
        if self._cached is None or self._cached[0] != count:
            ids = [doc_id for _, doc_id in self._ordered[:count]]
            self._cached = (count, bitsets.from_ids(ids) if ids else 0)
        return self._cached[1]


class DocumentMirror:
    """Bitsets per field value over every search document, and their lengths."""

    def __init__(self) -> None:
        self._present = 0
        self._validated = 0
        self._sets: dict[str, dict[Hashable, int]] = {name: {} for name in INDEXED}
        self._expiry = _Expiry()
        self._length = array("I")
        self._lengths_sorted: list[tuple[int, int]] | None = None
        self._of: dict[str, list[Any]] = {name: [] for name in FACETS}
        """Per facet, each document's value (a tuple for subjects and languages),
        by id: counting a few documents one by one beats a popcount per value."""
        self._interned: dict[Any, Any] = {}
        self.words: WordIndex | None = None
        """The documents' words, when the engine has the node keep them
        (:mod:`.words`); kept in step by :mod:`.mirror_sync`."""

    @property
    def size(self) -> int:
        """One more than the largest document id held (0 when empty)."""
        return self._present.bit_length()

    @property
    def count(self) -> int:
        return self._present.bit_count()

    # -- keeping up with the database -----------------------------------------

    def copy(self) -> DocumentMirror:
        """An independent copy (the sets are immutable integers, so shared)."""
        twin = DocumentMirror()
        twin._present = self._present
        twin._validated = self._validated
        twin._sets = {name: dict(values) for name, values in self._sets.items()}
        twin._expiry = self._expiry.copy()
        twin._length = array("I", self._length)
        twin._lengths_sorted = self._lengths_sorted
        twin._of = {name: list(values) for name, values in self._of.items()}
        twin._interned = self._interned
        twin.words = self.words
        return twin

    def apply(self, changed: Sequence[MirroredDoc], removed: Collection[int] = ()) -> None:
        """Take in new or changed documents and drop removed ones.

        Every set loses the touched documents at once (one AND per set, however
        many documents changed); then each value's set gains its documents at
        once, so loading a whole network costs one pass, not one per document.
        """
        touched_ids = [doc.id for doc in changed] + list(removed)
        for doc_id in removed:
            if doc_id < len(self._length):
                self._length[doc_id] = 0
                for by_id in self._of.values():
                    by_id[doc_id] = None
        if touched_ids and self._present:
            kept = ~bitsets.from_ids(touched_ids)
            self._present &= kept
            self._validated &= kept
            for values in self._sets.values():
                for value in list(values):
                    left = values[value] & kept
                    if left:
                        values[value] = left
                    else:
                        del values[value]
        grouped: dict[tuple[str, Hashable], list[int]] = defaultdict(list)
        validated: list[int] = []
        expiring: list[tuple[int, int]] = []
        for doc in changed:
            for key in _keys(doc):
                grouped[key].append(doc.id)
            if doc.validated:
                validated.append(doc.id)
            if doc.expires_s is not None:
                expiring.append((doc.id, doc.expires_s))
            self._keep_values(doc)
        self._expiry.update(touched_ids, expiring)
        for (name, value), ids in grouped.items():
            values = self._sets[name]
            values[value] = values.get(value, 0) | bitsets.from_ids(ids)
        if changed:
            self._present |= bitsets.from_ids([doc.id for doc in changed])
            self._validated |= bitsets.from_ids(validated) if validated else 0
        self._lengths_sorted = None

    def _keep_values(self, doc: MirroredDoc) -> None:
        """Record a document's length and facet values by its id."""
        if doc.id >= len(self._length):
            grow = doc.id + 1 - len(self._length) + 1024
            self._length.extend([0] * grow)
            for by_id in self._of.values():
                by_id.extend([None] * grow)
        self._length[doc.id] = doc.length
        intern = self._interned.setdefault
        for name, value in (
            ("kind", doc.kind),
            ("country", doc.country.upper()),
            ("school_type", doc.school_type),
            ("subject", doc.subjects),
            ("language", doc.languages),
        ):
            self._of[name][doc.id] = intern(value, value)

    # -- answering ------------------------------------------------------------

    def candidates(self, request: SearchRequest, now_s: int) -> int:
        """The visible documents that pass every filter of ``request``.

        Visible: the owner is validated and the document has not expired.
        """
        found = self.visible(now_s)
        for passing in self.filter_sets(request).values():
            found &= passing
        return found

    def visible(self, now_s: int) -> int:
        """Documents of validated owners that have not expired by ``now_s``."""
        return self._validated & ~self._expiry.expired(now_s)

    def filter_sets(self, request: SearchRequest) -> dict[str, int]:
        """Per filter of ``request`` (named as in :func:`.documents.filter_groups`),
        the documents that pass it. Values of one filter are alternatives;
        ages pass when the document's pupils' range overlaps the asked one."""
        sets: dict[str, int] = {}
        if request.kind is not None:
            sets["kind"] = self._one("kind", request.kind.value)
        if request.open_to is not None:
            sets["open_to"] = self._any("wanted", [request.open_to.upper(), ANY_COUNTRY])
        for name, wanted in (
            ("country", [c.upper() for c in request.countries]),
            ("subject", [s.lower() for s in request.subjects]),
            ("language", [lang.lower() for lang in request.languages]),
            ("school_type", list(request.school_types)),
        ):
            if wanted:
                sets[name] = self._any(name, wanted)
        if request.looking_for_partners is not None:
            sets["looking"] = self._one("looking", request.looking_for_partners)
        if request.age_min is not None or request.age_max is not None:
            low, high = request.age_min, request.age_max
            ages = self._present
            if low is not None:
                ages &= self._any("age_max", [a for a in self._sets["age_max"] if _int(a) >= low])
            if high is not None:
                ages &= self._any("age_min", [a for a in self._sets["age_min"] if _int(a) <= high])
            sets["age"] = ages
        return sets

    def facets(
        self, found: int, ids: Sequence[int] | None = None
    ) -> dict[str, tuple[FacetCount, ...]]:
        """How many of ``found`` carry each value, per facet: most first, then by value.

        Args:
            ids: The members of ``found``, when the caller has them: up to
                :data:`FEW_TO_COUNT` of them are counted one by one.
        """
        counted: dict[str, tuple[FacetCount, ...]] = {}
        for name in FACETS:
            if ids is not None and len(ids) <= FEW_TO_COUNT:
                of = self._of[name].__getitem__
                values = map(of, ids)
                tally = Counter(chain.from_iterable(values) if name in MULTI else values)
            else:
                tally = Counter(
                    {
                        value: (found & members).bit_count()
                        for value, members in self._sets[FACET_FIELD[name]].items()
                    }
                )
            counts = [FacetCount(str(value), n) for value, n in tally.items() if n]
            counted[name] = tuple(sorted(counts, key=lambda f: (-f.count, f.value)))
        return counted

    def lengths(self) -> list[tuple[int, int]]:
        """(length, documents of that length), shortest first."""
        if self._lengths_sorted is None:
            self._lengths_sorted = sorted(
                (_int(length), members) for length, members in self._sets["length"].items()
            )
        return self._lengths_sorted

    def length_of(self, doc_id: int) -> int:
        return self._length[doc_id] if doc_id < len(self._length) else 0

    def _one(self, name: str, value: Hashable) -> int:
        return self._sets[name].get(value, 0)

    def _any(self, name: str, values: Iterable[Hashable]) -> int:
        return bitsets.union(self._sets[name].get(value, 0) for value in values)


FEW_TO_COUNT = 1500
"""Up to this many documents, counting them one by one is cheaper than an
AND and a popcount per facet value (about 110 values, 120,000 documents)."""
MULTI = frozenset({"subject", "language"})
"""Facets whose documents may carry several values."""
FACET_FIELD = {
    "kind": "kind",
    "country": "country",
    "subject": "subject",
    "language": "language",
    "school_type": "school_type",
}
"""The field behind each facet of :data:`.documents.FACETS`."""


def _int(value: Hashable) -> int:
    assert isinstance(value, int)
    return value
