"""The RIC protocol: the user decrypts from the key and the cloud's label (never the encryption tensor),
deterministically; the LSB baseline; clear errors."""

import pytest
import torch

from helpers import metrics, ric_protocol
from helpers.data import load_dataset
from helpers.keys import SecretKey
from helpers.nae import NaeSettings
from helpers.ric import IdentityCodec, RicCodec
from helpers.ric_protocol import RicProtocol, lsb_embed, lsb_extract

KEY = SecretKey.from_int(0xC0FFEE << 100)
OTHER_KEY = SecretKey.from_int(0xBEEF << 100)


@pytest.fixture(scope="module")
def protocol(mnist_classifier) -> RicProtocol:
    torch.manual_seed(0)
    return RicProtocol(
        RicCodec(width=4, channels=1, initialisation="identity").eval(),
        mnist_classifier,
        NaeSettings(steps=30),
        10,
    )


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    return load_dataset("mnist", "test", limit=24).images


def test_ciphertexts_are_8_bit_and_deterministic(protocol, digits):
    first = protocol.encrypt(digits, KEY)
    second = protocol.encrypt(digits, KEY)
    assert first.ciphertext.dtype == torch.uint8 and first.ciphertext.shape == digits.shape
    assert torch.equal(first.ciphertext, second.ciphertext)
    assert not torch.equal(first.ciphertext, protocol.encrypt(digits, OTHER_KEY).ciphertext)


def test_by_default_the_provider_encrypts_toward_the_classifiers_own_prediction(protocol, digits):
    with torch.no_grad():
        predictions = protocol.classifier(digits.float() / 255).argmax(1)
    assert torch.equal(protocol.encrypt(digits, KEY).labels, predictions)
    forced = torch.zeros(len(digits), dtype=torch.long)
    assert torch.equal(protocol.encrypt(digits, KEY, labels=forced).labels, forced)


def test_decryption_regenerates_the_naes_from_the_key_and_the_returned_label(protocol, digits, monkeypatch):
    encrypted = protocol.encrypt(digits, KEY)
    noise = protocol.key_noise(KEY, (1, 28, 28), cached=True)[encrypted.labels]
    reference = protocol.decrypt_with_encryption_noise(encrypted.ciphertext, noise)

    def no_cache(*args, **kwargs):
        raise AssertionError("decryption must not read the encryption side's NAE cache")

    monkeypatch.setattr(ric_protocol, "cached_class_naes", no_cache)
    decoded = protocol.decrypt(encrypted.ciphertext, KEY, encrypted.labels)
    assert torch.equal(decoded, reference)  # regenerated NAEs are bit-identical
    shifted = protocol.decrypt(encrypted.ciphertext, KEY, (encrypted.labels + 1) % 10)
    assert not torch.allclose(decoded, shifted)  # another label → another NAE subtracted


# A wrong label subtracts another NAE: the error is λ/(1 − λ)·(n_y − n_y'), ×4 at the paper's λ = 0.8.
@pytest.mark.parametrize(("lam", "lowest_db", "wrong_label_below_db"), [(0.8, 43.5, 10.0), (0.5, 51.0, 12.5)])
def test_the_identity_codec_decodes_at_the_8_bit_channels_limit_and_fails_with_a_wrong_label(
    protocol, digits, lam, lowest_db, wrong_label_below_db
):
    baseline = RicProtocol(IdentityCodec(lam, channels=1), protocol.classifier, protocol.nae_settings, 10)
    encrypted = baseline.encrypt(digits, KEY)
    plaintext = digits.float() / 255
    decoded = baseline.decrypt(encrypted.ciphertext, KEY, encrypted.labels)
    # Rounding to 8 bits adds at most half a level; unmixing multiplies it by 1/(1 − λ). Uniform rounding
    # error alone would give 10·log10(255² · 12) + 20·log10(1 − λ) dB (45.1 at λ = 0.8, 52.9 at 0.5); the
    # clamp to [0, 1] only helps.
    assert lowest_db < metrics.psnr_per_image(plaintext, decoded).mean().item() < 60
    wrong_labels = (encrypted.labels + 1) % 10
    wrong = baseline.decrypt(encrypted.ciphertext, KEY, wrong_labels)
    assert metrics.psnr_per_image(plaintext, wrong).mean().item() < wrong_label_below_db


def test_lsb_baseline_keeps_the_cover_high_bits_and_the_plaintext_high_bits(digits):
    generator = torch.Generator().manual_seed(0)
    cover = torch.randint(0, 256, digits.shape, generator=generator, dtype=torch.uint8)
    ciphertext = lsb_embed(digits, cover)
    assert torch.equal(ciphertext >> 4, cover >> 4)
    recovered = lsb_extract(ciphertext)
    assert torch.equal(recovered >> 4, digits >> 4)
    assert (recovered.int() - digits.int()).abs().max() <= 8


def test_lsb_baseline_psnr_on_uniform_pixels_is_the_4_bit_midpoint_value():
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (64, 3, 32, 32), generator=generator, dtype=torch.uint8)
    recovered = lsb_extract(lsb_embed(images, torch.zeros_like(images)))
    psnr = metrics.psnr_per_image(images.float() / 255, recovered.float() / 255).mean().item()
    # error uniform over the 16 offsets −8..7 → MSE = (8² + 2·Σ_{k<8} k²)/16 = 21.5
    assert psnr == pytest.approx(10 * torch.log10(torch.tensor(255**2 / 21.5)).item(), abs=0.1)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda p, d: p.encrypt(d, 1234), TypeError, "SecretKey"),
        (lambda p, d: p.encrypt(d.float(), KEY), ValueError, r"\[0, 1\]"),
        (lambda p, d: p.encrypt(d.expand(-1, 3, -1, -1), KEY), ValueError, r"\(N, 1, H, W\)"),
        (lambda p, d: p.classify(d.float() / 255), TypeError, "uint8"),
        (lambda p, d: p.decrypt(d, KEY, torch.zeros(3, dtype=torch.long)), ValueError, "labels"),
        (lambda p, d: p.encrypt(d, KEY, labels=torch.zeros(3, dtype=torch.long)), ValueError, "shape"),
        (lambda p, d: p.encrypt(d, KEY, labels=torch.full((len(d),), 10)), ValueError, r"\[0, 10\)"),
        (lambda p, d: p.encrypt(d, KEY, labels=torch.zeros(len(d))), TypeError, "int64"),
        (lambda p, d: lsb_embed(d, d[:1]), ValueError, "must match"),
        (lambda p, d: lsb_embed(d, d, bits=8), ValueError, "bits"),
        (
            lambda p, d: p.decrypt(d[0], KEY, torch.zeros(1, dtype=torch.long)),
            ValueError,
            r"ciphertext\[None\]",
        ),
        (lambda p, d: p.classify(d[0]), ValueError, "batch"),
        (lambda p, d: p.encrypt(d[:, :, :20, :20], KEY), ValueError, "20×20 do not fit"),
        (lambda p, d: p.classify(d[:, :, :20, :20]), ValueError, "20×20 do not fit"),
        (lambda p, d: p.encrypt(torch.full((2, 1, 28, 28), float("nan")), KEY), ValueError, "finite"),
        (lambda p, d: p.encrypt(d.numpy(), KEY), TypeError, "torch.Tensor"),
    ],
)
def test_bad_input_gives_clear_errors(protocol, digits, call, error, message):
    with pytest.raises(error, match=message):
        call(protocol, digits)
