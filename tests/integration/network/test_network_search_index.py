"""The search index (``uow.search``): the same tests on SQLite FTS5 and PostgreSQL.

Documents are written straight into the index here; what the domain puts in
them is tested with the services. Owners are real teachers, so the trigger
that follows their account status is exercised too.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text as text_sql

from community.clock import utc_now
from protocol import ErrorCode
from protocol.api.accounts import AccountStatus
from protocol.api.network import SearchKind
from protocol.errors import CodedError
from storage import Database
from storage.search import SearchDocument, SearchPage, SearchRequest
from tests.support import World

BASE = SearchDocument(
    kind=SearchKind.PROFILE,
    ref_id="",
    owner_id="",
    owner_validated=True,
    title="Ada Teacher",
    body="",
    summary="",
    school_name="School",
    city="Town",
    country_code="FR",
    school_type="primary",
    age_min=8,
    age_max=11,
    looking_for_partners=True,
    subjects=("history",),
    languages=("fr",),
)


class Index:
    """Writes documents for one owner each and runs searches."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.owners: dict[str, str] = {}

    def now(self) -> datetime:
        return utc_now(self.world.clock)

    async def put(self, ref: str, **fields) -> SearchDocument:
        if ref not in self.owners:
            teacher = await self.world.teacher()
            self.owners[ref] = teacher.user_id
        doc = replace(BASE, ref_id=ref, owner_id=self.owners[ref], **fields)
        async with self.world.services.db.transaction("test.put") as uow:
            await uow.search.put(doc)
        return doc

    async def search(self, cursor: str | None = None, limit: int = 20, **request) -> SearchPage:
        async with self.world.services.db.transaction("test.search") as uow:
            return await uow.search.search(
                SearchRequest(**request), now=self.now(), cursor=cursor, limit=limit
            )

    async def refs(self, **request) -> list[str]:
        return [hit.ref_id for hit in (await self.search(**request)).hits]


@pytest.fixture
def index(world: World) -> Index:
    return Index(world)


async def test_accents_and_case_do_not_matter(index: Index):
    await index.put("eleve", body="Un projet pour chaque élève de la classe")
    await index.put("lodz", body="Szkoła w Łódź, Straße und Œuvre")
    await index.put("other", body="Nothing to see")

    assert await index.refs(text="eleve") == ["eleve"]
    assert await index.refs(text="ELEVE") == ["eleve"]
    assert await index.refs(text="Élève") == ["eleve"]
    assert await index.refs(text="lodz szkola") == ["lodz"]
    assert await index.refs(text="STRASSE oeuvre") == ["lodz"]


async def test_greek_and_cyrillic_words_are_found_without_their_accents(index: Index):
    await index.put("athens", body="Σχολείο στην Αθήνα")
    await index.put("kyiv", body="Школа в Києві")
    assert await index.refs(text="αθηνα") == ["athens"]
    assert await index.refs(text="школа") == ["kyiv"]


async def test_every_word_must_match(index: Index):
    await index.put("both", body="climate theatre")
    await index.put("one", body="climate only")
    assert await index.refs(text="climate theatre") == ["both"]
    assert sorted(await index.refs(text="climate")) == ["both", "one"]


async def test_last_word_is_a_prefix_while_it_is_being_typed(index: Index):
    await index.put("robotics", body="robotics club")
    assert await index.refs(text="robo") == ["robotics"]
    assert await index.refs(text="robo ") == []
    assert await index.refs(text="robo club") == []
    assert await index.refs(text="club robo") == ["robotics"]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"unbalanced',
        "climate*",
        "*",
        "NEAR(climate theatre)",
        "climate NEAR theatre",
        "-climate",
        "climate AND OR NOT",
        "title_text: climate",
        "{title_text} : climate",
        "climate & theatre | !x",
        "climate:*",
        "'; DROP TABLE users; --",
        "^climate",
        "c_fr",
    ],
)
async def test_query_syntax_is_read_as_plain_words(index: Index, text: str):
    await index.put("doc", body="climate theatre near and or not drop table users title text")
    page = await index.search(text=text)
    assert page.total == len(page.hits) <= 1


