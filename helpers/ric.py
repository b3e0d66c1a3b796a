"""RIC's networks: feature extractor F, encoder E, decoder D, symmetric residual learning and quantisation.

Architecture of the authors' release (``csjunjun/RIC`` on GitHub; Baluja-2017-style "deep steganography"
stacks): every convolution has stride 1 and a ReLU, there is no batch norm, and kernel-4 convolutions
alternate padding 1 and 2 so that the image size comes back after each pair.

- **Body** (:class:`TwoStageBody`): stage 1 runs three parallel branches on the input, with kernels 3, 4
  and 5, each of four convolutions of ``width`` channels, concatenated (``3·width``); stage 2 runs three
  heads on that (kernel 3: one convolution; kernel 4: two; kernel 5: one), each ``width`` channels,
  optionally followed by a squeeze-excitation block, concatenated again (``3·width``).
- **F** = body with SE blocks on the plain image.
- **E** = body without SE on ``concat(F(x), n_adv)``, then a 1×1 convolution to 3 channels, no activation:
  ``u_en``. The ciphertext is eq. (5): ``x' = (1 − λ)·u_en + λ·n_adv``.
- **Q**, eq. (6): in training ``clip(255·x' + u, 0, 255)/255`` with ``u ~ U[−0.5, 0.5]``; at test
  ``clip(round(255·x'), 0, 255)/255`` — an 8-bit image.
- **D** takes eq. (9)'s ``u'_en = (x'_q − λ·n_adv)/(1 − λ)``, runs a body without SE and a 1×1 convolution to
  3 channels; its output is clamped to [0, 1] at test.

With ``width = 50`` (the paper) the parameter counts are 0.81 M (F), 1.17 M (E) and 0.80 M (D).

Ablations (the paper's Table 4) are the ``variant`` of :class:`RicCodec`: ``"nae_srl"`` (RIC), ``"rni_srl"``
(the RNI ``n`` replaces ``n_adv`` in eqs. 5 and 9) and ``"nae_no_srl"`` (``x' = u_en`` and D sees the
6-channel ``concat(x'_q, n_adv)``).
"""

from __future__ import annotations

import torch
from torch import nn

from helpers.images import check_float_images
from helpers.validation import check_int

VARIANTS = ("nae_srl", "rni_srl", "nae_no_srl")
PAPER_WIDTH = 50
PAPER_LAMBDA = 0.8


def _conv(in_channels: int, out_channels: int, kernel: int, padding: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel, padding=padding), nn.ReLU(inplace=True))


def _stack(in_channels: int, width: int, kernel: int, depth: int) -> nn.Sequential:
    """``depth`` convolutions of one kernel size; kernel 4 alternates padding 1 and 2 (size H−1, then H)."""
    layers = []
    for index in range(depth):
        padding = (1 if index % 2 == 0 else 2) if kernel == 4 else kernel // 2
        layers.append(_conv(in_channels if index == 0 else width, width, kernel, padding))
    return nn.Sequential(*layers)


class SqueezeExcitation(nn.Module):
    """Global average pool → 1×1 (C → C/2) → ReLU → 1×1 (C/2 → C) → sigmoid → rescale the input."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, channels // 2, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels // 2, channels, 1),
            nn.Sigmoid(),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features * self.gate(features)


class TwoStageBody(nn.Module):
    """The shared two-stage body of F, E and D (see the module docstring); output ``3·width`` channels."""

    def __init__(self, in_channels: int, width: int = PAPER_WIDTH, squeeze_excitation: bool = False) -> None:
        super().__init__()
        for name, value, least in (("in_channels", in_channels, 1), ("width", width, 2)):
            check_int(value, name, minimum=least)
        self.stage1 = nn.ModuleList(_stack(in_channels, width, kernel, 4) for kernel in (3, 4, 5))
        heads = []
        for kernel, depth in ((3, 1), (4, 2), (5, 1)):
            head = _stack(3 * width, width, kernel, depth)
            heads.append(nn.Sequential(head, SqueezeExcitation(width)) if squeeze_excitation else head)
        self.stage2 = nn.ModuleList(heads)
        self.out_channels = 3 * width

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        features = torch.cat([branch(inputs) for branch in self.stage1], 1)
        return torch.cat([head(features) for head in self.stage2], 1)


class FeatureExtractor(nn.Module):
    """F: the body with squeeze-excitation heads, on the plain image (3 → ``3·width`` channels)."""

    def __init__(self, width: int = PAPER_WIDTH, channels: int = 3) -> None:
        super().__init__()
        self.body = TwoStageBody(channels, width, squeeze_excitation=True)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images)


class ImageHead(nn.Module):
    """E or D: a body without SE and a 1×1 convolution to image channels, no activation."""

    def __init__(self, in_channels: int, width: int = PAPER_WIDTH, channels: int = 3) -> None:
        super().__init__()
        self.body = TwoStageBody(in_channels, width)
        self.to_image = nn.Conv2d(self.body.out_channels, channels, 1)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.to_image(self.body(inputs))


INITIALISATIONS = ("pytorch", "identity")


OPEN_GATE_BIAS = 8.0
"""Bias of a squeeze-excitation gate's last convolution at the identity start: ``sigmoid(8) ≈ 0.9997``."""


