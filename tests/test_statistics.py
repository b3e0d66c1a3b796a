"""Wilson intervals against values computed independently (R's ``prop.test(correct = FALSE)`` convention)."""

import pytest

from helpers.statistics import rate_interval, wilson_interval


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
    ],
)
def test_bad_input_gives_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
