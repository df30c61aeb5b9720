"""The personal-data detector and its pipeline step.

``detect_personal_data(text)`` reports e-mail addresses, phone numbers,
street addresses, social handles and links (``moderation.personal``), each
with its kind and its span in the original text.

The detectors' regular expressions are too slow to run on every message, so
each is behind a gate computed in C on the normalised text (set operations
on its words, byte searches on its folded form): no digits means no phone
and no address; no "@", no mail provider and no spelled-out "at ... dot"
means no e-mail; no "://", "www", ".<tld>" or "dot <tld>" means no link. A
clean message pays for the gates only. In the pipeline the content filter
has already sorted the words (``NormalisedText.marked_words``): gate words,
digits and "www" can only be among the few it marked, so the gates read those
instead of every word.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from ahocorasick_rs import BytesAhoCorasick, Implementation

from ..personal import PersonalData, VisibleText
from ..personal.addresses import find_addresses
from ..personal.emails import find_emails
from ..personal.links import find_links
from ..personal.phones import MIN_DIGITS, PARTNER_REGIONS, find_phones, warm_up
from ..personal.social import find_social
from ..personal.vocabulary import (
    AMBIGUOUS_TLDS,
    AT_WORDS,
    DOT_WORDS,
    GATE_WORDS,
    PLATFORMS,
    PROVIDERS,
    STREET_WORDS,
    TLDS,
)
from ..pipeline import CheckContext, Submission
from ..policy import PersonalDataPolicy
from ..text import NormalisedText
from ..verdict import Finding, Outcome, Reason, Verdict

__all__ = ["PersonalDataCheck", "detect_personal_data"]

_DIGITS = b"0123456789"


def _encoded(words: Collection[str]) -> frozenset[bytes]:
    return frozenset(word.encode() for word in words)


_PROVIDERS = _encoded(PROVIDERS)
_AT_WORDS = _encoded(AT_WORDS)
_DOT_WORDS = _encoded(DOT_WORDS)
_TLDS = _encoded(TLDS)
_CLEAR_TLDS = _encoded(TLDS - AMBIGUOUS_TLDS)
_PLATFORMS = _encoded(PLATFORMS)
_STREET_WORDS = _encoded(STREET_WORDS)
_GATE_WORDS = _encoded(GATE_WORDS)
"""Every word that opens a gate: one intersection per message finds them all."""
_STREET_MARKS = (
    # abbreviations, and the endings of German and Dutch street names
    b"ul.", b"al.", b"pl.", b"os.", b"st.", b"c/", b"av.", b"rd.", b"bd ", b"str.",
    b"strasse", b"gasse", b"allee", b"weg ", b"ring ", b"damm", b"ufer", b"straat",
    b"laan", b"gracht", b"plein", b"kade", b"dijk", b"singel", b"steeg", b"dreef",
)  # fmt: skip
_STREET_MARK_SEARCH = BytesAhoCorasick(list(_STREET_MARKS), implementation=Implementation.DFA)
"""Whether any street mark is in the folded text, in one pass (a message with a number,
such as a time or a score, searched the text once per mark: 26 passes)."""
# Led by a literal ".", so the search jumps from dot to dot, and a dot that a letter
# does not follow (the end of a sentence) is passed over before the alternatives.
_DOT_TLD = re.compile(
    rb"\.(?=[a-z])(?:" + "|".join(sorted(TLDS, key=len, reverse=True)).encode() + rb")(?![a-z0-9])"
)
_NOT_DIGITS = bytes(byte for byte in range(256) if byte not in _DIGITS)


def detect_personal_data(
    text: NormalisedText,
    *,
    allowed_domains: Collection[str] = (),
    regions: tuple[str, ...] = PARTNER_REGIONS,
) -> tuple[PersonalData, ...]:
    """Every piece of personal data in ``text``, in order, without overlaps.

    Args:
        text: The normalised message.
        allowed_domains: Link hosts not to report (with their subdomains).
        regions: Regions whose national phone formats are tried.

    Never raises; the work is bounded by the message's length.
    """
    folded = text.folded
    # Screened by the content filter: only its marked words can be gate words or
    # hold a digit or "www" (see NormalisedText.marked_words).
    marked = text.marked_words
    has_at = b"@" in folded
    # Most messages: no gate word, digit or "www" at all (an empty mark set), so only
    # a plain "@", a scheme or a bare domain can open a detector (the general path
    # below gives the same answer, after some forty more steps).
    if (
        marked is not None
        and not marked
        and not has_at
        and b"://" not in folded
        and _DOT_TLD.search(folded) is None
    ):
        return ()
    gate_words = _GATE_WORDS.intersection(text.words if marked is None else marked)
    if marked is None:
        has_digit, has_www = True, folded.find(b"www") >= 0
    elif marked:
        # One string of the few marked words: two C passes instead of a loop each.
        together = b" ".join(marked)
        has_digit = bool(together.translate(None, _NOT_DIGITS))
        has_www = together.find(b"www") >= 0
    else:
        has_digit = has_www = False
    digits = len(folded) - len(folded.translate(None, _DIGITS)) if has_digit else 0
    spelled_email: list[str] = []
    spelled_link: list[str] = []
    platforms: list[str] = []
    find_address = False
    if gate_words:
        providers = _PROVIDERS.intersection(gate_words)
        at_words = _AT_WORDS.intersection(gate_words)
        dot_words = _DOT_WORDS.intersection(gate_words)
        tlds = _TLDS.intersection(text.words) if at_words or dot_words else frozenset()
        if providers or (at_words and (dot_words or not _CLEAR_TLDS.isdisjoint(tlds))):
            spelled_email = [f" {word.decode()} " for word in at_words] + [
                word.decode() for word in providers
            ]
        if dot_words and tlds:
            spelled_link = [f" {word.decode()} " for word in dot_words]
        platforms = [word.decode() for word in _PLATFORMS.intersection(gate_words)]
        find_address = digits > 0 and not _STREET_WORDS.isdisjoint(gate_words)
    find_link = (
        spelled_link
        or has_www
        or (folded.find(b"/") >= 0 and folded.find(b"://") >= 0)
        or _DOT_TLD.search(folded) is not None
    )
    find_phone = digits >= MIN_DIGITS
    if digits and not find_address:
        find_address = bool(_STREET_MARK_SEARCH.find_matches_as_indexes(folded))
    if not (has_at or spelled_email or find_link or platforms or find_phone or find_address):
        return ()
    visible = VisibleText(text.original)
    found: list[PersonalData] = []
    if has_at or spelled_email:
        found.extend(find_emails(visible, spelled_email))
    if has_at or platforms:
        found.extend(find_social(visible, platforms))
    if find_link:
        found.extend(find_links(visible, allowed_domains, spelled_link))
    if find_phone:
        found.extend(find_phones(visible, regions))
    if find_address:
        found.extend(find_addresses(visible))
    return _without_overlaps(found)


def _without_overlaps(found: list[PersonalData]) -> tuple[PersonalData, ...]:
    """Keep the first-found of overlapping findings (e-mail before link), in text order."""
    kept: list[PersonalData] = []
    for item in found:
        start, end = item.span
        if all(end <= other.span[0] or start >= other.span[1] for other in kept):
            kept.append(item)
    return tuple(sorted(kept, key=lambda item: item.span))


class PersonalDataCheck:
    """Implements ``moderation.pipeline.InstantCheck`` for personal data and links.

    A pupil's message with personal data is held or rejected (reason
    ``personal_data``) as the room's ``PersonalDataPolicy`` says. A teacher's
    is delivered and noted: teachers share the school's address, a link to
    a museum, their school e-mail, on purpose.

    Args:
        regions: Regions whose national phone formats are tried.
    """

    name = "personal_data"
    is_instant = True

    def __init__(self, regions: tuple[str, ...] = PARTNER_REGIONS) -> None:
        self._regions = regions
        warm_up()

    async def check(self, message: Submission, context: CheckContext) -> Verdict | None:
        """Return the verdict for the personal data found, or ``None``."""
        return self.check_now(message, context)

    def check_now(self, message: Submission, context: CheckContext) -> Verdict | None:
        """See ``check``."""
        policy = context.policy
        found = detect_personal_data(
            context.text, allowed_domains=policy.allowed_domains, regions=self._regions
        )
        if not found:
            return None
        findings = tuple(
            Finding(self.name, item.kind.value, item.detail, item.span) for item in found
        )
        if message.is_teacher:
            outcome = Outcome.DELIVER
        elif policy.personal_data is PersonalDataPolicy.BLOCK:
            outcome = Outcome.REJECT
        else:
            outcome = Outcome.HOLD
        return Verdict(outcome, Reason.PERSONAL_DATA, self.name, findings)
