"""Pupils' data stays minimal: the ``pupils`` table holds allowlisted columns only.

Adding a column to ``pupils`` fails this test on purpose. Change the allowlist
only after a data-protection review of the new field (why it is needed, who
sees it, how long it is kept, how it is deleted), and name that review in a
comment beside the change.
"""

from __future__ import annotations

import pytest

from storage.tables import Base

# Data-protection review: Foundation (2026-11), pupil accounts made by teachers.
# A pseudonym, the school and class the teacher manages, and who created it.
PUPIL_COLUMNS_ALLOWLIST = frozenset(
    {"user_id", "display_name", "school_id", "class_label", "created_by"}
)

# Column names that suggest personal data a pupil's account must never hold:
# fragments that are personal anywhere in a name ("username", "birth_date"),
# and short words that are personal only as a whole part ("age", not "message").
PERSONAL_FRAGMENTS = ("mail", "name", "birth", "address", "phone", "postcode", "nationality")
PERSONAL_PARTS = frozenset(
    {"age", "dob", "tel", "zip", "sex", "gender", "photo", "avatar", "ip", "parent", "guardian"}
)
ALLOWED_NAMES = frozenset({"display_name"})


def looks_personal(column: str) -> bool:
    lowered = column.lower()
    if any(fragment in lowered for fragment in PERSONAL_FRAGMENTS):
        return True
    return bool(PERSONAL_PARTS.intersection(lowered.split("_")))


def columns(table: str) -> set[str]:
    return {column.name for column in Base.metadata.tables[table].columns}


def test_pupils_has_exactly_the_allowlisted_columns():
    assert columns("pupils") == PUPIL_COLUMNS_ALLOWLIST


@pytest.mark.parametrize("table", ["pupils", "users"])
def test_no_column_is_named_like_personal_data(table: str):
    suspicious = {
        name for name in columns(table) if name not in ALLOWED_NAMES and looks_personal(name)
    }
    assert not suspicious, f"{table} has columns that look like personal data: {suspicious}"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("email", True),
        ("e_mail", True),
        ("full_name", True),
        ("username", True),
        ("surname", True),
        ("birth_date", True),
        ("dob", True),
        ("home_address", True),
        ("phone", True),
        ("tel", True),
        ("age", True),
        ("age_years", True),
        ("parent_contact", True),
        ("message_count", False),
        ("class_label", False),
        ("token_epoch", False),
        ("created_by", False),
    ],
)
def test_the_personal_data_check_itself(name: str, expected: bool):
    assert looks_personal(name) is expected


def test_display_name_is_short_enough_to_be_a_pseudonym():
    assert Base.metadata.tables["pupils"].columns["display_name"].type.length <= 40
