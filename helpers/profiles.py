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
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from helpers.validation import check_int


@dataclass(frozen=True)
class Profile:
    """Sizes of one run profile.

    Attributes:
        name: ``"smoke"``, ``"quick"``, ``"paper"`` or ``"paper_dry_run"``.
        purpose: one line printed at the top of every notebook.
        shows_results: ``False`` for ``smoke`` and ``paper_dry_run``, whose numbers only prove that the code
            runs.
        train_images: images taken from a training split (``None``: the whole split).
        test_images: images taken from a test split (``None``: the whole split).
        benchmark_images: images in a throughput measurement.
        key_recovery_images: images tried one by one in the known-plaintext key-recovery study.
        classifier_train_images: training images of the CIFAR-10 ResNet18 classifiers (notebooks 02–03;
            ``None``: the whole split — with an offline folder, its full-size JPEG copy when present).
        epochs: training epochs of those classifiers; the learning-rate
            schedule is the paper's (0.1, then 0.01 after 40 % of the epochs).
        model_width: channel multiplier of those ResNet18s (1.0 is the paper's network).
        secondary_train_images: training images of the models notebook 03 adds — Encrypted-Adv,
            Encrypted-Adv-DK and the attacker's transfer surrogate (``None``: the whole split).
        secondary_epochs: their epochs.
        adversarial_train_steps: PGD steps per batch in adversarial training (the paper: 20).
        adversarial_train_alpha: PGD step size in adversarial training (the paper: 0.01).
        leak_control_images: training images of notebook 03's label-leak control — two small Encrypted-Adv
            models that differ only in the order of augmentation and attack.
        leak_control_epochs: their epochs.
        study_seeds: seeds of every small study and control, so that each comparison can be read against
            the spread between seeds — notebook 02's JPEG-versus-exact models, notebook 03's label-leak
            controls, and every codec of RIC's study (notebooks 05–06).
        jpeg_study_images: exact-pixel training images of notebook 02's JPEG-versus-exact study (``None``: all
            that the exact source holds).
        attack_images: test images attacked per scenario and attack (``None``: the whole test split).
        attack_steps: PGD steps of the test-time attacks (the paper: 20).
        attack_alpha: PGD step size of the test-time attacks (the paper: 0.01).
        eot_samples: random keys averaged per step by the EOT attack on the DK models.
        epsilon_sweep: the ε values of the adversarial-error-versus-ε curves.
        sweep_images: test images per point of those curves.
        digit_train_images: training images of the MNIST / SVHN classifiers of RIC (``None``: all).
        digit_epochs: their epochs.
        nae_steps: Adam steps of the NAE optimisation (``None``: the paper's — 150 for CIFAR-10, 100 for
            SVHN, and 300 for MNIST, ours).
        nae_keys: keys whose ten class NAEs are grown in notebook 04's success-rate study.
        nae_images: images of the per-image NAE mode (notebook 04).
        nae_g1_sweep: the margin floors g1 of notebook 04's sweep.
        ric_width: channels per branch of RIC's F, E and D (the paper: 50).
        ric_train_images: training images of every RIC codec — the main one, its initialisation control, the
            ablation variants and the λ study share one schedule, so that they compare (``None``: all).
        ric_epochs: their epochs (the paper: 200 on SVHN).
        ric_probe_epochs: epochs of notebook 05's convergence probe, the main codec trained on for longer
            (``None``: no probe — the paper's schedule is already the paper's).
        ric_batch_size: RIC's batch size (the paper: 64).
        ric_learning_rate: RIC's Adam step size (the paper: 1e-4).
        ric_initialisation: ``"pytorch"`` (the release) or ``"identity"`` (ours, for short runs).
        ric_g1: the NAE margin floor g1 used by RIC (the paper: 5; 10 for VGGFace2).
        ric_train_keys: public training keys whose class NAEs the codecs train on.
        ric_test_images: test images per evaluation (``None``: the whole split).
        ric_lambda_sweep: the λ values of Fig. 7's study.
        brute_force_keys: wrong keys tried on every ciphertext in notebook 07 (the paper: 200).
        brute_force_images: ciphertexts decoded with each of them (the paper: 100).
        tiny_keyspace_bits: size of the deliberately tiny key space searched in notebook 07.
        cloud_attack_train: ciphertexts the curious cloud trains on in notebook 08 (the paper: 4,500).
        cloud_attack_test: ciphertexts it is evaluated on (the paper: 500).
        cloud_attack_epochs: epochs of that training.
        kpa_pairs: numbers of known (ciphertext, plaintext) pairs of notebook 09's sweep.
        kpa_per_image_pairs: the largest pair count also run with per-image NAEs (each costs an optimisation).
        kpa_steps: Adam steps of each U-Net training.
        leak_ciphertexts: ciphertexts per class averaged in notebook 09's NAE-averaging study.
    """

    name: str
    purpose: str
    shows_results: bool
    train_images: int | None
    test_images: int | None
    benchmark_images: int
    key_recovery_images: int
    classifier_train_images: int | None
    epochs: int
    model_width: float
    secondary_train_images: int | None
    secondary_epochs: int
    adversarial_train_steps: int
    adversarial_train_alpha: float
    leak_control_images: int
    leak_control_epochs: int
    study_seeds: int
    jpeg_study_images: int | None
    attack_images: int | None
    attack_steps: int
    attack_alpha: float
    eot_samples: int
    epsilon_sweep: tuple[float, ...]
    sweep_images: int
    digit_train_images: int | None
    digit_epochs: int
    nae_steps: int | None
    nae_keys: int
    nae_images: int
    nae_g1_sweep: tuple[float, ...]
    ric_width: int
    ric_train_images: int | None
    ric_epochs: int
    ric_probe_epochs: int | None
    ric_batch_size: int
    ric_learning_rate: float
    ric_initialisation: str
    ric_g1: float
    ric_train_keys: int
    ric_test_images: int | None
    ric_lambda_sweep: tuple[float, ...]
    brute_force_keys: int
    brute_force_images: int
    tiny_keyspace_bits: int
    cloud_attack_train: int
    cloud_attack_test: int
    cloud_attack_epochs: int
    kpa_pairs: tuple[int, ...]
    kpa_per_image_pairs: int
    kpa_steps: int
    leak_ciphertexts: tuple[int, ...]


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        purpose="CI-sized run that proves the code path; its numbers are NOT results",
        shows_results=False,
        train_images=256,
        test_images=128,
        benchmark_images=2_048,
        key_recovery_images=16,
        classifier_train_images=256,
        epochs=1,
        model_width=0.125,
        secondary_train_images=256,
        secondary_epochs=1,
        adversarial_train_steps=2,
        adversarial_train_alpha=0.05,
        leak_control_images=128,
        leak_control_epochs=1,
        study_seeds=3,
        jpeg_study_images=128,
        attack_images=32,
        attack_steps=5,
        attack_alpha=0.02,
        eot_samples=2,
        epsilon_sweep=(0.05, 0.1),
        sweep_images=16,
        digit_train_images=512,
        digit_epochs=1,
        nae_steps=20,
        nae_keys=2,
        nae_images=16,
        nae_g1_sweep=(0.0, 5.0),
        ric_width=4,
        ric_train_images=128,
        ric_epochs=1,
        ric_probe_epochs=2,
        ric_batch_size=16,
        ric_learning_rate=5e-4,
        ric_initialisation="identity",
        ric_g1=10.0,
        ric_train_keys=2,
        ric_test_images=32,
        ric_lambda_sweep=(0.5, 0.8),
        brute_force_keys=3,
        brute_force_images=8,
        tiny_keyspace_bits=3,
        cloud_attack_train=128,
        cloud_attack_test=32,
        cloud_attack_epochs=1,
        kpa_pairs=(16, 32),
        kpa_per_image_pairs=32,
        kpa_steps=10,
        leak_ciphertexts=(2, 4),
    ),
    "quick": Profile(
        name="quick",
        purpose="minutes on a laptop CPU with real data; shows the papers' qualitative results",
        shows_results=True,
        train_images=8_000,
        test_images=1_000,
        benchmark_images=50_000,
        key_recovery_images=1_000,
        classifier_train_images=None,
        epochs=8,
        model_width=0.25,
        secondary_train_images=20_000,
        secondary_epochs=4,
        adversarial_train_steps=3,
        adversarial_train_alpha=0.04,
        leak_control_images=4_000,
        leak_control_epochs=3,
        study_seeds=3,
        jpeg_study_images=4_000,
        attack_images=500,
        attack_steps=20,
        attack_alpha=0.01,
        eot_samples=4,
        epsilon_sweep=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3),
        sweep_images=200,
        digit_train_images=None,
        digit_epochs=3,
        nae_steps=None,
        nae_keys=10,
        nae_images=200,
        nae_g1_sweep=(0.0, 1.0, 2.0, 5.0, 10.0, 20.0),
        ric_width=16,
        ric_train_images=8_000,
        ric_epochs=2,
        ric_probe_epochs=8,
        ric_batch_size=16,
        ric_learning_rate=5e-4,
        ric_initialisation="identity",
        ric_g1=10.0,
        ric_train_keys=20,
        ric_test_images=500,
        ric_lambda_sweep=(0.2, 0.35, 0.5, 0.65, 0.8),
        brute_force_keys=40,
        brute_force_images=100,
        tiny_keyspace_bits=10,
        cloud_attack_train=4_500,
        cloud_attack_test=500,
        cloud_attack_epochs=15,
        kpa_pairs=(50, 500, 5_000),
        kpa_per_image_pairs=500,
        kpa_steps=600,
        leak_ciphertexts=(5, 20, 50, 100),
    ),
    "paper": Profile(
        name="paper",
        purpose="the papers' exact settings on the full data sets; meant for a GPU",
        shows_results=True,
        train_images=None,
        test_images=None,
        benchmark_images=50_000,
        key_recovery_images=5_000,
        classifier_train_images=None,
        epochs=100,
        model_width=1.0,
        secondary_train_images=None,
        secondary_epochs=100,
        adversarial_train_steps=20,
        adversarial_train_alpha=0.01,
        leak_control_images=10_000,
        leak_control_epochs=10,
        study_seeds=3,
        jpeg_study_images=None,
        attack_images=None,
        attack_steps=20,
        attack_alpha=0.01,
        eot_samples=10,
        epsilon_sweep=(0.01, 0.02, 0.05, 0.1, 0.2, 0.3),
        sweep_images=1_000,
        digit_train_images=None,
        digit_epochs=20,
        nae_steps=None,
        nae_keys=50,
        nae_images=1_000,
        nae_g1_sweep=(0.0, 1.0, 2.0, 5.0, 10.0, 20.0),
        ric_width=50,
        ric_train_images=None,
        ric_epochs=200,
        ric_probe_epochs=None,
        ric_batch_size=64,
        ric_learning_rate=1e-4,
        ric_initialisation="pytorch",
        ric_g1=5.0,
        ric_train_keys=100,
        ric_test_images=None,
        ric_lambda_sweep=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
        brute_force_keys=200,
        brute_force_images=100,
        tiny_keyspace_bits=12,
        cloud_attack_train=4_500,
        cloud_attack_test=500,
        cloud_attack_epochs=100,
        kpa_pairs=(50, 500, 5_000),
        kpa_per_image_pairs=5_000,
        kpa_steps=5_000,
        leak_ciphertexts=(5, 20, 50, 100, 500),
    ),
}

