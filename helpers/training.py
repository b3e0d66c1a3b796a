"""Training: the one loop every model of the course is fitted with, and the classifiers trained on it.

:func:`fit` is the loop — epochs of shuffled mini-batches, a per-epoch hook (the learning-rate schedule, a
per-epoch draw), a per-batch ``step`` that does the model's own forward, loss and optimiser step, and an
evaluation after every epoch for the curves. Every training of the course runs on it: the classifiers below,
RIC's codec (:func:`helpers.ric_training.train_codec`) and the two learned attacks on RIC
(:mod:`helpers.ric_attacks`).

One step of a classifier's training, on tensors that never leave the device:

1. take a mini-batch of **plain** uint8 images (the whole training split is resident on the device);
2. augment it — random crop with 4-pixel zero padding and horizontal flip (:func:`augment_batch`);
3. optionally let an adversary perturb it (adversarial training plugs in here, see :data:`Adversary`; the
   course's adversary augments itself, with step 2 switched off, so that it can choose the border and
   whether to attack before or after the crop — see :class:`helpers.attacks.AdversarialRecipe`);
4. encrypt it with the batch's key — none, one fixed key, or a fresh key per batch
   (:class:`helpers.encryption.KeyPolicy`);
5. forward, cross-entropy, backward, step (SGD with the paper's step schedule or a linear decay, or Adam).

So augmentation happens on the plain image *before* encryption, as in the paper, and the DK scenarios get a
new key for every mini-batch. Models run channels-last; the forward and loss run in float32 or under bfloat16
autocast as :attr:`TrainingConfig.precision` says (:func:`helpers.runtime.resolve_precision` picks it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from helpers import networks
from helpers.checkpoints import CacheOutcome, code_fingerprint, train_or_load
from helpers.data import ImageData
from helpers.encryption import BlockKey, KeyPolicy, model_input
from helpers.images import check_uint8_images, to_float
from helpers.validation import check_finite_number, check_int

OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("step", "linear")  # the paper's step drops; a linear decay, for short budgets
PRECISIONS = ("fp32", "bf16")  # resolved precisions; "auto" is resolved by helpers.runtime
REPORTS = ("bar", "lines", "none")
AVERAGES = ("examples", "batches")

Adversary = Callable[[nn.Module, torch.Tensor, torch.Tensor, "BlockKey | None"], torch.Tensor]
"""``adversary(model, images, labels, key) -> perturbed images``.

