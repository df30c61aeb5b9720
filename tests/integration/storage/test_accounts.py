"""``uow.accounts`` on both engines: users, credentials, teachers, staff, pupils."""

from __future__ import annotations

import pytest

from protocol import ErrorCode, NotFound, SchoolId, UserId, new_id
from protocol.api.accounts import AccountKind, AccountStatus
from storage import Database, DuplicateKey

from .builders import (
    NOW,
    PASSWORD_HASH,
    add_pupil,
    add_school,
    add_teacher,
    add_user,
    collect_pages,
    later,
    school_fields,
)

NOBODY = UserId("00000000-0000-4000-8000-000000000000")


async def test_user_and_credential_round_trip(db: Database):
    user = await add_user(db, login="ada@example.org")
    async with db.transaction("test.read") as uow:
        assert await uow.accounts.get_user(user.id) == user
        credential = await uow.accounts.find_credential("ada@example.org")
        assert credential is not None
        assert credential.user_id == user.id
        assert credential.password_hash == PASSWORD_HASH
        assert await uow.accounts.get_credential_of(user.id) == credential
        assert await uow.accounts.login_exists("ada@example.org") is True
        assert await uow.accounts.login_exists("ADA@example.org") is False
        assert await uow.accounts.find_credential("bob@example.org") is None
    assert user.kind is AccountKind.TEACHER
    assert user.status is AccountStatus.PENDING
    assert user.token_epoch == 0
    assert user.created_at == NOW
    assert user.last_login_at is None


async def test_unknown_account(db: Database):
    async with db.transaction("test.read") as uow:
        for read in (uow.accounts.get_user, uow.accounts.get_credential_of):
            with pytest.raises(NotFound) as caught:
                await read(NOBODY)
            assert caught.value.code is ErrorCode.NOT_FOUND
        with pytest.raises(NotFound):
            await uow.accounts.get_teacher(NOBODY)
        with pytest.raises(NotFound):
            await uow.accounts.bump_token_epoch(NOBODY, NOW)
        assert await uow.accounts.find_auth_subject(NOBODY) is None
        assert await uow.accounts.find_teacher(NOBODY) is None
        assert await uow.accounts.find_staff(NOBODY) is None
        assert await uow.accounts.find_pupil(NOBODY) is None


async def test_updates_of_a_user(db: Database):
    user = await add_user(db)
    other = await add_user(db)
    async with db.transaction("test.update") as uow:
        await uow.accounts.update_password(user.id, "$argon2id$new", later(1))
        await uow.accounts.set_status(user.id, AccountStatus.VALIDATED, later(2))
        assert await uow.accounts.bump_token_epoch(user.id, later(3)) == 1
        assert await uow.accounts.bump_token_epoch(user.id, later(4)) == 2
        await uow.accounts.touch_login(user.id, later(5))
    async with db.transaction("test.read") as uow:
        updated = await uow.accounts.get_user(user.id)
        assert (await uow.accounts.get_credential_of(user.id)).password_hash == "$argon2id$new"
        assert await uow.accounts.get_user(other.id) == other
        assert (await uow.accounts.get_credential_of(other.id)).password_hash == PASSWORD_HASH
    assert updated.status is AccountStatus.VALIDATED
    assert updated.token_epoch == 2
    assert updated.last_login_at == later(5)
    assert updated.created_at == NOW


async def test_duplicate_login_rolls_the_whole_transaction_back(db: Database):
    await add_user(db, login="taken@example.org")
    newcomer = UserId(new_id())
    school_id = SchoolId(new_id())
    with pytest.raises(DuplicateKey) as caught:
        async with db.transaction("test.duplicate") as uow:
            await uow.schools.add_school(school_id=school_id, now=NOW, **school_fields())
            await uow.accounts.add_user(
                user_id=newcomer,
                kind=AccountKind.TEACHER,
                status=AccountStatus.PENDING,
                login="taken@example.org",
                password_hash=PASSWORD_HASH,
                now=NOW,
            )
    assert caught.value.code is ErrorCode.CONFLICT
    async with db.transaction("test.read") as uow:
        assert await uow.schools.find_school(school_id) is None
        assert await uow.accounts.find_auth_subject(newcomer) is None
        credential = await uow.accounts.find_credential("taken@example.org")
        assert credential is not None and credential.user_id != newcomer