async def test_query_words_never_match_filter_tags(index: Index):
    await index.put("fr", country_code="FR", body="nothing")
    assert await index.refs(text="c_fr") == []
    assert await index.refs(text="c fr") == []


async def test_title_words_rank_above_body_words(index: Index):
    await index.put("body", title="Ada Teacher", body="astronomy and more words here")
    await index.put("title", title="Astronomy club", body="more words here")
    assert await index.refs(text="astronomy") == ["title", "body"]


async def test_filters_combine_and_values_of_one_filter_are_alternatives(index: Index):
    await index.put("fr-hist", country_code="FR", subjects=("history",), languages=("fr", "en"))
    await index.put("de-hist", country_code="DE", subjects=("history",), languages=("de", "en"))
    await index.put("it-math", country_code="IT", subjects=("mathematics",), languages=("it",))

    assert sorted(await index.refs(countries=("FR", "DE"))) == ["de-hist", "fr-hist"]
    assert await index.refs(countries=("FR", "DE"), languages=("de",)) == ["de-hist"]
    assert await index.refs(subjects=("mathematics",)) == ["it-math"]
    assert sorted(await index.refs(languages=("en",), subjects=("history",))) == [
        "de-hist",
        "fr-hist",
    ]
    assert await index.refs(countries=("ES",)) == []


async def test_age_ranges_must_overlap(index: Index):
    await index.put("young", age_min=6, age_max=9)
    await index.put("teen", age_min=13, age_max=16)
    assert await index.refs(age_min=8, age_max=12) == ["young"]
    assert await index.refs(age_min=9, age_max=13) in (["teen", "young"], ["young", "teen"])
    assert await index.refs(age_min=17, age_max=18) == []


async def test_kind_school_type_and_looking_filters(index: Index):
    await index.put("profile-looking", school_type="primary", looking_for_partners=True)
    await index.put("profile-not", school_type="vocational", looking_for_partners=False)
    await index.put("post", kind=SearchKind.POST, school_type="vocational")

    assert await index.refs(kind=SearchKind.POST) == ["post"]
    assert await index.refs(looking_for_partners=False) == ["profile-not"]
    assert sorted(await index.refs(school_types=("vocational",))) == ["post", "profile-not"]


async def test_open_to_keeps_posts_welcoming_that_country_or_any(index: Index):
    await index.put("any", kind=SearchKind.POST)
    await index.put("pl", kind=SearchKind.POST, wanted_countries=("PL", "CZ"))
    await index.put("es", kind=SearchKind.POST, wanted_countries=("ES",))
    await index.put("profile")
    assert sorted(await index.refs(open_to="PL")) == ["any", "pl"]


async def test_facets_count_the_whole_filtered_result_and_add_up(index: Index):
    for i, (country, school_type) in enumerate(
        [("FR", "primary"), ("FR", "primary"), ("DE", "vocational"), ("IT", "primary")]
    ):
        await index.put(
            f"d{i}",
            body="shared words",
            country_code=country,
            school_type=school_type,
            subjects=("history", "art") if i % 2 else ("history",),
            languages=("en",),
        )
    await index.put("unrelated", body="other", country_code="ES")

    page = await index.search(text="shared", limit=1)

    assert page.total == 4
    assert len(page.hits) == 1
    counts = {name: {f.value: f.count for f in facets} for name, facets in page.facets.items()}
    assert counts["country"] == {"FR": 2, "DE": 1, "IT": 1}
    assert sum(counts["country"].values()) == page.total
    assert sum(counts["school_type"].values()) == page.total
    assert sum(counts["kind"].values()) == page.total
    assert counts["subject"] == {"history": 4, "art": 2}
    assert counts["language"] == {"en": 4}
    assert [f.value for f in page.facets["country"]] == ["FR", "DE", "IT"]

    filtered = await index.search(text="shared", countries=("FR",))
    assert filtered.total == 2
    assert {f.value: f.count for f in filtered.facets["country"]} == {"FR": 2}


