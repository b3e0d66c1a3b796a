"""Execute the numbered notebooks in order with papermill — the course's main job.

Usage::

    python -m course.run                      # every notebook, profile 'quick'
    python -m course.run --profile smoke      # what CI runs
    python -m course.run --profile paper_dry_run  # the paper settings, every loop cut short (CI too)
    python -m course.run --only 1 3           # a selection, by number (1 or 01)
    python -m course.run --precision fp32     # train in float32 even where bf16 is native
    python -m course.run --write-back         # also refresh the outputs stored in notebooks/

Executed copies go to ``build/notebooks/<profile>/`` (``PPIC_BUILD_DIR``). Figures and ``results.json`` of a
``quick`` or ``paper`` run go to ``figures/<notebook>/``; a ``smoke`` or ``paper_dry_run`` run writes them
under ``build/smoke-figures/`` instead, so it never replaces the committed results (``PPIC_FIGURES_DIR`` names
another folder for any profile). Unknown notebook numbers, devices and precisions are refused before any
kernel starts.
While a notebook runs, each code cell's start is printed with its number and the elapsed time. The run stops
at the first failing notebook, prints the failing cell and exits with status 1. After a successful run the
results page ``README.md`` of the figures folder (and, for the committed ``figures/``, the README's
performance table) is regenerated from the ``results.json`` files (:mod:`course.results_page`).
``INTERACTIVE`` is always passed as ``False``: sliders need a live JupyterLab, not a headless kernel. The
kernel talks to the runner over local IPC sockets, not TCP.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from papermill.exceptions import PapermillExecutionError

from course import results_page
from helpers import paths
from helpers.profiles import PROFILES, get_profile
from helpers.runtime import PRECISIONS, resolve_device
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


def notebook_number(text: str) -> str:
    """``"1"`` or ``"01"`` → ``"01"``; anything but a number from 0 to 99 is a ``ValueError``."""
    if not text.isdigit() or len(text) > 2:
        raise ValueError(f"notebook numbers are 1 to 2 digits, e.g. 1 or 01, got {text!r}")
    return text.zfill(2)


def numbered_notebooks(folder: Path, only: list[str] | None = None) -> list[Path]:
    """The ``NN_name.ipynb`` notebooks of ``folder`` in order; with ``only``, just those numbers."""
    found = sorted(folder.glob(NOTEBOOK_PATTERN))
    if only:
        wanted = {notebook_number(text) for text in only}
        unknown = sorted(wanted - {path.name[:2] for path in found})
        if unknown:
            available = ", ".join(path.name[:2] for path in found)
            raise ValueError(f"no notebook numbered {', '.join(unknown)} in {folder} (there are {available})")
        found = [path for path in found if path.name[:2] in wanted]
    return found


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager that talks to the kernel over local IPC sockets instead of TCP ports: nothing
    listens on the network, and the kernel has no reason to warn about unencrypted TCP traffic.

    The sockets are files named ``<ip>-<n>``; ``ip`` is put in the system's temporary folder (by default it
    is a relative name, and papermill runs in the notebooks' folder), and they are removed at shutdown.
    """

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(Path(tempfile.gettempdir()) / f"ppic-kernel-{uuid.uuid4().hex[:12]}"))
        super().__init__(**kwargs)


class CellProgress:
    """Prints ``cell i/N · elapsed`` as each code cell starts, through nbclient's hooks: ``on_notebook_start``
    sees the notebook as executed (with papermill's injected cell), ``on_cell_start`` each cell."""

    def __init__(self) -> None:
        self.code_cells: list[int] = []
        self.started = time.perf_counter()

    def notebook_start(self, notebook: nbformat.NotebookNode) -> None:
        self.code_cells = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
        self.started = time.perf_counter()

    def cell_start(self, cell: nbformat.NotebookNode, cell_index: int) -> None:
        if cell_index in self.code_cells:
            position = self.code_cells.index(cell_index) + 1
            elapsed = time.perf_counter() - self.started
            print(f"  cell {position}/{len(self.code_cells)} · {elapsed:6.1f} s", flush=True)


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


