"""The papers' tables, each built once from a run's stored results beside the paper's numbers, for the
notebooks and the results page alike (so the two can never disagree).

Every function takes what a notebook writes into its ``results.json`` — including the 95 % intervals it
stored (``ci95``) — and returns ``(headers, rows)``; the caller renders them. Table I comes from notebook 03;
RIC's Tables 1–4 and Fig. 7 from notebook 06 (its recovery numbers as
:meth:`helpers.ric_protocol.ProtocolReport.numbers` stores them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpers.paper_numbers import (
    RIC_TABLE_1,
    RIC_TABLE_2_SVHN,
    RIC_TABLE_3_SVHN_MODEL,
    RIC_TABLE_4,
    TABLE_I,
    TABLE_I_ROWS,
)


def with_interval(rate: float, interval: Sequence[float]) -> str:
    """``rate [low, high]`` with three decimals."""
    low, high = interval
    return f"{rate:.3f} [{low:.3f}, {high:.3f}]"


def table_i(scenarios: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Table I of Maung Maung et al. (2019) beside a run of notebook 03 (its ``results["scenarios"]``).

    Errors are 1 − accuracy. The adversarial column is the per-image **worst case** over the attacks valid
    in the paper's threat model, as notebook 03 stores it; the ciphertext-domain attack is another threat
    model and has its own column. Test and worst-case errors carry their stored 95 % Wilson intervals.
    """
    headers = [
        "scenario",
        "train",
        "train (paper)",
        "test [95 % CI]",
        "test (paper)",
        "adv., worst case [95 % CI]",
        "adv. (paper)",
        "ciphertext attack (other threat model)",
    ]
    rows = []
    for name, paper in TABLE_I.items():
        ours = scenarios[name]
        adversarial, intervals = ours["adversarial_error"], ours["ci95"]
        rows.append(
            [
                TABLE_I_ROWS[name],
                ours["train_error"],
                paper["train_error"],
                with_interval(ours["test_error"], intervals["test_error"]),
                paper["test_error"],
                with_interval(adversarial["worst"], intervals["adversarial_error"]["worst"]),
                paper["adversarial_error"],
                adversarial["encrypted_domain"],
            ]
        )
    return headers, rows


def percent_with_interval(rate: float, interval: Sequence[float] | None) -> str:
    """A rate as a percentage with one decimal, and its 95 % interval when there is one."""
    if interval is None:
        return f"{100 * rate:.1f}"
    return f"{100 * rate:.1f} [{100 * interval[0]:.1f}, {100 * interval[1]:.1f}]"


def ssim_cell(value: float | None) -> str:
    """SSIM with four decimals (the paper's values differ in the fourth); ``–`` where there is none."""
    return "–" if value is None else f"{value:.4f}"


def _cell(value: Any) -> Any:
    return "–" if value is None else value


