"""A node's copy of which documents hold each word, as the engine indexed them.

On PostgreSQL a search used to ask the GIN index which candidates contain
the words, and PostgreSQL can only return a match's id by visiting its row:
2-3 µs a match, up to 16,000 matches for a broad typical search, and a
bitmap of every row with a word of the last (prefix) word's letters first.
Here the node keeps, for every lexeme of PostgreSQL's own ``tsvector``\\ s (the
engine's parser and configuration decide what the words are; the node never
splits a text itself), the set of documents containing it, for the whole
document and for the title alone. PostgreSQL groups them once per load
(:func:`load_statements`), the change log keeps them in step (the words of
each changed document are read again), and a search intersects sets in
memory: a word is a dictionary lookup, a prefix a range of the sorted
vocabulary.

Frequent words are bitsets (:mod:`.bitsets`); rare ones, most of the
vocabulary (names, towns), are arrays of ids, since a bitset costs an eighth
of a byte per document whatever it holds.

Documents changed since the load are kept apart, with their current words:
their bits in the loaded sets are masked out and a small index of their own
answers for them. Past :data:`MAX_CHANGED` of them the node loads everything
again. This module is pure: no I/O.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from . import bitsets

DENSE_SHARE = 32
"""A word held by more than one document in this many is a bitset, others an
array of ids: above that share the bitset is the smaller of the two."""
MAX_CHANGED = 10_000
"""Documents changed since the load beyond which a full load is due (each
search turns the changed documents holding its words into a set: up to a
few milliseconds at this size)."""


def starting_with(vocabulary: list[str], prefix: str) -> list[str]:
    """The words of a sorted vocabulary that start with ``prefix``."""
    if not prefix:
        return list(vocabulary)
    start = bisect_left(vocabulary, prefix)
    end = bisect_left(vocabulary, prefix[:-1] + chr(ord(prefix[-1]) + 1), lo=start)
    return vocabulary[start:end]


class WordSets:
    """Per word, the documents holding it; immutable once built.

    Args:
        postings: Per word, the ids of the documents holding it.
        size: One more than the largest document id.
    """

    def __init__(self, postings: Mapping[str, Sequence[int]], size: int) -> None:
        dense_from = max(1, size // DENSE_SHARE)
        self._dense: dict[str, int] = {}
        self._sparse: dict[str, Sequence[int]] = {}
        for word, ids in postings.items():
            if len(ids) > dense_from:
                self._dense[word] = bitsets.from_ids(ids)
            else:
                self._sparse[word] = ids if isinstance(ids, array) else array("i", ids)
        self._vocabulary = sorted(postings)

    def __len__(self) -> int:
        return len(self._vocabulary)

    def holds(self, word: str, doc_id: int) -> bool:
        """Whether document ``doc_id`` holds ``word``."""
        dense = self._dense.get(word)
        if dense is not None:
            return bool((dense >> doc_id) & 1)
        return doc_id in self._sparse.get(word, ())

    def documents(self, word: str, *, prefix: bool) -> int:
        """The documents holding ``word``, or with ``prefix`` a word starting with it."""
        words = self.starting_with(word) if prefix else [word]
        found = 0
        sparse: list[int] = []
        for one in words:
            dense = self._dense.get(one)
            if dense is not None:
                found |= dense
            else:
                sparse.extend(self._sparse.get(one, ()))
        return found | bitsets.from_ids(sparse) if sparse else found

    def starting_with(self, prefix: str) -> list[str]:
        """The vocabulary's words that start with ``prefix``."""
        return starting_with(self._vocabulary, prefix)


@dataclass(frozen=True, slots=True)
class DocWords:
    """A document's lexemes, as the engine's ``tsvector``\\ s hold them."""

    id: int
    words: frozenset[str]
    """Of the whole document (title and body)."""
    title: frozenset[str]
    """Of its title alone."""


