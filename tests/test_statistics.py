"""Wilson intervals against values computed independently (R's ``prop.test(correct = FALSE)`` convention)."""

import numpy as np
import pytest

from helpers.statistics import mean_and_sd, paired_difference_interval, rate_interval, wilson_interval


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (0, 10, 0.0, 0.277533),  # a rate of 0 still has an upper bound
        (5, 10, 0.236593, 0.763407),
        (10, 10, 0.722467, 1.0),
        (137, 1000, 0.117073, 0.159705),  # Plain's test error in Table I, on 1,000 images
    ],
)
def test_wilson_interval_matches_known_values(successes, trials, low, high):
    assert wilson_interval(successes, trials) == pytest.approx((low, high), abs=1e-6)


def test_intervals_contain_the_rate_and_shrink_with_more_trials():
    small, large = rate_interval(0.2, 100), rate_interval(0.2, 10_000)
    assert small[0] < large[0] < 0.2 < large[1] < small[1]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: wilson_interval(11, 10), ValueError, "successes"),
        (lambda: wilson_interval(1, 0), ValueError, "trials"),
        (lambda: wilson_interval(1.5, 10), TypeError, "successes"),
        (lambda: rate_interval(1.2, 10), ValueError, "rate"),
        (lambda: rate_interval(float("nan"), 10), ValueError, "rate"),
        (lambda: wilson_interval(1, 10, z=0.0), ValueError, "z"),
        (lambda: mean_and_sd([1.0]), ValueError, "at least two"),
        (lambda: mean_and_sd([1.0, float("inf")]), ValueError, "values"),
    ],
)
def test_bad_input_gives_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def _paired(both: int, only_first: int, only_second: int, neither: int) -> tuple[list[bool], list[bool]]:
    first = [True] * (both + only_first) + [False] * (only_second + neither)
    second = [True] * both + [False] * only_first + [True] * only_second + [False] * neither
    return first, second


def test_paired_interval_contains_the_difference_and_mirrors_when_swapped():
    first, second = _paired(100, 30, 20, 350)
    low, high = paired_difference_interval(first, second)
    assert low < (30 - 20) / 500 < high and low >= -1 and high <= 1
    assert paired_difference_interval(second, first) == pytest.approx((-high, -low))
    # no item changed: the difference is 0, and the interval still has a width
    unchanged_low, unchanged_high = paired_difference_interval(*_paired(5, 0, 0, 5))
    assert unchanged_low < 0 < unchanged_high


def test_paired_interval_narrows_when_the_outcomes_are_correlated():
    """Same two rates (0.5 and 0.4): paired on the same items (most agree) the interval is narrower."""
    agreeing = paired_difference_interval(*_paired(40, 10, 0, 50))
    independent = paired_difference_interval(*_paired(20, 30, 20, 30))
    assert agreeing[1] - agreeing[0] < independent[1] - independent[0]


@pytest.mark.parametrize("cells", [(0.15, 0.05, 0.02, 0.78), (0.2, 0.1, 0.1, 0.6)])
def test_paired_interval_covers_the_true_difference_about_95_percent_of_the_time(cells):
    rng = np.random.default_rng(0)
    truth = cells[1] - cells[2]
    covered = 0
    for counts in rng.multinomial(200, cells, size=1000):
        low, high = paired_difference_interval(*_paired(*map(int, counts)))
        covered += low <= truth <= high
    assert 0.93 <= covered / 1000 <= 0.99


def test_paired_interval_needs_one_outcome_per_item():
    with pytest.raises(ValueError, match="one outcome per item"):
        paired_difference_interval([True, False], [True])
    with pytest.raises(ValueError, match="number of items"):
        paired_difference_interval([], [])
    with pytest.raises(ValueError, match="True/False"):
        paired_difference_interval([0.3, 1.0], [True, False])  # rates, not outcomes
    with pytest.raises(ValueError, match="True/False"):
        paired_difference_interval([True, 2], [True, False])


def test_mean_and_sd_use_the_sample_standard_deviation():
    summary = mean_and_sd([40.751, 36.466, 35.764])
    assert summary["mean"] == pytest.approx(37.660333, abs=1e-6)
    assert summary["sd"] == pytest.approx(2.699, abs=1e-3)  # n − 1, as torch.std and the tables
    assert mean_and_sd([2.0, 2.0]) == {"mean": 2.0, "sd": 0.0}