def ric_table_1(per_dataset: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """RIC's Table 1 — C's accuracy on plaintexts (ACC_p) and ciphertexts (ACC_e) with their Wilson intervals,
    the ADP (eq. 14) and the label-mismatch rate — per data set, beside the paper's row where it has one."""
    headers = [
        "data set",
        "ACC_p %",
        "ACC_e %",
        "ADP %",
        "label mismatch",
        "paper ACC_p",
        "paper ACC_e",
        "paper ADP",
    ]
    rows = []
    for name, ours in per_dataset.items():
        intervals = ours.get("ci95", {})
        rows.append(
            [
                name,
                percent_with_interval(ours["acc_plain"], intervals.get("acc_plain")),
                percent_with_interval(ours["acc_encrypted"], intervals.get("acc_encrypted")),
                ours["adp"],
                ours["label_mismatch_rate"],
                *RIC_TABLE_1.get(name, ("–", "–", "–")),
            ]
        )
    return headers, rows


def _recovery_row(method: str, ours: Mapping[str, Any], paper: Sequence[float] | None = None) -> list[Any]:
    correlation = ours.get("encoder_correlation")
    return [
        method,
        ours["psnr_db"],
        _cell(ours.get("psnr_rounded_db")),
        ssim_cell(ours.get("ssim")),
        _cell(ours.get("lpips")),
        _cell(ours.get("wrong_key_psnr_db")),
        _cell(correlation),
        "–" if ours.get("acc_encrypted") is None else 100 * ours["acc_encrypted"],
        "–" if paper is None else paper[0],
        "–" if paper is None else ssim_cell(paper[1]),
    ]


def _seed_row(method: str, over_seeds: Mapping[str, Any]) -> list[Any]:
    summary = f"{over_seeds['mean']:.3f} ± {over_seeds['sd']:.3f}"
    return [f"{method}, {len(over_seeds['seeds'])} seeds (mean ± sd)", summary, *["–"] * 8]


def mean_sd_cell(over_seeds: Mapping[str, Any] | None) -> str:
    """``mean ± sd (n)`` of a measurement repeated over seeds; ``–`` where it was not."""
    if not over_seeds:
        return "–"
    return f"{over_seeds['mean']:.3f} ± {over_seeds['sd']:.3f} ({len(over_seeds['seeds'])})"


def ric_table_2(results: Mapping[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """RIC's Table 2 (recovery) for notebook 06's main data set: the main codec, its initialisation control,
    the main codec over seeds (mean ± sd) and the convergence probe (continued at a smaller step; trained on
    exact training pixels) where they were run, and the two baselines
    that do nothing clever — the identity codec (u_en = x, D = eq. 9's unmix) and the 4-bit LSB — beside the
    paper's SVHN numbers for RIC and LSB."""
    headers = [
        "method",
        "PSNR dB",
        "PSNR 8-bit dB",
        "SSIM",
        "LPIPS",
        "wrong-key PSNR dB",
        "corr(u_en, x)",
        "ACC_e %",
        "paper PSNR",
        "paper SSIM",
    ]
    control = results["init_control"]
    rows = [
        _recovery_row(f"RIC ({results['initialisation']} init)", results, RIC_TABLE_2_SVHN["ric"]),
        _recovery_row(f"RIC ({control['initialisation']} init, control)", control),
    ]
    if summary := results.get("seed_psnr_db"):
        rows.append(
            [
                f"RIC, {len(results['seeds'])} seeds (mean ± sd)",
                f"{summary['mean']:.3f} ± {summary['sd']:.3f}",
                *["–"] * 8,
            ]
        )
    if over_seeds := control.get("over_seeds"):
        rows.append(_seed_row(f"RIC ({control['initialisation']} init, control)", over_seeds))
    if probe := results.get("convergence_probe"):
        rows.append(_recovery_row(f"RIC, convergence probe ({probe['epochs']} epochs)", probe))
    if decayed := results.get("convergence_probe_decayed"):
        rows.append(
            _recovery_row(
                f"RIC, probe + {decayed['decay_epochs']} epochs at step {decayed['learning_rate']:g}", decayed
            )
        )
    if exact := results.get("convergence_probe_exact"):
        rows.append(_recovery_row(f"RIC, probe on exact training pixels ({exact['epochs']} epochs)", exact))
    rows.append(_recovery_row("identity codec (baseline)", results["identity_codec"]))
    rows.append(
        _recovery_row("LSB w/ NAE, 4 bits (baseline)", results["lsb_baseline"], RIC_TABLE_2_SVHN["lsb"])
    )
    return headers, rows


def ric_table_3(
    cross_dataset: Mapping[str, Mapping[str, float]],
    own_classifier: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[list[str], list[list[Any]]]:
    """RIC's Table 3: ``PSNR / SSIM`` of each codec (rows, ``RIC-<trained on>``) on each test set (columns),
    from ``{"a→b": {"psnr_db", "ssim"}}``, with the paper's RIC-SVHN row below ours.

    ``own_classifier`` holds the cross cells measured the release's way — each test set encrypted with the
    NAEs of its own classifier (see :func:`helpers.classifiers.format_classifier`); each codec with such
    cells gets a second row, whose in-data-set cell is the first row's (one classifier there)."""
    pairs = [pair.split("→") for pair in cross_dataset]
    tested = list(dict.fromkeys(test for _, test in pairs))
    headers = ["model", *tested]
    rows = []

    def cell(numbers: Mapping[str, float] | None) -> str:
        return "–" if numbers is None else f"{numbers['psnr_db']:.2f} / {ssim_cell(numbers['ssim'])}"

    own_classifier = own_classifier or {}
    for trained in dict.fromkeys(train for train, _ in pairs):
        rows.append([f"RIC-{trained}", *(cell(cross_dataset.get(f"{trained}→{test}")) for test in tested)])
        if any(pair.startswith(f"{trained}→") for pair in own_classifier):
            rows.append(
                [
                    f"RIC-{trained}, each test set's own classifier",
                    *(
                        cell(
                            cross_dataset.get(f"{trained}→{test}")
                            if test == trained
                            else own_classifier.get(f"{trained}→{test}")
                        )
                        for test in tested
                    ),
                ]
            )
    paper = [RIC_TABLE_3_SVHN_MODEL.get(test) for test in tested]
    rows.append(
        ["paper: RIC-svhn", *["–" if p is None else f"{p[0]:.2f} / {ssim_cell(p[1])}" for p in paper]]
    )
    return headers, rows


def ric_table_4(results: Mapping[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """RIC's Table 4 (ablation): every variant on the main codec's schedule (seed 0, and its PSNR over
    the seeds stored in ``ablation_seeds``), the identity codec as the baseline row, beside the paper's SVHN
    numbers."""
    headers = [
        "variant",
        "ADP %",
        "PSNR dB",
        "PSNR dB over seeds (mean ± sd, n)",
        "SSIM",
        "wrong-key PSNR dB",
        "corr(u_en, x)",
        "paper ADP",
        "paper PSNR",
        "paper SSIM",
    ]
    rows = []
    for variant, paper in RIC_TABLE_4.items():
        ours = results["ablation"][variant]
        rows.append(
            [
                variant,
                ours["adp"],
                ours["psnr_db"],
                mean_sd_cell(results.get("ablation_seeds", {}).get(variant)),
                ssim_cell(ours["ssim"]),
                ours["wrong_key_psnr_db"],
                ours["encoder_correlation"],
                paper[0],
                paper[1],
                ssim_cell(paper[2]),
            ]
        )
    identity = results["identity_codec"]
    rows.append(
        [
            "identity codec (baseline)",
            identity["adp"],
            identity["psnr_db"],
            "– (no training)",
            ssim_cell(identity["ssim"]),
            identity["wrong_key_psnr_db"],
            identity["encoder_correlation"],
            "–",
            "–",
            "–",
        ]
    )
    return headers, rows


def ric_lambda_table(lambda_sweep: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Fig. 7's λ study as a table: each λ's codec (main schedule; its PSNR also over the seeds stored in
    ``psnr_db_over_seeds``) beside the identity codec at that λ."""
    headers = [
        "λ",
        "PSNR dB",
        "PSNR dB over seeds (mean ± sd, n)",
        "identity codec PSNR dB",
        "label mismatch %",
        "identity codec label mismatch %",
        "cross-data-set PSNR dB",
        "PSNR(x, x'_q) dB",
        "corr(u_en, x)",
        "ACC_e %",
    ]
    rows = [
        [
            row["lambda"],
            row["psnr_db"],
            mean_sd_cell(row.get("psnr_db_over_seeds")),
            row["identity_psnr_db"],
            100 * row["label_mismatch_rate"],
            100 * row["identity_label_mismatch_rate"],
            row["cross_psnr_db"],
            row["privacy_psnr_db"],
            row["encoder_correlation"],
            100 * row["acc_encrypted"],
        ]
        for row in lambda_sweep
    ]
    return headers, rows