def execute(
    notebook: Path,
    output: Path,
    profile: str,
    device: str,
    *,
    precision: str = "auto",
    progress: bool = True,
) -> float:
    """Run one notebook with papermill; return its wall time in seconds."""
    start = time.perf_counter()
    hooks = {}
    if progress:
        tracker = CellProgress()
        hooks = {"on_notebook_start": tracker.notebook_start, "on_cell_start": tracker.cell_start}
    papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters={"PROFILE": profile, "DEVICE": device, "PRECISION": precision, "INTERACTIVE": False},
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
        kernel_manager_class=IpcKernelManager,
        **hooks,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--profile", default="quick", choices=sorted(PROFILES), help="run profile (default: quick)"
    )
    parser.add_argument("--device", default="auto", help="'auto' (cuda when present), 'cpu' or 'cuda'")
    parser.add_argument(
        "--precision",
        default="auto",
        choices=PRECISIONS,
        help="training precision: 'auto' (bf16 where the device computes it natively, else fp32)",
    )
    parser.add_argument("--only", nargs="+", metavar="N", help="run only these notebooks, e.g. 1 3 or 01 03")
    parser.add_argument(
        "--notebooks-dir", type=Path, help="folder of numbered notebooks (default: <repo>/notebooks)"
    )
    parser.add_argument(
        "--output-dir", type=Path, help="executed copies (default: build/notebooks/<profile>)"
    )
    parser.add_argument(
        "--write-back",
        action="store_true",
        help="store the executed outputs in the source notebooks (maintainers; quick or paper only)",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-cell progress lines")
    args = parser.parse_args(argv)

    profile = get_profile(args.profile)
    if args.write_back and not profile.shows_results:
        parser.error(
            f"--write-back stores outputs in the notebooks readers see; '{args.profile}' outputs are not "
            "results (use --profile quick or paper)"
        )
    try:
        resolve_device(args.device)
    except (TypeError, ValueError) as error:
        parser.error(f"--device: {error}")
    source_dir = (args.notebooks_dir or paths.repository_root() / "notebooks").resolve()
    try:
        notebooks = numbered_notebooks(source_dir, args.only)
    except ValueError as error:
        parser.error(f"--only: {error}")
    if not notebooks:
        parser.error(f"no notebooks matching {NOTEBOOK_PATTERN} in {source_dir}")
    output_dir = (args.output_dir or paths.build_dir() / "notebooks" / args.profile).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    figures = paths.results_dir(profile.shows_results)

    print(
        f"Executing {len(notebooks)} notebook(s), profile '{args.profile}', device '{args.device}', "
        f"precision '{args.precision}'; "
        f"figures and results go to {figures}"
    )
    total = 0.0
    for notebook in notebooks:
        output = output_dir / notebook.name
        print(f"▶ {notebook.name} …", flush=True)
        try:
            seconds = execute(
                notebook,
                output,
                args.profile,
                args.device,
                precision=args.precision,
                progress=not args.quiet,
            )
        except PapermillExecutionError as error:
            print(
                f"✗ {notebook.name} failed in cell {error.cell_index} (execution count {error.exec_count}):\n"
                f"{error.source}\n{error.ename}: {error.evalue}\n"
                f"The executed copy with the error is {output}",
                file=sys.stderr,
            )
            return 1
        total += seconds
        print(f"✓ {notebook.name}: {seconds:.1f} s → {output}", flush=True)
        if args.write_back:
            cleaned = clean_for_commit(nbformat.read(output, as_version=4), args.profile)
            atomic_write_text(notebook, nbformat.writes(cleaned) + "\n")
            print(f"  outputs stored in {notebook}")
    print(f"All {len(notebooks)} notebook(s) ran in {total:.1f} s; figures are in {figures}")
    results_page.write(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
