"""The per-notebook run record: banner, figures and results.json."""

import json

import matplotlib.pyplot as plt
import pytest

from helpers.notebook import SMOKE_WARNING, NotebookRun
from helpers.paths import figures_dir


def test_banner_states_profile_and_device(capsys):
    run = NotebookRun.start("99_demo", profile="smoke", device="cpu", seed=3, dataset="cifar10")
    out = capsys.readouterr().out
    assert "profile 'smoke'" in out and "device: cpu" in out and SMOKE_WARNING in out
    assert run.output_dir == figures_dir() / "99_demo"
    quick = NotebookRun.start("99_demo", profile="quick", device="cpu")
    assert SMOKE_WARNING not in capsys.readouterr().out and quick.profile.shows_results


def test_figures_and_results_are_written_with_context():
    run = NotebookRun.start("99_demo", profile="smoke", device="cpu", dataset="mnist")
    figure, axis = plt.subplots()
    axis.plot([0, 1])
    assert run.savefig(figure, "line") is None  # nothing for a notebook cell to echo
    plt.close(figure)
    assert (run.output_dir / "line.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run.write_results({"accuracy": 0.5})
    written = json.loads(run.results_path.read_text())
    assert written["accuracy"] == 0.5 and written["profile"] == "smoke" and written["shows_results"] is False
    assert (
        written["dataset"] == "mnist" and written["figures"] == ["line.png"] and written["wall_seconds"] >= 0
    )
    assert {"torch", "numpy", "python"} <= set(written["versions"]) and written["device"].startswith("cpu")
    assert written["precision"] in ("fp32", "bf16")


def test_the_training_precision_is_resolved_once_and_recorded(capsys):
    run = NotebookRun.start("99_demo", profile="smoke", device="cpu", precision="fp32")
    assert run.precision == "fp32" and "training precision fp32" in capsys.readouterr().out
    assert NotebookRun.start("99_demo", profile="smoke", device="cpu", precision="bf16").precision == "bf16"
    with pytest.raises(ValueError, match="precision must be one of"):
        NotebookRun.start("99_demo", profile="smoke", device="cpu", precision="fp16")


def test_results_cannot_override_context_or_hold_nan():
    run = NotebookRun.start("99_demo", profile="smoke", device="cpu")
    with pytest.raises(ValueError, match="context keys"):
        run.write_results({"profile": "paper"})
    with pytest.raises(ValueError):
        run.write_results({"psnr": float("nan")})


def test_bad_names_are_rejected():
    with pytest.raises(ValueError, match="stem"):
        NotebookRun.start("01_x.ipynb", profile="smoke", device="cpu")
    run = NotebookRun.start("99_demo", profile="smoke", device="cpu")
    with pytest.raises(ValueError, match="plain file stem"):
        run.savefig(plt.figure(), "../escape")
    with pytest.raises(ValueError, match="unknown profile"):
        NotebookRun.start("99_demo", profile="full", device="cpu")


def test_tables_carry_the_profile_and_the_smoke_warning():
    smoke = NotebookRun.start("99_demo", profile="smoke", device="cpu")
    table = smoke.table("T", ["a", "b"], [[1, 0.25], [True, "x"]])
    assert "profile `smoke`" in table and SMOKE_WARNING in table
    assert "| 1 | 0.250 |" in table and "| yes | x |" in table


def test_results_are_recorded_where_they_are_measured_and_written_once():
    run = NotebookRun.start("99_demo", profile="smoke", device="cpu")
    run.record(psnr_db=40.0, seeds=[0, 1])
    run.record(adp=1.0)
    run.record(adp=0.0)  # a cell run again replaces its numbers
    with pytest.raises(ValueError, match="already recorded"):
        run.write_results({"psnr_db": 1.0})
    run.write_results({"extra": True})
    written = json.loads(run.results_path.read_text())
    assert written["psnr_db"] == 40.0 and written["seeds"] == [0, 1] and written["adp"] == 0.0
    assert written["extra"] is True
    run.record(profile="paper")  # a context name is refused when written, not silently kept
    with pytest.raises(ValueError, match="context keys"):
        run.write_results()
