"""The models of Maung Maung et al.'s Table I: built, trained and cached in one place.

Notebooks 02 and 03 ask for the same scenario with the same budget, data, key and seed, and so share one
checkpoint: whichever runs first trains it.

Budgets (:class:`ScenarioBudget`, resolved from a run profile in one line): Plain, Encrypted and
Encrypted-DK train on ``train_images`` for ``epochs``; the adversarially trained scenarios, whose every step
costs ``attack.steps + 1`` forward-backward passes, on ``adversarial_train_images`` for
``adversarial_epochs`` (the same as the others in the ``paper`` profile; smaller in ``quick``).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from helpers import networks
from helpers.attacks import AdversarialRecipe, PGDSettings, madry_adversary
from helpers.checkpoints import CacheOutcome, code_fingerprint
from helpers.data import ImageData
from helpers.encryption import BlockKey, KeyPolicy
from helpers.paper_numbers import TABLE_I_ROWS
from helpers.profiles import Profile
from helpers.training import (
    PRECISIONS,
    SCHEDULES,
    TrainingConfig,
    TrainingHistory,
    plain_resnet18,
    train_or_load_classifier,
)
from helpers.validation import check_choice, check_count, check_int, check_positive_number


@dataclass(frozen=True)
class Scenario:
    """One row of Table I.

    Attributes:
        name: identifier used in code, file names and ``results.json``.
        label: the paper's name for the row.
        encrypted: the model sees encrypted images through an adaptation network.
        adversarial: Madry adversarial training (the paper's "Adv").
        different_keys: a fresh key for every mini-batch (the paper's "DK").
    """

    name: str
    label: str
    encrypted: bool
    adversarial: bool
    different_keys: bool


SCENARIOS: dict[str, Scenario] = {
    name: Scenario(
        name,
        TABLE_I_ROWS[name],
        encrypted=name != "plain",
        adversarial="_adv" in name,
        different_keys=name.endswith("_dk"),
    )
    for name in TABLE_I_ROWS
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


@dataclass(frozen=True)
class ScenarioBudget:
    """How large Table I's models are and how long they train.

    Attributes:
        width: channel multiplier of the ResNet18s (1.0 is the paper's network).
        epochs: epochs of Plain, Encrypted and Encrypted-DK.
        train_images: their training images (``None``: the whole split given).
        adversarial_epochs, adversarial_train_images: the same for the adversarially trained models (and an
            attacker's surrogate).
        attack: the PGD of adversarial training (ε = 0.1, the paper's).
        precision: ``"fp32"`` or ``"bf16"`` training (see :attr:`helpers.training.TrainingConfig.precision`).
        schedule: the learning-rate schedule of every model (see
            :attr:`helpers.training.TrainingConfig.schedule`): ``"step"``, the paper's, or ``"linear"`` (the
            ``quick`` profile's, chosen by the ``budget`` benchmark).
    """

    width: float
    epochs: int
    train_images: int | None
    adversarial_epochs: int
    adversarial_train_images: int | None
    attack: PGDSettings
    precision: str = "fp32"
    schedule: str = "step"

    def __post_init__(self) -> None:
        check_positive_number(self.width, "width")
        for name in ("epochs", "adversarial_epochs"):
            check_int(getattr(self, name), name, minimum=1)
        for name in ("train_images", "adversarial_train_images"):
            check_count(getattr(self, name), name)
        if not isinstance(self.attack, PGDSettings):
            raise TypeError(f"attack must be a PGDSettings, got {type(self.attack).__name__}")
        check_choice(self.precision, "precision", PRECISIONS)
        check_choice(self.schedule, "schedule", SCHEDULES)

    @classmethod
    def from_profile(cls, profile: Profile, precision: str = "fp32") -> ScenarioBudget:
        """A run profile's Table I settings: its ``classifiers`` section (width, epochs, schedule, images) and
        the adversarial training of its ``robustness`` section."""
        return cls(
            width=profile.classifiers.width,
            epochs=profile.classifiers.epochs,
            train_images=profile.classifiers.train_images,
            adversarial_epochs=profile.robustness.adversarial_epochs,
            adversarial_train_images=profile.robustness.adversarial_train_images,
            attack=PGDSettings(
                epsilon=0.1,
                alpha=profile.robustness.adversarial_train_alpha,
                steps=profile.robustness.adversarial_train_steps,
            ),
            precision=precision,
            schedule=profile.classifiers.schedule,
        )


def train_scenario(
    name: str,
    train: ImageData,
    test: ImageData,
    budget: ScenarioBudget,
    *,
    key_seed: int,
    seed: int = 0,
    block_size: int = 4,
    three_channel: bool = False,
    adversarial_placement: str = "bpda",
    adversarial_recipe: AdversarialRecipe | None = None,
    train_images: int | None = None,
    epochs: int | None = None,
    progress: bool = True,
) -> TrainedScenario:
    """Train the model of scenario ``name`` within ``budget``, or load it from the cache.

    Args:
        name: a key of :data:`SCENARIOS`.
        train: the training split; the budget decides how many of its images are used.
        test: evaluated after every epoch for the curves.
        budget: width, epochs, training images, adversarial training's PGD and precision.
        key_seed: the secret of the one-key scenarios, the generator seed of the DK ones.
        seed: model initialisation, data order, augmentation, attack random starts.
        block_size, three_channel: the encryption's block size and the adapter variant.
        adversarial_placement: how adversarial training differentiates through the encryption (see
            :data:`helpers.attacks.PLACEMENTS`); ``"bpda"`` trains on real PGD examples, ``"none"`` on
            masked-gradient ones. Ignored by scenarios without adversarial training.
        adversarial_recipe: how adversarial training combines augmentation with the attack (see
            :class:`helpers.attacks.AdversarialRecipe`; default: reflect-padded crop and flip, then PGD —
            full-strength examples and no blank border to write the label into). Ignored by scenarios
            without adversarial training.
        train_images, epochs: override the budget's (e.g. for an attacker's surrogate model).
        progress: show a progress bar (else print a line every few epochs).

    Plain is :func:`helpers.training.plain_resnet18` (the checkpoint RIC's cloud classifier shares); every
    scenario is keyed by what shapes it and the code that builds and trains it (see
    :func:`helpers.training.train_or_load_classifier`).
    """
    scenario = get_scenario(name)
    default_images, default_epochs = (
        (budget.adversarial_train_images, budget.adversarial_epochs)
        if scenario.adversarial
        else (budget.train_images, budget.epochs)
    )
    train = train.head(train_images or default_images)
    train_keys, test_keys = key_policies(scenario, key_seed, block_size)
    if not scenario.encrypted and not scenario.adversarial:
        trained = plain_resnet18(
            train,
            test,
            width=budget.width,
            epochs=epochs or default_epochs,
            seed=seed,
            precision=budget.precision,
            schedule=budget.schedule,
            progress=progress,
        )
        return TrainedScenario(scenario, trained.model, trained.history, train_keys, test_keys, trained.cache)
    settings: dict[str, object] = {
        "scenario": name,
        "model": {"width": budget.width, "block_size": block_size, "three_channel": three_channel},
        "adversary": None,
    }
    adversary = None
    engine_augments = True
    if scenario.adversarial:
        attack = budget.attack
        recipe = adversarial_recipe or AdversarialRecipe()
        adversary = madry_adversary(attack, adversarial_placement, seed=seed, recipe=recipe)
        settings["adversary"] = {
            "pgd": attack.to_dict(),
            "placement": adversarial_placement,
            "recipe": recipe.to_dict(),
        }
        engine_augments = False  # the adversary augments, as its recipe says
    config = TrainingConfig.with_schedule(
        budget.schedule,
        epochs or default_epochs,
        seed=seed,
        augment=engine_augments,
        precision=budget.precision,
    )
    trained = train_or_load_classifier(
        name,
        lambda: build_model(scenario, budget.width, block_size, three_channel),
        train,
        test,
        config,
        settings=settings,
        code=code_fingerprint(
            build_model, key_policies, train_or_load_classifier, *([madry_adversary] if adversary else [])
        ),
        train_keys=train_keys,
        test_keys=test_keys,
        adversary=adversary,
        progress=progress,
        label=scenario.label,
    )
    return TrainedScenario(scenario, trained.model, trained.history, train_keys, test_keys, trained.cache)
