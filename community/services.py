"""Builds the community domain's services from their dependencies.

The server's composition root calls :func:`build_account_services` once; the
services share one password hasher (and so one hashing semaphore), one token
signer and one throttle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cluster import Cluster
from storage import Database

from .accounts.profile import ProfileService
from .accounts.pupils import PupilService
from .accounts.registration import RegistrationService
from .accounts.staff import StaffService
from .accounts.validation import ValidationService
from .auth.limits import Throttle
from .auth.passwords import PasswordHasher
from .auth.sessions import SessionService
from .auth.tokens import TokenSigner, derive_key
from .integrations import IntegrationService
from .mail import Mailer
from .network.contacts import ContactService
from .network.posts import PartnerPostService
from .network.profiles import TeacherProfileService
from .network.search import PartnerSearchService
from .network.settings import NetworkSettings
from .network.vocabulary import vocabulary
from .schools import SchoolService
from .settings import AccountSettings


@dataclass(frozen=True, slots=True)
class AccountServices:
    """Every service of accounts and authentication."""

    signer: TokenSigner
    sessions: SessionService
    registration: RegistrationService
    validation: ValidationService
    pupils: PupilService
    staff: StaffService
    profile: ProfileService
    integrations: IntegrationService
    schools: SchoolService


def build_account_services(
    *,
    db: Database,
    cluster: Cluster,
    secret_key: str,
    previous_secret_keys: Sequence[str] = (),
    mailer: Mailer,
    settings: AccountSettings,
) -> AccountServices:
    """Wire the services together.

    Args:
        secret_key: The server secret; per-purpose keys are derived from it.
        previous_secret_keys: Retired secrets still accepted for verification.
    """
    clock = cluster.clock
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        concurrency=settings.hash_concurrency,
    )
    signer = TokenSigner(
        secret_key,
        previous_secrets=previous_secret_keys,
        issuer=settings.issuer,
        clock=clock,
    )
    throttle = Throttle(cluster.rate_limiter, derive_key(secret_key, "rate-limit-keys"))
    sessions = SessionService(
        db=db,
        hasher=hasher,
        signer=signer,
        throttle=throttle,
        bus=cluster.bus,
        node_id=cluster.node_id,
        clock=clock,
        settings=settings,
    )
    return AccountServices(
        signer=signer,
        sessions=sessions,
        registration=RegistrationService(
            db=db,
            hasher=hasher,
            throttle=throttle,
            mailer=mailer,
            clock=clock,
            settings=settings,
        ),
        validation=ValidationService(db=db, sessions=sessions, mailer=mailer, clock=clock),
        pupils=PupilService(
            db=db, hasher=hasher, sessions=sessions, clock=clock, settings=settings
        ),
        staff=StaffService(db=db, hasher=hasher, clock=clock, settings=settings),
        profile=ProfileService(
            db=db, hasher=hasher, sessions=sessions, clock=clock, settings=settings
        ),
        integrations=IntegrationService(
            db=db,
            signer=signer,
            throttle=throttle,
            key_secret=derive_key(secret_key, "api-keys"),
            clock=clock,
            settings=settings,
        ),
        schools=SchoolService(db=db),
    )


@dataclass(frozen=True, slots=True)
class NetworkServices:
    """Every service of the networking area (profiles, contacts, posts, search)."""

    contacts: ContactService
    profiles: TeacherProfileService
    posts: PartnerPostService
    search: PartnerSearchService


def build_network_services(
    *, db: Database, cluster: Cluster, settings: NetworkSettings | None = None
) -> NetworkServices:
    """Wire the networking services together."""
    settings = settings or NetworkSettings()
    clock, terms = cluster.clock, vocabulary()
    return NetworkServices(
        contacts=ContactService(
            db=db, limiter=cluster.rate_limiter, clock=clock, settings=settings
        ),
        profiles=TeacherProfileService(db=db, clock=clock, vocabulary=terms),
        posts=PartnerPostService(db=db, clock=clock, vocabulary=terms, settings=settings),
        search=PartnerSearchService(db=db, clock=clock, vocabulary=terms),
    )
