"""``jumelage demo`` fills the networking area: profiles, contacts, posts in several languages."""

from __future__ import annotations

from protocol.api.network import ContactList, SearchKind
from server.demo import DEMO_PASSWORD, load_demo
from server.demo_network import POSTS, PROFILES
from storage.search import SearchRequest


async def sign_in(services, local: str):
    sessions = services.accounts.sessions
    signed = await sessions.login(f"{local}@demo.jumelage.example", DEMO_PASSWORD, client="t")
    return await sessions.authenticate(signed.access_token)


async def test_demo_teachers_have_profiles_contacts_and_posts(services, app_client):
    await load_demo(services, lambda _line: None)
    lea = await sign_in(services, "lea.petit")
    network = services.network

    everyone = await network.search.search(
        lea, SearchRequest(kind=SearchKind.PROFILE), cursor=None, limit=50
    )
    assert everyone.total == len(PROFILES) == 7
    posts = await network.search.search(
        lea, SearchRequest(kind=SearchKind.POST), cursor=None, limit=50
    )
    assert posts.total == sum(len(p) for p in POSTS.values())
    languages = {f.value for f in posts.facets["language"]}
    assert {"fr", "de", "it", "pl", "es"} <= languages

    contacts = await network.contacts.list_contacts(lea)
    assert [c.other.full_name for c in contacts.items] == ["Giulia Rossi"]
    anna = await sign_in(services, "anna.nowak")
    waiting = await network.contacts.list_contacts(anna, ContactList.INCOMING)
    assert [c.other.full_name for c in waiting.items] == ["Hugo Bernard"]

    found = await network.search.search(lea, SearchRequest(text="huerto"), cursor=None, limit=5)
    # The post has the word in its title, Lucía's profile in her interests.
    assert [h.title for h in found.hits] == ["Huertos escolares en Europa", "Lucía García"]
