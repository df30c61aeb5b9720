"""ORM models, one module per domain area. Importing this registers them all."""

from . import accounts, moderation, network, projects, rooms
from .base import Base

__all__ = ["Base", "accounts", "moderation", "network", "projects", "rooms"]
