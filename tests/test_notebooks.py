"""Every numbered notebook runs end to end once in the smoke profile (nbval) and once in the paper dry run
(papermill).

This is the course's integration test: the notebooks are the product. nbval (``--nbval-lax``) executes each
committed notebook with the smoke parameters injected and compares the cells marked ``# NBVAL_CHECK_OUTPUT``
with the outputs stored in the repository; the ``paper_dry_run`` profile (the paper's settings, every loop
cut to a small batch or two) is executed with papermill. After each run, the ``results.json`` it wrote is
checked by the checks declared for that notebook (``NOTEBOOK_CHECKS``).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest
from papermill.parameterize import parameterize_notebook

from helpers.paths import figures_dir, repository_root
from helpers.profiles import get_profile
from helpers.ric_training import DECAYED_PROBE, EXACT_PROBE

NOTEBOOKS = sorted((repository_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))

CONTEXT_KEYS = {
    "notebook",
    "profile",
    "device",
    "precision",
    "dataset",
    "wall_seconds",
    "versions",
    "figures",
}


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
    study = results["jpeg_study"]
    assert set(study["test_error"]) == {"exact pixels", "JPEG round trip (quality 75)"}
    seeds = get_profile(results["profile"]).study_seeds
    assert len(study["seeds"]) == seeds and all(
        len(errors) == seeds for errors in study["test_error"].values()
    )
    assert 20 < study["round_trip_psnr_db"] < 45  # lossy, but the same images


def _check_03(results: dict) -> None:
    assert {"epsilon", "alpha", "steps", "scenarios", "epsilon_sweep"} <= set(results)
    assert set(results["scenarios"]) == {
        "plain",
        "encrypted",
        "encrypted_adv",
        "encrypted_dk",
        "encrypted_adv_dk",
    }
    valid, other = set(results["valid_attacks"]), set(results["other_threat_models"])
    assert "encrypted_domain" in other and not valid & other
    for name, row in results["scenarios"].items():
        attacks = row["adversarial_error"]
        assert {
            "none",
            "none_no_random_start",
            "autograd",
            "bpda",
            "autograd+bpda",
            "encrypted_domain",
            "worst",
        } <= set(attacks)
        assert set(row["worst_over"]) <= valid
        # the worst case is per image over the valid attacks: never below any of them, never above their sum
        singles = [attacks[attack] for attack in row["worst_over"]]
        assert max(singles) - 1e-9 <= attacks["worst"] <= min(1.0, sum(singles)) + 1e-9
        for rate, (low, high) in [
            (row["test_error"], row["ci95"]["test_error"]),
            (attacks["worst"], row["ci95"]["adversarial_error"]["worst"]),
        ]:
            assert 0 <= low <= rate <= high <= 1
        if name.startswith("encrypted_adv"):
            assert {"train_error_clean", "train_error_adversarial"} <= set(row)
    training = results["adversarial_training"]
    assert training["recipe"] == {"order": "augment_then_attack", "border": "reflect", "padding": 4}
    assert -1 <= training["label_leak_gap"] <= 1
    assert {leak["recipe"]["border"] for leak in training["label_leak"].values()} == {"zeros", "reflect"}
    change = results["encrypted_domain_plaintext_change"]
    assert 0 <= change["mean_abs"] <= change["linf"] <= 1
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
    """The study's codecs, each with its curve; the identity codec measured on the same held-out images."""
    assert {
        "config",
        "codecs",
        "identity_held_out_psnr_db",
        "target_held_out_psnr_db",
        "train_images",
    } <= set(results)
    codecs = results["codecs"]
    groups = ("main", "control", "rni_srl", "nae_no_srl")
    extra = range(1, get_profile(results["profile"]).study_seeds)  # the main codec is seed 0
    seeds = {f"{name}, seed {seed}" for name in groups[1:] for seed in extra}
    assert {*groups, *(f"seed {seed}" for seed in extra), *seeds} <= set(codecs)
    for name, codec in codecs.items():
        epochs = codec["changes"].get("epochs", results["config"]["epochs"])
        assert len(codec["eval_psnr_db_by_epoch"]) == epochs
        assert codec["cache"] in {"hit", "miss", "corrupt", "mismatch"}
        base, _, seed = name.partition(", seed ")
        if seed:  # another seed of a study codec: that codec's changes, and the seed
            assert codec["changes"] == {**codecs[base]["changes"], "seed": int(seed)}, name
        elif name == DECAYED_PROBE:  # the probe continued: fewer epochs, at a smaller step
            probe_epochs = codecs["probe"]["changes"].get("epochs", results["config"]["epochs"])
            assert codec["epochs_before"] == probe_epochs, name
            changes = set(codec["changes"])
            assert "learning_rate" in changes and changes <= {"epochs", "learning_rate"}, name
        elif name != "main" and not name.startswith("main ("):  # one setting away from the main codec
            assert len(codec["changes"]) == 1 and codec["epochs_before"] == 0, name
    assert (DECAYED_PROBE in codecs) == bool(get_profile(results["profile"]).ric.probe_decay_epochs)
    assert (EXACT_PROBE in codecs) == ("probe" in codecs)
    assert str(results["config"]["lam"]) in results["identity_held_out_psnr_db"]
    generalisation = results["generalisation"]
    assert {"identity codec", "main"} <= set(generalisation)
    identity = generalisation["identity codec"]  # learns nothing: the images alone separate its numbers
    sets = ("train_psnr_db", "held_out_jpeg_psnr_db", "held_out_psnr_db")
    assert max(identity[key] for key in sets) - min(identity[key] for key in sets) < 0.5


