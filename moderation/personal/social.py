"""Social-media handles and invitations to talk on another platform.

eTwinning's e-safety rules ask that pupils have no contact over social media,
and grooming starts by moving a child to a private channel, so three shapes
are reported:

* a handle after "@" that looks like an account: with a digit, "_" or "."
  ("@lily_2010", "@max.mueller"). "@Mary" alone is a mention of someone in
  the room, not reported;
* a platform followed by an account: "my insta is lily_b", "snap: lily2010",
  "mon tiktok c'est ...", "mein Insta ist ...", "discord lily#1234" (an
  account after "my <platform> is", after ":" or "=", or one that looks like
  a handle; "TikTok is fun" is not reported);
* an invitation to write elsewhere, in the partners' languages: "add me on
  snap", "écris-moi sur insta", "schreib mir auf WhatsApp", "agrégame en
  Instagram", "dodaj mnie na snapie", "segue-me no insta", "volg me op
  TikTok".

Naming a platform alone ("I watched it on YouTube") is not reported.

Around a platform's name the two expressions are tried only at words that can
open them (``_starts``, see ``moderation.personal.anchored``): each opens with
a word boundary and one of a few words. Tried at every position of the
window, they cost about 0.3 µs per character.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .anchored import Openings, finditer_at, is_word
from .model import PersonalData, PersonalDataKind
from .visible import VisibleText, find_all, windows
from .vocabulary import words

__all__ = ["find_social"]

_PLATFORM = (
    r"(?:insta(?:gram)?|ig|snap(?:chat)?|sc|tik\s?tok|discord|whats\s?app|telegram|"
    r"facebook|fb|messenger|twitter|youtube|twitch|roblox|steam|skype|kik|wechat|"
    r"bereal|pinterest|reddit|vk|xbox|psn|fortnite|signal|threads|fejs)"
)
_OWN = r"(?:my|mon|ma|mein\w*|mi|mio|mia|m[óo]j\w*|meu|minha|mijn)"
_COPULA = r"(?:is|est|c'est|c’est|ist|lautet|es|è|é|to|jest|[:=])"
_HANDLE = r"@?[\w][\w.#-]{2,31}"
_HANDLE_LIKE = re.compile(r"[\d_.#@]")
_AT_HANDLE = re.compile(r"(?<![\w@.＠])[@＠](?P<handle>[\w][\w.]{2,30})(?![\w@])")
_PLATFORM_HANDLE = re.compile(
    rf"(?:\b(?P<own>{_OWN})\s+)?\b(?P<platform>{_PLATFORM})\b"
    rf"\s*(?P<copula>{_COPULA})?\s*(?P<handle>{_HANDLE})",
    re.IGNORECASE,
)
_INVITATION = re.compile(
    r"\b(?:add|follow|dm|text|message|msg|call|write|find|hit)\s+me\b"
    r"|\b(?:ajoute|suis|[ée]cris|contacte|retrouve)[\s-]*moi\b"
    r"|\b(?:add|folg|schreib|kontaktier)\w*\s+(?:mich|mir)\b"
    r"|\b(?:agr[ée]game|a[ñn][áa]deme|s[íi]gueme|escr[íi]beme|h[áa]blame)\b"
    r"|\b(?:aggiungimi|seguimi|scrivimi|contattami)\b"
    r"|\b(?:dodaj|obserwuj|napisz\s+do)\s+mnie\b"
    r"|\b(?:adiciona|segue|escreve|manda)[\s-]*me\b|\bme\s+(?:adiciona|segue|chama)\b"
    r"|\b(?:voeg|volg|app|stuur)\s+me\b",
    re.IGNORECASE,
)
_PLATFORM_AFTER = re.compile(
    rf"(?:[^.!?\n]{{0,12}}?)\s(?:on|sur|auf|bei|en|por|su|na|no|op|via|in|im|am|per|at|dans)"
    rf"\s+{_PLATFORM}\w*",
    re.IGNORECASE,
)
_NOT_HANDLES = words(
    "and the with for you and but then too also now later today tomorrow video videos "
    "et le la les avec pour und der die das mit auch y el la con para e il con per "
    "i w z na o a com para en op met "
    # what "my snap is ..." usually says about the app, not an account
    "broken down private blocked new old cool fun closed hacked banned deleted gone empty "
    "better best bad good great boring kaputt privat gesperrt neu alt casse bloque prive "
    "nouveau roto privado bloqueado nuevo rotto privato bloccato nuovo zepsuty prywatny "
    "nowy stuk geblokkeerd nieuw"
)


def find_social(
    visible: VisibleText, platforms: Collection[str] | None = None
) -> list[PersonalData]:
    """Every handle, platform account and invitation to another platform.

    Args:
        visible: The text.
        platforms: The platform words the message contains (lower case), to
            read only their surroundings; ``None`` reads the whole text.
    """
    text = visible.text
    found: list[PersonalData] = []
    for start, end in windows(find_all(text, "@") + find_all(text, "＠"), 2, 36, len(text)):
        for match in _AT_HANDLE.finditer(text, start, end):
            if _HANDLE_LIKE.search(match.group("handle")):
                found.append(PersonalData(PersonalDataKind.SOCIAL, visible.span(*match.span())))
    if platforms is None:
        ranges = [(0, len(text))]
    else:
        lowered = visible.lower
        positions = [index for word in platforms for index in find_all(lowered, word)]
        ranges = windows(positions, 48, 56, len(text))
    for start, end in ranges:
        found.extend(_platform_mentions(visible, start, end))
    return found


_HANDLE_OPENINGS = Openings(
    (
        # "my" in the partners' languages (``_OWN``)
        "my", "mo", "mó", "ma", "me", "mi",
        # ``_PLATFORM``, cut where a character class or an optional space starts
        "insta", "ig", "snap", "sc", "tik", "discord", "whats", "telegram", "facebook",
        "fb", "messenger", "twitter", "youtube", "twitch", "roblox", "steam", "skype",
        "kik", "wechat", "bereal", "pinterest", "reddit", "vk", "xbox", "psn", "fortnite",
        "signal", "threads", "fejs",
    )
)  # fmt: skip
_INVITATION_OPENINGS = Openings(
    (
        # ``_INVITATION``'s first words, cut where a character class starts
        "add", "follow", "dm", "text", "message", "msg", "call", "write", "find", "hit",
        "ajoute", "suis", "écris", "ecris", "contacte", "retrouve", "folg", "schreib",
        "kontaktier", "agr", "añ", "an", "síg", "sig", "escr", "háb", "hab", "aggiungimi",
        "seguimi", "scrivimi", "contattami", "dodaj", "obserwuj", "napisz", "adiciona",
        "segue", "escreve", "manda", "me", "voeg", "volg", "app", "stuur",
    )
)  # fmt: skip


def _starts(visible: VisibleText, start: int, end: int, openings: Openings) -> list[int] | None:
    """The positions of ``[start, end)`` where a word begins with one of ``openings``.

    ``None`` when the text has no case-aligned lower form (then the window is
    searched). Both expressions open with ``\\b`` and a letter, so a match
    starts where a word does.
    """
    lower = visible.aligned_lower
    if lower is None:
        return None
    hits = openings.find(lower, start, end)
    if hits is None:
        return None
    text = visible.text
    return sorted({first for _, first, _ in hits if first == 0 or not is_word(text[first - 1])})


def _platform_mentions(visible: VisibleText, start: int, end: int) -> list[PersonalData]:
    text = visible.text
    found: list[PersonalData] = []
    handle_starts = _starts(visible, start, end, _HANDLE_OPENINGS)
    invitation_starts = _starts(visible, start, end, _INVITATION_OPENINGS)
    handles = (
        _PLATFORM_HANDLE.finditer(text, start, end)
        if handle_starts is None
        else finditer_at(_PLATFORM_HANDLE, text, handle_starts, end)
    )
    invitations = (
        _INVITATION.finditer(text, start, end)
        if invitation_starts is None
        else finditer_at(_INVITATION, text, invitation_starts, end)
    )
    for match in handles:
        handle = match.group("handle")
        if handle.lower() in _NOT_HANDLES:
            continue
        copula = match.group("copula")
        said = copula is not None and (copula in ":=" or match.group("own") is not None)
        if said or _HANDLE_LIKE.search(handle):
            platform = re.sub(r"\s", "", match.group("platform").lower())
            found.append(
                PersonalData(PersonalDataKind.SOCIAL, visible.span(*match.span()), platform)
            )
    for match in invitations:
        after = _PLATFORM_AFTER.match(text, match.end())
        if after is not None:
            found.append(
                PersonalData(
                    PersonalDataKind.SOCIAL,
                    visible.span(match.start(), after.end()),
                    "invitation",
                )
            )
    return found