def _identity_initialisation(module: nn.Module, generator: torch.Generator) -> None:
    """Start a convolution near the identity (ours): a Dirac kernel (output channel ``i`` copies input
    channel ``i``, at the tap that keeps pixels aligned) plus small He-scaled noise, zero bias; and start
    every squeeze-excitation gate open (zero weights, bias :data:`OPEN_GATE_BIAS`), so that F does not
    rescale its channels.

    With non-negative images and ReLUs, F, E and D then start close to passing the image straight through
    (the kernel-3 branch and head carry it; the other branches add only the small noise), so reconstruction
    is learned in minutes instead of the hundreds of epochs a random start needs in these deep stacks without
    skip connections or batch norm. Kernel-4 layers put the tap at 1 (padding 1) or 2 (padding 2), so the pair
    keeps pixels in place. ``Module.apply`` visits a gate's convolutions before the gate itself, so the
    gate's own setting is the one that stays.
    """
    if isinstance(module, SqueezeExcitation):
        with torch.no_grad():
            module.gate[3].weight.zero_()
            module.gate[3].bias.fill_(OPEN_GATE_BIAS)
        return
    if not isinstance(module, nn.Conv2d):
        return
    out_channels, in_channels, kernel, _ = module.weight.shape
    fan_in = in_channels * kernel * kernel
    with torch.no_grad():
        noise = torch.randn(module.weight.shape, generator=generator) * (0.01 * (2 / fan_in) ** 0.5)
        module.weight.copy_(noise)
        tap = module.padding[0]
        for channel in range(min(out_channels, in_channels)):
            module.weight[channel, channel, tap, tap] += 1.0
        module.bias.zero_()


def check_lambda(value: float) -> float:
    """λ of eqs. (5) and (9) must lie strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"lam must be a number in (0, 1), got {type(value).__name__}")
    if not 0 < value < 1:
        raise ValueError(f"lam must lie in (0, 1), got {value!r}")
    return float(value)


def mix(encoded: torch.Tensor, noise: torch.Tensor, lam: float) -> torch.Tensor:
    """Eq. (5): ``x' = (1 − λ)·u_en + λ·n_adv``."""
    return (1 - lam) * encoded + lam * noise


def unmix(ciphertext: torch.Tensor, noise: torch.Tensor, lam: float) -> torch.Tensor:
    """Eq. (9): ``u'_en = (x'_q − λ·n_adv)/(1 − λ)``, the exact inverse of :func:`mix` (no rounding)."""
    return (ciphertext - lam * noise) / (1 - lam)


