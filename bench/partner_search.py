"""Partner search at network scale: 100,000 teacher profiles and 20,000 posts.

    python bench/partner_search.py            # full run, several minutes
    python bench/partner_search.py --quick    # under a minute, same output shape
    python bench/partner_search.py --engine postgres   # one engine only

For each engine (SQLite in a temporary directory; PostgreSQL in a fresh
database on the loopback server, dropped at the end):

1. generates a network: schools in the participating countries (weighted by
   how active each country is), validated teachers (and a few pending ones),
   profiles and posts whose texts are written in the teacher's language with
   its accents (French, German, Spanish, Italian, Polish, Portuguese, Greek,
   Romanian, Turkish, Czech, Croatian, English), some posts expired or closed,
   3 % of the teachers inactive (last sign-in over a year ago);
2. loads it through ``storage.search.bulk`` (the rows the repositories
   write), then times a full rebuild of the full-text index and reads the
   database's size; the first search then loads the node's in-memory mirror
   of the documents (its time is reported);
3. runs typical partner searches through ``PartnerSearchService.search``
   (the domain's query path: free text of one or two words, in any of those
   languages, with or without accents, often an unfinished last word, plus two
   filters among country, subject, language, pupils' age, school type,
   looking-for-partners and kind, with all facet counts), in several runs, and
   reports the median over the runs of each run's p50 and p99, of wall time
   and of CPU per search (this process and PostgreSQL's server processes,
   read to the nanosecond from ``/proc/<pid>/schedstat``). Text-only and
   landing-page (no text, no filter) searches are reported beside them.

Targets: p99 of the typical search <= 30 ms on each engine. The last line of
standard output is the JSON result (``/work/shared/BENCHMARKS.md``).
"""

from __future__ import annotations

from checkout import use_checkout

REPO = use_checkout()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import AsyncIterator, Awaitable, Callable  # noqa: E402
from contextlib import asynccontextmanager, suppress  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from report import emit, median, percentile, progress, rounded  # noqa: E402

from cluster import SystemClock  # noqa: E402
from community import Principal, vocabulary  # noqa: E402
from community.network.documents import post_document, profile_document  # noqa: E402
from community.network.search import PartnerSearchService  # noqa: E402
from protocol.api.accounts import AccountKind, AccountStatus, SchoolType  # noqa: E402
from protocol.api.network import PostStatus, SearchKind  # noqa: E402
from protocol.ids import SchoolId, UserId  # noqa: E402
from storage import Database, upgrade  # noqa: E402
from storage.records import SchoolRecord  # noqa: E402
from storage.records_network import (  # noqa: E402
    PostFields,
    PostRecord,
    ProfileFields,
    ProfileRecord,
    TeacherCardRecord,
)
from storage.search import SearchRequest, fold  # noqa: E402
from storage.search.bulk import BulkLoader  # noqa: E402

