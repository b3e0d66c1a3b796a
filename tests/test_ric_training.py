"""RIC training on real MNIST: a short run lowers the loss and leaves a working codec (ADP 0, no label
mismatch, recovery above 30 dB); a wrong key decodes to noise; the checkpoint cache returns the same codec;
bad configurations fail clearly."""

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from helpers.checkpoints import CacheOutcome
from helpers.classifiers import CloudClassifier
from helpers.data import load_dataset
from helpers.keys import SecretKey
from helpers.nae import NaeSettings
from helpers.ric import IdentityCodec, RicCodec
from helpers.ric_protocol import RicProtocol, evaluate
from helpers.ric_training import (
    NaeBank,
    RicSetup,
    RicTrainingConfig,
    ric_loss,
    train_codec,
    train_or_load_codec,
    training_keys,
)

SETTINGS = NaeSettings.for_dataset("mnist", g1=10.0)
CONFIG = RicTrainingConfig(width=8, epochs=3, batch_size=16, learning_rate=5e-4, initialisation="identity")
SECRET = SecretKey.from_int(0x5EC2E7 << 100)
WRONG = SecretKey.from_int(0x0DD << 100)


@pytest.fixture(scope="module")
def mnist_splits():
    return load_dataset("mnist", "train", limit=400), load_dataset("mnist", "test", limit=64)


@pytest.fixture(scope="module")
def bank(mnist_classifier) -> NaeBank:
    return NaeBank.grow(mnist_classifier, training_keys(3), (1, 28, 28), 10, SETTINGS)


def test_training_keys_are_distinct_and_reproducible():
    keys = training_keys(4)
    assert len({key.fingerprint() for key in keys}) == 4
    assert [key.fingerprint() for key in training_keys(4)] == [key.fingerprint() for key in keys]
    assert training_keys(2, seed=1)[0] != keys[0]


def test_loss_is_beta_mse_plus_the_floored_margin():
    images = torch.zeros(2, 1, 4, 4)
    decoded = torch.full_like(images, 0.1)
    logits = torch.tensor([[0.0, 9.0], [3.0, 1.0]])  # margins toward class 1: −9 (floored to −5), +2
    total, reconstruction, adversarial = ric_loss(images, decoded, logits, torch.tensor([1, 1]))
    assert reconstruction.item() == pytest.approx(0.01)
    assert adversarial.item() == pytest.approx((-5 + 2) / 2)
    assert total.item() == pytest.approx(10 * 0.01 - 1.5)


def test_short_real_training_lowers_the_loss_keeps_adp_zero_and_needs_the_key(
    mnist_classifier, mnist_splits, bank
):
    train, test = mnist_splits
    torch.manual_seed(0)
    codec = RicCodec(width=CONFIG.width, channels=1, initialisation="identity")
    protocol = RicProtocol(codec, mnist_classifier, SETTINGS, 10)
    before = evaluate(protocol, test.images, test.labels, SECRET, WRONG, with_lpips=False)
    history = train_codec(codec, mnist_classifier, train, bank, CONFIG, evaluate_on=test, progress=False)
    after = evaluate(protocol, test.images, test.labels, SECRET, WRONG, with_lpips=False)
    assert len(history.loss) == CONFIG.epochs and history.loss[-1] < history.loss[0]
    # The identity start already decodes near the identity codec (measured 41.2 dB); three short epochs of a
    # constant Adam step move it down to 35.6 dB: the claim is a working codec, not a rise.
    assert before.recovery.psnr_db > 30 and after.recovery.psnr_db > 30
    assert after.label_mismatch_rate == 0 and after.adp == 0  # the secret key was never seen in training
    assert after.wrong_key_psnr_db < 10 < after.recovery.psnr_db


