"""Training RIC's F, E and D against a frozen classifier (eqs. 11–13), through the checkpoint cache.

One step, for a batch of plaintexts ``x`` with labels ``y`` (RIC, Liu et al.):

1. take an NAE ``n_adv`` for each ``(key, y)`` from a pool of **training keys** (:class:`NaeBank`; the RNI
   ``n`` for the ``rni_srl`` ablation);
2. ``x'_q, x̃ = codec(x, n_adv)`` — eq. (5), the noise-quantised 8-bit channel of eq. (6) and eq. (9);
3. eq. (12) ``L_rec = MSE(x, x̃)``; eq. (13) ``L_adv = mean max(max_{i≠y} Z_i(x'_q) − Z_y(x'_q), −g2)``;
4. eq. (11) ``L = β·L_rec + L_adv`` (β = 10, g2 = 5), one Adam step (lr 1e-4) over F, E and D only.

Training keys (ours). The released code draws fresh noise for every image, so the codec never depends on one
key. Growing an NAE per training image is the most expensive part on a CPU, so here the codec trains on the
ten class NAEs of each of a pool of public training keys (the profile's ``ric.train_keys``) and is evaluated
with a **different, secret** key: the notebook measures that it generalises.

Mixed precision is **not** used: decoding multiplies the 8-bit ciphertext by 1/(1 − λ) = 5, and the
recovered image must resolve steps of a fraction of 1/255 — beyond bfloat16's 8-bit mantissa.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

import torch
import torch.nn.functional as F
from torch import nn

from helpers import ric
from helpers.checkpoints import CacheOutcome, code_fingerprint, state_fingerprint, train_or_load
from helpers.classifiers import ClassifierBudget, CloudClassifier, cloud_classifier, resolve_dataset
from helpers.data import ImageData, load_dataset
from helpers.images import to_float
from helpers.keys import SecretKey
from helpers.nae import NaeSettings, cached_class_naes, margin_loss, random_noisy_images
from helpers.profiles import Profile
from helpers.ric import RicCodec
from helpers.training import fit
from helpers.validation import check_count, check_finite_number, check_int

PAPER_BETA = 10.0
PAPER_G2 = 5.0
PAPER_LEARNING_RATE = 1e-4
PAPER_BATCH_SIZE = 64
HELD_OUT_IMAGES = 250  # test images every training curve is measured on
DECAYED_PROBE = "probe, step 1e-4"  # the convergence probe continued at the paper's step
EXACT_PROBE = "probe, exact pixels"  # the convergence probe trained on exact-pixel training images


def training_keys(count: int, seed: int = 0) -> list[SecretKey]:
    """``count`` **public** 128-bit keys for training the codec (never use them to protect data)."""
    check_int(count, "count", minimum=1)
    return [SecretKey.from_int((seed << 32) + index) for index in range(count)]


@dataclass
class NaeBank:
    """The class NAEs (and their RNIs) of a list of keys: ``naes[k, y]`` is key ``k``'s NAE for class ``y``.

    Attributes:
        naes: ``(K, classes, C, H, W)`` float32 on the classifier's device.
        rnis: the RNIs ``n`` they were grown from (same shape) — the noise of the ``rni_srl`` ablation.
        success: ``(K, classes)``: C classifies the NAE as its class.
        key_fingerprints: the keys, by fingerprint (what a checkpoint records).
        cache_hits: how many keys' NAEs came from the cache.
    """

    naes: torch.Tensor
    rnis: torch.Tensor
    success: torch.Tensor
    key_fingerprints: list[str]
    cache_hits: int

    @classmethod
    def grow(
        cls,
        classifier: nn.Module,
        key_list: Sequence[SecretKey],
        shape: Sequence[int],
        num_classes: int,
        settings: NaeSettings,
    ) -> NaeBank:
        """Grow (or load from the NAE cache) every key's class NAEs; print one summary line."""
        device = next(classifier.parameters()).device
        naes, rnis, success, hits = [], [], [], 0
        for key in key_list:
            key_naes, key_success, outcome = cached_class_naes(
                classifier, key, shape, num_classes, settings, quiet=True
            )
            naes.append(key_naes)
            rnis.append(random_noisy_images(key, shape, range(num_classes)).to(device))
            success.append(key_success)
            hits += outcome.status == "hit"
        fingerprints = [key.fingerprint() for key in key_list]
        print(f"NAEs of {len(key_list)} training keys: {hits} from the cache, {len(key_list) - hits} grown")
        return cls(torch.stack(naes), torch.stack(rnis), torch.stack(success), fingerprints, hits)

    def noise(self, key_index: torch.Tensor, labels: torch.Tensor, *, variant: str) -> torch.Tensor:
        """The noise each image is mixed with: ``n_adv`` (or the RNI ``n`` for ``rni_srl``)."""
        table = self.rnis if variant == "rni_srl" else self.naes
        return table[key_index, labels]


