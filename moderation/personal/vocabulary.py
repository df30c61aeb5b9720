"""The words the personal-data detectors look for, in the partners' languages.

Our own compilation (2026-11-29) from common usage; each set is small and
reviewed with the word lists. Words are folded (lower case, no accents), as
``moderation.text`` produces them, so the gates can compare them with a
message's words in C.
"""

from __future__ import annotations

__all__ = [
    "AMBIGUOUS_TLDS",
    "AT_WORDS",
    "DOT_WORDS",
    "GATE_WORDS",
    "PLATFORMS",
    "PROVIDERS",
    "STREET_WORDS",
    "TLDS",
    "words",
]


def words(text: str) -> frozenset[str]:
    """The set of space-separated words in ``text`` (lists stay readable in source)."""
    return frozenset(text.split())


TLDS = words(
    "com net org edu gov info biz io eu uk fr de es it pl pt nl be at ch lu ie dk se no fi "
    "cz sk hu ro bg gr hr si lt lv ee tv me app dev xyz online site gg ly to ru ua tr br us "
    "ca au co"
)
"""Top-level domains recognised in bare domains ("wikipedia.org")."""
AMBIGUOUS_TLDS = words("it de es be at me to co no us")
"""TLDs that are also common words: a bare domain with one needs more evidence."""
PROVIDERS = words(
    "gmail googlemail hotmail outlook msn yahoo icloud aol gmx protonmail laposte wanadoo "
    "libero virgilio tiscali onet interia sapo ziggo kpn telenet skynet t-online freenet"
)
"""Mail providers whose names are no common word: "lily at gmail" is an address
even without its domain (not "web", "live", "orange", "free", "alice", "wp")."""
AT_WORDS = words("at arobase arroba chiocciola malpa apenstaartje klammeraffe")
"""How the partners spell "@" out loud."""
DOT_WORDS = words("dot punkt point punto ponto kropka punt")
"""How the partners spell "." out loud."""
PLATFORMS = words(
    "insta instagram snap snapchat tiktok discord whatsapp telegram facebook fb messenger "
    "twitter youtube twitch roblox steam skype kik wechat bereal pinterest reddit vk "
    "xbox psn fortnite signal threads "
    # Polish and other inflected forms ("na snapie", "na instagramie")
    "snapie snapa snapchacie instagramie instagrama tiktoku tiktoka discordzie discorda "
    "whatsappie messengerze fejs fejsie fejsa"
)
"""Platforms where a pupil could be contacted outside the project."""
STREET_WORDS = words(
    "rue avenue boulevard chemin impasse allee quai chaussee street road lane drive "
    "crescent terrace gardens grove blvd calle avenida avda plaza paseo carretera camino "
    "ronda travesia glorieta via viale piazza corso vicolo piazzale lungomare contrada rua "
    "travessa praca estrada alameda beco calcada ulica ulicy aleja alei plac placu "
    "osiedle osiedlu st rd ave ln dr"
)
"""Whole words (folded) that start or end an address in one of the languages."""
GATE_WORDS = PROVIDERS | AT_WORDS | DOT_WORDS | PLATFORMS | STREET_WORDS
"""Every word that opens one of the personal-data detectors' gates. Top-level domains
("de", "com", "it" are common words) only count next to a spoken "at" or "dot"."""
