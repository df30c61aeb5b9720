"""Partner-finding posts ("project ideas"): a teacher describes a project and
the partners they look for; other teachers find it in partner search.

Only the author changes, closes or deletes a post. A post is open until its
author closes it (closing is final: write a new post to look again) or until
it expires; either way it drops out of search, though its page stays
readable. Every write updates the post's search document in the same
transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from cluster import Clock
from protocol.api.accounts import AccountStatus
from protocol.api.network import (
    AGE_HIGH,
    AGE_LOW,
    MAX_POST_DESCRIPTION_LEN,
    MAX_POST_TITLE_LEN,
    PostStatus,
    SearchKind,
)
from protocol.errors import InvalidPayload, NotFound
from protocol.ids import UserId, new_id
from storage import Database, UnitOfWork
from storage.records import Slice
from storage.records_network import PostFields, PostRecord, TeacherCardRecord

from ..accounts.names import clean_display_text
from ..clock import utc_now
from ..countries import country_table
from ..errors import InvalidTransition
from ..principal import Principal
from .access import require_networker
from .documents import is_expired, post_document
from .errors import NotYours, TooManyPosts
from .settings import NetworkSettings
from .texts import check_age_range, clean_long_text
from .vocabulary import Vocabulary

logger = logging.getLogger(__name__)

MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class PostDraft:
    """A new post, as the author writes it."""

    fields: PostFields
    expires_at: datetime | None
    """None for the default lifetime."""


@dataclass(frozen=True, slots=True)
class PostChanges:
    """Changes to a post; None leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    subjects: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    age_min: int | None = None
    age_max: int | None = None
    wanted_countries: tuple[str, ...] | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PartnerPost:
    """A post with its author, as readers see it."""

    post: PostRecord
    author: TeacherCardRecord
    is_expired: bool