Receives the model, a batch of augmented **plain** float images in ``[0, 1]``, their labels and the key the
batch will be encrypted with (``None`` for unencrypted training); returns plain float images in ``[0, 1]``
that the engine then encrypts and trains on (Madry et al. 2018's adversarial training).
"""


@dataclass(frozen=True)
class TrainingConfig:
    """How to train. Defaults follow Maung Maung et al. (2019): SGD, batch 128, lr 0.1 dropped ×0.1.

    Attributes:
        epochs: passes over the training split.
        batch_size: images per step.
        optimizer: ``"sgd"`` or ``"adam"``.
        learning_rate: initial learning rate.
        momentum: SGD momentum (0.9 — ours; the paper does not say).
        weight_decay: L2 weight decay (5e-4 — ours).
        lr_drop_epochs: epochs (counted from 0) at which the learning rate is multiplied by
            ``lr_drop_factor``; the paper drops once, after 40 of 100 epochs.
        lr_drop_factor: the multiplier.
        schedule: ``"step"`` (the drops above; the paper's) or ``"linear"``: the learning rate falls by
            ``learning_rate / epochs`` after every epoch, from ``learning_rate`` in the first epoch to
            ``learning_rate / epochs`` in the last (ours; takes no drops). A short budget spends less of
            itself at a small step this way (see ``python -m course.benchmark budget``).
        augment: random crop (4-pixel padding) and horizontal flip of the plain images.
        seed: seeds the data order, the augmentation and the per-batch keys.
        precision: ``"fp32"``, or ``"bf16"`` for the forward and the loss under bfloat16 autocast (the
            weights and the optimiser stay float32).
    """

    epochs: int
    batch_size: int = 128
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    lr_drop_epochs: tuple[int, ...] = ()
    lr_drop_factor: float = 0.1
    schedule: str = "step"
    augment: bool = True
    seed: int = 0
    precision: str = "fp32"

    def __post_init__(self) -> None:
        check_int(self.epochs, "epochs", minimum=1)
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        check_int(self.batch_size, "batch_size", minimum=1)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.schedule == "linear" and self.lr_drop_epochs:
            raise ValueError(
                f"lr_drop_epochs belong to the step schedule; got {self.lr_drop_epochs} with 'linear'"
            )
        for name in ("learning_rate", "momentum", "weight_decay", "lr_drop_factor"):
            check_finite_number(getattr(self, name), name)
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate!r}")
        if not 0 <= self.momentum < 1 or self.weight_decay < 0 or not 0 < self.lr_drop_factor <= 1:
            raise ValueError("momentum must be in [0, 1), weight_decay >= 0 and lr_drop_factor in (0, 1]")
        if any(not 0 < epoch < self.epochs for epoch in self.lr_drop_epochs):
            raise ValueError(f"lr_drop_epochs must lie in 1..{self.epochs - 1}, got {self.lr_drop_epochs}")

    @classmethod
    def paper_schedule(cls, epochs: int = 100, **overrides: object) -> TrainingConfig:
        """The paper's schedule scaled to ``epochs``: lr 0.1, dropped to 0.01 after 40 % of the epochs."""
        check_int(epochs, "epochs", minimum=1)
        drops = (max(1, round(0.4 * epochs)),) if epochs > 1 else ()
        return cls(epochs=epochs, lr_drop_epochs=drops, **overrides)

    @classmethod
    def with_schedule(cls, schedule: str, epochs: int, **overrides: object) -> TrainingConfig:
        """``epochs`` of ``schedule``: :meth:`paper_schedule` for ``"step"``, the linear decay (see
        :attr:`schedule`) for ``"linear"``; any other name is a ``ValueError``."""
        if schedule == "step":
            return cls.paper_schedule(epochs, **overrides)
        return cls(epochs=epochs, schedule=schedule, **overrides)

    def learning_rate_at(self, epoch: int) -> float:
        """The learning rate used during ``epoch`` (0-based)."""
        if self.schedule == "linear":
            return self.learning_rate * (1 - epoch / self.epochs)
        drops = sum(epoch >= drop for drop in self.lr_drop_epochs)
        return self.learning_rate * self.lr_drop_factor**drops

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "lr_drop_epochs": list(self.lr_drop_epochs)}


def augment_batch(images: torch.Tensor, generator: torch.Generator, padding: int = 4) -> torch.Tensor:
    """Random crop with ``padding`` zero pixels on each side, then a random horizontal flip, per image.

    Works on a whole uint8 batch ``(N, C, H, W)`` on its device with one gather, no per-image loop.
    """
    images = check_uint8_images(images)
    n, _, height, width = images.shape
    device = images.device
    padded = F.pad(images, (padding, padding, padding, padding))
    top = torch.randint(0, 2 * padding + 1, (n, 1), generator=generator, device=device)
    left = torch.randint(0, 2 * padding + 1, (n, 1), generator=generator, device=device)
    flip = torch.rand(n, generator=generator, device=device) < 0.5
    rows = (top + torch.arange(height, device=device))[:, None, :, None]
    columns = left + torch.arange(width, device=device)
    columns = torch.where(flip[:, None], columns.flip(1), columns)[:, None, None, :]
    batch_index = torch.arange(n, device=device)[:, None, None, None]
    channel_index = torch.arange(images.shape[1], device=device)[None, :, None, None]
    return padded[batch_index, channel_index, rows, columns]


def reflect_augment_batch(images: torch.Tensor, generator: torch.Generator, padding: int = 4) -> torch.Tensor:
    """:func:`augment_batch` with the image **reflected** into the border instead of zeros.

    The same random crops and flips (and the same draws from ``generator``), taken from the image padded by
    reflection: every pixel of the result is a pixel of the image, so no crop has a border without content
    (where an attack's perturbation would stand out, see :data:`helpers.attacks.BORDERS`).
    """
    images = check_uint8_images(images)
    check_int(padding, "padding", minimum=1, maximum=min(images.shape[-2:]) - 1)
    reflected = F.pad(images, (padding, padding, padding, padding), mode="reflect")
    return augment_batch(reflected, generator, padding)[..., padding:-padding, padding:-padding]


@dataclass
class TrainingHistory:
    """Per-epoch curves and timings of one training run (stored with its checkpoint)."""

    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)  # on the augmented batches, as they were seen
    eval_accuracy: dict[str, list[float]] = field(default_factory=dict)
    learning_rate: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)  # training steps only, evaluation excluded
    images_per_epoch: int = 0

    @property
    def train_seconds(self) -> float:
        return sum(self.epoch_seconds)

    @property
    def images_per_s(self) -> float:
        """Training throughput over all epochs (augmentation, encryption, forward, backward, step)."""
        return (
            self.images_per_epoch * len(self.epoch_seconds) / self.train_seconds
            if self.epoch_seconds
            else 0.0
        )

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "train_seconds": self.train_seconds, "images_per_s": self.images_per_s}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TrainingHistory:
        derived = ("train_seconds", "images_per_s")
        return cls(**{key: value for key, value in data.items() if key not in derived})


