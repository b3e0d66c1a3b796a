"""Noise-like adversarial examples (NAE): RIC's key-seeded, targeted adversarial noise (eqs. 1–4).

RIC (Liu et al.) hides an image inside noise that the cloud's frozen classifier C still labels correctly.
That noise is grown from the secret key:

- eq. (1): the random noisy image (RNI) ``n = PRNG(k) ~ U[0, 1]^d``;
- eq. (2): ``n_adv = n + Δ``, with eq. (4)'s ``Δ = Φ(n)``, a targeted attack on C toward class ``y``;
- eq. (3): Φ minimises the margin loss ``max(max_{i≠y} Z_i − Z_y, −g1)`` (``Z`` = logits, g1 = 5), which
  stops pushing once the target leads by ``g1``.

The released implementation optimises in tanh space, ``n_adv = (tanh w + 1)/2`` from
``w₀ = atanh(2·clamp(n, ε, 1−ε) − 1)``, with Adam (lr 0.01) on the cost ``c · Σ margin`` (c = 10) for
100 (SVHN) or 150 (CIFAR-10) steps, so every NAE lies in [0, 1] by construction. Two modes choose *which
iterate* is returned:

- ``clean`` (ours): all steps run; the returned iterate is the first with the lowest (clipped) margin among
  those C classifies as the target — once the floor −g1 is reached, the smallest change of the RNI;
- ``faithful``: the release's rules — keep the **farthest** (largest L2 change) successful iterate, and stop a
  sample early when its cost has risen since the previous check, made every ``steps / 10`` steps.

Seeding (:data:`SEED_MODES`): ``per_key_class`` — one RNI per (key, class), the course's protocol, so the NAE
is a function of the key and the label alone; ``per_key`` — one RNI per key, grown toward each class (the
paper's eqs. 1 and 8 read literally: the RNI depends on the key only, the class enters through C);
``per_image`` — the RNI also depends on an image id (the released training code draws fresh noise per
image).

Determinism: the RNI is drawn on the CPU from a generator seeded by :meth:`SecretKey.derive_seed`, the
optimisation runs in float32 (no autocast) with deterministic cuDNN kernels, and a key's ten class NAEs are
always grown as one batch — so regenerating gives a bit-identical result on the same machine and thread
count. Other thread counts or devices can differ in the last bits (notebook 04 measures by how much).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
from torch import nn

from helpers.checkpoints import CacheOutcome, code_fingerprint, state_fingerprint, tensors_or_compute
from helpers.images import check_float_images
from helpers.keys import SecretKey
from helpers.validation import check_finite_number, check_int

NAE_MODES = ("clean", "faithful")
SEED_MODES = ("per_key_class", "per_key", "per_image")
# Step counts of the authors' released code (the paper states none). MNIST is ours (the paper grows no MNIST
# NAE): a digit classifier needs a larger change of the noise — with a trained MNIST CNN the last classes are
# reached after about 130 steps and the g1 floor after about 270.
PAPER_STEPS = {"cifar10": 150, "svhn": 100, "mnist": 300}
_RNI_PURPOSE = {"per_key_class": "rni/class", "per_key": "rni/key", "per_image": "rni/image"}


@dataclass(frozen=True)
class NaeSettings:
    """How an NAE is grown (defaults: the released implementation's, with CIFAR-10's 150 steps).

    Attributes:
        steps: Adam steps (≥ 1).
        g1: margin floor of eq. (3) (≥ 0); the paper uses 5.
        learning_rate: Adam's step size in tanh space.
        c: weight of the margin term in the cost ``c · Σ margin``.
        mode: ``"clean"`` or ``"faithful"`` (see the module docstring).
        clamp: the RNI is clamped to ``[clamp, 1 − clamp]`` before ``atanh``.
    """

    steps: int = 150
    g1: float = 5.0
    learning_rate: float = 0.01
    c: float = 10.0
    mode: str = "clean"
    clamp: float = 1e-6

    def __post_init__(self) -> None:
        check_int(self.steps, "steps", minimum=1)
        for name in ("g1", "learning_rate", "c", "clamp"):
            check_finite_number(getattr(self, name), name)
        if not self.g1 >= 0:
            raise ValueError(f"g1 must be >= 0, got {self.g1!r}")
        if not self.learning_rate > 0 or not self.c > 0:
            raise ValueError("learning_rate and c must be positive")
        if not 0 < self.clamp < 0.5:
            raise ValueError(f"clamp must lie in (0, 0.5), got {self.clamp!r}")
        if self.mode not in NAE_MODES:
            raise ValueError(f"mode must be one of {NAE_MODES}, got {self.mode!r}")

    @classmethod
    def for_dataset(cls, dataset: str, steps: int | None = None, **overrides: object) -> NaeSettings:
        """The paper's settings (g1 = 5) with the released code's step count for ``dataset`` (the paper gives
        none), unless ``steps`` is given."""
        if dataset not in PAPER_STEPS:
            raise ValueError(f"dataset must be one of {sorted(PAPER_STEPS)}, got {dataset!r}")
        return cls(steps=PAPER_STEPS[dataset] if steps is None else steps, **overrides)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def random_noisy_images(
    key: SecretKey, shape: Sequence[int], indices: Sequence[int], seed_mode: str = "per_key_class"
) -> torch.Tensor:
    """Eq. (1): one RNI ``U[0, 1)^shape`` per index (a class for ``per_key_class``, an image id for
    ``per_image``), each from its own generator seeded by ``key`` — float32, on the CPU. ``per_key`` ignores
    the index: every row is the key's one RNI."""
    if not isinstance(key, SecretKey):
        raise TypeError(f"key must be a SecretKey, got {type(key).__name__}")
    if seed_mode not in SEED_MODES:
        raise ValueError(f"seed_mode must be one of {SEED_MODES}, got {seed_mode!r}")
    shape = tuple(shape)
    if len(shape) != 3 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(f"shape must be (C, H, W) with positive ints, got {shape}")
    purpose = _RNI_PURPOSE[seed_mode]
    if seed_mode == "per_key":
        return torch.rand(shape, generator=key.generator(purpose, 0)).expand(len(indices), *shape).clone()
    return torch.stack([torch.rand(shape, generator=key.generator(purpose, int(i))) for i in indices])


