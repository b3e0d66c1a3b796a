import dataclasses

import pytest

from helpers.profiles import DRY_RUN_IMAGES, DRY_RUN_STEPS, PROFILES, dry_run, get_profile


def test_three_profiles_ordered_by_size():
    smoke, quick, paper = (get_profile(name) for name in ("smoke", "quick", "paper"))
    assert not smoke.shows_results and quick.shows_results and paper.shows_results
    assert smoke.train_images < quick.train_images and paper.train_images is None
    assert smoke.benchmark_images < quick.benchmark_images <= paper.benchmark_images
    assert set(PROFILES) == {"smoke", "quick", "paper", "paper_dry_run"}


def test_the_dry_run_keeps_the_papers_settings_and_cuts_every_loop():
    paper, dry = get_profile("paper"), get_profile("paper_dry_run")
    assert dry == dry_run(paper) and dry.name == "paper_dry_run" and not dry.shows_results
    changed = {f.name for f in dataclasses.fields(paper) if getattr(paper, f.name) != getattr(dry, f.name)}
    # what the paper path is made of stays: widths, batch sizes, step sizes, margins, λ and ε values
    kept = ("model_width", "ric_width", "ric_batch_size", "ric_learning_rate", "ric_initialisation", "ric_g1",
            "attack_alpha", "adversarial_train_alpha")  # fmt: skip
    for name in kept:
        assert name not in changed
        assert getattr(dry, name) == getattr(paper, name)
    for field in dataclasses.fields(dry):
        value = getattr(dry, field.name)
        if field.name.endswith(("_images", "_train", "_test", "_pairs")) and isinstance(value, int):
            assert 1 <= value <= DRY_RUN_IMAGES, field.name
        if field.name.endswith(("epochs", "_steps", "_keys", "_samples", "_bits")) and value is not None:
            assert 1 <= value <= DRY_RUN_STEPS, field.name
    assert paper.study_seeds >= 3 and dry.study_seeds == 2  # the fewest seeds that have a spread
    assert dry.ric_lambda_sweep == (min(paper.ric_lambda_sweep), max(paper.ric_lambda_sweep))
    assert dry.epsilon_sweep == (min(paper.epsilon_sweep), max(paper.epsilon_sweep))
    assert max(dry.kpa_pairs) <= DRY_RUN_IMAGES and list(dry.kpa_pairs) == sorted(set(dry.kpa_pairs))
    assert dry_run(get_profile("smoke")).train_images <= get_profile("smoke").train_images


def test_a_dry_run_of_bad_input_is_a_clear_error():
    with pytest.raises(TypeError, match="profile must be a Profile"):
        dry_run("paper")
    with pytest.raises(ValueError, match="images must be a positive int"):
        dry_run(get_profile("paper"), images=0)
    with pytest.raises(TypeError, match="steps must be a positive int"):
        dry_run(get_profile("paper"), steps=True)


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown profile 'fast'.*paper.*quick.*smoke"):
        get_profile("fast")
    with pytest.raises(TypeError):
        get_profile(None)
