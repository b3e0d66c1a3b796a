"""The results page is generated from the results.json files: its numbers are theirs, the committed page is
up to date, and the README's performance table follows the benchmark records."""

import json

import pytest

from course import results_page
from helpers import paper_numbers
from helpers.paths import repository_root

FIGURES = repository_root() / "figures"


def _run(notebook: str, **values) -> dict:
    context = {"notebook": notebook, "profile": "quick", "device": "cuda (NVIDIA H100)", "dataset": "cifar10"}
    return {**context, "date_utc": "2026-11-25T00:00:00Z", "wall_seconds": 12.0, **values}


def test_the_page_shows_the_numbers_of_the_results_files(tmp_path):
    (tmp_path / "06_attack_brute_force").mkdir()
    brute = _run(
        "06_attack_brute_force",
        correct_key_psnr_db=41.234,
        wrong_key_psnr_db={"mean": 6.5, "min": 6.25, "max": 6.75},
        n_keys=40,
        n_images=100,
        seconds_per_guess=1.5,
        tiny_keyspace_bits=10,
        tiny_keyspace_found=True,
    )
    (tmp_path / "06_attack_brute_force" / "results.json").write_text(json.dumps(brute))
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
    assert "| 06_attack_brute_force | quick | cuda (NVIDIA H100) | 2026-11-25 | 12 s | cifar10 |" in page
    assert "| correct key | 41.234 |" in page and "6.50 / 6.25 / 6.75" in page
    assert f"{paper_numbers.RIC_FIG_8['wrong_mean']}" in page
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
    ric = json.loads((FIGURES / "05_ric_training" / "results.json").read_text())
    assert f"{ric['psnr_db']:.3f}" in page and f"{ric['ssim']:.4f}" in page
    assert f"{ric['seed_psnr_db']['mean']:.3f} ± {ric['seed_psnr_db']['sd']:.3f}" in page
    assert f"{ric['convergence_probe']['psnr_db']:.3f}" in page
    assert f"({ric['target_psnr_db']:.2f} dB)" in page
    for variant, values in ric["ablation"].items():
        assert f"| {variant} | {values['adp']:.3f} | {values['psnr_db']:.3f} | {values['ssim']:.4f} |" in page


def test_a_readme_without_markers_is_refused(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no markers here\n")
    with pytest.raises(ValueError, match="performance"):
        results_page.update_readme_performance(readme, {})


def test_table_i_reports_the_worst_valid_attack_with_intervals_and_the_other_threat_model_apart():
    scenarios = {
        name: {
            "train_error": 0.1,
            "test_error": 0.2,
            "adversarial_error": {"none": 0.3, "autograd": 0.5, "bpda": 0.4, "encrypted_domain": 1.0},
        }
        for name in paper_numbers.TABLE_I
    }
    scenarios["encrypted_dk"]["adversarial_error"]["bpda_known_key"] = 0.99  # another threat model too
    run = _run("03_pgd_robustness_scenarios", epsilon=0.1, alpha=0.01, steps=20, attack_images=500)
    page = "\n".join(results_page._table_i({**run, "scenarios": scenarios}))
    # quick profile: 1,000 test images; 100 of 500 attacked images … Wilson intervals from those counts
    assert "0.200 [0.176, 0.226]" in page
    assert "0.500 [0.456, 0.544] (autograd)" in page
    assert "0.99" not in page and "(encrypted_domain)" not in page
    assert "| 1.000 |" in page  # the ciphertext-domain column, apart


def test_table_i_prints_no_interval_when_the_number_of_test_images_is_unknown():
    scenarios = {
        name: {"train_error": 0.1, "test_error": 0.2, "adversarial_error": {"none": 0.3}}
        for name in paper_numbers.TABLE_I
    }
    run = _run("03_pgd_robustness_scenarios", profile="paper", epsilon=0.1, alpha=0.01, steps=20)
    page = "\n".join(results_page._table_i({**run, "attack_images": 500, "scenarios": scenarios}))
    assert "the whole test split" in page and "| 0.200 | 0.137 |" in page
