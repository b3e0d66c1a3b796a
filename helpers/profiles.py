"""Run profiles: how big a run is, in one place.

Every notebook takes a ``PROFILE`` parameter and reads its sizes from here, never from numbers typed into
the notebook:

- ``smoke`` — CI-sized: proves the code path in seconds on two CPU cores. Its numbers are **not results**.
- ``quick`` — minutes on a laptop CPU with real data; shows the papers' qualitative findings.
- ``paper`` — the papers' own settings (full data sets, full schedules); meant for a GPU.
- ``paper_dry_run`` — the ``paper`` profile with every training, attack and evaluation loop cut to one
  small batch or two (:func:`dry_run`): it proves on a CPU, in minutes, that the paper path runs (network
  widths, batch sizes, step sizes, margins, data sets), before anyone spends GPU hours on it. Its numbers are
  **not results**.

A :class:`Profile` holds what several notebooks share (data limits, seeds per study) and one section per
study, named for its idea: ``encryption`` (notebook 01), ``classifiers`` (the CIFAR-10 ResNet18s of 02–03 and
RIC's cloud classifiers), ``robustness`` (Table I, notebook 03), ``nae`` (notebook 04 and RIC's NAEs), ``ric``
(the codecs of 05–06) and ``ric_attacks`` (07–09). A notebook reads ``run.profile.ric.epochs``; the settings
classes (``ScenarioBudget``, ``ClassifierBudget``, ``RicTrainingConfig``, ``RicSetupSettings``) resolve a
profile into what their study needs.

Each size says, in its field's metadata, how the dry run cuts it (``"images"``, ``"loop"``, ``"epochs"``,
``"seeds"``, ``"ends"``, ``"image_counts"`` or ``"per_class"``; see :func:`dry_run`); a field without that
mark — a width, a batch size, a step size, a margin — is the same in the dry run as in its profile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

from helpers.validation import check_int


def _cut(kind: str) -> Any:
    """A dataclass field whose value :func:`dry_run` cuts as ``kind`` says."""
    return field(metadata={"dry_run": kind})


@dataclass(frozen=True)
class EncryptionSizes:
    """Notebook 01: the block-wise encryption.

    Attributes:
        benchmark_images: images in a throughput measurement.
        key_recovery_images: images tried one by one in the known-plaintext key-recovery study.
    """

    benchmark_images: int = _cut("images")
    key_recovery_images: int = _cut("images")


@dataclass(frozen=True)
class ClassifierSizes:
    """The plaintext classifiers: the CIFAR-10 ResNet18s of notebooks 02–03 (Plain, Encrypted, Encrypted-DK),
    RIC's cloud classifier C for CIFAR-10 (a Plain ResNet18) and the MNIST / SVHN classifiers of RIC.

    Attributes:
        train_images: training images of the CIFAR-10 ResNet18s (``None``: the whole split — with an offline
            folder, its full-size JPEG copy when present).
        epochs: epochs of Table I's models (notebooks 02–03, and notebook 02's JPEG study).
        schedule: their learning-rate schedule (see :attr:`helpers.training.TrainingConfig.schedule`):
            ``"step"``, the paper's (0.1, then 0.01 after 40 % of the epochs), or ``"linear"`` (0.1 falling
            to 0 over the epochs), which the ``budget`` benchmark found the better use of a laptop's epochs.
        cloud_epochs, cloud_schedule: the same for RIC's CIFAR-10 cloud classifier C (notebooks 04–09).
            Where they equal ``epochs`` and ``schedule`` (the ``paper`` profile), C *is* Table I's Plain
            model: one checkpoint serves both.
        width: channel multiplier of those ResNet18s (1.0 is the paper's network).
        jpeg_study_images: exact-pixel training images of notebook 02's JPEG-versus-exact study (``None``: all
            that the exact source holds).
        digit_train_images: training images of the MNIST / SVHN classifiers of RIC (``None``: all).
        digit_epochs: their epochs.
    """

    train_images: int | None = _cut("images")
    epochs: int = _cut("epochs")
    schedule: str
    cloud_epochs: int = _cut("epochs")
    cloud_schedule: str
    width: float
    jpeg_study_images: int | None = _cut("images")
    digit_train_images: int | None = _cut("images")
    digit_epochs: int = _cut("epochs")


@dataclass(frozen=True)
class RobustnessSizes:
    """Notebook 03: Table I's adversarially trained models, its attacks and its controls.

    Attributes:
        adversarial_train_images: training images of the models notebook 03 adds — Encrypted-Adv,
            Encrypted-Adv-DK and the attacker's transfer surrogate (``None``: the whole split).
        adversarial_epochs: their epochs.
        adversarial_probe_epochs: epochs of notebook 03's convergence probe, Encrypted-Adv trained again with
            everything else equal for this many epochs (its learning rate decays over them) — does a longer
            schedule lower its error? (``None``: no probe; the ``paper`` profile trains the paper's epochs).
        adversarial_train_steps: PGD steps per batch in adversarial training (the paper: 20).
        adversarial_train_alpha: PGD step size in adversarial training (the paper: 0.01).
        leak_control_images: training images of the label-leak control — small Encrypted-Adv models that
            differ only in the order of augmentation and attack.
        leak_control_epochs: their epochs.
        attack_images: test images attacked per scenario and attack (``None``: the whole test split).
        attack_steps: PGD steps of the test-time attacks (the paper: 20).
        attack_alpha: PGD step size of the test-time attacks (the paper: 0.01).
        eot_samples: random keys averaged per step by the EOT attack on the DK models.
        epsilon_sweep: the ε values of the adversarial-error-versus-ε curves.
        sweep_images: test images per point of those curves.
    """

    adversarial_train_images: int | None = _cut("images")
    adversarial_epochs: int = _cut("epochs")
    adversarial_probe_epochs: int | None
    adversarial_train_steps: int = _cut("loop")
    adversarial_train_alpha: float
    leak_control_images: int = _cut("images")
    leak_control_epochs: int = _cut("epochs")
    attack_images: int | None = _cut("images")
    attack_steps: int = _cut("loop")
    attack_alpha: float
    eot_samples: int = _cut("loop")
    epsilon_sweep: tuple[float, ...] = _cut("ends")
    sweep_images: int = _cut("images")


@dataclass(frozen=True)
class NaeSizes:
    """Notebook 04's noise-like adversarial examples (``steps`` also grows RIC's NAEs).

    Attributes:
        steps: Adam steps of the NAE optimisation (``None``: the released code's — 150 for CIFAR-10, 100 for
            SVHN; the paper gives no step count — and 300 for MNIST, ours).
        keys: keys whose ten class NAEs are grown in the success-rate study.
        images: images of the per-image NAE mode.
        g1_sweep: the margin floors g1 of the sweep.
    """

    steps: int | None = _cut("loop")
    keys: int = _cut("loop")
    images: int = _cut("images")
    g1_sweep: tuple[float, ...]


@dataclass(frozen=True)
class RicSizes:
    """Notebooks 05–06: RIC's codecs and their study.

    Attributes:
        width: channels per branch of F, E and D (the paper: 50).
        train_images: training images of every codec — the main one, its initialisation control, the ablation
            variants and the λ study share one schedule, so that they compare (``None``: all).
        epochs: their epochs (the paper: 200 on SVHN).
        probe_epochs: epochs of notebook 05's convergence probe, the main codec trained on for longer
            (``None``: no probe — the paper's schedule is already the paper's).
        probe_decay_epochs: epochs the probe then continues with Adam's step cut to the paper's 1e-4 (a step
            decay; ``None``: the probe ends with its constant step).
        batch_size: the batch size (the paper: 64).
        learning_rate: Adam's step size (the paper: 1e-4).
        initialisation: ``"pytorch"`` (the release) or ``"identity"`` (ours, for short runs).
        g1: the NAE margin floor g1 (the paper: 5; 10 for VGGFace2).
        train_keys: public training keys whose class NAEs the codecs train on.
        test_images: test images per evaluation (``None``: the whole split).
        lambda_sweep: the λ values of Fig. 7's study.
    """

    width: int
    train_images: int | None = _cut("images")
    epochs: int = _cut("epochs")
    probe_epochs: int | None
    probe_decay_epochs: int | None
    batch_size: int
    learning_rate: float
    initialisation: str
    g1: float
    train_keys: int = _cut("loop")
    test_images: int | None = _cut("images")
    lambda_sweep: tuple[float, ...] = _cut("ends")


@dataclass(frozen=True)
class RicAttackSizes:
    """Notebooks 07–09: the three threat-model attacks on RIC.

    Attributes:
        brute_force_keys: wrong keys tried on every ciphertext (notebook 07; the paper: 200).
        brute_force_images: ciphertexts decoded with each of them (the paper: 100).
        tiny_keyspace_bits: size of the deliberately tiny key space searched in notebook 07.
        cloud_train: ciphertexts the curious cloud trains on (notebook 08; the paper: 4,500).
        cloud_test: ciphertexts it is evaluated on (the paper: 500).
        cloud_epochs: epochs of that training.
        kpa_pairs: numbers of known (ciphertext, plaintext) pairs of notebook 09's sweep.
        kpa_per_image_pairs: the largest pair count also run with per-image NAEs (each costs an optimisation).
        kpa_steps: Adam steps of each U-Net training.
        leak_ciphertexts: ciphertexts per class averaged in notebook 09's NAE-averaging study.
    """

    brute_force_keys: int = _cut("loop")
    brute_force_images: int = _cut("images")
    tiny_keyspace_bits: int = _cut("loop")
    cloud_train: int = _cut("images")
    cloud_test: int = _cut("images")
    cloud_epochs: int = _cut("loop")
    kpa_pairs: tuple[int, ...] = _cut("image_counts")
    kpa_per_image_pairs: int = _cut("images")
    kpa_steps: int = _cut("loop")
    leak_ciphertexts: tuple[int, ...] = _cut("per_class")


@dataclass(frozen=True)
class Profile:
    """One run profile: what the notebooks share, and one section per study.

    Attributes:
        name: ``"smoke"``, ``"quick"``, ``"paper"`` or ``"paper_dry_run"``.
        purpose: one line printed at the top of every notebook.
        shows_results: ``False`` for ``smoke`` and ``paper_dry_run``, whose numbers only prove that the code
            runs.
        train_images: images taken from a training split where a notebook needs plain images rather than a
            model's training set (notebook 01; ``None``: the whole split).
        test_images: images taken from a test split (``None``: the whole split).
        study_seeds: seeds of every small study and control, so that each comparison can be read against
            the spread between seeds — notebook 02's JPEG-versus-exact models, notebook 03's label-leak
            controls, and every codec of RIC's study (notebooks 05–06).
        encryption, classifiers, robustness, nae, ric, ric_attacks: the studies' sizes.
    """

    name: str
    purpose: str
    shows_results: bool
    train_images: int | None = _cut("images")
    test_images: int | None = _cut("images")
    study_seeds: int = _cut("seeds")
    encryption: EncryptionSizes
    classifiers: ClassifierSizes
    robustness: RobustnessSizes
    nae: NaeSizes
    ric: RicSizes
    ric_attacks: RicAttackSizes


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        purpose="CI-sized run that proves the code path; its numbers are NOT results",
        shows_results=False,
        train_images=256,
        test_images=128,
        study_seeds=3,
        encryption=EncryptionSizes(benchmark_images=2_048, key_recovery_images=16),
        classifiers=ClassifierSizes(
            train_images=256,
            epochs=1,
            schedule="linear",
            cloud_epochs=1,
            cloud_schedule="step",
            width=0.125,
            jpeg_study_images=128,
            digit_train_images=512,
            digit_epochs=1,
        ),
        robustness=RobustnessSizes(
            adversarial_train_images=256,
            adversarial_epochs=1,
            adversarial_probe_epochs=2,
            adversarial_train_steps=2,
            adversarial_train_alpha=0.05,
            leak_control_images=128,
            leak_control_epochs=1,
            attack_images=32,
            attack_steps=5,
            attack_alpha=0.02,
            eot_samples=2,
            epsilon_sweep=(0.05, 0.1),
            sweep_images=16,
        ),
        nae=NaeSizes(steps=20, keys=2, images=16, g1_sweep=(0.0, 5.0)),
        ric=RicSizes(
            width=4,
            train_images=128,
            epochs=1,
            probe_epochs=2,
            probe_decay_epochs=1,
            batch_size=16,
            learning_rate=5e-4,
            initialisation="identity",
            g1=10.0,
            train_keys=2,
            test_images=32,
            lambda_sweep=(0.5, 0.8),
        ),
        ric_attacks=RicAttackSizes(
            brute_force_keys=3,
            brute_force_images=8,
            tiny_keyspace_bits=3,
            cloud_train=128,
            cloud_test=32,
            cloud_epochs=1,
            kpa_pairs=(16, 32),
            kpa_per_image_pairs=32,
            kpa_steps=10,
            leak_ciphertexts=(2, 4),
        ),
    ),
    "quick": Profile(
        name="quick",
        purpose="minutes on a laptop CPU with real data; shows the papers' qualitative results",
        shows_results=True,
        train_images=8_000,
        test_images=1_000,
        study_seeds=3,
        encryption=EncryptionSizes(benchmark_images=50_000, key_recovery_images=1_000),
        classifiers=ClassifierSizes(
            train_images=None,
            epochs=16,
            schedule="linear",
            cloud_epochs=8,
            cloud_schedule="step",
            width=0.25,
            jpeg_study_images=4_000,
            digit_train_images=None,
            digit_epochs=3,
        ),
        robustness=RobustnessSizes(
            adversarial_train_images=20_000,
            adversarial_epochs=8,
            adversarial_probe_epochs=16,
            adversarial_train_steps=3,
            adversarial_train_alpha=0.04,
            leak_control_images=4_000,
            leak_control_epochs=3,
            attack_images=500,
            attack_steps=20,
            attack_alpha=0.01,
            eot_samples=4,
            epsilon_sweep=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3),
            sweep_images=200,
        ),
        nae=NaeSizes(steps=None, keys=10, images=200, g1_sweep=(0.0, 1.0, 2.0, 5.0, 10.0, 20.0)),
        ric=RicSizes(
            width=16,
            train_images=8_000,
            epochs=2,
            probe_epochs=16,
            probe_decay_epochs=4,
            batch_size=16,
            learning_rate=5e-4,
            initialisation="identity",
            g1=10.0,
            train_keys=20,
            test_images=500,
            lambda_sweep=(0.2, 0.35, 0.5, 0.65, 0.8),
        ),
        ric_attacks=RicAttackSizes(
            brute_force_keys=40,
            brute_force_images=100,
            tiny_keyspace_bits=10,
            cloud_train=4_500,
            cloud_test=500,
            cloud_epochs=15,
            kpa_pairs=(50, 500, 5_000),
            kpa_per_image_pairs=500,
            kpa_steps=600,
            leak_ciphertexts=(5, 20, 50, 100),
        ),
    ),
    "paper": Profile(
        name="paper",
        purpose="the papers' exact settings on the full data sets; meant for a GPU",
        shows_results=True,
        train_images=None,
        test_images=None,
        study_seeds=3,
        encryption=EncryptionSizes(benchmark_images=50_000, key_recovery_images=5_000),
        classifiers=ClassifierSizes(
            train_images=None,
            epochs=100,
            schedule="step",
            cloud_epochs=100,
            cloud_schedule="step",
            width=1.0,
            jpeg_study_images=None,
            digit_train_images=None,
            digit_epochs=20,
        ),
        robustness=RobustnessSizes(
            adversarial_train_images=None,
            adversarial_epochs=100,
            adversarial_probe_epochs=None,
            adversarial_train_steps=20,
            adversarial_train_alpha=0.01,
            leak_control_images=10_000,
            leak_control_epochs=10,
            attack_images=None,
            attack_steps=20,
            attack_alpha=0.01,
            eot_samples=10,
            epsilon_sweep=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3),
            sweep_images=1_000,
        ),
        nae=NaeSizes(steps=None, keys=50, images=1_000, g1_sweep=(0.0, 1.0, 2.0, 5.0, 10.0, 20.0)),
        ric=RicSizes(
            width=50,
            train_images=None,
            epochs=200,
            probe_epochs=None,
            probe_decay_epochs=None,
            batch_size=64,
            learning_rate=1e-4,
            initialisation="pytorch",
            g1=5.0,
            train_keys=100,
            test_images=None,
            lambda_sweep=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
        ),
        ric_attacks=RicAttackSizes(
            brute_force_keys=200,
            brute_force_images=100,
            tiny_keyspace_bits=12,
            cloud_train=4_500,
            cloud_test=500,
            cloud_epochs=100,
            kpa_pairs=(50, 500, 5_000),
            kpa_per_image_pairs=5_000,
            kpa_steps=5_000,
            leak_ciphertexts=(5, 20, 50, 100, 500),
        ),
    ),
}

# The dry run's caps: images per split or study, and steps, epochs, keys or samples per loop.
DRY_RUN_IMAGES = 32
DRY_RUN_STEPS = 2


def _at_most(value: int | None, cap: int) -> int:
    return cap if value is None else min(value, cap)


# How the dry run cuts each kind of size (a field's ``dry_run`` mark), given its image and step caps.
_CUTS: dict[str, Callable[[Any, int, int], Any]] = {
    "images": lambda value, images, steps: _at_most(value, images),
    "loop": lambda value, images, steps: _at_most(value, steps),
    "epochs": lambda value, images, steps: 1,
    "seeds": lambda value, images, steps: min(value, 2),  # the fewest seeds that still have a spread
    # each λ trains a codec and each ε attacks every model: keep the two ends of each study
    "ends": lambda value, images, steps: tuple(sorted({min(value), max(value)})),
    "image_counts": lambda value, images, steps: tuple(sorted({min(count, images) for count in value})),
    # ciphertexts averaged per class (notebook 09's leak): a sixteenth of the images, at least two
    "per_class": lambda value, images, steps: tuple(
        sorted({min(count, max(2, images // 16)) for count in value})
    ),
}


def _cut_sizes(sizes: Any, images: int, steps: int) -> Any:
    """``sizes`` (a profile or one of its sections) with every marked field cut, sections cut in turn."""
    changes: dict[str, object] = {}
    for size in fields(sizes):
        value = getattr(sizes, size.name)
        if is_dataclass(value):
            changes[size.name] = _cut_sizes(value, images, steps)
        elif "dry_run" in size.metadata:
            changes[size.name] = _CUTS[size.metadata["dry_run"]](value, images, steps)
    return replace(sizes, **changes)


def dry_run(profile: Profile, *, images: int = DRY_RUN_IMAGES, steps: int = DRY_RUN_STEPS) -> Profile:
    """``profile`` with every loop cut short, everything else (widths, batch sizes, step sizes, margins,
    initialisation) unchanged: at most ``images`` images per split or study, at most ``steps`` optimisation
    steps, keys or samples per loop, two seeds per study (the fewest that have a spread), one epoch per
    training, and of the λ and ε studies only their smallest and largest values. Its numbers are not results.
    """
    if not isinstance(profile, Profile):
        raise TypeError(f"profile must be a Profile, got {type(profile).__name__}")
    check_int(images, "images", minimum=1)
    check_int(steps, "steps", minimum=1)
    return replace(
        _cut_sizes(profile, images, steps),
        name=f"{profile.name}_dry_run",
        purpose=f"the '{profile.name}' settings with every loop cut to one small batch or two; NOT results",
        shows_results=False,
    )


PROFILES["paper_dry_run"] = dry_run(PROFILES["paper"])


def get_profile(name: str) -> Profile:
    """The profile called ``name``; a clear ``ValueError`` for anything else."""
    if not isinstance(name, str):
        raise TypeError(f"profile must be a string such as 'quick', got {type(name).__name__}")
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; expected one of {sorted(PROFILES)}") from None