def _check_06(results: dict) -> None:
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
        "identity_baseline",
        "identity_codec",
        "init_control",
        "ssim_convention",
        "nae_drift",
        "encoder_correlation",
        "seeds",
        "seed_psnr_db",
        "target_psnr_db",
        "ci95",
    } <= set(results)
    ric_sizes = get_profile(results["profile"]).ric
    if ric_sizes.probe_epochs:  # the paper profile has no probe
        assert results["convergence_probe"]["epochs"] == results["convergence_probe_exact"]["epochs"]
    if ric_sizes.probe_decay_epochs:
        decayed = results["convergence_probe_decayed"]
        assert decayed["epochs"] == ric_sizes.probe_epochs + ric_sizes.probe_decay_epochs
    assert set(results["ablation"]) == set(results["ablation_seeds"]) == {"nae_srl", "rni_srl", "nae_no_srl"}
    study_seeds = get_profile(results["profile"]).study_seeds
    for over_seeds in (*results["ablation_seeds"].values(), results["init_control"]["over_seeds"]):
        assert (
            len(over_seeds["seeds"])
            == len(set(over_seeds["seeds"]))
            == len(over_seeds["psnr_db"])
            == study_seeds
        )
        assert min(over_seeds["psnr_db"]) <= over_seeds["mean"] <= max(over_seeds["psnr_db"])
    assert {"lambda", "acc_encrypted", "psnr_db", "identity_psnr_db", "encoder_correlation"} <= set(
        results["lambda_sweep"][0]
    )
    assert set(results["identity_baseline"]) == {str(row["lambda"]) for row in results["lambda_sweep"]}
    assert 0 <= results["label_mismatch_rate"] <= 1
    assert results["identity_codec"]["encoder_correlation"] > 0.999  # u_en = x
    seeds = [row["seed"] for row in results["seeds"]]
    assert len(seeds) == len(set(seeds)) == study_seeds
    for report in (results, *results["per_dataset"].values()):
        low, high = report["ci95"]["acc_encrypted"]
        assert 0 <= low <= report["acc_encrypted"] <= high <= 1


def _check_07(results: dict) -> None:
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


def _check_08(results: dict) -> None:
    assert {"psnr_db", "ssim", "n_train_ciphertexts", "eta1", "eta2", "label_agreement", "ci95"} <= set(
        results
    )
    low, high = results["ci95"]["label_agreement"]
    assert 0 <= low <= results["label_agreement"] <= high <= 1


def _check_09(results: dict) -> None:
    assert {"kpa", "leak", "nae_averaging_leak"} <= set(results)
    assert {row["nae_mode"] for row in results["kpa"]} == {"per_key_class", "per_image"}
    for row in results["kpa"]:  # every U-Net beside the two guesses that need no training
        assert {"psnr_db", "mean_of_pairs_psnr_db", "ciphertext_psnr_db"} <= set(row)
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
    "05_ric_codec": _check_05,
    "06_ric_protocol": _check_06,
    "07_attack_brute_force": _check_07,
    "08_attack_cloud": _check_08,
    "09_attack_known_plaintext": _check_09,
}


def test_every_notebook_has_declared_checks():
    assert {path.stem for path in NOTEBOOKS} == set(NOTEBOOK_CHECKS)


SANITIZERS = Path(__file__).with_name("nbval_sanitize.cfg")  # table captions name the profile and machine
SMOKE_PARAMETERS = {"PROFILE": "smoke", "DEVICE": "cpu", "INTERACTIVE": False}


def _check_results(notebook, profile: str) -> dict:
    """The results.json the notebook just wrote, checked by the checks declared for it."""
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
    papermill.execute_notebook(
        str(notebook),
        str(tmp_path / notebook.name),
        parameters={**SMOKE_PARAMETERS, "PROFILE": "paper_dry_run"},
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
    )
    _check_results(notebook, "paper_dry_run")


@pytest.mark.notebooks
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_in_smoke_profile_and_reproduces_its_checked_outputs(notebook, tmp_path):
    """One execution per notebook: nbval runs the committed notebook — stored outputs and all — with the
    smoke parameters injected after its ``parameters`` cell (as papermill injects them), fails on any error,
    and compares every cell marked ``# NBVAL_CHECK_OUTPUT`` with the output stored in the repository. So a
    marked cell must print the same in every profile, and a committed output that the code no longer
    produces is caught."""
    committed = nbformat.read(notebook, as_version=4)
    for cell in committed.cells:  # papermill's lookup of the parameters cell expects every cell to have tags
        cell.metadata.setdefault("tags", [])
    parameterised = parameterize_notebook(committed, SMOKE_PARAMETERS)
    copy = tmp_path / notebook.name
    nbformat.write(parameterised, copy)
    nbval = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(SANITIZERS),
            "-p",
            "no:cacheprovider",
            "-q",
            "-o",
            "addopts=",
            str(copy),
        ],
        cwd=tmp_path,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert nbval.returncode == 0, nbval.stdout[-4000:] + nbval.stderr[-2000:]
    _check_results(notebook, "smoke")
