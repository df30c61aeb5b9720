"""The detectors try their expressions only where a match can start, and find what they found.

Links, e-mail addresses, street addresses and platform accounts used to search
each window with ``finditer`` / ``search`` over every position; they now try
``Pattern.match`` only at the positions their anchors give
(``moderation.personal.anchored``). The old searches are kept here, as they
were (at f607c1e), as the oracles: over texts built from the detectors' own
words, punctuation, digits, upper case, the letters ``re.IGNORECASE`` reads
specially ("ı", "ſ", "İ", "K") and invisible characters, and over any window
of them, both give the same matches and the same findings.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from hypothesis import HealthCheck, example, given, settings, strategies as st

from moderation.personal import addresses, emails, links, social
from moderation.personal.anchored import aligned_lower, run_start
from moderation.personal.model import PersonalData, PersonalDataKind
from moderation.personal.visible import VisibleText, find_all, merge, windows, word_windows

# --- the oracles: the whole-window searches as they were -------------------------------


def lower_by_char(text: str) -> str:
    """Lower case at the text's offsets: each character's lower case, its first if several.

    The windows were found in ``text.lower()``, where each "İ" takes two characters
    and moved them away from the words (fixed in ``VisibleText.lower``).
    """
    return "".join(char.lower()[0] for char in text)


def old_links_in_range(
    visible: VisibleText, start: int, end: int, allowed_domains: Collection[str] = ()
) -> list[PersonalData]:
    found: list[PersonalData] = []
    for match in links._LINK.finditer(visible.text, start, end):
        host = links._host(match)
        if host is None:
            continue
        if allowed_domains and links.host_is_allowed(host, allowed_domains):
            continue
        found.append(PersonalData(PersonalDataKind.LINK, visible.span(*match.span())))
    return found


def old_find_links(
    visible: VisibleText,
    allowed_domains: Collection[str] = (),
    spelled_words: Collection[str] | None = None,
) -> list[PersonalData]:
    text = visible.text
    if spelled_words is None:
        ranges = [(0, len(text))]
    else:
        positions = find_all(text, "://") + find_all(lower_by_char(text), "www.")
        positions += [match.start() for match in OLD_DOT_TLD.finditer(text)]
        ranges = windows(positions, 80, 90, len(text))
        if spelled_words:
            ranges = merge(ranges + word_windows(text, spelled_words, 70, 40, lower_by_char(text)))
    found: list[PersonalData] = []
    for start, end in ranges:
        found.extend(old_links_in_range(visible, start, end, allowed_domains))
    return found


def old_emails_in_range(visible: VisibleText, start: int, end: int) -> list[PersonalData]:
    found: list[PersonalData] = []
    position = start
    while (match := emails._CANDIDATE.search(visible.text, position, end)) is not None:
        if emails._accepted(match):
            found.append(PersonalData(PersonalDataKind.EMAIL, visible.span(*match.span())))
            position = match.end()
        else:
            position = match.start("domain")
    return found


def old_find_emails(
    visible: VisibleText, spelled_words: Collection[str] | None = None
) -> list[PersonalData]:
    text = visible.text
    if spelled_words is None:
        ranges = [(0, len(text))]
    else:
        positions = find_all(text, "@") + find_all(text, "＠")
        ranges = windows(positions, 70, 80, len(text))
        if spelled_words:
            ranges = merge(ranges + word_windows(text, spelled_words, 70, 80, lower_by_char(text)))
    found: list[PersonalData] = []
    for start, end in ranges:
        found.extend(old_emails_in_range(visible, start, end))
    return found


def old_find_addresses(visible: VisibleText) -> list[PersonalData]:
    text = visible.text
    numbers = [match.start() for match in addresses._NUMBER.finditer(text)]
    found: list[PersonalData] = []
    for start, end in windows(
        numbers, addresses._BEFORE_NUMBER, addresses._AFTER_NUMBER, len(text)
    ):
        found.extend(
            PersonalData(PersonalDataKind.ADDRESS, visible.span(*match.span()))
            for match in addresses._ADDRESS.finditer(text, start, end)
        )
    return found


def old_platform_mentions(visible: VisibleText, start: int, end: int) -> list[PersonalData]:
    text = visible.text
    found: list[PersonalData] = []
    for match in social._PLATFORM_HANDLE.finditer(text, start, end):
        handle = match.group("handle")
        if handle.lower() in social._NOT_HANDLES:
            continue
        copula = match.group("copula")
        said = copula is not None and (copula in ":=" or match.group("own") is not None)
        if said or social._HANDLE_LIKE.search(handle):
            platform = re.sub(r"\s", "", match.group("platform").lower())
            found.append(
                PersonalData(PersonalDataKind.SOCIAL, visible.span(*match.span()), platform)
            )
    for match in social._INVITATION.finditer(text, start, end):
        after = social._PLATFORM_AFTER.match(text, match.end())
        if after is not None:
            found.append(
                PersonalData(
                    PersonalDataKind.SOCIAL,
                    visible.span(match.start(), after.end()),
                    "invitation",
                )
            )
    return found


def old_find_social(
    visible: VisibleText, platforms: Collection[str] | None = None
) -> list[PersonalData]:
    text = visible.text
    found: list[PersonalData] = []
    for start, end in windows(find_all(text, "@") + find_all(text, "＠"), 2, 36, len(text)):
        for match in social._AT_HANDLE.finditer(text, start, end):
            if social._HANDLE_LIKE.search(match.group("handle")):
                found.append(PersonalData(PersonalDataKind.SOCIAL, visible.span(*match.span())))
    if platforms is None:
        ranges = [(0, len(text))]
    else:
        lowered = lower_by_char(text)
        positions = [index for word in platforms for index in find_all(lowered, word)]
        ranges = windows(positions, 48, 56, len(text))
    for start, end in ranges:
        found.extend(old_platform_mentions(visible, start, end))
    return found


OLD_DOT_TLD = re.compile(rf"\.(?:{links._TLD})(?![\w-])", re.IGNORECASE)


# --- texts -----------------------------------------------------------------------------

_WORDS = [
    # links
    "http", "https", "ftp", "HTTPS", "www", "WWW", "example", "wiki-pedia", "org", "com",
    "de", "It", "fr", "co", "uk", "dot", "DOT", "punkt", "kropka", "punto", "(dot)", "[dot]",
    # e-mail
    "lily", "lily.b", "tom_2", "x+y", "gmail", "mail", "at", "AT", "arobase", "chiocciola",
    "małpa", "MAŁPA", "apenstaartje", "klammeraffe", "(at)", "[at]", "{at}", "<at>",
    # addresses
    "rue", "Rue", "avenue", "de", "la", "Paix", "Baker", "Street", "st.", "Road", "calle",
    "C/", "Mayor", "via", "Via", "Roma", "v.le", "piazza", "rua", "praça", "calçada",
    "ul.", "Długa", "al.", "os.", "plac", "Hauptstraße", "Hauptstrasse", "Karl-Marx-Str.",
    "Kerkstraat", "-weg", "Lindenallee", "chaussée", "n°", "bis", "km", "times", "mal",
    # social
    "my", "mein", "mój", "insta", "Insta", "snap", "tik tok", "TikTok", "whatsapp", "ig",
    "is", "ist", "c'est", "jest", ":", "=", "add", "me", "on", "sur", "auf", "écris-moi",
    "schreib", "mir", "agrégame", "en", "seguimi", "dodaj", "mnie", "na", "segue-me", "no",
    "volg", "op", "lily_2010", "max.mueller", "lily#1234",
    # letters re.IGNORECASE reads specially, and others
    "ı", "ſ", "İ", "K", "ẞ", "ß", "É", "ñ", "ç", "ł", "Ω", "ж",
]  # fmt: skip
_PUNCTUATION = [
    " ", "  ", " ", "\n", "\t", ".", ". ", "@", "＠", " @ ", "://", "/", "-", "_", "+",
    ",", ", ", "(", ")", "[", "]", "<", ">", "'", "’", "?", "!", "#", "\u200b", "\u00ad", "\ud800",
]  # fmt: skip
_pieces = st.one_of(
    st.sampled_from(_WORDS),
    st.sampled_from(_PUNCTUATION),
    st.text(alphabet="0123456789", min_size=1, max_size=5),
    st.text(alphabet="abcxyz", min_size=1, max_size=8),
    st.text(alphabet="abcılſİKé-_.@ 7", min_size=1, max_size=6),
)
texts = st.lists(_pieces, max_size=40).map("".join)


def _window(data: st.DataObject, text: str) -> tuple[int, int]:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    return start, end


_SETTINGS = settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the same matches, window by window ----------------------------------------------


@_SETTINGS
@given(texts, st.data())
@example("see www.example.org, https://x.fr/a or wiki dot com", None)
@example("ſite.com and WWW.İx.org", None)
def test_links_in_any_window_are_those_of_the_window_search(
    text: str, data: st.DataObject | None
) -> None:
    visible = VisibleText(text)
    start, end = (0, len(visible.text)) if data is None else _window(data, visible.text)
    assert links._in_range(visible, start, end, ()) == old_links_in_range(visible, start, end)


@_SETTINGS
@given(texts, st.data())
@example("write to me at tom.smith@gmail.com or lily (at) mail . fr", None)
@example("x arobaſe y.com, lily AT gmail DOT com", None)
def test_emails_in_any_window_are_those_of_the_window_search(
    text: str, data: st.DataObject | None
) -> None:
    visible = VisibleText(text)
    start, end = (0, len(visible.text)) if data is None else _window(data, visible.text)
    assert emails._in_range(visible, start, end) == old_emails_in_range(visible, start, end)


@_SETTINGS
@given(texts, st.data())
@example("add me on snap, my insta is lily_2010 and écris-moi sur TikTok", None)
def test_platform_mentions_in_any_window_are_those_of_the_window_search(
    text: str, data: st.DataObject | None
) -> None:
    visible = VisibleText(text)
    start, end = (0, len(visible.text)) if data is None else _window(data, visible.text)
    assert social._platform_mentions(visible, start, end) == old_platform_mentions(
        visible, start, end
    )


@_SETTINGS
@given(texts)
def test_domain_ends_are_those_of_the_old_expression(text: str) -> None:
    new = [match.span() for match in links._DOT_TLD.finditer(text)]
    assert new == [match.span() for match in OLD_DOT_TLD.finditer(text)]


# --- the same findings, detector by detector -------------------------------------------


@_SETTINGS
@given(texts)
def test_addresses_are_those_of_the_old_finder(text: str) -> None:
    visible = VisibleText(text)
    assert addresses.find_addresses(visible) == old_find_addresses(visible)


@_SETTINGS
@given(texts, st.sampled_from([None, [], [" dot "], [" punkt ", " dot "]]))
def test_links_are_those_of_the_old_finder(text: str, spelled: list[str] | None) -> None:
    visible = VisibleText(text)
    assert links.find_links(visible, (), spelled) == old_find_links(visible, (), spelled)
    allowed = ("example.org",)
    assert links.find_links(visible, allowed, spelled) == old_find_links(visible, allowed, spelled)


@_SETTINGS
@given(texts, st.sampled_from([None, [], [" at "], ["gmail"], [" arobase ", "gmail"]]))
def test_emails_are_those_of_the_old_finder(text: str, spelled: list[str] | None) -> None:
    visible = VisibleText(text)
    assert emails.find_emails(visible, spelled) == old_find_emails(visible, spelled)


@_SETTINGS
@given(texts, st.sampled_from([None, [], ["insta"], ["snap", "tiktok"], ["whatsapp"]]))
def test_social_is_that_of_the_old_finder(text: str, platforms: list[str] | None) -> None:
    visible = VisibleText(text)
    assert social.find_social(visible, platforms) == old_find_social(visible, platforms)


# --- real formats, in long messages ------------------------------------------------------

_FILLER = "Gestern haben wir das Museum besucht. Unsere Schule hat einen großen Garten. " * 6

REAL = [
    ("call me: +33 6 12 34 56 78", []),
    ("https://example.org/path?x=1", [PersonalDataKind.LINK]),
    ("HTTP://Example.ORG", [PersonalDataKind.LINK]),
    ("ftp://files.school.eu/a", [PersonalDataKind.LINK]),
    ("www.example.org", [PersonalDataKind.LINK]),
    ("Www.Spiegel.de/kultur", [PersonalDataKind.LINK]),
    ("wikipedia.org", [PersonalDataKind.LINK]),
    ("fr.wikipedia.org/wiki/Lyon", [PersonalDataKind.LINK]),
    ("my-site.co.uk", [PersonalDataKind.LINK]),
    ("lily dot com", [PersonalDataKind.LINK]),
    ("lily (dot) com", [PersonalDataKind.LINK]),
    ("lily punkt de", [PersonalDataKind.LINK]),
    ("lily.b@mail.fr", [PersonalDataKind.EMAIL]),
    ("lily.b+chat@mail.fr", [PersonalDataKind.EMAIL]),
    ("max@schule.bayern.de", [PersonalDataKind.EMAIL]),
    ("tom_2010@students.school.co.uk", [PersonalDataKind.EMAIL]),
    ("lily @ gmail.com", [PersonalDataKind.EMAIL]),
    ("lily(at)mail.fr", [PersonalDataKind.EMAIL]),
    ("lily [at] mail [dot] fr", [PersonalDataKind.EMAIL]),
    ("lily at gmail dot com", [PersonalDataKind.EMAIL]),
    ("lily arroba gmail punto com", [PersonalDataKind.EMAIL]),
    ("lily chiocciola libero punto it", [PersonalDataKind.EMAIL]),
    ("lily małpa onet kropka pl", [PersonalDataKind.EMAIL]),
    ("12 rue de la Paix", [PersonalDataKind.ADDRESS]),
    ("221B Baker Street", [PersonalDataKind.ADDRESS]),
    ("5 avenue Foch", [PersonalDataKind.ADDRESS]),
    ("Hauptstraße 5", [PersonalDataKind.ADDRESS]),
    ("Karl-Marx-Str. 12", [PersonalDataKind.ADDRESS]),
    ("Kerkstraat 12", [PersonalDataKind.ADDRESS]),
    ("calle Mayor 3", [PersonalDataKind.ADDRESS]),
    ("C/ Mayor, 3", [PersonalDataKind.ADDRESS]),
    ("Via Roma 10", [PersonalDataKind.ADDRESS]),
    ("Rua Augusta 100", [PersonalDataKind.ADDRESS]),
    ("ul. Długa 7/3", [PersonalDataKind.ADDRESS]),
    ("rue de la Loi 16", [PersonalDataKind.ADDRESS]),
    ("praça do Comércio 5", [PersonalDataKind.ADDRESS]),
    ("@lily_2010", [PersonalDataKind.SOCIAL]),
    ("mein Insta ist lily_2010", [PersonalDataKind.SOCIAL]),
    ("my snap: lily2010", [PersonalDataKind.SOCIAL]),
    ("discord lily#1234", [PersonalDataKind.SOCIAL]),
    ("add me on snap", [PersonalDataKind.SOCIAL]),
    ("écris-moi sur insta", [PersonalDataKind.SOCIAL]),
    ("schreib mir auf WhatsApp", [PersonalDataKind.SOCIAL]),
    ("dodaj mnie na snapie", [PersonalDataKind.SOCIAL]),
    ("volg me op TikTok", [PersonalDataKind.SOCIAL]),
]


def _kinds(found: list[PersonalData]) -> list[PersonalDataKind]:
    return sorted({item.kind for item in found})


def test_real_formats_are_found_in_long_messages_as_before() -> None:
    for sample, expected in REAL:
        text = f"{_FILLER[:400]} {sample} {_FILLER[:300]}"
        visible = VisibleText(text)
        new = [
            *emails.find_emails(visible, None),
            *links.find_links(visible, (), None),
            *addresses.find_addresses(visible),
            *social.find_social(visible, None),
        ]
        old = [
            *old_find_emails(visible, None),
            *old_find_links(visible, (), None),
            *old_find_addresses(visible),
            *old_find_social(visible, None),
        ]
        assert new == old, sample
        if expected:
            # Each sample is found as its kind (a link inside an address may come too).
            assert set(expected) <= set(_kinds(new)), sample
            assert any(text[slice(*item.span)] in sample for item in new), sample


_STREET_FIRST_WORDS = (
    # every street word of the street-first shape, as a pupil may write it
    "calle", "C/", "avenida", "Avda.", "avda", "av.", "plaza", "pza.", "paseo", "carretera",
    "ctra.", "camino", "ronda", "travesía", "travesia", "glorieta", "via", "viale", "v.le",
    "piazza", "p.zza", "p.za", "corso", "c.so", "vicolo", "largo", "piazzale", "lungomare",
    "contrada", "rua", "travessa", "praça", "praca", "estrada", "alameda", "beco",
    "calçada", "calcada", "ul.", "ulica", "ulicy", "al.", "aleja", "alei", "pl.", "plac",
    "placu", "os.", "osiedle", "osiedlu", "rue", "avenue", "boulevard", "chaussée",
    "chaussee", "place", "chemin", "quai", "impasse",
)  # fmt: skip
_COMPOUND_WORDS = (
    "Hauptstraße", "Hauptstrasse", "Hauptstr.", "Mühlgasse", "Lindenallee", "Feldweg",
    "Ostring", "Kurfürstendamm", "Mainufer", "Pariser-Chaussee", "Kerkstraat", "Dorpslaan",
    "Prinsengracht", "Marktplein", "Havenkade", "Zeedijk", "Torensingel", "Kerksteeg",
    "Bosdreef",
)  # fmt: skip


def test_every_street_word_opens_an_address_as_before() -> None:
    for word in (*_STREET_FIRST_WORDS, *_COMPOUND_WORDS):
        for shown in (word, word.upper(), word.capitalize()):
            sample = f"{shown} 12" if word in _COMPOUND_WORDS else f"{shown} Mayor 12"
            text = f"{_FILLER[:300]} {sample} {_FILLER[:100]}"
            visible = VisibleText(text)
            found = addresses.find_addresses(visible)
            assert found == old_find_addresses(visible), sample
            assert [text[slice(*item.span)] for item in found] == [sample], sample


def test_a_dotted_capital_i_is_read_as_i_at_its_own_offset() -> None:
    # "İ".lower() is two characters; ``VisibleText.lower`` keeps one ("i", as
    # re.IGNORECASE reads it), so the anchors stand where the expressions match.
    text = "İ lily.b@mail.fr and www.example.org, 12 rue de la Paix, İNSTA: lily_2"
    visible = VisibleText(text)
    assert visible.aligned_lower == text.replace("İ", "I").lower()
    assert social.find_social(visible, ["insta"]) == old_find_social(visible, ["insta"])
    assert emails.find_emails(visible, None) == old_find_emails(visible, None)
    assert links.find_links(visible, (), None) == old_find_links(visible, (), None)
    assert addresses.find_addresses(visible) == old_find_addresses(visible)
    assert [text[slice(*item.span)] for item in emails.find_emails(visible, None)] == [
        "lily.b@mail.fr"
    ]


def test_aligned_lower_reads_the_letters_ignorecase_reads_as_ascii() -> None:
    assert aligned_lower("ıſ-k", 4) == "is-k"
    assert aligned_lower("i̇x", 1) is None


def test_run_start_stops_at_its_floor_and_length() -> None:
    text = "ab cdef.gh"
    assert run_start(text, 7, 0, "-", 63) == 3
    assert run_start(text, 7, 4, "-", 63) is None  # the run starts before the window
    assert run_start(text, 7, 0, "-", 3) is None  # longer than allowed
    assert run_start(text, 3, 0, "-", 63) is None  # nothing before a space
