"""``uow.tokens`` on both engines: refresh-token families and school API keys."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from protocol import ApiKeyId, ErrorCode, NotFound, SchoolId, UserId, new_id
from protocol.api.accounts import AccountStatus
from storage import Database, DuplicateKey

from .builders import NOW, add_school, add_teacher, add_user, later


def token_hash(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


async def add_refresh(
    db: Database, user_id: UserId, family_id: str, name: str, *, issued_at: datetime = NOW
) -> str:
    token_id = new_id()
    async with db.transaction("test.add_refresh") as uow:
        await uow.tokens.add_refresh_token(
            token_id=token_id,
            user_id=user_id,
            family_id=family_id,
            token_hash=token_hash(name),
            issued_at=issued_at,
            expires_at=issued_at + timedelta(days=30),
        )
    return token_id


async def find(db: Database, name: str):
    async with db.transaction("test.find_refresh") as uow:
        return await uow.tokens.find_refresh_token(token_hash(name))


async def test_refresh_token_round_trip(db: Database):
    user = await add_user(db)
    token_id = await add_refresh(db, user.id, "family-1", "first")
    record = await find(db, "first")
    assert record is not None
    assert record.id == token_id
    assert record.user_id == user.id
    assert record.family_id == "family-1"
    assert record.issued_at == NOW
    assert record.expires_at == NOW + timedelta(days=30)
    assert (record.used_at, record.revoked_at) == (None, None)
    assert await find(db, "never issued") is None


async def test_marking_used_is_exclusive(db: Database):
    user = await add_user(db)
    token_id = await add_refresh(db, user.id, "family-1", "first")
    async with db.transaction("test.use") as uow:
        assert await uow.tokens.mark_refresh_token_used(token_id, later(1)) is True
    async with db.transaction("test.use_again") as uow:
        assert await uow.tokens.mark_refresh_token_used(token_id, later(2)) is False
    record = await find(db, "first")
    assert record is not None and record.used_at == later(1)
    async with db.transaction("test.use_unknown") as uow:
        assert await uow.tokens.mark_refresh_token_used("no-such-token", later(3)) is False


async def test_concurrent_uses_let_exactly_one_win(db: Database):
    user = await add_user(db)
    token_id = await add_refresh(db, user.id, "family-1", "first")

    async def use(at: datetime) -> bool:
        async with db.transaction("test.race") as uow:
            return await uow.tokens.mark_refresh_token_used(token_id, at)

    results = await asyncio.gather(use(later(1)), use(later(2)))
    assert sorted(results) == [False, True]
    record = await find(db, "first")
    assert record is not None
    assert record.used_at == (later(1) if results[0] else later(2))


async def test_revoke_a_family(db: Database):
    user = await add_user(db)
    await add_refresh(db, user.id, "stolen", "a")
    await add_refresh(db, user.id, "stolen", "b")
    await add_refresh(db, user.id, "kept", "c")
    async with db.transaction("test.revoke") as uow:
        await uow.tokens.revoke_refresh_family("stolen", later(10))
    async with db.transaction("test.revoke_again") as uow:
        await uow.tokens.revoke_refresh_family("stolen", later(20))
    a, b, c = [await find(db, name) for name in "abc"]
    assert a is not None and b is not None and c is not None
    # The first revocation's time stays.
    assert a.revoked_at == b.revoked_at == later(10)
    assert c.revoked_at is None


async def test_revoke_every_token_of_one_user(db: Database):
    user, other = await add_user(db), await add_user(db)
    await add_refresh(db, user.id, "f1", "a")
    await add_refresh(db, user.id, "f2", "b")
    await add_refresh(db, other.id, "f3", "c")
    async with db.transaction("test.revoke_user") as uow:
        await uow.tokens.revoke_refresh_tokens_of(user.id, later(5))
    a, b, c = [await find(db, name) for name in "abc"]
    assert a is not None and b is not None and c is not None
    assert a.revoked_at == b.revoked_at == later(5)
    assert c.revoked_at is None


async def test_duplicate_refresh_hash_changes_nothing(db: Database):
    user = await add_user(db)
    await add_refresh(db, user.id, "f1", "same")
    with pytest.raises(DuplicateKey) as caught:
        await add_refresh(db, user.id, "f2", "same")
    assert caught.value.code is ErrorCode.CONFLICT
    record = await find(db, "same")
    assert record is not None and record.family_id == "f1"


async def test_refresh_tokens_go_with_their_account(db: Database):
    school = await add_school(db)
    teacher_id = await add_teacher(db, school.id, status=AccountStatus.VALIDATED)
    await add_refresh(db, teacher_id, "f1", "a")
    async with db.transaction("test.cascade") as uow:
        # Deleting the account row cascades to its tokens (foreign keys are on
        # in SQLite too).
        await uow.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": teacher_id})
    assert await find(db, "a") is None


# -- API keys ---------------------------------------------------------------------


async def add_key(
    db: Database, school_id: SchoolId, created_by: UserId, prefix: str, *, now: datetime = NOW
):
    async with db.transaction("test.add_key") as uow:
        return await uow.tokens.add_api_key(
            key_id=ApiKeyId(new_id()),
            school_id=school_id,
            name=f"Moodle {prefix}",
            prefix=prefix,
            secret_hash=token_hash(prefix),
            scopes=["join_tokens"],
            created_by=created_by,
            now=now,
        )


async def test_api_key_lifecycle(db: Database):
    school, other_school = await add_school(db), await add_school(db)
    admin = await add_teacher(db, school.id, status=AccountStatus.VALIDATED)
    first = await add_key(db, school.id, admin, "jk_first", now=later(1))
    second = await add_key(db, school.id, admin, "jk_second", now=later(2))
    foreign = await add_key(db, other_school.id, admin, "jk_other")
    assert first.scopes == ("join_tokens",)
    assert first.created_at == later(1)
    assert (first.last_used_at, first.revoked_at) == (None, None)

    async with db.transaction("test.read_keys") as uow:
        assert await uow.tokens.get_api_key(first.id) == first
        assert await uow.tokens.find_api_key_by_prefix("jk_first") == first
        assert await uow.tokens.find_api_key_by_prefix("jk_none") is None
        assert await uow.tokens.list_api_keys(school.id) == (first, second)
        assert await uow.tokens.list_api_keys(other_school.id) == (foreign,)
        with pytest.raises(NotFound):
            await uow.tokens.get_api_key(ApiKeyId("no-such-key"))

    async with db.transaction("test.use_key") as uow:
        await uow.tokens.touch_api_key(first.id, later(10))
        await uow.tokens.revoke_api_key(first.id, later(20))
    async with db.transaction("test.revoke_again") as uow:
        await uow.tokens.revoke_api_key(first.id, later(30))
    async with db.transaction("test.read_keys") as uow:
        used = await uow.tokens.get_api_key(first.id)
        untouched = await uow.tokens.get_api_key(second.id)
    assert used.last_used_at == later(10)
    assert used.revoked_at == later(20)
    assert untouched == second


async def test_duplicate_api_key_prefix_changes_nothing(db: Database):
    school = await add_school(db)
    admin = await add_teacher(db, school.id, status=AccountStatus.VALIDATED)
    kept = await add_key(db, school.id, admin, "jk_same")
    with pytest.raises(DuplicateKey):
        await add_key(db, school.id, admin, "jk_same", now=later(5))
    async with db.transaction("test.read_keys") as uow:
        assert await uow.tokens.list_api_keys(school.id) == (kept,)
