"""Attacks on RIC: Theorem 6.1's bound by hand, a real key search in a tiny key space, the NAE-averaging
leak, and attackers' networks that learn (loss falls) on real data."""

import math

import pytest
import torch

from helpers.data import load_dataset
from helpers.images import to_float
from helpers.keys import SecretKey
from helpers.nae import NaeSettings
from helpers.ric import IdentityCodec, RicCodec
from helpers.ric_attacks import (
    UNet,
    nae_averaging_leak,
    search_key_space,
    seconds_to_exhaust,
    smoothness_score,
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


def _leak(mode: str, codec: RicCodec, digits, noise: torch.Tensor, public_mean: torch.Tensor):
    plaintexts = to_float(digits.images)
    with torch.no_grad():
        ciphertexts, _ = codec.eval()(plaintexts, noise)
        encoder_outputs = codec.encoder_output(plaintexts, noise)
    return nae_averaging_leak(
        mode,
        50,
        ciphertexts=ciphertexts,
        groups=digits.labels,
        plaintexts=plaintexts,
        noise=noise,
        encoder_outputs=encoder_outputs,
        public_mean=public_mean,
        lam=codec.lam,
    )


def test_the_averaging_leak_beats_the_mean_image_with_shared_noise_and_fails_with_per_image_noise():
    # The identity codec (u_en = x) is the case the leak is about: what it reveals is u_en, here x itself.
    digits = load_dataset("mnist", "train", limit=1_000)
    public_mean = to_float(load_dataset("mnist", "test", limit=2_000).images).mean(0)
    codec = IdentityCodec(lam=0.8, channels=1)
    generator = torch.Generator().manual_seed(0)
    per_class = torch.rand((10, 1, 28, 28), generator=generator)
    shared = _leak("per_key_class", codec, digits, per_class[digits.labels], public_mean)
    per_image = torch.rand((1_000, 1, 28, 28), generator=generator)
    fresh = _leak("per_image", codec, digits, per_image, public_mean)
    assert shared.groups == fresh.groups == 10 and shared.n_ciphertexts == 50
    assert shared.encoder_output_psnr_db == 100.0  # the identity codec's u_en is the plaintext
    assert shared.nae_estimate_psnr_db > 20 > fresh.nae_estimate_psnr_db
    assert shared.revealed_psnr_db > shared.mean_image_psnr_db + 3
    assert fresh.revealed_psnr_db < fresh.mean_image_psnr_db
    assert _leak("per_key_class", codec, digits.head(20), per_class[digits.labels[:20]], public_mean) is None


def test_the_theorem_bounds_how_close_two_random_noise_images_are():
    # Eq. (23): two independent uniform 8-bit images agree within m grey levels at all d positions with
    # probability ((2m + 1)/256)^d at most (equal here, away from the range's edges: slightly less).
    generator = torch.Generator().manual_seed(0)
    d, m, trials = 2, 12, 400_000
    first = torch.randint(0, 256, (trials, d), generator=generator)
    second = torch.randint(0, 256, (trials, d), generator=generator)
    observed = ((first - second).abs() <= m).all(1).float().mean().item()
    bound = 10 ** theorem_6_1_log10_bound(d, m)
    assert 0.85 * bound < observed <= bound
    d = math.prod((3, 32, 32))  # one CIFAR-10 image: d is its number of values
    assert theorem_6_1_log10_bound(d, 1) == pytest.approx(d * math.log10(3 / 256))


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


def test_the_leak_refuses_truths_that_do_not_match_the_ciphertexts():
    ciphertexts = torch.rand(6, 1, 28, 28)
    truth = dict(
        ciphertexts=ciphertexts,
        groups=torch.zeros(6, dtype=torch.long),
        plaintexts=ciphertexts,
        noise=ciphertexts,
        encoder_outputs=ciphertexts,
        public_mean=ciphertexts[0],
        lam=0.8,
    )
    with pytest.raises(ValueError, match="noise"):
        nae_averaging_leak("per_key", 2, **{**truth, "noise": ciphertexts[:5]})
    with pytest.raises(ValueError, match="groups"):
        nae_averaging_leak("per_key", 2, **{**truth, "groups": torch.zeros(5, dtype=torch.long)})
    with pytest.raises(ValueError, match="k must"):
        nae_averaging_leak("per_key", 0, **truth)
