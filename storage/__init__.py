"""The only code that knows SQL: tables, repositories, migrations.

The domain uses :class:`Database` to open named transactions and reaches the
tables through the repositories of :class:`UnitOfWork`; it receives plain
records from :mod:`storage.records`.
"""

from .database import Database, TransactionObserver
from .errors import DatabaseUnavailable, DuplicateKey
from .migrations import current_revision, head_revision, upgrade
from .unit_of_work import UnitOfWork

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "DuplicateKey",
    "TransactionObserver",
    "UnitOfWork",
    "current_revision",
    "head_revision",
    "upgrade",
]
