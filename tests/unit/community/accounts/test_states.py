"""Account state changes and who may sign in, for every kind and state."""

from __future__ import annotations

import itertools

import pytest

from community.accounts.states import INITIAL_STATUS, may_log_in, may_transition
from protocol.api.accounts import AccountKind, AccountStatus

K, S = AccountKind, AccountStatus

# The only allowed changes; every other (kind, from, to) is refused.
ALLOWED = {
    (K.TEACHER, S.PENDING, S.VALIDATED),
    (K.TEACHER, S.PENDING, S.REJECTED),
    (K.TEACHER, S.VALIDATED, S.SUSPENDED),
    (K.TEACHER, S.SUSPENDED, S.VALIDATED),
    *(
        (kind, current, target)
        for kind in (K.PUPIL, K.NSO_ADMIN, K.PLATFORM_ADMIN)
        for current, target in ((S.ACTIVE, S.DISABLED), (S.DISABLED, S.ACTIVE))
    ),
}

EVERY_TRANSITION = list(itertools.product(AccountKind, AccountStatus, AccountStatus))


@pytest.mark.parametrize(("kind", "current", "target"), EVERY_TRANSITION)
def test_transition(kind: AccountKind, current: AccountStatus, target: AccountStatus):
    assert may_transition(kind, current, target) is ((kind, current, target) in ALLOWED)


def test_rejection_is_final():
    assert not any(may_transition(K.TEACHER, S.REJECTED, target) for target in AccountStatus)


def test_no_state_moves_to_itself():
    assert not any(may_transition(kind, s, s) for kind in AccountKind for s in AccountStatus)


# Every (kind, status) pair that may sign in; every other pair may not.
MAY_LOG_IN = {
    (K.TEACHER, S.PENDING),
    (K.TEACHER, S.VALIDATED),
    (K.PUPIL, S.ACTIVE),
    (K.NSO_ADMIN, S.ACTIVE),
    (K.PLATFORM_ADMIN, S.ACTIVE),
}


@pytest.mark.parametrize(("kind", "status"), list(itertools.product(AccountKind, AccountStatus)))
def test_may_log_in(kind: AccountKind, status: AccountStatus):
    assert may_log_in(kind, status) is ((kind, status) in MAY_LOG_IN)


@pytest.mark.parametrize("kind", list(AccountKind))
def test_every_kind_can_sign_in_in_its_initial_state(kind: AccountKind):
    assert may_log_in(kind, INITIAL_STATUS[kind])
