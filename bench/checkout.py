"""Run a benchmark on the code of the checkout it lives in, with that checkout's virtualenv.

Call :func:`use_checkout` at the top of a benchmark, before it imports any
project module::

    from checkout import use_checkout

    REPO = use_checkout()

    import server  # noqa: E402

Started with a bare ``python``, the benchmark runs again under
``<checkout>/.venv/bin/python`` (once: a variable in the environment stops a
loop). Either way the checkout comes first on ``sys.path``, so the code
measured is this checkout's even when the virtualenv's editable install points
at another one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
_RERUN_MARK = "BENCH_CHECKOUT_RERUN"


def use_checkout() -> Path:
    """Put this checkout's code first and its virtualenv's interpreter in charge.

    Returns:
        The checkout's root directory.
    """
    venv = VENV_PYTHON.parent.parent
    if (
        Path(sys.prefix).resolve() != venv.resolve()
        and VENV_PYTHON.exists()
        and os.environ.get(_RERUN_MARK) != "1"
    ):
        os.environ[_RERUN_MARK] = "1"
        os.execv(VENV_PYTHON, [str(VENV_PYTHON), *sys.argv])
    if str(REPO) not in sys.path:
        sys.path.insert(1, str(REPO))
    return REPO
