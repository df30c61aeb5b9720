"""The demo's networking step: profiles, contacts and partner-finding posts.

Every demo teacher fills in a profile in their own language; partner
teachers become contacts (one request is left waiting, so the incoming list
is not empty); a few teachers post project ideas in French, German, Italian,
Polish and Spanish. Everything goes through the domain services, so partner
search finds all of it at once. The project step adds the contact between
the Lyon and Köln teachers itself.
"""

from __future__ import annotations

from collections.abc import Callable

from community import PostDraft, Principal, ProfileDraft
from storage.records_network import PostFields

from .services import Services

PROFILES: dict[str, ProfileDraft] = {
    "camille.martin": ProfileDraft(
        bio="Professeure d'anglais au collège. Mes élèves de 5e adorent le théâtre et "
        "les échanges de lettres avec d'autres classes européennes.",
        subjects=("foreign_languages", "drama"),
        languages=("fr", "en", "de"),
        interests=("théâtre", "correspondance", "fleuves"),
        age_min=11,
        age_max=13,
        looking_for_partners=True,
    ),
    "hugo.bernard": ProfileDraft(
        bio="Professeur de sciences de la vie et de la Terre ; projets sur l'eau et le climat.",
        subjects=("biology", "environment"),
        languages=("fr", "en"),
        interests=("climat", "jardin pédagogique"),
        age_min=12,
        age_max=15,
        looking_for_partners=True,
    ),
    "lea.petit": ProfileDraft(
        bio="Maîtresse de CM1 à Lille. Nous aimons les contes et les jeux mathématiques.",
        subjects=("primary_all", "mathematics"),
        languages=("fr", "en"),
        interests=("contes", "jeux mathématiques"),
        age_min=9,
        age_max=10,
        looking_for_partners=True,
    ),
    "jonas.mueller": ProfileDraft(
        bio="Ich unterrichte Erdkunde und Englisch. Meine 7a arbeitet gern an Projekten "
        "über Flüsse, Klima und Europa.",
        subjects=("geography", "foreign_languages"),
        languages=("de", "en", "fr"),
        interests=("Flüsse", "Klimaschutz"),
        age_min=12,
        age_max=13,
        looking_for_partners=False,
    ),
    "giulia.rossi": ProfileDraft(
        bio="Insegno italiano e storia. Con la mia 2B facciamo podcast e fumetti.",
        subjects=("mother_tongue", "history"),
        languages=("it", "en", "es"),
        interests=("podcast", "fumetti"),
        age_min=12,
        age_max=13,
        looking_for_partners=True,
    ),
    "anna.nowak": ProfileDraft(
        bio="Uczę języka angielskiego i informatyki. Lubimy programowanie i roboty.",
        subjects=("foreign_languages", "ict"),
        languages=("pl", "en"),
        interests=("programowanie", "robotyka"),
        age_min=10,
        age_max=14,
        looking_for_partners=True,
    ),
    "lucia.garcia": ProfileDraft(
        bio="Profesora de biología en un instituto de Sevilla; trabajamos el medio ambiente "
        "y la alimentación saludable.",
        subjects=("biology", "health"),
        languages=("es", "en", "fr"),
        interests=("alimentación", "huerto escolar"),
        age_min=14,
        age_max=17,
        looking_for_partners=True,
    ),
}

CONTACTS = (
    ("lea.petit", "giulia.rossi"),
    ("anna.nowak", "lucia.garcia"),
    ("hugo.bernard", "lucia.garcia"),
)
"""Pairs of (requester, addressee) who become contacts."""
WAITING_REQUEST = ("hugo.bernard", "anna.nowak")
"""A request left for its addressee to answer."""

POSTS: dict[str, tuple[PostFields, ...]] = {
    "hugo.bernard": (
        PostFields(
            title="Le climat de nos villes / The climate of our towns",
            description="Nos élèves de 4e mesurent la température et la pluie pendant un "
            "trimestre et comparent leurs données avec une classe partenaire.",
            subjects=("environment", "natural_sciences"),
            languages=("fr", "en"),
            age_min=13,
            age_max=15,
            wanted_countries=("DE", "ES", "PL"),
        ),
    ),
    "jonas.mueller": (
        PostFields(
            title="Flüsse Europas im Podcast",
            description="Wir suchen eine Partnerklasse, die mit uns einen zweisprachigen "
            "Podcast über ihren Fluss aufnimmt (Deutsch oder Französisch und Englisch).",
            subjects=("geography", "media_literacy"),
            languages=("de", "en", "fr"),
            age_min=12,
            age_max=14,
            wanted_countries=(),
        ),
    ),
    "giulia.rossi": (
        PostFields(
            title="Fumetti sulla storia locale",
            description="Cerchiamo partner per raccontare a fumetti la storia della nostra "
            "città; lingua di lavoro: inglese, anche spagnolo.",
            subjects=("history", "visual_arts"),
            languages=("it", "en", "es"),
            age_min=11,
            age_max=14,
            wanted_countries=("ES", "PL"),
        ),
    ),
    "anna.nowak": (
        PostFields(
            title="Roboty i programowanie – wspólne wyzwania",
            description="Szukamy szkół partnerskich do comiesięcznych wyzwań z robotyki "
            "i programowania, po angielsku.",
            subjects=("ict", "technology"),
            languages=("pl", "en"),
            age_min=10,
            age_max=14,
            wanted_countries=(),
        ),
    ),
    "lucia.garcia": (
        PostFields(
            title="Huertos escolares en Europa",
            description="Buscamos institutos que cultiven un huerto escolar para compartir "
            "recetas saludables y datos de las cosechas.",
            subjects=("biology", "health", "environment"),
            languages=("es", "en"),
            age_min=14,
            age_max=17,
            wanted_countries=("FR", "IT", "PT"),
        ),
    ),
}


async def load_demo_network(
    services: Services,
    *,
    email: Callable[[str], str],
    password: str,
    client: str,
    progress: Callable[[str], None],
) -> None:
    """Profiles for every demo teacher, contacts between partners, a few posts.

    Args:
        email: Turns a demo e-mail local part into the address.
    """
    progress("[network] teachers' profiles, contacts and partner-finding posts")
    sessions, network = services.accounts.sessions, services.network
    teachers: dict[str, Principal] = {}
    for local in PROFILES:
        signed = await sessions.login(email(local), password, client=client)
        teachers[local] = await sessions.authenticate(signed.access_token)
    for local, draft in PROFILES.items():
        me = teachers[local]
        await network.profiles.save_profile(me, me.user_id, draft)
    for requester, addressee in CONTACTS:
        await network.contacts.request(teachers[requester], teachers[addressee].user_id)
        await network.contacts.accept(teachers[addressee], teachers[requester].user_id)
    requester, addressee = WAITING_REQUEST
    await network.contacts.request(teachers[requester], teachers[addressee].user_id)
    for local, posts in POSTS.items():
        for fields in posts:
            await network.posts.create_post(teachers[local], PostDraft(fields, None))
