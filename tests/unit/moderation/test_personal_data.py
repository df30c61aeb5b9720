"""The personal-data detector: each kind, in each partner country, and what must pass."""

from __future__ import annotations

import pytest

from moderation import PersonalDataKind, detect_personal_data, normalise

Kind = PersonalDataKind


def found(text: str, **options: object) -> list[tuple[str, str]]:
    return [
        (item.kind.value, text[item.span[0] : item.span[1]])
        for item in detect_personal_data(normalise(text), **options)  # type: ignore[arg-type]
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to lily.b@mail.fr please", "lily.b@mail.fr"),
        ("max＠web.de", "max＠web.de"),
        ("lily at gmail dot com", "lily at gmail dot com"),
        ("lily(at)mail.fr", "lily(at)mail.fr"),
        ("lily [at] web [dot] de", "lily [at] web [dot] de"),
        ("lily @ gmail . com", "lily @ gmail . com"),
        ("my mail: lily at gmail", "lily at gmail"),
        ("jan małpa wp kropka pl", "jan małpa wp kropka pl"),
        ("anna arroba gmail punto com", "anna arroba gmail punto com"),
        ("luca chiocciola libero punto it", "luca chiocciola libero punto it"),
        ("max.mueller at gmx punkt de", "max.mueller at gmx punkt de"),
        ("sofie apenstaartje ziggo punt nl", "sofie apenstaartje ziggo punt nl"),
        ("l\u200bily@mail.fr", "l\u200bily@mail.fr"),
        # a spoken "at" just before a plain address: "me at tom.smith" is no
        # address, and the search must go on inside it
        ("write to me at tom.smith@gmail.com", "tom.smith@gmail.com"),
        ("écris-moi at lea.martin@orange.fr", "lea.martin@orange.fr"),
        ("look at this: max@web.de", "max@web.de"),
    ],
)
def test_emails(text: str, expected: str) -> None:
    assert (Kind.EMAIL.value, expected) in found(text)


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("appelle-moi au 06 12 34 56 78", "FR"),
        ("+33 6 12 34 56 78", "FR"),
        ("0033 6 12 34 56 78", "FR"),
        ("06.12.34.56.78", "FR"),
        ("mein Handy: 0176 12345678", "DE"),
        ("+49 (0)30 1234567", "DE"),
        ("llámame al +34 600 123 456", "ES"),
        ("chiamami al +39 345 123 4567", "IT"),
        ("zadzwoń +48 512 345 678", "PL"),
        ("liga-me +351 912 345 678", "PT"),
        ("bel me 06-12345678", "NL"),
        ("call me on +44 7911 123456", "GB"),
        ("+32 470 12 34 56", "BE"),
        ("+43 664 1234567", "AT"),
        ("+352 621 123 456", "LU"),
        ("0\u200b6 12 34 56 78", "FR"),
        ("０６１２３４５６７８", "FR"),
    ],
)
def test_phones(text: str, region: str) -> None:
    items = detect_personal_data(normalise(text))
    phones = [item for item in items if item.kind is Kind.PHONE]
    assert phones, text
    if text.lstrip().startswith(("+", "0033")) or region == "FR":
        assert phones[0].detail == region


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # Ranges kept for fiction and textbooks, not valid anywhere: plausible
        # numbers written as phones are.
        ("call me on +44 7700 900123", "GB"),
        ("0044 7700 900 123", "GB"),
        ("+44 (0)7700 900123", "GB"),
        ("+1 555 0123 456", "US"),
        ("+353 20 910 1234", "IE"),
        ("+33 6 39 98 12 34", "FR"),
        ("text me 07700 900123", None),
        ("06 39 98 12 34", None),
        ("06-39-98-12-34", None),
    ],
)
def test_plausible_phones_in_unassigned_ranges(text: str, region: str | None) -> None:
    phones = [i for i in detect_personal_data(normalise(text)) if i.kind is Kind.PHONE]
    assert len(phones) == 1, text
    if region is not None:
        assert phones[0].detail == region


@pytest.mark.parametrize(
    "text",
    [
        "I live at 12 rue de la Paix",
        "5 avenue Foch, Paris",
        "221B Baker Street",
        "10 Downing St",
        "Hauptstraße 5, Berlin",
        "wir wohnen in der Bahnhofstr. 12a",
        "Lindenweg 3",
        "calle Mayor 3",
        "C/ Mayor, 3",
        "plaza de España 1",
        "Via Roma 10",
        "Piazza Garibaldi 3",
        "Rua Augusta 100",
        "Avenida da Liberdade 10",
        "ul. Długa 7",
        "ul. Długa 7/3",
        "al. Jerozolimskie 5",
        "Kerkstraat 12",
        "Keizersgracht 123",
        "rue de la Loi 16",
    ],
)
def test_addresses(text: str) -> None:
    assert Kind.ADDRESS.value in {kind for kind, _ in found(text)}, text


