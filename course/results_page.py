"""The results page: ``figures/README.md``, generated from every notebook's ``results.json`` and the benchmark
records — one table per paper table, the paper's numbers beside ours, with each run's profile, device, date
and wall time. It also refreshes the performance table in the repository's README (between the
``<!-- performance -->`` markers).

Usage::

    python -m course.results_page          # also the last step of python -m course.run

Nothing here is typed in: every "ours" number is read from a ``results.json`` or a benchmark record; every
"paper" number comes from :mod:`helpers.paper_numbers`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers import paper_numbers, paper_tables, paths
from helpers.ric import PAPER_LAMBDA
from helpers.ric_training import DECAYED_PROBE, EXACT_PROBE
from helpers.storage import atomic_write_text

PERFORMANCE_MARKERS = ("<!-- performance -->", "<!-- /performance -->")


def _number(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}" if abs(value) < 1e5 else f"{value:.3g}"
    return str(value)


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return lines + [
        "| " + " | ".join(_number(cell) if not isinstance(cell, str) else cell for cell in row) + " |"
        for row in rows
    ]


def load_results(figures: Path) -> dict[str, dict[str, Any]]:
    """Every ``<notebook>/results.json`` under ``figures``, by notebook name."""
    return {path.parent.name: json.loads(path.read_text()) for path in sorted(figures.glob("*/results.json"))}


def load_benchmarks(figures: Path) -> dict[str, dict[str, Any]]:
    """Every benchmark record under ``figures/benchmarks``, by file stem."""
    return {
        path.stem: json.loads(path.read_text()) for path in sorted((figures / "benchmarks").glob("*.json"))
    }


def _runs(results: dict[str, dict[str, Any]]) -> list[str]:
    rows = [
        [
            name,
            run["profile"],
            run["device"],
            run["precision"],
            run["date_utc"][:10],
            f"{run['wall_seconds']:,.0f} s",
            run.get("dataset") or "–",
        ]
        for name, run in results.items()
    ]
    return [
        "## Runs",
        "",
        *_table(
            ["notebook", "profile", "device", "training precision", "date", "wall time", "data set"], rows
        ),
    ]


def _convergence_note(run: dict[str, Any], training: dict[str, Any] | None) -> str:
    """The convergence probe, its continuation at a smaller step and its twin on exact training pixels,
    against the target (identity codec + 1 dB) on notebook 06's test images and, where notebook 05's
    results hold their curves, on the held-out images they were trained beside."""
    probe, target = run.get("convergence_probe"), run.get("target_psnr_db")
    if not probe or target is None:
        return ""
    curves = {
        name: codec["eval_psnr_db_by_epoch"] for name, codec in (training or {}).get("codecs", {}).items()
    }
    held_out_target = (training or {}).get("target_held_out_psnr_db")

    def on_held_out(name: str) -> str:
        curve = curves.get(name)
        if not curve or held_out_target is None:
            return ""
        return (
            f" On notebook 05's held-out images its last epoch reads {curve[-1]:.2f} dB and its best "
            f"{max(curve):.2f} dB."
        )

    def verdict(result: dict[str, Any]) -> str:
        """``reaches the target with …`` or ``falls short of the target at …`` (its test PSNR)."""
        how = "reaches the target with" if result["reaches_target"] else "falls short of the target at"
        return f"{how} {result['psnr_db']:.2f} dB"

    held_out = "" if held_out_target is None else f", {held_out_target:.2f} dB on the held-out images"
    note = (
        f" The target is the identity codec + 1 dB ({target:.2f} dB on the test images{held_out}). The "
        f"convergence probe (the main codec trained {probe['epochs']} epochs) {verdict(probe)}."
        + on_held_out("probe")
    )
    if decayed := run.get("convergence_probe_decayed"):
        note += (
            f" Continued {decayed['decay_epochs']} epochs with Adam's step cut to "
            f"{decayed['learning_rate']:g} (epochs {probe['epochs'] + 1}–{decayed['epochs']}), it "
            f"{verdict(decayed)}." + on_held_out(DECAYED_PROBE)
        )
    if exact := run.get("convergence_probe_exact"):
        note += (
            f" Trained {exact['epochs']} epochs on exact-pixel training images instead of the JPEG copy, the "
            f"probe {verdict(exact)}." + on_held_out(EXACT_PROBE)
        )
    return note


def _table_i(run: dict[str, Any]) -> list[str]:
    headers, rows = paper_tables.table_i(run["scenarios"])
    training = run["adversarial_training"]
    change = run["encrypted_domain_plaintext_change"]
    gap_interval = training.get("label_leak", {}).get("Encrypted-Adv", {}).get("gap_ci95")
    gap = f"{training['label_leak_gap']:+.3f}" + (
        f" [{gap_interval[0]:+.3f}, {gap_interval[1]:+.3f}]" if gap_interval else ""
    )
    probe = training.get("label_leak", {}).get("Encrypted-Adv, convergence probe")
    probe_note = (
        f"Convergence probe: Encrypted-Adv trained {probe['epochs']} epochs instead of "
        f"{run['epochs']['adversarial']}, everything else equal, has a clean test error of "
        f"{probe['test_error']:.3f} (against {run['scenarios']['encrypted_adv']['test_error']:.3f}). "
        if probe
        else ""
    )
    return [
        "## Table I — PGD in five scenarios (notebook 03)",
        "",
        f"PGD ε {run['epsilon']}, α {run['alpha']}, {run['steps']} steps, {run['attack_images']} attacked "
        "images. The worst case counts an image as broken when any attack valid in the paper's threat model "
        f"({', '.join(run['valid_attacks'])}; EOT over fresh keys for the DK models) breaks it; the paper "
        "does not say where its gradient met the encryption. Ciphertext-domain PGD perturbs the ciphertext's "
        f"bytes by ε, which changed the decrypted plain image by up to {change['linf']:.3f} here, so it is "
        f"another threat model. Models: ResNet18 ×{run['model_width']:g}, {run['epochs']['table_i']} epochs "
        f"(adversarially trained: {run['epochs']['adversarial']}), {run['schedule']} learning-rate schedule. "
        f"Adversarial training: {training['steps']}-step PGD, α {training['alpha']}, "
        f"order `{training['order']}`, border `{training['border']}`; label-leak gap of Encrypted-Adv "
        f"{gap} (accuracy on its training-time examples as augmented minus "
        f"not augmented). {probe_note}"
        "Intervals: Wilson 95 %, as notebook 03 stored them.",
        "",
        *_table(headers, rows),
    ]


def _jpeg_study(study: dict[str, Any]) -> str:
    """One paragraph: which pixels train the Table I models, and what a JPEG copy costs (notebook 02)."""
    means = {name: sum(errors) / len(errors) for name, errors in study["test_error"].items()}
    return (
        f"**Training pixels** (notebook 02): the Table I models train on {study['training_source']}. "
        f"The Plain ResNet18 trained on {study['train_images']:,} exact training images and on their JPEG "
        f"round trip ({study['round_trip_psnr_db']:.1f} dB), seeds {', '.join(map(str, study['seeds']))}: "
        "mean test error "
        + " vs ".join(f"{value:.3f} ({name})" for name, value in means.items())
        + f", a difference of {study['mean_difference_jpeg_minus_exact']:+.3f}."
    )


def _ric(run: dict[str, Any], training: dict[str, Any] | None) -> list[str]:
    """RIC's Tables 1–4 and Fig. 7 from notebook 06's results (built by :mod:`helpers.paper_tables`), with the
    training schedule from notebook 05's."""
    dataset, lam = run["dataset"], run.get("lam", PAPER_LAMBDA)
    lines = [f"## RIC — notebooks 05–06 (data set: {dataset}; the paper's Tables 2 and 4 are on SVHN)", ""]
    if training:
        config = training["config"]
        main_curve = training["codecs"]["main"]["eval_psnr_db_by_epoch"]
        identity = training["identity_held_out_psnr_db"][str(lam)]
        control = training["codecs"]["control"]["changes"]["initialisation"]
        lines += [
            f"Every codec but the convergence probes shares one schedule: {config['epochs']} epochs × "
            f"{training['train_images']:,} images, width {config['width']}, Adam {config['learning_rate']}, "
            f"{config['initialisation']} initialisation (the control: {control}); "
            "the main codec's held-out PSNR by epoch: "
            + ", ".join(f"{value:.2f}" for value in main_curve)
            + f" dB (identity codec on the same images: {identity:.2f} dB).",
            "",
        ]
    headers, rows = paper_tables.ric_table_1(run["per_dataset"])
    lines += ["**Table 1** — accuracy (%, 95 % Wilson interval)", "", *_table(headers, rows), ""]
    headers, rows = paper_tables.ric_table_2(run)
    lines += [
        f"**Table 2** — recovery at λ = {lam}. The identity codec (u_en = x, D = eq. 9's unmix) is what the "
        f"8-bit channel gives with no learning. SSIM: {run['ssim_convention']}."
        + _convergence_note(run, training),
        "",
        *_table(headers, rows),
        "",
    ]
    headers, rows = paper_tables.ric_table_3(run["cross_dataset"], run.get("cross_dataset_own_classifier"))
    lines += [
        "**Table 3** — train → test. The other data set's images are converted to the codec's format (grey ↔ "
        "colour, resized) and encrypted with the NAEs of the codec's own classifier (each codec's first "
        "row) or, like the release, of the test data set's own classifier — here trained on its converted "
        "images (its second row).",
        "",
        *_table(headers, rows),
        "",
    ]
    headers, rows = paper_tables.ric_table_4(run)
    lines += [
        "**Table 4** — ablation (every variant on the main codec's schedule)",
        "",
        *_table(headers, rows),
        "",
    ]
    headers, rows = paper_tables.ric_lambda_table(run["lambda_sweep"])
    lines += [
        "**Fig. 7** — λ study, every codec on the main schedule (the paper: accuracy stable, PSNR rising "
        "with λ)",
        "",
        *_table(headers, rows),
    ]
    return lines


