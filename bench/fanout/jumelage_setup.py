"""Arrange the people, project and meetings ``bench/chat_fanout.py`` needs on our server.

    .venv/bin/python bench/fanout/jumelage_setup.py --rooms 10 --participants 31 --idle 10000

Reads the server's settings from the environment (``JUMELAGE_DATA_DIR``,
``JUMELAGE_DATABASE__URL``, ``JUMELAGE_AUTH__SECRET_KEY``, ...), exactly as
``jumelage serve`` will, and goes through the domain services only, as the
product would: a platform admin validates two teachers of partner schools in
two countries, they become contacts and found a project, the host teacher
creates the pupils and adds them, schedules one meeting per room, and mints
join tokens through a school API key (``IntegrationService.mint_join_token``).

Prints (or writes to ``--out``) one JSON object: for each room its id, the host's token (the sender,
who also keeps the room out of the teacher-absent failsafe) and the pupils'
tokens; and ``idle`` tokens for the idle connections, for pupils of their
own (at most five connections each) spread over the rooms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from community import NewSchool, TeacherRegistration
from community.clock import utc_now
from community.integrations import SCOPE_JOIN_TOKENS
from community.projects.fields import ProjectForm
from community.projects.meetings import MeetingPlan
from protocol import new_id
from protocol.api.accounts import AccountKind, AccountStatus, RoleAtSchool, SchoolType
from protocol.api.grants import RoomRole
from protocol.api.spaces import MeetingAudience
from server.config import load_settings
from server.runtime import open_services
from server.services import Services

PASSWORD = "violet-harbour-lantern-42"
TOKEN_TTL_S = 3600
PUPIL_BATCH = 200
IDLE_PER_USER = 5


def bench_settings_overrides() -> dict[str, Any]:
    """Arranging only: cheap password hashes and no minting limits."""
    return {
        "accounts": {
            "argon2_time_cost": 1,
            "argon2_memory_kib": 8192,
            "join_token_max_ttl_s": TOKEN_TTL_S,
            "join_tokens_per_key": 10_000_000,
            "token_requests_per_address": 10_000_000,
            "registrations_per_address": 1000,
            "login_attempts_per_address": 1000,
        }
    }


class Arranger:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.admin: Any = None

    def client(self) -> str:
        return f"bench-{new_id()[:10]}"

    async def principal(self, login: str) -> Any:
        signed = await self.s.accounts.sessions.login(login, PASSWORD, client=self.client())
        return await self.s.accounts.sessions.authenticate(signed.access_token)

    async def platform_admin(self) -> Any:
        email = f"admin-{new_id()[:8]}@bench.example"
        await self.s.accounts.staff.create_admin(
            None,
            kind=AccountKind.PLATFORM_ADMIN,
            email=email,
            full_name="Bench Admin",
            country_code=None,
            password=PASSWORD,
        )
        self.admin = await self.principal(email)

    async def teacher(self, country: str, *, school_admin: bool) -> Any:
        email = f"teacher-{new_id()[:8]}@bench.example"
        await self.s.accounts.registration.register_teacher(
            TeacherRegistration(
                email=email,
                password=PASSWORD,
                full_name=f"Bench Teacher {country}",
                role_at_school=RoleAtSchool.TEACHER,
                school_id=None,
                new_school=NewSchool(
                    name=f"Bench School {country} {new_id()[:6]}",
                    country_code=country,
                    city="Town",
                    school_type=SchoolType.LOWER_SECONDARY,
                    age_min=10,
                    age_max=15,
                    languages=("en",),
                ),
            ),
            client=self.client(),
        )
        user = await self.principal(email)
        validation = self.s.accounts.validation
        await validation.decide(self.admin, user.user_id, AccountStatus.VALIDATED, reason=None)
        if school_admin:
            await validation.set_school_admin(self.admin, user.user_id, True)
        return await self.principal(email)


async def arrange(rooms: int, participants: int, idle: int) -> dict[str, Any]:
    settings = load_settings(**bench_settings_overrides())
    async with open_services(settings, migrate=True) as services:
        a = Arranger(services)
        await a.platform_admin()
        host = await a.teacher("FR", school_admin=True)
        partner = await a.teacher("DE", school_admin=False)
        contacts = services.network.contacts
        await contacts.request(host, partner.user_id)
        await contacts.accept(partner, host.user_id)
        projects = services.projects
        project = await projects.projects.found(
            host,
            ProjectForm(title="Chat fan-out benchmark", description="Load test", languages=["en"]),
            co_founder_ids=[partner.user_id],
        )
        (invitation,) = [
            i for i in await projects.invitations.list_mine(partner) if i.project_id == project.id
        ]
        await projects.invitations.accept(partner, invitation.id)

        async def new_pupils(count: int, class_label: str) -> list[Any]:
            ids: list[Any] = []
            for start in range(0, count, PUPIL_BATCH):
                issued = await services.accounts.pupils.create_pupils(
                    host,
                    class_label=class_label,
                    display_names=[None] * min(PUPIL_BATCH, count - start),
                )
                batch = [p.record.user_id for p in issued]
                await projects.members.add_pupils(host, project.id, batch)
                ids += batch
            return ids

        pupil_ids = await new_pupils(rooms * (participants - 1), "7A")
        # Idle connections belong to pupils of their own, IDLE_PER_USER each:
        # a class's devices rather than one account's thousands.
        idle_ids = await new_pupils(-(-idle // IDLE_PER_USER), "7B") if idle else []

        now = utc_now(services.cluster.clock)
        room_ids = []
        for r in range(rooms):
            seen = await projects.meetings.schedule(
                host,
                project.id,
                MeetingPlan(
                    title=f"Fan-out room {r}",
                    starts_at=now + timedelta(minutes=1),
                    ends_at=now + timedelta(hours=4),
                    audience=MeetingAudience.ALL_MEMBERS,
                ),
            )
            room_ids.append(seen.meetings[0].room_id)

        integrations = services.accounts.integrations
        key = await integrations.create_key(
            host, host.school_id, name="bench", scopes=frozenset({SCOPE_JOIN_TOKENS})
        )
        integration = await integrations.authenticate_key(key.secret_key)

        async def mint(user_id: Any, room_id: Any, role: RoomRole) -> str:
            minted = await integrations.mint_join_token(
                integration,
                user_id=user_id,
                room_id=room_id,
                role=role,
                grants=None,
                ttl_s=TOKEN_TTL_S,
                client="bench",
            )
            return minted.token

        per_room = participants - 1
        plan = []
        for r, room_id in enumerate(room_ids):
            pupils = pupil_ids[r * per_room : (r + 1) * per_room]
            plan.append(
                {
                    "room_id": room_id,
                    "host": await mint(host.user_id, room_id, RoomRole.HOST),
                    "pupils": [await mint(p, room_id, RoomRole.PUPIL) for p in pupils],
                }
            )
        idle_tokens = [
            await mint(
                idle_ids[i % len(idle_ids)],
                room_ids[(i // len(idle_ids)) % len(room_ids)],
                RoomRole.PUPIL,
            )
            for i in range(idle)
        ]
        return {"project_id": project.id, "rooms": plan, "idle": idle_tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--participants", type=int, default=31)
    parser.add_argument("--idle", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the JSON here (default: stdout)")
    args = parser.parse_args()
    arranged = json.dumps(asyncio.run(arrange(args.rooms, args.participants, args.idle)))
    if args.out:
        args.out.write_text(arranged)
    else:
        print(arranged)


if __name__ == "__main__":
    main()
