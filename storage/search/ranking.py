"""The order of results, and the page after a cursor (pure functions).

With words, results are ranked by relevance, the same way on both engines:

1. how many of the words are in the title (a teacher's name, a post's
   title): a post called "Climate and water" is about climate more surely
   than a profile that mentions climate once;
2. then shorter documents first: among documents that contain the words
   the same way, a short one is more about them (the length normalisation of
   BM25, without its term frequencies, which profiles and posts a few lines
   long hardly have);
3. then newest first (the larger document id).

The key ``(in_title, length, id)`` is made of integers, so a cursor holds it
exactly. Without words, results are newest first: the key is the id alone.

Both functions below give the same page; which is cheaper depends on how
many documents matched (:data:`FEW`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from . import bitsets

FEW = 512
"""Up to this many matches, sorting them is cheaper than walking length sets."""


class RankKey(NamedTuple):
    in_title: int
    """How many of the query's words are in the title."""
    length: int
    doc_id: int

    def relevance(self) -> float:
        """Higher is better: the words in the title first, then shorter."""
        return self.in_title + 1 / (1 + self.length)

    def precedes(self, other: RankKey) -> bool:
        """Whether ``self`` comes before ``other`` in the results."""
        return (-self.in_title, self.length, -self.doc_id) < (
            -other.in_title,
            other.length,
            -other.doc_id,
        )


def newest_first(found: int, after_id: int | None, limit: int) -> list[int]:
    """Up to ``limit`` ids of ``found``, largest first, below ``after_id`` if given."""
    if after_id is not None:
        found = bitsets.below(found, after_id)
    return bitsets.highest(found, limit)


def title_tiers(found: int, in_title: Sequence[int]) -> list[int]:
    """``tiers[h]``: the documents of ``found`` with exactly ``h`` words in the title.

    ``in_title[i]`` is the set of documents with word ``i`` in their title.
    ``at_least[h]`` is built word by word, as a running count in bits.
    """
    at_least = [found] + [0] * len(in_title)
    for titled in in_title:
        titled &= found
        for h in range(len(in_title), 0, -1):
            at_least[h] |= at_least[h - 1] & titled
    return [at_least[h] & ~at_least[h + 1] for h in range(len(in_title))] + [at_least[-1]]


def by_relevance_sets(
    tiers: Sequence[int],
    lengths: Sequence[tuple[int, int]],
    after: RankKey | None,
    limit: int,
) -> list[RankKey]:
    """The page from sets: tiers best first, each walked by length, shortest first.

    Args:
        tiers: From :func:`title_tiers`.
        lengths: (length, documents of that length), shortest first.
    """
    page: list[RankKey] = []
    for in_title in range(len(tiers) - 1, -1, -1):
        left = tiers[in_title]
        if after is not None and in_title > after.in_title:
            continue
        for length, of_length in lengths:
            if not left:
                break
            same = left & of_length
            if not same:
                continue
            left &= ~of_length
            if after is not None and in_title == after.in_title:
                if length < after.length:
                    continue
                if length == after.length:
                    same = bitsets.below(same, after.doc_id)
            for doc_id in bitsets.highest(same, limit - len(page)):
                page.append(RankKey(in_title, length, doc_id))
            if len(page) == limit:
                return page
    return page


def by_relevance_ids(
    ids: Sequence[int],
    in_title: Sequence[frozenset[int]],
    length_of: Callable[[int], int],
    after: RankKey | None,
    limit: int,
) -> list[RankKey]:
    """The page from a list of matching ids (for few matches)."""
    keys = [
        RankKey(sum(doc_id in titled for titled in in_title), length_of(doc_id), doc_id)
        for doc_id in ids
    ]
    if after is not None:
        keys = [key for key in keys if after.precedes(key)]
    keys.sort(key=lambda k: (-k.in_title, k.length, -k.doc_id))
    return keys[:limit]