Step = Callable[[torch.Tensor], torch.Tensor]
"""``step(batch) -> values``: one optimisation step on the examples indexed by ``batch`` (a 1-D index
tensor); returns one value per metric (a 1-D tensor, detached) — each summed over the batch's examples, or
each the batch's mean when :func:`fit` averages over ``"batches"``."""


@dataclass
class Curves:
    """What :func:`fit` measured, one value per epoch.

    Attributes:
        train: metric name → its mean over the epoch's examples (or batches), as the batches were seen.
        evaluation: name → the value ``evaluate()`` returned after the epoch.
        epoch_seconds: wall time of each epoch's steps (the per-epoch hook included, evaluation excluded).
    """

    train: dict[str, list[float]]
    evaluation: dict[str, list[float]] = field(default_factory=dict)
    epoch_seconds: list[float] = field(default_factory=list)


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def fit(
    step: Step,
    examples: int,
    *,
    epochs: int,
    batch_size: int,
    generator: torch.Generator,
    metrics: Sequence[str],
    models: Sequence[nn.Module] = (),
    begin_epoch: Callable[[int], None] | None = None,
    evaluate: Callable[[], Mapping[str, float]] | None = None,
    average: str = "examples",
    report: str = "bar",
    description: str = "training",
) -> Curves:
    """The course's one training loop: ``epochs`` passes over ``examples`` examples in shuffled batches.

    Each epoch: the ``models`` go to train mode; the order is drawn (``torch.randperm`` from ``generator``);
    ``begin_epoch(epoch)`` runs (a learning-rate schedule, a per-epoch draw from the same generator); every
    batch of ``batch_size`` indices goes to ``step``, whose returned values are summed; then ``evaluate()``
    (if given) measures held-out data. At the end the models are in eval mode.

    Args:
        step: see :data:`Step`; it owns the forward, the loss, the backward and the optimiser step(s).
        examples: how many examples an epoch has (the indices are ``0 … examples − 1``).
        epochs, batch_size: the schedule's length and batch.
        generator: draws the order (and whatever the hooks draw), on the device the training runs on.
        metrics: the names of the values ``step`` returns, in order.
        models: the modules being trained (set to train mode each epoch, eval mode at the end).
        begin_epoch: called after the epoch's order is drawn, before its first step.
        evaluate: returns named measurements after each epoch (in eval mode, if it sets it).
        average: ``"examples"`` (``step`` returns sums over the batch) or ``"batches"`` (it returns means).
        report: ``"bar"`` (a ``tqdm`` bar), ``"lines"`` (a printed line every fifth of the epochs) or
            ``"none"``.
        description: the label of the bar or the lines.
    """
    check_int(examples, "examples", minimum=1)
    check_int(epochs, "epochs", minimum=1)
    check_int(batch_size, "batch_size", minimum=1)
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
    if report not in REPORTS:
        raise ValueError(f"report must be one of {REPORTS}, got {report!r}")
    if not metrics:
        raise ValueError("metrics must name at least one value that step returns")
    device = generator.device
    curves = Curves({name: [] for name in metrics})
    log_every = max(1, epochs // 5)
    bar = tqdm(range(epochs), desc=description, disable=report != "bar", leave=False)
    for epoch in bar:
        for model in models:
            model.train()
        _synchronise(device)
        start = time.perf_counter()
        order = torch.randperm(examples, generator=generator, device=device)
        if begin_epoch is not None:
            begin_epoch(epoch)
        batches = order.split(batch_size)
        totals = torch.zeros(len(metrics), device=device)
        for batch in batches:
            totals += step(batch)
        _synchronise(device)
        curves.epoch_seconds.append(time.perf_counter() - start)
        count = examples if average == "examples" else len(batches)
        means = [total / count for total in totals.tolist()]
        summary = dict(zip(metrics, means, strict=True))
        if evaluate is not None:
            summary.update(evaluate())
        for name, value in summary.items():
            (curves.train if name in curves.train else curves.evaluation).setdefault(name, []).append(value)
        bar.set_postfix({name: f"{value:.4g}" for name, value in summary.items()})
        if report == "lines" and (epoch % log_every == 0 or epoch == epochs - 1):
            values = ", ".join(f"{name} {value:.4g}" for name, value in summary.items())
            print(f"{description} epoch {epoch + 1}/{epochs}: {values}")
    for model in models:
        model.eval()
    return curves


def _autocast(device: torch.device, precision: str) -> torch.autocast:
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=precision == "bf16")