async def test_pages_neither_repeat_nor_skip(index: Index):
    # Equal scores (same text) and different ones: ties are broken by id.
    for i in range(23):
        await index.put(f"d{i:02d}", body="project " * (1 + i % 4) + f"filler{i}")
    expected = await index.refs(text="project", limit=50)
    assert len(expected) == 23
    for text in ("project", ""):
        seen: list[str] = []
        cursor = None
        while True:
            page = await index.search(text=text, cursor=cursor, limit=5)
            assert page.total == 23
            seen.extend(hit.ref_id for hit in page.hits)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 23
        if text:
            assert seen == expected
            relevances = [h.relevance for h in (await index.search(text=text, limit=50)).hits]
            assert relevances == sorted(relevances, reverse=True)


async def test_cursor_of_another_search_is_refused(index: Index):
    for i in range(3):
        await index.put(f"d{i}", body="project")
    page = await index.search(text="project", limit=1)
    assert page.next_cursor is not None
    with pytest.raises(CodedError) as caught:
        await index.search(text="other", cursor=page.next_cursor, limit=1)
    assert caught.value.code is ErrorCode.INVALID_PAYLOAD
    with pytest.raises(CodedError) as caught:
        await index.search(text="project", cursor="not-a-cursor", limit=1)
    assert caught.value.code is ErrorCode.INVALID_PAYLOAD


async def test_expired_documents_drop_out(index: Index):
    expires = index.now() + timedelta(days=2)
    await index.put("post", kind=SearchKind.POST, body="garden", expires_at=expires)
    assert await index.refs(text="garden") == ["post"]
    index.world.clock.advance(2 * 24 * 3600)
    page = await index.search(text="garden")
    assert page.hits == () and page.total == 0
    assert page.facets["country"] == ()


async def test_replacing_a_document_reindexes_it(index: Index):
    await index.put("doc", body="before")
    await index.put("doc", body="after")
    assert await index.refs(text="before") == []
    assert await index.refs(text="after") == ["doc"]
    assert (await index.search()).total == 1


async def test_removed_documents_are_gone(index: Index):
    await index.put("doc", body="garden")
    async with index.world.services.db.transaction("test.remove") as uow:
        await uow.search.remove(SearchKind.PROFILE, "doc")
    assert await index.refs(text="garden") == []


async def test_owner_suspension_hides_and_reinstatement_restores(index: Index, world: World):
    await index.put("doc", body="garden")
    admin = await world.platform_admin()
    owner = index.owners["doc"]
    validation = world.services.accounts.validation

    await validation.decide(admin.principal, owner, AccountStatus.SUSPENDED, reason="test")
    assert await index.refs(text="garden") == []
    assert (await index.search()).total == 0

    await validation.decide(admin.principal, owner, AccountStatus.VALIDATED, reason="test")
    assert await index.refs(text="garden") == ["doc"]


async def test_rebuild_keeps_every_document_findable(index: Index):
    await index.put("a", body="garden")
    await index.put("b", body="orchard")
    async with index.world.services.db.transaction("test.rebuild") as uow:
        await uow.search.rebuild()
    assert await index.refs(text="garden") == ["a"]
    assert await index.refs(text="orch") == ["b"]