async def test_teacher_record_and_decisions(db: Database):
    school = await add_school(db, country_code="DE")
    teacher_id = await add_teacher(db, school.id, login="jonas@example.org")
    admin = await add_user(db, kind=AccountKind.NSO_ADMIN, status=AccountStatus.ACTIVE)
    async with db.transaction("test.read") as uow:
        pending = await uow.accounts.get_teacher(teacher_id)
        assert await uow.accounts.find_teacher(teacher_id) == pending
    assert pending.email == "jonas@example.org"
    assert pending.full_name == "Ada Teacher"
    assert pending.school_id == school.id
    assert pending.country_code == "DE"
    assert pending.role_at_school == "teacher"
    assert pending.status is AccountStatus.PENDING
    assert pending.is_school_admin is False
    assert (pending.decided_by, pending.decided_at, pending.status_reason) == (None, None, None)
    assert pending.created_at == NOW

    async with db.transaction("test.decide") as uow:
        await uow.accounts.set_status(teacher_id, AccountStatus.VALIDATED, later(60))
        await uow.accounts.record_teacher_decision(
            teacher_id, decided_by=admin.id, reason="school checked", now=later(60)
        )
        await uow.accounts.set_school_admin(teacher_id, True)
    async with db.transaction("test.read") as uow:
        decided = await uow.accounts.get_teacher(teacher_id)
        subject = await uow.accounts.find_auth_subject(teacher_id)
    assert decided.status is AccountStatus.VALIDATED
    assert decided.decided_by == admin.id
    assert decided.decided_at == later(60)
    assert decided.status_reason == "school checked"
    assert decided.is_school_admin is True
    assert subject is not None
    assert subject.kind is AccountKind.TEACHER
    assert subject.status is AccountStatus.VALIDATED
    assert (subject.school_id, subject.country_code, subject.is_school_admin) == (
        school.id,
        "DE",
        True,
    )


async def test_staff_records_and_their_auth_subjects(db: Database):
    nso = await add_user(
        db, kind=AccountKind.NSO_ADMIN, status=AccountStatus.ACTIVE, login="nso@example.org"
    )
    root = await add_user(db, kind=AccountKind.PLATFORM_ADMIN, status=AccountStatus.ACTIVE)
    async with db.transaction("test.staff") as uow:
        await uow.accounts.add_staff(user_id=nso.id, full_name="Officer PL", country_code="PL")
        await uow.accounts.add_staff(user_id=root.id, full_name="Root", country_code=None)
    async with db.transaction("test.read") as uow:
        staff = await uow.accounts.find_staff(nso.id)
        nso_subject = await uow.accounts.find_auth_subject(nso.id)
        root_subject = await uow.accounts.find_auth_subject(root.id)
        root_staff = await uow.accounts.find_staff(root.id)
    assert staff is not None
    assert (staff.kind, staff.status, staff.email) == (
        AccountKind.NSO_ADMIN,
        AccountStatus.ACTIVE,
        "nso@example.org",
    )
    assert (staff.full_name, staff.country_code) == ("Officer PL", "PL")
    assert nso_subject is not None and root_subject is not None and root_staff is not None
    assert (nso_subject.school_id, nso_subject.country_code) == (None, "PL")
    assert nso_subject.is_school_admin is False
    assert (root_subject.school_id, root_subject.country_code) == (None, None)
    assert root_staff.country_code is None