def prepare_model(model: nn.Module, device: torch.device) -> nn.Module:
    """Move ``model`` to ``device`` in channels-last memory layout (faster convolutions on GPU and CPU)."""
    return model.to(device=device, memory_format=torch.channels_last)


@torch.no_grad()
def predict(model: nn.Module, data: ImageData, keys: KeyPolicy, *, batch_size: int = 500) -> torch.Tensor:
    """Predicted labels for every image of ``data`` (in float32), each batch encrypted with the policy's
    next key."""
    model.eval()
    device = next(model.parameters()).device
    predictions = []
    for images, key in zip(data.images.split(batch_size), keys.keys(), strict=False):
        predictions.append(model(model_input(images.to(device), key)).argmax(1))
    return torch.cat(predictions)


def accuracy(model: nn.Module, data: ImageData, keys: KeyPolicy, *, batch_size: int = 500) -> float:
    """Fraction of ``data`` classified correctly (clean images, no augmentation)."""
    predictions = predict(model, data, keys, batch_size=batch_size)
    return (predictions == data.labels.to(predictions.device)).float().mean().item()


def train_classifier(
    model: nn.Module,
    train: ImageData,
    config: TrainingConfig,
    keys: KeyPolicy,
    *,
    evaluate_on: dict[str, tuple[ImageData, KeyPolicy]] | None = None,
    adversary: Adversary | None = None,
    progress: bool = True,
    description: str = "training",
) -> TrainingHistory:
    """Train ``model`` in place on ``train`` (see the module docstring for one step); return its history.

    Args:
        model: any classifier of ``[0, 1]`` images; already on the device that holds ``train``.
        train: the training split (uint8, resident on the model's device).
        config: optimiser, schedule, augmentation, precision, seed.
        keys: the key policy for the training batches.
        evaluate_on: name → (split, key policy), evaluated after every epoch for the curves.
        adversary: optional hook for adversarial training (:data:`Adversary`).
        progress: show a ``tqdm`` bar; otherwise print a line every few epochs.
        description: label of the progress bar / log lines.
    """
    if not isinstance(config, TrainingConfig):
        raise TypeError(f"config must be a TrainingConfig, got {type(config).__name__}")
    if not train.has_labels:
        raise ValueError(f"{train.name}/{train.split} has no labels; a classifier cannot be trained on it")
    device = next(model.parameters()).device
    if train.images.device != device:
        raise ValueError(f"train data is on {train.images.device}, the model on {device}; move one of them")
    generator = torch.Generator(device=device).manual_seed(config.seed)
    if config.optimizer == "sgd":
        optimizer = torch.optim.SGD(
            model.parameters(),
            lr=config.learning_rate,
            momentum=config.momentum,
            weight_decay=config.weight_decay,
        )
    else:
        optimizer = torch.optim.Adam(
            model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
        )
    batch_keys = keys.keys()

    def schedule(epoch: int) -> None:
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate_at(epoch)

    def step(batch: torch.Tensor) -> torch.Tensor:
        images, labels = train.images[batch], train.labels[batch]
        if config.augment:
            images = augment_batch(images, generator)
        key = next(batch_keys)
        if adversary is not None:
            images = adversary(model, to_float(images), labels, key)
            model.train()
        inputs = model_input(images, key).contiguous(memory_format=torch.channels_last)
        with _autocast(device, config.precision):
            logits = model(inputs)
            loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        correct = (logits.argmax(1) == labels).sum()
        return torch.stack([loss.detach().float() * len(batch), correct.float()])

    def evaluate() -> dict[str, float]:
        return {
            name: accuracy(model, split, split_keys)
            for name, (split, split_keys) in (evaluate_on or {}).items()
        }

    curves = fit(
        step,
        len(train),
        epochs=config.epochs,
        batch_size=config.batch_size,
        generator=generator,
        metrics=("loss", "acc"),
        models=(model,),
        begin_epoch=schedule,
        evaluate=evaluate,
        report="bar" if progress else "lines",
        description=description,
    )
    return TrainingHistory(
        loss=curves.train["loss"],
        train_accuracy=curves.train["acc"],
        eval_accuracy={name: curves.evaluation.get(name, []) for name in evaluate_on or {}},
        learning_rate=[config.learning_rate_at(epoch) for epoch in range(config.epochs)],
        epoch_seconds=curves.epoch_seconds,
        images_per_epoch=len(train),
    )