BENCH = "partner_search"
TARGET_P99_MS = 30.0
POSTGRES_URL = os.environ.get(
    "JUMELAGE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
SEED = 20261129
INACTIVE_SHARE = 0.03
"""Teachers whose last sign-in is over a year ago: their profiles are not found."""


@dataclass(frozen=True)
class Scale:
    profiles: int
    posts: int
    teachers_per_school: int
    runs: int
    queries_per_run: int
    warmup_queries: int


FULL = Scale(100_000, 20_000, 4, runs=5, queries_per_run=300, warmup_queries=60)
QUICK = Scale(5_000, 1_000, 4, runs=3, queries_per_run=50, warmup_queries=10)


# -- realistic generated text -------------------------------------------------------

# Project topics, one concept a line, in each language of the generated
# teachers (with its accents); lines are in order of popularity, and topics are
# drawn with Zipf-like weights, so a few topics are common and most are rare,
# as in real profiles. Teachers write in their language and often add a
# sentence in English.
CONCEPTS = """
en|fr|de|es|it|pl|pt|el|ro|tr|cs|hr
climate|climat|Klima|clima|clima|klimat|clima|κλίμα|climă|iklim|klima|klima
water|eau|Wasser|agua|acqua|woda|água|νερό|apă|su|voda|voda
theatre|théâtre|Theater|teatro|teatro|teatr|teatro|θέατρο|teatru|tiyatro|divadlo|kazalište
robots|robots|Roboter|robots|robot|roboty|robôs|ρομπότ|roboți|robotlar|roboti|roboti
coding|codage|Programmieren|programación|programmazione|programowanie|programação|προγραμματισμός|programare|kodlama|programování|programiranje
tales|contes|Märchen|cuentos|fiabe|baśnie|contos|παραμύθια|povești|masallar|pohádky|bajke
music|musique|Musik|música|musica|muzyka|música|μουσική|muzică|müzik|hudba|glazba
forest|forêt|Wald|bosque|foresta|las|floresta|δάσος|pădure|orman|les|šuma
recycling|recyclage|Recycling|reciclaje|riciclo|recykling|reciclagem|ανακύκλωση|reciclare|dönüşüm|recyklace|recikliranje
nutrition|alimentation|Ernährung|alimentación|alimentazione|żywienie|alimentação|διατροφή|alimentație|beslenme|výživa|prehrana
migration|migration|Migration|migración|migrazione|migracja|migração|μετανάστευση|migrație|göç|migrace|migracija
democracy|démocratie|Demokratie|democracia|democrazia|demokracja|democracia|δημοκρατία|democrație|demokrasi|demokracie|demokracija
space|espace|Weltraum|espacio|spazio|kosmos|espaço|διάστημα|spațiu|uzay|vesmír|svemir
bees|abeilles|Bienen|abejas|api|pszczoły|abelhas|μέλισσες|albine|arılar|včely|pčele
oceans|océans|Ozeane|océanos|oceani|oceany|oceanos|ωκεανοί|oceane|okyanuslar|oceány|oceani
poetry|poésie|Gedichte|poesía|poesia|poezja|poesia|ποίηση|poezie|şiir|poezie|poezija
painting|peinture|Malerei|pintura|pittura|malarstwo|pintura|ζωγραφική|pictură|resim|malba|slikarstvo
games|jeux|Spiele|juegos|giochi|gry|jogos|παιχνίδια|jocuri|oyunlar|hry|igre
festivals|fêtes|Feste|fiestas|feste|święta|festas|γιορτές|sărbători|bayramlar|svátky|blagdani
friendship|amitié|Freundschaft|amistad|amicizia|przyjaźń|amizade|φιλία|prietenie|dostluk|přátelství|prijateljstvo
heritage|patrimoine|Kulturerbe|patrimonio|patrimonio|dziedzictwo|património|κληρονομιά|patrimoniu|miras|dědictví|baština
energy|énergie|Energie|energía|energia|energia|energia|ενέργεια|energie|enerji|energie|energija
biodiversity|biodiversité|Artenvielfalt|biodiversidad|biodiversità|bioróżnorodność|biodiversidade|βιοποικιλότητα|biodiversitate|biyoçeşitlilik|biodiverzita|bioraznolikost
cooking|cuisine|Kochen|cocina|cucina|gotowanie|culinária|μαγειρική|gătit|yemek|vaření|kuhanje
sport|sport|Sport|deporte|sport|sport|desporto|αθλητισμός|sport|spor|sport|sport
health|santé|Gesundheit|salud|salute|zdrowie|saúde|υγεία|sănătate|sağlık|zdraví|zdravlje
photography|photographie|Fotografie|fotografía|fotografia|fotografia|fotografia|φωτογραφία|fotografie|fotoğraf|fotografie|fotografija
dance|danse|Tanz|danza|danza|taniec|dança|χορός|dans|dans|tanec|ples
mythology|mythologie|Mythologie|mitología|mitologia|mitologia|mitologia|μυθολογία|mitologie|mitoloji|mytologie|mitologija
castles|châteaux|Burgen|castillos|castelli|zamki|castelos|κάστρα|castele|kaleler|hrady|dvorci
rivers|rivières|Flüsse|ríos|fiumi|rzeki|rios|ποτάμια|râuri|nehirler|řeky|rijeke
mountains|montagnes|Berge|montañas|montagne|góry|montanhas|βουνά|munți|dağlar|hory|planine
birds|oiseaux|Vögel|aves|uccelli|ptaki|aves|πουλιά|păsări|kuşlar|ptáci|ptice
gardens|jardins|Gärten|huertos|orti|ogrody|hortas|κήποι|grădini|bahçeler|zahrady|vrtovi
buildings|bâtiments|Gebäude|edificios|edifici|budynki|edifícios|κτίρια|clădiri|binalar|budovy|zgrade
inventors|inventeurs|Erfinder|inventores|inventori|wynalazcy|inventores|εφευρέτες|inventatori|mucitler|vynálezci|izumitelji
comics|BD|Comics|cómics|fumetti|komiksy|quadrinhos|κόμικς|benzi|karikatür|komiksy|stripovi
cinema|cinéma|Kino|cine|cinema|kino|cinema|κινηματογράφος|cinema|sinema|kino|kino
newspaper|journal|Schülerzeitung|periódico|giornalino|gazetka|jornal|εφημερίδα|revista|gazete|časopis|novine
podcast|podcast|Podcast|pódcast|podcast|podcast|podcast|podcast|podcast|podcast|podcast|podcast
elections|élections|Wahlen|elecciones|elezioni|wybory|eleições|εκλογές|alegeri|seçimler|volby|izbori
rights|droits|Rechte|derechos|diritti|prawa|direitos|δικαιώματα|drepturi|haklar|práva|prava
volcanoes|volcans|Vulkane|volcanes|vulcani|wulkany|vulcões|ηφαίστεια|vulcani|volkanlar|sopky|vulkani
planets|planètes|Planeten|planetas|pianeti|planety|planetas|πλανήτες|planete|gezegenler|planety|planeti
recipes|recettes|Rezepte|recetas|ricette|przepisy|receitas|συνταγές|rețete|tarifler|recepty|recepti
traditions|traditions|Traditionen|tradiciones|tradizioni|tradycje|tradições|παραδόσεις|tradiții|gelenekler|tradice|tradicije
chess|échecs|Schach|ajedrez|scacchi|szachy|xadrez|σκάκι|șah|satranç|šachy|šah
animals|animaux|Tiere|animales|animali|zwierzęta|animais|ζώα|animale|hayvanlar|zvířata|životinje
stars|étoiles|Sterne|estrellas|stelle|gwiazdy|estrelas|αστέρια|stele|yıldızlar|hvězdy|zvijezde
insects|insectes|Insekten|insectos|insetti|owady|insetos|έντομα|insecte|böcekler|hmyz|kukci
plastic|plastique|Plastik|plástico|plastica|plastik|plástico|πλαστικό|plastic|plastik|plast|plastika
olympics|olympiades|Olympiade|olimpiadas|olimpiadi|olimpiada|olimpíadas|ολυμπιάδα|olimpiadă|olimpiyat|olympiáda|olimpijada
""".strip().splitlines()
LANGS = CONCEPTS[0].split("|")
TOPICS: dict[str, list[str]] = {
    lang: [line.split("|")[i] for line in CONCEPTS[1:]] for i, lang in enumerate(LANGS)
}
TOPIC_WEIGHTS = [1 / (rank + 1) ** 0.6 for rank in range(len(CONCEPTS) - 1)]
FRAMES: dict[str, list[str]] = {
    "en": [
        "We would like to work on {a} and {b} with our pupils.",
        "Our class is interested in {a}.",
        "Looking for partners for a project about {a}, {b} and {c}.",
    ],
    "fr": [
        "Nous aimerions travailler sur {a} et {b} avec nos élèves.",
        "Ma classe s'intéresse à {a}.",
        "Nous cherchons des partenaires pour un projet sur {a}, {b} et {c}.",
    ],
    "de": [
        "Wir möchten mit unseren Schülern zu {a} und {b} arbeiten.",
        "Unsere Klasse interessiert sich für {a}.",
        "Wir suchen Partner für ein Projekt über {a}, {b} und {c}.",
    ],
    "es": [
        "Nos gustaría trabajar sobre {a} y {b} con nuestros alumnos.",
        "Mi clase se interesa por {a}.",
        "Buscamos socios para un proyecto sobre {a}, {b} y {c}.",
    ],
    "it": [
        "Vorremmo lavorare su {a} e {b} con i nostri alunni.",
        "La mia classe è interessata a {a}.",
        "Cerchiamo partner per un progetto su {a}, {b} e {c}.",
    ],
    "pl": [
        "Chcielibyśmy pracować nad tematem {a} i {b} z naszymi uczniami.",
        "Moja klasa interesuje się tematem {a}.",
        "Szukamy partnerów do projektu o {a}, {b} i {c}.",
    ],
    "pt": [
        "Gostaríamos de trabalhar sobre {a} e {b} com os nossos alunos.",
        "A minha turma interessa-se por {a}.",
        "Procuramos parceiros para um projeto sobre {a}, {b} e {c}.",
    ],
    "el": [
        "Θα θέλαμε να δουλέψουμε πάνω σε {a} και {b} με τους μαθητές μας.",
        "Η τάξη μας ενδιαφέρεται για {a}.",
        "Αναζητούμε συνεργάτες για ένα έργο για {a}, {b} και {c}.",
    ],
    "ro": [
        "Am dori să lucrăm la {a} și {b} cu elevii noștri.",
        "Clasa mea este interesată de {a}.",
        "Căutăm parteneri pentru un proiect despre {a}, {b} și {c}.",
    ],
    "tr": [
        "Öğrencilerimizle {a} ve {b} üzerine çalışmak istiyoruz.",
        "Sınıfımız {a} ile ilgileniyor.",
        "{a}, {b} ve {c} hakkında bir proje için ortak arıyoruz.",
    ],
    "cs": [
        "Rádi bychom s našimi žáky pracovali na tématu {a} a {b}.",
        "Moje třída se zajímá o {a}.",
        "Hledáme partnery pro projekt o {a}, {b} a {c}.",
    ],
    "hr": [
        "Željeli bismo s našim učenicima raditi na temi {a} i {b}.",
        "Moj razred zanima {a}.",
        "Tražimo partnere za projekt o {a}, {b} i {c}.",
    ],
}
NAMES: dict[str, tuple[list[str], list[str]]] = {
    "en": (
        ["Aoife", "Mary", "Sean", "Liam", "Grace", "Niamh", "Conor", "Emma"],
        ["Murphy", "Kelly", "Borg", "Camilleri", "Walsh", "Byrne", "Farrugia", "Ryan"],
    ),
    "fr": (
        ["Camille", "Léa", "Hugo", "Chloé", "Théo", "Zoé", "Jérôme", "Hélène"],
        ["Martin", "Bernard", "Dubois", "Lefèvre", "Girard", "Bonnet", "Fontaine", "Rousseau"],
    ),
    "de": (
        ["Jonas", "Lea", "Jürgen", "Müge", "Lukas", "Sophie", "Björn", "Käthe"],
        ["Müller", "Schmidt", "Schröder", "Weiß", "Köhler", "Groß", "Becker", "Hoffmann"],
    ),
    "es": (
        ["Lucía", "Martín", "Sofía", "Álvaro", "Inés", "Sergio", "Begoña", "Íñigo"],
        ["García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Núñez"],
    ),
    "it": (
        ["Giulia", "Luca", "Francesca", "Niccolò", "Chiara", "Matteo", "Ilaria", "Nicolò"],
        ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"],
    ),
    "pl": (
        ["Anna", "Łukasz", "Zofia", "Michał", "Małgorzata", "Paweł", "Agnieszka", "Wojciech"],
        [
            "Nowak",
            "Kowalski",
            "Wiśniewska",
            "Wójcik",
            "Kowalczyk",
            "Kamiński",
            "Lewandowska",
            "Zieliński",
        ],
    ),
    "pt": (
        ["João", "Inês", "Gonçalo", "Beatriz", "Tomás", "Leonor", "Rodrigo", "Mariana"],
        ["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Gonçalves", "Simões", "Conceição"],
    ),
    "el": (
        ["Μαρία", "Γιώργος", "Ελένη", "Δημήτρης", "Κατερίνα", "Νίκος", "Σοφία", "Ιωάννης"],
        [
            "Παπαδοπούλου",
            "Παπαδόπουλος",
            "Γεωργίου",
            "Νικολάου",
            "Οικονόμου",
            "Βασιλείου",
            "Ιωάννου",
            "Κωνσταντίνου",
        ],
    ),
    "ro": (
        ["Andreea", "Ștefan", "Ioana", "Mihai", "Alexandra", "Răzvan", "Elena", "Bogdan"],
        [
            "Popescu",
            "Ionescu",
            "Popa",
            "Dumitrescu",
            "Stoica",
            "Stănescu",
            "Munteanu",
            "Constantinescu",
        ],
    ),
    "tr": (
        ["Ayşe", "Mehmet", "Zeynep", "Mustafa", "Elif", "Ahmet", "Gülşen", "Çağrı"],
        ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın"],
    ),
    "cs": (
        ["Jana", "Jiří", "Petra", "Tomáš", "Lucie", "Jakub", "Kateřina", "Ondřej"],
        ["Novák", "Svoboda", "Dvořák", "Černá", "Procházka", "Kučerová", "Veselý", "Horák"],
    ),
    "hr": (
        ["Ivana", "Marko", "Ana", "Luka", "Petra", "Ivan", "Maja", "Tomislav"],
        ["Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak", "Knežević", "Vuković"],
    ),
}
SCHOOL_FRAMES: dict[str, list[str]] = {
    "en": ["St {n}'s National School", "{c} Community College", "{n} Primary School"],
    "fr": ["Collège {n}", "École primaire {n}", "Lycée {n} de {c}"],
    "de": ["Gymnasium {c}", "Grundschule am {n}platz", "Gesamtschule {n}"],
    "es": ["IES {n}", "CEIP {n} de {c}", "Colegio {n}"],
    "it": ["Istituto Comprensivo {n}", "Liceo {n}", "Scuola primaria {c}"],
    "pl": ["Szkoła Podstawowa nr {k} w {c}", "Liceum im. {n}", "Zespół Szkół nr {k}"],
    "pt": ["Escola Básica {n}", "Agrupamento de Escolas de {c}", "Escola Secundária {n}"],
    "el": ["{k}ο Δημοτικό Σχολείο {c}", "{k}ο Γυμνάσιο {c}", "Λύκειο {n}"],
    "ro": ["Școala Gimnazială nr. {k} {c}", "Liceul {n}", "Colegiul Național {n}"],
    "tr": ["{n} İlkokulu", "{c} Anadolu Lisesi", "{n} Ortaokulu"],
    "cs": ["Základní škola {c}", "Gymnázium {n}", "ZŠ a MŠ {n}"],
    "hr": ["Osnovna škola {n}", "Gimnazija {c}", "OŠ {n} {c}"],
}
# Countries weighted roughly by eTwinning activity; each with its language and towns.
COUNTRIES: list[tuple[str, str, int, list[str]]] = [
    ("TR", "tr", 18, ["İstanbul", "Ankara", "İzmir", "Bursa", "Eskişehir", "Çanakkale"]),
    ("PL", "pl", 10, ["Kraków", "Łódź", "Wrocław", "Gdańsk", "Poznań", "Białystok"]),
    ("IT", "it", 10, ["Torino", "Napoli", "Bari", "Cagliari", "Forlì", "Cantù"]),
    ("ES", "es", 9, ["Sevilla", "Málaga", "León", "Cádiz", "Ávila", "Córdoba"]),
    ("RO", "ro", 7, ["Iași", "Brașov", "Cluj-Napoca", "Timișoara", "Constanța", "Pitești"]),
    ("FR", "fr", 6, ["Lyon", "Besançon", "Nîmes", "Orléans", "Créteil", "Saint-Étienne"]),
    ("GR", "el", 6, ["Αθήνα", "Θεσσαλονίκη", "Πάτρα", "Ηράκλειο", "Λάρισα", "Βόλος"]),
    ("PT", "pt", 4, ["Lisboa", "Évora", "Braga", "Setúbal", "Guimarães", "Viseu"]),
    ("UA", "en", 4, ["Kyiv", "Lviv", "Odesa", "Kharkiv"]),
    ("HR", "hr", 3, ["Zagreb", "Split", "Osijek", "Čakovec", "Šibenik"]),
    ("DE", "de", 3, ["Köln", "München", "Lübeck", "Düsseldorf", "Görlitz"]),
    ("CZ", "cs", 2, ["Praha", "Brno", "Plzeň", "České-Budějovice", "Ústí"]),
    ("RS", "hr", 2, ["Beograd", "Novi-Sad", "Niš", "Kragujevac"]),
    ("CY", "el", 1, ["Λευκωσία", "Λεμεσός", "Λάρνακα"]),
    ("IE", "en", 1, ["Dublin", "Cork", "Galway"]),
    ("MT", "en", 1, ["Valletta", "Sliema", "Mosta"]),
    ("AT", "de", 1, ["Wien", "Graz", "Linz"]),
    ("BE", "fr", 1, ["Liège", "Namur", "Bruxelles"]),
    ("SK", "cs", 1, ["Bratislava", "Košice", "Žilina"]),
    ("MD", "ro", 1, ["Chișinău", "Bălți", "Orhei"]),
    ("AZ", "en", 1, ["Baku", "Ganja", "Shaki"]),
    ("GE", "en", 1, ["Tbilisi", "Kutaisi", "Batumi"]),
]
NATIVE_LANGUAGE = {"el": "el", "en": "en"}
SCHOOL_TYPES: list[tuple[SchoolType, int, tuple[int, int]]] = [
    (SchoolType.PRIMARY, 35, (6, 11)),
    (SchoolType.LOWER_SECONDARY, 30, (11, 15)),
    (SchoolType.UPPER_SECONDARY, 18, (15, 19)),
    (SchoolType.VOCATIONAL, 8, (15, 19)),
    (SchoolType.PRE_PRIMARY, 6, (3, 6)),
    (SchoolType.SPECIAL_NEEDS, 3, (6, 18)),
]
SUBJECT_WEIGHTS = {
    "foreign_languages": 14,
    "mother_tongue": 8,
    "history": 6,
    "mathematics": 7,
    "primary_all": 8,
    "ict": 6,
    "natural_sciences": 5,
    "biology": 4,
    "geography": 4,
    "visual_arts": 4,
    "music": 3,
    "environment": 5,
    "citizenship": 3,
    "physics": 3,
    "chemistry": 2,
    "physical_education": 3,
    "early_childhood": 4,
    "technology": 3,
    "drama": 2,
    "religion_ethics": 1,
    "philosophy": 1,
    "economics": 2,
    "special_needs": 2,
    "vocational": 3,
    "media_literacy": 2,
    "school_library": 1,
    "european_studies": 2,
    "entrepreneurship": 1,
    "health": 1,
}
SPOKEN_EXTRA = [("en", 70), ("fr", 12), ("de", 10), ("es", 10), ("it", 6), ("ru", 5)]


def weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs], k=1)[0]


