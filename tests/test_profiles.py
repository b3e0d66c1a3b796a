import pytest

from helpers.profiles import PROFILES, get_profile


def test_three_profiles_ordered_by_size():
    smoke, quick, paper = (get_profile(name) for name in ("smoke", "quick", "paper"))
    assert not smoke.shows_results and quick.shows_results and paper.shows_results
    assert smoke.train_images < quick.train_images and paper.train_images is None
    assert smoke.benchmark_images < quick.benchmark_images <= paper.benchmark_images
    assert set(PROFILES) == {"smoke", "quick", "paper"}


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown profile 'fast'.*paper.*quick.*smoke"):
        get_profile("fast")
    with pytest.raises(TypeError):
        get_profile(None)
