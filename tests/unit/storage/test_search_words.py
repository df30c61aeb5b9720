"""The node's copy of the engine's words (``storage.search.words``), pure."""

from __future__ import annotations

import random

from storage.search import bitsets
from storage.search.words import DocWords, WordIndex, WordSets

VOCABULARY = ["cli", "clil", "climat", "climate", "client", "eco", "ecole", "robot", "art", "zebra"]


def random_docs(rng: random.Random, ids: range) -> dict[int, DocWords]:
    docs = {}
    for doc_id in ids:
        words = frozenset(rng.sample(VOCABULARY, rng.randint(1, 5)))
        title = frozenset(w for w in words if rng.random() < 0.3)
        docs[doc_id] = DocWords(doc_id, words, title)
    return docs


def index_of(docs: dict[int, DocWords]) -> WordIndex:
    words: dict[str, list[int]] = {}
    titles: dict[str, list[int]] = {}
    for doc in docs.values():
        for word in doc.words:
            words.setdefault(word, []).append(doc.id)
        for word in doc.title:
            titles.setdefault(word, []).append(doc.id)
    counts = {doc.id: (len(doc.words), len(doc.title)) for doc in docs.values()}
    return WordIndex(words, titles, counts, max(docs, default=-1) + 1)


def check(index: WordIndex, docs: dict[int, DocWords]) -> None:
    for word in [*VOCABULARY, "cl", "ec", "x", "clim"]:
        for prefix in (False, True):
            want = {d.id for d in docs.values() if _holds(d.words, word, prefix)}
            want_title = {d.id for d in docs.values() if _holds(d.title, word, prefix)}
            assert set(bitsets.members(index.documents(word, prefix=prefix))) == want
            assert set(bitsets.members(index.in_title(word, prefix=prefix))) == want_title


def _holds(held: frozenset[str], word: str, prefix: bool) -> bool:
    return any(w.startswith(word) for w in held) if prefix else word in held


def test_words_and_prefixes_find_what_the_documents_hold():
    rng = random.Random(3)
    docs = random_docs(rng, range(1, 400))
    check(index_of(docs), docs)


def test_frequent_words_are_bitsets_and_rare_ones_arrays_with_the_same_answers():
    sets = WordSets({"common": list(range(0, 320, 2)), "rare": [5, 300]}, 320)
    assert sets.documents("common", prefix=False) == bitsets.from_ids(range(0, 320, 2))
    assert sets.documents("rare", prefix=False) == bitsets.from_ids([5, 300])
    assert sets.documents("", prefix=True) == bitsets.from_ids([*range(0, 320, 2), 5])
    assert sets.holds("common", 4) and not sets.holds("common", 5)
    assert sets.holds("rare", 300) and not sets.holds("rare", 4)
    assert sets.starting_with("co") == ["common"] and sets.starting_with("q") == []


def test_changes_and_removals_are_answered_and_the_original_is_untouched():
    rng = random.Random(7)
    docs = random_docs(rng, range(0, 300))
    index = index_of(docs)
    before = dict(docs)
    changed = random_docs(rng, range(100, 140))
    changed[500] = DocWords(500, frozenset({"newword", "climat"}), frozenset({"newword"}))
    removed = {3, 4, 120}
    updated = index.apply([d for i, d in changed.items() if i not in removed], removed)
    docs.update(changed)
    for doc_id in removed:
        docs.pop(doc_id)
    check(updated, docs)
    check(index, before)
    # A document changed again: its earlier words are forgotten.
    again = DocWords(500, frozenset({"zebra"}), frozenset())
    docs[500] = again
    check(updated.apply([again]), docs)


def test_a_document_whose_words_did_not_change_stays_as_loaded():
    rng = random.Random(11)
    docs = random_docs(rng, range(0, 50))
    index = index_of(docs)
    same = index.apply([docs[7], docs[8]])
    assert same.changed_count == 0
    fewer = DocWords(7, frozenset(list(docs[7].words)[:-1] or ["art"]), docs[7].title)
    if fewer.words != docs[7].words:
        assert index.apply([fewer]).changed_count == 1
    retitled = DocWords(8, docs[8].words, frozenset(docs[8].words - docs[8].title))
    assert index.apply([retitled]).changed_count == 1


def test_a_word_changed_documents_dropped_and_took_again_is_listed_once():
    docs = {1: DocWords(1, frozenset({"art"}), frozenset())}
    index = index_of(docs)
    step = index.apply([DocWords(1, frozenset({"zebra"}), frozenset())])
    step = step.apply([DocWords(1, frozenset({"robot"}), frozenset())])
    step = step.apply([DocWords(1, frozenset({"zebra", "robot"}), frozenset())])
    assert step._changed.vocabulary == ["robot", "zebra"]
    assert step.documents("z", prefix=True) == 1 << 1 and step.documents("art") == 0
