"""Each package's ``__all__`` is exactly its public top-level names.

Other packages may use only what a package exports; a name that is defined
but missing from ``__all__``, or listed but missing, is a mistake either way.
"""

from __future__ import annotations

import importlib
import types

import pytest

PACKAGES = ["protocol", "community", "storage"]


def public_names(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        # Submodules become attributes of their package when imported.
        and not isinstance(value, types.ModuleType)
        # ``from __future__ import annotations`` leaves a name behind.
        and name != "annotations"
    }


@pytest.mark.parametrize("package", PACKAGES)
def test_all_names_exactly_the_public_members(package: str):
    module = importlib.import_module(package)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), "a name is listed twice"
    missing = [name for name in exported if not hasattr(module, name)]
    assert not missing, f"{package}.__all__ names what it does not define: {missing}"
    unlisted = public_names(module) - set(exported)
    assert not unlisted, f"{package} defines public names missing from __all__: {unlisted}"
