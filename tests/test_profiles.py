import dataclasses

import pytest

from helpers.profiles import DRY_RUN_IMAGES, DRY_RUN_STEPS, PROFILES, Profile, dry_run, get_profile

SECTIONS = ("encryption", "classifiers", "robustness", "nae", "ric", "ric_attacks")


def _sizes(sizes, prefix=""):
    """``(dotted name, field, value)`` of every size of a profile, sections included."""
    for size in dataclasses.fields(sizes):
        value = getattr(sizes, size.name)
        if dataclasses.is_dataclass(value):
            yield from _sizes(value, f"{prefix}{size.name}.")
        else:
            yield f"{prefix}{size.name}", size, value


def test_three_profiles_ordered_by_size():
    smoke, quick, paper = (get_profile(name) for name in ("smoke", "quick", "paper"))
    assert not smoke.shows_results and quick.shows_results and paper.shows_results
    assert smoke.train_images < quick.train_images and paper.train_images is None
    assert (
        smoke.encryption.benchmark_images
        < quick.encryption.benchmark_images
        <= paper.encryption.benchmark_images
    )
    assert smoke.ric.epochs < quick.ric.epochs < paper.ric.epochs
    assert set(PROFILES) == {"smoke", "quick", "paper", "paper_dry_run"}


def test_a_profile_has_one_section_per_study():
    quick = get_profile("quick")
    assert [
        f.name for f in dataclasses.fields(Profile) if dataclasses.is_dataclass(getattr(quick, f.name))
    ] == list(SECTIONS)
    names = [name for name, _, _ in _sizes(quick)]
    assert (
        len(names) == len(set(names)) and "ric.lambda_sweep" in names and "robustness.attack_steps" in names
    )


def test_the_dry_run_keeps_the_papers_settings_and_cuts_every_loop():
    paper, dry = get_profile("paper"), get_profile("paper_dry_run")
    assert dry == dry_run(paper) and dry.name == "paper_dry_run" and not dry.shows_results
    unmarked = {name for name, size, _ in _sizes(paper) if "dry_run" not in size.metadata}
    # what the paper path is made of stays: widths, batch sizes, step sizes, margins, the probe, the g1 sweep
    assert unmarked == {
        "name", "purpose", "shows_results", "classifiers.width", "classifiers.schedule",
        "classifiers.cloud_schedule", "robustness.adversarial_probe_epochs",
        "robustness.adversarial_train_alpha", "robustness.attack_alpha",
        "nae.g1_sweep", "ric.width", "ric.probe_epochs", "ric.probe_decay_epochs",
        "ric.batch_size",
        "ric.learning_rate", "ric.initialisation", "ric.g1",
    }  # fmt: skip
    papers = {name: value for name, _, value in _sizes(paper)}
    for name, size, value in _sizes(dry):
        kind = size.metadata.get("dry_run")
        if kind is None and name not in ("name", "purpose", "shows_results"):
            assert value == papers[name], name
        elif kind == "images":
            assert 1 <= value <= DRY_RUN_IMAGES and (papers[name] is None or value <= papers[name]), name
        elif kind == "loop":
            assert 1 <= value <= DRY_RUN_STEPS, name
        elif kind == "epochs":
            assert value == 1, name
        elif kind == "ends":
            assert value == (min(papers[name]), max(papers[name])), name
        elif kind in ("image_counts", "per_class"):
            assert list(value) == sorted(set(value)) and max(value) <= DRY_RUN_IMAGES, name
    assert paper.study_seeds >= 3 and dry.study_seeds == 2  # the fewest seeds that have a spread
    assert dry.ric_attacks.kpa_pairs == (DRY_RUN_IMAGES,)  # 50, 500 and 5,000 pairs all cut to 32
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
