"""The content filter, language by language: disguised words caught, innocent words spared."""

from __future__ import annotations

import pytest

from moderation import Category, Severity, Term, content_matcher, normalise
from moderation.checks.content import ContentMatcher
from moderation.folding import fold
from moderation.wordlists import LANGUAGES, load_wordlist

from .evasion import TECHNIQUES

# Words of each language's list, disguised by every technique of ``evasion``.
BLOCKED = {
    "en": ["fuck", "shit", "bitch", "cunt", "asshole", "wanker"],
    "fr": ["putain", "connard", "salope", "enculé"],
    "de": ["scheiße", "arschloch", "wichser", "hurensohn"],
    "es": ["mierda", "gilipollas", "cabrón", "puta"],
    "it": ["cazzo", "stronzo", "vaffanculo", "puttana"],
    "pl": ["kurwa", "chuj", "pierdolić", "skurwysyn"],
    "pt": ["porra", "caralho", "merda", "foder"],
    "nl": ["kut", "klootzak", "godverdomme", "hoer"],
}

# Real words that contain a listed term and must never match (the Scunthorpe problem).
INNOCENT = {
    "en": [
        "Scunthorpe", "class", "assessment", "passion", "bassoon", "cocktail", "peacock",
        "Hitchcock", "Essex", "Sussex", "Middlesex", "grape", "scrape", "therapist",
        "document", "cucumber", "circumstance", "analysis", "canal", "arsenal", "pussycat",
        "prickle", "tycoon", "raccoon", "cocoon", "Pakistan", "Fukuoka", "closer",
        "sniggering", "oxymoron", "thorny", "whiskys", "spicy", "Dickens", "shitake",
    ],
    "fr": [
        "connexion", "connecté", "dispute", "disputer", "réputation", "députée", "imputer",
        "technique", "organique", "pique-nique", "pique-niquer", "salopette", "violon",
        "violoncelle", "violette", "baragouiner", "cornichons", "Montmartre", "retard",
        "en retard",
    ],
    "de": [
        "Marsch", "Barsch", "harsch", "Marschmusik", "Broschüre", "Mandschurei", "schüren",
        "Tischlampe", "Schlamperei", "Fuchsschwanz", "Schwanzflosse", "Spritzen",
        "einritzen", "zerfressen", "Mongolei", "Klasse", "Assistent", "dick", "aß", "Ass",
    ],
    "es": [
        "computadora", "disputa", "disputar", "diputado", "reputación", "imputado",
        "artículo", "vehículo", "ridículo", "espectáculo", "obstáculo", "cálculo",
        "envergadura", "esputo", "cómputo", "cebollera", "tubérculo", "negro", "débil",
    ],
    "it": [
        "cazzuola", "cazzuole", "assessore", "assessori", "possesso", "possessore", "consesso",
        "troiani", "speculo", "cuculo", "Figaro", "stette", "ripetette", "resistette",
        "insistette", "assistette",
    ],
    "pl": [
        "borsuka", "borsukami", "rachujący", "rachuje", "podupadać", "podupadło",
        "odporność", "odporności", "oporność", "wyporność", "gwałtowny", "gwałtownie",
        "gwałtowna", "dowcipasy", "Yokosuka", "sporność",
    ],
    "pt": [
        "computador", "disputa", "deputado", "reputação", "imputado", "cortesão", "artesão",
        "enviados", "desviado", "extraviado", "abreviado", "notário", "maçonaria",
        "bichano", "vadiagem", "fica", "pede", "negro",
    ],
    "nl": [
        "catering", "hoera", "heikel", "negeren", "flikkeren", "opflikkeren", "onbeschoft",
        "onbeschoftheid", "ansjovispasta", "speculaaspasta", "uitgesleten", "sleten",
        "Kuttingen", "schoolslag", "slag", "spasticiteit",
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def matcher() -> ContentMatcher:
    return content_matcher()


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for language, words in BLOCKED.items():
        for word in words:
            for name in TECHNIQUES:
                cases.append((language, word, name))
    return cases


def test_every_language_has_a_list_with_a_header() -> None:
    for language in LANGUAGES:
        wordlist = load_wordlist(language)
        assert wordlist.language == language
        assert "own compilation" in wordlist.source
        assert wordlist.reviewed.year >= 2026
        assert len(wordlist.terms) >= 60, language
        assert {term.severity for term in wordlist.terms} == {Severity.BLOCK, Severity.HOLD}


@pytest.mark.parametrize("language", list(BLOCKED))
def test_plain_blocked_words_are_blocked(matcher: ContentMatcher, language: str) -> None:
    for word in BLOCKED[language]:
        found = matcher.scan(normalise(f"tu es un {word} !"))
        assert found, word
        assert found[0].severity is Severity.BLOCK, word


@pytest.mark.parametrize(("language", "word", "technique"), _cases())
def test_disguised_words_are_still_blocked(
    matcher: ContentMatcher, language: str, word: str, technique: str
) -> None:
    disguised = TECHNIQUES[technique](fold(word).decode())
    found = matcher.scan(normalise(f"hey {disguised} !!"))
    assert found, f"{technique}: {disguised!r} passed"
    assert found[0].severity is Severity.BLOCK


@pytest.mark.parametrize("language", list(INNOCENT))
def test_innocent_words_that_contain_a_listed_term_pass(
    matcher: ContentMatcher, language: str
) -> None:
    keys = {
        fold(term.text.strip("*"))
        for lang in LANGUAGES
        for term in load_wordlist(lang).terms
        if not term.is_phrase and len(term.text.strip("*")) >= 3
    }
    words = INNOCENT[language]
    assert len(words) >= 15
    containing = [word for word in words if any(key in fold(word) for key in keys)]
    assert len(containing) >= 15, f"only {len(containing)} contain a listed term"
    for word in words:
        assert matcher.match_word(word) is None, word
    sentence = " ".join(words)
    assert matcher.scan(normalise(sentence)) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kill yourself", "kill yourself"),
        ("k1ll yourself", "kill yourself"),
        ("go and KILL   YOURSELF", "kill yourself"),
        ("k y s", "kys"),
        ("nique ta mère", "nique ta mere"),
        ("hijo de puta", "hijo de puta"),
        ("porca puttana", "porca puttana"),
        ("bring dich um", "bring dich um"),
        ("krijg de tyfus", "krijg de tyfus"),
        ("nie mów rodzicom", "nie mow rodzicom"),
        ("não contes aos teus pais", "nao contes aos teus pais"),
        ("send nudes", "send nudes"),
    ],
)
def test_phrases_match_across_words(matcher: ContentMatcher, text: str, expected: str) -> None:
    found = matcher.scan(normalise(text))
    assert expected in {match.term.text for match in found}


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        ("motherfuckers", "motherfuck*"),
        ("Scheißkerl", "scheiss*"),
        ("wypierdalaj", "wypierdal*"),
        ("cazzata", "cazz*"),
        ("kuthoer", "*hoer"),
        ("bullshit", "*shit"),
    ],
)
def test_stems_match_whole_words_from_one_end(
    matcher: ContentMatcher, text: str, stem: str
) -> None:
    term = matcher.match_word(text)
    assert term is not None
    assert term.text == stem


