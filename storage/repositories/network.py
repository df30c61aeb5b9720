"""Networking: teacher cards, profiles, contacts and partner-finding posts.

The search index these feed is written separately, through
``storage.search`` (``uow.search``), in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from protocol.api.accounts import AccountStatus
from protocol.api.network import ContactList, ContactStatus, PostStatus
from protocol.errors import NotFound
from protocol.ids import SchoolId, UserId

from ..pagination import cursor_datetime, decode_cursor, encode_cursor
from ..records import Slice
from ..records_network import (
    ContactEntryRecord,
    ContactRecord,
    PostFields,
    PostRecord,
    ProfileFields,
    ProfileRecord,
    TeacherCardRecord,
)
from ..tables.accounts import School, Teacher, User
from ..tables.network import Contact, PartnerPost, TeacherProfile


def ordered_pair(a: UserId, b: UserId) -> tuple[str, str]:
    """The pair as stored: lower id first, so each pair has one row."""
    return (a, b) if a < b else (b, a)


def _card_query() -> Select[str, str, str, str, str, str, str, str, datetime | None]:
    return (
        select(
            Teacher.user_id,
            Teacher.full_name,
            User.status,
            School.id,
            School.name,
            School.city,
            School.country_code,
            School.school_type,
            User.last_login_at,
        )
        .join(User, User.id == Teacher.user_id)
        .join(School, School.id == Teacher.school_id)
    )


def _card(
    row: tuple[str, str, str, str, str, str, str, str, datetime | None],
) -> TeacherCardRecord:
    user_id, name, status, school_id, school, city, country, school_type, last_login = row
    return TeacherCardRecord(
        user_id=UserId(user_id),
        full_name=name,
        status=AccountStatus(status),
        school_id=SchoolId(school_id),
        school_name=school,
        city=city,
        country_code=country,
        school_type=school_type,
        last_login_at=last_login,
    )


def _contact(row: Contact) -> ContactRecord:
    addressee = row.user_high if row.requester_id == row.user_low else row.user_low
    return ContactRecord(
        id=row.id,
        requester_id=UserId(row.requester_id),
        addressee_id=UserId(addressee),
        status=ContactStatus(row.status),
        requested_at=row.requested_at,
        decided_at=row.decided_at,
    )


def _profile(row: TeacherProfile) -> ProfileRecord:
    return ProfileRecord(
        user_id=UserId(row.user_id),
        fields=ProfileFields(
            bio=row.bio,
            subjects=tuple(row.subjects),
            languages=tuple(row.languages),
            interests=tuple(row.interests),
            age_min=row.age_min,
            age_max=row.age_max,
            looking_for_partners=row.looking_for_partners,
        ),
        updated_at=row.updated_at,
    )


def _post(row: PartnerPost) -> PostRecord:
    return PostRecord(
        id=row.id,
        author_id=UserId(row.author_id),
        fields=PostFields(
            title=row.title,
            description=row.description,
            subjects=tuple(row.subjects),
            languages=tuple(row.languages),
            age_min=row.age_min,
            age_max=row.age_max,
            wanted_countries=tuple(row.wanted_countries),
        ),
        status=PostStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        closed_at=row.closed_at,
    )


def _since_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    since, last_id = decode_cursor(cursor, 2, kinds=(str, str))
    return cursor_datetime(since), last_id


class SqlProfileRepo:
    """Teacher profiles and the teacher cards shown beside them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find_card(self, user_id: UserId) -> TeacherCardRecord | None:
        """A teacher's name, state and school; None for any other account."""
        row = (
            await self._session.execute(_card_query().where(Teacher.user_id == user_id))
        ).one_or_none()
        return None if row is None else _card(tuple(row))  # type: ignore[arg-type]

    async def find_profile(self, user_id: UserId) -> ProfileRecord | None:
        row = await self._session.get(TeacherProfile, user_id)
        return None if row is None else _profile(row)

    async def put_profile(
        self, user_id: UserId, fields: ProfileFields, now: datetime
    ) -> ProfileRecord:
        """Create or replace a teacher's profile."""
        values = {
            "bio": fields.bio,
            "subjects": list(fields.subjects),
            "languages": list(fields.languages),
            "interests": list(fields.interests),
            "age_min": fields.age_min,
            "age_max": fields.age_max,
            "looking_for_partners": fields.looking_for_partners,
            "updated_at": now,
        }
        row = await self._session.get(TeacherProfile, user_id)
        if row is None:
            row = TeacherProfile(user_id=user_id, **values)
            self._session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        await self._session.flush()
        return _profile(row)


