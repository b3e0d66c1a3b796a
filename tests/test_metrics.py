"""RIC's metrics: ADP against the paper's own numbers, PSNR against values computed by hand, SSIM against
the release's convention written out independently, LPIPS only with local weights, and clear errors."""

import math

import pytest
import torch

from helpers import metrics


@pytest.mark.parametrize(
    ("plain", "encrypted", "expected"),
    # Table 1 of the paper: RIC on CIFAR-10, InstaHide on CIFAR-10 and on MNIST (ADP in %).
    [(0.9709, 0.9709, 0.0), (0.9709, 0.9146, 5.80), (0.9975, 0.9835, 1.40)],
)
def test_accuracy_drop_matches_the_papers_table_1(plain, encrypted, expected):
    assert metrics.accuracy_drop_percentage(plain, encrypted) == pytest.approx(expected, abs=0.005)


def test_psnr_of_one_grey_level_everywhere_is_48_13_db():
    reference = torch.zeros(2, 3, 16, 16)
    estimate = torch.full_like(reference, 1 / 255)  # MSE = 1 on the 0–255 scale
    expected = 10 * math.log10(255**2)
    assert metrics.psnr_per_image(reference, estimate).tolist() == pytest.approx([expected] * 2, abs=1e-4)


def test_psnr_is_per_image_then_averaged_and_capped_for_identical_images():
    reference = torch.zeros(2, 1, 12, 12)
    estimate = reference.clone()
    estimate[1] = 2 / 255  # MSE 4 → 42.11 dB; image 0 is exact → the cap
    values = metrics.psnr_per_image(reference, estimate)
    assert values[0].item() == metrics.PSNR_CAP_DB
    assert values[1].item() == pytest.approx(10 * math.log10(255**2 / 4), abs=1e-4)


def test_ssim_is_one_for_identical_images_and_falls_with_noise():
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(4, 3, 32, 32, generator=generator)
    noisy = (images + 0.05 * torch.randn(images.shape, generator=generator)).clamp(0, 1)
    noisier = (images + 0.2 * torch.randn(images.shape, generator=generator)).clamp(0, 1)
    assert metrics.ssim_per_image(images, images).tolist() == pytest.approx([1.0] * 4, abs=1e-6)
    assert (metrics.ssim_per_image(images, noisy) > metrics.ssim_per_image(images, noisier)).all()


def _release_ssim_written_out(reference: torch.Tensor, estimate: torch.Tensor) -> torch.Tensor:
    """Wang et al.'s SSIM with the RIC release's settings, from the formula: uniform 11×11 window over its
    valid positions, sample (N − 1) variances, C1 = (0.01·255)², C2 = (0.03·255)², mean over channels."""
    x, y = 255 * reference.double(), 255 * estimate.double()
    window = 11
    mean = lambda t: torch.nn.functional.avg_pool2d(t, window, stride=1)  # noqa: E731
    n = window * window
    mu_x, mu_y = mean(x), mean(y)
    var_x = (mean(x * x) - mu_x**2) * n / (n - 1)
    var_y = (mean(y * y) - mu_y**2) * n / (n - 1)
    cov = (mean(x * y) - mu_x * mu_y) * n / (n - 1)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    s = (2 * mu_x * mu_y + c1) * (2 * cov + c2) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return s.mean(dim=(1, 2, 3))


@pytest.mark.parametrize("channels", [1, 3])
def test_ssim_is_the_releases_uniform_window_with_sample_covariance(channels):
    generator = torch.Generator().manual_seed(channels)
    coarse = torch.rand(3, channels, 8, 8, generator=generator)  # smooth images, like photographs
    images = torch.nn.functional.interpolate(coarse, size=32, mode="bilinear", align_corners=False)
    decoded = (images + 0.03 * torch.randn(images.shape, generator=generator)).clamp(0, 1)
    ours = metrics.ssim_per_image(images, decoded).double()
    assert ours.tolist() == pytest.approx(_release_ssim_written_out(images, decoded).tolist(), abs=1e-6)
    # The window is pinned: the Gaussian 11×11 window (σ 1.5) of torchmetrics' default reads clearly lower on
    # smooth images (measured on CIFAR-10 decodings near 36 dB: 0.964 against 0.989).
    from torchmetrics.functional.image import structural_similarity_index_measure

    gaussian = structural_similarity_index_measure(
        255 * decoded.double(), 255 * images.double(), data_range=255.0, reduction="none"
    )
    assert (ours - gaussian).min() > 1e-3


def test_recovery_reports_rounded_and_unrounded_figures(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(metrics, "lpips_weights_path", lambda: tmp_path / "missing.pth")
    reference = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    reference = (reference * 255).round() / 255
    decoded = (reference + 0.3 / 255).clamp(0, 1)  # rounds back to the reference
    result = metrics.recovery(reference, decoded)
    assert result.psnr_rounded_db == metrics.PSNR_CAP_DB > result.psnr_db > 55
    assert result.lpips is None
    assert capsys.readouterr().out == ""  # silent: a notebook states LPIPS's status once (lpips_status)
    assert "not measured" in metrics.lpips_status() and "missing.pth" in metrics.lpips_status()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: metrics.accuracy_drop_percentage(0.0, 0.0), ValueError, "positive"),
        (lambda: metrics.accuracy_drop_percentage(97.0, 96.0), ValueError, "fraction"),
        (
            lambda: metrics.psnr_per_image(torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 9)),
            ValueError,
            "shape",
        ),
        (lambda: metrics.psnr_per_image(torch.zeros(3, 8, 8), torch.zeros(3, 8, 8)), ValueError, "batches"),
        (
            lambda: metrics.psnr_per_image(torch.zeros(1, 3, 8, 8), torch.full((1, 3, 8, 8), 2.0)),
            ValueError,
            r"\[0, 1\]",
        ),
        (lambda: metrics.ssim_per_image(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8)), ValueError, "11"),
    ],
)
def test_bad_input_gives_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_correlation_per_image_is_pearsons_and_zero_for_a_constant_image():
    images = torch.rand(3, 3, 8, 8, generator=torch.Generator().manual_seed(2))
    assert metrics.correlation_per_image(images, 2 * images + 5).tolist() == pytest.approx(
        [1.0] * 3, abs=1e-6
    )
    assert metrics.correlation_per_image(images, -images).tolist() == pytest.approx([-1.0] * 3, abs=1e-6)
    flat = torch.full_like(images, 0.5)
    assert metrics.correlation_per_image(flat, images).tolist() == [0.0] * 3
    with pytest.raises(ValueError, match="one shape"):
        metrics.correlation_per_image(images, images[:2])
