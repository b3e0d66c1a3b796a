"""Execute the numbered notebooks in order with papermill — the course's main job.

Usage::

    python -m helpers.run_notebooks                      # every notebook, profile 'quick'
    python -m helpers.run_notebooks --profile smoke      # what CI runs
    python -m helpers.run_notebooks --only 01 03         # a selection, by number
    python -m helpers.run_notebooks --write-back         # also refresh the outputs stored in notebooks/

Executed copies go to ``build/notebooks/<profile>/`` (``PPIC_BUILD_DIR``); figures and ``results.json`` to
``figures/<notebook>/`` (``PPIC_FIGURES_DIR``). The run stops at the first failing notebook, prints the
failing cell and exits with status 1. After a successful run the results page ``figures/README.md`` (and
the README's performance table) is regenerated from the ``results.json`` files (:mod:`helpers.results_page`).
``INTERACTIVE`` is always passed as ``False``: sliders need a live JupyterLab, not a headless kernel.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from helpers import paths, results_page
from helpers.profiles import PROFILES
from helpers.storage import atomic_write_text

NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
# Notebook-level papermill metadata that records the executing machine (paths, times, environment).
_MACHINE_METADATA = (
    "input_path",
    "output_path",
    "start_time",
    "end_time",
    "duration",
    "exception",
    "environment_variables",
)


def numbered_notebooks(folder: Path, only: list[str] | None = None) -> list[Path]:
    """The ``NN_name.ipynb`` notebooks of ``folder`` in order; with ``only``, just those numbers."""
    found = sorted(folder.glob(NOTEBOOK_PATTERN))
    if only:
        unknown = sorted(set(only) - {path.name[:2] for path in found})
        if unknown:
            raise ValueError(f"no notebook numbered {unknown} in {paths.display_path(folder)}")
        found = [path for path in found if path.name[:2] in only]
    return found


def clean_for_commit(notebook: nbformat.NotebookNode, profile: str) -> nbformat.NotebookNode:
    """Strip what only describes the executing machine, so the committed notebook stays portable.

    Removes papermill's injected-parameters cell (the parameters cell's defaults stay what a reader runs)
    and per-cell timing metadata; records the profile that produced the outputs in ``metadata.ppic``.
    """
    notebook.cells = [
        cell for cell in notebook.cells if "injected-parameters" not in cell.metadata.get("tags", [])
    ]
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    record = notebook.metadata.get("papermill", {})
    for key in _MACHINE_METADATA:
        record.pop(key, None)
    notebook.metadata["ppic"] = {
        "outputs_profile": profile,
        "executed_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
    }
    return notebook


def execute(notebook: Path, output: Path, profile: str, device: str) -> float:
    """Run one notebook with papermill; return its wall time in seconds."""
    start = time.perf_counter()
    papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters={"PROFILE": profile, "DEVICE": device, "INTERACTIVE": False},
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.run_notebooks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--profile", default="quick", choices=sorted(PROFILES), help="run profile (default: quick)"
    )
    parser.add_argument("--device", default="auto", help="'auto' (cuda when present), 'cpu' or 'cuda'")
    parser.add_argument("--only", nargs="+", metavar="NN", help="run only these notebook numbers, e.g. 01 03")
    parser.add_argument(
        "--notebooks-dir", type=Path, help="folder of numbered notebooks (default: <repo>/notebooks)"
    )
    parser.add_argument(
        "--output-dir", type=Path, help="executed copies (default: build/notebooks/<profile>)"
    )
    parser.add_argument(
        "--write-back",
        action="store_true",
        help="store the executed outputs in the source notebooks (maintainers)",
    )
    args = parser.parse_args(argv)

    source_dir = args.notebooks_dir or paths.repository_root() / "notebooks"
    output_dir = args.output_dir or paths.build_dir() / "notebooks" / args.profile
    output_dir.mkdir(parents=True, exist_ok=True)
    notebooks = numbered_notebooks(source_dir, args.only)
    if not notebooks:
        print(
            f"no notebooks matching {NOTEBOOK_PATTERN} in {paths.display_path(source_dir)}", file=sys.stderr
        )
        return 1

    print(f"Executing {len(notebooks)} notebook(s), profile '{args.profile}', device '{args.device}'")
    total = 0.0
    for notebook in notebooks:
        output = output_dir / notebook.name
        print(f"▶ {notebook.name} …", flush=True)
        try:
            seconds = execute(notebook, output, args.profile, args.device)
        except PapermillExecutionError as error:
            print(
                f"✗ {notebook.name} failed in cell {error.cell_index} (execution count {error.exec_count}):\n"
                f"{error.source}\n{error.ename}: {error.evalue}\n"
                f"The executed copy with the error is {paths.display_path(output)}",
                file=sys.stderr,
            )
            return 1
        total += seconds
        print(f"✓ {notebook.name}: {seconds:.1f} s → {paths.display_path(output)}", flush=True)
        if args.write_back:
            cleaned = clean_for_commit(nbformat.read(output, as_version=4), args.profile)
            atomic_write_text(notebook, nbformat.writes(cleaned) + "\n")
            print(f"  outputs stored in {paths.display_path(notebook)}")
    print(
        f"All {len(notebooks)} notebook(s) ran in {total:.1f} s; "
        f"figures are in {paths.display_path(paths.figures_dir())}/"
    )
    results_page.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
