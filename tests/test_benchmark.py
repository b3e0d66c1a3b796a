"""The benchmark CLI runs end to end on tiny sizes and writes a record naming the device — under build/, since
a trial's sizes must never replace the committed records of figures/benchmarks/."""

import json

import pytest
import torch

from course.benchmark import DEFAULT_IMAGES, DEFAULT_REPEATS, main, record_folder
from helpers.paths import build_dir, figures_dir
from helpers.profiles import PROFILES
from helpers.runtime import cpu_name


@pytest.mark.parametrize(
    ("arguments", "record_name", "keys"),
    [
        (["encryption", "--images", "64"], "encryption_cpu.json", {"encrypt", "decrypt"}),
        (
            ["nae", "--images", "4", "--width", "0.125"],
            "nae_width0.125_cpu.json",
            {"seconds_per_10_class_batch", "per_image"},
        ),
        (["ric", "--images", "8", "--width", "0.1"], "ric_width0.1_cpu.json", {"encrypt", "decrypt"}),
        (
            ["training", "--images", "128", "--width", "0.125"],
            "training_width0.125_cpu.json",
            {"plain", "encrypted", "speedup_vs_fp32", "auto_precision"},
        ),
        (
            ["pgd", "--images", "8", "--width", "0.125"],
            "pgd_width0.125_cpu.json",
            {"ours", "precision", "speedup_vs_fp32", "auto_precision"},
        ),
    ],
)
def test_benchmark_writes_a_record(arguments, record_name, keys):
    assert main([*arguments, "--repeats", "1", "--device", "cpu"]) == 0
    record = json.loads((build_dir() / "benchmarks" / record_name).read_text())
    assert not (figures_dir() / "benchmarks" / record_name).exists()
    assert keys <= set(record) and record["device"].startswith("cpu")
    assert isinstance(record["native_bf16"], bool) and cpu_name() in record["device"]  # which machine
    assert record["benchmark"] == arguments[0]
    if "speedup_vs_fp32" in keys:  # fp32 and the fast path measured side by side, in one run
        fast_paths = [record["precision"]] if "precision" in record else [record["plain"]["precision"]]
        for fast_path in fast_paths:
            rates = fast_path["images_per_s"]
            assert set(rates) == {"fp32", "fp32_channels_last", "bf16", "bf16_channels_last"}
            assert fast_path["speedup_vs_fp32"] == pytest.approx(rates["bf16_channels_last"] / rates["fp32"])
        assert record["auto_precision"] in ("fp32", "bf16")


def test_the_parity_record_compares_the_same_models_in_both_precisions():
    assert main(["parity", "--profile", "smoke", "--device", "cpu"]) == 0
    record = json.loads((build_dir() / "benchmarks" / "parity_smoke_cpu.json").read_text())
    plain, small = record["plain"], record["small_models"]
    assert record["profile"] == "smoke" and isinstance(record["native_bf16"], bool)
    assert plain["bf16_minus_fp32"] == pytest.approx(
        plain["bf16"]["test_error"] - plain["fp32"]["test_error"]
    )
    assert 0 <= plain["prediction_agreement"] <= 1
    for precision in ("fp32", "bf16"):
        low, high = plain[precision]["ci95"]
        assert low <= plain[precision]["test_error"] <= high
        assert len(small[precision]["test_errors"]) == len(small["seeds"]) == 3
    assert small["bf16_minus_fp32_mean"] == pytest.approx(small["bf16"]["mean"] - small["fp32"]["mean"])


def test_the_budget_record_trains_each_recipe_and_keeps_its_curve():
    assert main(["budget", "--profile", "smoke", "--device", "cpu"]) == 0
    record = json.loads((build_dir() / "benchmarks" / "budget_smoke_cpu.json").read_text())
    smoke = PROFILES["smoke"].classifiers
    assert record["profile"] == "smoke" and record["precision"] in ("fp32", "bf16")
    assert record["goals"]["plain"] == 0.16 and record["paper_test_error"]["plain"] == 0.137
    shapes = {
        (row["model"], row["width"], row["epochs"], row["schedule"]) for row in record["recipes"].values()
    }
    assert shapes == {
        ("plain", smoke.width, smoke.epochs, "step"),
        ("plain", smoke.width, smoke.epochs, "linear"),
        ("plain", smoke.width, 2 * smoke.epochs, "linear"),
        ("plain", 2 * smoke.width, smoke.epochs, "linear"),
        *((model, smoke.width, smoke.epochs, "step") for model in ("encrypted", "encrypted_dk")),
        *((model, smoke.width, 2 * smoke.epochs, "linear") for model in ("encrypted", "encrypted_dk")),
    }
    for row in record["recipes"].values():
        low, high = row["ci95"]
        assert low <= row["test_error"] <= high
        assert len(row["test_accuracy_per_epoch"]) == row["epochs"]  # the curve of every epoch
        # the last point of the curve is the model's test error (the DK keys restart from their seed)
        assert row["test_error"] == pytest.approx(1 - row["test_accuracy_per_epoch"][-1], abs=1e-6)
        assert row["train_seconds"] > 0 and row["cache"] in ("miss", "hit")


def test_bad_sizes_are_refused():
    with pytest.raises(SystemExit):
        main(["nae", "--images", "0"])
    with pytest.raises(SystemExit):
        main(["nae", "--repeats", "0"])


def test_an_unknown_or_absent_device_is_one_line(capsys):
    with pytest.raises(SystemExit):
        main(["encryption", "--device", "tpu"])
    assert "--device: device must be one of" in capsys.readouterr().err.strip().splitlines()[-1]
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit):
            main(["encryption", "--device", "cuda"])
        assert "no CUDA GPU is visible" in capsys.readouterr().err


def test_only_a_run_of_the_standard_sizes_goes_to_the_committed_records():
    committed, trial = figures_dir() / "benchmarks", build_dir() / "benchmarks"
    for benchmark, images in DEFAULT_IMAGES.items():
        assert record_folder(benchmark, images, DEFAULT_REPEATS, "quick") == committed
        assert record_folder(benchmark, images, DEFAULT_REPEATS + 7, "quick") == committed
        assert record_folder(benchmark, images // 2, DEFAULT_REPEATS, "quick") == trial
        assert record_folder(benchmark, images, DEFAULT_REPEATS - 1, "quick") == trial
    assert record_folder("parity", None, DEFAULT_REPEATS, "quick") == committed
    assert record_folder("parity", None, DEFAULT_REPEATS, "smoke") == trial
    assert record_folder("budget", None, DEFAULT_REPEATS, "quick") == committed
    assert record_folder("budget", None, DEFAULT_REPEATS, "smoke") == trial