@dataclass(frozen=True)
class RicTrainingConfig:
    """Everything that shapes a trained codec besides the data and the classifier.

    Attributes:
        width: channels per branch of F, E and D (the paper: 50).
        lam: λ of eqs. (5) and (9) (the paper: 0.8).
        variant: ``nae_srl`` (RIC) or a Table 4 ablation.
        epochs, batch_size, learning_rate: Adam's schedule (the paper: 200 epochs on SVHN, 64, 1e-4).
        beta: weight of the reconstruction loss in eq. (11) (10).
        g2: the margin floor of eq. (13) (5).
        initialisation: ``"pytorch"`` (the release) or ``"identity"`` (ours, see :class:`RicCodec`).
        seed: initialisation, key assignment and data order.
    """

    width: int = ric.PAPER_WIDTH
    lam: float = ric.PAPER_LAMBDA
    variant: str = "nae_srl"
    epochs: int = 200
    batch_size: int = PAPER_BATCH_SIZE
    learning_rate: float = PAPER_LEARNING_RATE
    beta: float = PAPER_BETA
    g2: float = PAPER_G2
    initialisation: str = "pytorch"
    seed: int = 0

    def __post_init__(self) -> None:
        ric.check_lambda(self.lam)
        if self.variant not in ric.VARIANTS:
            raise ValueError(f"variant must be one of {ric.VARIANTS}, got {self.variant!r}")
        if self.initialisation not in ric.INITIALISATIONS:
            raise ValueError(
                f"initialisation must be one of {ric.INITIALISATIONS}, got {self.initialisation!r}"
            )
        for name in ("width", "epochs", "batch_size"):
            check_int(getattr(self, name), name, minimum=1)
        for name in ("learning_rate", "beta", "g2"):
            value = check_finite_number(getattr(self, name), name)
            if not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")

    @classmethod
    def for_profile(cls, profile: Profile, **overrides: object) -> RicTrainingConfig:
        """The profile's width, schedule and initialisation (one schedule for every codec of a study)."""
        return cls(
            width=profile.ric.width,
            epochs=profile.ric.epochs,
            batch_size=profile.ric.batch_size,
            learning_rate=profile.ric.learning_rate,
            initialisation=profile.ric.initialisation,
            **overrides,
        )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class RicHistory:
    """Per-epoch curves of one codec's training (stored with its checkpoint).

    ``eval_psnr_db`` and ``eval_accuracy`` are measured after each epoch in test mode (8-bit rounding) on
    held-out images with the training keys' NAEs of their true labels.
    """

    loss: list[float] = field(default_factory=list)
    reconstruction_mse: list[float] = field(default_factory=list)
    adversarial_margin: list[float] = field(default_factory=list)
    eval_psnr_db: list[float] = field(default_factory=list)
    eval_accuracy: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    images_per_epoch: int = 0

    @property
    def train_seconds(self) -> float:
        return sum(self.epoch_seconds)

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "train_seconds": self.train_seconds}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> RicHistory:
        return cls(**{key: value for key, value in data.items() if key != "train_seconds"})


