"""The cloud's classifier C of RIC: plaintext-trained once per data set, frozen, cached.

RIC (Liu et al.) needs a classifier trained on ordinary images; its ciphertexts are built to be classified
correctly *by that same frozen classifier*. Every classifier here takes **[0, 1] images** — the ones trained
in this module carry their input normalisation inside (:class:`InputNormalization`), so no caller ever
normalises (the released RIC code fed [0, 1] ciphertexts to an SVHN classifier trained on [−1, 1]).

- ``cifar10``: the Plain ResNet18 of Table I (narrow in the ``quick`` profile), trained by the shared
  :func:`helpers.training.plain_resnet18` with the profile's ``cloud_epochs`` and ``cloud_schedule``. Where
  those equal Table I's (the ``paper`` profile) it is the same model from the same checkpoint as notebooks
  02–03's Plain; the ``quick`` profile trains Table I's models longer, with a linear decay, and keeps C on 8
  epochs of the paper's step schedule, the model notebooks 04–09 were run with. It learns from [0, 1] pixels
  directly (its stem is convolution → batch norm), so it needs no normalisation layer.
- ``svhn``: the VGG-like CNN of the RIC release (:class:`helpers.networks.SvhnCNN`).
- ``mnist``: a small CNN (:class:`helpers.networks.MnistCNN`).

The digit classifiers are trained with Adam (lr 1e-3, ours) and no augmentation: flips turn digits into
other symbols.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from helpers import networks, training
from helpers.checkpoints import CacheOutcome, code_fingerprint
from helpers.data import ImageData, labelled_data_available
from helpers.encryption import KeyPolicy
from helpers.images import check_float_images, convert_images
from helpers.profiles import Profile
from helpers.training import TrainingConfig, accuracy
from helpers.validation import check_choice, check_count, check_int, check_positive_number

CLOUD_DATASETS = ("cifar10", "svhn", "mnist")


class InputNormalization(nn.Module):
    """``(x − mean) / std`` per channel, with the statistics stored as buffers (saved with the weights)."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        if mean.ndim != 1 or mean.shape != std.shape or not bool((std > 0).all()):
            raise ValueError("mean and std must be 1-D tensors of the same length with std > 0")
        self.register_buffer("mean", mean.detach().clone().float().view(1, -1, 1, 1))
        self.register_buffer("std", std.detach().clone().float().view(1, -1, 1, 1))

    @classmethod
    def of(cls, data: ImageData) -> InputNormalization:
        """The per-channel statistics of ``data``'s images (as [0, 1] floats)."""
        pixels = data.images.float().div(255).transpose(0, 1).flatten(1)
        return cls(pixels.mean(1).cpu(), pixels.std(1).cpu())

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return (images - self.mean) / self.std


@dataclass
class CloudClassifier:
    """A frozen, plaintext-trained classifier with what it was trained on and how well it does."""

    dataset: str
    model: nn.Module
    test_accuracy: float
    train_images: int
    train_seconds: float
    cache: CacheOutcome

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """Logits for float images in ``[0, 1]`` (checked), with gradients if the caller wants them."""
        return self.model(check_float_images(images))


def _digit_network(dataset: str, channels: int) -> nn.Module:
    return networks.MnistCNN() if dataset == "mnist" else networks.SvhnCNN(in_channels=channels)


@dataclass(frozen=True)
class ClassifierBudget:
    """How the cloud's classifiers are sized and trained.

    Attributes:
        width, epochs, train_images: CIFAR-10's C, a Plain ResNet18 (:meth:`from_profile` reads the
            profile's ``cloud_epochs``; where they and ``schedule`` equal Table I's, C and notebooks 02–03's
            Plain share one checkpoint).
        schedule: C's learning-rate schedule (see :attr:`helpers.training.TrainingConfig.schedule`).
        digit_epochs, digit_train_images: the MNIST / SVHN classifiers (``None``: every training image).
        precision: ``"fp32"`` or ``"bf16"`` training (see :attr:`helpers.training.TrainingConfig.precision`).
    """

    width: float
    epochs: int
    train_images: int | None
    digit_epochs: int
    digit_train_images: int | None
    precision: str = "fp32"
    schedule: str = "step"

    def __post_init__(self) -> None:
        check_positive_number(self.width, "width")
        for name in ("epochs", "digit_epochs"):
            check_int(getattr(self, name), name, minimum=1)
        for name in ("train_images", "digit_train_images"):
            check_count(getattr(self, name), name)
        check_choice(self.precision, "precision", training.PRECISIONS)
        check_choice(self.schedule, "schedule", training.SCHEDULES)

    @classmethod
    def from_profile(cls, profile: Profile, precision: str = "fp32") -> ClassifierBudget:
        """A run profile's classifier settings."""
        return cls(
            width=profile.classifiers.width,
            epochs=profile.classifiers.cloud_epochs,
            train_images=profile.classifiers.train_images,
            digit_epochs=profile.classifiers.digit_epochs,
            digit_train_images=profile.classifiers.digit_train_images,
            precision=precision,
            schedule=profile.classifiers.cloud_schedule,
        )