def test_masked_letters_match_when_half_the_word_shows(matcher: ContentMatcher) -> None:
    assert matcher.match_word("f*ck") is not None
    assert matcher.match_word("sh*t") is not None
    assert matcher.match_word("****") is None
    assert matcher.match_word("f***") is None


def test_numbers_are_not_read_as_leetspeak(matcher: ContentMatcher) -> None:
    assert matcher.scan(normalise("we won 455 to 5h17")) != ()  # a word with letters is read
    assert matcher.scan(normalise("room 455, page 7, 10:30, 3 x 4 = 12")) == ()


def test_double_letters_of_real_words_are_not_collapsed(matcher: ContentMatcher) -> None:
    for word in ["looser", "rapped", "assess", "shiitake", "aas"]:
        assert matcher.match_word(word) is None, word
    assert matcher.match_word("fuuuuck") is not None
    assert matcher.match_word("cuuunt") is not None


def test_hold_terms_are_held_and_categorised(matcher: ContentMatcher) -> None:
    found = matcher.scan(normalise("I want to die, I will kill myself"))
    assert found
    assert {match.severity for match in found} == {Severity.HOLD}
    assert Category.SELF_HARM in {match.term.category for match in found}


def test_strongest_severity_comes_first(matcher: ContentMatcher) -> None:
    found = matcher.scan(normalise("stupid bitch"))
    assert [match.severity for match in found] == [Severity.BLOCK, Severity.HOLD]


def test_teacher_terms_compile_once_per_word_set() -> None:
    banana = Term("banana", Severity.HOLD)
    first = content_matcher(["en"], [banana])
    second = content_matcher(["en"], frozenset([banana]))
    assert first is second
    assert first.match_word("BANANA") is not None
    assert first.match_word("b4n4n4") is not None
    assert content_matcher(["en"]).match_word("banana") is None
    assert content_matcher(["en"]) is not first


def test_teacher_stem_terms_match_word_starts() -> None:
    matcher = content_matcher(["en"], [Term("spoiler*", Severity.BLOCK)])
    term = matcher.match_word("SPOILERS")
    assert term is not None
    assert term.category is Category.CUSTOM


def test_language_selection_limits_the_lists() -> None:
    english = content_matcher(["en"])
    assert english.match_word("kurwa") is None
    assert content_matcher(["pl"]).match_word("kurwa") is not None


def test_an_allowed_word_of_one_language_drops_another_languages_term() -> None:
    # "pede" is Portuguese for "asks"; French lists "pédé". All languages: allowed wins.
    assert content_matcher().match_word("pede") is None
    assert content_matcher(["fr"]).match_word("pédé") is not None


def test_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from moderation.checks import content

    monkeypatch.setattr(content, "MAX_MEMO_WORDS", 50)
    matcher = ContentMatcher(load_wordlist("en").terms)
    for index in range(200):
        matcher.scan(normalise(f"word{index} other{index}"))
    assert len(matcher._clean) + len(matcher._hits) <= 50
    assert matcher.match_word("fuck") is not None
