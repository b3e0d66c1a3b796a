"""The committed quick results support what the notebooks say about them.

These tests read ``figures/*/results.json`` as committed (a ``quick`` or ``paper`` run) — no computation — and
fail when a regenerated run no longer supports a sentence of the notebooks, so that numbers and prose are
updated together.
"""

import json

import pytest

from helpers.paths import repository_root

FIGURES = repository_root() / "figures"


def _results(notebook: str) -> dict:
    results = json.loads((FIGURES / notebook / "results.json").read_text())
    assert results["profile"] in ("quick", "paper") and results["shows_results"] is True
    return results


@pytest.fixture(scope="module")
def table_i() -> dict:
    return _results("03_pgd_robustness_scenarios")


def test_the_label_leak_measurements_read_as_notebook_03_says(table_i):
    """Section 2.1: the recipe of Table I (reflected border, attacked after the crop) meets the bar — a gap of
    at most 0.05 whose paired interval contains 0; in the controls (three seeds each) the zero border attacked
    after the crop leaks in every seed, the reflected one does not, and attacking before the crop blunts the
    examples."""
    training = table_i["adversarial_training"]
    assert training["recipe"] == {"order": "augment_then_attack", "border": "reflect", "padding": 4}
    leaks = training["label_leak"]
    chosen = leaks["Encrypted-Adv"]
    assert training["label_leak_gap"] == chosen["gap"] and abs(chosen["gap"]) <= 0.05
    low, high = chosen["gap_ci95"]
    assert low <= min(0, chosen["gap"]) and max(0, chosen["gap"]) <= high
    controls = {
        (leak["recipe"]["order"], leak["recipe"]["border"]): leak
        for leak in leaks.values()
        if "seeds" in leak
    }
    assert len(controls) == 3 and all(len(leak["seeds"]) == 3 for leak in controls.values())
    assert all(seed["gap"] > 0.05 for seed in controls["augment_then_attack", "zeros"]["seeds"])
    assert abs(controls["augment_then_attack", "reflect"]["gap"]) <= 0.05
    assert all(seed["gap"] > 0.05 for seed in controls["attack_then_augment", "zeros"]["seeds"])


def test_encrypted_adv_resists_the_attack_it_was_trained_against_but_not_autograd(table_i):
    """Section 4: `bpda` does worse than no attack on Encrypted-Adv and stays far from 100 % as ε grows,
    while `autograd` and the combined attack break more; the worst case is therefore far above `bpda`."""
    attacks = table_i["scenarios"]["encrypted_adv"]["adversarial_error"]
    assert attacks["bpda"] < attacks["none_no_random_start"] < attacks["autograd"] < attacks["autograd+bpda"]
    assert attacks["worst"] >= attacks["autograd+bpda"] and attacks["worst"] >= attacks["bpda"] + 0.2
    assert max(error for _, error in table_i["epsilon_sweep"]["encrypted_adv (bpda)"]) < 0.95


def test_encrypted_adv_dk_is_at_chance_so_its_row_shows_no_robustness(table_i):
    row = table_i["scenarios"]["encrypted_adv_dk"]
    assert row["test_error"] >= 0.85 and row["ci95"]["test_error"][0] <= 0.9
    valid = {row["adversarial_error"][name] for name in row["worst_over"]}
    assert max(valid) - min(valid) <= 0.02  # no attack changes what it answers


def test_the_worst_case_is_per_image_over_the_valid_attacks(table_i):
    for row in table_i["scenarios"].values():
        attacks = row["adversarial_error"]
        assert "encrypted_domain" not in row["worst_over"] and "bpda_known_key" not in row["worst_over"]
        assert attacks["worst"] >= max(attacks[name] for name in row["worst_over"]) - 1e-9


def test_the_gradient_attacks_reach_full_success_as_epsilon_grows(table_i):
    """Carlini et al. (2019): an attack that works must reach ~100 % at large ε (notebook 03, section 5). It
    does on the Encrypted and Plain models, and on Encrypted-Adv the combined attack does (so that model's
    worst case comes from a working attack), while `bpda` alone stays far from it."""
    for curve in ("bpda", "autograd", "plain", "encrypted_adv (autograd+bpda)"):
        assert table_i["epsilon_sweep"][curve][-1][1] >= 0.99, curve
    assert max(error for _, error in table_i["epsilon_sweep"]["encrypted_adv (bpda)"]) < 0.95