def _attacks(results: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["## Attacks on RIC — notebooks 07–09 (implemented from the paper; not reference-checked)", ""]
    if brute := results.get("07_attack_brute_force"):
        wrong, fig8 = brute["wrong_key_psnr_db"], paper_numbers.RIC_FIG_8
        rows = [
            ["correct key", brute["correct_key_psnr_db"], f"≥ {fig8['correct_at_least']}"],
            [
                "wrong keys mean / min / max",
                f"{wrong['mean']:.2f} / {wrong['min']:.2f} / {wrong['max']:.2f}",
                f"{fig8['wrong_mean']} / {fig8['wrong_min']} / {fig8['wrong_max']}",
            ],
        ]
        lines += [
            f"**Fig. 8** — brute force, {brute['n_keys']} guessed keys × {brute['n_images']} images "
            f"({brute['seconds_per_guess']:.2f} s per guess that grows a key's ten class NAEs and decodes "
            f"{brute['n_images']} ciphertexts; tiny key space of 2^{brute['tiny_keyspace_bits']} "
            f"searched at {brute['seconds_per_guess_batched_search']:.3f} s per seed, one NAE grown and one "
            f"ciphertext decoded: key {'found' if brute['tiny_keyspace_found'] else 'not found'})",
            "",
            *_table(["", "PSNR dB", "paper (VGGFace2)"], rows),
            "",
        ]
    if cloud := results.get("08_attack_cloud"):
        rows = [
            ["G(Ê(x'_q))", cloud["psnr_db"], paper_tables.ssim_cell(cloud["ssim"])],
            [
                "mean public image",
                cloud["mean_image_psnr_db"],
                paper_tables.ssim_cell(cloud["mean_image_ssim"]),
            ],
        ]
        agreement = paper_tables.percent_with_interval(
            cloud["label_agreement"], cloud.get("ci95", {}).get("label_agreement")
        )
        lines += [
            f"**Cloud attack** — {cloud['n_train_ciphertexts']} training ciphertexts, "
            f"{cloud['epochs']} epochs, {cloud['n_test_ciphertexts']} test ciphertexts, "
            f"η1 {cloud['eta1']}, η2 {cloud['eta2']}; C labels x̂ as it labelled the ciphertext for "
            f"{agreement} %. Ours: a small discriminator trained from scratch on public images stands in for "
            "the paper's pretrained StyleALAE, so this is weak evidence either way.",
            "",
            *_table(["reconstruction", "PSNR dB", "SSIM"], rows),
            "",
        ]
    if kpa := results.get("09_attack_known_plaintext"):
        rows = [
            [
                row["nae_mode"],
                row["n_pairs"],
                row["psnr_db"],
                paper_tables.ssim_cell(row["ssim"]),
                row["mean_of_pairs_psnr_db"],
                row["ciphertext_psnr_db"],
            ]
            for row in kpa["kpa"]
        ]
        largest: dict[tuple[str, str], dict[str, Any]] = {}
        for row in kpa["leak"]:  # the largest K of each (initialisation, NAE mode)
            largest[(row["initialisation"], row["nae_mode"])] = row
        leak_rows = [
            [
                initialisation,
                mode,
                row["n_ciphertexts"],
                row["groups"],
                row["nae_estimate_psnr_db"],
                row["revealed_psnr_db"],
                row["encoder_output_psnr_db"],
                row["mean_image_psnr_db"],
            ]
            for (initialisation, mode), row in largest.items()
        ]
        lines += [
            f"**Known-plaintext U-Net** (eq. 17) on {kpa['held_out_images']} held-out {kpa['dataset']} "
            "ciphertexts (the paper: VGGFace2, N = 500, shown only as images in its Fig. 9, no numbers). "
            "Beside each U-Net the two guesses that need no training: the mean of the N known plaintexts, "
            "and the held-out ciphertext itself read as the image.",
            "",
            *_table(
                [
                    "NAE mode",
                    "pairs",
                    "PSNR dB",
                    "SSIM",
                    "mean of the N plaintexts dB",
                    "ciphertext as the image dB",
                ],
                rows,
            ),
            "",
            "**NAE-averaging leak** (ours): K ciphertexts of a group averaged, the estimate subtracted. It "
            "reveals the encoder's output u_en, so it shows the image only as far as u_en does (its PSNR "
            "against x is the yardstick); guessing the mean public image is the baseline.",
            "",
            *_table(
                [
                    "initialisation",
                    "NAE mode",
                    "K",
                    "groups",
                    "PSNR(n̂, n) dB",
                    "PSNR(û, x) dB",
                    "PSNR(u_en, x) dB",
                    "mean image dB",
                ],
                leak_rows,
            ),
            "",
        ]
    return lines


def _fast_path_cell(fast_path: dict[str, Any]) -> str:
    """``fp32 → bf16 + channels-last images/s (×speed-up)`` from a benchmark's side-by-side measurement."""
    rates = fast_path["images_per_s"]
    return f"{rates['fp32']:,.1f} → {rates['bf16_channels_last']:,.1f} (×{fast_path['speedup_vs_fp32']:.2f})"


PERFORMANCE_ROWS: list[tuple[str, str, Callable[[dict[str, Any]], float | str]]] = [
    ("block encryption (CIFAR-10)", "encryption", lambda r: r["encrypt"]["images_per_s"]),
    ("classifier training, Plain ResNet18 ×0.25", "training_width0.25", lambda r: r["plain"]["images_per_s"]),
    (
        "classifier training, Encrypted ResNet18 ×0.25",
        "training_width0.25",
        lambda r: r["encrypted"]["images_per_s"],
    ),
    (
        "training steps, Plain ResNet18 ×0.25, float32 → bf16 + channels-last",
        "training_width0.25",
        lambda r: _fast_path_cell(r["plain"]["precision"]),
    ),
    (
        "training steps, Encrypted ResNet18 ×0.25, float32 → bf16 + channels-last",
        "training_width0.25",
        lambda r: _fast_path_cell(r["encrypted"]["precision"]),
    ),
    (
        "training steps, Plain ResNet18 ×1, float32 → bf16 + channels-last",
        "training_width1",
        lambda r: _fast_path_cell(r["plain"]["precision"]),
    ),
    (
        "training steps, Encrypted ResNet18 ×1, float32 → bf16 + channels-last",
        "training_width1",
        lambda r: _fast_path_cell(r["encrypted"]["precision"]),
    ),
    (
        "PGD-20, ResNet18 ×0.25: ours / ART / torchattacks, same model and precision",
        "pgd_width0.25",
        lambda r: " / ".join(
            f"{r[name]['images_per_s']:,.1f}" if name in r else "–"
            for name in ("ours", "art", "torchattacks")
        ),
    ),
    (
        "PGD-20, ResNet18 ×0.25, float32 → bf16 + channels-last",
        "pgd_width0.25",
        lambda r: _fast_path_cell(r["precision"]),
    ),
    ("NAEs per image (150 steps), ResNet18 ×0.25", "nae_width0.25", lambda r: r["per_image"]["naes_per_s"]),
    ("NAEs per image (150 steps), ResNet18 ×1", "nae_width1", lambda r: r["per_image"]["naes_per_s"]),
    ("RIC encrypt, codec 16 ch. + ResNet18 ×0.32", "ric_width0.32", lambda r: r["encrypt"]["images_per_s"]),
    ("RIC decrypt, codec 16 ch.", "ric_width0.32", lambda r: r["decrypt"]["images_per_s"]),
]


def _machine(record: dict[str, Any]) -> str:
    """A benchmark record's device and whether it computes bf16 natively (where recorded: records written
    before that field existed give the device alone)."""
    if "native_bf16" not in record:
        return record["device"]
    return f"{record['device']} [{'native bf16' if record['native_bf16'] else 'no native bf16'}]"


def performance_table(benchmarks: dict[str, dict[str, Any]]) -> list[str]:
    """Images/s per benchmark on the CPU and, where a record exists, on a GPU (``<stem>_cuda.json``)."""
    rows, devices = [], set()
    for label, stem, value in PERFORMANCE_ROWS:
        cells = []
        for device in ("cpu", "cuda"):
            record = benchmarks.get(f"{stem}_{device}")
            if record is None:
                cells.append("not measured")
                continue
            devices.add(_machine(record))
            try:
                number = value(record)
            except KeyError:  # a record from before this row's measurement existed
                cells.append("not measured")
                continue
            cells.append(number if isinstance(number, str) else f"{number:,.1f}")
        rows.append([label, *cells])
    note = "Devices: " + "; ".join(sorted(devices)) + "."
    if not any(name.endswith("_cuda") for name in benchmarks):
        note += " GPU column: no GPU record yet."
    return [
        *_table(["what", "CPU images/s", "GPU images/s"], rows),
        "",
        note,
        *parity_table(benchmarks),
        *budget_table(benchmarks),
    ]


def parity_table(benchmarks: dict[str, dict[str, Any]]) -> list[str]:
    """What bf16 training costs in test error, from the ``parity_<profile>_<device>`` records (none: nothing).

    Two rows per record: the profile's cloud classifier C, a Plain ResNet18 (one model per precision, same
    seed and schedule), and small exact-pixel models like notebook 02's (mean ± sd over their seeds, the
    yardstick for the difference).
    """
    rows = []
    for stem, record in sorted(benchmarks.items()):
        if not stem.startswith("parity_"):
            continue
        plain, small = record["plain"], record["small_models"]
        where = f"{record['profile']}, {_machine(record)}"
        rows.append(
            [
                where,
                "Plain ResNet18 (RIC's cloud classifier C)",
                paper_tables.with_interval(plain["fp32"]["test_error"], plain["fp32"]["ci95"]),
                paper_tables.with_interval(plain["bf16"]["test_error"], plain["bf16"]["ci95"]),
                f"{plain['bf16_minus_fp32']:+.3f}",
                f"{plain['prediction_agreement']:.3f}",
            ]
        )
        rows.append(
            [
                where,
                f"{len(small['seeds'])} small models ({small['train_images']:,} exact images), mean ± sd",
                f"{small['fp32']['mean']:.3f} ± {small['fp32']['sd']:.3f}",
                f"{small['bf16']['mean']:.3f} ± {small['bf16']['sd']:.3f}",
                f"{small['bf16_minus_fp32_mean']:+.3f}",
                "–",
            ]
        )
    if not rows:
        return []
    headers = ["run", "model", "fp32 test error", "bf16 test error", "bf16 − fp32", "same prediction"]
    return [
        "",
        "bf16 parity (`python -m course.benchmark parity`): test errors of models trained in float32 and "
        "under bf16 autocast on the same schedule, data and seed (evaluated in float32; 95 % Wilson "
        "intervals).",
        "",
        *_table(headers, rows),
    ]


def _recipe_order(row: dict[str, Any]) -> tuple[int, bool, int, float]:
    """Table I's order of models; within a model the paper's step schedule first, then by epochs and width."""
    return (
        list(paper_numbers.TABLE_I_ROWS).index(row["model"]),
        row["schedule"] != "step",
        row["epochs"],
        row["width"],
    )


def budget_table(benchmarks: dict[str, dict[str, Any]]) -> list[str]:
    """What a lower test error costs, from the ``budget_<profile>_<device>`` records (none: nothing): one row
    per model and recipe with its test error, its last epoch's gain in test accuracy (is the curve flat?) and
    its training time, beside the quick profile's goals and the paper's errors."""
    rows = []
    notes = []
    for stem, record in sorted(benchmarks.items()):
        if not stem.startswith("budget_"):
            continue
        where = f"{record['profile']}, {record['precision']}, {_machine(record)}"
        goals, paper = record["goals"], record["paper_test_error"]
        goal_text = (
            f"goals Plain ≤ {goals['plain']:.2f}, Encrypted − Plain ≤ {goals['encrypted_minus_plain']:.2f}, "
            f"Encrypted-DK ≤ {goals['encrypted_dk']:.2f}"
        )
        paper_text = (
            f"the paper (100 epochs, full width): Plain {paper['plain']:.3f}, "
            f"Encrypted {paper['encrypted']:.3f}, Encrypted-DK {paper['encrypted_dk']:.3f}"
        )
        notes.append(
            f"{where}: trained on {record['data']}; {record['test_images']:,} test images; {goal_text}; "
            f"{paper_text}"
        )
        for name, row in sorted(record["recipes"].items(), key=lambda item: _recipe_order(item[1])):
            curve = row["test_accuracy_per_epoch"]
            rows.append(
                [
                    where,
                    name,
                    f"{row['width']:g}",
                    row["epochs"],
                    paper_tables.with_interval(row["test_error"], row["ci95"]),
                    f"{curve[-1] - curve[-2]:+.3f}" if len(curve) > 1 else "–",
                    f"{row['train_seconds']:,.0f}" + ("" if row["cache"] == "miss" else " (cached)"),
                ]
            )
    if not rows:
        return []
    headers = ["run", "model, recipe", "width", "epochs", "test error", "last epoch's gain", "training s"]
    return [
        "",
        "Training budget of Table I's models (`python -m course.benchmark budget`): the paper's step "
        "schedule against a linear learning-rate decay, longer or wider, same images and seed (95 % Wilson "
        "intervals; the gain is the test accuracy's change over the last epoch; a time "
        "marked cached was measured where that model was trained). " + "; ".join(notes) + ".",
        "",
        *_table(headers, rows),
    ]


def render(results: dict[str, dict[str, Any]], benchmarks: dict[str, dict[str, Any]]) -> str:
    """The Markdown of the results page."""
    lines = [
        "# Results",
        "",
        "Generated by `python -m course.results_page` from `figures/*/results.json` and "
        "`figures/benchmarks/` — do not edit by hand. Smoke-profile runs prove only that the code runs; "
        "their rows are not results.",
        "",
        *_runs(results),
        "",
    ]
    if "03_pgd_robustness_scenarios" in results:
        lines += [*_table_i(results["03_pgd_robustness_scenarios"]), ""]
    if "jpeg_study" in results.get("02_adaptation_network", {}):
        lines += [_jpeg_study(results["02_adaptation_network"]["jpeg_study"]), ""]
    if "06_ric_protocol" in results:
        lines += [*_ric(results["06_ric_protocol"], results.get("05_ric_codec")), ""]
    lines += [*_attacks(results), "", "## Throughput", "", *performance_table(benchmarks), ""]
    return "\n".join(lines)


def update_readme_performance(readme: Path, benchmarks: dict[str, dict[str, Any]]) -> bool:
    """Replace the table between the performance markers of ``readme``; ``True`` when the file changed."""
    text = readme.read_text()
    start, end = PERFORMANCE_MARKERS
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"{readme} has no {start} … {end} block")
    updated = pattern.sub(lambda _: "\n".join([start, *performance_table(benchmarks), end]), text)
    if updated != text:
        atomic_write_text(readme, updated)
    return updated != text


def write(figures: Path | None = None, readme: Path | None = None) -> Path:
    """Regenerate ``<figures>/README.md``; return its path.

    The performance table of ``readme`` is refreshed too — by default the repository's README, but only when
    ``figures`` is the repository's own ``figures/`` folder (runs into a temporary folder leave it alone).
    """
    figures = figures or paths.figures_dir()
    benchmarks = load_benchmarks(figures)
    page = figures / "README.md"
    atomic_write_text(page, render(load_results(figures), benchmarks))
    print(f"wrote {page}")
    root = paths.repository_root()
    if readme is None and figures.resolve() == (root / "figures").resolve():
        readme = root / "README.md"
    if readme is not None and update_readme_performance(readme, benchmarks):
        print(f"updated the performance table in {readme}")
    return page


if __name__ == "__main__":
    write()
