"""The main job's runner: order, failure reporting, write-back."""

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.run_notebooks import clean_for_commit, main, numbered_notebooks


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
    with pytest.raises(ValueError, match="no notebook numbered"):
        numbered_notebooks(tmp_path, ["07"])


def test_success_prints_wall_time_and_write_back_cleans(tmp_path, capsys):
    source = _notebook(tmp_path, "01_ok.ipynb", "print(PROFILE, INTERACTIVE)")
    code = main(
        [
            "--profile",
            "smoke",
            "--notebooks-dir",
            str(tmp_path),
            "--output-dir",
            str(tmp_path / "out"),
            "--write-back",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "✓ 01_ok.ipynb:" in out and " s →" in out
    executed = nbformat.read(tmp_path / "out" / "01_ok.ipynb", as_version=4)
    assert "smoke False" in executed.cells[-1].outputs[0]["text"]
    committed = json.loads(source.read_text())
    assert not any("injected-parameters" in c["metadata"].get("tags", []) for c in committed["cells"])
    assert committed["metadata"]["ppic"]["outputs_profile"] == "smoke"
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


def test_clean_for_commit_keeps_outputs():
    notebook = new_notebook(
        cells=[new_code_cell("1", metadata={"tags": ["injected-parameters"]}), new_code_cell("2")]
    )
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", text="two")]
    notebook.metadata["papermill"] = {"input_path": "/somewhere/a.ipynb", "parameters": {"PROFILE": "smoke"}}
    cleaned = clean_for_commit(notebook, "smoke")
    assert len(cleaned.cells) == 1 and cleaned.cells[0].outputs[0]["text"] == "two"
    assert cleaned.metadata["papermill"] == {"parameters": {"PROFILE": "smoke"}}
