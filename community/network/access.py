"""Who may use the networking area: validated teachers, and nobody else.

The HTTP routes already refuse everyone else (``Access.TEACHER``); the
services check again because other domain code calls them too, and pupils
must never reach any of this whatever the entry point.
"""

from __future__ import annotations

from protocol.api.accounts import AccountKind
from protocol.errors import Forbidden

from ..errors import AccountNotActive
from ..principal import Principal


def require_networker(actor: Principal) -> None:
    """Refuse anyone but a validated teacher.

    Raises:
        AccountNotActive: A teacher who is pending, suspended or rejected.
        Forbidden: A pupil or an administrator.
    """
    if actor.kind is not AccountKind.TEACHER:
        raise Forbidden("the networking area is for teachers")
    if not actor.is_validated_teacher:
        raise AccountNotActive(f"this account is {actor.status.value}")