def test_the_checkpoint_cache_returns_the_trained_codec(mnist_classifier, mnist_splits, bank):
    train, test = mnist_splits
    config = RicTrainingConfig(width=4, epochs=1, batch_size=32, learning_rate=1e-3)
    first = train_or_load_codec(
        mnist_classifier, train.head(64), test, bank, config, SETTINGS, progress=False
    )
    second = train_or_load_codec(
        mnist_classifier, train.head(64), test, bank, config, SETTINGS, progress=False
    )
    assert (first.cache.status, second.cache.status) == ("miss", "hit")
    for a, b in zip(first.codec.state_dict().values(), second.codec.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert second.history.loss == first.history.loss


def test_a_continued_codec_starts_from_the_trained_weights_and_is_keyed_by_them(
    mnist_classifier, mnist_splits, bank
):
    train, test = mnist_splits
    config = RicTrainingConfig(width=4, epochs=1, batch_size=32, learning_rate=1e-3)

    def train_or_load(config, start=None):
        return train_or_load_codec(
            mnist_classifier, train.head(64), test, bank, config, SETTINGS, start=start, progress=False
        )

    first = train_or_load(config)
    tiny_step = replace(config, learning_rate=1e-12)  # Adam moves each weight by ≈ 1e-12 per step
    continued, fresh = train_or_load(tiny_step, start=first), train_or_load(tiny_step)
    assert continued.cache.status == "miss"  # not the fresh codec's entry: the start is part of the key
    assert (continued.previous_epochs, continued.total_epochs, fresh.total_epochs) == (1, 2, 1)
    started = dict(first.codec.named_parameters())
    for name, weight in continued.codec.named_parameters():
        assert torch.allclose(weight, started[name], atol=1e-9), name
    assert not all(
        torch.allclose(weight, started[name], atol=1e-6) for name, weight in fresh.codec.named_parameters()
    )
    with pytest.raises(ValueError, match=r"start: a codec with lam=0\.8 cannot continue as lam=0\.5"):
        train_or_load(replace(config, lam=0.5), start=first)


def test_a_setup_decodes_any_labelled_images_as_it_decodes_the_held_out_ones(
    mnist_classifier, mnist_splits, bank
):
    train, test = mnist_splits
    cloud = CloudClassifier(
        "mnist", mnist_classifier, 0.9, 3_000, 0.0, CacheOutcome("hit", Path("unused"), "")
    )
    setup = RicSetup("mnist", cloud, SETTINGS, bank, train, test)
    identity = IdentityCodec(0.8, 1)
    assert setup.decoded_psnr(identity, setup.held_out) == setup.held_out_psnr(identity)
    # the identity codec's error is the 8-bit rounding alone, whichever digits it carries (≈ 45 dB)
    assert abs(setup.decoded_psnr(identity, train.head(64)) - setup.held_out_psnr(identity)) < 0.5
    unlabelled = replace(test, labels=torch.full_like(test.labels, -1))
    with pytest.raises(ValueError, match=r"data: mnist/test has no labels"):
        setup.decoded_psnr(identity, unlabelled)
    colour = replace(test, images=test.images.expand(-1, 3, -1, -1).contiguous())
    with pytest.raises(ValueError, match=r"shape \(3, 28, 28\); this set-up's codecs take \(1, 28, 28\)"):
        setup.decoded_psnr(identity, colour)
    on_meta = replace(test)  # without a GPU, ImageData is only built on the CPU: move its images after
    object.__setattr__(on_meta, "images", test.images.to("meta"))
    with pytest.raises(ValueError, match=r"data: mnist/test is on meta, this set-up on cpu"):
        setup.decoded_psnr(identity, on_meta)
    exact = setup.with_exact_training_pixels()  # MNIST's offline file holds exact pixels already
    assert torch.equal(exact.train.images, train.images) and exact.test is test
    available = len(load_dataset("cifar10", "train", variant="exact"))
    too_many = replace(
        train,
        name="cifar10",
        images=torch.zeros(available + 1, 3, 32, 32, dtype=torch.uint8),
        labels=torch.zeros(available + 1, dtype=torch.long),
    )
    with pytest.raises(
        ValueError, match=rf"cifar10/train holds {available} images, fewer than the {available + 1}"
    ):
        replace(setup, dataset="cifar10", train=too_many).with_exact_training_pixels()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lam": 1.0}, r"\(0, 1\)"),
        ({"lam": 0}, r"\(0, 1\)"),
        ({"variant": "ric"}, "variant"),
        ({"width": 0}, "width"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"beta": float("nan")}, "beta must be a finite number"),
        ({"lam": float("nan")}, r"\(0, 1\)"),
    ],
)
def test_bad_configuration_gives_clear_errors(overrides, message):
    with pytest.raises(ValueError, match=message):
        RicTrainingConfig(**overrides)


