"""Where the course reads and writes files.

Every location can be moved with an environment variable, so that CI, a shared cluster or a reader's
laptop can each keep data, figures and caches where they like:

==========================  ====================================================  ==========================
variable                    meaning                                               default
==========================  ====================================================  ==========================
``PPIC_DATA_DIR``           offline folder of ``.npz`` data sets (no download)    unset: torchvision download
``PPIC_DOWNLOAD_DIR``       where torchvision downloads data sets                 ``<repo>/data``
``PPIC_FIGURES_DIR``        figures and ``results.json`` files                    ``<repo>/figures`` (*)
``PPIC_CACHE_DIR``          checkpoints and other reusable artefacts              ``<repo>/.cache``
``PPIC_BUILD_DIR``          executed notebooks                                    ``<repo>/build``
==========================  ====================================================  ==========================

(*) For ``quick`` and ``paper`` runs. A ``smoke`` run writes to ``<build>/smoke-figures`` unless
``PPIC_FIGURES_DIR`` is set, so it cannot replace the committed results (:func:`results_dir`).

The repository root is found by walking up to ``environment.yml`` (from this package's own location,
then from the working directory), never by trusting the working directory: papermill runs notebooks in
the caller's directory, nbval in the notebook's.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_VARIABLE = "PPIC_DATA_DIR"
DOWNLOAD_DIR_VARIABLE = "PPIC_DOWNLOAD_DIR"
FIGURES_DIR_VARIABLE = "PPIC_FIGURES_DIR"
CACHE_DIR_VARIABLE = "PPIC_CACHE_DIR"
BUILD_DIR_VARIABLE = "PPIC_BUILD_DIR"

_ROOT_MARKER = "environment.yml"


def _walk_up_to_marker(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / _ROOT_MARKER).is_file() and (folder / "helpers").is_dir():
            return folder
    return None


def repository_root() -> Path:
    """The course repository's root folder (the one holding ``environment.yml``)."""
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        root = _walk_up_to_marker(start)
        if root is not None:
            return root
    raise FileNotFoundError(
        f"Cannot find the course repository (a folder with {_ROOT_MARKER} and helpers/) above "
        f"{Path(__file__).resolve().parent} or the working directory. Run from inside a clone, or set "
        f"{FIGURES_DIR_VARIABLE}, {CACHE_DIR_VARIABLE} and {BUILD_DIR_VARIABLE}."
    )


def _from_variable_or_root(variable: str, default_name: str) -> Path:
    value = os.environ.get(variable)
    if value:
        return Path(value).expanduser().resolve()
    return repository_root() / default_name


def figures_dir() -> Path:
    """Folder for figures and ``results.json`` (``PPIC_FIGURES_DIR`` or ``<repo>/figures``)."""
    return _from_variable_or_root(FIGURES_DIR_VARIABLE, "figures")


def results_dir(shows_results: bool) -> Path:
    """Where a run writes its figures and ``results.json`` files.

    ``PPIC_FIGURES_DIR`` when set (tests and CI set it); otherwise the committed ``<repo>/figures`` for a
    profile whose numbers are results (``quick``, ``paper``), and ``<build>/smoke-figures`` for the ``smoke``
    profile, so that a smoke run can never replace the committed results.
    """
    if os.environ.get(FIGURES_DIR_VARIABLE) or shows_results:
        return figures_dir()
    return build_dir() / "smoke-figures"


def cache_dir() -> Path:
    """Folder for checkpoints and cached artefacts (``PPIC_CACHE_DIR`` or ``<repo>/.cache``)."""
    return _from_variable_or_root(CACHE_DIR_VARIABLE, ".cache")


def build_dir() -> Path:
    """Folder for executed notebooks (``PPIC_BUILD_DIR`` or ``<repo>/build``)."""
    return _from_variable_or_root(BUILD_DIR_VARIABLE, "build")


def download_dir() -> Path:
    """Folder torchvision downloads into (``PPIC_DOWNLOAD_DIR`` or ``<repo>/data``)."""
    return _from_variable_or_root(DOWNLOAD_DIR_VARIABLE, "data")


def offline_data_dir() -> Path | None:
    """The offline ``.npz`` folder named by ``PPIC_DATA_DIR``, or ``None`` when the variable is unset."""
    value = os.environ.get(DATA_DIR_VARIABLE)
    if not value:
        return None
    return Path(value).expanduser().resolve()


def display_path(path: Path) -> str:
    """``path`` relative to the repository when it lies inside it, else only its last two parts.

    Printed paths end up in committed notebook outputs; they must not reveal the machine's layout.
    """
    path = Path(path).resolve()
    try:
        return path.relative_to(repository_root()).as_posix()
    except (ValueError, FileNotFoundError):
        return Path("…", *path.parts[-2:]).as_posix()
