"""Street addresses: a street word and a house number, in the partners' languages.

Two shapes cover the eight languages:

* **number first** (English, French): "221B Baker Street", "12 rue de la
  Paix", "5 avenue Foch";
* **street first** (German and Dutch compounds, Spanish, Italian,
  Portuguese, Polish, Belgian French): "Hauptstraße 5", "Kerkstraat 12",
  "calle Mayor 3", "C/ Mayor, 3", "Via Roma 10", "Rua Augusta 100",
  "ul. Długa 7/3", "rue de la Loi 16".

Street words are chosen so that a common word does not start an address:
English "way", "court", "place" and "close" are left out ("the best way 2
go"), German "Platz 3" (third place) and Dutch "hof" need a compound. A
number followed by a unit ("via email 3 times", "Strasse 5 km") is no house
number. Postcodes and cities alone are not reported.

The expression is tried only where an address can start (``_starts``, see
``moderation.personal.anchored``): at a house number, at a word that opens a
street name ("calle", "via", "ul."...), and at a compound ending in a street
word ("Hauptstraße", "Kerkstraat"). Its alternation of street words, tried at
every position of the window, cost about 0.6 µs per character.
"""

from __future__ import annotations

import re

from .anchored import Openings, finditer_at, is_word
from .model import PersonalData, PersonalDataKind
from .visible import VisibleText, windows

__all__ = ["find_addresses"]