class _Changed:
    """The documents changed since the load: their words, and ids per word.

    Ids per word are sets, not bitsets: a bitset is as long as the largest id
    it holds, and the changed documents include the newest, so a few thousand
    words of changed documents would each cost an eighth of a byte per
    document of the whole network.
    """

    def __init__(self) -> None:
        self.docs: dict[int, DocWords] = {}
        self.ids = 0
        """Every changed document, removed ones included: their loaded bits are stale."""
        self.words: dict[str, set[int]] = {}
        self.titles: dict[str, set[int]] = {}
        self.vocabulary: list[str] = []
        self._own: set[tuple[bool, str]] = set()
        """(title?, word) of the sets this copy made itself: the others are
        shared with the copy it came from, so they are copied before a change."""

    def copy(self) -> _Changed:
        twin = _Changed()
        twin.docs = dict(self.docs)
        twin.ids = self.ids
        twin.words = dict(self.words)
        twin.titles = dict(self.titles)
        twin.vocabulary = list(self.vocabulary)
        return twin

    def _writable(self, title: bool, word: str) -> set[int]:
        words = self.titles if title else self.words
        if (title, word) not in self._own:
            self._own.add((title, word))
            if not title and word not in words:
                insort(self.vocabulary, word)
            words[word] = set(words.get(word, ()))
        return words[word]

    def forget(self, doc_id: int) -> None:
        old = self.docs.pop(doc_id, None)
        if old is None:
            return
        for title, held in ((False, old.words), (True, old.title)):
            for word in held:
                self._writable(title, word).discard(doc_id)

    def learn(self, doc: DocWords) -> None:
        self.docs[doc.id] = doc
        for title, held in ((False, doc.words), (True, doc.title)):
            for word in held:
                self._writable(title, word).add(doc.id)

    def documents(self, words: Mapping[str, set[int]], word: str, *, prefix: bool) -> int:
        chosen = starting_with(self.vocabulary, word) if prefix else [word]
        ids = [doc_id for one in chosen for doc_id in words.get(one, ())]
        return bitsets.from_ids(ids) if ids else 0


class WordIndex:
    """Which documents hold each word, for the whole document and the title.

    Args:
        words: Per lexeme of the documents' full-text vectors, their ids.
        titles: The same for the titles' vectors.
        counts: Per document id, how many distinct lexemes its vector and its
            title's vector hold (to tell later whether a document's words
            changed without keeping every document's words).
        size: One more than the largest document id.
    """

    def __init__(
        self,
        words: Mapping[str, Sequence[int]],
        titles: Mapping[str, Sequence[int]],
        counts: Mapping[int, tuple[int, int]],
        size: int,
    ) -> None:
        self._words = WordSets(words, size)
        self._titles = WordSets(titles, size)
        # Two arrays by id rather than a dict of tuples: 1 MB instead of 12
        # at 118,000 documents (0 for an id not loaded: its new words differ).
        self._counts = (array("I", bytes(4 * size)), array("I", bytes(4 * size)))
        for doc_id, (all_words, title_words) in counts.items():
            self._counts[0][doc_id], self._counts[1][doc_id] = all_words, title_words
        self._size = size
        self._changed = _Changed()

    @property
    def vocabulary_size(self) -> int:
        return len(self._words)

    @property
    def changed_count(self) -> int:
        """Documents changed since the load (see :data:`MAX_CHANGED`)."""
        return self._changed.ids.bit_count()

    def documents(self, word: str, *, prefix: bool = False) -> int:
        """The documents holding the word (with ``prefix``, a word starting with it)."""
        loaded = self._words.documents(word, prefix=prefix) & ~self._changed.ids
        return loaded | self._changed.documents(self._changed.words, word, prefix=prefix)

    def in_title(self, word: str, *, prefix: bool = False) -> int:
        """The documents with the word (or one starting with it) in their title."""
        loaded = self._titles.documents(word, prefix=prefix) & ~self._changed.ids
        return loaded | self._changed.documents(self._changed.titles, word, prefix=prefix)

    def apply(self, changed: Iterable[DocWords], removed: Collection[int] = ()) -> WordIndex:
        """A copy with new or changed documents' words and without removed documents.

        A document whose words are those it was loaded with stays as loaded
        (a change of its filters, or of its owner's last login, leaves its
        words alone and costs nothing here).
        """
        twin = WordIndex.__new__(WordIndex)
        twin._words, twin._titles, twin._counts = self._words, self._titles, self._counts
        twin._size = self._size
        twin._changed = self._changed.copy()
        for doc_id in removed:
            twin._changed.forget(doc_id)
            twin._changed.ids |= 1 << doc_id
        for doc in changed:
            if not twin._changed.ids >> doc.id & 1 and self._as_loaded(doc):
                continue
            twin._changed.forget(doc.id)
            twin._changed.learn(doc)
            twin._changed.ids |= 1 << doc.id
        return twin

    def _as_loaded(self, doc: DocWords) -> bool:
        """Whether a document not changed since the load still has its loaded words."""
        if doc.id >= self._size or (self._counts[0][doc.id], self._counts[1][doc.id]) != (
            len(doc.words),
            len(doc.title),
        ):
            return False
        return all(self._words.holds(w, doc.id) for w in doc.words) and all(
            self._titles.holds(w, doc.id) for w in doc.title
        )
