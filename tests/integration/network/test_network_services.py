"""Profiles, posts and search through the domain services, on both databases.

These check that every write keeps partner search in step (profile saved,
post created, changed, closed or deleted, teacher suspended or reinstated)
and the rules the HTTP tests do not reach.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from community import PostChanges, PostDraft, ProfileDraft
from community.clock import utc_now
from protocol import ErrorCode
from protocol.api.accounts import AccountStatus
from protocol.api.network import SearchKind
from protocol.errors import CodedError
from storage.records_network import PostFields
from storage.search import SearchRequest
from tests.support import Actor, World

DRAFT = ProfileDraft(
    bio="Nous faisons du théâtre avec des élèves de CM2.",
    subjects=("mathematics", "drama"),
    languages=("fr", "en"),
    interests=("robotique",),
    age_min=9,
    age_max=11,
    looking_for_partners=True,
)
POST = PostFields(
    title="Jardins partagés",
    description="Un potager dans chaque école, des recettes échangées.",
    subjects=("environment",),
    languages=("fr", "en"),
    age_min=8,
    age_max=11,
    wanted_countries=("DE",),
)


async def expect_code(code: ErrorCode, awaitable) -> CodedError:
    with pytest.raises(CodedError) as caught:
        await awaitable
    assert caught.value.code is code
    return caught.value


async def found(world: World, actor: Actor, text: str = "", **filters) -> list[str]:
    page = await world.services.network.search.search(
        actor.principal, SearchRequest(text=text, **filters), cursor=None, limit=50
    )
    return [hit.ref_id for hit in page.hits]


async def test_saved_profile_is_found_by_its_words_labels_and_school(world: World):
    alice = await world.teacher(country="PL", school_name="Szkoła Podstawowa w Łodzi")
    bruno = await world.teacher(country="DE")
    await world.services.network.profiles.save_profile(alice.principal, alice.user_id, DRAFT)

    assert await found(world, bruno, "theatre eleves") == [alice.user_id]
    assert await found(world, bruno, "Mathematik") == [alice.user_id]  # a subject keyword
    assert await found(world, bruno, "polish") == []  # languages she did not list
    assert await found(world, bruno, "lodzi") == [alice.user_id]  # the school's name
    assert await found(world, bruno, "robot") == [alice.user_id]  # prefix of an interest
    assert await found(world, bruno, countries=("PL",), subjects=("drama",)) == [alice.user_id]


async def test_saving_again_replaces_what_search_finds(world: World):
    alice = await world.teacher()
    profiles = world.services.network.profiles
    await profiles.save_profile(alice.principal, alice.user_id, DRAFT)
    await profiles.save_profile(
        alice.principal, alice.user_id, replace(DRAFT, bio="Astronomie", subjects=("physics",))
    )
    assert await found(world, alice, "theatre") == []
    assert await found(world, alice, "astronomie") == [alice.user_id]
    assert await found(world, alice, subjects=("drama",)) == []


async def test_someone_elses_profile_cannot_be_saved(world: World):
    alice = await world.teacher()
    bruno = await world.teacher()
    profiles = world.services.network.profiles
    await expect_code(
        ErrorCode.FORBIDDEN, profiles.save_profile(bruno.principal, alice.user_id, DRAFT)
    )
    assert (await profiles.get_profile(bruno.principal, alice.user_id)).updated_at is None
    assert await found(world, bruno, "theatre") == []


async def test_profiles_refuse_pending_teachers_and_pupils(world: World):
    alice = await world.teacher()
    pending = await world.teacher(validated=False)
    pupil = await world.pupil(alice)
    profiles = world.services.network.profiles
    await expect_code(
        ErrorCode.ACCOUNT_NOT_ACTIVE,
        profiles.save_profile(pending.principal, pending.user_id, DRAFT),
    )
    await expect_code(ErrorCode.FORBIDDEN, profiles.get_profile(pupil.principal, alice.user_id))
    await expect_code(
        ErrorCode.FORBIDDEN,
        world.services.network.search.search(
            pupil.principal, SearchRequest(), cursor=None, limit=5
        ),
    )


async def test_suspension_hides_a_teacher_everywhere_until_reinstated(world: World):
    alice = await world.teacher()
    bruno = await world.teacher()
    network = world.services.network
    await network.profiles.save_profile(alice.principal, alice.user_id, DRAFT)
    post = await network.posts.create_post(alice.principal, PostDraft(POST, None))
    admin = await world.platform_admin()
    validation = world.services.accounts.validation

    await validation.decide(admin.principal, alice.user_id, AccountStatus.SUSPENDED, reason="x")
    assert await found(world, bruno, "theatre") == []
    assert await found(world, bruno, "jardins") == []
    await expect_code(
        ErrorCode.NOT_FOUND, network.profiles.get_profile(bruno.principal, alice.user_id)
    )
    await expect_code(ErrorCode.NOT_FOUND, network.posts.get_post(bruno.principal, post.post.id))

    await validation.decide(admin.principal, alice.user_id, AccountStatus.VALIDATED, reason="x")
    assert await found(world, bruno, "theatre") == [alice.user_id]
    assert await found(world, bruno, "jardins") == [post.post.id]


async def test_a_year_without_signing_in_hides_a_profile_until_the_next_sign_in(world: World):
    alice = await world.teacher()
    bruno = await world.teacher()
    network = world.services.network
    await network.profiles.save_profile(alice.principal, alice.user_id, DRAFT)
    post = await network.posts.create_post(
        alice.principal, PostDraft(replace(POST, title="Théâtre partagé"), None)
    )
    day = 24 * 3600

    world.clock.advance(364 * day)
    page = await world.services.network.search.search(
        bruno.principal,
        SearchRequest(text="theatre", kind=SearchKind.PROFILE),
        cursor=None,
        limit=5,
    )
    assert [hit.ref_id for hit in page.hits] == [alice.user_id]
    assert page.hits[0].expires_at is None  # a profile's hit tells nothing of its last sign-in

    world.clock.advance(2 * day)
    assert await found(world, bruno, "theatre") == []  # the post expired too (180 days)
    assert await found(world, bruno, kind=SearchKind.PROFILE) == []
    await expect_code(
        ErrorCode.NOT_FOUND, network.profiles.get_profile(bruno.principal, alice.user_id)
    )
    own = await network.profiles.get_profile(alice.principal, alice.user_id)
    assert own.fields.bio == DRAFT.bio  # the teacher still sees their own

    await world.sign_in(alice.login, alice.password)
    assert await found(world, bruno, "theatre") == [alice.user_id]
    assert (await network.profiles.get_profile(bruno.principal, alice.user_id)).fields == (
        own.fields
    )
    assert post.post.id not in await found(world, bruno, "partage")


async def test_post_changes_keep_search_in_step(world: World):
    alice = await world.teacher(country="FR")
    posts = world.services.network.posts
    created = await posts.create_post(alice.principal, PostDraft(POST, None))
    post_id = created.post.id
    assert await found(world, alice, "potager", open_to="DE") == [post_id]
    assert await found(world, alice, "potager", open_to="PL") == []

    await posts.update_post(alice.principal, post_id, PostChanges(wanted_countries=()))
    assert await found(world, alice, "potager", open_to="PL") == [post_id]

    await posts.close_post(alice.principal, post_id)
    assert await found(world, alice, "potager") == []
    await expect_code(ErrorCode.INVALID_TRANSITION, posts.close_post(alice.principal, post_id))

    await posts.delete_post(alice.principal, post_id)
    await expect_code(ErrorCode.NOT_FOUND, posts.get_post(alice.principal, post_id))


async def test_default_expiry_hides_a_post_after_180_days(world: World):
    alice = await world.teacher()
    posts = world.services.network.posts
    created = await posts.create_post(alice.principal, PostDraft(POST, None))
    assert created.post.expires_at == utc_now(world.clock) + timedelta(days=180)
    world.clock.advance(180 * 24 * 3600 - 1)
    assert await found(world, alice, "potager") == [created.post.id]
    world.clock.advance(1)
    assert await found(world, alice, "potager") == []
    others = await posts.list_posts(
        (await world.teacher()).principal, alice.user_id, cursor=None, limit=10
    )
    assert others.items == ()
    mine = await posts.list_posts(alice.principal, None, cursor=None, limit=10)
    assert [p.is_expired for p in mine.items] == [True]


async def test_an_author_may_have_only_so_many_open_posts(world: World):
    alice = await world.teacher()
    posts = world.services.network.posts
    for _ in range(20):
        await posts.create_post(alice.principal, PostDraft(POST, None))
    await expect_code(ErrorCode.CONFLICT, posts.create_post(alice.principal, PostDraft(POST, None)))
    assert len((await posts.list_posts(alice.principal, None, cursor=None, limit=50)).items) == 20


async def test_bad_post_changes_are_refused_and_change_nothing(world: World):
    alice = await world.teacher()
    posts = world.services.network.posts
    created = await posts.create_post(alice.principal, PostDraft(POST, None))
    for changes in (
        PostChanges(wanted_countries=("ZZ",)),
        PostChanges(wanted_countries=("GB",)),  # no longer takes part
        PostChanges(subjects=("astrology",)),
        PostChanges(age_min=12),  # above age_max
        PostChanges(title="   "),
    ):
        await expect_code(
            ErrorCode.INVALID_PAYLOAD, posts.update_post(alice.principal, created.post.id, changes)
        )
    unchanged = await posts.get_post(alice.principal, created.post.id)
    assert unchanged.post.fields == created.post.fields
    assert await found(world, alice, "potager") == [created.post.id]


async def test_search_kinds_and_facets_cover_profiles_and_posts(world: World):
    alice = await world.teacher(country="FR")
    network = world.services.network
    await network.profiles.save_profile(alice.principal, alice.user_id, DRAFT)
    await network.posts.create_post(alice.principal, PostDraft(POST, None))
    page = await network.search.search(
        alice.principal, SearchRequest(text="town"), cursor=None, limit=10
    )
    assert page.total == 2
    assert {f.value: f.count for f in page.facets["kind"]} == {"profile": 1, "post": 1}
    only_posts = await found(world, alice, "town", kind=SearchKind.POST)
    assert len(only_posts) == 1


async def test_overview_counts_and_results_follow_every_write(world: World):
    alice = await world.teacher()
    network = world.services.network
    await network.profiles.save_profile(alice.principal, alice.user_id, DRAFT)

    async def overview():
        return await network.search.search(alice.principal, SearchRequest(), cursor=None, limit=10)

    assert (await overview()).total == 1
    post = await network.posts.create_post(alice.principal, PostDraft(POST, None))

    after_post = await overview()
    assert after_post.total == 2
    assert {f.value: f.count for f in after_post.facets["kind"]} == {"profile": 1, "post": 1}
    assert [h.ref_id for h in after_post.hits] == [post.post.id, alice.user_id]

    await network.posts.close_post(alice.principal, post.post.id)
    closed = await overview()
    assert [h.ref_id for h in closed.hits] == [alice.user_id]
    assert closed.total == 1
    assert {f.value: f.count for f in closed.facets["kind"]} == {"profile": 1}


async def test_overview_pages_newest_first(world: World):
    alice = await world.teacher()
    network = world.services.network
    await network.profiles.save_profile(alice.principal, alice.user_id, DRAFT)
    post = await network.posts.create_post(alice.principal, PostDraft(POST, None))
    search = network.search.search

    first = await search(alice.principal, SearchRequest(), cursor=None, limit=1)
    assert first.next_cursor is not None and first.total == 2
    second = await search(alice.principal, SearchRequest(), cursor=first.next_cursor, limit=1)
    assert [h.ref_id for h in first.hits + second.hits] == [post.post.id, alice.user_id]
    assert second.next_cursor is None
