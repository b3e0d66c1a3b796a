"""The GitHub Actions workflow is valid (the GitHub-workflow JSON schema that check-jsonschema ships, so no
network is needed) and does what the README promises."""

import subprocess
import sys
from pathlib import Path

import yaml

from helpers.paths import repository_root

WORKFLOW = repository_root() / ".github" / "workflows" / "course.yml"


def test_workflow_passes_the_github_workflow_schema():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cpu_job_runs_the_ci_script_and_gpu_job_runs_every_notebook():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    cpu, gpu = workflow["jobs"]["cpu"], workflow["jobs"]["gpu"]
    assert any(step.get("run") == "bash .ci/run" for step in cpu["steps"])
    assert gpu["runs-on"] == ["self-hosted", "linux", "ppic-gpu"]
    commands = " ".join(step.get("run", "") for step in gpu["steps"])
    assert "course.run --profile" in commands and "--device cuda" in commands
    upload = next(step for step in gpu["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert "figures/" in upload["with"]["path"] and "build/notebooks/" in upload["with"]["path"]
    dispatch = workflow[True]["workflow_dispatch"]["inputs"]["profile"]  # YAML 1.1 reads `on` as True
    assert dispatch["default"] == "paper" and set(dispatch["options"]) == {"smoke", "quick", "paper"}
    assert "'quick'" in gpu["env"]["PROFILE"]
    readme = (repository_root() / "README.md").read_text()
    assert "ppic-gpu" in readme


def test_pushes_never_cancel_a_manual_run_and_caches_persist():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    concurrency = workflow["concurrency"]
    assert "github.event_name" in concurrency["group"]  # a push and a manual run never share a group
    assert concurrency["cancel-in-progress"] == "${{ github.event_name != 'workflow_dispatch' }}"
    gpu_steps = " ".join(step.get("run", "") for step in workflow["jobs"]["gpu"]["steps"])
    for variable in ("PPIC_CACHE_DIR", "PIP_CACHE_DIR"):
        assert f"{variable}=$HOME/" in gpu_steps  # outside the workspace that actions/checkout cleans
    setup = next(step for step in workflow["jobs"]["cpu"]["steps"] if "setup-python" in step.get("uses", ""))
    assert setup["with"]["cache"] == "pip"
