"""Teachers register themselves; they wait for their country's NSO.

A registration names the teacher's school: an existing one, or a new one in a
participating country. The answer is the same whether or not the e-mail
address already has an account (the owner of that address is told by mail
instead), so registration cannot be used to find out who is on Jumelage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email

from cluster import Clock
from protocol.api.accounts import AccountKind, AccountStatus, RoleAtSchool, SchoolType
from protocol.errors import InvalidPayload
from protocol.ids import SchoolId, UserId, new_id
from storage import Database, DuplicateKey

from ..auth.limits import AuthLimits, Throttle
from ..auth.passwords import PasswordHasher, check_password_policy
from ..clock import utc_now
from ..countries import country_table
from ..mail import Mailer, registration_attempt_on_existing, registration_received
from ..settings import AccountSettings
from .names import clean_display_text, normalise_login

logger = logging.getLogger(__name__)

MAX_NAME_LEN = 120
MAX_SCHOOL_NAME_LEN = 200
MAX_CITY_LEN = 120
PUPIL_AGE_RANGE = (3, 20)


@dataclass(frozen=True, slots=True)
class NewSchool:
    """A school that is not on Jumelage yet."""

    name: str
    country_code: str
    city: str
    school_type: SchoolType
    age_min: int
    age_max: int
    languages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TeacherRegistration:
    """What a teacher gives when registering."""

    email: str
    password: str
    full_name: str
    role_at_school: RoleAtSchool
    school_id: SchoolId | None
    new_school: NewSchool | None


def normalise_email(email: str) -> str:
    """The stored form of an e-mail address (syntax checked, lower case).

    Raises:
        InvalidPayload: Not an e-mail address.
    """
    try:
        checked = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidPayload(
            "this is not a valid e-mail address", details={"field": "email"}
        ) from exc
    return normalise_login(checked.normalized)


def check_new_school(school: NewSchool, today: date) -> NewSchool:
    """Validate a new school's fields.

    Raises:
        InvalidPayload: Unknown or non-participating country, bad age range.
    """
    country = country_table().find(school.country_code)
    if country is None or not country.is_participating(today):
        raise InvalidPayload(
            "the school's country does not take part in eTwinning",
            details={"field": "school.country_code"},
        )
    low, high = PUPIL_AGE_RANGE
    if not low <= school.age_min <= school.age_max <= high:
        raise InvalidPayload(
            f"pupils' ages must be between {low} and {high}, lowest first",
            details={"field": "school.age_min"},
        )
    return NewSchool(
        name=clean_display_text(school.name, field="school.name", max_len=MAX_SCHOOL_NAME_LEN),
        country_code=country.code,
        city=clean_display_text(school.city, field="school.city", max_len=MAX_CITY_LEN),
        school_type=school.school_type,
        age_min=school.age_min,
        age_max=school.age_max,
        languages=school.languages,
    )


class RegistrationService:
    """Registers teachers and the schools they bring."""

    def __init__(
        self,
        *,
        db: Database,
        hasher: PasswordHasher,
        throttle: Throttle,
        mailer: Mailer,
        clock: Clock,
        settings: AccountSettings,
    ) -> None:
        self._db = db
        self._hasher = hasher
        self._throttle = throttle
        self._limits = AuthLimits.from_settings(settings)
        self._mailer = mailer
        self._clock = clock
        self._settings = settings

    async def register_teacher(self, form: TeacherRegistration, *, client: str) -> None:
        """Register a teacher, pending validation by their country's NSO.

        Raises:
            RateLimited: Too many registrations from this address.
            InvalidPayload: A bad field (e-mail, name, school).
            WeakPassword: The password policy refused the password.
            NotFound: ``school_id`` names no school.
        """
        await self._throttle.check(self._limits.register_per_address, client)
        email = normalise_email(form.email)
        full_name = clean_display_text(form.full_name, field="full_name", max_len=MAX_NAME_LEN)
        check_password_policy(
            form.password,
            min_length=self._settings.password_min_length,
            context=[email.split("@")[0], *full_name.split()],
        )
        if (form.school_id is None) == (form.new_school is None):
            raise InvalidPayload(
                "give either school_id or new_school", details={"field": "school_id"}
            )
        now = utc_now(self._clock)
        new_school = (
            None if form.new_school is None else check_new_school(form.new_school, now.date())
        )
        # Hash before looking the address up, so that a taken address costs
        # the same time as a free one.
        password_hash = await self._hasher.hash(form.password)
        user_id = UserId(new_id())
        try:
            async with self._db.transaction("accounts.register_teacher") as uow:
                if await uow.accounts.login_exists(email):
                    raise DuplicateKey("address taken")
                if new_school is not None:
                    school_id = SchoolId(new_id())
                    await uow.schools.add_school(
                        school_id=school_id,
                        name=new_school.name,
                        country_code=new_school.country_code,
                        city=new_school.city,
                        school_type=new_school.school_type.value,
                        age_min=new_school.age_min,
                        age_max=new_school.age_max,
                        languages=list(new_school.languages),
                        now=now,
                    )
                else:
                    assert form.school_id is not None
                    school_id = (await uow.schools.get_school(form.school_id)).id
                await uow.accounts.add_user(
                    user_id=user_id,
                    kind=AccountKind.TEACHER,
                    status=AccountStatus.PENDING,
                    login=email,
                    password_hash=password_hash,
                    now=now,
                )
                await uow.accounts.add_teacher(
                    user_id=user_id,
                    full_name=full_name,
                    school_id=school_id,
                    role_at_school=form.role_at_school.value,
                )
                await uow.audit.add_entry(
                    at=now,
                    actor_id=user_id,
                    action="teacher.registered",
                    subject_type="user",
                    subject_id=user_id,
                    scope_type="country",
                    scope_id=(await uow.schools.get_school(school_id)).country_code,
                )
        except DuplicateKey:
            logger.info("registration for an address that already has an account")
            await self._mailer.send(registration_attempt_on_existing(email))
            return
        logger.info("teacher registered", extra={"user_id": user_id})
        await self._mailer.send(registration_received(email))
