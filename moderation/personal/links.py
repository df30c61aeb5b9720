"""Links: with a scheme, with "www.", bare domains, and domains spelled out.

* "https://example.org/x", "www.example.org" are always links;
* a bare domain needs a known top-level domain ("wikipedia.org",
  "spiegel.de"). Where the top-level domain is also a common word ("it",
  "de", "es", "be", "at", "me"...), the name before it must have three
  characters or more and the domain must not start a new sentence: "I like
  it.It was fun" and "Hola.De nada" are not links;
* "example dot com", "example (dot) com" and the partners' words for "dot"
  before a known top-level domain.

Hosts under a room's allowed domains ("wikipedia.org" allows
"fr.wikipedia.org") are not reported.

The expression is tried only where a link can start (``_starts``, see
``moderation.personal.anchored``): three to five characters before "://", at
"www.", at the first label of a name followed by ".", and at the name before
a spoken "dot". Searching the whole window cost about 0.5 µs per character.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .anchored import finditer_at, run_start
from .model import PersonalData, PersonalDataKind
from .visible import VisibleText, find_all, merge, windows, word_windows
from .vocabulary import AMBIGUOUS_TLDS, DOT_WORDS, TLDS

__all__ = ["find_links", "host_is_allowed"]

_TLD = "|".join(sorted(TLDS, key=len, reverse=True))
_DOT_SPOKEN = "|".join(sorted(DOT_WORDS))
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_PATH = r"(?:[/?#][^\s<>\"']*)?"
_LINK = re.compile(
    r"(?P<scheme>\b(?:https?|ftp)://[^\s<>\"']+)"
    r"|(?P<www>\bwww\.[^\s<>\"']+)"
    rf"|(?<![\w@.-])(?P<host>(?:{_LABEL}\.)+)(?P<tld>{_TLD})(?![\w-]){_PATH}"
    rf"|(?<![\w@.-])(?P<spoken>{_LABEL})\s*(?:\(dot\)|\[dot\]|\s(?:{_DOT_SPOKEN})\s)\s*"
    rf"(?P<spoken_tld>{_TLD})\b",
    re.IGNORECASE,
)
# Led by a literal ".": finds where a domain may end, dot by dot. The look-ahead
# passes over a dot that no word character follows (the end of a sentence) before
# the alternatives, which ``re`` would otherwise try one by one (15 µs for a long
# message).
_DOT_TLD = re.compile(rf"\.(?=\w)(?:{_TLD})(?![\w-])", re.IGNORECASE)


def host_is_allowed(host: str, allowed_domains: Collection[str]) -> bool:
    """Whether ``host`` is one of ``allowed_domains`` or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in allowed_domains)


def find_links(
    visible: VisibleText,
    allowed_domains: Collection[str] = (),
    spelled_words: Collection[str] | None = None,
) -> list[PersonalData]:
    """Every link in the text, except those under ``allowed_domains``.

    Args:
        visible: The text.
        allowed_domains: Hosts (and their subdomains) not to report.
        spelled_words: The spoken "dot" words the message contains, whose
            surroundings are read too; ``None`` reads the whole text. Around
            "://", "www." and ".<tld>" is always read.
    """
    text = visible.text
    if spelled_words is None:
        ranges = [(0, len(text))]
    else:
        positions = find_all(text, "://") + find_all(visible.lower, "www.")
        positions += [match.start() for match in _DOT_TLD.finditer(text)]
        ranges = windows(positions, 80, 90, len(text))
        if spelled_words:
            ranges = merge(ranges + word_windows(text, spelled_words, 70, 40, visible.lower))
    found: list[PersonalData] = []
    for start, end in ranges:
        found.extend(_in_range(visible, start, end, allowed_domains))
    return found


def _in_range(
    visible: VisibleText, start: int, end: int, allowed_domains: Collection[str]
) -> list[PersonalData]:
    starts = _starts(visible, start, end)
    matches = (
        _LINK.finditer(visible.text, start, end)
        if starts is None
        else finditer_at(_LINK, visible.text, starts, end)
    )
    found: list[PersonalData] = []
    for match in matches:
        host = _host(match)
        if host is None:
            continue
        if allowed_domains and host_is_allowed(host, allowed_domains):
            continue
        found.append(PersonalData(PersonalDataKind.LINK, visible.span(*match.span())))
    return found


def _starts(visible: VisibleText, start: int, end: int) -> list[int] | None:
    """Every position of ``[start, end)`` where ``_LINK`` can match, sorted.

    ``None`` when the text has no case-aligned lower form (then the window is
    searched). A scheme ends three to five characters before "://"; "www." is
    found in the lower-cased text; a bare domain's first label is the whole run
    of ``[\\w-]`` before a "." (the look-behind refuses a start inside one), at
    most 63 characters; a spoken one is the run before the spaces, "(" or "["
    that come before "dot" or the partners' words for it.
    """
    text = visible.text
    lower = visible.aligned_lower
    if lower is None:
        return None
    starts: list[int] = []
    find = text.find
    index = find("://", start, end)
    while index >= 0:
        starts.extend(p for p in (index - 5, index - 4, index - 3) if p >= start)
        index = find("://", index + 1, end)
    index = lower.find("www.", start, end)
    while index >= 0:
        starts.append(index)
        index = lower.find("www.", index + 1, end)
    index = find(".", start, end)
    while index >= 0:
        # A label or the top-level domain follows the dot: not the end of a sentence.
        if index + 1 < end and text[index + 1].isalnum():
            first = run_start(text, index, start, "-", 63)
            if first is not None:
                starts.append(first)
        index = find(".", index + 1, end)
    for word in _SPOKEN_DOTS:
        index = lower.find(word, start, end)
        while index >= 0:
            before = index
            if before > start and text[before - 1] in "([":
                before -= 1
            while before > start and text[before - 1].isspace():
                before -= 1
            first = run_start(text, before, start, "-", 63)
            if first is not None:
                starts.append(first)
            index = lower.find(word, index + 1, end)
    return sorted(set(starts))


_SPOKEN_DOTS = tuple(sorted(DOT_WORDS | {"dot"}))


def _host(match: re.Match[str]) -> str | None:
    """The link's host, or None when the match is not a link after all."""
    if match.group("scheme") or match.group("www"):
        text = match.group()
        rest = text.split("://", 1)[-1]
        return re.split(r"[/?#:]", rest, maxsplit=1)[0]
    if match.group("spoken"):
        return f"{match.group('spoken')}.{match.group('spoken_tld')}"
    labels = match.group("host")
    tld = match.group("tld")
    if tld.lower() in AMBIGUOUS_TLDS:
        name = labels.rstrip(".").rsplit(".", 1)[-1]
        if len(name) < 3 or tld[0].isupper():
            return None
    return labels + tld
