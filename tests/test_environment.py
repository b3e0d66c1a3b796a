"""The repository's own promises: matching package lists, the README's commands, clean notebooks."""

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from course import check_notebooks
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
    assert "course.run" in main_job and "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text(), "CI must call the README's test command verbatim"


def test_git_ignores_generated_data_and_builds():
    ignored = (ROOT / ".gitignore").read_text().split()
    for pattern in ("build/", ".cache/", "data/", "*.npz", "*.pt"):
        assert pattern in ignored


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_follow_the_output_policy(path: Path):
    """course/check_notebooks.py states the policy (also run by the pre-commit hook)."""
    assert check_notebooks.problems(path) == []


def test_the_output_policy_check_can_fail(tmp_path: Path):
    notebook = json.loads(NOTEBOOKS[0].read_text())
    notebook["metadata"]["ppic"]["outputs_profile"] = "smoke"
    code_cell = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code" and cell["outputs"])
    code_cell["outputs"].append({"output_type": "stream", "name": "stdout", "text": "/home/me/data\n"})
    code_cell["source"] = ["%matplotlib inline\n", "run.record(psnr_db=1.0)\n"]
    notebook["cells"].append({**code_cell, "source": "run.record(psnr_db=2.0, ssim=0.5)", "outputs": []})
    notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "As section 42 showed, …"})
    parameters = next(cell for cell in notebook["cells"] if "parameters" in cell["metadata"].get("tags", []))
    parameters["source"] = [line for line in parameters["source"] if not line.startswith("PRECISION")]
    broken = tmp_path / NOTEBOOKS[0].name
    broken.write_text(json.dumps(notebook))
    found = check_notebooks.problems(broken)
    assert any("outputs_profile is 'smoke'" in problem for problem in found)
    assert any("machine-specific path" in problem for problem in found)
    assert "result 'psnr_db' is recorded 2 times" in found and "the parameters cell lacks PRECISION" in found
    assert not any("'ssim'" in problem for problem in found)
    assert "'section 42' is referred to, but no heading is numbered 42" in found


def test_code_is_ruff_clean():
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_license_citation_binder_and_pre_commit_are_in_place():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == {"text": "MIT"}
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["license"] == "MIT"
    assert citation["version"] == project["version"]
    titles = " | ".join(reference["title"].lower() for reference in citation["references"])
    for paper in ("learnable image encryption", "adversarial test", "noise-like adversarial examples"):
        assert paper in titles
    # Binder installs the same runtime packages as pyproject (CPU torch), then the course itself
    binder = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    binder_names = {_name(line) for line in binder if line and not line.startswith(("#", "-"))}
    assert binder_names == {_name(requirement) for requirement in project["dependencies"]}
    assert "pip install --no-deps -e ." in (ROOT / "binder" / "postBuild").read_text()
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    entries = " ".join(hook["entry"] for hook in hooks)
    assert "ruff check" in entries and "ruff format --check" in entries
    assert "python -m course.check_notebooks" in entries


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names.add(module)
            if module == "helpers":  # from helpers import scenarios
                names.update(f"helpers.{alias.name}" for alias in node.names)
    return names


def test_helpers_never_imports_the_course_machinery():
    """The science (helpers) stands alone; the runner, results page and benchmarks (course) build on it."""
    for path in sorted((ROOT / "helpers").glob("*.py")):
        assert not any(name.split(".")[0] == "course" for name in _imports(path)), path.name


def test_the_ric_track_does_not_stand_on_the_table_i_track():
    """RIC's modules (and the cloud classifier they use) import neither the Table I scenarios nor their
    attacks: CIFAR-10's cloud classifier comes from the shared training path."""
    table_i = {"helpers.scenarios", "helpers.attacks", "helpers.cryptanalysis"}
    for name in (
        "classifiers",
        "nae",
        "keys",
        "ric",
        "ric_training",
        "ric_protocol",
        "ric_attacks",
        "metrics",
    ):
        assert not _imports(ROOT / "helpers" / f"{name}.py") & table_i, name


def test_the_package_docstring_maps_every_helpers_module():
    """A reader opening ``helpers`` sees every module, grouped into the shared base and the two papers."""
    import helpers

    modules = {path.stem for path in (ROOT / "helpers").glob("*.py")} - {"__init__"}
    assert {module for module in modules if f":mod:`helpers.{module}`" not in helpers.__doc__} == set()