def language_code(lang: str) -> str:
    """The ISO 639-1 code of a text pool."""
    return NATIVE_LANGUAGE.get(lang, lang)


def topic(rng: random.Random, lang: str) -> str:
    return rng.choices(TOPICS[lang], weights=TOPIC_WEIGHTS, k=1)[0]


def sentence(rng: random.Random, lang: str) -> str:
    return rng.choice(FRAMES[lang]).format(
        a=topic(rng, lang), b=topic(rng, lang), c=topic(rng, lang)
    )


def paragraph(rng: random.Random, lang: str, sentences: int) -> str:
    parts = [sentence(rng, lang) for _ in range(sentences)]
    if lang != "en" and rng.random() < 0.3:
        parts.append(sentence(rng, "en"))
    return " ".join(parts)


def subjects_of(rng: random.Random, count: int) -> tuple[str, ...]:
    pairs = list(SUBJECT_WEIGHTS.items())
    return tuple(dict.fromkeys(weighted(rng, pairs) for _ in range(count)))


@dataclass
class Network:
    schools: list[SchoolRecord]
    school_lang: dict[str, str]
    teachers: list[TeacherCardRecord]
    profiles: list[ProfileRecord]
    posts: list[PostRecord]


def generate(scale: Scale, now: datetime) -> Network:
    """A deterministic network of the given size."""
    rng = random.Random(SEED)
    logins = random.Random(SEED + 2)  # apart, so the rest of the network is as before
    country_pairs = [((code, lang, towns), w) for code, lang, w, towns in COUNTRIES]
    type_pairs = [((t, ages), w) for t, w, ages in SCHOOL_TYPES]
    schools: list[SchoolRecord] = []
    school_lang: dict[str, str] = {}
    for index in range(max(1, scale.profiles // scale.teachers_per_school)):
        code, lang, towns = weighted(rng, country_pairs)
        school_type, ages = weighted(rng, type_pairs)
        town = rng.choice(towns).replace("-", " ")
        surname = rng.choice(NAMES[lang][1])
        name = rng.choice(SCHOOL_FRAMES[lang]).format(n=surname, c=town, k=1 + index % 40)
        school_id = SchoolId(f"s{index:07d}")
        schools.append(
            SchoolRecord(
                id=school_id,
                name=name,
                country_code=code,
                city=town,
                school_type=school_type.value,
                age_min=ages[0],
                age_max=ages[1],
                languages=(language_code(lang), "en"),
                created_at=now,
            )
        )
        school_lang[school_id] = lang
    teachers: list[TeacherCardRecord] = []
    profiles: list[ProfileRecord] = []
    for index in range(scale.profiles):
        school = schools[rng.randrange(len(schools))]
        lang = school_lang[school.id]
        first, last = NAMES[lang]
        status = AccountStatus.VALIDATED if rng.random() < 0.96 else AccountStatus.PENDING
        teacher = TeacherCardRecord(
            user_id=UserId(f"t{index:07d}"),
            full_name=f"{rng.choice(first)} {rng.choice(last)}",
            status=status,
            school_id=school.id,
            school_name=school.name,
            city=school.city,
            country_code=school.country_code,
            school_type=school.school_type,
            last_login_at=now - timedelta(days=logins.uniform(0, 365 / (1 - INACTIVE_SHARE))),
        )
        spoken = {language_code(lang)} | {
            code for code, share in SPOKEN_EXTRA if rng.random() * 100 < share
        }
        low = rng.randint(school.age_min, school.age_max)
        high = min(school.age_max, low + rng.randint(1, 4))
        fields = ProfileFields(
            bio=paragraph(rng, lang, rng.randint(1, 2)),
            subjects=subjects_of(rng, rng.randint(1, 3)),
            languages=tuple(sorted(spoken)),
            interests=tuple(
                dict.fromkeys(
                    topic(rng, rng.choice([lang, "en"])) for _ in range(rng.randint(1, 2))
                )
            ),
            age_min=low,
            age_max=max(low, high),
            looking_for_partners=rng.random() < 0.45,
        )
        teachers.append(teacher)
        profiles.append(ProfileRecord(teacher.user_id, fields, now))
    posts: list[PostRecord] = []
    all_codes = [c[0] for c in COUNTRIES]
    for index in range(scale.posts):
        author = teachers[rng.randrange(len(teachers))]
        lang = school_lang[author.school_id]
        created = now - timedelta(days=rng.uniform(0, 200))
        expires = created + timedelta(days=rng.choice([60, 120, 180, 180, 365]))
        closed = rng.random() < 0.08
        low = rng.randint(6, 16)
        posts.append(
            PostRecord(
                id=f"p{index:07d}",
                author_id=author.user_id,
                fields=PostFields(
                    title=" – ".join(topic(rng, lang) for _ in range(2)).capitalize(),
                    description=paragraph(rng, lang, rng.randint(2, 4)),
                    subjects=subjects_of(rng, rng.randint(1, 3)),
                    languages=tuple(dict.fromkeys(("en", language_code(lang)))),
                    age_min=low,
                    age_max=low + rng.randint(1, 4),
                    wanted_countries=tuple(rng.sample(all_codes, rng.choice([0, 0, 1, 2, 3]))),
                ),
                status=PostStatus.CLOSED if closed else PostStatus.OPEN,
                created_at=created,
                updated_at=created,
                expires_at=expires,
                closed_at=created + timedelta(days=5) if closed else None,
            )
        )
    return Network(schools, school_lang, teachers, profiles, posts)


# -- the queries -----------------------------------------------------------------------


def typed_word(rng: random.Random, word: str) -> str:
    """A word as people type it: often without accents, sometimes in capitals."""
    roll = rng.random()
    if roll < 0.35:
        return fold(word)
    if roll < 0.45:
        return word.upper()
    return word


def search_text(rng: random.Random) -> str:
    """One or two topic words in one language; often the last one unfinished."""
    lang = rng.choice(LANGS)
    words = [typed_word(rng, topic(rng, lang).split()[0]) for _ in range(rng.choice([1, 1, 2]))]
    text = " ".join(words)
    if rng.random() < 0.4 and len(words[-1]) > 4:
        text = text[: len(text) - rng.randint(1, len(words[-1]) - 3)]
    return text


def filter_makers(rng: random.Random) -> list[Callable[[], dict[str, Any]]]:
    """Each makes one filter, with values drawn as often as they occur."""
    countries = [(code, weight) for code, _, weight, _ in COUNTRIES]
    subjects = list(SUBJECT_WEIGHTS.items())
    languages = [(language_code(lang), 4) for lang in LANGS] + [("en", 30)]
    school_types = [(kind.value, weight) for kind, weight, _ in SCHOOL_TYPES]

    def ages() -> dict[str, Any]:
        low = rng.randint(5, 16)
        return {"age_min": low, "age_max": low + rng.randint(1, 3)}

    return [
        lambda: {"countries": (weighted(rng, countries),)},
        lambda: {"subjects": (weighted(rng, subjects),)},
        lambda: {"languages": (weighted(rng, languages),)},
        ages,
        lambda: {"school_types": (weighted(rng, school_types),)},
        lambda: {"looking_for_partners": True},
        lambda: {"kind": rng.choice([SearchKind.PROFILE, SearchKind.POST])},
    ]


def typical_queries(rng: random.Random, count: int) -> list[SearchRequest]:
    """Free text and two different filters (facets are always counted)."""
    makers = filter_makers(rng)
    queries = []
    for _ in range(count):
        fields: dict[str, Any] = {"text": search_text(rng)}
        for make in rng.sample(makers, 2):
            fields.update(make())
        queries.append(SearchRequest(**fields))
    return queries


def text_only_queries(rng: random.Random, count: int) -> list[SearchRequest]:
    return [SearchRequest(text=search_text(rng)) for _ in range(count)]


# -- the engines ---------------------------------------------------------------------

Sizer = Callable[[Database], Awaitable[int]]


def postgres_unreachable(url: str) -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "::1"):
        return f"{host} is not on loopback"
    try:
        with socket.create_connection((host, parts.port or 5432), timeout=1.0):
            return None
    except OSError as exc:
        return f"not reachable at {parts.netloc}: {exc}"


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[tuple[str, Sizer]]:
    """A database file in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="jumelage-bench-search-") as tmp:

        async def size(db: Database) -> int:
            async with db.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                pages = (await conn.exec_driver_sql("PRAGMA page_count")).scalar_one()
                page_size = (await conn.exec_driver_sql("PRAGMA page_size")).scalar_one()
            return int(pages) * int(page_size)

        yield f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}", size


@asynccontextmanager
async def postgres_database() -> AsyncIterator[tuple[str, Sizer]]:
    """A fresh database on the loopback server, dropped afterwards."""
    name = f"jumelage_bench_search_{os.getpid()}_{secrets.token_hex(3)}"

    async def admin(sql: str) -> None:
        db = Database(POSTGRES_URL)
        try:
            async with db.engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql(sql)
        finally:
            await db.close()

    async def size(db: Database) -> int:
        async with db.engine.connect() as conn:
            result = await conn.exec_driver_sql("SELECT pg_database_size(current_database())")
            return int(result.scalar_one())

    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name, size
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        progress(f"dropped PostgreSQL database {name}")


async def load(db: Database, network: Network, now: datetime) -> dict[str, float]:
    """Fill the database; return the seconds each step took."""
    terms = vocabulary()
    loader = BulkLoader(db, now)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    await loader.add_schools(network.schools)
    await loader.add_teachers(network.teachers)
    await loader.add_profiles(network.profiles)
    await loader.add_posts(network.posts)
    timings["load_rows_s"] = time.perf_counter() - started
    by_id = {t.user_id: t for t in network.teachers}
    started = time.perf_counter()
    documents = [profile_document(by_id[p.user_id], p.fields, terms) for p in network.profiles]
    documents += [
        post_document(p, by_id[p.author_id], terms)
        for p in network.posts
        if p.status is PostStatus.OPEN
    ]
    await loader.add_documents(documents)
    timings["load_documents_s"] = time.perf_counter() - started
    started = time.perf_counter()
    async with db.transaction("bench.rebuild") as uow:
        await uow.search.rebuild()
    timings["index_build_s"] = time.perf_counter() - started
    async with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            # The bulk load and the rebuild leave a dead version of each
            # document row behind (the texts' trigger updates it): compact.
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM FULL network_search_docs")
            await autocommit.exec_driver_sql("VACUUM ANALYZE")
        else:
            await conn.exec_driver_sql("ANALYZE")
            await conn.commit()
    return timings


def process_cpu_s(pid: int) -> float:
    """CPU seconds a process has run, to the nanosecond (``/proc/<pid>/schedstat``;
    ``/proc/<pid>/stat`` counts in 10 ms ticks, too coarse for one search)."""
    with open(f"/proc/{pid}/schedstat") as stat:
        return int(stat.read().split()[0]) / 1e9


class CpuMeter:
    """CPU spent on searches: this process (with SQLite's thread) and, on
    PostgreSQL, the server processes serving this benchmark's connections.
    CPU time, unlike wall time, does not count the waits for a busy core."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._backends: list[int] = []

    async def start(self) -> None:
        if self._db.dialect == "postgresql":
            async with self._db.engine.connect() as conn:
                result = await conn.exec_driver_sql(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                )
                self._backends = [int(pid) for pid in result.scalars()]

    def read(self) -> float:
        total = time.process_time()
        for pid in self._backends:
            with suppress(OSError):  # a backend that went away (pool recycling)
                total += process_cpu_s(pid)
        return total


@dataclass
class Timing:
    """Wall-clock latencies and CPU of each search of a batch, and result counts."""

    latencies_ms: list[float]
    cpu_ms: list[float]
    totals: list[int]

    @property
    def cpu_ms_per_query(self) -> float:
        return sum(self.cpu_ms) / len(self.cpu_ms)


async def run_queries(
    service: PartnerSearchService, meter: CpuMeter, requests: list[SearchRequest]
) -> Timing:
    actor = Principal(UserId("t0000001"), AccountKind.TEACHER, AccountStatus.VALIDATED, None, None)
    timing = Timing([], [], [])
    for request in requests:
        cpu_before = meter.read()
        started = time.perf_counter()
        page = await service.search(actor, request, cursor=None, limit=20)
        timing.latencies_ms.append((time.perf_counter() - started) * 1000)
        timing.cpu_ms.append((meter.read() - cpu_before) * 1000)
        timing.totals.append(page.total)
    return timing


async def measure(engine: str, scale: Scale, network: Network, now: datetime) -> dict[str, Any]:
    """Load one engine, then run the searches; figures keyed without the engine."""
    opener = sqlite_database if engine == "sqlite" else postgres_database
    async with opener() as (url, size_of):
        db = Database(url, pool_size=2)
        try:
            progress(f"{engine}: migrating, then loading {scale.profiles} profiles")
            await upgrade(db)
            figures: dict[str, Any] = dict(await load(db, network, now))
            figures["database_mb"] = await size_of(db) / 1e6
            progress(
                f"{engine}: loaded in {figures['load_rows_s'] + figures['load_documents_s']:.0f} s,"
                f" index rebuilt in {figures['index_build_s']:.1f} s"
            )
            service = PartnerSearchService(db=db, clock=SystemClock(), vocabulary=vocabulary())
            meter = CpuMeter(db)
            rng = random.Random(SEED + 1)
            # The first search loads this node's mirror of the documents.
            started = time.perf_counter()
            await run_queries(service, meter, [SearchRequest()])
            figures["mirror_load_s"] = time.perf_counter() - started
            await run_queries(service, meter, typical_queries(rng, scale.warmup_queries))
            await meter.start()
            kinds: dict[str, list[Timing]] = {"typical": [], "text_only": [], "landing": []}
            loads: list[float] = []
            for run in range(scale.runs):
                typical = await run_queries(
                    service, meter, typical_queries(rng, scale.queries_per_run)
                )
                kinds["typical"].append(typical)
                kinds["text_only"].append(
                    await run_queries(
                        service, meter, text_only_queries(rng, scale.queries_per_run // 5)
                    )
                )
                kinds["landing"].append(await run_queries(service, meter, [SearchRequest()] * 10))
                loads.append(round(os.getloadavg()[0], 1))
                progress(
                    f"{engine}: run {run + 1}/{scale.runs}: typical p50 "
                    f"{percentile(typical.latencies_ms, 50):.1f} ms, p99 "
                    f"{percentile(typical.latencies_ms, 99):.1f} ms, "
                    f"CPU {typical.cpu_ms_per_query:.1f} ms a search (p99 "
                    f"{percentile(typical.cpu_ms, 99):.1f}), load {os.getloadavg()[0]:.1f}"
                )
            for kind, timings in kinds.items():
                p50s = [percentile(t.latencies_ms, 50) for t in timings]
                p99s = [percentile(t.latencies_ms, 99) for t in timings]
                figures[f"{kind}_p50_ms"] = median(p50s)
                figures[f"{kind}_p99_ms"] = median(p99s)
                figures[f"{kind}_p99_runs_ms"] = [rounded(v) for v in p99s]
                figures[f"{kind}_cpu_ms_per_query"] = median(t.cpu_ms_per_query for t in timings)
                figures[f"{kind}_cpu_p50_ms"] = median(percentile(t.cpu_ms, 50) for t in timings)
                figures[f"{kind}_cpu_p99_ms"] = median(percentile(t.cpu_ms, 99) for t in timings)
            figures["load_average_runs"] = loads
            totals = [n for t in kinds["typical"] for n in t.totals]
            figures["typical_results_median"] = median(totals)
            figures["typical_results_p90"] = percentile(totals, 90)
            return {
                key: value if isinstance(value, list) else rounded(value)
                for key, value in figures.items()
            }
        finally:
            await db.close()


async def main(args: argparse.Namespace) -> None:
    scale = QUICK if args.quick else FULL
    now = datetime.now(UTC)
    progress(f"generating {scale.profiles} profiles and {scale.posts} posts")
    network = generate(scale, now)
    engines = [e for e in ("sqlite", "postgres") if e in args.engine]
    reason = postgres_unreachable(POSTGRES_URL) if "postgres" in engines else "not asked"
    if reason is not None and "postgres" in engines:
        engines.remove("postgres")
        progress(f"PostgreSQL skipped: {reason}")
    figures: dict[str, Any] = {
        "profiles": scale.profiles,
        "posts": scale.posts,
        "runs": scale.runs,
        "queries_per_run": scale.queries_per_run,
        "load_average_start": round(os.getloadavg()[0], 1),
    }
    targets: list[dict[str, Any]] = []
    for engine in engines:
        measured = await measure(engine, scale, network, now)
        figures.update({f"{engine}_{key}": value for key, value in measured.items()})
        targets.append(
            {
                "name": f"{engine}_typical_p99_ms",
                "value": measured["typical_p99_ms"],
                "limit": TARGET_P99_MS,
                "better": "lower",
            }
        )
    if reason is not None:
        figures["postgres"] = f"skipped: {reason}"
    figures["load_average_end"] = round(os.getloadavg()[0], 1)
    emit(BENCH, figures, targets)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer runs (< 1 min)")
    parser.add_argument(
        "--engine",
        action="append",
        choices=("sqlite", "postgres"),
        help="measure only this engine (repeatable; both by default)",
    )
    arguments = parser.parse_args()
    arguments.engine = arguments.engine or ["sqlite", "postgres"]
    asyncio.run(main(arguments))