class SqlContactRepo:
    """Contact requests and contacts; one row per pair of teachers."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find_contact(self, a: UserId, b: UserId) -> ContactRecord | None:
        """The relation between two teachers, whoever asked."""
        low, high = ordered_pair(a, b)
        row = await self._session.scalar(
            select(Contact).where(Contact.user_low == low, Contact.user_high == high)
        )
        return None if row is None else _contact(row)

    async def are_contacts(self, a: UserId, b: UserId) -> bool:
        low, high = ordered_pair(a, b)
        found = await self._session.scalar(
            select(
                exists().where(
                    Contact.user_low == low,
                    Contact.user_high == high,
                    Contact.status == ContactStatus.ACCEPTED.value,
                )
            )
        )
        return bool(found)

    async def add_request(
        self, *, contact_id: str, requester_id: UserId, addressee_id: UserId, now: datetime
    ) -> ContactRecord:
        """A new pending request.

        Raises:
            DuplicateKey: (at commit) the pair has a row already.
        """
        low, high = ordered_pair(requester_id, addressee_id)
        row = Contact(
            id=contact_id,
            user_low=low,
            user_high=high,
            requester_id=requester_id,
            status=ContactStatus.PENDING.value,
            requested_at=now,
            decided_at=None,
        )
        self._session.add(row)
        await self._session.flush()
        return _contact(row)

    async def renew_request(
        self, contact_id: str, *, requester_id: UserId, now: datetime
    ) -> ContactRecord:
        """Turn a declined pair back into a pending request from ``requester_id``."""
        return await self._update(
            contact_id,
            requester_id=requester_id,
            status=ContactStatus.PENDING.value,
            requested_at=now,
            decided_at=None,
        )

    async def decide(self, contact_id: str, status: ContactStatus, now: datetime) -> ContactRecord:
        """Record the addressee's answer."""
        return await self._update(contact_id, status=status.value, decided_at=now)

    async def _update(self, contact_id: str, **values: object) -> ContactRecord:
        await self._session.execute(update(Contact).where(Contact.id == contact_id).values(values))
        row = await self._session.get(Contact, contact_id, populate_existing=True)
        if row is None:
            raise NotFound("no such contact")
        return _contact(row)

    async def delete_contact(self, contact_id: str) -> None:
        await self._session.execute(delete(Contact).where(Contact.id == contact_id))

    async def list_contacts(
        self, user_id: UserId, which: ContactList, *, cursor: str | None, limit: int
    ) -> Slice[ContactEntryRecord]:
        """Contacts or pending requests of a teacher, most recent first."""
        mine = or_(Contact.user_low == user_id, Contact.user_high == user_id)
        other_id = Teacher.user_id
        query = (
            _card_query()
            .add_columns(Contact)
            .join(
                Contact,
                or_(
                    and_(Contact.user_low == user_id, Contact.user_high == other_id),
                    and_(Contact.user_high == user_id, Contact.user_low == other_id),
                ),
            )
            .where(mine)
        )
        if which is ContactList.ACCEPTED:
            since = Contact.decided_at
            query = query.where(Contact.status == ContactStatus.ACCEPTED.value)
        else:
            since = Contact.requested_at
            query = query.where(Contact.status == ContactStatus.PENDING.value)
            if which is ContactList.INCOMING:
                query = query.where(Contact.requester_id != user_id)
            else:
                query = query.where(Contact.requester_id == user_id)
        after = _since_cursor(cursor)
        if after is not None:
            query = query.where(
                or_(since < after[0], and_(since == after[0], Contact.id < after[1]))
            )
        rows = (
            await self._session.execute(
                query.order_by(since.desc(), Contact.id.desc()).limit(limit + 1)
            )
        ).all()
        entries = [
            ContactEntryRecord(contact=_contact(row[-1]), other=_card(row[:-1]))
            for row in rows[:limit]
        ]
        next_cursor = None
        if len(rows) > limit:
            last = entries[-1].contact
            key = last.decided_at if which is ContactList.ACCEPTED else last.requested_at
            assert key is not None
            next_cursor = encode_cursor(key.isoformat(), last.id)
        return Slice(tuple(entries), next_cursor)

    async def list_contact_ids(self, user_id: UserId) -> tuple[UserId, ...]:
        """Every accepted contact of a teacher (for membership checks)."""
        rows = await self._session.execute(
            select(Contact.user_low, Contact.user_high).where(
                or_(Contact.user_low == user_id, Contact.user_high == user_id),
                Contact.status == ContactStatus.ACCEPTED.value,
            )
        )
        return tuple(UserId(high if low == user_id else low) for low, high in rows.all())


