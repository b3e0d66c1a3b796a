"""Attacks on RIC: brute-force key search, the known-plaintext U-Net, the NAE-averaging leak, and the
honest-but-curious cloud's generative attack (the paper's Section 6; the course's own analyses).

The RIC authors released no code for these attacks: everything here is implemented from the paper's text
and is **not reference-checked**.

- **Brute force** (Sec. 6.1, Fig. 8): decode the ciphertexts with guessed keys; each guess costs one NAE
  optimisation. :func:`theorem_6_1_log10_bound` is Theorem 6.1's bound ``((2m + 1)/256)^d`` in log10.
  :func:`search_key_space` runs a real search in a deliberately tiny key space, ranking guesses by a
  plausibility score that needs no plaintext (:func:`smoothness_score`).
- **Known plaintext** (Sec. 6.3, eq. 17): a small U-Net ``M`` trained on pairs ``(x'_q, x̃)`` to minimise
  ``mean ‖M(x'_q) − x̃‖²``.
- **NAE-averaging leak** (ours): with one NAE per (key, class), every ciphertext of class ``y`` is
  ``(1 − λ)·u_en + λ·n_y`` — averaging many of them estimates ``n_y`` without the key, and subtracting it
  reveals ``u_en`` (the encoder's output, which looks like ``x`` only if the codec keeps it so).
  :func:`nae_averaging_leak` measures it for one way of drawing NAEs, beside the mean-image baseline.
- **Cloud attack** (Sec. 6.2, eqs. 25–26): an encoder Ê and a generator G trained on ciphertexts so that
  C labels G(Ê(x'_q)) as it labelled x'_q, the output looks real to a discriminator, and the latents vary.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from helpers import metrics
from helpers.images import check_float_images, check_uint8_images, to_float
from helpers.keys import SecretKey
from helpers.nae import grow_naes, random_noisy_images
from helpers.ric import RicCodec
from helpers.ric_protocol import RicProtocol
from helpers.ric_training import RicSetup, RicSetupSettings, RicTrainingConfig, prepare
from helpers.training import fit
from helpers.validation import check_int


def theorem_6_1_log10_bound(dimensions: int, m: int) -> float:
    """log10 of Theorem 6.1's bound ``((2m + 1)/256)^d``: the probability that a wrong key decodes every one
    of ``d`` pixels to within ``m`` grey levels of the right decoding."""
    check_int(dimensions, "dimensions", minimum=1)
    check_int(m, "m", minimum=0, maximum=127)
    return dimensions * math.log10((2 * m + 1) / 256)


def smoothness_score(images: torch.Tensor) -> torch.Tensor:
    """A plausibility score that needs no plaintext: minus the mean absolute difference between neighbouring
    pixels, per image. Natural images are smooth; a decoding with a wrong key is noise."""
    images = check_float_images(images)
    horizontal = (images[..., :, 1:] - images[..., :, :-1]).abs().flatten(1).mean(1)
    vertical = (images[..., 1:, :] - images[..., :-1, :]).abs().flatten(1).mean(1)
    return -(horizontal + vertical) / 2


@dataclass
class KeySearch:
    """A search of a key space for one ciphertext: the best-scoring guess and what it cost."""

    candidates: int
    best_index: int
    scores: torch.Tensor
    seconds: float


@torch.no_grad()
def search_key_space(
    protocol: RicProtocol,
    ciphertext: torch.Tensor,
    label: int,
    candidates: Sequence[SecretKey],
    *,
    batch_size: int = 256,
) -> KeySearch:
    """Try every candidate key on one ciphertext: grow each candidate's NAE for the returned ``label`` (a
    batch of candidates at a time), decode, and score the decoding with :func:`smoothness_score`."""
    ciphertext = check_uint8_images(ciphertext, "ciphertext")
    if ciphertext.ndim != 3:
        raise ValueError(f"ciphertext must be one image (C, H, W), got shape {tuple(ciphertext.shape)}")
    shape = tuple(ciphertext.shape)
    device = protocol.device
    start = time.perf_counter()
    scores = []
    for offset in range(0, len(candidates), batch_size):
        chunk = candidates[offset : offset + batch_size]
        rnis = torch.cat([random_noisy_images(key, shape, [label]) for key in chunk])
        targets = torch.full((len(chunk),), label, dtype=torch.long)
        naes = (
            rnis
            if protocol.codec.variant == "rni_srl"
            else grow_naes(protocol.classifier, rnis, targets, protocol.nae_settings).naes
        )
        repeated = to_float(ciphertext.to(device)).expand(len(chunk), -1, -1, -1)
        protocol.codec.eval()
        scores.append(smoothness_score(protocol.codec.decode(repeated, naes.to(device))).cpu())
    all_scores = torch.cat(scores)
    return KeySearch(len(candidates), int(all_scores.argmax()), all_scores, time.perf_counter() - start)


def seconds_to_exhaust(seconds_per_guess: float, bits: int) -> float:
    """Seconds to try all ``2^bits`` keys at ``seconds_per_guess`` each (on one machine like this one)."""
    if not seconds_per_guess > 0:
        raise ValueError(f"seconds_per_guess must be positive, got {seconds_per_guess!r}")
    check_int(bits, "bits", minimum=0)
    return seconds_per_guess * 2.0**bits


class UNet(nn.Module):
    """A small two-level U-Net for the known-plaintext attack (eq. 17): ciphertext → plaintext estimate."""

    def __init__(self, channels: int = 3, width: int = 32) -> None:
        super().__init__()

        def block(inputs: int, outputs: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(inputs, outputs, 3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(outputs, outputs, 3, padding=1),
                nn.ReLU(inplace=True),
            )

        self.down1 = block(channels, width)
        self.down2 = block(width, 2 * width)
        self.bottom = block(2 * width, 4 * width)
        self.up2 = nn.ConvTranspose2d(4 * width, 2 * width, 2, stride=2)
        self.merge2 = block(4 * width, 2 * width)
        self.up1 = nn.ConvTranspose2d(2 * width, width, 2, stride=2)
        self.merge1 = block(2 * width, width)
        self.out = nn.Conv2d(width, channels, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        size = images.shape[-2:]
        padded = F.pad(images, (0, -size[1] % 4, 0, -size[0] % 4))  # two halvings need a multiple of 4
        first = self.down1(padded)
        second = self.down2(F.max_pool2d(first, 2))
        bottom = self.bottom(F.max_pool2d(second, 2))
        second = self.merge2(torch.cat([self.up2(bottom), second], 1))
        first = self.merge1(torch.cat([self.up1(second), first], 1))
        return torch.sigmoid(self.out(first))[..., : size[0], : size[1]]


@dataclass
class AttackTraining:
    """Losses per epoch and wall time of an attacker's training run."""

    loss: list[float]
    seconds: float