def test_the_study_varies_one_setting_per_codec_and_repeats_the_seeds():
    from dataclasses import asdict

    from helpers.profiles import get_profile
    from helpers.ric_training import seed_group, study_configs

    profile = get_profile("quick")
    main = RicTrainingConfig.for_profile(profile, lam=0.8, seed=5)
    configs = study_configs(
        main,
        probe_epochs=profile.ric.probe_epochs,
        lambdas=profile.ric.lambda_sweep,
        seeds=profile.study_seeds,
    )
    assert (
        profile.study_seeds == 3
        and configs["main"] == main
        and configs["probe"].epochs == profile.ric.probe_epochs
    )
    assert {f"λ={lam}" for lam in profile.ric.lambda_sweep if lam != 0.8} <= set(configs)
    for name, config in configs.items():
        changed = {key for key, value in asdict(config).items() if value != asdict(main)[key]}
        base, _, seed = name.partition(", seed ")
        if seed:
            assert config == replace(configs[base], seed=int(seed)) and int(seed) in (6, 7)
        elif name != "main":
            assert len(changed) == 1, name
    assert seed_group(configs, "main") == ["main", "seed 6", "seed 7"]
    assert seed_group(configs, "rni_srl") == ["rni_srl", "rni_srl, seed 6", "rni_srl, seed 7"]
    assert [configs[name].seed for name in seed_group(configs, "control")] == [5, 6, 7]
    for lam in profile.ric.lambda_sweep:
        if lam != 0.8:
            group = seed_group(configs, f"λ={lam}")
            assert [(configs[name].lam, configs[name].seed) for name in group] == [
                (lam, 5),
                (lam, 6),
                (lam, 7),
            ]
    with pytest.raises(ValueError, match="study's codecs"):
        seed_group(configs, "λ=0.3 typo")
    one_seed = study_configs(main, probe_epochs=None, lambdas=(0.5,), seeds=1)
    assert set(one_seed) == {"main", "control", "rni_srl", "nae_no_srl", "λ=0.5"}
    assert seed_group(one_seed, "λ=0.5") == ["λ=0.5"]
    with pytest.raises(ValueError, match="seeds must be a positive int"):
        study_configs(main, probe_epochs=None, lambdas=(0.5,), seeds=0)


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"classifier": None}, TypeError, "classifier must be a ClassifierBudget"),
        ({"train_keys": 0}, ValueError, "train_keys must be a positive int"),
        ({"nae_steps": 0}, ValueError, "nae_steps must be a positive int"),
        ({"test_images": 1.0}, TypeError, "test_images must be a positive int"),
        ({"g1": -1.0}, ValueError, "g1 must be >= 0"),
        ({"g1": float("inf")}, ValueError, "g1 must be a finite number"),
    ],
)
def test_bad_ric_setup_settings_are_refused_by_name(overrides, error, message):
    from helpers.profiles import get_profile
    from helpers.ric_training import RicSetupSettings

    settings = RicSetupSettings.from_profile(get_profile("quick"))
    assert settings.classifier.precision == "fp32" and settings.train_keys >= 1
    with pytest.raises(error, match=message):
        replace(settings, **overrides)