async def test_bulk_loaded_documents_are_found_and_later_writes_still_fit(
    index: Index, world: World
):
    from storage.records import SchoolRecord
    from storage.records_network import TeacherCardRecord
    from storage.search.bulk import BulkLoader

    now = index.now()
    school = SchoolRecord(
        id="bulk-school",  # type: ignore[arg-type]
        name="Bulk School",
        country_code="PT",
        city="Évora",
        school_type="primary",
        age_min=6,
        age_max=10,
        languages=("pt",),
        created_at=now,
    )
    teachers = [
        TeacherCardRecord(
            user_id=f"bulk-teacher-{i}",  # type: ignore[arg-type]
            full_name=f"Teacher {i}",
            status=AccountStatus.VALIDATED if i else AccountStatus.PENDING,
            school_id=school.id,
            school_name=school.name,
            city=school.city,
            country_code="PT",
            school_type="primary",
        )
        for i in range(3)
    ]
    loader = BulkLoader(world.services.db, now, batch_rows=2)
    await loader.add_schools([school])
    await loader.add_teachers(teachers)
    docs = [
        replace(
            BASE,
            ref_id=t.user_id,
            owner_id=t.user_id,
            owner_validated=t.status is AccountStatus.VALIDATED,
            body="évora",
            country_code="PT",
        )
        for t in teachers
    ]
    assert await loader.add_documents(docs) == 3

    assert sorted(await index.refs(text="evora")) == ["bulk-teacher-1", "bulk-teacher-2"]
    await index.put("after-bulk", body="evora")  # a new id after the loaded ones
    assert len(await index.refs(text="evora")) == 3


# -- the node's mirror of the documents ----------------------------------------------

WORDS = ("climate", "climb", "water", "theatre", "robots", "garden", "music", "forest")


def tokens_of(doc: SearchDocument) -> tuple[list[str], list[str]]:
    return doc.title.lower().split(), doc.body.lower().split()


def has(words: list[str], word: str, prefix: bool) -> bool:
    return any(w.startswith(word) if prefix else w == word for w in words)


def expected_refs(
    docs: dict[str, SearchDocument], order: list[str], text: str, now, **filters
) -> list[str]:
    """The refs a search must return, in order, written out plainly."""
    words = text.split()
    prefix = not text.endswith(" ") and len(words[-1]) >= 3
    request = SearchRequest(text=text, **filters)
    keys = []
    for ref, doc in docs.items():
        title, body = tokens_of(doc)
        every = [has(title + body, w, prefix and i == len(words) - 1) for i, w in enumerate(words)]
        if not all(every) or not visible(doc, request, now):
            continue
        in_title = sum(has(title, w, prefix and i == len(words) - 1) for i, w in enumerate(words))
        keys.append((-in_title, len(title) + len(body), -order.index(ref), ref))
    return [key[-1] for key in sorted(keys)]


def visible(doc: SearchDocument, request: SearchRequest, now) -> bool:
    return (
        doc.owner_validated
        and (doc.expires_at is None or doc.expires_at > now)
        and (not request.countries or doc.country_code in request.countries)
        and (not request.subjects or bool(set(doc.subjects) & set(request.subjects)))
        and (request.kind is None or doc.kind is request.kind)
        and (request.age_min is None or doc.age_max >= request.age_min)
        and (request.age_max is None or doc.age_min <= request.age_max)
        and (
            request.looking_for_partners is None
            or doc.looking_for_partners == request.looking_for_partners
        )
    )


async def generated_network(index: Index, count: int, seed: int):
    rng = random.Random(seed)
    owner = await index.world.teacher()
    docs: dict[str, SearchDocument] = {}
    order: list[str] = []
    for i in range(count):
        ref = f"g{i:03d}"
        kind = rng.choice([SearchKind.PROFILE, SearchKind.POST])
        low = rng.randint(3, 15)
        doc = replace(
            BASE,
            kind=kind,
            ref_id=ref,
            owner_id=owner.user_id,
            owner_validated=rng.random() < 0.9,
            title=" ".join(rng.sample(WORDS, rng.randint(0, 2))) or "untitled",
            body=" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8))),
            country_code=rng.choice(["FR", "DE", "PL"]),
            school_type=rng.choice(["primary", "vocational"]),
            subjects=tuple(rng.sample(["history", "art", "music"], rng.randint(1, 2))),
            languages=tuple(rng.sample(["en", "fr", "de"], rng.randint(1, 2))),
            age_min=low,
            age_max=low + rng.randint(0, 4),
            looking_for_partners=rng.random() < 0.5,
            expires_at=index.now() + timedelta(days=rng.choice([-1, 30]))
            if kind is SearchKind.POST
            else None,
        )
        async with index.world.services.db.transaction("test.put") as uow:
            await uow.search.put(doc)
        docs[ref] = doc
        order.append(ref)
    return docs, order


