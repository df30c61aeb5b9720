"""Partner search's in-memory parts (pure): bitsets, the document mirror, ranking.

Each fast path is checked against the plain one it replaces: bitsets against
Python sets, popcount facet counts against counting documents one by one,
the length-walk ranking against sorting every match.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from protocol.api.network import SearchKind
from storage.search import SearchRequest, bitsets
from storage.search.mirror import DocumentMirror, MirroredDoc
from storage.search.ranking import (
    RankKey,
    by_relevance_ids,
    by_relevance_sets,
    newest_first,
    title_tiers,
)

SUBJECTS = ("history", "art", "music", "ict", "drama")
LANGUAGES = ("en", "fr", "de", "pl")
COUNTRIES = ("FR", "DE", "PL", "IT")


@pytest.mark.parametrize("count", [0, 1, 5, 31, 32, 33, 500])
def test_bitsets_round_trip_ids(count: int):
    rng = random.Random(count)
    ids = sorted(rng.sample(range(3000), count))
    bits = bitsets.from_ids(ids)
    assert bits == sum(1 << i for i in ids)
    assert bitsets.members(bits) == ids
    assert bitsets.highest(bits, 7) == sorted(ids, reverse=True)[:7]
    assert bitsets.members(bitsets.below(bits, 1500)) == [i for i in ids if i < 1500]
    flags = bitsets.unpack(bits, 3000)
    assert len(flags) == 3000
    assert [i for i, flag in enumerate(flags) if flag] == ids
    assert bitsets.pack(flags) == bits


def test_unpack_leaves_out_members_beyond_the_size():
    assert bitsets.unpack(bitsets.from_ids([1, 9, 20]), 10) == bytes([0, 1, 0, 0, 0, 0, 0, 0, 0, 1])


def random_doc(rng: random.Random, doc_id: int) -> MirroredDoc:
    kind = rng.choice(["profile", "post"])
    low = rng.randint(3, 16)
    return MirroredDoc(
        id=doc_id,
        kind=kind,
        country=rng.choice(COUNTRIES),
        school_type=rng.choice(["primary", "vocational"]),
        looking=rng.random() < 0.5,
        validated=rng.random() < 0.9,
        expires_s=rng.choice([None, 100, 200, 300]) if kind == "post" else None,
        age_min=low,
        age_max=low + rng.randint(0, 4),
        subjects=tuple(rng.sample(SUBJECTS, rng.randint(1, 3))),
        languages=tuple(rng.sample(LANGUAGES, rng.randint(1, 2))),
        wanted=tuple(rng.sample(COUNTRIES, rng.randint(0, 2))) if kind == "post" else (),
        length=rng.randint(1, 40),
    )


def passes(doc: MirroredDoc, request: SearchRequest, now_s: int) -> bool:
    """The filters, written out plainly."""
    checks = [
        doc.validated,
        doc.expires_s is None or doc.expires_s > now_s,
        request.kind is None or doc.kind == request.kind.value,
        not request.countries or doc.country in request.countries,
        not request.subjects or bool(set(doc.subjects) & set(request.subjects)),
        not request.languages or bool(set(doc.languages) & set(request.languages)),
        not request.school_types or doc.school_type in request.school_types,
        request.age_min is None or doc.age_max >= request.age_min,
        request.age_max is None or doc.age_min <= request.age_max,
        request.looking_for_partners is None or doc.looking == request.looking_for_partners,
        request.open_to is None
        or (doc.kind == "post" and (not doc.wanted or request.open_to in doc.wanted)),
    ]
    return all(checks)


def random_request(rng: random.Random) -> SearchRequest:
    fields: dict = {}
    if rng.random() < 0.3:
        fields["kind"] = rng.choice(list(SearchKind))
    if rng.random() < 0.3:
        fields["countries"] = tuple(rng.sample(COUNTRIES, rng.randint(1, 2)))
    if rng.random() < 0.3:
        fields["subjects"] = tuple(rng.sample(SUBJECTS, rng.randint(1, 2)))
    if rng.random() < 0.3:
        fields["languages"] = (rng.choice(LANGUAGES),)
    if rng.random() < 0.2:
        fields["school_types"] = ("vocational",)
    if rng.random() < 0.3:
        fields["age_min"] = rng.randint(3, 15)
    if rng.random() < 0.3:
        fields["age_max"] = rng.randint(8, 20)
    if rng.random() < 0.2:
        fields["looking_for_partners"] = rng.random() < 0.5
    if rng.random() < 0.1:
        fields["open_to"] = rng.choice(COUNTRIES)
    return SearchRequest(**fields)


def brute_facets(docs: list[MirroredDoc]) -> dict[str, dict[str, int]]:
    return {
        "kind": dict(Counter(d.kind for d in docs)),
        "country": dict(Counter(d.country for d in docs)),
        "school_type": dict(Counter(d.school_type for d in docs)),
        "subject": dict(Counter(s for d in docs for s in d.subjects)),
        "language": dict(Counter(lang for d in docs for lang in d.languages)),
    }


def as_dicts(facets) -> dict[str, dict[str, int]]:
    return {name: {f.value: f.count for f in counts} for name, counts in facets.items()}


@pytest.mark.parametrize("seed", range(4))
def test_filters_and_both_ways_of_counting_equal_a_plain_count(seed: int):
    rng = random.Random(seed)
    docs = {i: random_doc(rng, i) for i in rng.sample(range(1, 2000), 600)}
    mirror = DocumentMirror()
    mirror.apply(list(docs.values()))
    # Changes and removals after the first load.
    changed = [random_doc(rng, i) for i in rng.sample(sorted(docs), 80)]
    removed = set(rng.sample(sorted(set(docs) - {d.id for d in changed}), 40))
    mirror.apply(changed, removed=removed)
    docs.update({d.id: d for d in changed})
    for doc_id in removed:
        del docs[doc_id]
    assert mirror.count == len(docs)

    for _ in range(40):
        request = random_request(rng)
        now_s = rng.choice([0, 150, 250, 400])
        expected = sorted(d.id for d in docs.values() if passes(d, request, now_s))
        found = mirror.candidates(request, now_s)
        assert bitsets.members(found) == expected
        want = brute_facets([docs[i] for i in expected])
        assert as_dicts(mirror.facets(found)) == want
        assert as_dicts(mirror.facets(found, expected)) == want


def test_facets_list_most_frequent_first_then_by_value():
    docs = [
        MirroredDoc(i, "profile", c, "primary", True, True, None, 6, 9, ("art",), ("en",), (), 5)
        for i, c in enumerate(["IT", "FR", "DE", "FR"], start=1)
    ]
    mirror = DocumentMirror()
    mirror.apply(docs)
    found = mirror.candidates(SearchRequest(), 0)
    assert [f.value for f in mirror.facets(found)["country"]] == ["FR", "DE", "IT"]


def test_a_copy_does_not_see_later_changes():
    rng = random.Random(7)
    mirror = DocumentMirror()
    mirror.apply([random_doc(rng, i) for i in range(1, 50)])
    before = mirror.candidates(SearchRequest(), 0)
    twin = mirror.copy()
    twin.apply([], removed=[1, 2, 3])
    assert mirror.candidates(SearchRequest(), 0) == before
    assert twin.count == mirror.count - 3


def expected_order(keys: list[RankKey]) -> list[RankKey]:
    return sorted(keys, key=lambda k: (-k.in_title, k.length, -k.doc_id))


@pytest.mark.parametrize("seed", range(6))
def test_both_rankings_agree_and_pages_follow_each_other(seed: int):
    rng = random.Random(seed)
    words = rng.randint(1, 3)
    lengths = {i: rng.randint(1, 12) for i in range(1, 400)}
    ids = sorted(rng.sample(sorted(lengths), 250))
    in_title = [frozenset(rng.sample(ids, rng.randint(0, 60))) for _ in range(words)]
    keys = [RankKey(sum(i in t for t in in_title), lengths[i], i) for i in ids]

    found = bitsets.from_ids(ids)
    tiers = title_tiers(found, [bitsets.from_ids(sorted(t)) for t in in_title])
    by_length: dict[int, list[int]] = {}
    for i, length in lengths.items():
        by_length.setdefault(length, []).append(i)
    length_sets = sorted((n, bitsets.from_ids(members)) for n, members in by_length.items())

    walked: list[RankKey] = []
    after: RankKey | None = None
    while True:
        page = by_relevance_sets(tiers, length_sets, after, 17)
        assert page == by_relevance_ids(ids, in_title, lengths.__getitem__, after, 17)
        walked += page
        if len(page) < 17:
            break
        after = page[-1]
    assert walked == expected_order(keys)


def test_title_tiers_count_words_in_the_title():
    found = bitsets.from_ids([1, 2, 3, 4])
    tiers = title_tiers(found, [bitsets.from_ids([1, 2, 9]), bitsets.from_ids([2, 3])])
    assert [bitsets.members(t) for t in tiers] == [[4], [1, 3], [2]]


def test_newest_first_pages_by_id():
    found = bitsets.from_ids([3, 8, 20, 21])
    assert newest_first(found, None, 3) == [21, 20, 8]
    assert newest_first(found, 8, 3) == [3]


def test_relevance_puts_title_words_first_then_shorter():
    title_long = RankKey(1, 90, 1)
    body_short = RankKey(0, 2, 2)
    assert title_long.relevance() > body_short.relevance()
    assert RankKey(0, 3, 1).relevance() > RankKey(0, 4, 2).relevance()
    assert title_long.precedes(body_short)
