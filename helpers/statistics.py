"""Intervals for the rates the course reports (error rates, attack success rates).

A rate measured on ``n`` images is a binomial proportion; its 95 % interval is Wilson's score interval
(Wilson 1927), which unlike the normal approximation stays inside [0, 1] and behaves at rates near 0 or 1 —
exactly where robust errors of 1.000 and clean errors of a few per cent sit.
"""

from __future__ import annotations

import math

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