class PartnerPostService:
    """Create, read, change, close and delete partner-finding posts."""

    def __init__(
        self, *, db: Database, clock: Clock, vocabulary: Vocabulary, settings: NetworkSettings
    ) -> None:
        self._db = db
        self._clock = clock
        self._vocabulary = vocabulary
        self._settings = settings

    async def create_post(self, actor: Principal, draft: PostDraft) -> PartnerPost:
        """Publish a post; it is in search at once.

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            InvalidPayload: Unknown codes, a bad age range or expiry, empty texts.
            TooManyPosts: The caller has ``max_open_posts`` open posts already.
        """
        require_networker(actor)
        now = utc_now(self._clock)
        fields = self._check(draft.fields, now)
        expires_at = self._check_expiry(draft.expires_at, now)
        async with self._db.transaction("network.create_post") as uow:
            if (
                await uow.posts.count_open_posts(actor.user_id, now)
                >= self._settings.max_open_posts
            ):
                raise TooManyPosts(
                    f"you have {self._settings.max_open_posts} open posts: close one first",
                    details={"limit": self._settings.max_open_posts},
                )
            author = await _author(uow, actor.user_id)
            post = await uow.posts.add_post(
                post_id=new_id(),
                author_id=actor.user_id,
                fields=fields,
                expires_at=expires_at,
                now=now,
            )
            await uow.search.put(post_document(post, author, self._vocabulary))
        logger.info("post created", extra={"user_id": actor.user_id, "post_id": post.id})
        return PartnerPost(post, author, is_expired=False)

    async def get_post(self, actor: Principal, post_id: str) -> PartnerPost:
        """A post of a validated teacher (closed and expired ones too).

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            NotFound: No such post, or its author is not validated any more.
        """
        require_networker(actor)
        async with self._db.transaction("network.get_post") as uow:
            post, author = await _readable(uow, actor, post_id)
        return PartnerPost(post, author, is_expired(post, utc_now(self._clock)))

    async def list_posts(
        self,
        actor: Principal,
        author_id: UserId | None,
        *,
        cursor: str | None,
        limit: int,
    ) -> Slice[PartnerPost]:
        """A teacher's posts, newest first: all of the caller's own, or another
        teacher's open and unexpired ones.

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            NotFound: ``author_id`` is not a validated teacher.
            InvalidPayload: A cursor we did not make.
        """
        require_networker(actor)
        author_id = author_id or actor.user_id
        now = utc_now(self._clock)
        own = author_id == actor.user_id
        async with self._db.transaction("network.list_posts") as uow:
            author = await _author(uow, author_id)
            if not own and author.status is not AccountStatus.VALIDATED:
                raise NotFound("no such teacher")
            found = await uow.posts.list_posts(
                author_id,
                only_visible_at=None if own else now,
                cursor=cursor,
                limit=min(limit, MAX_PAGE),
            )
        return Slice(
            tuple(PartnerPost(p, author, is_expired(p, now)) for p in found.items),
            found.next_cursor,
        )

    async def update_post(
        self, actor: Principal, post_id: str, changes: PostChanges
    ) -> PartnerPost:
        """Change the caller's own open post.

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            NotFound: No such post.
            NotYours: Someone else wrote it.
            InvalidTransition: The post is closed.
            InvalidPayload: A bad field, as for :meth:`create_post`.
        """
        require_networker(actor)
        now = utc_now(self._clock)
        async with self._db.transaction("network.update_post") as uow:
            post, author = await self._own_open(uow, actor, post_id)
            fields = self._check(_apply(post.fields, changes), now)
            expires_at = (
                post.expires_at
                if changes.expires_at is None
                else self._check_expiry(changes.expires_at, now)
            )
            post = await uow.posts.update_post(post_id, fields, expires_at=expires_at, now=now)
            await uow.search.put(post_document(post, author, self._vocabulary))
        logger.info("post updated", extra={"user_id": actor.user_id, "post_id": post_id})
        return PartnerPost(post, author, is_expired(post, now))

    async def close_post(self, actor: Principal, post_id: str) -> PartnerPost:
        """Close the caller's own post: it leaves search for good.

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            NotFound: No such post.
            NotYours: Someone else wrote it.
            InvalidTransition: The post is closed already.
        """
        require_networker(actor)
        now = utc_now(self._clock)
        async with self._db.transaction("network.close_post") as uow:
            _, author = await self._own_open(uow, actor, post_id)
            post = await uow.posts.close_post(post_id, now)
            await uow.search.remove(SearchKind.POST, post_id)
        logger.info("post closed", extra={"user_id": actor.user_id, "post_id": post_id})
        return PartnerPost(post, author, is_expired(post, now))

    async def delete_post(self, actor: Principal, post_id: str) -> None:
        """Delete the caller's own post, open or closed.

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            NotFound: No such post.
            NotYours: Someone else wrote it.
        """
        require_networker(actor)
        async with self._db.transaction("network.delete_post") as uow:
            await _own(uow, actor, post_id)
            await uow.search.remove(SearchKind.POST, post_id)
            await uow.posts.delete_post(post_id)
        logger.info("post deleted", extra={"user_id": actor.user_id, "post_id": post_id})

    async def _own_open(
        self, uow: UnitOfWork, actor: Principal, post_id: str
    ) -> tuple[PostRecord, TeacherCardRecord]:
        post, author = await _own(uow, actor, post_id)
        if post.status is not PostStatus.OPEN:
            raise InvalidTransition("this post is closed", details={"from": post.status.value})
        return post, author

    def _check(self, fields: PostFields, now: datetime) -> PostFields:
        check_age_range(fields.age_min, fields.age_max, low=AGE_LOW, high=AGE_HIGH)
        today = now.date()
        countries = country_table()
        wanted: list[str] = []
        for code in dict.fromkeys(c.upper() for c in fields.wanted_countries):
            country = countries.find(code)
            if country is None or not country.is_participating(today):
                raise InvalidPayload(
                    f"{code} does not take part in eTwinning",
                    details={"field": "wanted_countries", "unknown": [code]},
                )
            wanted.append(country.code)
        languages = self._vocabulary.check_languages(fields.languages, field="languages")
        if not languages:
            raise InvalidPayload("name at least one language", details={"field": "languages"})
        return PostFields(
            title=clean_display_text(fields.title, field="title", max_len=MAX_POST_TITLE_LEN),
            description=clean_long_text(
                fields.description,
                field="description",
                max_len=MAX_POST_DESCRIPTION_LEN,
                required=True,
            ),
            subjects=self._vocabulary.check_subjects(fields.subjects, field="subjects"),
            languages=languages,
            age_min=fields.age_min,
            age_max=fields.age_max,
            wanted_countries=tuple(wanted),
        )

    def _check_expiry(self, expires_at: datetime | None, now: datetime) -> datetime:
        if expires_at is None:
            return now + timedelta(seconds=self._settings.post_default_ttl_s)
        if expires_at.tzinfo is None:
            raise InvalidPayload(
                "give the expiry with its time zone", details={"field": "expires_at"}
            )
        latest = now + timedelta(seconds=self._settings.post_max_ttl_s)
        if not now < expires_at <= latest:
            raise InvalidPayload(
                "a post must expire in the future and within a year",
                details={"field": "expires_at"},
            )
        return expires_at


def _apply(fields: PostFields, changes: PostChanges) -> PostFields:
    return PostFields(
        title=changes.title if changes.title is not None else fields.title,
        description=(
            changes.description if changes.description is not None else fields.description
        ),
        subjects=changes.subjects if changes.subjects is not None else fields.subjects,
        languages=changes.languages if changes.languages is not None else fields.languages,
        age_min=changes.age_min if changes.age_min is not None else fields.age_min,
        age_max=changes.age_max if changes.age_max is not None else fields.age_max,
        wanted_countries=(
            changes.wanted_countries
            if changes.wanted_countries is not None
            else fields.wanted_countries
        ),
    )


async def _author(uow: UnitOfWork, user_id: UserId) -> TeacherCardRecord:
    card = await uow.profiles.find_card(user_id)
    if card is None:
        raise NotFound("no such teacher")
    return card


async def _readable(
    uow: UnitOfWork, actor: Principal, post_id: str
) -> tuple[PostRecord, TeacherCardRecord]:
    post = await uow.posts.find_post(post_id)
    if post is None:
        raise NotFound("no such post")
    author = await _author(uow, post.author_id)
    if author.user_id != actor.user_id and author.status is not AccountStatus.VALIDATED:
        raise NotFound("no such post")
    return post, author


async def _own(
    uow: UnitOfWork, actor: Principal, post_id: str
) -> tuple[PostRecord, TeacherCardRecord]:
    post, author = await _readable(uow, actor, post_id)
    if post.author_id != actor.user_id:
        raise NotYours("only the author can change this post")
    return post, author
