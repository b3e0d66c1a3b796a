"""RIC's metrics: accuracy drop (eq. 14), recovery fidelity (PSNR, SSIM, LPIPS) and privacy.

Both follow the released evaluation, **per image, then averaged**, on the 0–255 scale (data range 255):

- PSNR from ``torchmetrics``. A per-image PSNR of identical images is infinite; it is capped at
  :data:`PSNR_CAP_DB` so that an average stays finite.
- SSIM from scikit-image's ``structural_similarity(win_size=11, data_range=255)`` — the very call of the RIC
  release: a **uniform** 11×11 window, sample covariance (N − 1), the mean over the window's valid positions,
  averaged over colour channels. We call scikit-image rather than torchmetrics because torchmetrics offers no
  sample covariance: its Gaussian 11×11 window (σ 1.5), which this course used before, reads about 0.02 lower
  on CIFAR-10 decodings near 36 dB, and its uniform window still differs in the fourth decimal.

LPIPS (AlexNet, v0.1) needs ImageNet-pretrained AlexNet weights. They are used only when they are already in
the local torch hub cache; otherwise :func:`lpips_distance` returns ``None`` and says so once — an LPIPS with
random weights would be a meaningless number.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from skimage.metrics import structural_similarity
from torchmetrics.functional.image import peak_signal_noise_ratio

from helpers.images import check_float_images

PSNR_CAP_DB = 100.0
SSIM_WINDOW = 11
SSIM_CONVENTION = (
    "scikit-image structural_similarity as in the RIC release: uniform 11×11 window, sample covariance, "
    "data range 255, mean over valid window positions and colour channels, per image then averaged"
)


def accuracy_drop_percentage(accuracy_plain: float, accuracy_encrypted: float) -> float:
    """Eq. (14): ADP = (ACC_p − ACC_e) / ACC_p, in percent (negative when ciphertexts do better)."""
    for name, value in (("accuracy_plain", accuracy_plain), ("accuracy_encrypted", accuracy_encrypted)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{name} must be a fraction in [0, 1], got {value!r}")
    if accuracy_plain == 0:
        raise ValueError("accuracy_plain must be positive: ADP divides by it")
    return 100 * (accuracy_plain - accuracy_encrypted) / accuracy_plain


def _pair(reference: torch.Tensor, estimate: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    reference = check_float_images(reference, "reference")
    estimate = check_float_images(estimate, "estimate")
    if reference.ndim != 4 or reference.shape != estimate.shape:
        raise ValueError(
            f"reference and estimate must be batches (N, C, H, W) of one shape, got "
            f"{tuple(reference.shape)} and {tuple(estimate.shape)}"
        )
    return 255 * reference.double(), 255 * estimate.double()


def psnr_per_image(reference: torch.Tensor, estimate: torch.Tensor) -> torch.Tensor:
    """PSNR in dB of each image (data range 255), capped at :data:`PSNR_CAP_DB`."""
    reference, estimate = _pair(reference, estimate)
    values = peak_signal_noise_ratio(estimate, reference, data_range=255.0, reduction="none", dim=(1, 2, 3))
    return values.nan_to_num(posinf=PSNR_CAP_DB).clamp_max(PSNR_CAP_DB).float()


def ssim_per_image(reference: torch.Tensor, estimate: torch.Tensor) -> torch.Tensor:
    """SSIM of each image as the RIC release computes it (see :data:`SSIM_CONVENTION`), on the CPU."""
    reference, estimate = _pair(reference, estimate)
    if min(reference.shape[-2:]) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs images of at least {SSIM_WINDOW}×{SSIM_WINDOW} pixels")
    pairs = zip(reference.cpu().numpy(), estimate.cpu().numpy(), strict=True)
    values = [
        structural_similarity(ref, est, win_size=SSIM_WINDOW, data_range=255.0, channel_axis=0)
        for ref, est in pairs
    ]
    return torch.tensor(values, dtype=torch.float32)


def correlation_per_image(reference: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
    """Pearson correlation of each image's pixels with the other's (``other`` need not lie in [0, 1]);
    0 where either image is constant."""
    reference = check_float_images(reference, "reference")
    if not isinstance(other, torch.Tensor) or other.shape != reference.shape or reference.ndim != 4:
        raise ValueError("reference and other must be batches (N, C, H, W) of one shape")
    x = reference.double().flatten(1)
    y = other.double().flatten(1)
    x, y = x - x.mean(1, keepdim=True), y - y.mean(1, keepdim=True)
    denominator = x.norm(dim=1) * y.norm(dim=1)
    return torch.where(denominator > 0, (x * y).sum(1) / denominator.clamp_min(1e-30), 0.0).float()


def lpips_weights_path() -> Path:
    """Where torchvision keeps the ImageNet AlexNet weights LPIPS needs (they are never downloaded here)."""
    from torchvision.models import AlexNet_Weights

    return Path(torch.hub.get_dir()) / "checkpoints" / Path(AlexNet_Weights.DEFAULT.url).name


def lpips_status() -> str:
    """One line for a notebook: whether LPIPS can be measured here, and why not."""
    weights = lpips_weights_path()
    if weights.exists():
        return f"LPIPS: AlexNet (v0.1 linear layers), weights {weights.name}"
    return (
        f"LPIPS: not measured — the pretrained AlexNet weights {weights.name} are not in the torch hub cache"
    )


def lpips_distance(reference: torch.Tensor, estimate: torch.Tensor) -> float | None:
    """Mean LPIPS (AlexNet, v0.1 linear layers shipped with torchmetrics), or ``None`` with one printed line
    when the pretrained AlexNet weights are not available locally. Grey images are repeated to 3 channels."""
    reference, estimate = _pair(reference, estimate)
    weights = lpips_weights_path()
    if not weights.exists():
        print(f"LPIPS skipped: pretrained AlexNet weights not found at {weights.name} in the torch hub cache")
        return None
    from torchmetrics.functional.image import learned_perceptual_image_patch_similarity

    if reference.shape[1] == 1:
        reference, estimate = reference.expand(-1, 3, -1, -1), estimate.expand(-1, 3, -1, -1)
    value = learned_perceptual_image_patch_similarity(
        (estimate / 255).float(), (reference / 255).float(), net_type="alex", normalize=True
    )
    return float(value)


@dataclass(frozen=True)
class Recovery:
    """How well decoded images match the plaintexts (means over images).

    Attributes:
        psnr_db, ssim: of the decoder's float output (clamped to [0, 1], not rounded).
        psnr_rounded_db, ssim_rounded: of that output rounded to 8 bits — what a saved PNG would hold.
        lpips: LPIPS of the float output, or ``None`` where its weights are not available.
        images: how many images were measured.
    """

    psnr_db: float
    ssim: float
    psnr_rounded_db: float
    ssim_rounded: float
    lpips: float | None
    images: int

    def to_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def recovery(plaintext: torch.Tensor, decoded: torch.Tensor, *, with_lpips: bool = True) -> Recovery:
    """PSNR and SSIM (unrounded and 8-bit-rounded) and, where the weights are available (see
    :func:`lpips_status`), LPIPS of ``decoded`` — otherwise ``lpips`` is ``None``, silently."""
    rounded = (check_float_images(decoded, "decoded") * 255).round() / 255
    return Recovery(
        psnr_db=psnr_per_image(plaintext, decoded).mean().item(),
        ssim=ssim_per_image(plaintext, decoded).mean().item(),
        psnr_rounded_db=psnr_per_image(plaintext, rounded).mean().item(),
        ssim_rounded=ssim_per_image(plaintext, rounded).mean().item(),
        lpips=lpips_distance(plaintext, decoded) if with_lpips and lpips_weights_path().exists() else None,
        images=len(plaintext),
    )