def cloud_classifier(
    dataset: str,
    train: ImageData,
    test: ImageData,
    budget: ClassifierBudget,
    *,
    seed: int = 0,
    progress: bool = True,
) -> CloudClassifier:
    """Train the cloud's classifier for ``dataset`` on ``train``, or load it from the checkpoint cache.

    Args:
        dataset: one of :data:`CLOUD_DATASETS`; ``train`` and ``test`` must be its splits.
        train: the training split; the budget's ``train_images`` (CIFAR-10) or ``digit_train_images`` are
            taken from it.
        test: measured after training (and after every epoch, for the curves).
        budget: width, epochs, schedule, training images and precision.
        seed: initialisation and data order.
        progress: show a progress bar.

    The returned model is frozen: eval mode, ``requires_grad`` off.
    """
    if dataset not in CLOUD_DATASETS:
        raise ValueError(f"dataset must be one of {CLOUD_DATASETS}, got {dataset!r}")
    for split in (train, test):
        if split.name != dataset:
            raise ValueError(f"expected {dataset} data, got {split.name}/{split.split}")
    if dataset == "cifar10":
        trained = training.plain_resnet18(
            train.head(budget.train_images),
            test,
            width=budget.width,
            epochs=budget.epochs,
            seed=seed,
            precision=budget.precision,
            schedule=budget.schedule,
            progress=progress,
        )
    else:
        trained = _train_digit_classifier(
            f"{dataset}-classifier", dataset, train, test, budget, {"network": dataset}, seed, progress
        )
    return _frozen(dataset, trained, test)


def format_classifier(
    dataset: str,
    train: ImageData,
    test: ImageData,
    shape: tuple[int, int, int],
    budget: ClassifierBudget,
    *,
    seed: int = 0,
    progress: bool = True,
) -> CloudClassifier:
    """A cloud classifier of ``dataset`` for its images converted to ``shape`` (:func:`convert_images`).

    RIC's release evaluates Table 3 by encrypting each test set with the NAEs of *that data set's own*
    classifier. When the codec takes another image format than the data set (MNIST's grey 28×28 against
    CIFAR-10's colour 32×32), the closest protocol is a classifier of the test data set trained on its images
    converted to the codec's format: :class:`helpers.networks.MnistCNN` for grey 28×28, else
    :class:`helpers.networks.SvhnCNN`, with the digit classifiers' recipe and budget (Adam, no augmentation).

    Returns the frozen classifier with its accuracy on ``test`` converted the same way.
    """
    if dataset not in CLOUD_DATASETS:
        raise ValueError(f"dataset must be one of {CLOUD_DATASETS}, got {dataset!r}")
    for split in (train, test):
        if split.name != dataset:
            raise ValueError(f"expected {dataset} data, got {split.name}/{split.split}")
    shape = tuple(shape)
    if len(shape) != 3 or any(isinstance(s, bool) or not isinstance(s, int) for s in shape):
        raise TypeError(f"shape must be (C, H, W) ints, got {shape!r}")
    if shape != (1, 28, 28) and (shape[0] not in (1, 3) or shape[1:] != (32, 32)):
        raise ValueError(f"shape must be (1, 28, 28) or (1 or 3, 32, 32), got {shape}")
    network = "mnist" if shape == (1, 28, 28) else "svhn"
    train, test = (
        replace(
            split,
            images=convert_images(split.images, shape[0], shape[1:]),
            source=f"{split.source}, converted to {shape[0]}×{shape[1]}×{shape[2]}",
        )
        for split in (train, test)
    )
    settings = {"network": network, "dataset": dataset, "format": list(shape)}
    name = f"{dataset}-as-{shape[0]}x{shape[1]}x{shape[2]}-classifier"
    return _frozen(
        dataset, _train_digit_classifier(name, network, train, test, budget, settings, seed, progress), test
    )


def _train_digit_classifier(
    name: str,
    network: str,
    train: ImageData,
    test: ImageData,
    budget: ClassifierBudget,
    settings: dict[str, object],
    seed: int,
    progress: bool,
) -> training.TrainedClassifier:
    """The digit classifiers' recipe (Adam, lr 1e-3, no augmentation) on the budget's digit images and
    epochs, through the checkpoint cache."""
    train = train.head(budget.digit_train_images)
    config = TrainingConfig(
        epochs=budget.digit_epochs,
        batch_size=128,
        optimizer="adam",
        learning_rate=1e-3,
        weight_decay=0.0,
        augment=False,
        seed=seed,
        precision=budget.precision,
    )
    channels = train.images.shape[1]
    return training.train_or_load_classifier(
        name,
        lambda: nn.Sequential(InputNormalization.of(train), _digit_network(network, channels)),
        train,
        test,
        config,
        settings=settings,
        code=code_fingerprint(InputNormalization, _digit_network, training.train_or_load_classifier),
        progress=progress,
        label=name.replace("-", " "),
    )


def _frozen(dataset: str, trained: training.TrainedClassifier, test: ImageData) -> CloudClassifier:
    """``trained`` in eval mode without gradients, with its accuracy on ``test``."""
    model, history = trained.model, trained.history
    model.eval().requires_grad_(False)
    return CloudClassifier(
        dataset,
        model,
        accuracy(model, test, KeyPolicy.none()),
        history.images_per_epoch,
        history.train_seconds,
        trained.cache,
    )


def resolve_dataset(choice: str) -> str:
    """``"auto"`` → SVHN, as in the RIC paper, when labelled SVHN can be loaded here; else CIFAR-10."""
    if choice == "auto":
        return "svhn" if labelled_data_available("svhn") else "cifar10"
    if choice not in CLOUD_DATASETS:
        raise ValueError(f"dataset must be 'auto' or one of {CLOUD_DATASETS}, got {choice!r}")
    return choice
