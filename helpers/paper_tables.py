"""The papers' tables, each built once from a run's stored results beside the paper's numbers, for the
notebooks and the results page alike (so the two can never disagree).

Every function takes what a notebook writes into its ``results.json`` — including the 95 % intervals it
stored (``ci95``) — and returns ``(headers, rows)``; the caller renders them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpers.paper_numbers import TABLE_I
from helpers.scenarios import SCENARIOS


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
                SCENARIOS[name].label,
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
