"""ORM models, one module per domain area. Importing this registers them all."""

from . import accounts, network, projects
from .base import Base

__all__ = ["Base", "accounts", "network", "projects"]
