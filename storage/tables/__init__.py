"""ORM models, one module per domain area. Importing this registers them all."""

from . import accounts, network, projects, rooms
from .base import Base

__all__ = ["Base", "accounts", "network", "projects", "rooms"]
