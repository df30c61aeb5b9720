"""``docs/errors.md`` lists every error code with the status the server sends.

Adding an ``ErrorCode`` without documenting it (or documenting it with another
status than ``server/errors.py`` gives it) fails here.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from protocol import ErrorCode
from server.errors import STATUS_BY_CODE

DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
ROW = re.compile(r"^\|\s*`([a-z0-9_]+)`\s*\|\s*(\d{3})\s*\|\s*(.*?)\s*\|\s*$")


def documented_rows() -> list[tuple[str, int, str]]:
    rows = []
    for line in DOC.read_text("utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows.append((match[1], int(match[2]), match[3]))
    return rows


def documented() -> dict[str, int]:
    return {code: status for code, status, _ in documented_rows()}


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_code_is_documented_with_its_status(code: ErrorCode):
    assert code in STATUS_BY_CODE, f"{code.value} has no HTTP status in server/errors.py"
    rows = documented()
    assert code.value in rows, f"{code.value} is missing from docs/errors.md"
    assert rows[code.value] == STATUS_BY_CODE[code], (
        f"docs/errors.md gives {code.value} the status {rows[code.value]}, "
        f"the server sends {STATUS_BY_CODE[code]}"
    )


def test_no_documented_code_is_unknown_or_listed_twice():
    counts = Counter(code for code, _, _ in documented_rows())
    assert not [code for code, n in counts.items() if n > 1]
    assert set(counts) <= {code.value for code in ErrorCode}


def test_every_row_says_what_the_code_means():
    for code, _, meaning in documented_rows():
        assert len(meaning) >= 10, f"{code}: say what it means"


def test_the_row_pattern_reads_the_table():
    # Guards the parser itself: a table that it cannot read would pass the
    # other tests vacuously only if ErrorCode were empty.
    assert len(documented_rows()) >= len(ErrorCode)