@dataclass
class TrainedClassifier:
    """A trained (or cache-loaded) classifier, its curves and what the cache did."""

    model: nn.Module
    history: TrainingHistory
    cache: CacheOutcome


def train_or_load_classifier(
    name: str,
    build: Callable[[], nn.Module],
    train: ImageData,
    test: ImageData,
    config: TrainingConfig,
    *,
    settings: dict[str, object],
    code: str,
    train_keys: KeyPolicy | None = None,
    test_keys: KeyPolicy | None = None,
    adversary: Adversary | None = None,
    progress: bool = True,
    label: str | None = None,
) -> TrainedClassifier:
    """The one train-or-load of a classifier: :func:`train_classifier` through the checkpoint cache.

    Args:
        name: the checkpoint's file-name stem.
        build: returns the untrained network (seeded by ``config.seed`` before it is called).
        train, test: the data (``test`` is evaluated after every epoch for the curves).
        config: the schedule.
        settings: everything else that shapes the result and is not in ``config`` or the data (the network's
            settings, the adversary's), JSON-ready.
        code: :func:`helpers.checkpoints.code_fingerprint` of the functions that build and train it.
        train_keys, test_keys: key policies (default: plain images).
        adversary: adversarial training's hook.
        progress, label: progress bar and its label.

    The checkpoint is keyed by ``settings``, ``config``, the data's provenance, the key policies (never the
    key itself), the device type and ``code`` — so two callers asking for the same model share one checkpoint.
    """
    train_keys = train_keys or KeyPolicy.none()
    test_keys = test_keys or KeyPolicy.none()
    device = train.images.device
    description = {
        "classifier": name,
        "settings": settings,
        "data": {
            split.split: {"name": split.name, "size": len(split), "source": split.source}
            for split in (train, test)
        },
        "keys": {"train": train_keys.describe(), "test": test_keys.describe()},
        "training": config.to_dict(),
        "device_type": device.type,
        "code": code,
    }

    def build_seeded() -> nn.Module:
        torch.manual_seed(config.seed)
        return prepare_model(build(), device)

    def fit(model: nn.Module) -> dict[str, object]:
        history = train_classifier(
            model,
            train,
            config,
            train_keys,
            evaluate_on={"test": (test, test_keys)},
            adversary=adversary,
            progress=progress,
            description=label or name,
        )
        return history.to_dict()

    model, history, outcome = train_or_load(name, description, build_seeded, fit)
    return TrainedClassifier(model, TrainingHistory.from_dict(history), outcome)


def plain_resnet18(
    train: ImageData,
    test: ImageData,
    *,
    width: float,
    epochs: int,
    seed: int = 0,
    precision: str = "fp32",
    schedule: str = "step",
    progress: bool = True,
) -> TrainedClassifier:
    """The Plain ResNet18 of Table I on plain CIFAR-10 images: one recipe for the Plain scenario (notebooks
    02–03) and RIC's cloud classifier C (notebooks 04–09), one checkpoint wherever their settings agree.
    ``schedule`` is :attr:`TrainingConfig.schedule`'s: the paper's ``"step"`` or a ``"linear"`` decay."""
    return train_or_load_classifier(
        "plain",
        lambda: networks.ResNet18(width=width),
        train,
        test,
        TrainingConfig.with_schedule(schedule, epochs, seed=seed, precision=precision),
        settings={"network": "resnet18", "width": width},
        code=code_fingerprint(plain_resnet18),
        progress=progress,
        label="Plain",
    )
