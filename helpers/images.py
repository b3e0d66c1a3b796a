"""Checks and conversions for image batches.

Convention used everywhere in the course: images are torch tensors laid out channels-first,
``(N, C, H, W)`` for a batch or ``(C, H, W)`` for one image, either ``uint8`` in ``[0, 255]`` or floating
point in ``[0, 1]`` (no normalisation; models that want one carry it inside).
"""

from __future__ import annotations

import torch


def check_image_tensor(images: object, name: str = "images") -> torch.Tensor:
    """Raise unless ``images`` is a ``(C, H, W)`` or ``(N, C, H, W)`` torch tensor; return it."""
    if not isinstance(images, torch.Tensor):
        hint = " (convert with torch.from_numpy(x).permute(0, 3, 1, 2) for NHWC arrays)"
        raise TypeError(f"{name} must be a torch.Tensor, got {type(images).__name__}{hint}")
    if images.ndim not in (3, 4):
        raise ValueError(f"{name} must have shape (C, H, W) or (N, C, H, W), got shape {tuple(images.shape)}")
    return images


def check_uint8_images(images: object, name: str = "images") -> torch.Tensor:
    """Raise unless ``images`` is a uint8 image tensor (see :func:`check_image_tensor`); return it."""
    images = check_image_tensor(images, name)
    if images.dtype != torch.uint8:
        raise TypeError(f"{name} must have dtype torch.uint8 (values 0..255), got {images.dtype}")
    return images


def check_float_images(images: object, name: str = "images") -> torch.Tensor:
    """Raise unless ``images`` is a floating-point image tensor with every value in ``[0, 1]``."""
    images = check_image_tensor(images, name)
    if not images.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor in [0, 1], got {images.dtype}")
    if not torch.isfinite(images).all():
        raise ValueError(
            f"{name} must be finite, got {int((~torch.isfinite(images)).sum())} NaN or infinite values"
        )
    if images.numel() and (images.min() < 0 or images.max() > 1):
        raise ValueError(
            f"{name} must lie in [0, 1], got values in [{images.min().item():.4g}, {images.max().item():.4g}]"
        )
    return images


def to_float(images: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """uint8 images in ``[0, 255]`` → floating-point images in ``[0, 1]``."""
    return check_uint8_images(images).to(dtype) / 255


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Floating-point images in ``[0, 1]`` → uint8, rounding to the nearest of the 256 levels."""
    return (check_float_images(images) * 255).round().to(torch.uint8)


def convert_images(images: torch.Tensor, channels: int, size: tuple[int, int]) -> torch.Tensor:
    """uint8 images → uint8 images with ``channels`` (1 or 3) and spatial ``size`` — to feed one data set's
    images to a model made for another (RIC's cross-data-set study).

    Colour → grey uses the ITU-R BT.601 luma weights; grey → colour repeats the channel; resizing is bilinear
    with antialiasing.
    """
    check_uint8_images(images)
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images must have shape (N, 1 or 3, H, W), got {tuple(images.shape)}")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}")
    if len(size) != 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in size):
        raise ValueError(f"size must be (height, width) with positive ints, got {size!r}")
    result = images.float() / 255
    if result.shape[1] == 3 and channels == 1:
        luma = torch.tensor([0.299, 0.587, 0.114], device=result.device).view(1, 3, 1, 1)
        result = (result * luma).sum(1, keepdim=True)
    elif result.shape[1] == 1 and channels == 3:
        result = result.expand(-1, 3, -1, -1)
    if tuple(result.shape[-2:]) != tuple(size):
        result = torch.nn.functional.interpolate(
            result, size=tuple(size), mode="bilinear", antialias=True, align_corners=False
        )
    return to_uint8(result.clamp(0, 1))