def quantize(
    images: torch.Tensor, *, training: bool, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Eq. (6): the 8-bit channel between the data provider and the cloud.

    ``training=True``: ``clip(255·x + u, 0, 255)/255`` with ``u ~ U[−0.5, 0.5]`` (differentiable, the noise
    stands in for rounding); ``training=False``: ``clip(round(255·x), 0, 255)/255``, values on the 8-bit grid.
    """
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise TypeError("images must be a floating-point torch.Tensor")
    scaled = 255 * images
    if training:
        noise = torch.rand(images.shape, generator=generator, device=images.device, dtype=images.dtype) - 0.5
        return (scaled + noise).clamp(0, 255) / 255
    return scaled.round().clamp(0, 255) / 255


class RicCodec(nn.Module):
    """F, E and D with symmetric residual learning (SRL) and quantisation: the trainable part of RIC.

    Args:
        width: channels per branch (the paper: 50; smaller for CPU profiles).
        lam: λ of eqs. (5) and (9) (the paper: 0.8).
        variant: ``"nae_srl"`` (RIC), ``"rni_srl"`` or ``"nae_no_srl"`` (Table 4 ablations).
        channels: image channels (3; 1 for grey images).
        initialisation: ``"pytorch"`` (PyTorch's default, as the release) or ``"identity"`` (ours: every
            convolution starts near the identity and every squeeze-excitation gate open — see
            :func:`_identity_initialisation`).
        seed: seeds the ``identity`` initialisation's noise (``pytorch`` follows ``torch.manual_seed``).

    The classifier C is not part of this module: it stays frozen outside.
    """

    def __init__(
        self,
        width: int = PAPER_WIDTH,
        lam: float = PAPER_LAMBDA,
        variant: str = "nae_srl",
        channels: int = 3,
        initialisation: str = "pytorch",
        seed: int = 0,
    ) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        if initialisation not in INITIALISATIONS:
            raise ValueError(f"initialisation must be one of {INITIALISATIONS}, got {initialisation!r}")
        self.lam = check_lambda(lam)
        self.variant = variant
        self.channels = channels
        self.feature_extractor = FeatureExtractor(width, channels)
        self.encoder = ImageHead(3 * width + channels, width, channels)
        self.decoder = ImageHead(2 * channels if variant == "nae_no_srl" else channels, width, channels)
        if initialisation == "identity":
            generator = torch.Generator().manual_seed(seed)
            self.apply(lambda module: _identity_initialisation(module, generator))

    def _check(self, images: torch.Tensor, noise: torch.Tensor) -> None:
        for name, tensor in (("images", images), ("noise", noise)):
            check_float_images(tensor, name)
            if tensor.ndim != 4 or tensor.shape[1] != self.channels:
                raise ValueError(
                    f"{name} must have shape (N, {self.channels}, H, W), got {tuple(tensor.shape)}"
                )
        if images.shape != noise.shape:
            raise ValueError(
                f"images {tuple(images.shape)} and noise {tuple(noise.shape)} must have one shape"
            )

    def encoder_output(self, images: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``u_en = E(concat(F(x), n_adv))``, what eq. (5) mixes with the noise."""
        self._check(images, noise)
        return self.encoder(torch.cat([self.feature_extractor(images), noise], 1))

    def encode(self, images: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``x'`` before quantisation: eq. (5) (or ``u_en`` alone for ``nae_no_srl``).

        ``noise`` is ``n_adv`` (the RNI ``n`` for the ``rni_srl`` ablation), in [0, 1].
        """
        encoded = self.encoder_output(images, noise)
        return encoded if self.variant == "nae_no_srl" else mix(encoded, noise, self.lam)

    def decode(self, ciphertext: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """D on eq. (9)'s ``u'_en`` (or on ``concat(x'_q, n_adv)`` for ``nae_no_srl``); clamped at eval."""
        if self.variant == "nae_no_srl":
            inputs = torch.cat([ciphertext, noise], 1)
        else:
            inputs = unmix(ciphertext, noise, self.lam)
        decoded = self.decoder(inputs)
        return decoded if self.training else decoded.clamp(0, 1)

    def forward(
        self, images: torch.Tensor, noise: torch.Tensor, *, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x'_q, x̃)``: the quantised ciphertext (noise-quantised in training, 8-bit at eval) and the
        decoded image."""
        ciphertext = quantize(self.encode(images, noise), training=self.training, generator=generator)
        return ciphertext, self.decode(ciphertext, noise)


class IdentityCodec(RicCodec):
    """The baseline that does nothing clever: ``u_en = x`` (no F, no E) and D = eq. (9)'s unmix, clamped.

    Its ciphertext is ``(1 − λ)·x + λ·n_adv``, quantised to 8 bits; decoding divides the rounding error by
    ``1 − λ``, so its PSNR is what the 8-bit channel alone allows at this λ. A trained codec must beat it to
    show that F, E and D add anything to recovery. It has no parameters and is evaluated by the very code
    that evaluates :class:`RicCodec` (it is one, with the networks left out).
    """

    def __init__(self, lam: float = PAPER_LAMBDA, channels: int = 3) -> None:
        nn.Module.__init__(self)
        self.lam = check_lambda(lam)
        self.variant = "nae_srl"
        self.channels = check_int(channels, "channels", minimum=1)

    def encoder_output(self, images: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``u_en = x``."""
        self._check(images, noise)
        return images

    def decode(self, ciphertext: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Eq. (9)'s ``u'_en``, clamped to [0, 1] at eval (there is no D to learn anything else)."""
        decoded = unmix(ciphertext, noise, self.lam)
        return decoded if self.training else decoded.clamp(0, 1)
