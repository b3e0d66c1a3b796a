"""The results page is generated from the results.json files: its numbers are theirs, the committed page is
up to date, and the README's performance table follows the benchmark records."""

import json
from typing import Any

import pytest

from course import results_page
from helpers import paper_numbers
from helpers.paths import repository_root
from helpers.ric_training import DECAYED_PROBE, EXACT_PROBE

FIGURES = repository_root() / "figures"


def _run(notebook: str, **values) -> dict:
    context = {
        "notebook": notebook,
        "profile": "quick",
        "device": "cuda (NVIDIA H100)",
        "precision": "bf16",
        "dataset": "cifar10",
    }
    return {**context, "date_utc": "2026-11-25T00:00:00Z", "wall_seconds": 12.0, **values}


def test_the_page_shows_the_numbers_of_the_results_files(tmp_path):
    (tmp_path / "07_attack_brute_force").mkdir()
    brute = _run(
        "07_attack_brute_force",
        correct_key_psnr_db=41.234,
        wrong_key_psnr_db={"mean": 6.5, "min": 6.25, "max": 6.75},
        n_keys=40,
        n_images=100,
        seconds_per_guess=1.5,
        seconds_per_guess_batched_search=0.125,
        tiny_keyspace_bits=10,
        tiny_keyspace_found=True,
    )
    (tmp_path / "07_attack_brute_force" / "results.json").write_text(json.dumps(brute))
    (tmp_path / "benchmarks").mkdir()
    record = {
        "device": "cpu (2 threads)",
        "encrypt": {"images_per_s": 1234.5},
        "decrypt": {"images_per_s": 1.0},
    }
    (tmp_path / "benchmarks" / "encryption_cpu.json").write_text(json.dumps(record))
    readme = tmp_path / "ROOT_README.md"
    readme.write_text("intro\n<!-- performance -->\nold\n<!-- /performance -->\nend\n")

    page = results_page.write(tmp_path, readme).read_text()
    run_row = "| 07_attack_brute_force | quick | cuda (NVIDIA H100) | bf16 | 2026-11-25 | 12 s | cifar10 |"
    assert run_row in page
    assert "| correct key | 41.234 |" in page and "6.50 / 6.25 / 6.75" in page
    assert f"{paper_numbers.RIC_FIG_8['wrong_mean']}" in page
    assert "1.50 s per guess that grows a key's ten class NAEs and decodes 100 ciphertexts" in page
    assert "at 0.125 s per seed, one NAE grown and one ciphertext decoded: key found" in page
    table = readme.read_text()
    assert "| block encryption (CIFAR-10) | 1,234.5 | not measured |" in table
    assert table.startswith("intro\n") and table.endswith("end\n") and "old" not in table


def test_the_committed_results_page_is_up_to_date():
    results, benchmarks = results_page.load_results(FIGURES), results_page.load_benchmarks(FIGURES)
    assert (FIGURES / "README.md").read_text() == results_page.render(results, benchmarks)
    readme = (repository_root() / "README.md").read_text()
    assert "\n".join(results_page.performance_table(benchmarks)) in readme


def test_every_committed_ric_number_appears_on_the_page():
    page = (FIGURES / "README.md").read_text()
    ric = json.loads((FIGURES / "06_ric_protocol" / "results.json").read_text())
    assert f"{ric['psnr_db']:.3f}" in page and f"{ric['ssim']:.4f}" in page
    assert f"{ric['seed_psnr_db']['mean']:.3f} ± {ric['seed_psnr_db']['sd']:.3f}" in page
    assert f"({ric['target_psnr_db']:.2f} dB on the test images" in page
    for record in ("convergence_probe", "convergence_probe_decayed", "convergence_probe_exact"):
        probe = ric[record]
        verdict = "reaches the target with" if probe["reaches_target"] else "falls short of the target at"
        assert f"{probe['psnr_db']:.3f}" in page  # Table 2
        assert f"{verdict} {probe['psnr_db']:.2f} dB." in page
    curves = json.loads((FIGURES / "05_ric_codec" / "results.json").read_text())["codecs"]
    for name in ("probe", DECAYED_PROBE, EXACT_PROBE):
        assert f"its last epoch reads {curves[name]['eval_psnr_db_by_epoch'][-1]:.2f} dB" in page
    assert (
        f"{ric['identity_codec']['psnr_db']:.3f}" in page and f"{ric['init_control']['psnr_db']:.3f}" in page
    )
    for variant, values in ric["ablation"].items():
        over_seeds = ric["ablation_seeds"][variant]
        assert (
            f"| {variant} | {values['adp']:.3f} | {values['psnr_db']:.3f} | "
            f"{over_seeds['mean']:.3f} ± {over_seeds['sd']:.3f} ({len(over_seeds['seeds'])}) | "
            f"{values['ssim']:.4f} |"
        ) in page
    codec = json.loads((FIGURES / "05_ric_codec" / "results.json").read_text())
    curve = codec["codecs"]["main"]["eval_psnr_db_by_epoch"]
    assert ", ".join(f"{value:.2f}" for value in curve) in page


