"""Every pytest session started anywhere in this repository — the test suite, or nbval on the notebooks
(``pytest --nbval-lax notebooks/…``) — writes figures, ``results.json`` files and executed notebooks into a
temporary folder, never into the committed ``figures/`` or ``build/``.

The variables are set in ``pytest_configure``, before any test is collected or any notebook kernel starts,
so kernels that nbval launches inherit them too. ``tests/conftest.py`` isolates the checkpoint cache as well.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from helpers.paths import BUILD_DIR_VARIABLE, FIGURES_DIR_VARIABLE

_ISOLATED = {FIGURES_DIR_VARIABLE: "figures", BUILD_DIR_VARIABLE: "build"}
_saved: dict[str, str | None] = {}
_root: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    root = Path(tempfile.mkdtemp(prefix="ppic-pytest-"))
    _root.append(root)
    for variable, name in _ISOLATED.items():
        _saved[variable] = os.environ.get(variable)
        os.environ[variable] = str(root / name)


def pytest_unconfigure(config: pytest.Config) -> None:
    for variable, value in _saved.items():
        if value is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = value
    for root in _root:
        shutil.rmtree(root, ignore_errors=True)
