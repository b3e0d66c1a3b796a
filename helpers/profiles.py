"""Run profiles: how big a run is, in one place.

Every notebook takes a ``PROFILE`` parameter and reads its sizes from here, never from numbers typed into
the notebook:

- ``smoke`` — CI-sized: proves the code path in seconds on two CPU cores. Its numbers are **not results**.
- ``quick`` — minutes on a laptop CPU with real data; shows the papers' qualitative findings.
- ``paper`` — the papers' own settings (full data sets, full schedules); meant for a GPU.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """Sizes of one run profile.

    Attributes:
        name: ``"smoke"``, ``"quick"`` or ``"paper"``.
        purpose: one line printed at the top of every notebook.
        shows_results: ``False`` for ``smoke``, whose numbers only prove that the code runs.
        train_images: images taken from a training split (``None``: the whole split).
        test_images: images taken from a test split (``None``: the whole split).
        benchmark_images: images in a throughput measurement.
        key_recovery_images: images tried one by one in the known-plaintext key-recovery study.
        classifier_train_images: training images of the CIFAR-10 ResNet18 classifiers (notebooks 02–03;
            ``None``: the whole split — with an offline folder, its full-size JPEG copy when present).
        epochs: training epochs of those classifiers; the learning-rate
            schedule is the paper's (0.1, then 0.01 after 40 % of the epochs).
        model_width: channel multiplier of those ResNet18s (1.0 is the paper's network).
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
    ),
}


def get_profile(name: str) -> Profile:
    """The profile called ``name``; a clear ``ValueError`` for anything else."""
    if not isinstance(name, str):
        raise TypeError(f"profile must be a string such as 'quick', got {type(name).__name__}")
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; expected one of {sorted(PROFILES)}") from None