def random_filters(rng: random.Random) -> dict:
    filters: dict = {}
    if rng.random() < 0.3:
        filters["countries"] = (rng.choice(["FR", "DE", "PL"]),)
    if rng.random() < 0.3:
        filters["subjects"] = (rng.choice(["history", "art", "music"]),)
    if rng.random() < 0.2:
        filters["kind"] = rng.choice(list(SearchKind))
    if rng.random() < 0.3:
        filters["age_min"] = rng.randint(5, 12)
        filters["age_max"] = filters["age_min"] + rng.randint(0, 3)
    if rng.random() < 0.2:
        filters["looking_for_partners"] = True
    return filters


@pytest.mark.parametrize("paths", ["few", "many", "engine_index"])
async def test_results_order_and_counts_equal_a_plain_computation(
    index: Index, monkeypatch: pytest.MonkeyPatch, paths: str
):
    if paths == "many":  # the set-based ways, which otherwise start at hundreds of matches
        monkeypatch.setattr("storage.search.index.FEW", 0)
        monkeypatch.setattr("storage.search.mirror.FEW_TO_COUNT", 0)
    if paths == "engine_index":  # PostgreSQL asked through GIN on every search, not its words' copy
        monkeypatch.setattr("storage.search.tsvector.PostgresSearchIndex.words", None)
    docs, order = await generated_network(index, 90, seed=3)
    rng = random.Random(5)
    texts = ["climate", "clim", "cli", "water garden", "garden wat", "music", "robots forest "]
    sizes = []
    for text in texts:
        filters = random_filters(rng)
        expected = expected_refs(docs, order, text, index.now(), **filters)
        seen: list[str] = []
        cursor = None
        while True:
            page = await index.search(text=text, cursor=cursor, limit=7, **filters)
            assert page.total == len(expected), (text, filters)
            seen += [hit.ref_id for hit in page.hits]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == expected, (text, filters)
        sizes.append(len(expected))
        matched = [docs[ref] for ref in expected]
        counts = {name: {f.value: f.count for f in fs} for name, fs in page.facets.items()}
        assert counts["country"] == dict(Counter(d.country_code for d in matched))
        assert counts["kind"] == dict(Counter(d.kind.value for d in matched))
        assert counts["subject"] == dict(Counter(s for d in matched for s in d.subjects))
        assert counts["language"] == dict(Counter(lang for d in matched for lang in d.languages))
    assert max(sizes) > 14 and min(sizes) < 7  # several pages, and a single one


async def test_writes_of_another_node_are_found_and_counted_at_once(
    index: Index, database_url: str
):
    other = Database(database_url)
    try:
        await index.put("here", body="orchard")
        assert await index.refs(text="orchard") == ["here"]  # this node's mirror is loaded
        owner = index.owners["here"]
        async with other.transaction("test.other_node") as uow:
            await uow.search.put(replace(BASE, ref_id="there", owner_id=owner, body="orchard"))
        page = await index.search(text="orchard")
        assert sorted(hit.ref_id for hit in page.hits) == ["here", "there"]
        assert page.total == 2
        assert {f.value: f.count for f in page.facets["country"]} == {"FR": 2}
        async with other.transaction("test.other_node") as uow:
            await uow.search.put(
                replace(BASE, ref_id="here", owner_id=owner, body="orchard", country_code="DE")
            )
            await uow.search.remove(SearchKind.PROFILE, "there")
        page = await index.search(text="orchard")
        assert [hit.ref_id for hit in page.hits] == ["here"]
        assert {f.value: f.count for f in page.facets["country"]} == {"DE": 1}
    finally:
        await other.close()


