"""The main job's runner: order, progress, failure reporting, argument checks, write-back, and where
smoke runs write."""

import json
import os
from pathlib import Path

import nbformat
import pytest
import torch
from nbformat.v4 import new_code_cell, new_notebook

from course.run import clean_for_commit, main, numbered_notebooks
from helpers.notebook import NotebookRun
from helpers.paths import BUILD_DIR_VARIABLE, FIGURES_DIR_VARIABLE, repository_root, results_dir


def _notebook(folder, name, *sources):
    cells = [
        new_code_cell(
            'PROFILE = "quick"\nDEVICE = "auto"\nINTERACTIVE = True', metadata={"tags": ["parameters"]}
        )
    ]
    cells += [new_code_cell(source) for source in sources]
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / name)
    return folder / name


def test_notebooks_are_found_in_number_order(tmp_path):
    for name in ("02_b.ipynb", "01_a.ipynb", "notes.ipynb"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in numbered_notebooks(tmp_path)] == ["01_a.ipynb", "02_b.ipynb"]
    assert [p.name for p in numbered_notebooks(tmp_path, ["02"])] == ["02_b.ipynb"]
    assert [p.name for p in numbered_notebooks(tmp_path, ["2", "1"])] == ["01_a.ipynb", "02_b.ipynb"]
    with pytest.raises(ValueError, match="no notebook numbered 07"):
        numbered_notebooks(tmp_path, ["07"])
    with pytest.raises(ValueError, match="1 to 2 digits"):
        numbered_notebooks(tmp_path, ["first"])


def test_success_prints_progress_and_wall_time_and_write_back_cleans(tmp_path, capfd):
    source = _notebook(tmp_path, "01_ok.ipynb", "print(PROFILE, INTERACTIVE)")
    code = main(
        [
            "--profile",
            "quick",
            "--notebooks-dir",
            str(tmp_path),
            "--output-dir",
            str(tmp_path / "out"),
            "--write-back",
        ]
    )
    captured = capfd.readouterr()  # file descriptors: the kernel's own stderr is caught too
    out = captured.out
    assert code == 0 and "✓ 01_ok.ipynb:" in out and " s →" in out
    assert "cell 1/3 ·" in out and "cell 3/3 ·" in out  # papermill's injected cell is the third
    assert f"→ {tmp_path / 'out' / '01_ok.ipynb'}" in out  # full paths, not cut to …/
    assert "without encryption" not in captured.err  # the kernel talks over IPC, not TCP
    assert not list(tmp_path.glob("kernel-ipc*"))  # its sockets live in the temporary folder, and are gone
    executed = nbformat.read(tmp_path / "out" / "01_ok.ipynb", as_version=4)
    assert "quick False" in executed.cells[-1].outputs[0]["text"]
    committed = json.loads(source.read_text())
    assert not any("injected-parameters" in c["metadata"].get("tags", []) for c in committed["cells"])
    assert committed["metadata"]["ppic"]["outputs_profile"] == "quick"
    assert "input_path" not in committed["metadata"].get("papermill", {})


def test_failure_stops_with_the_failing_cell(tmp_path, capsys):
    _notebook(tmp_path, "01_bad.ipynb", "x = 1", "raise ValueError('broken on purpose')")
    _notebook(tmp_path, "02_never.ipynb", "print('should not run')")
    code = main(
        ["--profile", "smoke", "--notebooks-dir", str(tmp_path), "--output-dir", str(tmp_path / "out")]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "01_bad.ipynb failed in cell" in err and "raise ValueError('broken on purpose')" in err
    assert "ValueError: broken on purpose" in err
    assert not (tmp_path / "out" / "02_never.ipynb").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--only", "9"], "--only: no notebook numbered 09"),
        (["--only", "one"], "--only: notebook numbers are 1 to 2 digits"),
        (["--device", "tpu"], "--device: device must be one of"),
        (["--profile", "smoke", "--write-back"], "'smoke' outputs are not results"),
    ],
)
def test_bad_arguments_stop_with_one_line_before_any_kernel_starts(tmp_path, capsys, arguments, message):
    _notebook(tmp_path, "01_ok.ipynb", "print('must not run')")
    output = tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        main([*arguments, "--notebooks-dir", str(tmp_path), "--output-dir", str(output)])
    error_lines = capsys.readouterr().err.strip().splitlines()
    assert stop.value.code == 2 and message in error_lines[-1]
    assert not output.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without a GPU")
def test_cuda_without_a_gpu_is_refused_before_any_kernel_starts(tmp_path, capsys):
    _notebook(tmp_path, "01_ok.ipynb", "print('must not run')")
    with pytest.raises(SystemExit):
        main(["--device", "cuda", "--notebooks-dir", str(tmp_path), "--output-dir", str(tmp_path / "out")])
    assert "no CUDA GPU is visible" in capsys.readouterr().err


def test_a_smoke_run_never_writes_into_the_committed_figures(monkeypatch, tmp_path):
    monkeypatch.delenv(FIGURES_DIR_VARIABLE)
    monkeypatch.setenv(BUILD_DIR_VARIABLE, str(tmp_path / "build"))
    committed = repository_root() / "figures"
    assert results_dir(shows_results=False) == tmp_path / "build" / "smoke-figures"
    assert results_dir(shows_results=True) == committed
    smoke = NotebookRun.start("01_learnable_encryption", profile="smoke", device="cpu")
    assert committed not in smoke.output_dir.parents and (tmp_path / "build") in smoke.output_dir.parents


def test_the_test_session_itself_is_isolated():
    """The repository's conftest.py points every pytest session (tests and nbval alike) elsewhere."""
    root = repository_root()
    for variable in (FIGURES_DIR_VARIABLE, BUILD_DIR_VARIABLE):
        folder = Path(os.environ[variable])
        assert root not in folder.parents and folder != root / "figures"


def test_clean_for_commit_keeps_outputs():
    notebook = new_notebook(
        cells=[new_code_cell("1", metadata={"tags": ["injected-parameters"]}), new_code_cell("2")]
    )
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", text="two")]
    notebook.metadata["papermill"] = {"input_path": "/somewhere/a.ipynb", "parameters": {"PROFILE": "smoke"}}
    cleaned = clean_for_commit(notebook, "smoke")
    assert len(cleaned.cells) == 1 and cleaned.cells[0].outputs[0]["text"] == "two"
    assert cleaned.metadata["papermill"] == {"parameters": {"PROFILE": "smoke"}}
