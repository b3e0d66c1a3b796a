"""RIC's networks: the released sizes, the SRL algebra, the quantisation channel and clear errors."""

import pytest
import torch

from helpers.metrics import psnr_per_image
from helpers.networks import count_parameters
from helpers.ric import RicCodec, check_lambda, mix, quantize, unmix


def test_parameter_counts_match_the_release():
    codec = RicCodec()  # width 50, the paper's
    counts = [count_parameters(part) for part in (codec.feature_extractor, codec.encoder, codec.decoder)]
    # computed by hand from the architecture: 0.81 M, 1.17 M and 0.80 M in the paper
    assert counts == [806_025, 1_173_753, 798_753]


def test_every_part_keeps_the_image_size():
    codec = RicCodec(width=4).eval()
    images, noise = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    ciphertext, decoded = codec(images, noise)
    assert ciphertext.shape == decoded.shape == images.shape


@pytest.mark.parametrize("lam", [0.1, 0.5, 0.8, 0.95])
def test_without_quantisation_the_decoder_sees_exactly_the_encoder_output(lam):
    torch.manual_seed(0)
    encoded, noise = torch.randn(3, 3, 8, 8, dtype=torch.float64), torch.rand(3, 3, 8, 8, dtype=torch.float64)
    assert torch.allclose(unmix(mix(encoded, noise, lam), noise, lam), encoded, rtol=0, atol=1e-12)


def test_the_codec_uses_srl_end_to_end():
    codec = RicCodec(width=4, lam=0.8).eval()
    images, noise = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    encoded = codec.encoder(torch.cat([codec.feature_extractor(images), noise], 1))
    assert torch.allclose(codec.encode(images, noise), 0.2 * encoded + 0.8 * noise, atol=1e-6)


def test_training_quantisation_adds_at_most_half_a_level():
    images = torch.rand(4, 3, 16, 16) * 0.98 + 0.01  # away from the clip at 0 and 1
    noisy = quantize(images, training=True, generator=torch.Generator().manual_seed(0))
    assert (noisy - images).abs().max() <= 0.5 / 255 + 1e-7
    assert (noisy - images).abs().max() > 0.4 / 255  # the noise is really there


def test_test_quantisation_lands_on_the_8_bit_grid():
    values = quantize(torch.linspace(-0.2, 1.2, 1001), training=False)
    levels = values * 255
    assert torch.allclose(levels, levels.round(), atol=1e-4)
    assert values.min() == 0 and values.max() == 1


def test_the_no_srl_ablation_feeds_the_decoder_six_channels():
    codec = RicCodec(width=4, variant="nae_no_srl")
    assert codec.decoder.body.stage1[0][0][0].in_channels == 6


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: check_lambda(1.0), ValueError, "lam"),
        (lambda: check_lambda(0), ValueError, "lam"),
        (lambda: RicCodec(width=4, lam="0.8"), TypeError, "lam"),
        (lambda: RicCodec(width=4, variant="lsb"), ValueError, "variant"),
        (lambda: RicCodec(width=1), ValueError, "width"),
        (
            lambda: RicCodec(width=4)(torch.rand(1, 3, 8, 8) + 1, torch.rand(1, 3, 8, 8)),
            ValueError,
            r"\[0, 1\]",
        ),
        (lambda: RicCodec(width=4)(torch.rand(1, 1, 8, 8), torch.rand(1, 1, 8, 8)), ValueError, "shape"),
        (lambda: RicCodec(width=4)(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 4, 4)), ValueError, "one shape"),
        (lambda: quantize(torch.zeros(2, dtype=torch.uint8), training=False), TypeError, "floating"),
    ],
)
def test_bad_input_gives_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_identity_initialisation_starts_close_to_passing_the_image_through():
    generator = torch.Generator().manual_seed(0)
    images, noise = (
        torch.rand(4, 3, 16, 16, generator=generator),
        torch.rand(4, 3, 16, 16, generator=generator),
    )
    codec = RicCodec(width=8, initialisation="identity").eval()
    with torch.no_grad():
        encoded = codec.encoder_output(images, noise)
        decoded = codec(images, noise)[1]
    centred = images - images.mean()
    slope = (centred * (encoded - encoded.mean())).sum() / (centred**2).sum()
    assert torch.corrcoef(torch.stack([encoded.flatten(), images.flatten()]))[0, 1] > 0.99
    assert 0.95 < slope < 1.05  # u_en ≈ x, not a rescaled x: F's squeeze-excitation gates start open
    # the codec starts near the identity codec (with half-open gates it decodes at about 13 dB)
    assert psnr_per_image(images, decoded).min() > 25
    default = RicCodec(width=8).eval()
    with torch.no_grad():
        encoded = default.encoder_output(images, noise)
    assert torch.corrcoef(torch.stack([encoded.flatten(), images.flatten()]))[0, 1] < 0.5
    with pytest.raises(ValueError, match="initialisation"):
        RicCodec(width=4, initialisation="xavier")
