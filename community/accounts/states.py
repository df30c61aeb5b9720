"""Which account state changes are allowed: pure tables, tested row by row.

A teacher waits for their national support organisation: pending becomes
validated or rejected; a validated teacher can be suspended and reinstated.
Rejection is final (the person registers again if their situation changes).
Pupils and staff are active or disabled, and can move back and forth.
"""

from __future__ import annotations

from protocol.api.accounts import AccountKind, AccountStatus

S = AccountStatus

TEACHER_TRANSITIONS: dict[AccountStatus, frozenset[AccountStatus]] = {
    S.PENDING: frozenset({S.VALIDATED, S.REJECTED}),
    S.VALIDATED: frozenset({S.SUSPENDED}),
    S.SUSPENDED: frozenset({S.VALIDATED}),
    S.REJECTED: frozenset(),
}

SIMPLE_TRANSITIONS: dict[AccountStatus, frozenset[AccountStatus]] = {
    S.ACTIVE: frozenset({S.DISABLED}),
    S.DISABLED: frozenset({S.ACTIVE}),
}

LOGIN_ALLOWED: dict[AccountKind, frozenset[AccountStatus]] = {
    # A pending teacher may sign in to see where their registration stands,
    # but every teacher endpoint refuses them until they are validated.
    AccountKind.TEACHER: frozenset({S.PENDING, S.VALIDATED}),
    AccountKind.PUPIL: frozenset({S.ACTIVE}),
    AccountKind.NSO_ADMIN: frozenset({S.ACTIVE}),
    AccountKind.PLATFORM_ADMIN: frozenset({S.ACTIVE}),
}

INITIAL_STATUS: dict[AccountKind, AccountStatus] = {
    AccountKind.TEACHER: S.PENDING,
    AccountKind.PUPIL: S.ACTIVE,
    AccountKind.NSO_ADMIN: S.ACTIVE,
    AccountKind.PLATFORM_ADMIN: S.ACTIVE,
}


def may_transition(kind: AccountKind, current: AccountStatus, target: AccountStatus) -> bool:
    """Whether an account of ``kind`` may go from ``current`` to ``target``."""
    table = TEACHER_TRANSITIONS if kind is AccountKind.TEACHER else SIMPLE_TRANSITIONS
    return target in table.get(current, frozenset())


def may_log_in(kind: AccountKind, status: AccountStatus) -> bool:
    """Whether an account in this state may obtain tokens."""
    return status in LOGIN_ALLOWED[kind]
