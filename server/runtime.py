"""Opening and closing the resources every entry point needs.

The HTTP app and the CLI commands both need the database (migrated), the
cluster ports and the domain services; :func:`open_services` opens them in
order and closes them in reverse, whatever happens in between.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata

from cluster import Clock, RoomStoreOptions, build_cluster
from community import (
    ProjectDirectory,
    build_account_services,
    build_network_services,
    build_project_services,
)
from moderation.chat import build_chat_moderation, build_moderation_gates
from protocol import NodeId, new_id
from rooms import CommunityDirectory, RoomDirectory, build_room_services
from storage import Database, current_revision, head_revision, upgrade
from storage.files import LocalBlobStore

from .config import Settings
from .mail import build_mailer
from .metrics import Metrics
from .services import Services

logger = logging.getLogger(__name__)


def version() -> str:
    """The installed package's version."""
    try:
        return metadata.version("jumelage")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def node_id(settings: Settings) -> NodeId:
    """This node's id: configured, or host, process and a random suffix."""
    if settings.node_id:
        return NodeId(settings.node_id)
    return NodeId(f"{socket.gethostname()}-{os.getpid()}-{new_id()[:8]}")


async def ensure_schema(db: Database) -> None:
    """Apply pending migrations when the database is empty or behind."""
    current, head = await current_revision(db), head_revision()
    if current == head:
        return
    logger.info(
        "upgrading the database schema",
        extra={"from_revision": current, "to_revision": head},
    )
    await upgrade(db)


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    metrics: Metrics | None = None,
    migrate: bool | None = None,
    room_directory: RoomDirectory | None = None,
) -> AsyncIterator[Services]:
    """Open the database, the cluster ports and the domain services.

    Args:
        clock: Time source; the system clock by default.
        metrics: Where to count; a fresh registry by default.
        migrate: Apply pending migrations first; the setting by default.
        room_directory: Where live rooms find projects and meetings; the
            community's projects by default (tests pass a fake).
    """
    metrics = metrics or Metrics()
    secret_key = settings.secret_key()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(
        settings.database_url(),
        pool_size=settings.database.pool_size,
        observer=metrics.observe_transaction,
    )
    try:
        if settings.database.migrate_on_start if migrate is None else migrate:
            await ensure_schema(db)
        async with build_cluster(
            settings.redis_url(),
            node_id=node_id(settings),
            clock=clock,
            namespace=settings.redis.namespace,
            rooms=RoomStoreOptions(
                log_capacity=settings.rooms.replay_window_events,
                ttl_s=settings.rooms.state_ttl_s,
            ),
        ) as cluster:
            accounts = build_account_services(
                db=db,
                cluster=cluster,
                secret_key=secret_key,
                previous_secret_keys=[
                    k.get_secret_value() for k in settings.auth.previous_secret_keys
                ],
                mailer=build_mailer(settings.mail, settings.data_dir),
                settings=settings.accounts,
            )
            network = build_network_services(db=db, cluster=cluster)
            # Moderation's gates first: the forum and the rooms' chat cross them.
            gates = build_moderation_gates(
                db=db,
                limiter=cluster.rate_limiter,
                directory=ProjectDirectory(db=db),
                clock=cluster.clock,
                settings=settings.moderation,
            )
            projects = build_project_services(
                db=db,
                clock=cluster.clock,
                contacts=network.contacts,
                blobs=LocalBlobStore(settings.data_dir / "blobs"),
                settings=settings.projects,
                gate=gates.space,
            )
            rooms = build_room_services(
                db=db,
                state=cluster.room_state,
                log=cluster.event_log,
                clock=cluster.clock,
                directory=room_directory or CommunityDirectory(projects.directory),
                settings=settings.rooms,
                gate=gates.chat,
                liveness=cluster.liveness,
            )
            moderation = build_chat_moderation(
                db=db,
                rooms=rooms,
                gates=gates,
                directory=projects.directory,
                clock=cluster.clock,
                limiter=cluster.rate_limiter,
                settings=settings.moderation,
            )
            try:
                yield Services(
                    settings=settings,
                    db=db,
                    cluster=cluster,
                    accounts=accounts,
                    network=network,
                    projects=projects,
                    rooms=rooms,
                    moderation=moderation,
                    metrics=metrics,
                    version=version(),
                )
            finally:
                # Messages queued for the chat writer are stored before the database goes.
                await gates.close()
                rooms.admission.close()
    finally:
        await db.close()
