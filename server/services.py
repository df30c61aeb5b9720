"""The bundle of services that HTTP handlers and realtime handlers reach.

Built once by the composition root (``server.app``) and handed to every
handler through its context; nothing is looked up from globals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aiohttp import web

from cluster import Cluster
from community import AccountServices, NetworkServices, ProjectServices
from community.clock import utc_now
from moderation.chat import ChatModeration
from rooms import RoomServices
from storage import Database

from .config import Settings
from .metrics import Metrics


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a handler may call."""

    settings: Settings
    db: Database
    cluster: Cluster
    accounts: AccountServices
    network: NetworkServices
    projects: ProjectServices
    rooms: RoomServices
    moderation: ChatModeration
    metrics: Metrics
    version: str

    def today(self) -> date:
        """Today's date (UTC) by the cluster's clock."""
        return utc_now(self.cluster.clock).date()


SERVICES_KEY = web.AppKey("services", Services)
