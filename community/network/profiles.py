"""Teacher profiles: what a teacher tells other teachers, and finds partners by.

Only validated teachers see profiles, and only validated teachers' profiles
can be seen (a suspended teacher's profile is gone for everyone else). A
teacher who has not signed in for a year is inactive: their profile is gone
for everyone else, in search and by id, until they sign in again (its search
document expires a year after the last sign-in; signing in moves that on). A
teacher edits only their own. Every save rewrites the profile's search
document in the same transaction, so search never shows an old profile.
A teacher who has not filled in a profile yet shows their school's age range
and languages, and is not in search until they save one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from cluster import Clock
from protocol.api.accounts import AccountStatus
from protocol.api.network import (
    AGE_HIGH,
    AGE_LOW,
    MAX_BIO_LEN,
    MAX_INTEREST_LEN,
    MAX_INTERESTS,
    MAX_TERMS,
)
from protocol.errors import InvalidPayload, NotFound
from protocol.ids import UserId
from storage import Database
from storage.records_network import ProfileFields, TeacherCardRecord

from ..clock import utc_now
from ..principal import Principal
from .access import require_networker
from .documents import is_inactive, profile_document
from .errors import NotYours
from .texts import check_age_range, clean_long_text, clean_short_texts
from .vocabulary import Vocabulary

logger = logging.getLogger(__name__)


ProfileDraft = ProfileFields
"""What a teacher submits: the whole profile, before it is checked and cleaned."""


@dataclass(frozen=True, slots=True)
class TeacherProfile:
    """A teacher and their profile."""

    card: TeacherCardRecord
    fields: ProfileFields
    updated_at: datetime | None
    """None while the teacher has not saved a profile (``fields`` are defaults)."""


class TeacherProfileService:
    """Reads and saves teacher profiles."""

    def __init__(self, *, db: Database, clock: Clock, vocabulary: Vocabulary) -> None:
        self._db = db
        self._clock = clock
        self._vocabulary = vocabulary

    async def get_profile(self, actor: Principal, user_id: UserId) -> TeacherProfile:
        """A validated teacher's profile (or the caller's own, whatever it holds).

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            NotFound: No validated teacher has this id, or (for anyone but
                the teacher) one who is inactive.
        """
        require_networker(actor)
        async with self._db.transaction("network.get_profile") as uow:
            card = await uow.profiles.find_card(user_id)
            if card is None or card.status is not AccountStatus.VALIDATED:
                raise NotFound("no such teacher")
            if user_id != actor.user_id and is_inactive(card, utc_now(self._clock)):
                raise NotFound("no such teacher")
            profile = await uow.profiles.find_profile(user_id)
            if profile is not None:
                return TeacherProfile(card, profile.fields, profile.updated_at)
            school = await uow.schools.get_school(card.school_id)
        defaults = ProfileFields(
            bio="",
            subjects=(),
            languages=tuple(c for c in school.languages if self._vocabulary.language(c)),
            interests=(),
            age_min=school.age_min,
            age_max=school.age_max,
            looking_for_partners=False,
        )
        return TeacherProfile(card, defaults, None)

    async def save_profile(
        self, actor: Principal, user_id: UserId, draft: ProfileDraft
    ) -> TeacherProfile:
        """Replace the caller's own profile and its search document.

        Raises:
            Forbidden, AccountNotActive: The caller is not a validated teacher.
            NotYours: ``user_id`` is someone else.
            InvalidPayload: Unknown subject or language codes, a bad age range,
                too long or too many entries.
        """
        require_networker(actor)
        if user_id != actor.user_id:
            raise NotYours("you can only edit your own profile")
        fields = self._check(draft)
        now = utc_now(self._clock)
        async with self._db.transaction("network.save_profile") as uow:
            card = await uow.profiles.find_card(user_id)
            if card is None:
                raise NotFound("no such teacher")
            profile = await uow.profiles.put_profile(user_id, fields, now)
            await uow.search.put(profile_document(card, fields, self._vocabulary))
        logger.info("profile saved", extra={"user_id": user_id})
        return TeacherProfile(card, profile.fields, profile.updated_at)

    def _check(self, draft: ProfileDraft) -> ProfileFields:
        check_age_range(draft.age_min, draft.age_max, low=AGE_LOW, high=AGE_HIGH)
        if len(draft.interests) > MAX_INTERESTS:
            raise InvalidPayload("too many interests", details={"field": "interests"})
        subjects = self._vocabulary.check_subjects(draft.subjects, field="subjects")
        languages = self._vocabulary.check_languages(draft.languages, field="languages")
        if len(subjects) > MAX_TERMS or len(languages) > MAX_TERMS:
            raise InvalidPayload(f"at most {MAX_TERMS} subjects and {MAX_TERMS} languages")
        return ProfileFields(
            bio=clean_long_text(draft.bio, field="bio", max_len=MAX_BIO_LEN, required=False),
            subjects=subjects,
            languages=languages,
            interests=clean_short_texts(
                list(draft.interests), field="interests", max_len=MAX_INTEREST_LEN
            ),
            age_min=draft.age_min,
            age_max=draft.age_max,
            looking_for_partners=draft.looking_for_partners,
        )