def test_a_readme_without_markers_is_refused(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no markers here\n")
    with pytest.raises(ValueError, match="performance"):
        results_page.update_readme_performance(readme, {})


def _table_i_run(**overrides: Any) -> dict[str, Any]:
    scenarios = {
        name: {
            "train_error": 0.1,
            "test_error": 0.2,
            "adversarial_error": {
                "none": 0.3,
                "autograd": 0.5,
                "bpda": 0.4,
                "worst": 0.62,
                "encrypted_domain": 1.0,
            },
            "ci95": {"test_error": [0.176, 0.226], "adversarial_error": {"worst": [0.577, 0.661]}},
        }
        for name in paper_numbers.TABLE_I
    }
    scenarios["encrypted_dk"]["adversarial_error"]["bpda_known_key"] = 0.99  # another threat model too
    run = _run(
        "03_pgd_robustness_scenarios",
        epsilon=0.1,
        alpha=0.01,
        steps=20,
        attack_images=500,
        model_width=0.25,
        epochs={"table_i": 16, "adversarial": 4},
        schedule="linear",
    )
    return {
        **run,
        "scenarios": scenarios,
        "valid_attacks": ["none", "none_no_random_start", "autograd", "bpda", "transfer"],
        "adversarial_training": {
            "steps": 3,
            "alpha": 0.04,
            "order": "augment_then_attack",
            "border": "reflect",
            "label_leak_gap": 0.01,
        },
        "encrypted_domain_plaintext_change": {"linf": 0.94, "mean_abs": 0.05},
        **overrides,
    }


def test_table_i_reports_the_per_image_worst_case_with_intervals_and_the_other_threat_model_apart():
    page = "\n".join(results_page._table_i(_table_i_run()))
    assert (
        "| Encrypted-DK | 0.100 | 0.431 | 0.200 [0.176, 0.226] | 0.506 | 0.620 [0.577, 0.661] | 0.792 |"
        in page
    )
    assert "0.99" not in page  # the DK attacker who knows the batch's key is another threat model
    rows = [
        line for line in page.splitlines() if line.startswith("| Plain") or line.startswith("| Encrypted")
    ]
    assert len(rows) == 5 and all(row.endswith("| 1.000 |") for row in rows)  # the ciphertext column, apart
    assert "up to 0.940" in page and "+0.010" in page and "`augment_then_attack`, border `reflect`" in page
    assert "ResNet18 ×0.25, 16 epochs (adversarially trained: 4), linear learning-rate schedule" in page
    assert "Convergence probe" not in page  # the paper profile trains none


def test_table_i_reads_the_convergence_probe_beside_the_model_it_probes():
    run = _table_i_run()
    run["adversarial_training"]["label_leak"] = {
        "Encrypted-Adv, convergence probe": {"epochs": 8, "test_error": 0.25}
    }
    page = "\n".join(results_page._table_i(run))
    assert (
        "Encrypted-Adv trained 8 epochs instead of 4, everything else equal, has a clean test error of "
        "0.250 (against 0.200)" in page
    )


def test_the_jpeg_study_names_the_training_pixels_and_the_difference():
    study = {
        "train_images": 4000,
        "seeds": [0, 1, 2],
        "test_error": {"exact pixels": [0.3, 0.32, 0.31], "JPEG round trip (quality 75)": [0.33, 0.35, 0.34]},
        "mean_difference_jpeg_minus_exact": 0.03,
        "round_trip_psnr_db": 30.14,
        "training_source": "offline cifar10_jpeg.npz (lossy JPEG copy; first 50000 of 50000)",
    }
    line = results_page._jpeg_study(study)
    assert "train on offline cifar10_jpeg.npz (lossy JPEG copy" in line and "4,000 exact" in line
    assert "0.310 (exact pixels) vs 0.340 (JPEG round trip (quality 75))" in line and "+0.030" in line


def test_the_parity_record_becomes_two_rows_under_the_performance_table():
    record = {
        "device": "cpu (2 threads)",
        "profile": "quick",
        "native_bf16": False,
        "plain": {
            "fp32": {"test_error": 0.208, "ci95": [0.184, 0.234]},
            "bf16": {"test_error": 0.215, "ci95": [0.191, 0.241]},
            "bf16_minus_fp32": 0.007,
            "prediction_agreement": 0.9,
        },
        "small_models": {
            "seeds": [0, 1, 2],
            "train_images": 4000,
            "fp32": {"mean": 0.571, "sd": 0.013},
            "bf16": {"mean": 0.575, "sd": 0.010},
            "bf16_minus_fp32_mean": 0.004,
        },
    }
    lines = results_page.performance_table({"parity_quick_cpu": record})
    table = "\n".join(lines)
    assert (
        "| quick, cpu (2 threads) [no native bf16] | Plain ResNet18 (RIC's cloud classifier C) | "
        "0.208 [0.184, 0.234] | 0.215 [0.191, 0.241] | +0.007 | 0.900 |"
    ) in table
    assert "| 0.571 ± 0.013 | 0.575 ± 0.010 | +0.004 | – |" in table
    assert results_page.parity_table({}) == []


def test_the_budget_record_becomes_one_row_per_recipe_under_the_performance_table():
    def row(width, epochs, schedule, error, curve, seconds, cache="miss"):
        return {
            "model": "plain",
            "width": width,
            "epochs": epochs,
            "schedule": schedule,
            "test_error": error,
            "ci95": [error - 0.02, error + 0.02],
            "test_accuracy_per_epoch": curve,
            "train_seconds": seconds,
            "cache": cache,
        }

    record = {
        "device": "cpu (2 threads)",
        "native_bf16": True,
        "profile": "quick",
        "precision": "bf16",
        "train_images": 50000,
        "data": "offline cifar10_jpeg.npz",
        "test_images": 1000,
        "goals": {"plain": 0.16, "encrypted_minus_plain": 0.05, "encrypted_dk": 0.65},
        "paper_test_error": {"plain": 0.137, "encrypted": 0.166, "encrypted_dk": 0.506},
        "recipes": {
            "Plain, linear decay, 2× epochs": row(0.25, 16, "linear", 0.15, [0.8, 0.85], 800.0, cache="hit"),
            "Plain, step": row(0.25, 8, "step", 0.2, [0.7, 0.8], 400.0),
        },
    }
    table = "\n".join(results_page.performance_table({"budget_quick_cpu": record}))
    where = "quick, bf16, cpu (2 threads) [native bf16]"
    assert f"| {where} | Plain, step | 0.25 | 8 | 0.200 [0.180, 0.220] | +0.100 | 400 |" in table
    assert (
        f"| {where} | Plain, linear decay, 2× epochs | 0.25 | 16 | 0.150 [0.130, 0.170] | +0.050 "
        "| 800 (cached) |" in table
    )
    assert table.index("| Plain, step |") < table.index(
        "| Plain, linear decay, 2× epochs |"
    )  # profile's first
    assert "goals Plain ≤ 0.16, Encrypted − Plain ≤ 0.05, Encrypted-DK ≤ 0.65" in table
    assert "Plain 0.137, Encrypted 0.166, Encrypted-DK 0.506" in table
    assert results_page.budget_table({}) == []


def test_the_performance_table_names_each_machine_and_its_bf16():
    """Records from two machines are told apart by their device names and bf16 ability."""
    old = {"device": "cpu (2 threads, x86_64)", "encrypt": {"images_per_s": 81_559.5}}
    new = {
        "device": "cpu (2 threads, x86_64, AMD EPYC 9R14)",
        "native_bf16": True,
        "precision": {"images_per_s": {"fp32": 50.0, "bf16_channels_last": 150.0}, "speedup_vs_fp32": 3.0},
    }
    lines = results_page.performance_table({"encryption_cpu": old, "pgd_width0.25_cpu": new})
    assert "| PGD-20, ResNet18 ×0.25, float32 → bf16 + channels-last | 50.0 → 150.0 (×3.00) |" in "\n".join(
        lines
    )
    assert lines[-1] == (
        "Devices: cpu (2 threads, x86_64); cpu (2 threads, x86_64, AMD EPYC 9R14) [native bf16]. "
        "GPU column: no GPU record yet."
    )