# The dry run's caps: images per split or study, and steps, epochs, keys or samples per loop.
DRY_RUN_IMAGES = 32
DRY_RUN_STEPS = 2

_IMAGE_COUNTS = (
    "train_images",
    "test_images",
    "benchmark_images",
    "key_recovery_images",
    "classifier_train_images",
    "secondary_train_images",
    "attack_images",
    "sweep_images",
    "digit_train_images",
    "nae_images",
    "ric_train_images",
    "ric_test_images",
    "brute_force_images",
    "cloud_attack_train",
    "cloud_attack_test",
    "kpa_per_image_pairs",
    "leak_control_images",
    "jpeg_study_images",
)
_EPOCHS = (
    "epochs",
    "secondary_epochs",
    "leak_control_epochs",
    "digit_epochs",
    "ric_epochs",
)  # one epoch each
_LOOP_COUNTS = (
    "adversarial_train_steps",
    "attack_steps",
    "eot_samples",
    "nae_steps",
    "nae_keys",
    "ric_train_keys",
    "brute_force_keys",
    "tiny_keyspace_bits",
    "cloud_attack_epochs",
    "kpa_steps",
)


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
    capped: dict[str, object] = {
        name: images if getattr(profile, name) is None else min(getattr(profile, name), images)
        for name in _IMAGE_COUNTS
    }
    capped |= {
        name: steps if getattr(profile, name) is None else min(getattr(profile, name), steps)
        for name in _LOOP_COUNTS
    }
    capped |= dict.fromkeys(_EPOCHS, 1)
    capped["study_seeds"] = min(profile.study_seeds, 2)
    per_class = max(2, images // 16)  # ciphertexts averaged per class in notebook 09's leak
    capped |= {
        "kpa_pairs": tuple(sorted({min(pairs, images) for pairs in profile.kpa_pairs})),
        "leak_ciphertexts": tuple(sorted({min(count, per_class) for count in profile.leak_ciphertexts})),
        # each λ trains a codec and each ε attacks every model: keep the two ends of each study
        "ric_lambda_sweep": tuple(sorted({min(profile.ric_lambda_sweep), max(profile.ric_lambda_sweep)})),
        "epsilon_sweep": tuple(sorted({min(profile.epsilon_sweep), max(profile.epsilon_sweep)})),
    }
    return replace(
        profile,
        name=f"{profile.name}_dry_run",
        purpose=f"the '{profile.name}' settings with every loop cut to one small batch or two; NOT results",
        shows_results=False,
        **capped,
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