def target_margin(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """``max_{i≠y} Z_i − Z_y`` per sample: negative exactly when the target class wins."""
    target_logit = logits.gather(1, targets[:, None]).squeeze(1)
    others = logits.scatter(1, targets[:, None], float("-inf"))
    return others.amax(1) - target_logit


def margin_loss(logits: torch.Tensor, targets: torch.Tensor, g1: float) -> torch.Tensor:
    """Eq. (3)'s margin loss, ``max(max_{i≠y} Z_i − Z_y, −g1)`` per sample."""
    return target_margin(logits, targets).clamp_min(-g1)


@dataclass
class NaeResult:
    """NAEs and how they were found (all tensors on the classifier's device, batch first).

    Attributes:
        naes: the NAEs, float32 in [0, 1].
        rnis: the RNIs they were grown from.
        targets: the target classes.
        success: C classifies the NAE as its target.
        margin: ``max_{i≠y} Z_i − Z_y`` of the returned NAE (negative = success; about −g1 when it converged).
        chosen_step: the iterate returned (−1: none succeeded; the last evaluated iterate is returned).
        steps_run: steps taken (fewer than ``steps`` where ``faithful`` stopped early).
        margin_trace: ``(steps + 1, N)`` margins along the optimisation (only with ``trace=True``).
        prediction_trace: ``(steps + 1, N)`` predicted classes along the optimisation (idem).
    """

    naes: torch.Tensor
    rnis: torch.Tensor
    targets: torch.Tensor
    success: torch.Tensor
    margin: torch.Tensor
    chosen_step: torch.Tensor
    steps_run: torch.Tensor
    margin_trace: torch.Tensor | None = None
    prediction_trace: torch.Tensor | None = None

    @property
    def success_rate(self) -> float:
        return self.success.float().mean().item()

    @classmethod
    def concatenate(cls, parts: Sequence[NaeResult]) -> NaeResult:
        """Join results of consecutive batches (traces are dropped)."""
        joined = {
            f.name: torch.cat([getattr(part, f.name) for part in parts])
            for f in fields(cls)
            if not f.name.endswith("_trace")
        }
        return cls(**joined)


@contextmanager
def _deterministic_kernels(device: torch.device) -> Iterator[None]:
    if device.type != "cuda":
        yield
        return
    saved = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = saved


def _check_targets(targets: object, count: int) -> torch.Tensor:
    if not isinstance(targets, torch.Tensor) or targets.dtype != torch.int64 or targets.ndim != 1:
        raise TypeError("targets must be a 1-D torch.int64 tensor of class indices")
    if len(targets) != count:
        raise ValueError(f"targets has {len(targets)} entries for {count} RNIs")
    return targets


def grow_naes(
    classifier: nn.Module,
    rnis: torch.Tensor,
    targets: torch.Tensor,
    settings: NaeSettings,
    *,
    trace: bool = False,
) -> NaeResult:
    """Eqs. (2)–(4): grow one NAE per RNI toward its target class, all in one batch.

    Args:
        classifier: the frozen C, taking ``[0, 1]`` images (eval mode is set here; weights are not changed).
        rnis: ``(N, C, H, W)`` float images in ``[0, 1]`` (moved to the classifier's device).
        targets: ``(N,)`` int64 target classes.
        settings: steps, g1, Adam, mode.
        trace: also record margins and predictions at every step.
    """
    if not isinstance(settings, NaeSettings):
        raise TypeError(f"settings must be NaeSettings, got {type(settings).__name__}")
    rnis = check_float_images(rnis, "rnis")
    if rnis.ndim != 4:
        raise ValueError(f"rnis must be a batch (N, C, H, W), got shape {tuple(rnis.shape)}")
    targets = _check_targets(targets, len(rnis))
    classifier.eval()
    device = next(classifier.parameters()).device
    start = rnis.to(device, torch.float32).clamp(settings.clamp, 1 - settings.clamp)
    targets = targets.to(device)
    count = len(targets)
    w = torch.atanh(2 * start - 1).requires_grad_(True)
    optimizer = torch.optim.Adam([w], lr=settings.learning_rate)
    faithful = settings.mode == "faithful"
    chosen = start.clone()
    chosen_score = torch.full((count,), float("inf"), device=device)
    chosen_step = torch.full((count,), -1, dtype=torch.long, device=device)
    active = torch.ones(count, dtype=torch.bool, device=device)
    steps_run = torch.full((count,), settings.steps, dtype=torch.long, device=device)
    previous_cost = torch.full((count,), float("inf"), device=device)
    check_every = max(1, settings.steps // 10)
    margins, predictions = [], []
    with torch.enable_grad(), _deterministic_kernels(device):  # also when called under no_grad
        for step in range(settings.steps + 1):
            images = (torch.tanh(w) + 1) / 2
            logits = classifier(images).float()
            if step == 0 and (int(targets.max()) >= logits.shape[1] or int(targets.min()) < 0):
                raise ValueError(f"target classes must lie in [0, {logits.shape[1]}), got {targets.tolist()}")
            clipped = margin_loss(logits, targets, settings.g1)
            with torch.no_grad():
                hit = active & (logits.argmax(1) == targets)
                # clean: the lowest clipped margin; faithful: the largest change from the RNI (negated)
                score = -(images - start).flatten(1).norm(dim=1) if faithful else clipped
                better = hit & (score < chosen_score)
                chosen[better] = images[better]
                chosen_score[better] = score[better]
                chosen_step[better] = step
                if trace:
                    margins.append(target_margin(logits, targets))
                    predictions.append(logits.argmax(1))
                if faithful and step % check_every == 0:
                    rose = active & (settings.c * clipped > previous_cost)
                    steps_run[rose] = step
                    active &= ~rose
                    previous_cost = torch.where(active, settings.c * clipped, previous_cost)
            if step == settings.steps or not active.any():
                break
            (gradient,) = torch.autograd.grad(settings.c * clipped.sum(), w)
            w.grad = gradient
            optimizer.step()
        with torch.no_grad():
            failed = chosen_step < 0
            chosen[failed] = images.detach()[failed]
            final_logits = classifier(chosen).float()
    return NaeResult(
        naes=chosen,
        rnis=start,
        targets=targets,
        success=final_logits.argmax(1) == targets,
        margin=target_margin(final_logits, targets),
        chosen_step=chosen_step,
        steps_run=steps_run,
        margin_trace=torch.stack(margins) if trace else None,
        prediction_trace=torch.stack(predictions) if trace else None,
    )


def class_naes(
    classifier: nn.Module,
    key: SecretKey,
    shape: Sequence[int],
    num_classes: int,
    settings: NaeSettings,
    *,
    trace: bool = False,
    seed_mode: str = "per_key_class",
) -> NaeResult:
    """One key's NAEs, one per class, grown together as one batch: from one RNI per class
    (``per_key_class``, the protocol's) or from the key's one RNI (``per_key``)."""
    check_int(num_classes, "num_classes", minimum=2)
    if seed_mode not in ("per_key_class", "per_key"):
        raise ValueError(f"seed_mode must be 'per_key_class' or 'per_key', got {seed_mode!r}")
    rnis = random_noisy_images(key, shape, range(num_classes), seed_mode)
    return grow_naes(classifier, rnis, torch.arange(num_classes), settings, trace=trace)


def image_naes(
    classifier: nn.Module,
    key: SecretKey,
    image_ids: torch.Tensor,
    targets: torch.Tensor,
    shape: Sequence[int],
    settings: NaeSettings,
    *,
    batch_size: int = 256,
) -> NaeResult:
    """The ``per_image`` NAEs: image ``i`` gets the RNI of ``(key, image_ids[i])`` grown toward
    ``targets[i]``, in batches of ``batch_size`` (keep it fixed to regenerate bit-identically)."""
    if not isinstance(image_ids, torch.Tensor) or image_ids.dtype != torch.int64 or image_ids.ndim != 1:
        raise TypeError("image_ids must be a 1-D torch.int64 tensor")
    if len(image_ids) and int(image_ids.min()) < 0:
        raise ValueError("image_ids must be non-negative")
    _check_targets(targets, len(image_ids))
    check_int(batch_size, "batch_size", minimum=1)
    parts = []
    for ids, batch_targets in zip(image_ids.split(batch_size), targets.split(batch_size), strict=True):
        rnis = random_noisy_images(key, shape, ids.tolist(), "per_image")
        parts.append(grow_naes(classifier, rnis, batch_targets, settings))
    return NaeResult.concatenate(parts)


def cached_class_naes(
    classifier: nn.Module,
    key: SecretKey,
    shape: Sequence[int],
    num_classes: int,
    settings: NaeSettings,
    *,
    cache_dir: Path | None = None,
    quiet: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, CacheOutcome]:
    """:func:`class_naes`, cached: returns ``(naes, success, outcome)`` on the classifier's device.

    The cache file is named and checked by the key's **fingerprint**, the classifier's weights hash, the
    settings, the shape, the number of classes, the device type and the code that grows them — never by the
    key itself, which is not stored anywhere.
    """
    device = next(classifier.parameters()).device
    config = {
        "key_fingerprint": key.fingerprint(),
        "key_bits": key.bits,
        "seed_mode": "per_key_class",
        "classifier": state_fingerprint(classifier),
        "settings": settings.to_dict(),
        "shape": list(shape),
        "num_classes": num_classes,
        "device_type": device.type,
        "code": code_fingerprint(class_naes),
    }

    def compute() -> dict[str, torch.Tensor]:
        result = class_naes(classifier, key, shape, num_classes, settings)
        return {"naes": result.naes, "success": result.success}

    tensors, outcome = tensors_or_compute(
        "naes", config, compute, cache_dir=cache_dir, subfolder="nae", quiet=quiet
    )
    return tensors["naes"].to(device), tensors["success"].to(device), outcome
