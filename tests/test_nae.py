"""NAE generation: determinism, key sensitivity, real success on a trained classifier, [0, 1] values, a cache
without key material, and clear errors."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from helpers.keys import SecretKey
from helpers.nae import (
    NaeSettings,
    cached_class_naes,
    class_naes,
    grow_naes,
    image_naes,
    margin_loss,
    random_noisy_images,
    target_margin,
)

SHAPE = (1, 28, 28)


def tiny_classifier() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10)).eval()


def test_margin_loss_known_values():
    logits = torch.tensor([[1.0, 3.0, 2.0], [1.0, 3.0, 2.0]])
    targets = torch.tensor([0, 1])
    assert target_margin(logits, targets).tolist() == [2.0, -1.0]
    assert margin_loss(logits, targets, g1=0.5).tolist() == [2.0, -0.5]


def test_regenerating_an_nae_is_bit_identical(mnist_classifier):
    key = SecretKey.from_int(2**127 + 12345)
    first = class_naes(mnist_classifier, key, SHAPE, 10, NaeSettings(steps=40))
    second = class_naes(mnist_classifier, key, SHAPE, 10, NaeSettings(steps=40))
    assert torch.equal(first.naes, second.naes)


@pytest.mark.parametrize("mode", ["clean", "faithful"])
def test_every_class_of_a_trained_classifier_is_reached(mnist_classifier, mode):
    settings_ = NaeSettings.for_dataset("mnist", mode=mode)  # 300 steps, g1 = 5
    result = class_naes(mnist_classifier, SecretKey.generate(), SHAPE, 10, settings_)
    assert result.success_rate == 1.0
    with torch.no_grad():
        assert torch.equal(mnist_classifier(result.naes).argmax(1), torch.arange(10))
    assert (result.chosen_step > 0).all()
    if mode == "clean":  # the margin reached the floor −g1
        assert (result.margin <= -settings_.g1 + 1e-3).all()


def test_different_keys_give_unrelated_naes(mnist_classifier):
    value = 0x0123456789ABCDEF0123456789ABCDEF
    settings_ = NaeSettings(steps=30)
    base = class_naes(mnist_classifier, SecretKey.from_int(value), SHAPE, 10, settings_)
    for other in (SecretKey.from_int(value ^ 1), SecretKey.generate()):  # one flipped bit, a fresh key
        changed = class_naes(mnist_classifier, other, SHAPE, 10, settings_)
        difference = (base.naes - changed.naes).abs().mean().item()
        assert 0.25 < difference < 0.42  # E|U − U'| = 1/3 for independent uniforms
        correlation = torch.corrcoef(torch.stack([base.rnis.flatten(), changed.rnis.flatten()]))[0, 1]
        assert abs(correlation) < 0.05


def test_classes_of_one_key_start_from_different_rnis():
    rnis = random_noisy_images(SecretKey.from_int(5), SHAPE, range(10))
    assert len({tuple(r.flatten()[:8].tolist()) for r in rnis}) == 10


def test_per_image_rnis_depend_on_the_image_id_not_on_the_batch(mnist_classifier):
    key = SecretKey.from_int(7)
    ids, targets = torch.tensor([4, 9, 4]), torch.tensor([1, 2, 1])
    result = image_naes(mnist_classifier, key, ids, targets, SHAPE, NaeSettings(steps=5), batch_size=3)
    assert torch.equal(result.rnis[0], result.rnis[2]) and not torch.equal(result.rnis[0], result.rnis[1])
    alone = random_noisy_images(key, SHAPE, [9], "per_image")[0].clamp(1e-6, 1 - 1e-6)
    assert torch.equal(result.rnis[1], alone)


@settings(max_examples=15, deadline=None)
@given(
    steps=st.integers(1, 12),
    g1=st.floats(0, 20),
    learning_rate=st.floats(0.001, 1.0),
    mode=st.sampled_from(["clean", "faithful"]),
    seed=st.integers(0, 2**64 - 1),
)
def test_naes_stay_in_the_unit_cube(steps, g1, learning_rate, mode, seed):
    rnis = torch.rand(4, *SHAPE, generator=torch.Generator().manual_seed(seed % 2**63))
    settings_ = NaeSettings(steps=steps, g1=g1, learning_rate=learning_rate, mode=mode)
    result = grow_naes(tiny_classifier(), rnis, torch.tensor([0, 3, 5, 9]), settings_)
    assert result.naes.min() >= 0 and result.naes.max() <= 1
    assert result.naes.shape == rnis.shape


def test_faithful_mode_never_runs_longer_than_asked():
    result = grow_naes(
        tiny_classifier(), torch.rand(6, *SHAPE), torch.arange(6), NaeSettings(steps=20, mode="faithful")
    )
    assert (result.steps_run <= 20).all()
    assert (result.chosen_step <= result.steps_run).all()


def test_the_cache_returns_the_same_naes_and_never_stores_the_key(mnist_classifier, tmp_path):
    key = SecretKey.generate()
    settings_ = NaeSettings(steps=10)
    naes, _, outcome = cached_class_naes(mnist_classifier, key, SHAPE, 10, settings_, cache_dir=tmp_path)
    again, _, second = cached_class_naes(mnist_classifier, key, SHAPE, 10, settings_, cache_dir=tmp_path)
    assert (outcome.status, second.status) == ("miss", "hit")
    assert torch.equal(naes, again)
    assert torch.equal(naes, class_naes(mnist_classifier, key, SHAPE, 10, settings_).naes)
    stored = b"".join(path.read_bytes() for path in tmp_path.rglob("*") if path.is_file())
    assert stored and key.material not in stored and key.material.hex().encode() not in stored
    assert key.fingerprint().encode() in stored


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: NaeSettings(steps=0), ValueError, "steps"),
        (lambda: NaeSettings(g1=-1.0), ValueError, "g1"),
        (lambda: NaeSettings(mode="fast"), ValueError, "mode"),
        (lambda: NaeSettings(learning_rate="0.01"), TypeError, "learning_rate"),
        (lambda: NaeSettings(g1=float("nan")), ValueError, "g1 must be a finite number"),
        (lambda: NaeSettings(c=float("inf")), ValueError, "c must be a finite number"),
        (lambda: NaeSettings.for_dataset("imagenet"), ValueError, "dataset"),
        (lambda: random_noisy_images(12345, SHAPE, [0]), TypeError, "SecretKey"),
        (lambda: random_noisy_images(SecretKey.from_int(1), (28, 28), [0]), ValueError, "shape"),
        (
            lambda: random_noisy_images(SecretKey.from_int(1), SHAPE, [0], "per_pixel"),
            ValueError,
            "seed_mode",
        ),
        (
            lambda: grow_naes(
                tiny_classifier(), torch.rand(2, *SHAPE), torch.tensor([0, 10]), NaeSettings(steps=2)
            ),
            ValueError,
            "target classes",
        ),
        (
            lambda: grow_naes(
                tiny_classifier(), torch.rand(2, *SHAPE) + 1, torch.tensor([0, 1]), NaeSettings()
            ),
            ValueError,
            r"\[0, 1\]",
        ),
        (
            lambda: grow_naes(
                tiny_classifier(), torch.rand(2, *SHAPE), torch.tensor([0.0, 1.0]), NaeSettings()
            ),
            TypeError,
            "int64",
        ),
        (
            lambda: grow_naes(tiny_classifier(), torch.rand(2, *SHAPE), torch.tensor([0]), NaeSettings()),
            ValueError,
            "entries",
        ),
        (
            lambda: class_naes(tiny_classifier(), SecretKey.from_int(1), SHAPE, 1, NaeSettings()),
            ValueError,
            "num_classes",
        ),
    ],
)
def test_bad_input_gives_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