class SqlPostRepo:
    """Partner-finding posts."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_post(
        self,
        *,
        post_id: str,
        author_id: UserId,
        fields: PostFields,
        expires_at: datetime,
        now: datetime,
    ) -> PostRecord:
        row = PartnerPost(
            id=post_id,
            author_id=author_id,
            status=PostStatus.OPEN.value,
            created_at=now,
            updated_at=now,
            expires_at=expires_at,
            closed_at=None,
            **_post_values(fields),
        )
        self._session.add(row)
        await self._session.flush()
        return _post(row)

    async def find_post(self, post_id: str) -> PostRecord | None:
        row = await self._session.get(PartnerPost, post_id)
        return None if row is None else _post(row)

    async def update_post(
        self, post_id: str, fields: PostFields, *, expires_at: datetime, now: datetime
    ) -> PostRecord:
        return await self._update(
            post_id, updated_at=now, expires_at=expires_at, **_post_values(fields)
        )

    async def close_post(self, post_id: str, now: datetime) -> PostRecord:
        return await self._update(
            post_id, status=PostStatus.CLOSED.value, closed_at=now, updated_at=now
        )

    async def _update(self, post_id: str, **values: object) -> PostRecord:
        await self._session.execute(
            update(PartnerPost).where(PartnerPost.id == post_id).values(values)
        )
        row = await self._session.get(PartnerPost, post_id, populate_existing=True)
        if row is None:
            raise NotFound("no such post")
        return _post(row)

    async def delete_post(self, post_id: str) -> None:
        await self._session.execute(delete(PartnerPost).where(PartnerPost.id == post_id))

    async def count_open_posts(self, author_id: UserId, now: datetime) -> int:
        """An author's open posts that have not expired."""
        count = await self._session.scalar(
            select(func.count())
            .select_from(PartnerPost)
            .where(
                PartnerPost.author_id == author_id,
                PartnerPost.status == PostStatus.OPEN.value,
                PartnerPost.expires_at > now,
            )
        )
        return int(count or 0)

    async def list_posts(
        self, author_id: UserId, *, only_visible_at: datetime | None, cursor: str | None, limit: int
    ) -> Slice[PostRecord]:
        """An author's posts, newest first.

        Args:
            only_visible_at: Leave out closed posts and posts expired at this time.
        """
        query = select(PartnerPost).where(PartnerPost.author_id == author_id)
        if only_visible_at is not None:
            query = query.where(
                PartnerPost.status == PostStatus.OPEN.value,
                PartnerPost.expires_at > only_visible_at,
            )
        after = _since_cursor(cursor)
        if after is not None:
            query = query.where(
                or_(
                    PartnerPost.created_at < after[0],
                    and_(PartnerPost.created_at == after[0], PartnerPost.id < after[1]),
                )
            )
        order = (PartnerPost.created_at.desc(), PartnerPost.id.desc())
        rows = (await self._session.scalars(query.order_by(*order).limit(limit + 1))).all()
        page = [_post(r) for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode_cursor(page[-1].created_at.isoformat(), page[-1].id)
        return Slice(tuple(page), next_cursor)


def _post_values(fields: PostFields) -> dict[str, object]:
    return {
        "title": fields.title,
        "description": fields.description,
        "subjects": list(fields.subjects),
        "languages": list(fields.languages),
        "age_min": fields.age_min,
        "age_max": fields.age_max,
        "wanted_countries": list(fields.wanted_countries),
    }