def ric_loss(
    images: torch.Tensor,
    decoded: torch.Tensor,
    logits: torch.Tensor,
    labels: torch.Tensor,
    *,
    beta: float = PAPER_BETA,
    g2: float = PAPER_G2,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Eq. (11) ``β·L_rec + L_adv`` with eq. (12) ``L_rec = MSE(x, x̃)`` and eq. (13) ``L_adv`` = the mean
    margin of C's logits on the ciphertext toward ``labels``, floored at ``−g2``.

    Returns ``(L, L_rec, L_adv)``.
    """
    reconstruction = F.mse_loss(decoded, images)
    adversarial = margin_loss(logits, labels, g2).mean()
    return beta * reconstruction + adversarial, reconstruction, adversarial


@torch.no_grad()
def _evaluate(
    codec: RicCodec, classifier: nn.Module, data: ImageData, bank: NaeBank, *, batch_size: int = 250
) -> tuple[float, float]:
    """Test-mode PSNR (dB, of the mean MSE over 8-bit pixels) and ciphertext accuracy on ``data``."""
    codec.eval()
    squared_error, correct = 0.0, 0
    key_index = torch.arange(len(data), device=data.images.device) % len(bank.naes)
    for index in torch.arange(len(data), device=data.images.device).split(batch_size):
        images, labels = to_float(data.images[index]), data.labels[index]
        ciphertext, decoded = codec(images, bank.noise(key_index[index], labels, variant=codec.variant))
        squared_error += F.mse_loss(decoded, images, reduction="sum").item()
        correct += (classifier(ciphertext).argmax(1) == labels).sum().item()
    mse = squared_error / data.images.numel()
    psnr = 10 * torch.log10(torch.tensor(1.0 / max(mse, 1e-12))).item()
    return psnr, correct / len(data)


def train_codec(
    codec: RicCodec,
    classifier: nn.Module,
    train: ImageData,
    bank: NaeBank,
    config: RicTrainingConfig,
    *,
    evaluate_on: ImageData | None = None,
    progress: bool = True,
    description: str = "RIC",
) -> RicHistory:
    """Train ``codec`` in place (eqs. 11–13) with ``classifier`` frozen; return the curves.

    Each image is assigned a random key of ``bank`` at every epoch, so each epoch sees a new pairing of
    images and NAEs.
    """
    device = next(codec.parameters()).device
    if train.images.device != device:
        raise ValueError(f"train data is on {train.images.device}, the codec on {device}; move one of them")
    if not train.has_labels:
        raise ValueError(f"{train.name}/{train.split} has no labels; RIC trains toward the true labels")
    classifier.eval().requires_grad_(False)
    generator = torch.Generator(device=device).manual_seed(config.seed)
    optimizer = torch.optim.Adam(codec.parameters(), lr=config.learning_rate)
    key_index = torch.empty(0, dtype=torch.long, device=device)

    def draw_keys(epoch: int) -> None:
        nonlocal key_index
        key_index = torch.randint(len(bank.naes), (len(train),), generator=generator, device=device)

    def step(batch: torch.Tensor) -> torch.Tensor:
        images, labels = to_float(train.images[batch]), train.labels[batch]
        noise = bank.noise(key_index[batch], labels, variant=config.variant)
        ciphertext, decoded = codec(images, noise, generator=generator)
        loss, reconstruction, adversarial = ric_loss(
            images, decoded, classifier(ciphertext), labels, beta=config.beta, g2=config.g2
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return torch.stack([loss, reconstruction, adversarial]).detach() * len(batch)

    def evaluate() -> dict[str, float]:
        psnr, accuracy = _evaluate(codec, classifier, evaluate_on, bank)
        return {"psnr_db": psnr, "acc": accuracy}

    curves = fit(
        step,
        len(train),
        epochs=config.epochs,
        batch_size=config.batch_size,
        generator=generator,
        metrics=("loss", "mse", "margin"),
        models=(codec,),
        begin_epoch=draw_keys,
        evaluate=evaluate if evaluate_on is not None else None,
        report="bar" if progress else "lines",
        description=description,
    )
    return RicHistory(
        loss=curves.train["loss"],
        reconstruction_mse=curves.train["mse"],
        adversarial_margin=curves.train["margin"],
        eval_psnr_db=curves.evaluation.get("psnr_db", []),
        eval_accuracy=curves.evaluation.get("acc", []),
        epoch_seconds=curves.epoch_seconds,
        images_per_epoch=len(train),
    )


@dataclass
class TrainedCodec:
    """A trained codec with its configuration, curves and cache outcome.

    ``previous_epochs``: epochs the codec had been trained before ``config``'s (a continued run, see
    :meth:`RicSetup.continue_codec`); its ``history`` covers only its own epochs.
    """

    codec: RicCodec
    config: RicTrainingConfig
    history: RicHistory
    cache: CacheOutcome
    previous_epochs: int = 0

    @property
    def total_epochs(self) -> int:
        return self.previous_epochs + self.config.epochs


def train_or_load_codec(
    classifier: nn.Module,
    train: ImageData,
    evaluate_on: ImageData,
    bank: NaeBank,
    config: RicTrainingConfig,
    nae_settings: NaeSettings,
    *,
    start: TrainedCodec | None = None,
    progress: bool = True,
    quiet: bool = False,
) -> TrainedCodec:
    """:func:`train_codec` through the checkpoint cache, keyed by the data, the classifier's weights, the
    NAE settings, the training configuration, the device type and the code (``quiet``: no line about the
    cache).

    ``start``: a trained codec to continue from (its weights, with a fresh Adam state) instead of a new
    initialisation; the cache key then also holds its weights. Its architecture (width, λ, variant) must be
    ``config``'s.
    """
    if start is not None:
        for name in ("width", "lam", "variant"):
            if getattr(start.config, name) != getattr(config, name):
                raise ValueError(
                    f"start: a codec with {name}={getattr(start.config, name)!r} cannot continue as "
                    f"{name}={getattr(config, name)!r}"
                )
    device = next(classifier.parameters()).device
    channels = train.images.shape[1]
    description = {
        "data": {
            split.split: {"name": split.name, "size": len(split), "source": split.source}
            for split in (train, evaluate_on)
        },
        "classifier": state_fingerprint(classifier),
        "nae_settings": nae_settings.to_dict(),
        "nae_bank": bank.key_fingerprints,
        "training": config.to_dict(),
        "device_type": device.type,
        "code": code_fingerprint(RicCodec, train_codec),
    }
    if start is not None:
        description["start"] = state_fingerprint(start.codec)

    def build() -> nn.Module:
        torch.manual_seed(config.seed)
        codec = RicCodec(
            config.width, config.lam, config.variant, channels, config.initialisation, config.seed
        )
        if start is not None:
            codec.load_state_dict(start.codec.state_dict())
        return codec.to(device)

    def fit(codec: nn.Module) -> dict[str, object]:
        label = f"RIC {train.name} {config.variant} λ={config.lam}"
        history = train_codec(
            codec,
            classifier,
            train,
            bank,
            config,
            evaluate_on=evaluate_on,
            progress=progress,
            description=label,
        )
        return history.to_dict()

    name = f"ric-{train.name}-{config.variant}"
    codec, history, outcome = train_or_load(name, description, build, fit, quiet=quiet)
    previous = 0 if start is None else start.total_epochs
    return TrainedCodec(codec, config, RicHistory.from_dict(history), outcome, previous)


@dataclass
class RicSetup:
    """What RIC needs for one data set: the cloud's classifier, the NAE settings, the training-key NAEs and
    the data (on the classifier's device).

    Attributes:
        dataset: ``"cifar10"``, ``"mnist"`` or ``"svhn"``.
        cloud: the frozen classifier C and its test accuracy.
        nae_settings: the NAE steps and margin floor of :class:`RicSetupSettings`.
        bank: the class NAEs of the public training keys.
        train: the codec's training images.
        test: the evaluation images.
    """

    dataset: str
    cloud: CloudClassifier
    nae_settings: NaeSettings
    bank: NaeBank
    train: ImageData
    test: ImageData

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.test.images.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.test.classes)

    def describe(self) -> str:
        """Two lines: C's test accuracy and the codec's training data; the training keys' NAEs."""
        success = self.bank.success.float().mean()
        return (
            f"{self.dataset}: C test accuracy {self.cloud.test_accuracy:.3f} | codec trains on "
            f"{self.train.describe()}\n  NAEs: {self.nae_settings.steps} steps, g1 {self.nae_settings.g1}; "
            f"{self.bank.naes.shape[0]} public training keys × {self.num_classes} classes, success "
            f"{success:.3f} ({self.bank.cache_hits} keys from the cache)"
        )

    @property
    def held_out(self) -> ImageData:
        """The test images every codec's training curve is measured on (the first 250)."""
        return self.test.head(HELD_OUT_IMAGES)

    def train_codec(
        self,
        config: RicTrainingConfig,
        *,
        images: int | None = None,
        progress: bool = True,
        quiet: bool = False,
    ) -> TrainedCodec:
        """:func:`train_or_load_codec` on the first ``images`` training images (all for ``None``)."""
        return train_or_load_codec(
            self.cloud.model,
            self.train.head(images),
            self.held_out,
            self.bank,
            config,
            self.nae_settings,
            progress=progress,
            quiet=quiet,
        )

    def continue_codec(
        self,
        trained: TrainedCodec,
        *,
        epochs: int,
        learning_rate: float,
        progress: bool = True,
        quiet: bool = False,
    ) -> TrainedCodec:
        """``trained`` trained ``epochs`` more epochs with Adam's step set to ``learning_rate`` (a fresh Adam
        state), through the checkpoint cache: one stage of a step-decay schedule. It trains on this set-up's
        first ``trained.history.images_per_epoch`` training images — the images ``trained`` saw if it was
        trained by this set-up — and with ``trained``'s seed, so its data order and key draws repeat those of
        ``trained``'s first epochs."""
        config = replace(trained.config, epochs=epochs, learning_rate=learning_rate)
        return train_or_load_codec(
            self.cloud.model,
            self.train.head(trained.history.images_per_epoch),
            self.held_out,
            self.bank,
            config,
            self.nae_settings,
            start=trained,
            progress=progress,
            quiet=quiet,
        )

    def with_exact_training_pixels(self) -> RicSetup:
        """This set-up with as many training images, read as **exact pixels**: :func:`prepare` reads the
        offline folder's lossy JPEG copy when the lossless file holds fewer images than the classifier
        trains on (which images the lossless file holds, the data's source line says). From a torchvision
        download the training images are exact already, and this returns the same images."""
        exact = load_dataset(
            self.dataset, "train", limit=len(self.train), device=self.train.images.device, variant="exact"
        )
        if len(exact) < len(self.train):
            raise ValueError(
                f"the exact-pixel {self.dataset}/train holds {len(exact)} images, fewer than the "
                f"{len(self.train)} the codecs train on"
            )
        return replace(self, train=exact)

    def train_codecs(
        self,
        configs: Mapping[str, RicTrainingConfig],
        *,
        probe_decay_epochs: int | None = None,
        progress: bool = True,
    ) -> dict[str, TrainedCodec]:
        """Train or load every codec of ``configs`` (by name). With a ``probe``, also :data:`EXACT_PROBE`
        (the probe's configuration on :meth:`with_exact_training_pixels`) and, with ``probe_decay_epochs``,
        :data:`DECAYED_PROBE` (the probe continued that many epochs at the paper's step, 1e-4). Print one
        line: how many the cache held."""
        codecs = {
            name: self.train_codec(config, progress=progress, quiet=True) for name, config in configs.items()
        }
        if "probe" in codecs:
            exact = self.with_exact_training_pixels()
            codecs[EXACT_PROBE] = exact.train_codec(configs["probe"], progress=progress, quiet=True)
        if probe_decay_epochs and "probe" in codecs:
            codecs[DECAYED_PROBE] = self.continue_codec(
                codecs["probe"],
                epochs=probe_decay_epochs,
                learning_rate=PAPER_LEARNING_RATE,
                progress=progress,
                quiet=True,
            )
        hits = sum(codec.cache.status == "hit" for codec in codecs.values())
        print(
            f"{len(codecs)} codec(s) on {self.dataset}: {hits} loaded from the checkpoint cache, "
            f"{len(codecs) - hits} trained"
        )
        return codecs

    def held_out_psnr(self, codec: RicCodec) -> float:
        """PSNR (dB) of ``codec`` on :attr:`held_out` with the training keys' NAEs: what every training curve
        measures, so that a baseline (e.g. :class:`~helpers.ric.IdentityCodec`) can be drawn beside them."""
        return self.decoded_psnr(codec, self.held_out)

    def decoded_psnr(self, codec: RicCodec, data: ImageData) -> float:
        """PSNR (dB) of ``codec`` on any labelled ``data``, measured as :meth:`held_out_psnr` measures the
        held-out images — e.g. on training images, or on a JPEG copy of the held-out ones, to tell what a
        codec learned for new images from what it learned for the images it trained on."""
        if data.images.device != self.test.images.device:
            raise ValueError(
                f"data: {data.name}/{data.split} is on {data.images.device}, this set-up on "
                f"{self.test.images.device}; move it with .to()"
            )
        if not data.has_labels:
            raise ValueError(
                f"data: {data.name}/{data.split} has no labels; the NAE of each image's class is needed"
            )
        if tuple(data.images.shape[1:]) != self.shape:
            raise ValueError(
                f"data: {data.name}/{data.split} holds images of shape {tuple(data.images.shape[1:])}; this "
                f"set-up's codecs take {self.shape}"
            )
        return _evaluate(codec, self.cloud.model, data, self.bank)[0]


def study_datasets(choice: str) -> tuple[str, str]:
    """The main data set for ``choice`` (see :func:`~helpers.classifiers.resolve_dataset`) and the second one
    of Table 3: MNIST, or CIFAR-10 when MNIST is the main one."""
    primary = resolve_dataset(choice)
    return primary, "cifar10" if primary == "mnist" else "mnist"


def study_configs(
    main: RicTrainingConfig, *, probe_epochs: int | None, lambdas: Sequence[float], seeds: int
) -> dict[str, RicTrainingConfig]:
    """Every codec of the course's RIC study, by name:

    ``main``; ``control`` (the other initialisation); ``probe`` (``probe_epochs``, when set); the Table 4
    variants ``rni_srl`` and ``nae_no_srl``; ``λ=<value>`` for Fig. 7's ``lambdas`` other than ``main.lam``
    — each one setting away from ``main`` — and ``<name>, seed <s>`` for ``seeds − 1`` more seeds
    (``main.seed + 1``, …) of the control, the variants and every λ (``seed <s>`` alone for the main codec),
    so that every comparison of the study can be read against its seed-to-seed spread. Notebook 05 trains
    them, notebook 06 evaluates them; both take the list from here.
    """
    check_int(seeds, "seeds", minimum=1)
    other = "pytorch" if main.initialisation == "identity" else "identity"
    extra_seeds = tuple(main.seed + offset for offset in range(1, seeds))
    configs = {"main": main, "control": replace(main, initialisation=other)}
    configs |= {f"seed {seed}": replace(main, seed=seed) for seed in extra_seeds}
    if probe_epochs:
        configs["probe"] = replace(main, epochs=probe_epochs)
    configs |= {name: replace(main, variant=name) for name in ric.VARIANTS if name != main.variant}
    configs |= {f"λ={lam}": replace(main, lam=lam) for lam in lambdas if lam != main.lam}
    others = ("control", *(name for name in ric.VARIANTS if name != main.variant))
    for name in (*others, *(f"λ={lam}" for lam in lambdas if lam != main.lam)):
        configs |= {f"{name}, seed {seed}": replace(configs[name], seed=seed) for seed in extra_seeds}
    return configs


def seed_group(configs: dict[str, RicTrainingConfig], name: str) -> list[str]:
    """The names of ``name``'s codec and its extra seeds in :func:`study_configs` (``main``: the ``seed <s>``
    codecs), in seed order. A name that is not a codec of ``configs`` is a ``ValueError``."""
    if name not in configs:
        raise ValueError(f"name must be one of the study's codecs {sorted(configs)}, got {name!r}")
    prefix = "seed " if name == "main" else f"{name}, seed "
    return [name, *(other for other in configs if other.startswith(prefix))]


@dataclass(frozen=True)
class RicSetupSettings:
    """What :func:`prepare` builds for one data set, sized.

    Attributes:
        classifier: the cloud classifier's budget (CIFAR-10's C is Table I's Plain ResNet18).
        classifier_test_images: test images C is measured on and RIC's evaluations draw from (``None``: all).
        nae_steps: Adam steps of the NAE optimisation (``None``: the paper's for the data set).
        g1: the NAE margin floor of eq. (3) (the paper: 5).
        train_keys: public training keys whose ten class NAEs the codecs train on.
        train_images, test_images: the codec's training images and RIC's evaluation images (``None``: all).
    """

    classifier: ClassifierBudget
    classifier_test_images: int | None
    nae_steps: int | None
    g1: float
    train_keys: int
    train_images: int | None
    test_images: int | None

    def __post_init__(self) -> None:
        if not isinstance(self.classifier, ClassifierBudget):
            raise TypeError(f"classifier must be a ClassifierBudget, got {type(self.classifier).__name__}")
        for name in ("classifier_test_images", "nae_steps", "train_images", "test_images"):
            check_count(getattr(self, name), name)
        if not check_finite_number(self.g1, "g1") >= 0:
            raise ValueError(f"g1 must be >= 0, got {self.g1!r}")
        check_int(self.train_keys, "train_keys", minimum=1)

    @classmethod
    def from_profile(cls, profile: Profile, precision: str = "fp32") -> RicSetupSettings:
        """A run profile's RIC set-up: its classifier settings, ``test_images``, ``nae.steps``, and the
        ``ric`` section's ``g1``, ``train_keys``, ``train_images`` and ``test_images``."""
        return cls(
            classifier=ClassifierBudget.from_profile(profile, precision),
            classifier_test_images=profile.test_images,
            nae_steps=profile.nae.steps,
            g1=profile.ric.g1,
            train_keys=profile.ric.train_keys,
            train_images=profile.ric.train_images,
            test_images=profile.ric.test_images,
        )


def prepare(
    dataset: str, settings: RicSetupSettings, device: torch.device, *, seed: int = 0, progress: bool = True
) -> RicSetup:
    """Load ``dataset``, train or load its cloud classifier (shared with notebooks 02–04) and grow or load
    the training keys' NAEs (always in float32)."""
    budget = settings.classifier
    classifier_images = budget.train_images if dataset == "cifar10" else budget.digit_train_images
    train = load_dataset(dataset, "train", limit=classifier_images, device=device)
    test = load_dataset(dataset, "test", limit=settings.classifier_test_images, device=device)
    cloud = cloud_classifier(dataset, train, test, budget, seed=seed, progress=progress)
    nae_settings = NaeSettings.for_dataset(dataset, steps=settings.nae_steps, g1=settings.g1)
    shape = tuple(test.images.shape[1:])
    bank = NaeBank.grow(
        cloud.model, training_keys(settings.train_keys, seed), shape, len(test.classes), nae_settings
    )
    return RicSetup(
        dataset,
        cloud,
        nae_settings,
        bank,
        train.head(settings.train_images),
        test.head(settings.test_images),
    )
