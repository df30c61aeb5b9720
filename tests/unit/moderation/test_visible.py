"""Windows found in the lower-cased text stand where the original's characters are.

The link, e-mail and platform detectors look for their words ("www.", a spoken
"dot" or "at", a mail provider, a platform) in ``VisibleText.lower`` and read
windows around them in ``VisibleText.text``. "İ".lower() is two characters
("i" and a combining dot), so with ``str.lower`` every "İ" moved what came
after it one place to the right: behind fifty of them the window missed the
address ("İİİ... write lily at gmail dot com" reported nothing). Spans were
never wrong (the expressions run on the original text); findings were missed.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from moderation import PersonalDataKind, detect_personal_data, normalise
from moderation.personal import VisibleText, emails, links, social

_SAMPLES = [
    # (what is written, the kind found)
    ("www.example.qqq", PersonalDataKind.LINK),
    ("WWW.example.qqq", PersonalDataKind.LINK),
    ("example dot com", PersonalDataKind.LINK),
    ("lily at gmail dot com", PersonalDataKind.EMAIL),
    ("lily arroba gmail punto com", PersonalDataKind.EMAIL),
    ("my insta is lily_b", PersonalDataKind.SOCIAL),
    ("mein Snap ist lily2010", PersonalDataKind.SOCIAL),
]
_pieces = st.lists(
    st.sampled_from(["İ" * 10, "İ", "İI", "ẞ", "ß", "ΟΔΟΣ ", "é", "ı", "ſ", " ", ". ", "\n"]),
    max_size=20,
).map("".join)
# Sixty "İ" or more: the windows (40 to 80 characters before the word) then missed.
_before = st.builds(
    lambda head, dotted, tail: f"{head}{'İ' * dotted}{tail}",
    _pieces,
    st.integers(0, 150),
    _pieces,
)


@settings(max_examples=300, deadline=None)
@given(_before, st.sampled_from(_SAMPLES), st.text(alphabet="İ ok", max_size=20))
def test_personal_data_after_letters_that_lower_to_two_is_found_where_it_is(
    before: str, sample: tuple[str, PersonalDataKind], after: str
) -> None:
    written, kind = sample
    text = f"{before} {written} - {after}"
    start = len(before) + 1
    found = [item for item in detect_personal_data(normalise(text)) if item.kind is kind]
    assert [item.span for item in found] == [(start, start + len(written))], text


def test_fifty_dotted_capitals_before_an_address() -> None:
    text = "İ" * 60 + " see www.example.qqq then lily at gmail dot com and my insta is lily_b"
    visible = VisibleText(text)
    assert len(visible.lower) == len(visible.text)
    assert visible.lower[:2] == "ii"  # "İ" as ``re.IGNORECASE`` reads it
    # (the window around "www." also holds "gmail dot com", a spoken link)
    assert "www.example.qqq" in [
        text[slice(*item.span)] for item in links.find_links(visible, (), [])
    ]
    assert [text[slice(*item.span)] for item in emails.find_emails(visible, [" at ", "gmail"])] == [
        "lily at gmail dot com"
    ]
    assert [text[slice(*item.span)] for item in social.find_social(visible, ["insta"])] == [
        "my insta is lily_b"
    ]


def test_lower_is_str_lower_when_no_letter_changes_length() -> None:
    for text in ("ΟΔΟΣ Straße ẞ", "WWW.Example.ORG", "ı ſ K", ""):
        assert VisibleText(text).lower == text.lower()
