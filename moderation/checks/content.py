"""The content filter: listed words, in any of the partners' languages, however disguised.

``content_matcher(languages, extra_terms)`` compiles one immutable
``ContentMatcher`` per word set and caches it, so a teacher who adds words for
a project causes one compilation, not one per message. ``scan`` reads a
``NormalisedText`` and returns what it found; ``ContentCheck`` is the
pipeline step that turns findings into a verdict.

How a message is matched (see ``moderation.text`` for the forms):

1. Every *whole word* of the folded text is looked up. Exact entries,
   ``stem*`` and ``*stem`` entries match whole words only, which is the
   Scunthorpe protection: "class", "Scunthorpe" and "cocktail" are words of
   their own and never contain a match.
2. A word with digits is read again as leetspeak ("sh1t", "a55").
3. A word with a doubled letter is read again with long runs cut to two
   ("fuuuuck" to "fuuck") and, for the collapsed index, with every run cut to
   one ("fuuuuck" to "fuck"). Real words have double letters that collapse
   onto listed ones ("looser" and "loser", "rapped" and "raped", "assess"
   and "asses"), so the collapsed index is used only when the word was
   stretched (a run of three or more), and never for an allowed word.
4. Runs of one-letter words are joined ("f u c k", "f.u.c.k").
5. Chunks that mix letters with leet symbols or masks are read as words
   ("$h!t", "@ss", "f*ck"; a masked letter matches any letter when at least
   half of the word is shown).
6. Phrases ("kill yourself") are matched on the sequence of words.

Every word's answer is memoised per matcher (bounded). On top of it, the
matcher remembers the *plain* words: no term, no phrase anchor, and nothing
the personal-data detector looks for (no gate word such as "at", "insta" or
"rue", no digit, no "www"). ``scan`` first asks whether the message's words are
all plain ones, one set operation in C over the list of words.
If so, or once the few other words are looked up and found clean and their
phrases absent, only two whole-text questions are left (spaced-out letters,
leet symbols), each one C pass. Otherwise, and whenever anything looks
suspect, the full scan (steps 1 to 6, ``scan_full``) decides: the quick path
never returns a finding itself, it only skips work whose answer it knows
is "nothing". It also leaves the words that were not plain on the text
(``NormalisedText.marked_words``) for the personal-data detector.

Why sets and not one big regular expression or Aho–Corasick (measured on a
1,000-character message, one loaded core): ``re`` needs about 30 µs only to
list the words, and an alternation of the ~900 terms tries every term at
every word start; an Aho–Corasick automaton (pyahocorasick) scans in about
11 µs but reports substrings ("ass" in "class"), each needing a boundary
check in Python. Splitting the folded bytes and one ``set.issuperset``
against the memo take about 10 µs and give whole words directly.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from ..folding import fold
from ..personal.vocabulary import GATE_WORDS
from ..pipeline import CheckContext, Submission
from ..text import (
    NormalisedText,
    collapse_repeats,
    has_repeats,
    leet_variants,
    shrink_repeats,
    squeeze_repeats,
)
from ..verdict import Finding, Outcome, Reason, Verdict
from ..wordlists import LANGUAGES, Severity, Term, load_wordlist
from .premoderation import flagged_outcome

__all__ = [
    "ContentCheck",
    "ContentMatch",
    "ContentMatcher",
    "content_matcher",
]

MAX_MEMO_WORDS = 200_000
"""Words remembered per matcher; past this the memo starts again (bounded memory)."""
MATCHER_CACHE_SIZE = 256
"""Compiled matchers kept (one per distinct language set and teacher's terms)."""
_MASKS = b"*#"
_SEVERITY_RANK = {Severity.BLOCK: 0, Severity.HOLD: 1}
_PLAIN_LETTERS = b"abcdefghijklmnopqrstuvwxyz\x01"
_GATE_WORDS = frozenset(word.encode() for word in GATE_WORDS)
_NOTHING: frozenset[bytes] = frozenset()
_COMMON_WORDS = frozenset(
    word.encode()
    for line in (
        "you your our the and me my are what don dont tell anyone",
        "nous notre votre vous ton tes toi moi tout personne",
        "unser unsere unseres dein deine deinen dich mich nicht sag niemand",
        "nuestro nuestra tus tu los las lo nadie mandame",
        "nostro nostra tuoi non dirlo nessuno",
        "nosso nossa teus seus aos nao ninguem",
        "onze ons jezelf niet tegen niemand",
        "nasz nasza nie cie mi sie het zeg aime want",
    )
    for word in line.split(" ")
)
"""Words too common to anchor a phrase (the phrase is still matched whole)."""


@dataclass(frozen=True, slots=True)
class ContentMatch:
    """One listed term found in a message."""

    term: Term
    """The entry that matched (its text is the list's, not the message's)."""

    @property
    def severity(self) -> Severity:
        return self.term.severity


def _key(text: str) -> bytes:
    return fold(text.strip("*"))


def _stronger(current: Term | None, candidate: Term) -> Term:
    if current is None:
        return candidate
    return min(current, candidate, key=lambda term: _SEVERITY_RANK[term.severity])


class ContentMatcher:
    """An immutable compiled set of terms, with a per-word memo.

    Args:
        terms: The entries to match.
        allowed: Innocent words (any case and accents) that never match.
    """

    def __init__(self, terms: Iterable[Term], allowed: Iterable[str] = ()) -> None:
        self._allowed = frozenset(_key(word) for word in allowed)
        self._exact: dict[bytes, Term] = {}
        self._collapsed: dict[bytes, Term] = {}
        self._prefixes: dict[bytes, Term] = {}
        self._suffixes: dict[bytes, Term] = {}
        self._phrases: dict[bytes, list[tuple[bytes, Term]]] = {}
        for term in terms:
            self._add(term)
        self._collapsed_prefixes = {collapse_repeats(k): t for k, t in self._prefixes.items()}
        self._collapsed_suffixes = {collapse_repeats(k): t for k, t in self._suffixes.items()}
        stems = [*self._prefixes, *self._collapsed_prefixes]
        self._prefix_lens = tuple(sorted({len(key) for key in stems}))
        stems = [*self._suffixes, *self._collapsed_suffixes]
        self._suffix_lens = tuple(sorted({len(key) for key in stems}))
        self._anchors = frozenset(self._phrases)
        self._by_length: dict[int, list[tuple[bytes, Term]]] = {}
        for key, term in self._exact.items():
            self._by_length.setdefault(len(key), []).append((key, term))
        self._clean: set[bytes] = set()
        self._hits: dict[bytes, Term] = {}
        self._plain_words: set[bytes] = set()
        """Clean words that are no phrase anchor and nothing personal data is made of."""

    def _add(self, term: Term) -> None:
        key = _key(term.text)
        if not key or key in self._allowed:
            return
        if term.is_phrase:
            words = key.split()
            # The phrase is only looked for when its anchor is in the message:
            # its longest word that is not a common one ("secreto", not "nuestro").
            rare = [w for w in words if len(w) > 2 and w not in _COMMON_WORDS] or words
            anchor = max(reversed(rare), key=len)
            self._phrases.setdefault(anchor, []).append((b" " + b" ".join(words) + b" ", term))
        elif term.is_prefix:
            self._prefixes[key] = _stronger(self._prefixes.get(key), term)
        elif term.is_suffix:
            self._suffixes[key] = _stronger(self._suffixes.get(key), term)
        else:
            self._exact[key] = _stronger(self._exact.get(key), term)
            collapsed = collapse_repeats(key)
            self._collapsed[collapsed] = _stronger(self._collapsed.get(collapsed), term)

    @property
    def term_count(self) -> int:
        """Distinct keys compiled (for tests and metrics)."""
        phrases = sum(len(entries) for entries in self._phrases.values())
        return len(self._exact) + len(self._prefixes) + len(self._suffixes) + phrases

    def scan(self, text: NormalisedText) -> tuple[ContentMatch, ...]:
        """Every listed term in ``text``, strongest severity first.

        Sets ``text.marked_words``. Never raises; its cost is bounded by the
        text's length.
        """
        words = text.words
        plain = self._plain_words
        # The list, not a set of it: no set is built for a message of plain words.
        if plain.issuperset(words):
            text.marked_words = _NOTHING
        else:
            marked = set(words).difference(plain)
            text.marked_words = marked
            if not self._quiet(marked, text):
                return self.scan_full(text)
        if text.has_spaced_letters or text.has_symbol_signs:
            return self.scan_full(text)
        return ()

    def _quiet(self, marked: set[bytes], text: NormalisedText) -> bool:
        """Whether the words that are not known to be plain add no term and no phrase.

        Learns which of them are plain.
        """
        anchors: list[bytes] = []
        for word in marked:
            if self._lookup(word) is not None:
                return False
            if word in self._anchors:
                anchors.append(word)
            elif not (
                word in _GATE_WORDS
                or word.translate(None, _PLAIN_LETTERS)
                or word.find(b"www") >= 0
            ):
                if len(self._plain_words) >= MAX_MEMO_WORDS:
                    self._plain_words.clear()
                self._plain_words.add(word)
        if anchors:
            joined = text.canonical_joined()
            for anchor in anchors:
                for phrase, _ in self._phrases[anchor]:
                    if phrase in joined:
                        return False
        return True

    def scan_full(self, text: NormalisedText) -> tuple[ContentMatch, ...]:
        """``scan`` without the quick path: every step, every time (the reference)."""
        found: dict[Term, None] = {}
        words = text.words
        if not self._clean.issuperset(words):
            for word in set(words).difference(self._clean):
                term = self._lookup(word)
                if term is not None:
                    found[term] = None
        if not self._anchors.isdisjoint(words):
            joined = text.canonical_joined()
            for anchor in self._anchors.intersection(words):
                for phrase, term in self._phrases[anchor]:
                    if phrase in joined:
                        found[term] = None
        if text.has_spaced_letters:
            for candidate in text.spaced_runs():
                term = self._lookup(candidate)
                if term is not None:
                    found[term] = None
        for chunk in text.symbol_chunks():
            for variant in leet_variants(chunk):
                term = self._masked(variant) if _has_mask(variant) else self._lookup(variant)
                if term is not None:
                    found[term] = None
        if not found:
            return ()
        ordered = sorted(found, key=lambda term: _SEVERITY_RANK[term.severity])
        return tuple(ContentMatch(term) for term in ordered)

    def match_word(self, word: str) -> Term | None:
        """The term one word matches on its own, if any (for tests and tools)."""
        found = self.scan(NormalisedText(word))
        return found[0].term if found else None

    def _lookup(self, word: bytes) -> Term | None:
        term = self._hits.get(word)
        if term is not None or word in self._clean:
            return term
        term = self._analyse(word)
        if len(self._clean) + len(self._hits) >= MAX_MEMO_WORDS:
            self._clean.clear()
            self._hits.clear()
        if term is None:
            self._clean.add(word)
        else:
            self._hits[word] = term
        return term

    def _analyse(self, word: bytes) -> Term | None:
        if word in self._allowed:
            return None
        term = self._plain(word)
        if term is None and word.translate(None, b"abcdefghijklmnopqrstuvwxyz"):
            for variant in leet_variants(word):
                if variant != word and variant not in self._allowed:
                    term = self._plain(variant)
                    if term is not None:
                        break
        return term

    def _plain(self, word: bytes) -> Term | None:
        term = self._exact.get(word) or self._affix(word)
        if term is not None or not has_repeats(word):
            return term
        squeezed = squeeze_repeats(word)
        if squeezed == word:
            # Only doubled letters: real spelling, not stretching.
            return None
        for variant in (squeezed, shrink_repeats(word)):
            if variant not in self._allowed:
                term = self._exact.get(variant) or self._affix(variant)
                if term is not None:
                    return term
        collapsed = collapse_repeats(word)
        if collapsed in self._allowed:
            return None
        return self._collapsed.get(collapsed) or self._affix(collapsed, collapsed=True)

    def _affix(self, word: bytes, *, collapsed: bool = False) -> Term | None:
        """A stem that ``word`` starts or ends with (stems collapsed too if ``collapsed``)."""
        prefixes, suffixes = (
            (self._collapsed_prefixes, self._collapsed_suffixes)
            if collapsed
            else (self._prefixes, self._suffixes)
        )
        for length in self._prefix_lens:
            if length > len(word):
                break
            term = prefixes.get(word[:length])
            if term is not None:
                return term
        for length in self._suffix_lens:
            if length > len(word):
                break
            term = suffixes.get(word[-length:])
            if term is not None:
                return term
        return None

    def _masked(self, candidate: bytes) -> Term | None:
        shown = len(candidate.translate(None, _MASKS))
        if shown < 2 or shown * 2 < len(candidate):
            return None
        best: Term | None = None
        for key, term in self._by_length.get(len(candidate), ()):
            if all(c == k or c in _MASKS for c, k in zip(candidate, key, strict=True)):
                best = _stronger(best, term)
        if best is not None:
            return best
        for key, term in self._prefixes.items():
            head = candidate[: len(key)]
            if len(head) == len(key) and all(
                c == k or c in _MASKS for c, k in zip(head, key, strict=True)
            ):
                best = _stronger(best, term)
        return best


def _has_mask(word: bytes) -> bool:
    return b"*" in word or b"#" in word


@functools.lru_cache(maxsize=MATCHER_CACHE_SIZE)
def _compiled(languages: frozenset[str], extra_terms: frozenset[Term]) -> ContentMatcher:
    terms: list[Term] = []
    allowed: list[str] = []
    for language in sorted(languages):
        wordlist = load_wordlist(language)
        terms.extend(wordlist.terms)
        allowed.extend(wordlist.allowed)
    terms.extend(sorted(extra_terms, key=lambda term: term.text))
    return ContentMatcher(terms, allowed)


def content_matcher(
    languages: Collection[str] = LANGUAGES, extra_terms: Collection[Term] = ()
) -> ContentMatcher:
    """The compiled matcher for these languages' lists plus a teacher's terms.

    Cached: the same languages and terms give the same matcher, compiled once.

    Args:
        languages: Codes among ``LANGUAGES``; all of them by default, since
            partners write in each other's languages.
        extra_terms: A teacher's own terms for a project.

    Raises:
        ValueError: A language without a list.
    """
    return _compiled(frozenset(languages), frozenset(extra_terms))


class ContentCheck:
    """Implements ``moderation.pipeline.Check`` for the word lists.

    For a pupil: a ``block`` term rejects (``blocked_word``); a ``hold`` term
    holds (``flagged_word``), or is only noted when the room's
    pre-moderation is off. For a teacher, findings are only noted: teachers
    must be able to quote a word to explain why it hurts, and they answer
    for what they write; the note reaches the audit log.
    """

    name = "content"

    async def check(self, message: Submission, context: CheckContext) -> Verdict | None:
        """Return the verdict for the strongest term found, or ``None``."""
        policy = context.policy
        matches = content_matcher(policy.languages, policy.extra_terms).scan(context.text)
        if not matches:
            return None
        findings = tuple(
            Finding(self.name, match.term.category.value, match.term.text) for match in matches
        )
        strongest = matches[0].severity
        reason = Reason.BLOCKED_WORD if strongest is Severity.BLOCK else Reason.FLAGGED_WORD
        if message.is_teacher:
            outcome = Outcome.DELIVER
        elif strongest is Severity.BLOCK:
            outcome = Outcome.REJECT
        else:
            outcome = flagged_outcome(policy)
        return Verdict(outcome, reason, self.name, findings)
