"""The repository's own promises: matching package lists, the README's commands, clean notebooks."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from helpers.paths import repository_root

ROOT = repository_root()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_pyproject_and_environment_yml_name_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    from_pyproject = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    from_environment = {_name(r) for r in pip_section if not r.startswith("-e")}
    assert from_pyproject == from_environment
    assert {
        "jupyterlab",
        "torch",
        "torchvision",
        "matplotlib",
        "ipywidgets",
        "numpy",
        "papermill",
        "nbval",
    } <= from_pyproject


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    return re.findall(
        r"^\s*(?:\$ )?(\S.*?)\s*$", readme.split("<!-- commands -->")[1].split("<!-- /commands -->")[0], re.M
    )


def test_readme_gives_two_commands_and_ci_runs_the_test_one():
    commands = [line for line in _readme_commands() if not line.startswith(("```", "#"))]
    assert len(commands) == 2, commands
    main_job, tests = commands
    assert "helpers.run_notebooks" in main_job and "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text(), "CI must call the README's test command verbatim"


def test_git_ignores_generated_data_and_builds():
    ignored = (ROOT / ".gitignore").read_text().split()
    for pattern in ("build/", ".cache/", "data/", "*.npz", "*.pt"):
        assert pattern in ignored


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_are_clean(path: Path):
    assert path.stat().st_size < 2_000_000
    notebook = json.loads(path.read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    cells = notebook["cells"]
    parameters = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(parameters) == 1
    source = "".join(parameters[0]["source"])
    for name in ("PROFILE", "DEVICE", "INTERACTIVE", "SEED"):
        assert re.search(rf"^{name} = ", source, re.M), f"parameters cell lacks {name}"
    assert not any("injected-parameters" in c["metadata"].get("tags", []) for c in cells)
    assert notebook["metadata"]["ppic"]["outputs_profile"] in {"smoke", "quick", "paper"}
    outputs = [o for c in cells if c["cell_type"] == "code" for o in c["outputs"]]
    assert outputs, "commit notebooks with the outputs of a clean run"
    assert not [o for o in outputs if o["output_type"] == "error"]
    text = json.dumps(outputs)
    assert not re.search(r"/work/|/tmp/|/home/|/root/|\.\./shared", text), "machine-specific path in outputs"
    assert cells[0]["cell_type"] == "markdown" and "What you will learn" in "".join(cells[0]["source"])
    assert "What we learned" in "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_code_is_ruff_clean():
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
