"""Networks: Tanaka's adaptation network, a CIFAR-style ResNet18, and small CNNs for MNIST and SVHN.

Every network takes images in ``[0, 1]`` with no normalisation outside the model, as in the papers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from helpers.validation import check_int


def _check_width(width: float) -> float:
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not 0 < width <= 4:
        raise ValueError(f"width must be a number in (0, 4], got {width!r}")
    return float(width)


class AdaptationNetwork(nn.Module):
    """Tanaka's adaptation network (ICCE-TW 2018), placed in front of a classifier.

    ``BN → Conv(C → C·M², kernel M, stride M) → ReLU → BN → Conv 1×1 (C·M² → C·M²) → ReLU → BN →
    Conv 1×1 (C·M² → M²·out) → PixelShuffle(M)``.

    The first convolution has kernel and stride ``M``, so each of its outputs sees **exactly one encrypted
    block** — and because the same key scrambles every block, one set of weights can learn to undo the
    scramble everywhere. PixelShuffle puts the result back at full resolution: ``out_channels`` maps of
    ``H × W`` (32 by default, ours; 3 with ``out_channels=3`` for a stock classifier).
    """

    def __init__(self, block_size: int = 4, in_channels: int = 3, out_channels: int = 32) -> None:
        super().__init__()
        for name, value in (
            ("block_size", block_size),
            ("in_channels", in_channels),
            ("out_channels", out_channels),
        ):
            check_int(value, name, minimum=1)
        self.block_size = block_size
        block = in_channels * block_size * block_size
        self.layers = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.Conv2d(in_channels, block, kernel_size=block_size, stride=block_size),
            nn.ReLU(inplace=True),
            nn.BatchNorm2d(block),
            nn.Conv2d(block, block, kernel_size=1),
            nn.ReLU(inplace=True),
            nn.BatchNorm2d(block),
            nn.Conv2d(block, block_size * block_size * out_channels, kernel_size=1),
            nn.PixelShuffle(block_size),
        )

    @property
    def block_conv(self) -> nn.Conv2d:
        """The first, block-sized convolution (its filters are what notebook 02 visualises)."""
        return self.layers[1]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        height, width = images.shape[-2:]
        if height % self.block_size or width % self.block_size:
            raise ValueError(f"image size {height}×{width} is not a multiple of block_size {self.block_size}")
        return self.layers(images)


class BasicBlock(nn.Module):
    """The two-convolution residual block of ResNet18 (He et al. 2016)."""

    def __init__(self, in_channels: int, channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_channels != channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride, bias=False), nn.BatchNorm2d(channels)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet18(nn.Module):
    """CIFAR-style ResNet18: a 3×3 stem with stride 1 and no max-pool, four stages of two basic blocks.

    Args:
        num_classes: outputs of the final linear layer.
        in_channels: 3 for images; 32 behind the adaptation network (ours).
        width: multiplies every stage's channels (64, 128, 256, 512); the ``quick`` profile uses a narrow net
            so that it trains on a CPU in minutes.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 3, width: float = 1.0) -> None:
        super().__init__()
        width = _check_width(width)
        channels = [max(4, round(base * width)) for base in (64, 128, 256, 512)]
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels[0], 3, 1, 1, bias=False),
            nn.BatchNorm2d(channels[0]),
            nn.ReLU(inplace=True),
        )
        blocks, previous = [], channels[0]
        for stage, stage_channels in enumerate(channels):
            for index in range(2):
                blocks.append(BasicBlock(previous, stage_channels, 2 if stage > 0 and index == 0 else 1))
                previous = stage_channels
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(previous, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(x)))


def encrypted_resnet18(
    block_size: int = 4, num_classes: int = 10, width: float = 1.0, three_channel: bool = False
) -> nn.Sequential:
    """Adaptation network + ResNet18, the "Encrypted" model of Maung Maung et al. (2019).

    With ``three_channel=True`` the adapter ends in 3 channels and a stock (3-channel) ResNet18 follows;
    by default (ours) the adapter hands 32 channels to the ResNet's stem.
    """
    channels = 3 if three_channel else 32
    return nn.Sequential(
        AdaptationNetwork(block_size, in_channels=3, out_channels=channels),
        ResNet18(num_classes, in_channels=channels, width=width),
    )


class MnistCNN(nn.Module):
    """A small CNN for 28×28 grey digits: two conv–pool stages and two linear layers (≈ 99 % on MNIST)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(inplace=True), nn.Linear(128, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class SvhnCNN(nn.Module):
    """The VGG-like SVHN classifier of the RIC release: convs 32,32 | 64,64 | 128,128 | 256 with batch norm,
    max-pools and dropout 0.3, then a linear layer (≈ 96 % on SVHN)."""

    def __init__(self, num_classes: int = 10, in_channels: int = 3) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        previous = in_channels
        for stage in ((32, 32), (64, 64), (128, 128), (256,)):
            for channels in stage:
                layers += [
                    nn.Conv2d(previous, channels, 3, padding=1),
                    nn.BatchNorm2d(channels),
                    nn.ReLU(inplace=True),
                ]
                previous = channels
            layers += [nn.MaxPool2d(2), nn.Dropout(0.3)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(256 * 2 * 2, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters of ``model``."""
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)
