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

Every word's answer is memoised per matcher (bounded). ``scan`` first reads
the message once through the matcher's *screen*: an Aho–Corasick automaton
(``ahocorasick_rs``, a DFA in Rust) over ``NormalisedText.padded``, the folded
text with every non-word byte a space and a space at each end, so that
" term " is found exactly where ``term`` is a whole word and " stem" where a
word starts with ``stem``: the Scunthorpe protection needs no boundary check
afterwards. Its keys are every exact term, every stem, every phrase of up to
``MAX_KEYED_PHRASE_WORDS`` words (with one to three spaces between words),
three of any letter in a row (a stretched word), the digits, "www", the
personal-data gate words (``moderation.personal.vocabulary``), the anchors of
longer phrases, four spaces in a row (a separator wider than the phrase
keys cover) and every two one-character words in a row (which spelled-out
letters hold). A clean message has no hit, or only gate words: then
only one whole-text question is left (leet symbols; spaced-out letters too
when two one-character words were seen), and the gate words found are left on the text
(``NormalisedText.marked_words``) for the personal-data detector. A listed
word or phrase: the findings are read off the hits (``_scan_hits``: each hit's
word looked up, each phrase key's terms, long phrases searched), or, when a word
mixes digits and letters or a separator is wide, by the full scan (steps 1 to 6,
``scan_full``);
a stem or a stretched letter has its one word looked up; a number ("10",
"06 12 34 56 78") or a "www" word is only marked for the personal-data detector;
a word that mixes digits and letters ("sh1t") or a wide separator sends the text
down the word path (every word against the memo of *plain* words: clean, no
anchor, nothing personal data is made of), which also handles leetspeak. The
quick paths never return a finding themselves, they only skip work whose answer
they know is "nothing"; tests check them against ``scan_full``.

Why an automaton (measured on a 1,000-character message): splitting the
folded bytes into about 180 ``bytes`` words and one ``set.issuperset``
against the memo took about 10 µs on a loaded core, and German messages paid
again for common phrase anchors ("die", "mag"); the screen takes about 2 µs
and makes no object per word. pyahocorasick took 10 to 25 µs for the same
scan (its transitions are searched per node), ``re`` alternations try every
term at every word start.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass

from ahocorasick_rs import BytesAhoCorasick, Implementation

from ..folding import fold
from ..personal.vocabulary import GATE_WORDS
from ..pipeline import CheckContext, Submission
from ..policy import RoomPolicy
from ..text import (
    WORD_BYTES,
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
_DIGITS = b"0123456789"
_NOT_DIGITS = bytes(byte for byte in range(256) if byte not in _DIGITS)
_GATE_WORDS = frozenset(word.encode() for word in GATE_WORDS)
_NOTHING: frozenset[bytes] = frozenset()
_SEEN_TERM: frozenset[bytes] = frozenset({b"\x00"})
"""What ``ContentMatcher._screened`` returns for a text with a listed word or phrase."""
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


_FOUND = 1
"""Screen flag: a whole listed word, or a phrase: the full scan reports it."""
_TERM = 32
"""Screen flag: a digit or "www" (leetspeak, phone numbers, links): a word that mixes
digits and letters goes down the word path; a number or a "www" word is marked."""
_WORD = 2
"""Screen flag: a stem or a stretched letter inside a word: that word is looked up."""
_GATE = 4
"""Screen flag: a personal-data gate word: marked for the detector."""
_ANCHOR = 8
"""Screen flag: the anchor of a phrase too long to be keyed: it is searched."""
_PHRASE = 64
"""Screen flag: a keyed phrase (with ``_FOUND``): its terms are the key's ``phrase_terms``."""
_EXACT = 128
"""Screen flag: a whole listed word (with ``_FOUND``): the word is looked up."""
_WIDE = 16
"""Screen flag: four spaces in a row, a separator no phrase key covers: the word path
decides (it looks for every anchor's phrases)."""
_PAIR = 256
"""Screen flag: two one-character words in a row (" f u ", " f   u "), which spelled-out
letters ("f u c k", "f.u.c.k") hold: a text with no such hit, or none that a third
one-character word follows (``_THIRD_LETTER``), has none
(``NormalisedText.rule_out_spaced_letters``), and skips their search."""


class _Screen:
    """One Aho–Corasick pass over ``NormalisedText.padded``: which words need a look.

    The automaton (``ahocorasick_rs``, a DFA in Rust) holds, as byte strings:
    every exact term as " term " (a whole word, since ``padded`` has a space
    each side of every word), every ``stem*`` as " stem", every ``*stem`` as
    "stem ", three of any word byte in a row (a stretched word), every digit
    and "www" (leetspeak, phone numbers, links), every personal-data gate word
    and the anchors of phrases too long to be keyed as " word ". Phrases of up to
    ``MAX_KEYED_PHRASE_WORDS`` words are keys themselves, with one to three
    spaces between words; four spaces in a row are a key too, which sends the
    text down the word path. Common anchors ("die", "foto") are thus no hits
    of their own. A message with no hit holds no word
    that ``ContentMatcher._lookup`` could match: exact terms, stems, repeated-letter
    variants (only for runs of three) and leet variants (only with digits, on the
    word path) are all announced by a hit. Anything it cannot settle
    cheaply sends the message down the word path.
    """

    __slots__ = ("automaton", "flags", "has_pairs", "phrase_terms", "phrases", "words")

    def __init__(
        self,
        exact: Iterable[bytes],
        prefixes: Iterable[bytes],
        suffixes: Iterable[bytes],
        phrases: Mapping[bytes, list[tuple[bytes, Term]]],
        gate_words: Iterable[bytes] | None,
    ) -> None:
        flags: dict[bytes, int] = {}
        named: dict[bytes, bytes] = {}
        keyed: dict[bytes, list[Term]] = {}

        def add(key: bytes, flag: int, word: bytes = b"") -> None:
            flags[key] = flags.get(key, 0) | flag
            if word:
                named[key] = word

        for key in exact:
            add(b" " + key + b" ", _FOUND | _EXACT)
        for key in prefixes:
            add(b" " + key, _WORD)
        for key in suffixes:
            add(key + b" ", _WORD)
        if gate_words is not None:
            # The keys that do not depend on the terms; ``None`` for a screen that
            # only adds a teacher's terms to the lists' screen.
            for digit in b"0123456789":
                add(bytes([digit]), _TERM)
            add(b"www", _TERM)
            for byte in WORD_BYTES:
                add(bytes([byte]) * 3, _WORD)
            for word in gate_words:
                add(b" " + word + b" ", _GATE, word)
            add(_WIDE_GAP, _WIDE)
            # Every two one-character words with the gaps ``_SPACED_SIGN`` allows (one
            # to three non-word bytes): 37 * 37 * 3 keys, hits only in rare texts.
            for first in WORD_BYTES:
                for second in WORD_BYTES:
                    for gap in _KEYED_GAPS:
                        add(bytes((32, first)) + gap + bytes((second, 32)), _PAIR)
        self.has_pairs = gate_words is not None
        """Whether ``_PAIR`` keys are in this screen (the lists' screen has them)."""
        searched: dict[bytes, list[tuple[re.Pattern[bytes], Term]]] = {}
        for anchor, entries in phrases.items():
            for phrase, term in entries:
                words = phrase.split()
                if len(words) <= MAX_KEYED_PHRASE_WORDS:
                    for key in _phrase_keys(words):
                        add(key, _FOUND | _PHRASE)
                        keyed.setdefault(key, []).append(term)
                else:
                    add(b" " + anchor + b" ", _ANCHOR, anchor)
                    searched.setdefault(anchor, []).append((_phrase_search(words), term))
        self.phrases = {anchor: tuple(searches) for anchor, searches in searched.items()}
        """The phrases too long to be keyed, by anchor: searches over ``padded``, terms."""
        keys = list(flags)
        self.automaton = BytesAhoCorasick(keys, implementation=Implementation.DFA)
        self.flags = tuple(flags[key] for key in keys)
        """Each key's flags, by the automaton's pattern index."""
        self.words = tuple(named.get(key, b"") for key in keys)
        """The word of each gate or anchor key, by pattern index (else empty)."""
        self.phrase_terms = tuple(tuple(keyed.get(key, ())) for key in keys)
        """The terms of each phrase key, by pattern index (else empty)."""


MAX_KEYED_PHRASE_WORDS = 5
"""Phrases up to this many words are screen keys, once for each separator width."""
_KEYED_GAPS = (b" ", b"  ", b"   ")
"""Separator widths a phrase key covers: one to three non-word characters."""
_THIRD_LETTER = re.compile(rb" {0,2}[^ ] ")
"""After a ``_PAIR`` key (which ends with a space): a third one-character word, as
``text._SPACED_SIGN`` counts them (``padded`` holds only word bytes and spaces)."""
_WIDE_GAP = b"    "


def _phrase_keys(words: list[bytes]) -> list[bytes]:
    """The phrase with every mix of separator widths (" w1 w2 ", " w1  w2 "...)."""
    keys = [b" " + words[0]]
    for word in words[1:]:
        keys = [key + gap + word for key in keys for gap in _KEYED_GAPS]
    return [key + b" " for key in keys]


def _phrase_search(words: list[bytes]) -> re.Pattern[bytes]:
    """A search for a phrase in ``padded``, whatever its separators' widths.

    A phrase " w1 w2 " is in ``NormalisedText.joined`` exactly where " w1 +w2 " is
    in ``padded`` (separators keep their width there).
    """
    return re.compile(b" " + b" +".join(map(re.escape, words)) + b" ")


def _rarest(words: list[bytes]) -> bytes:
    """The word of a phrase least likely in a clean message: long and not common."""
    rare = [word for word in words if len(word) > 2 and word not in _COMMON_WORDS] or words
    return max(reversed(rare), key=len)


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

    def __init__(
        self,
        terms: Iterable[Term],
        allowed: Iterable[str] = (),
        *,
        screens: tuple[_Screen, ...] | None = None,
    ) -> None:
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
        self.screens = (
            screens
            if screens is not None
            else (_Screen(self._exact, self._prefixes, self._suffixes, self._phrases, _GATE_WORDS),)
        )
        """The automata ``scan`` reads first: one for all the terms, or the lists'
        (shared by every matcher of these languages) and one for a teacher's terms."""

    def _add(self, term: Term) -> None:
        key = _key(term.text)
        if not key or key in self._allowed:
            return
        if term.is_phrase:
            words = key.split()
            # The phrase is only looked for when its anchor is in the message:
            # its longest word that is not a common one ("secreto", not "nuestro").
            anchor = _rarest(words)
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
        seen: list[list[tuple[int, int, int]]] = []
        marked = self._screened(text, seen)
        if marked is None:
            return self._scan_words(text)
        if marked is not _SEEN_TERM:
            text.marked_words = marked
            if not (text.has_spaced_letters or text.has_symbol_signs):
                return ()
        # A listed word, or spelled-out letters or leet symbols ("f.u.c.k", "$h!t").
        found = self._scan_hits(text, seen)
        return self.scan_full(text) if found is None else found

    def _screened(
        self, text: NormalisedText, seen: list[list[tuple[int, int, int]]] | None = None
    ) -> Set[bytes] | None:
        """The gate words (and anchors) of a message the screen clears, else ``None``.

        ``None`` sends the message down the word path: a word that mixes digits and
        letters (leetspeak), a separator of four characters or more, or a long
        phrase. Numbers and "www" words are marked, for the personal-data detector.
        ``_SEEN_TERM`` (a listed word, stem, stretched word or phrase, which the word
        path would only find again) sends it to ``_scan_hits``.
        """
        padded = text.padded
        marked: set[bytes] = set()
        for screen in self.screens:
            hits = screen.automaton.find_matches_as_indexes(padded, overlapping=True)
            if seen is not None:
                seen.append(hits)  # for ``_scan_hits``, which reads them again
            if not hits:
                if screen.has_pairs:
                    text.rule_out_spaced_letters()
                continue
            flags = screen.flags
            anchors: list[bytes] = []
            term_end = 0
            spelled = False
            for index, _, end in hits:
                flag = flags[index]
                if flag & _PAIR:
                    # Two one-character words ("é a" in Portuguese, "y a" in French):
                    # spelled-out letters only if a third follows within three bytes.
                    if not spelled and _THIRD_LETTER.match(padded, end) is not None:
                        spelled = True
                    if flag == _PAIR:
                        continue
                if flag & _FOUND:
                    return _SEEN_TERM
                if flag & _WIDE:
                    return None
                if flag & _TERM:
                    # A digit or "www". A number ("10", "2026", "06 12 34 56 78") reads
                    # the same as leetspeak and in ``canonical_joined``, and its terms,
                    # stems and runs of three have keys of their own: only a word that
                    # mixes digits and letters ("sh1t", "k1ll") needs the word path.
                    # The word is marked for the personal-data detector either way.
                    # Hits come by end offset: one at or before ``term_end`` is in the
                    # word just read.
                    if end > term_end:
                        first = padded.rfind(b" ", 0, end - 1) + 1
                        term_end = padded.find(b" ", first)
                        word = padded[first:term_end]
                        if word.translate(None, _DIGITS) and word.translate(None, _NOT_DIGITS):
                            return None
                        marked.add(word)
                    if not flag & _WORD:
                        continue
                if flag & _WORD:
                    # The whole word around the hit (``end - 1`` is inside it, or is
                    # the space that ends it for a "*stem" key).
                    first = padded.rfind(b" ", 0, end - 1) + 1
                    if self._lookup(padded[first : padded.find(b" ", first)]) is not None:
                        return _SEEN_TERM  # a listed stem or stretched word: as a listed word
                    continue
                word = screen.words[index]
                if flag & _ANCHOR and word not in marked:
                    anchors.append(word)
                marked.add(word)
            if screen.has_pairs and not spelled:
                text.rule_out_spaced_letters()  # no three one-character words in a row
            for anchor in anchors:
                for search, _ in screen.phrases[anchor]:
                    if search.search(padded) is not None:
                        return None
        return marked or _NOTHING

    def _scan_words(self, text: NormalisedText) -> tuple[ContentMatch, ...]:
        """``scan`` word by word, against the memo of plain words."""
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

    def _scan_hits(
        self, text: NormalisedText, seen: Sequence[list[tuple[int, int, int]]] = ()
    ) -> tuple[ContentMatch, ...] | None:
        """``scan_full``'s findings read off the screens' hits; ``None`` when they may not.

        For a message with a listed word or phrase (a blocked or held one, which
        ``scan_full`` read word by word: about 180 words hashed, set against the memo,
        joined again). Every word ``_lookup`` can match holds a hit (see ``_Screen``),
        and so does every phrase: a keyed one is its own key, a longer one is searched
        when its anchor is seen. That needs ``joined`` to read like ``padded``: no
        separator of four spaces or more (``_WIDE``) and no word with a digit
        (``canonical_joined`` reads leetspeak); for those, ``None``. Sets
        ``text.marked_words`` to the gate words seen, as ``_screened`` does. ``seen``
        holds the hits ``_screened`` found, by screen (it stops at the first screen
        with a listed word), so that the automaton does not run twice.
        """
        padded = text.padded
        found: dict[Term, None] = {}
        marked: set[bytes] = set()
        for number, screen in enumerate(self.screens):
            # The hits ``_screened`` found, or, for a screen it did not reach, new ones.
            hits = (
                seen[number]
                if number < len(seen)
                else screen.automaton.find_matches_as_indexes(padded, overlapping=True)
            )
            flags = screen.flags
            anchors: set[bytes] = set()
            for index, _, end in hits:
                flag = flags[index]
                if flag & (_TERM | _WIDE):
                    return None
                if flag & _PHRASE:
                    found.update(dict.fromkeys(screen.phrase_terms[index]))
                if flag & (_ANCHOR | _GATE):
                    marked.add(screen.words[index])
                    if flag & _ANCHOR:
                        anchors.add(screen.words[index])
                if flag & (_WORD | _EXACT):
                    # The word around the hit: ``end - 1`` is in it, or is the space
                    # that ends it (" term " and "stem " keys).
                    first = padded.rfind(b" ", 0, end - 1) + 1
                    listed = self._lookup(padded[first : padded.find(b" ", first)])
                    if listed is not None:
                        found[listed] = None
            for anchor in anchors:
                for search, term in screen.phrases[anchor]:
                    if search.search(padded) is not None:
                        found[term] = None
        text.marked_words = marked or _NOTHING
        return self._found(text, found)

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
        return self._found(text, found)

    def _found(self, text: NormalisedText, found: dict[Term, None]) -> tuple[ContentMatch, ...]:
        """Add the spelled-out and leet-symbol words to ``found``; strongest first."""
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
    if not extra_terms:
        return ContentMatcher(terms, allowed)
    # The lists' screen is shared (about 7 MB); a teacher's terms get a small one.
    extra = sorted(extra_terms, key=lambda term: term.text)
    own = ContentMatcher(extra, screens=())  # only to fold and sort the terms' keys
    screen = _Screen(own._exact, own._prefixes, own._suffixes, own._phrases, None)
    lists = _compiled(languages, frozenset()).screens
    return ContentMatcher([*terms, *extra], allowed, screens=(*lists, screen))


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
    """Implements ``moderation.pipeline.InstantCheck`` for the word lists.

    For a pupil: a ``block`` term rejects (``blocked_word``); a ``hold`` term
    holds (``flagged_word``), or is only noted when the room's
    pre-moderation is off. For a teacher, findings are only noted: teachers
    must be able to quote a word to explain why it hurts, and they answer
    for what they write; the note reaches the audit log.
    """

    name = "content"
    is_instant = True

    def __init__(self) -> None:
        self._last: tuple[frozenset[str], frozenset[Term], ContentMatcher] | None = None
        """The last policy's word sets and their matcher: rooms rarely change them, and
        two identity tests are cheaper than hashing both sets for the cache."""

    def _matcher(self, policy: RoomPolicy) -> ContentMatcher:
        last = self._last
        if last is not None and last[0] is policy.languages and last[1] is policy.extra_terms:
            return last[2]
        matcher = content_matcher(policy.languages, policy.extra_terms)
        self._last = (policy.languages, policy.extra_terms, matcher)
        return matcher

    async def check(self, message: Submission, context: CheckContext) -> Verdict | None:
        """Return the verdict for the strongest term found, or ``None``."""
        return self.check_now(message, context)

    def check_now(self, message: Submission, context: CheckContext) -> Verdict | None:
        """See ``check``."""
        policy = context.policy
        matches = self._matcher(policy).scan(context.text)
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
