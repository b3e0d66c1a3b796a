"""The run record of one notebook execution: banner, figures, result tables and ``results.json``.

Every notebook starts with ::

    run = NotebookRun.start("01_learnable_encryption", profile=PROFILE, device=DEVICE,
                            precision=PRECISION, seed=SEED, dataset=DATASET)

which prints what is running (profile, device, training precision, data source, versions) and seeds the
generators. Figures go through :meth:`NotebookRun.savefig` into ``figures/<notebook>/``; the headline
numbers are kept with :meth:`NotebookRun.record` where they are measured and written by
:meth:`NotebookRun.write_results` into ``figures/<notebook>/results.json``, both written atomically.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from matplotlib.figure import Figure

from helpers import paths
from helpers.profiles import Profile, get_profile
from helpers.runtime import (
    describe_device,
    library_versions,
    resolve_device,
    resolve_precision,
    seed_everything,
)
from helpers.storage import atomic_write_json, atomic_write_with

SMOKE_WARNING = "NOT RESULTS: this profile's numbers only prove that the code runs."


@dataclass
class NotebookRun:
    """What one execution of a notebook needs to know and to record.

    Create it with :meth:`start`; the attributes are read-only by convention.
    """

    notebook: str
    profile: Profile
    device: torch.device
    seed: int
    dataset: str | None
    precision: str = "fp32"
    started: float = field(default_factory=time.perf_counter)
    figures: list[str] = field(default_factory=list)
    recorded: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        notebook: str,
        *,
        profile: str,
        device: str = "auto",
        precision: str = "auto",
        seed: int = 0,
        dataset: str | None = None,
    ) -> NotebookRun:
        """Resolve the profile, the device and the training precision (``"auto"``: bf16 where the device
        computes it natively, see :func:`helpers.runtime.resolve_precision`), seed the generators and print
        the banner."""
        if not notebook or "/" in notebook or notebook.endswith(".ipynb"):
            raise ValueError(
                f"notebook must be the notebook's stem, e.g. '01_learnable_encryption', got {notebook!r}"
            )
        resolved = resolve_device(device)
        run = cls(
            notebook, get_profile(profile), resolved, seed, dataset, resolve_precision(precision, resolved)
        )
        seed_everything(seed)
        print(run.banner())
        return run

    @property
    def output_dir(self) -> Path:
        """``figures/<notebook>/`` for quick and paper runs, ``build/smoke-figures/<notebook>/`` for smoke
        runs (under ``PPIC_FIGURES_DIR`` when set): see :func:`helpers.paths.results_dir`."""
        return paths.results_dir(self.profile.shows_results) / self.notebook

    def banner(self) -> str:
        versions = library_versions()
        lines = [
            f"Notebook {self.notebook} — profile '{self.profile.name}': {self.profile.purpose}",
            f"device: {describe_device(self.device)} | training precision {self.precision} "
            f"| torch {versions['torch']} | seed {self.seed}"
            + (f" | data set: {self.dataset}" if self.dataset else ""),
            f"figures and results.json go to {paths.display_path(self.output_dir)}/",
        ]
        if not self.profile.shows_results:
            lines.append(SMOKE_WARNING)
        return "\n".join(lines)

    def savefig(self, figure: Figure, name: str, *, dpi: int = 110) -> None:
        """Save ``figure`` as ``figures/<notebook>/<name>.png`` (atomically).

        Returns nothing, so that a notebook cell ending in this call does not print a machine path.
        """
        if not name or "/" in name or "." in name:
            raise ValueError(f"name must be a plain file stem such as 'encrypted_examples', got {name!r}")
        path = self.output_dir / f"{name}.png"
        atomic_write_with(
            path, lambda handle: figure.savefig(handle, format="png", dpi=dpi, bbox_inches="tight")
        )
        self.figures.append(path.name)

    def elapsed(self) -> float:
        """Seconds since :meth:`start`."""
        return time.perf_counter() - self.started

    @property
    def results_path(self) -> Path:
        """``figures/<notebook>/results.json``."""
        return self.output_dir / "results.json"

    def record(self, **values: Any) -> None:
        """Keep results where they are measured (``run.record(psnr_db=...)``); :meth:`write_results` writes
        them. Recording a name again replaces its value — what re-running a cell in JupyterLab does; that
        each name is recorded in one place only is checked on the notebook's source
        (:mod:`course.check_notebooks`)."""
        self.recorded.update(values)

    def write_results(self, results: Mapping[str, Any] | None = None) -> None:
        """Write the :meth:`record`-ed results, ``results`` and the run's context to :attr:`results_path`
        (atomically).

        The context keys — ``notebook``, ``profile``, ``shows_results``, ``device``, ``precision``,
        ``dataset``, ``seed``,
        ``wall_seconds``, ``date_utc``, ``versions``, ``figures`` — may not be overridden, and ``results`` may
        not repeat a recorded name.
        """
        repeated = sorted(set(results or {}) & set(self.recorded))
        if repeated:
            raise ValueError(f"results {repeated} were already recorded in this run")
        results = {**self.recorded, **(results or {})}
        context = {
            "notebook": self.notebook,
            "profile": self.profile.name,
            "shows_results": self.profile.shows_results,
            "device": describe_device(self.device),
            "precision": self.precision,
            "dataset": self.dataset,
            "seed": self.seed,
            "wall_seconds": round(self.elapsed(), 2),
            "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "versions": library_versions(),
            "figures": sorted(set(self.figures)),
        }
        clashes = sorted(set(context) & set(results))
        if clashes:
            raise ValueError(f"results may not set the run's context keys {clashes}")
        atomic_write_json(self.results_path, {**context, **results})
        print(
            f"wrote {paths.display_path(self.results_path)} "
            f"({len(results)} result keys, {context['wall_seconds']} s so far)"
        )

    def table(self, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
        """A Markdown table with a caption stating the profile (and the smoke warning where it applies)."""
        caption = f"**{title}** — profile `{self.profile.name}`, {describe_device(self.device)}"
        if not self.profile.shows_results:
            caption += f". *{SMOKE_WARNING}*"
        lines = [caption, "", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(_format_cell(value) for value in row) + " |" for row in rows]
        return "\n".join(lines)


def _format_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
