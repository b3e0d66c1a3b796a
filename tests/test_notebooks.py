"""Every numbered notebook runs end to end in the smoke profile (papermill) and re-validates (nbval), and runs
once more in the paper dry run.

This is the course's integration test: the notebooks are the product. Each notebook is executed with
papermill into a temporary build folder, its ``results.json`` is checked by the checks declared for that
notebook (``NOTEBOOK_CHECKS``), then nbval (``--nbval-lax``) re-executes the executed copy and compares the
cells marked ``# NBVAL_CHECK_OUTPUT`` (a notebook without such cells is not executed a second time). The
``paper_dry_run`` profile (the paper's settings, every loop cut to
a small batch or two) is executed once, with the same checks.
"""

import json
import os
import subprocess
import sys

import nbformat
import papermill
import pytest

from helpers.paths import figures_dir, repository_root

NOTEBOOKS = sorted((repository_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
CONTEXT_KEYS = {"notebook", "profile", "device", "dataset", "wall_seconds", "versions", "figures"}


def _check_01(results: dict) -> None:
    assert {
        "roundtrip_exact",
        "key_space_log2",
        "known_plaintext_key_recovery",
        "encrypt_images_per_s",
    } <= set(results)
    assert results["roundtrip_exact"] is True


def _check_02(results: dict) -> None:
    assert {"models", "encrypted_wrong_key_test_error", "train_images_per_s", "epochs", "model_width"} <= set(
        results
    )
    _check_error_rates(results["models"])


def _check_03(results: dict) -> None:
    assert {"epsilon", "alpha", "steps", "scenarios", "epsilon_sweep"} <= set(results)
    assert set(results["scenarios"]) == {
        "plain",
        "encrypted",
        "encrypted_adv",
        "encrypted_dk",
        "encrypted_adv_dk",
    }
    for row in results["scenarios"].values():
        assert {"none", "autograd", "bpda", "encrypted_domain"} <= set(row["adversarial_error"])
    assert all(0 <= error <= 1 for points in results["epsilon_sweep"].values() for _, error in points)


def _check_04(results: dict) -> None:
    assert {
        "success_rate",
        "mean_final_margin",
        "steps",
        "g1",
        "mode",
        "deterministic",
        "max_abs_drift_threads",
        "seconds_per_10_class_batch",
    } <= set(results)
    assert results["deterministic"] is True  # regenerating a key's NAEs is bit-identical
    assert 0 <= results["success_rate"] <= 1 and results["max_abs_drift_threads"] >= 0


def _check_05(results: dict) -> None:
    assert {
        "dataset",
        "acc_plain",
        "acc_encrypted",
        "adp",
        "psnr_db",
        "psnr_rounded_db",
        "ssim",
        "lpips",
        "privacy_psnr_db",
        "wrong_key_psnr_db",
        "label_mismatch_rate",
        "lsb_baseline",
        "ablation",
        "lambda_sweep",
        "cross_dataset",
        "epochs",
        "train_seconds",
    } <= set(results)
    assert set(results["ablation"]) == {"nae_srl", "rni_srl", "nae_no_srl"}
    assert {"lambda", "acc_encrypted", "psnr_db"} <= set(results["lambda_sweep"][0])
    assert {"psnr_db", "ssim"} == set(results["lsb_baseline"]) - {"acc_encrypted"}
    assert 0 <= results["label_mismatch_rate"] <= 1
    assert {
        "identity_baseline",
        "init_control",
        "ssim_convention",
        "nae_drift",
        "encoder_correlation",
    } <= set(results)
    assert set(results["identity_baseline"]) == {str(row["lambda"]) for row in results["lambda_sweep"]}
    assert {"identity_psnr_db", "encoder_correlation", "identity_label_mismatch_rate"} <= set(
        results["lambda_sweep"][0]
    )
    assert {"seeds", "seed_psnr_db", "target_psnr_db", "convergence_probe", "ci95"} <= set(results)
    seeds = [row["seed"] for row in results["seeds"]]
    assert len(seeds) >= 3 and len(set(seeds)) == len(seeds)
    low, high = results["ci95"]["acc_encrypted"]
    assert 0 <= low <= results["acc_encrypted"] <= high <= 1


def _check_06(results: dict) -> None:
    assert {
        "correct_key_psnr_db",
        "wrong_key_psnr_db",
        "n_keys",
        "n_images",
        "theorem_bound",
        "seconds_per_guess",
        "tiny_keyspace_found",
    } <= set(results)
    assert results["tiny_keyspace_found"] is True  # a real search over the tiny key space
    assert {"mean", "min", "max"} == set(results["wrong_key_psnr_db"])


def _check_07(results: dict) -> None:
    assert {"psnr_db", "ssim", "n_train_ciphertexts", "eta1", "eta2", "label_agreement", "ci95"} <= set(
        results
    )
    low, high = results["ci95"]["label_agreement"]
    assert 0 <= low <= results["label_agreement"] <= high <= 1


def _check_08(results: dict) -> None:
    assert {"kpa", "leak", "nae_averaging_leak"} <= set(results)
    assert {row["nae_mode"] for row in results["kpa"]} == {"per_key_class", "per_image"}
    assert {(row["initialisation"], row["nae_mode"]) for row in results["leak"]} == {
        (initialisation, mode)
        for initialisation in ("identity", "pytorch")
        for mode in ("per_key", "per_key_class", "per_image")
    }
    assert {
        "revealed_psnr_db",
        "nae_estimate_psnr_db",
        "mean_image_psnr_db",
        "encoder_output_psnr_db",
    } <= set(results["leak"][0])


def _check_error_rates(models: dict) -> None:
    for errors in models.values():
        assert {"train_error", "test_error"} <= set(errors)
        assert 0 <= errors["test_error"] <= 1


# What each notebook's smoke run must put in its results.json, declared per notebook.
NOTEBOOK_CHECKS = {
    "01_learnable_encryption": _check_01,
    "02_adaptation_network": _check_02,
    "03_pgd_robustness_scenarios": _check_03,
    "04_noise_like_adversarial_examples": _check_04,
    "05_ric_training": _check_05,
    "06_attack_brute_force": _check_06,
    "07_attack_cloud": _check_07,
    "08_attack_known_plaintext": _check_08,
}


def test_every_notebook_has_declared_checks():
    assert {path.stem for path in NOTEBOOKS} == set(NOTEBOOK_CHECKS)


def _execute(notebook, tmp_path, profile: str) -> dict:
    """Execute ``notebook`` with papermill in ``profile``; check its results.json; return the results."""
    executed = tmp_path / notebook.name
    papermill.execute_notebook(
        str(notebook),
        str(executed),
        parameters={"PROFILE": profile, "DEVICE": "cpu", "INTERACTIVE": False},
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
    )
    results = json.loads((figures_dir() / notebook.stem / "results.json").read_text())
    assert results["profile"] == profile and results["shows_results"] is False
    assert set(results) >= CONTEXT_KEYS
    NOTEBOOK_CHECKS[notebook.stem](results)
    for figure in results["figures"]:
        assert (figures_dir() / notebook.stem / figure).stat().st_size > 1000
    return results


@pytest.mark.notebooks
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_in_the_paper_dry_run(notebook, tmp_path):
    """The paper profile's settings (widths, batch sizes, margins, data sets) with every loop cut to a small
    batch or two: a crash, shape error or missing file on the paper path shows up here, on a CPU."""
    _execute(notebook, tmp_path, "paper_dry_run")


@pytest.mark.notebooks
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_in_smoke_profile_and_passes_nbval(notebook, tmp_path):
    executed = tmp_path / notebook.name
    _execute(notebook, tmp_path, "smoke")
    checked = [cell for cell in nbformat.read(executed, as_version=4).cells if CHECK_MARK in cell.source]
    if not checked:  # nbval would only execute the notebook again, with nothing to compare
        return
    nbval = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            "-q",
            "-o",
            "addopts=",
            str(executed),
        ],
        cwd=tmp_path,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert nbval.returncode == 0, nbval.stdout[-4000:] + nbval.stderr[-2000:]
