"""The models of Maung Maung et al.'s Table I: built, trained and cached in one place.

Notebooks 02 and 03 ask for the same scenario with the same profile, data, key and seed, and so share one
checkpoint: whichever runs first trains it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from helpers import encryption, networks, training
from helpers.checkpoints import CacheOutcome, source_fingerprint, train_or_load
from helpers.data import ImageData
from helpers.encryption import BlockKey
from helpers.profiles import Profile
from helpers.training import (
    Adversary,
    KeyPolicy,
    TrainingConfig,
    TrainingHistory,
    prepare_model,
    train_classifier,
)


@dataclass(frozen=True)
class Scenario:
    """One row of Table I.

    Attributes:
        name: identifier used in code, file names and ``results.json``.
        label: the paper's name for the row.
        encrypted: the model sees encrypted images through an adaptation network.
        different_keys: a fresh key for every mini-batch (the paper's "DK").
    """

    name: str
    label: str
    encrypted: bool
    different_keys: bool


SCENARIOS: dict[str, Scenario] = {
    "plain": Scenario("plain", "Plain", encrypted=False, different_keys=False),
    "encrypted": Scenario("encrypted", "Encrypted", encrypted=True, different_keys=False),
}


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; a clear ``ValueError`` for anything else."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; expected one of {sorted(SCENARIOS)}") from None


def key_policies(scenario: Scenario, key_seed: int, block_size: int = 4) -> tuple[KeyPolicy, KeyPolicy]:
    """The (training, test) key policies of a scenario.

    Plain: no key. One-key scenarios: ``BlockKey.from_seed(key_seed)`` for training and test. DK scenarios: a
    fresh key per batch, from generators seeded ``key_seed`` (training) and ``key_seed + 1`` (test), so
    that the test keys are never the training keys.
    """
    if not scenario.encrypted:
        return KeyPolicy.none(), KeyPolicy.none()
    if scenario.different_keys:
        return KeyPolicy.per_batch(key_seed, block_size), KeyPolicy.per_batch(key_seed + 1, block_size)
    key = BlockKey.from_seed(key_seed, block_size=block_size)
    return KeyPolicy.fixed(key), KeyPolicy.fixed(key)


def build_model(
    scenario: Scenario, width: float, block_size: int = 4, three_channel: bool = False
) -> nn.Module:
    """ResNet18 for plain images; adaptation network + ResNet18 for encrypted ones."""
    if scenario.encrypted:
        return networks.encrypted_resnet18(block_size, width=width, three_channel=three_channel)
    return networks.ResNet18(width=width)


@dataclass
class TrainedScenario:
    """A trained (or cache-loaded) scenario model with everything needed to evaluate it."""

    scenario: Scenario
    model: nn.Module
    history: TrainingHistory
    train_keys: KeyPolicy
    test_keys: KeyPolicy
    cache: CacheOutcome


def train_scenario(
    name: str,
    train: ImageData,
    test: ImageData,
    *,
    profile: Profile,
    key_seed: int,
    seed: int = 0,
    block_size: int = 4,
    three_channel: bool = False,
    adversary: Adversary | None = None,
    adversary_settings: dict[str, object] | None = None,
    progress: bool = True,
) -> TrainedScenario:
    """Train the model of scenario ``name`` with the profile's settings, or load it from the cache.

    The checkpoint is keyed by the scenario, model width, block size, data (name, split, size, source), key
    policy (by fingerprint), training settings, adversary settings, profile, seed and the source code of the
    modules involved. The test split is evaluated after every epoch for the curves.
    """
    scenario = get_scenario(name)
    if adversary is not None and adversary_settings is None:
        raise ValueError(
            "adversary_settings must describe the adversary (it is part of the checkpoint's key)"
        )
    device = train.images.device
    train_keys, test_keys = key_policies(scenario, key_seed, block_size)
    config = TrainingConfig.paper_schedule(profile.epochs, seed=seed)
    description = {
        "scenario": name,
        "model": {"width": profile.model_width, "block_size": block_size, "three_channel": three_channel},
        "data": {
            split.split: {"name": split.name, "size": len(split), "source": split.source}
            for split in (train, test)
        },
        "keys": {"train": train_keys.describe(), "test": test_keys.describe()},
        "training": config.to_dict(),
        "adversary": adversary_settings,
        "profile": profile.name,
        "device_type": device.type,
        "code": source_fingerprint(networks, training, encryption),
    }

    def build() -> nn.Module:
        torch.manual_seed(seed)
        return prepare_model(build_model(scenario, profile.model_width, block_size, three_channel), device)

    def fit(model: nn.Module) -> dict[str, object]:
        history = train_classifier(
            model,
            train,
            config,
            train_keys,
            evaluate_on={"test": (test, test_keys)},
            adversary=adversary,
            progress=progress,
            description=scenario.label,
        )
        return history.to_dict()

    model, history, outcome = train_or_load(name, description, build, fit)
    return TrainedScenario(
        scenario, model, TrainingHistory.from_dict(history), train_keys, test_keys, outcome
    )