async def test_pupil_record_and_auth_subject(db: Database):
    school = await add_school(db, country_code="IT")
    teacher_id = await add_teacher(db, school.id, status=AccountStatus.VALIDATED)
    pupil_id = await add_pupil(db, school.id, teacher_id, display_name="Sunny Panda")
    async with db.transaction("test.read") as uow:
        pupil = await uow.accounts.find_pupil(pupil_id)
        subject = await uow.accounts.find_auth_subject(pupil_id)
        assert await uow.accounts.count_pupils(school.id) == 1
        assert await uow.accounts.find_teacher(pupil_id) is None
    assert pupil is not None
    assert pupil.display_name == "Sunny Panda"
    assert pupil.school_id == school.id
    assert pupil.class_label == "6B"
    assert pupil.created_by == teacher_id
    assert pupil.status is AccountStatus.ACTIVE
    assert pupil.login.startswith("brave-otter-")
    assert subject is not None
    assert (subject.kind, subject.school_id, subject.country_code) == (
        AccountKind.PUPIL,
        school.id,
        "IT",
    )


async def test_list_teachers_in_three_pages_with_filters(db: Database):
    french = await add_school(db, country_code="FR")
    german = await add_school(db, country_code="DE")
    # Several teachers share a registration time, so the id breaks the ties.
    times = [NOW, NOW, NOW, later(1), later(1), later(2), later(3)]
    pending = [await add_teacher(db, french.id, now=at) for at in times]
    validated = await add_teacher(db, french.id, status=AccountStatus.VALIDATED, now=later(1))
    elsewhere = await add_teacher(db, german.id, now=later(1))

    async def pages(**filters):
        async def fetch(cursor):
            async with db.transaction("test.list_teachers") as uow:
                return await uow.accounts.list_teachers(
                    status=filters.get("status"),
                    country_code=filters.get("country_code"),
                    cursor=cursor,
                    limit=3,
                )

        return await collect_pages(fetch)

    found = await pages(status=AccountStatus.PENDING, country_code="FR")
    assert [len(page) for page in found] == [3, 3, 1]
    listed = [t for page in found for t in page]
    assert sorted(t.user_id for t in listed) == sorted(pending)
    assert listed == sorted(listed, key=lambda t: (t.created_at, t.user_id))

    everyone = [t.user_id for page in await pages() for t in page]
    assert sorted(everyone) == sorted([*pending, validated, elsewhere])
    only_validated = await pages(status=AccountStatus.VALIDATED)
    assert [t.user_id for page in only_validated for t in page] == [validated]
    in_germany = await pages(country_code="DE")
    assert [t.user_id for page in in_germany for t in page] == [elsewhere]


async def test_list_pupils_in_three_pages_by_class_and_name(db: Database):
    school = await add_school(db)
    other_school = await add_school(db)
    teacher_id = await add_teacher(db, school.id, status=AccountStatus.VALIDATED)
    # Equal names within a class: the id breaks the ties.
    rows = [
        ("6B", "Brave Otter"),
        ("6B", "Brave Otter"),
        ("6B", "Brave Otter"),
        ("6B", "Calm Fox"),
        ("6A", "Zesty Lynx"),
        ("6A", "Able Owl"),
        ("5C", "Brave Otter"),
    ]
    pupils = {
        await add_pupil(db, school.id, teacher_id, class_label=label, display_name=name)
        for label, name in rows
    }
    await add_pupil(db, other_school.id, teacher_id)

    async def pages(class_label):
        async def fetch(cursor):
            async with db.transaction("test.list_pupils") as uow:
                return await uow.accounts.list_pupils(
                    school_id=school.id, class_label=class_label, cursor=cursor, limit=3
                )

        return await collect_pages(fetch)

    found = await pages(None)
    assert [len(page) for page in found] == [3, 3, 1]
    listed = [p for page in found for p in page]
    assert {p.user_id for p in listed} == pupils
    assert len(listed) == len(pupils)
    assert [(p.class_label, p.display_name) for p in listed] == sorted(rows)
    assert listed == sorted(listed, key=lambda p: (p.class_label, p.display_name, p.user_id))

    class_6b = [p for page in await pages("6B") for p in page]
    assert [p.display_name for p in class_6b] == ["Brave Otter"] * 3 + ["Calm Fox"]
    async with db.transaction("test.count") as uow:
        assert await uow.accounts.count_pupils(school.id) == len(rows)
        assert await uow.accounts.count_pupils(other_school.id) == 1
        assert await uow.accounts.count_pupils(SchoolId("nope")) == 0
