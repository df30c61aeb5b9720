"""Account facts the realtime layer needs that the community does not export yet.

A join token names the account's *token epoch*; bumping the epoch (sign-out,
disabling, password reset) voids every token. Connections live longer than
their token, so the transport compares the epoch again on teacher commands
and every few minutes (the cluster's ``user.sessions_revoked`` message is
the fast path; this is the backstop when that message was lost). Minting a
join token for a signed-in account needs the current epoch too.

TODO(community): replace ``AccountEpochs`` by a community call
(``SessionService.check_epoch``) once it exists; it reads the same row.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from community import AccountServices, Principal, TokenRevoked
from protocol.api.accounts import AccountStatus
from protocol.api.grants import Grants, RoomRole
from protocol.ids import RoomId, UserId
from rooms import RoomServices
from storage import Database

VOID_STATES = frozenset({AccountStatus.DISABLED, AccountStatus.REJECTED, AccountStatus.SUSPENDED})


class AccountEpochs:
    """Reads accounts' current token epochs.

    Args:
        db: The database.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    async def current(self, user_id: UserId) -> int | None:
        """The account's epoch, or None when it is gone or may not sign in."""
        async with self._db.transaction("realtime.account_epoch") as uow:
            subject = await uow.accounts.find_auth_subject(user_id)
        if subject is None or subject.status in VOID_STATES:
            return None
        return subject.token_epoch

    async def current_many(self, user_ids: Collection[UserId]) -> dict[UserId, int]:
        """``current`` of many accounts in one read; an account that is gone or
        may not sign in is absent."""
        async with self._db.transaction("realtime.account_epochs") as uow:
            found = await uow.accounts.find_token_epochs(user_ids)
        return {u: epoch for u, (epoch, status) in found.items() if status not in VOID_STATES}


@dataclass(frozen=True, slots=True)
class IssuedJoinToken:
    token: str
    expires_at: datetime
    role: RoomRole
    grants: Grants


async def issue_join_token(
    actor: Principal,
    room_id: RoomId,
    *,
    rooms: RoomServices,
    accounts: AccountServices,
    epochs: AccountEpochs,
    ttl_s: int,
) -> IssuedJoinToken:
    """A join token for a signed-in member of the room's project.

    Raises:
        NotFound: No such room, not a member, or not in the meeting's audience.
        TokenRevoked: The account's sessions were revoked meanwhile.
    """
    role, grants = await rooms.admission.plan_token(actor, room_id)
    epoch = await epochs.current(actor.user_id)
    if epoch is None:
        raise TokenRevoked("the token was revoked; sign in again")
    token, expires_at = accounts.signer.issue_join(
        user_id=actor.user_id,
        room_id=room_id,
        role=role,
        grants=grants,
        epoch=epoch,
        ttl_s=ttl_s,
        minted_by="user",
    )
    return IssuedJoinToken(token=token, expires_at=expires_at, role=role, grants=grants)
