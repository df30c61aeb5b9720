"""``World``: arranges schools and accounts for a test, as the product would.

Accounts are created through the domain services (registration, NSO
validation, pupil creation), never by writing rows, so every test starts from
states the real system can reach. Each account is signed in through the
session service with a client address of its own, so arranging many accounts
never trips the per-address sign-in limit that the tests of that limit need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

from community import NewSchool, Principal, TeacherRegistration
from protocol import new_id
from protocol.api.accounts import AccountKind, AccountStatus, RoleAtSchool, SchoolType
from protocol.ids import SchoolId, UserId
from server.services import Services
from tests.fakes.clock import FakeClock

PASSWORD = "correct horse battery staple"


@dataclass
class Actor:
    """A signed-in account."""

    user_id: UserId
    login: str
    password: str
    access_token: str
    refresh_token: str
    principal: Principal
    school_id: SchoolId | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class World:
    """Builds what a test needs, step by step."""

    def __init__(self, services: Services, client: TestClient[Any, Any], clock: FakeClock) -> None:
        self.services = services
        self.client = client
        self.clock = clock
        self._admin: Actor | None = None
        self._count = 0

    def _unique(self, stem: str) -> str:
        self._count += 1
        return f"{stem}{self._count}-{new_id()[:6]}"

    async def sign_in(self, login: str, password: str) -> Actor:
        sessions = self.services.accounts.sessions
        signed = await sessions.login(login, password, client=self._unique("client-"))
        principal = await sessions.authenticate(signed.access_token)
        return Actor(
            user_id=signed.user_id,
            login=login,
            password=password,
            access_token=signed.access_token,
            refresh_token=signed.refresh_token,
            principal=principal,
            school_id=principal.school_id,
        )

    async def platform_admin(self) -> Actor:
        if self._admin is None:
            email = f"{self._unique('admin')}@example.org"
            await self.services.accounts.staff.create_admin(
                None,
                kind=AccountKind.PLATFORM_ADMIN,
                email=email,
                full_name="Platform Admin",
                country_code=None,
                password=PASSWORD,
            )
            self._admin = await self.sign_in(email, PASSWORD)
        return self._admin

    async def nso_admin(self, country: str) -> Actor:
        admin = await self.platform_admin()
        email = f"{self._unique('nso')}@example.org"
        await self.services.accounts.staff.create_admin(
            admin.principal,
            kind=AccountKind.NSO_ADMIN,
            email=email,
            full_name=f"Officer {country}",
            country_code=country,
            password=PASSWORD,
        )
        return await self.sign_in(email, PASSWORD)

    async def school(self, country: str = "FR", *, name: str | None = None) -> SchoolId:
        """A school, registered with a first (pending) teacher of its own."""
        teacher = await self.teacher(country=country, validated=False, school_name=name)
        assert teacher.school_id is not None
        return teacher.school_id

    async def teacher(
        self,
        *,
        country: str = "FR",
        school_id: SchoolId | None = None,
        validated: bool = True,
        school_admin: bool = False,
        school_name: str | None = None,
    ) -> Actor:
        email = f"{self._unique('teacher')}@example.org"
        await self.services.accounts.registration.register_teacher(
            TeacherRegistration(
                email=email,
                password=PASSWORD,
                full_name="Ada Teacher",
                role_at_school=RoleAtSchool.TEACHER,
                school_id=school_id,
                new_school=None
                if school_id is not None
                else NewSchool(
                    name=school_name or self._unique("School "),
                    country_code=country,
                    city="Town",
                    school_type=SchoolType.LOWER_SECONDARY,
                    age_min=10,
                    age_max=15,
                    languages=("en",),
                ),
            ),
            client=self._unique("register-"),
        )
        actor = await self.sign_in(email, PASSWORD)
        admin = await self.platform_admin()
        if validated:
            await self.services.accounts.validation.decide(
                admin.principal, actor.user_id, AccountStatus.VALIDATED, reason=None
            )
            if school_admin:
                await self.services.accounts.validation.set_school_admin(
                    admin.principal, actor.user_id, True
                )
            actor.principal = await self.services.accounts.sessions.authenticate(actor.access_token)
        return actor

    async def pupils(self, teacher: Actor, count: int = 1, class_label: str = "6B") -> list[Actor]:
        issued = await self.services.accounts.pupils.create_pupils(
            teacher.principal, class_label=class_label, display_names=[None] * count
        )
        return [await self.sign_in(p.record.login, p.password) for p in issued]

    async def pupil(self, teacher: Actor) -> Actor:
        (pupil,) = await self.pupils(teacher, 1)
        return pupil