@pytest.mark.parametrize(
    "text",
    [
        "follow @lily_2010",
        "my insta is lilyb",
        "snap: lily2010",
        "mon insta c'est lily_b",
        "mein Insta ist lilyb",
        "mi insta es lily.b",
        "il mio tiktok è lily_b",
        "discord lily#1234",
        "add me on snap",
        "écris-moi sur insta",
        "schreib mir auf WhatsApp",
        "agrégame en Instagram",
        "aggiungimi su instagram",
        "dodaj mnie na snapie",
        "segue-me no insta",
        "volg me op TikTok",
    ],
)
def test_social(text: str) -> None:
    assert Kind.SOCIAL.value in {kind for kind, _ in found(text)}, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://example.org/x", "https://example.org/x"),
        ("www.example.org", "www.example.org"),
        ("go to wikipedia.org", "wikipedia.org"),
        ("spiegel.de is good", "spiegel.de"),
        ("youtube.com/watch?v=1", "youtube.com/watch?v=1"),
        ("example dot com", "example dot com"),
        ("example (dot) com", "example (dot) com"),
        ("site punkt de", "site punkt de"),
        ("look at www.example.org", "www.example.org"),
    ],
)
def test_links(text: str, expected: str) -> None:
    assert (Kind.LINK.value, expected) in found(text)


def test_allowed_domains_are_not_reported() -> None:
    text = "read fr.wikipedia.org/wiki/Lyon and www.example.org"
    assert found(text, allowed_domains={"wikipedia.org"}) == [(Kind.LINK.value, "www.example.org")]


def test_spans_point_into_the_original_text() -> None:
    text = "é\u200b\u200bcris: 06\u200b12 34 56 78"
    (item,) = detect_personal_data(normalise(text))
    assert text[item.span[0] : item.span[1]] == "06\u200b12 34 56 78"


def test_one_message_with_every_kind_in_order() -> None:
    text = (
        "call me at 06 12 34 56 78 or lily at gmail dot com, I live 12 rue de la Paix, "
        "my insta is lily_b, see www.x.org"
    )
    assert [kind for kind, _ in found(text)] == [
        "phone", "email", "address", "social", "link",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "we meet at 10:30",
        "rendez-vous à 10h30 devant l'école",
        "the date is 12/05/2026",
        "on 2026-05-12 at 10:30",
        "le 12.05.2026 et le 13.05.2026",
        "born 12-05-2010",
        "school year 2025-2026",
        "it costs 3,50 €",
        "it costs €12.99",
        "population 1 299 000",
        "1 000 000 people",
        "room 204",
        "we are in classroom B12",
        "page 42",
        "exercise 3.2 on page 17",
        "score 12-10",
        "we won 3-2, then 4-1",
        "3 x 4 = 12",
        "1234 + 5678 = 6912",
        "pi is 3.14",
        "version 1.2.3",
        "ISBN 978-3-16-148410-0",
        "my number in the list is 1234567",
        "e.g. this, i.e. that, etc.",
        "I like it.It was fun",
        "Hola.De nada",
        "photo.jpg and notes.pdf",
        "@Mary what do you think?",
        "meet @ 5pm",
        "I watched it on YouTube yesterday",
        "TikTok is fun",
        "my snap is broken",
        "follow me to the museum",
        "add me to the group",
        "look at this. point taken",
        "I sent it via email 3 times",
        "the best way 2 go",
        "I came 2nd place",
        "Platz 3 im Rennen",
        "I have 3 brothers and 2 sisters",
        "chapter 3 verse 4",
        "12 + 7 = 19",
        "125 + 250 = 375 and 1000 - 1 = 999",
        "+5 points for our team",
        "from -12 to +15 degrees",
        "born in 1998, 2004 and 2011",
        "the years 1914 1918 1939 1945",
        "we won 21-19, 19-21, 15-13",
        "0.1234567 is small",
        "x = 0,12345678",
        "it costs 0,99 € or 1 299 €",
        "on 23.11.2026 at 14:05",
        "2 000 000 000 people",
    ],
)
def test_innocent_texts_pass(text: str) -> None:
    assert found(text) == [], text