async def test_a_write_rolled_back_after_a_search_saw_it_is_forgotten(index: Index):
    await index.put("kept", body="meadow")
    owner = index.owners["kept"]
    db = index.world.services.db
    with pytest.raises(RuntimeError):
        async with db.transaction("test.rolled_back") as uow:
            await uow.search.put(replace(BASE, ref_id="ghost", owner_id=owner, body="meadow"))
            page = await uow.search.search(
                SearchRequest(text="meadow"), now=index.now(), cursor=None, limit=10
            )
            assert page.total == 2  # its own transaction sees the write
            raise RuntimeError("roll back")
    page = await index.search(text="meadow")
    assert [hit.ref_id for hit in page.hits] == ["kept"] and page.total == 1
    # The next committed write may reuse the rolled-back entry's id (SQLite).
    await index.put("later", body="meadow", country_code="IT")
    page = await index.search(text="meadow")
    assert sorted(hit.ref_id for hit in page.hits) == ["kept", "later"]
    assert {f.value: f.count for f in page.facets["country"]} == {"FR": 1, "IT": 1}


async def test_a_node_whose_last_change_was_pruned_reloads(index: Index):
    await index.put("first", body="lantern")
    assert await index.refs(text="lantern") == ["first"]
    async with index.world.services.db.transaction("test.prune") as uow:
        await uow.session.execute(text_sql("DELETE FROM network_search_changes"))
    await index.put("second", body="lantern", country_code="PL")
    page = await index.search(text="lantern")
    assert sorted(hit.ref_id for hit in page.hits) == ["first", "second"]
    assert {f.value: f.count for f in page.facets["country"]} == {"FR": 1, "PL": 1}


async def test_a_node_far_behind_the_log_reloads_rather_than_replays(
    index: Index, monkeypatch: pytest.MonkeyPatch
):
    await index.put("first", body="harbour")
    assert await index.refs(text="harbour") == ["first"]
    mirror = index.world.services.db._search_mirror
    loads = mirror.reloads
    monkeypatch.setattr("storage.search.mirror_sync.MAX_CHANGES", 2)
    for ref in ("second", "third", "fourth"):
        await index.put(ref, body="harbour", country_code="DE")
    page = await index.search(text="harbour")
    assert page.total == 4
    assert {f.value: f.count for f in page.facets["country"]} == {"FR": 1, "DE": 3}
    assert mirror.reloads == loads + 1
    await index.put("fifth", body="harbour")  # one change: applied, no reload
    assert (await index.search(text="harbour")).total == 5
    assert mirror.reloads == loads + 1


async def test_a_node_keeps_the_words_on_postgresql_and_reloads_past_too_many_changed(
    index: Index, monkeypatch: pytest.MonkeyPatch
):
    await index.put("first", body="harbour")
    assert await index.refs(text="harb") == ["first"]
    sync = index.world.services.db._search_mirror
    keeps_words = index.world.services.db.dialect == "postgresql"
    loads = sync.reloads
    monkeypatch.setattr("storage.search.mirror_sync.MAX_CHANGED", 1)
    await index.put("first", body="harbour", country_code="DE")  # same words: as loaded
    assert await index.refs(text="harbour", countries=("DE",)) == ["first"]
    assert sync.reloads == loads
    await index.put("first", body="lighthouse")  # its words changed: one changed document
    assert await index.refs(text="harbour") == []
    assert await index.refs(text="lighth") == ["first"]
    assert sync.reloads == loads
    await index.put("second", body="lighthouse")  # two: past the limit, a full load
    assert await index.refs(text="lighthouse") == ["second", "first"]
    assert sync.reloads == loads + (1 if keeps_words else 0)
    mirror = sync._mirror
    assert mirror is not None and (mirror.words is not None) == keeps_words
