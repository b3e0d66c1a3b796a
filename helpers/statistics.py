"""Intervals for the rates the course reports (error rates, attack success rates).

A rate measured on ``n`` images is a binomial proportion; its 95 % interval is Wilson's score interval
(Wilson 1927), which unlike the normal approximation stays inside [0, 1] and behaves at rates near 0 or 1 —
exactly where robust errors of 1.000 and clean errors of a few per cent sit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from helpers.validation import check_finite_number, check_int

Z_95 = 1.959963984540054  # the standard normal's 97.5 % quantile


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson's score interval ``(low, high)`` for ``successes`` out of ``trials`` (95 % by default)."""
    check_int(trials, "trials", minimum=1)
    check_int(successes, "successes", minimum=0, maximum=trials)
    if check_finite_number(z, "z") <= 0:
        raise ValueError(f"z must be positive, got {z!r}")
    rate = successes / trials
    denominator = 1 + z * z / trials
    centre = (rate + z * z / (2 * trials)) / denominator
    half_width = z * math.sqrt(rate * (1 - rate) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


def rate_interval(rate: float, trials: int, z: float = Z_95) -> tuple[float, float]:
    """:func:`wilson_interval` for a rate already divided by ``trials`` (rounded back to a count)."""
    check_int(trials, "trials", minimum=1)
    if not 0 <= check_finite_number(rate, "rate") <= 1:
        raise ValueError(f"rate must lie in [0, 1], got {rate!r}")
    return wilson_interval(round(rate * trials), trials, z)


def _outcomes(values: Sequence[object], name: str) -> list[bool]:
    """``values`` as bools; each must be a bool or the int 0 or 1 (e.g. a bool tensor's ``tolist()``)."""
    outcomes = list(values)
    if not all(isinstance(value, bool | int) and value in (0, 1) for value in outcomes):
        raise ValueError(f"{name} must hold one outcome per item, each True/False (or 1/0)")
    return [bool(value) for value in outcomes]


def paired_difference_interval(
    first: Sequence[bool], second: Sequence[bool], z: float = Z_95
) -> tuple[float, float]:
    """95 % interval of ``rate(first) − rate(second)`` when both were measured on the **same** items.

    Newcombe's (1998) hybrid score interval for paired proportions (his method 10, no continuity
    correction): Wilson's interval of each rate, combined with the correlation φ of the two outcomes. Unlike
    the normal approximation it stays inside [−1, 1] and keeps a width when few items change.
    """
    first_list, second_list = _outcomes(first, "first"), _outcomes(second, "second")
    if len(first_list) != len(second_list):
        raise ValueError(
            f"first and second must hold one outcome per item, got {len(first_list)} and {len(second_list)}"
        )
    n = check_int(len(first_list), "number of items", minimum=1)
    both = sum(a and b for a, b in zip(first_list, second_list, strict=True))
    only_first = sum(first_list) - both
    only_second = sum(second_list) - both
    neither = n - both - only_first - only_second
    p1, p2 = (both + only_first) / n, (both + only_second) / n
    low1, high1 = wilson_interval(both + only_first, n, z)
    low2, high2 = wilson_interval(both + only_second, n, z)
    margins = (both + only_first) * (only_second + neither) * (both + only_second) * (only_first + neither)
    cross = both * neither - only_first * only_second
    # Newcombe's φ: the outcomes' correlation, shrunk by n/2 when positive (0 when that crosses zero)
    corrected = cross - n / 2 if cross > n / 2 else min(cross, 0)
    phi = 0.0 if margins == 0 else corrected / math.sqrt(margins)
    below = math.sqrt(max(0.0, (p1 - low1) ** 2 - 2 * phi * (p1 - low1) * (high2 - p2) + (high2 - p2) ** 2))
    above = math.sqrt(max(0.0, (high1 - p1) ** 2 - 2 * phi * (high1 - p1) * (p2 - low2) + (p2 - low2) ** 2))
    return max(-1.0, p1 - p2 - below), min(1.0, p1 - p2 + above)


def mean_and_sd(values: Sequence[float]) -> dict[str, float]:
    """``{"mean", "sd"}`` of a few repeated measurements (e.g. one per seed); ``sd`` is the sample standard
    deviation (n − 1), so two values at least."""
    numbers = [check_finite_number(value, "values") for value in values]
    if len(numbers) < 2:
        raise ValueError(f"values must hold at least two measurements, got {len(numbers)}")
    mean = math.fsum(numbers) / len(numbers)
    return {"mean": mean, "sd": math.sqrt(math.fsum((x - mean) ** 2 for x in numbers) / (len(numbers) - 1))}