_NAME = r"(?:[\w'’.-]+\s+){0,4}?"
_HOUSE = r"\d{1,4}\s?[a-zA-Z]?(?:\s?(?:bis|ter))?(?:/\d{1,4})?"
_NOT_A_UNIT = (
    r"(?!\s*(?:times?|minutes?|mins?|hours?|h|days?|weeks?|years?|km|m|cm|kg|g|%|x|"
    r"mal|minuten|stunden|tage|jahre|fois|heures?|jours?|ans|veces|horas?|d[ií]as|años|"
    r"volte|ore|giorni|anni|razy|minut|godzin|dni|lat|vezes|dias|anos|keer|uur|dagen|"
    r"jaar|euros?|eur|€)\b)"
)
_NUMBER_FIRST = (
    rf"(?<![\w/.,:-]){_HOUSE},?\s+(?:"
    r"(?:rue|avenue|av\.|bd|boulevard|chemin|impasse|all[ée]e|quai|route|cours|square)"
    r"\s+(?:(?:de|du|des|la|le|les)\s+)*[\w'’-]+"
    r"|(?:[\w'’-]+\s+){1,3}(?:street|st\.?|road|rd\.?|avenue|ave\.?|lane|ln\.?|drive|"
    r"dr\.?|crescent|terrace|boulevard|blvd\.?|gardens|grove)(?!\w)"
    r")"
)
_STREET_FIRST = (
    r"(?<!\w)(?:"
    r"[\w-]{2,}(?:straße|strasse|str\.|gasse|allee|weg|ring|damm|ufer|chaussee)"
    r"|[\w-]{2,}(?:straat|laan|gracht|plein|kade|dijk|singel|steeg|dreef)"
    r"|(?:calle|c/|avenida|avda\.?|av\.|plaza|pza\.?|paseo|carretera|ctra\.?|camino|ronda|"
    r"traves[ií]a|glorieta)\s+" + _NAME + r"[\w'’-]+"
    r"|(?:via|viale|v\.le|piazza|p\.zza|p\.za|corso|c\.so|vicolo|largo|piazzale|"
    r"lungomare|contrada)\s+" + _NAME + r"[\w'’-]+"
    r"|(?:rua|avenida|travessa|largo|pra[çc]a|estrada|alameda|beco|cal[çc]ada)\s+"
    + _NAME
    + r"[\w'’-]+"
    r"|(?:ul\.|ulica|ulicy|al\.|aleja|alei|pl\.|plac|placu|os\.|osiedle|osiedlu)\s*"
    + _NAME
    + r"[\w'’-]+"
    r"|(?:rue|avenue|boulevard|chaussée|chaussee|place|chemin|quai|impasse)\s+"
    + _NAME
    + r"[\w'’-]+"
    rf"),?\s+(?:n[º°o]\.?\s*)?{_HOUSE}(?!\w)" + _NOT_A_UNIT
)
_ADDRESS = re.compile(f"{_NUMBER_FIRST}|{_STREET_FIRST}", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_BEFORE_NUMBER = 70
"""Characters read before a house number: the street name ("Avenida da Liberdade 10")."""
_AFTER_NUMBER = 45
"""Characters read after it: "12 avenue des Champs-Élysées"."""


def find_addresses(visible: VisibleText) -> list[PersonalData]:
    """Every street address (street word and house number) in the text.

    Only the surroundings of each number are read: an address has one.
    """
    text = visible.text
    numbers = [match.start() for match in _NUMBER.finditer(text)]
    found: list[PersonalData] = []
    for start, end in windows(numbers, _BEFORE_NUMBER, _AFTER_NUMBER, len(text)):
        starts = _starts(visible, numbers, start, end)
        matches = (
            _ADDRESS.finditer(text, start, end)
            if starts is None
            else finditer_at(_ADDRESS, text, starts, end)
        )
        found.extend(
            PersonalData(PersonalDataKind.ADDRESS, visible.span(*match.span())) for match in matches
        )
    return found


_HEADS = (
    # street first, Spanish, Italian, Portuguese, Polish and French (the expression's
    # alternatives, cut where a character class starts)
    "calle", "c/", "avenida", "avda", "av.", "plaza", "pza", "paseo", "carretera",
    "ctra", "camino", "ronda", "traves", "glorieta", "via", "v.le", "piazza", "p.zza",
    "p.za", "corso", "c.so", "vicolo", "largo", "lungomare", "contrada", "rua",
    "pra", "estrada", "alameda", "beco", "cal", "ul.", "ulic", "al.", "ale", "pl.",
    "plac", "os.", "osiedl", "rue", "avenue", "boulevard", "chauss", "place", "chemin",
    "quai", "impasse",
)  # fmt: skip
_COMPOUNDS = (
    "straße", "strasse", "str", "gasse", "allee", "weg", "ring", "damm", "ufer",
    "chaussee", "straat", "laan", "gracht", "plein", "kade", "dijk", "singel", "steeg",
    "dreef",
)  # fmt: skip
"""The endings of German and Dutch street names ("str" for "str.")."""
_OPENINGS = Openings((*_HEADS, *_COMPOUNDS))
_COMPOUND = frozenset(index for index, word in enumerate(_OPENINGS.words) if word in _COMPOUNDS)
_HEAD = frozenset(index for index, word in enumerate(_OPENINGS.words) if word in _HEADS)


def _starts(visible: VisibleText, numbers: list[int], start: int, end: int) -> list[int] | None:
    """Every position of ``[start, end)`` where ``_ADDRESS`` can match, sorted.

    ``None`` when the text has no case-aligned lower form (then the window is
    searched). Number first: at the start of a run of digits. Street first:
    at one of ``_HEADS`` with no word character before it (every alternative
    opens with a letter after ``(?<!\\w)``), or, for a compound, at a position
    with no word character before it in the run of ``[\\w-]`` that one of
    ``_COMPOUNDS`` ends (a comma or a space follows the street word).
    """
    text = visible.text
    lower = visible.aligned_lower
    if lower is None:
        return None
    hits = _OPENINGS.find(lower, start, end)
    if hits is None:
        return None
    starts = [number for number in numbers if start <= number < end]
    for index, first, last in hits:
        if index in _HEAD and (first == 0 or not is_word(text[first - 1])):
            starts.append(first)
        if index in _COMPOUND and (last == len(text) or not _in_run(text[last])):
            run = first
            while run > start and _in_run(text[run - 1]):
                run -= 1
            if run == 0 or not is_word(text[run - 1]):
                starts.append(run)
            hyphen = text.find("-", run, first)
            while hyphen >= 0:
                starts.append(hyphen + 1)
                hyphen = text.find("-", hyphen + 1, first)
    return sorted(set(starts))


def _in_run(char: str) -> bool:
    return char.isalnum() or char in "_-"
