"""A search request turned into what the SQL needs: words, filters, tag groups.

Both engines build their SQL from a :class:`QueryPlan`, so sanitising the
user's text happens once: the text is folded and cut into words of letters
and digits only, which leaves nothing of either engine's query syntax
(quotes, ``*``, ``-``, ``NEAR``, ``&``, ``:``) to misread. Each word is then
quoted (FTS5) or placed as a plain operand (``to_tsquery``), so ``NEAR`` or
``and`` is just a word.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .documents import FilterGroup, SearchRequest, filter_groups
from .folding import tokens

MAX_QUERY_WORDS = 8
"""More words narrow nothing in practice and only cost time."""
MIN_PREFIX_LEN = 3
"""Shorter prefixes match a large part of every document (``de``, ``la``...):
the last word counts as unfinished from its third letter on."""


@dataclass(frozen=True, slots=True)
class QueryPlan:
    words: tuple[str, ...]
    """Folded words, all required."""
    prefix_last: bool
    """The last word may be unfinished: match words that start with it."""
    request: SearchRequest
    """The filters (the text is in ``words``)."""
    filters: tuple[FilterGroup, ...]
    """The filters as index tags: any tag of each group, every group."""
    now_s: int
    """Posts that expire at or before this Unix time are left out."""

    @property
    def is_text(self) -> bool:
        return bool(self.words)

    @property
    def tag_groups(self) -> tuple[tuple[str, ...], ...]:
        """Every filter's tags (PostgreSQL's tag index narrows a search by them)."""
        return tuple(group.tags for group in self.filters)

    def fingerprint(self) -> str:
        """Identifies the question (not the time) so a cursor serves only it."""
        key = repr(
            (
                self.words,
                self.prefix_last,
                self.tag_groups,
                self.request.age_min,
                self.request.age_max,
            )
        )
        return hashlib.sha256(key.encode()).hexdigest()[:12]


def plan_search(request: SearchRequest, now_s: int) -> QueryPlan:
    """Sanitise and normalise a request."""
    typed = tokens(request.text)
    words = typed[:MAX_QUERY_WORDS]
    # The last word is still being typed unless a space or a mark ends the text.
    unfinished = request.text[-1:].isalnum() and len(typed) == len(words)
    prefix_last = unfinished and bool(words) and len(words[-1]) >= MIN_PREFIX_LEN
    return QueryPlan(
        words=tuple(words),
        prefix_last=prefix_last,
        request=request,
        filters=tuple(filter_groups(request)),
        now_s=now_s,
    )


ASSUMED_MATCH_SHARE = 0.3
"""What share of the documents the words are assumed to match when choosing
filters for the full-text query: the broad searches that decide the p99."""


def narrowing_groups(
    groups: Sequence[FilterGroup], shares: Mapping[str, float], cost_ratio: float
) -> tuple[tuple[str, ...], ...]:
    """The filters worth adding to the full-text query, most selective first.

    A filter keeping a share ``s`` of the documents spares checking (or, on
    PostgreSQL, visiting) ``1 - s`` of the matches still in play, and costs
    reading its tags' postings, ``s`` of the documents, each ``cost_ratio``
    times as dear as a check. Filters are taken greedily while they pay.
    """
    in_play = ASSUMED_MATCH_SHARE
    chosen: list[tuple[str, ...]] = []
    for group in sorted(groups, key=lambda g: shares[g.name]):
        share = shares[group.name]
        if in_play * (1 - share) > cost_ratio * share:
            chosen.append(group.tags)
            in_play *= share
    return tuple(chosen)
