"""Contacts between teachers: request, accept, decline, remove.

eTwinning's rule is "contacts first": only a contact can be invited to found
or join a project, so :meth:`ContactService.are_contacts` is what the project
domain asks. A pair of teachers has one relation whoever asked (the storage
keeps one row per pair). After a decline, the teacher who was declined may ask
again only after ``NetworkSettings.contact_cooldown_s``; the teacher who
declined may change their mind at any time by asking in turn.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from cluster import Clock, RateLimiter, RateRule
from protocol.api.accounts import AccountStatus
from protocol.api.network import ContactList, ContactStatus
from protocol.errors import NotFound, RateLimited
from protocol.ids import UserId, new_id
from storage import Database, DuplicateKey, UnitOfWork
from storage.records import Slice
from storage.records_network import ContactEntryRecord, ContactRecord, TeacherCardRecord

from ..clock import utc_now
from ..errors import InvalidTransition
from ..principal import Principal
from .access import require_networker
from .errors import ContactCooldown, ContactExists, ContactWithSelf, NotYours
from .settings import DAY_S, NetworkSettings

logger = logging.getLogger(__name__)

MAX_PAGE = 100


class ContactService:
    """Teachers' contacts, and the one question other domains ask of them."""

    def __init__(
        self,
        *,
        db: Database,
        limiter: RateLimiter,
        clock: Clock,
        settings: NetworkSettings,
    ) -> None:
        self._db = db
        self._limiter = limiter
        self._clock = clock
        self._settings = settings
        self._request_rule = RateRule(
            "network.contact_request",
            settings.contact_requests_per_day,
            settings.contact_requests_per_day / DAY_S,
        )

    async def are_contacts(self, a: UserId, b: UserId) -> bool:
        """Whether two teachers have accepted each other as contacts."""
        if a == b:
            return False
        async with self._db.transaction("network.are_contacts") as uow:
            return await uow.contacts.are_contacts(a, b)

    async def list_contacts(
        self,
        actor: Principal,
        which: ContactList = ContactList.ACCEPTED,
        *,
        cursor: str | None = None,
        limit: int = MAX_PAGE,
    ) -> Slice[ContactEntryRecord]:
        """The caller's contacts (or pending requests), most recent first.

        Raises:
            Forbidden: The caller is not a teacher.
            AccountNotActive: The teacher is not validated.
            InvalidPayload: A cursor we did not make.
        """
        require_networker(actor)
        async with self._db.transaction("network.list_contacts") as uow:
            return await uow.contacts.list_contacts(
                actor.user_id, which, cursor=cursor, limit=min(limit, MAX_PAGE)
            )

    async def request(self, actor: Principal, other_id: UserId) -> ContactEntryRecord:
        """Ask another validated teacher to become a contact.

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            ContactWithSelf: ``other_id`` is the caller.
            NotFound: No validated teacher has that id.
            ContactExists: Contacts already, or a request waits (either way).
            ContactCooldown: The other teacher declined less than the cool-down ago.
            RateLimited: Too many requests today.
        """
        require_networker(actor)
        if other_id == actor.user_id:
            raise ContactWithSelf("you cannot add yourself as a contact")
        await self._check_rate(actor.user_id)
        now = utc_now(self._clock)
        try:
            async with self._db.transaction("network.request_contact") as uow:
                other = await _validated_card(uow, other_id)
                existing = await uow.contacts.find_contact(actor.user_id, other_id)
                if existing is None:
                    contact = await uow.contacts.add_request(
                        contact_id=new_id(),
                        requester_id=actor.user_id,
                        addressee_id=other_id,
                        now=now,
                    )
                else:
                    self._check_renewal(existing, actor.user_id)
                    contact = await uow.contacts.renew_request(
                        existing.id, requester_id=actor.user_id, now=now
                    )
        except DuplicateKey as exc:
            # The other teacher asked at the same moment: their request won.
            raise ContactExists(
                "a contact request between you is waiting",
                details={"status": ContactStatus.PENDING.value, "is_incoming": True},
            ) from exc
        logger.info("contact requested", extra={"user_id": actor.user_id, "other_id": other_id})
        return ContactEntryRecord(contact=contact, other=other)

    def _check_renewal(self, existing: ContactRecord, requester: UserId) -> None:
        if existing.status is not ContactStatus.DECLINED:
            raise ContactExists(
                "you are contacts already"
                if existing.status is ContactStatus.ACCEPTED
                else "a contact request between you is waiting",
                details={
                    "status": existing.status.value,
                    "is_incoming": existing.requester_id != requester,
                },
            )
        if existing.requester_id != requester:
            return  # the teacher who declined now asks in turn
        assert existing.decided_at is not None
        allowed_at = existing.decided_at + timedelta(seconds=self._settings.contact_cooldown_s)
        wait = (allowed_at - utc_now(self._clock)).total_seconds()
        if wait > 0:
            raise ContactCooldown(
                "this teacher declined your request recently; try again later",
                details={"retry_after_s": int(wait) + 1},
            )

    async def accept(self, actor: Principal, other_id: UserId) -> ContactEntryRecord:
        """Accept the request ``other_id`` sent to the caller.

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            NotFound: No request between the two, or the other teacher is not
                validated any more.
            NotYours: The caller sent the request; only its addressee decides.
            InvalidTransition: The request was already answered.
        """
        return await self._decide(actor, other_id, ContactStatus.ACCEPTED)

    async def decline(self, actor: Principal, other_id: UserId) -> ContactEntryRecord:
        """Decline the request ``other_id`` sent to the caller.

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            NotFound: No request between the two.
            NotYours: The caller sent the request; only its addressee decides.
            InvalidTransition: The request was already answered.
        """
        return await self._decide(actor, other_id, ContactStatus.DECLINED)

    async def _decide(
        self, actor: Principal, other_id: UserId, target: ContactStatus
    ) -> ContactEntryRecord:
        require_networker(actor)
        now = utc_now(self._clock)
        async with self._db.transaction(f"network.contact_{target.value}") as uow:
            existing = await uow.contacts.find_contact(actor.user_id, other_id)
            if existing is None or other_id == actor.user_id:
                raise NotFound("no such contact request")
            if existing.status is not ContactStatus.PENDING:
                raise InvalidTransition(
                    f"this request is {existing.status.value} already",
                    details={"from": existing.status.value, "to": target.value},
                )
            if existing.requester_id == actor.user_id:
                raise NotYours("only the teacher you asked can answer this request")
            other = await _validated_card(uow, other_id)
            contact = await uow.contacts.decide(existing.id, target, now)
        logger.info(
            "contact request answered",
            extra={"user_id": actor.user_id, "other_id": other_id, "status": target.value},
        )
        return ContactEntryRecord(contact=contact, other=other)

    async def remove(self, actor: Principal, other_id: UserId) -> None:
        """End a contact, or withdraw the caller's own pending request.

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            NotFound: No contact and no request of the caller's with that teacher
                (a declined request cannot be removed: its cool-down stands).
            InvalidTransition: The other teacher's request waits for the caller:
                decline it instead.
        """
        require_networker(actor)
        async with self._db.transaction("network.remove_contact") as uow:
            existing = await uow.contacts.find_contact(actor.user_id, other_id)
            if existing is None or existing.status is ContactStatus.DECLINED:
                raise NotFound("no such contact")
            if existing.status is ContactStatus.PENDING and existing.requester_id != actor.user_id:
                raise InvalidTransition("this request waits for your answer: decline it instead")
            await uow.contacts.delete_contact(existing.id)
        logger.info("contact removed", extra={"user_id": actor.user_id, "other_id": other_id})

    async def _check_rate(self, user_id: UserId) -> None:
        decision = await self._limiter.hit(self._request_rule, user_id)
        if not decision.allowed:
            retry = max(1, round(decision.retry_after_s))
            raise RateLimited(
                f"too many contact requests; try again in {retry} seconds",
                details={"retry_after_s": retry},
            )


async def _validated_card(uow: UnitOfWork, user_id: UserId) -> TeacherCardRecord:
    card = await uow.profiles.find_card(user_id)
    if card is None or card.status is not AccountStatus.VALIDATED:
        raise NotFound("no such teacher")
    return card
