"""Notebook hygiene, the course's output policy as a check: ``python -m course.check_notebooks [NOTEBOOK …]``.

The notebooks are committed **with** the outputs of a clean run of a profile whose numbers are results
(``quick`` or ``paper``, recorded in ``metadata.ppic.outputs_profile`` by
``python -m course.run --write-back``), so a reader sees the figures and numbers before running
anything. A committed notebook must therefore be: under 2 MB; free of error outputs, of papermill's injected
cell and of machine paths; built on the ``python3`` kernel with one ``parameters`` cell naming ``PROFILE``,
``DEVICE``, ``PRECISION``, ``SEED`` and ``INTERACTIVE``; open with "What you will learn" and contain "What
we learned"; refer only to sections it has ("section 4" needs a heading "## 4 · …"); and record each result
name (``run.record(name=...)``) in one place only.

Used by the pre-commit hook and by ``tests/test_environment.py``; standard library only. Exits 1 and prints
one line per problem when a notebook breaks the policy.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

MAX_BYTES = 2_000_000
RESULT_PROFILES = ("quick", "paper")
MACHINE_PATH = re.compile(r"/work/|/tmp/|/home/|/root/|/Users/|[A-Z]:\\\\Users|\.\./shared")


def problems(path: Path) -> list[str]:
    """What is wrong with the committed notebook at ``path`` under the output policy (empty when nothing)."""
    found = []
    if path.stat().st_size >= MAX_BYTES:
        found.append(f"{path.stat().st_size:,} bytes (limit {MAX_BYTES:,})")
    notebook = json.loads(path.read_text(encoding="utf-8"))
    if notebook.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        found.append("kernel is not python3")
    cells = notebook["cells"]
    parameters = [cell for cell in cells if "parameters" in cell["metadata"].get("tags", [])]
    if len(parameters) != 1:
        found.append(f"{len(parameters)} cells tagged 'parameters' (need exactly one)")
    else:
        source = "".join(parameters[0]["source"])
        for name in ("PROFILE", "DEVICE", "PRECISION", "INTERACTIVE", "SEED"):
            if not re.search(rf"^{name} = ", source, re.M):
                found.append(f"the parameters cell lacks {name}")
    if any("injected-parameters" in cell["metadata"].get("tags", []) for cell in cells):
        found.append("papermill's injected-parameters cell is committed")
    profile = notebook.get("metadata", {}).get("ppic", {}).get("outputs_profile")
    if profile not in RESULT_PROFILES:
        found.append(
            f"outputs_profile is {profile!r}: commit the outputs of a {' or '.join(RESULT_PROFILES)} run"
        )
    outputs = [output for cell in cells if cell["cell_type"] == "code" for output in cell["outputs"]]
    if not outputs:
        found.append("no outputs: commit the outputs of a clean run")
    if any(output["output_type"] == "error" for output in outputs):
        found.append("an error output is committed")
    if MACHINE_PATH.search(json.dumps(outputs)):
        found.append("a machine-specific path in the outputs")
    markdown = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]
    if not cells or cells[0]["cell_type"] != "markdown" or "What you will learn" not in markdown[0]:
        found.append("the first cell is not the 'What you will learn' introduction")
    if not any("What we learned" in text for text in markdown):
        found.append("no 'What we learned' section")
    found += [
        f"'section {number}' is referred to, but no heading is numbered {number}"
        for number in _dangling_sections(markdown)
    ]
    code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    found += [
        f"result {name!r} is recorded {count} times"
        for name, count in _recorded_names(code).items()
        if count > 1
    ]
    return found


def _dangling_sections(markdown: list[str]) -> list[str]:
    """Section numbers the prose refers to ("section 4", "sections 2.1") without a heading of that number
    ("## 4 · …") in the same notebook — what a dropped or renumbered heading leaves behind."""
    text = "\n".join(markdown)
    headings = set(re.findall(r"^#{2,4}\s*(\d+(?:\.\d+)?)\s*·", text, re.M))
    referred = set(re.findall(r"\b[Ss]ections? (\d+(?:\.\d+)?)\b", text))
    return sorted(referred - headings)


def _recorded_names(code_cells: list[str]) -> dict[str, int]:
    """How many ``run.record(...)`` calls name each result, over the notebook's code (IPython magics and
    shell lines dropped; a cell that does not parse is skipped — running it reports that)."""
    counts: dict[str, int] = {}
    for source in code_cells:
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            is_record = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "run"
            )
            for keyword in node.keywords if is_record else []:
                if keyword.arg is not None:
                    counts[keyword.arg] = counts.get(keyword.arg, 0) + 1
    return counts


def main(arguments: list[str]) -> int:
    paths = [Path(argument) for argument in arguments] or sorted(Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
    failed = False
    for path in paths:
        for problem in problems(path):
            print(f"{path}: {problem}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
