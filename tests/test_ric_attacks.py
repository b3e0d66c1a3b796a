"""Attacks on RIC: Theorem 6.1's bound by hand, a real key search in a tiny key space, the NAE-averaging
leak, and attackers' networks that learn (loss falls) on real data."""

import math

import pytest
import torch

from helpers.data import load_dataset
from helpers.images import to_float
from helpers.keys import SecretKey
from helpers.nae import NaeSettings
from helpers.ric import RicCodec
from helpers.ric_attacks import (
    UNet,
    estimate_class_noise,
    search_key_space,
    seconds_to_exhaust,
    smoothness_score,
    subtract_estimated_noise,
    theorem_6_1_log10_bound,
    train_cloud_attack,
    train_known_plaintext,
)
from helpers.ric_protocol import RicProtocol


def test_theorem_bound_matches_hand_computed_values():
    # the check: d = 160·160·3, m = 1 → 76,800 · log10(3/256) ≈ −1.483 × 10^5
    assert theorem_6_1_log10_bound(160 * 160 * 3, 1) == pytest.approx(-1.483e5, rel=1e-3)
    assert theorem_6_1_log10_bound(160 * 160 * 3, 1) == pytest.approx(76_800 * math.log10(3 / 256))
    # the paper's 10^(−1.54×10^6) needs d ≈ 7.7 × 10^5 pixels at (2m + 1)/256 ≈ 0.01
    assert 770_000 * math.log10(0.01) == pytest.approx(-1.54e6)
    assert theorem_6_1_log10_bound(10, 127) == pytest.approx(10 * math.log10(255 / 256))
    with pytest.raises(ValueError, match="m must"):
        theorem_6_1_log10_bound(10, 128)
    assert seconds_to_exhaust(0.5, 10) == 512


def test_smoothness_prefers_images_over_noise():
    images = to_float(load_dataset("mnist", "test", limit=8).images)
    noise = torch.rand_like(images)
    assert (smoothness_score(images) > smoothness_score(noise)).all()


@pytest.fixture(scope="module")
def protocol(mnist_classifier) -> RicProtocol:
    codec = RicCodec(width=4, channels=1, initialisation="identity").eval()
    return RicProtocol(codec, mnist_classifier, NaeSettings(steps=40, g1=10.0), 10)


def test_key_search_finds_the_key_in_a_tiny_key_space(protocol):
    image = load_dataset("mnist", "test", limit=1).images
    secret_seed = 11
    encrypted = protocol.encrypt(image, SecretKey.paper_seed(secret_seed))
    label = int(protocol.classify(encrypted.ciphertext)[0])
    candidates = [SecretKey.paper_seed(seed) for seed in range(16)]
    search = search_key_space(protocol, encrypted.ciphertext[0], label, candidates, batch_size=8)
    assert search.best_index == secret_seed and search.candidates == 16 and search.seconds > 0


def test_averaging_ciphertexts_of_one_class_estimates_their_shared_nae(protocol):
    digits = load_dataset("mnist", "train", limit=600)
    key = SecretKey.from_int(0xA11CE << 100)
    ones = digits.images[digits.labels == 1]
    encrypted = protocol.encrypt(ones, key, labels=torch.ones(len(ones), dtype=torch.long))
    ciphertexts = to_float(encrypted.ciphertext)
    true_nae = protocol.key_noise(key, (1, 28, 28), cached=True)[1]
    public_mean = to_float(load_dataset("mnist", "test", limit=2000).images).mean(0)
    estimate = estimate_class_noise(ciphertexts, protocol.codec.lam, public_mean)
    assert (estimate - true_nae).abs().mean() < 0.1 < (torch.rand_like(true_nae) - true_nae).abs().mean()
    revealed = subtract_estimated_noise(ciphertexts, estimate, protocol.codec.lam)
    assert revealed.shape == ciphertexts.shape


def test_known_plaintext_unet_and_cloud_attack_learn_on_real_data(mnist_classifier):
    images = to_float(load_dataset("mnist", "test", limit=128).images)
    scrambled = images.flip(-1)  # a fixed, learnable map stands in for RIC's ciphertexts
    _, history = train_known_plaintext(scrambled, images, epochs=4, width=8)
    assert history.loss[-1] < history.loss[0]
    assert UNet(1, 4)(images[:2]).shape == images[:2].shape
    attack = train_cloud_attack(mnist_classifier, images, images.flip(0), eta1=0.1, eta2=0.01, epochs=3)
    assert attack.cross_entropy[-1] < attack.cross_entropy[0]  # C comes to label x̂ as it labelled x'_q
    assert all(abs(value) < 100 for value in attack.loss)  # bounded: the latent variance cannot run away
    assert attack.reconstruct(images[:4]).shape == (4, 1, 28, 28)
    with pytest.raises(ValueError, match="eta1"):
        train_cloud_attack(mnist_classifier, images, images, eta1=-1, eta2=0, epochs=1)