def test_encrypted_adv_misses_its_clean_goal_and_twice_the_epochs_do_not_help(table_i):
    """Section 4: Encrypted-Adv's clean test error misses the goal of 0.70 even at its interval's lower end;
    the convergence probe (twice the epochs, everything else equal) has a higher clean error and no leak; the
    worst case is below Plain's by the point estimate only (the intervals overlap)."""
    row = table_i["scenarios"]["encrypted_adv"]
    assert row["ci95"]["test_error"][0] > 0.70
    probe = table_i["adversarial_training"]["label_leak"]["Encrypted-Adv, convergence probe"]
    assert probe["epochs"] == 2 * table_i["epochs"]["adversarial"] == table_i["epochs"]["adversarial_probe"]
    assert probe["test_error"] > row["ci95"]["test_error"][1] and abs(probe["gap"]) <= 0.05
    plain = table_i["scenarios"]["plain"]
    assert row["adversarial_error"]["worst"] < plain["adversarial_error"]["worst"]
    assert row["ci95"]["adversarial_error"]["worst"][1] >= plain["ci95"]["adversarial_error"]["worst"][0]


def test_eot_with_fresh_keys_breaks_the_dk_model_well_beyond_its_clean_error(table_i):
    """EOT draws new keys at every PGD step; against Encrypted-DK it must beat doing nothing (the `none`
    attack without random start leaves the images, and so the clean error, unchanged) by a clear margin."""
    attacks = table_i["scenarios"]["encrypted_dk"]["adversarial_error"]
    assert attacks["bpda"] >= attacks["none_no_random_start"] + 0.1


def test_both_gradients_combined_beat_either_alone_where_both_carry_one(table_i):
    """Section 4: on Encrypted-Adv and Encrypted-DK the combined attack (`autograd+bpda`) breaks more images
    than `autograd` or `bpda` alone, and it counts in the worst case."""
    for name in ("encrypted_adv", "encrypted_dk"):
        row = table_i["scenarios"][name]
        attacks = row["adversarial_error"]
        assert attacks["autograd+bpda"] > max(attacks["autograd"], attacks["bpda"]), name
        assert "autograd+bpda" in row["worst_over"] and attacks["worst"] >= attacks["autograd+bpda"]


@pytest.mark.parametrize("path", sorted(FIGURES.glob("*/results.json")), ids=lambda path: path.parent.name)
def test_every_committed_run_records_its_device_and_training_precision(path):
    """A number is read beside the machine and the arithmetic that produced it."""
    results = json.loads(path.read_text())
    assert results["precision"] in ("fp32", "bf16") and results["device"]


def test_the_lambda_study_is_read_over_three_seeds_per_lambda():
    """Notebook 06 reads every λ of Fig. 7's study over the same three seeds as the main codec."""
    results = _results("06_ric_protocol")
    for row in results["lambda_sweep"]:
        over_seeds = row["psnr_db_over_seeds"]
        assert over_seeds["seeds"] == [results["seed"], results["seed"] + 1, results["seed"] + 2], row[
            "lambda"
        ]
        assert over_seeds["psnr_db"][0] == pytest.approx(row["psnr_db"])
        assert min(over_seeds["psnr_db"]) <= over_seeds["mean"] <= max(over_seeds["psnr_db"])


def test_table_3_measures_every_cross_cell_with_both_protocols():
    """Each cross cell of Table 3 is measured with the codec's classifier and with the test set's own."""
    results = _results("06_ric_protocol")
    cross = {cell for cell in results["cross_dataset"] if len(set(cell.split("→"))) == 2}
    assert cross and cross == set(results["cross_dataset_own_classifier"])
    for cell in cross:
        own = results["cross_dataset_own_classifier"][cell]
        assert 0 < own["classifier_test_accuracy"] <= 1 and own["psnr_db"] > 0, cell


def test_every_known_plaintext_u_net_beats_both_guesses_that_need_no_training():
    """Notebook 09: each U-Net reads more from the ciphertexts than the mean of its N known plaintexts or the
    ciphertext itself; shared (per key, class) NAEs help it more than per-image NAEs at the same N."""
    rows = _results("09_attack_known_plaintext")["kpa"]
    for row in rows:
        assert row["psnr_db"] > max(row["mean_of_pairs_psnr_db"], row["ciphertext_psnr_db"]), row
    by_mode = {(row["nae_mode"], row["n_pairs"]): row["psnr_db"] for row in rows}
    compared = [n for mode, n in by_mode if mode == "per_image"]
    assert compared and all(by_mode[("per_key_class", n)] > by_mode[("per_image", n)] for n in compared)


def test_the_averaging_leak_beats_the_mean_image_only_with_shared_class_naes_and_the_identity_start():
    """Notebook 09's reading: revealed images clearly above the mean image (> 1 dB) only for the identity
    initialisation with one NAE per (key, class); per-image NAEs stay below it for both initialisations."""
    for row in _results("09_attack_known_plaintext")["leak"]:
        margin = row["revealed_psnr_db"] - row["mean_image_psnr_db"]
        if row["initialisation"] == "identity" and row["nae_mode"] == "per_key_class":
            assert margin > 1, row
        else:
            assert margin < 1, row
        if row["nae_mode"] == "per_image":
            assert margin < 0, row