def train_known_plaintext(
    ciphertexts: torch.Tensor,
    targets: torch.Tensor,
    *,
    epochs: int,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    width: int = 32,
    seed: int = 0,
) -> tuple[UNet, AttackTraining]:
    """Eq. (17): fit a U-Net ``M`` to ``mean ‖M(x'_q) − x̃‖²`` on the attacker's pairs (float images)."""
    ciphertexts = check_float_images(ciphertexts, "ciphertexts")
    targets = check_float_images(targets, "targets")
    if ciphertexts.shape != targets.shape or ciphertexts.ndim != 4:
        raise ValueError("ciphertexts and targets must be batches (N, C, H, W) of one shape")
    torch.manual_seed(seed)
    device = ciphertexts.device
    model = UNet(ciphertexts.shape[1], width).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

    def step(batch: torch.Tensor) -> torch.Tensor:
        loss = F.mse_loss(model(ciphertexts[batch]), targets[batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach()[None]

    curves = fit(
        step,
        len(ciphertexts),
        epochs=epochs,
        batch_size=batch_size,
        generator=torch.Generator(device=device).manual_seed(seed),
        metrics=("loss",),
        models=(model,),
        average="batches",
        report="none",
    )
    return model, AttackTraining(curves.train["loss"], sum(curves.epoch_seconds))


def estimate_class_noise(ciphertexts: torch.Tensor, lam: float, mean_image: torch.Tensor) -> torch.Tensor:
    """The NAE-averaging leak (ours): ``n̂_y = (mean(x'_q) − (1 − λ)·m̂)/λ`` from ciphertexts of one class,
    with ``m̂`` the attacker's guess of the mean encoder output (e.g. the mean of public images)."""
    ciphertexts = check_float_images(ciphertexts, "ciphertexts")
    if ciphertexts.ndim != 4 or mean_image.shape != ciphertexts.shape[1:]:
        raise ValueError("ciphertexts must be (N, C, H, W) and mean_image (C, H, W)")
    return ((ciphertexts.mean(0) - (1 - lam) * mean_image) / lam).clamp(0, 1)


def subtract_estimated_noise(ciphertexts: torch.Tensor, noise: torch.Tensor, lam: float) -> torch.Tensor:
    """Eq. (9) with the estimated noise: what the attacker reads without the key (clamped to [0, 1])."""
    return ((check_float_images(ciphertexts, "ciphertexts") - lam * noise) / (1 - lam)).clamp(0, 1)


@torch.no_grad()
def victim_stream(
    codec: RicCodec, images: torch.Tensor, noise: torch.Tensor, *, batch_size: int = 500
) -> tuple[torch.Tensor, torch.Tensor]:
    """What the cloud sees of a victim's images, and the truth behind it: ``(x'_q, u_en)`` for uint8
    ``images`` each mixed with its own row of ``noise`` (float, on the codec's device), in batches."""
    plain = to_float(check_uint8_images(images))
    if not isinstance(noise, torch.Tensor) or noise.shape != plain.shape:
        raise ValueError(f"noise must have the images' shape {tuple(plain.shape)}")
    codec.eval()
    ciphertexts, encoder_outputs = [], []
    for batch, batch_noise in zip(plain.split(batch_size), noise.split(batch_size), strict=True):
        ciphertexts.append(codec(batch, batch_noise)[0])
        encoder_outputs.append(codec.encoder_output(batch, batch_noise))
    return torch.cat(ciphertexts), torch.cat(encoder_outputs)


@dataclass(frozen=True)
class LeakRow:
    """The NAE-averaging leak for one NAE mode and one K (means over the groups that have K ciphertexts).

    Attributes:
        nae_mode: how the victim's NAEs were drawn (``per_key``, ``per_key_class`` or ``per_image``).
        n_ciphertexts: K, how many ciphertexts of one group are averaged.
        groups: how many groups (classes, or 1 when all ciphertexts are pooled) had K ciphertexts.
        nae_estimate_psnr_db: PSNR of the estimate against each averaged ciphertext's true noise.
        revealed_psnr_db: PSNR of the revealed image ``û`` against the plaintext ``x``.
        encoder_output_psnr_db: PSNR of ``u_en`` against ``x``: what the leak reveals at best (``û`` estimates
            ``u_en``, not ``x``).
        mean_image_psnr_db: PSNR of the public mean image against ``x``: guessing with no ciphertext at all.
    """

    nae_mode: str
    n_ciphertexts: int
    groups: int
    nae_estimate_psnr_db: float
    revealed_psnr_db: float
    encoder_output_psnr_db: float
    mean_image_psnr_db: float


def nae_averaging_leak(
    nae_mode: str,
    k: int,
    *,
    ciphertexts: torch.Tensor,
    groups: torch.Tensor,
    plaintexts: torch.Tensor,
    noise: torch.Tensor,
    encoder_outputs: torch.Tensor,
    public_mean: torch.Tensor,
    lam: float,
) -> LeakRow | None:
    """Average the first ``k`` ciphertexts of every group, estimate the noise (:func:`estimate_class_noise`),
    subtract it (:func:`subtract_estimated_noise`) and score everything against the truth.

    Args:
        nae_mode: recorded in the row.
        k: ciphertexts averaged per group.
        ciphertexts: the cloud's view, float ``(N, C, H, W)`` in [0, 1].
        groups: ``(N,)`` int64: which ciphertexts the attacker pools (the returned label, or all zeros when
            the NAE does not depend on the class).
        plaintexts, noise, encoder_outputs: the truth per ciphertext (``x``, the NAE used, ``u_en``), never
            seen by the attacker.
        public_mean: the attacker's ``m̂``, ``(C, H, W)``.
        lam: λ of eq. (5).

    Returns ``None`` when no group has ``k`` ciphertexts.
    """
    check_int(k, "k", minimum=1)
    for name, tensor in (("plaintexts", plaintexts), ("noise", noise), ("encoder_outputs", encoder_outputs)):
        if tensor.shape != ciphertexts.shape:
            raise ValueError(f"{name} must have the ciphertexts' shape {tuple(ciphertexts.shape)}")
    if not isinstance(groups, torch.Tensor) or groups.shape != ciphertexts.shape[:1]:
        raise ValueError("groups must be a 1-D tensor with one entry per ciphertext")
    rows = []
    for group in groups.unique():
        members = (groups == group).nonzero().squeeze(1)[:k]
        if len(members) < k:
            continue
        truth = check_float_images(plaintexts[members], "plaintexts")
        estimate = estimate_class_noise(ciphertexts[members], lam, public_mean)
        revealed = subtract_estimated_noise(ciphertexts[members], estimate, lam)
        rows.append(
            [
                metrics.psnr_per_image(noise[members], estimate.expand_as(truth)).mean().item(),
                metrics.psnr_per_image(truth, revealed).mean().item(),
                metrics.psnr_per_image(truth, encoder_outputs[members].clamp(0, 1)).mean().item(),
                metrics.psnr_per_image(truth, public_mean.expand_as(truth)).mean().item(),
            ]
        )
    if not rows:
        return None
    means = torch.tensor(rows).mean(0).tolist()
    return LeakRow(nae_mode, k, len(rows), *means)


def _downsampling_features(channels: int, width: int) -> nn.Sequential:
    """Two stride-2 convolutions (``width``, ``2·width`` channels) with leaky ReLUs, flattened."""
    return nn.Sequential(
        nn.Conv2d(channels, width, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
    )


class LatentEncoder(nn.Module):
    """Ê: ciphertext → latent ``w`` in (−1, 1) (two stride-2 convolutions, a linear layer and tanh).

    The tanh is ours: eq. (26) rewards latent variance, which is unbounded for a free linear output (training
    diverges); StyleALAE's latents, which the paper uses, are normalised too.
    """

    def __init__(self, channels: int, size: tuple[int, int], latent: int = 64, width: int = 32) -> None:
        super().__init__()
        self.features = _downsampling_features(channels, width)
        self.to_latent = nn.Linear(2 * width * (size[0] // 4) * (size[1] // 4), latent)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.to_latent(self.features(images)))


class Generator(nn.Module):
    """G: latent ``w`` → image in [0, 1] (a linear layer and two ×2 upsampling convolutions)."""

    def __init__(self, channels: int, size: tuple[int, int], latent: int = 64, width: int = 32) -> None:
        super().__init__()
        self.size = size
        self.start = (2 * width, math.ceil(size[0] / 4), math.ceil(size[1] / 4))
        self.from_latent = nn.Linear(latent, math.prod(self.start))
        self.body = nn.Sequential(
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1),
            nn.Sigmoid(),
        )

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        images = self.body(self.from_latent(latent).view(-1, *self.start))
        return images[..., : self.size[0], : self.size[1]]


class Discriminator(nn.Module):
    """D_disc: image → logit of "real" (ours: trained on public real images, as no pretrained StyleALAE
    discriminator can be downloaded here)."""

    def __init__(self, channels: int, size: tuple[int, int], width: int = 32) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _downsampling_features(channels, width), nn.Linear(2 * width * (size[0] // 4) * (size[1] // 4), 1)
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images).squeeze(1)


def cloud_attack_loss(
    classifier_logits: torch.Tensor,
    cloud_labels: torch.Tensor,
    discriminator_logits: torch.Tensor,
    latents: torch.Tensor,
    *,
    eta1: float,
    eta2: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Eqs. (25)–(26): ``CE(C(x̂), ŷ) − η1·log(1 + exp(D(x̂))) − η2·mean_j Var_batch(w_j)``.

    Returns ``(loss, CE)`` — the cross-entropy alone says whether C labels x̂ as it labelled the ciphertext.
    """
    cross_entropy = F.cross_entropy(classifier_logits, cloud_labels)
    realism = F.softplus(discriminator_logits).mean()
    spread = latents.var(0).mean()
    return cross_entropy - eta1 * realism - eta2 * spread, cross_entropy


@dataclass
class CloudAttack:
    """The curious cloud's trained Ê and G, and its training curves."""

    encoder: LatentEncoder
    generator: Generator
    loss: list[float]
    cross_entropy: list[float]
    discriminator_loss: list[float]
    seconds: float

    @torch.no_grad()
    def reconstruct(self, ciphertexts: torch.Tensor) -> torch.Tensor:
        """x̂ = G(Ê(x'_q)) for float ciphertexts."""
        return self.generator(self.encoder(check_float_images(ciphertexts, "ciphertexts")))


def train_cloud_attack(
    classifier: nn.Module,
    ciphertexts: torch.Tensor,
    public_images: torch.Tensor,
    *,
    eta1: float,
    eta2: float,
    epochs: int,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    latent: int = 64,
    seed: int = 0,
) -> CloudAttack:
    """Train Ê and G on the cloud's ciphertexts (eqs. 25–26), alternating with a discriminator step on
    ``public_images`` (real images of the data set that are *not* the victim's)."""
    ciphertexts = check_float_images(ciphertexts, "ciphertexts")
    public_images = check_float_images(public_images, "public_images")
    if ciphertexts.ndim != 4 or public_images.shape[1:] != ciphertexts.shape[1:]:
        raise ValueError("ciphertexts and public_images must be batches (N, C, H, W) of one image shape")
    for name, value in (("eta1", eta1), ("eta2", eta2)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    torch.manual_seed(seed)
    device = ciphertexts.device
    channels, size = ciphertexts.shape[1], tuple(ciphertexts.shape[-2:])
    encoder = LatentEncoder(channels, size, latent).to(device)
    generator = Generator(channels, size, latent).to(device)
    discriminator = Discriminator(channels, size).to(device)
    attacker_optimizer = torch.optim.Adam([*encoder.parameters(), *generator.parameters()], lr=learning_rate)
    discriminator_optimizer = torch.optim.Adam(discriminator.parameters(), lr=learning_rate)
    classifier.eval().requires_grad_(False)
    with torch.no_grad():
        cloud_labels = torch.cat([classifier(batch).argmax(1) for batch in ciphertexts.split(500)])
    order_generator = torch.Generator(device=device).manual_seed(seed)

    def step(batch: torch.Tensor) -> torch.Tensor:
        real = public_images[
            torch.randint(len(public_images), (len(batch),), generator=order_generator, device=device)
        ]
        latents = encoder(ciphertexts[batch])
        fake = generator(latents)
        real_logits, fake_logits = discriminator(real), discriminator(fake.detach())
        discriminator_loss = F.binary_cross_entropy_with_logits(
            real_logits, torch.ones_like(real_logits)
        ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        discriminator_optimizer.zero_grad(set_to_none=True)
        discriminator_loss.backward()
        discriminator_optimizer.step()
        loss, cross_entropy = cloud_attack_loss(
            classifier(fake), cloud_labels[batch], discriminator(fake), latents, eta1=eta1, eta2=eta2
        )
        attacker_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        attacker_optimizer.step()
        return torch.stack([loss.detach(), cross_entropy.detach(), discriminator_loss.detach()])

    curves = fit(
        step,
        len(ciphertexts),
        epochs=epochs,
        batch_size=batch_size,
        generator=order_generator,
        metrics=("loss", "cross_entropy", "discriminator_loss"),
        models=(encoder, generator, discriminator),
        average="batches",
        report="none",
    )
    return CloudAttack(
        encoder,
        generator,
        curves.train["loss"],
        curves.train["cross_entropy"],
        curves.train["discriminator_loss"],
        sum(curves.epoch_seconds),
    )


def victim_protocol(
    dataset: str,
    settings: RicSetupSettings,
    codec: RicTrainingConfig,
    device: torch.device,
    *,
    seed: int = 0,
    progress: bool = True,
) -> tuple[RicSetup, RicProtocol]:
    """The RIC system notebook 05 trained for ``dataset`` (the same settings, codec configuration and seed →
    the same checkpoint; it is trained here if the cache does not hold it), as the attacked system."""
    setup = prepare(dataset, settings, device, seed=seed, progress=progress)
    trained = setup.train_codec(codec, progress=progress)
    return setup, RicProtocol(trained.codec, setup.cloud.model, setup.nae_settings, setup.num_classes)
