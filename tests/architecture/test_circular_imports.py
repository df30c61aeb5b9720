"""Every module of the project imports on its own, so import cycles surface.

An import cycle hides when the modules of a cycle happen to be imported in a
lucky order. Here each module is imported with none of its package's modules
loaded yet, as in a fresh interpreter: one subprocess per package, which
forgets the package's modules before each import. Other packages may stay
loaded: the layers contract (``test_import_layers.py``) allows no import
upwards, so no cycle can run through two packages.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"][
    "importlinter"
]["root_packages"]

# Modules that do something when imported, on purpose.
NOT_IMPORTABLE_ALONE = {
    "server.__main__": "runs the command line and exits",
    "storage.migrations.env": "runs only inside Alembic, which gives it a migration context",
}

# Importing ``a.b.c`` always imports ``a`` and then ``a.b`` first. So a module
# that its parent package loads already is imported, when imported first, in
# exactly the order its parent is; only the others need an import of their own.
IMPORT_EACH = """
import importlib, json, sys, traceback

package = sys.argv[1]
failures, loaded_by = {}, {}


def forget():
    for loaded in [m for m in sys.modules if m.split(".")[0] == package]:
        del sys.modules[loaded]


def fresh_import(name):
    forget()
    try:
        importlib.import_module(name)
    except BaseException:
        failures[name] = traceback.format_exc()
    return set(sys.modules)


for name in sys.argv[2:]:
    parent = name.rpartition(".")[0]
    if parent and parent not in loaded_by:
        loaded_by[parent] = fresh_import(parent)
    if not parent or name not in loaded_by[parent]:
        loaded_by[name] = fresh_import(name)
print(json.dumps(failures))
"""


def modules_of(package: str) -> list[str]:
    """Every module of the package, found on disk (so none is missed)."""
    names = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        in_packages = all(
            (ROOT.joinpath(*parts[:depth]) / "__init__.py").is_file()
            for depth in range(1, len(parts))
        )
        if not in_packages or not all(part.isidentifier() for part in parts):
            continue  # migration scripts: loaded by Alembic from their files
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name not in NOT_IMPORTABLE_ALONE:
            names.append(name)
    return names


def test_every_package_is_found():
    assert {"protocol", "storage", "community", "server"} <= set(PACKAGES)
    assert "server.app" in modules_of("server")
    assert "storage.migrations" in modules_of("storage")
    assert not any(".versions." in name for name in modules_of("storage"))


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_imports_first(package: str):
    names = modules_of(package)
    assert package in names
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, package, *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=55,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    assert not failures, "\n".join(f"{name}:\n{trace}" for name, trace in failures.items())
