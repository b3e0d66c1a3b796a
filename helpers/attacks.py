"""L∞ PGD (Madry et al. 2018) and where its gradient goes through the block-wise encryption.

PGD, eq. (1) of Maung Maung et al. (2019)::

    x_{t+1} = clip_{x, ε}( x_t + α · sign(∇_x L(θ, x_t, y)) )

projected onto the L∞ ball of radius ε around the clean image and onto [0, 1]; the course adds Madry's
random start ``x_0 = x + U(−ε, ε)`` (an option, on by default).

Against an encrypted model the attacker perturbs the **plain** image and the victim encrypts the result, so
the gradient has to pass through the encryption. The *placement* says how it does (see
:data:`PLACEMENTS`): not at all (``none``), through a float re-implementation differentiated by autograd
(``autograd``), through a straight-through surrogate (``bpda``, Athalye et al. 2018), or not needed because
the attacker perturbs the ciphertext itself (``encrypted_domain``, another threat model).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from helpers.data import ImageData
from helpers.encryption import BlockKey, KeyPolicy, decrypt, gather_map, model_input
from helpers.images import check_float_images, to_float, to_uint8
from helpers.statistics import paired_difference_interval
from helpers.training import Adversary, augment_batch, reflect_augment_batch
from helpers.validation import check_finite_number, check_int

PLACEMENTS = ("none", "autograd", "bpda", "encrypted_domain")
"""Where the attack's gradient meets the encryption.

- ``none``: the encryption is a non-differentiable uint8 step (what a NumPy implementation gives); the attack
  gets no gradient and only its random start perturbs the image;
- ``autograd``: a float re-implementation differentiated by autograd — ``floor`` has zero gradient, so only
  the lower nibbles pass gradient;
- ``bpda``: exact encryption forward, straight-through ``floor`` and rounding backward (Backward Pass
  Differentiable Approximation) — the upper nibbles, which carry the image, pass gradient;
- ``encrypted_domain``: the attacker perturbs the ciphertext directly, within the same ε. This is **another
  threat model**, not a stronger attack in the same one: an ε change of a ciphertext byte can move the
  plaintext byte it decrypts to by up to 1.0 (a flipped upper nibble), so it is never evidence about a model
  defended at plaintext ε.
"""
COMBINED = "autograd+bpda"
"""An evaluation-only placement: one PGD whose loss is the sum of the ``autograd`` and ``bpda`` losses. Both
have the exact encryption forward, so the step follows the sum of the two gradients — the lower nibbles'
path and the upper nibbles' path at once — where each alone follows one of them."""
EVALUATION_PLACEMENTS = (*PLACEMENTS, COMBINED)


@dataclass(frozen=True)
class PGDSettings:
    """PGD's parameters; the defaults are the paper's (ε = 0.1, α = 0.01, 20 steps, images in [0, 1])."""

    epsilon: float = 0.1
    alpha: float = 0.01
    steps: int = 20
    random_start: bool = True

    def __post_init__(self) -> None:
        for name in ("epsilon", "alpha"):
            if check_finite_number(getattr(self, name), name) < 0:
                raise ValueError(f"{name} must be a non-negative number, got {getattr(self, name)!r}")
        check_int(self.steps, "steps", minimum=1)

    def to_dict(self) -> dict[str, object]:
        return {
            "epsilon": self.epsilon,
            "alpha": self.alpha,
            "steps": self.steps,
            "random_start": self.random_start,
        }


def pgd(
    loss: Callable[[torch.Tensor], torch.Tensor],
    images: torch.Tensor,
    settings: PGDSettings,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Projected gradient *ascent* on ``loss`` within the L∞ ball of ``settings.epsilon`` around ``images``.

    Args:
        loss: maps a batch of float images to a scalar to maximise (e.g. the mean cross-entropy of the true
            labels); if it does not depend differentiably on its input, the steps do not move.
        images: clean float images in ``[0, 1]``.
        settings: ε, α, steps, random start.
        generator: for the random start (reproducible attacks).

    Returns:
        Adversarial images in ``[0, 1]`` with ``|x_adv − x|∞ ≤ ε``, detached.
    """
    if not isinstance(settings, PGDSettings):
        raise TypeError(f"settings must be a PGDSettings, got {type(settings).__name__}")
    clean = check_float_images(images).detach()
    epsilon = settings.epsilon
    adversarial = clean.clone()
    if settings.random_start:
        noise = torch.rand(clean.shape, generator=generator, device=clean.device, dtype=clean.dtype)
        adversarial = (clean + (2 * noise - 1) * epsilon).clamp(0, 1)
    for _ in range(settings.steps):
        adversarial.requires_grad_(True)
        (gradient,) = torch.autograd.grad(loss(adversarial), adversarial, allow_unused=True)
        if gradient is None:  # the loss does not depend differentiably on the input: no step can move
            break
        adversarial = adversarial.detach() + settings.alpha * gradient.sign()
        adversarial = torch.minimum(torch.maximum(adversarial, clean - epsilon), clean + epsilon).clamp(0, 1)
    return adversarial.detach()


def _straight_through(value: torch.Tensor, rounded: torch.Tensor) -> torch.Tensor:
    """``rounded`` forward, gradient of the identity backward."""
    return value + (rounded - value).detach()


def encrypt_float(images: torch.Tensor, key: BlockKey, *, straight_through: bool) -> torch.Tensor:
    """The block-wise encryption on float images in ``[0, 1]``, written with differentiable operations.

    The forward value equals ``to_float(encrypt(to_uint8(images), key))`` exactly. Bytes are rounded to the
    8-bit grid with a straight-through estimator, then split into nibbles with ``floor``:

    - ``straight_through=False`` (placement ``autograd``): autograd's ``floor`` has zero gradient, so upper
      nibbles pass none and lower nibbles (``b − 16·floor(b/16)``) pass all of it;
    - ``straight_through=True`` (placement ``bpda``): ``floor`` is straight-through too, so an upper nibble
      behaves like ``b/16`` backward and a lower nibble like a constant.
    """
    images = check_float_images(images)
    if not isinstance(key, BlockKey):
        raise TypeError(f"key must be a BlockKey, got {type(key).__name__}")
    channels, height, width = images.shape[-3:]
    plan = gather_map(key, height, width, images.device)
    scaled = 255 * images.reshape(-1, channels * height * width)
    byte = _straight_through(scaled, torch.round(scaled))

    def nibble(source: torch.Tensor, shift: torch.Tensor, flip: torch.Tensor) -> torch.Tensor:
        value = byte.index_select(1, source)
        upper = (
            _straight_through(value / 16, torch.floor(value / 16))
            if straight_through
            else torch.floor(value / 16)
        )
        chosen = torch.where(shift == 4, upper, value - 16 * upper)
        return torch.where(flip == 15, 15 - chosen, chosen)

    lower = nibble(plan.lower_source, plan.lower_shift, plan.lower_flip)
    upper = nibble(plan.upper_source, plan.upper_shift, plan.upper_flip)
    return ((16 * upper + lower) / 255).reshape(images.shape)


def _check_placement(placement: str) -> str:
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    return placement


def attacked_view(
    model: nn.Module, key: BlockKey | None, placement: str
) -> Callable[[torch.Tensor], torch.Tensor]:
    """The function from plain float images to logits that the attacker differentiates.

    For ``key=None`` (an unencrypted model) every placement is the model itself. For ``encrypted_domain`` the
    attacker's input is the ciphertext, so the view is the model itself too.
    """
    _check_placement(placement)
    if key is None or placement == "encrypted_domain":
        return model
    if placement == "none":
        return lambda images: model(encrypt_float(images, key, straight_through=False).detach())
    return lambda images: model(encrypt_float(images, key, straight_through=placement == "bpda"))


KeySampler = Callable[[], Sequence[BlockKey | None]]
"""Draws a fresh list of keys on every call: an attacker who does not know the key (EOT)."""


def expected_cross_entropy(
    model: nn.Module,
    labels: torch.Tensor,
    keys: Sequence[BlockKey | None] | KeySampler,
    placement: str,
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Cross-entropy of the true labels averaged over ``keys`` — Expectation over Transformation (EOT).

    With one key this is the plain white-box loss. With a :data:`KeySampler` every call — every PGD step —
    averages over **freshly drawn** keys, as EOT estimates the expected gradient (Athalye et al. 2018); it
    attacks a model that encrypts each batch with a key the attacker does not know (the DK scenarios).
    """
    if callable(keys):
        sampler = keys

        def fresh_keys_loss(images: torch.Tensor) -> torch.Tensor:
            views = [attacked_view(model, key, placement) for key in sampler()]
            return torch.stack([F.cross_entropy(view(images), labels) for view in views]).mean()

        return fresh_keys_loss
    views = [attacked_view(model, key, placement) for key in keys]
    return lambda images: torch.stack([F.cross_entropy(view(images), labels) for view in views]).mean()


def _check_evaluation_placement(placement: str) -> str:
    if placement not in EVALUATION_PLACEMENTS:
        raise ValueError(f"placement must be one of {EVALUATION_PLACEMENTS}, got {placement!r}")
    return placement


def attack_loss(
    model: nn.Module,
    labels: torch.Tensor,
    keys: Sequence[BlockKey | None] | KeySampler,
    placement: str,
) -> Callable[[torch.Tensor], torch.Tensor]:
    """The loss an evaluation attack ascends on plain images: :func:`expected_cross_entropy` for one of
    :data:`PLACEMENTS` (but ``encrypted_domain``, which attacks the ciphertext), and for :data:`COMBINED` the
    sum of the ``autograd`` and ``bpda`` losses (with a :data:`KeySampler`, each draws its own fresh keys)."""
    if _check_evaluation_placement(placement) == "encrypted_domain":
        raise ValueError("the encrypted_domain attack perturbs the ciphertext, not the plain image")
    if placement != COMBINED:
        return expected_cross_entropy(model, labels, keys, placement)
    through_lower = expected_cross_entropy(model, labels, keys, "autograd")
    through_upper = expected_cross_entropy(model, labels, keys, "bpda")
    return lambda images: through_lower(images) + through_upper(images)


def adversarial_predictions(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    victim_key: BlockKey | None,
    placement: str,
    settings: PGDSettings,
    *,
    attacker_keys: Sequence[BlockKey | None] | KeySampler | None = None,
    attacker_model: nn.Module | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Attack one batch of uint8 plain ``images`` and return the victim's predictions on the result.

    The victim encrypts what it receives with ``victim_key`` (``None``: an unencrypted model). The attacker
    differentiates ``attacker_model`` (default: the victim itself — white box) through ``attacker_keys``
    (default: the victim's key; a :data:`KeySampler`: EOT with fresh keys at every step; the attacker's own
    key: a transfer attack) with the given placement (one of :data:`EVALUATION_PLACEMENTS`). For
    ``encrypted_domain`` the attacker perturbs the victim's ciphertext directly. Whatever the attacker
    produces is rounded to 8 bits before the victim sees it, as a real image would be.
    """
    _check_evaluation_placement(placement)
    model.eval()
    surrogate = (attacker_model or model).eval()
    if attacker_keys is None:
        keys: Sequence[BlockKey | None] | KeySampler = [victim_key]
    else:
        keys = attacker_keys if callable(attacker_keys) else list(attacker_keys)
    autocast = torch.autocast(images.device.type, dtype=torch.bfloat16, enabled=images.device.type == "cuda")
    with autocast:
        if placement == "encrypted_domain":
            ciphertext = model_input(images, victim_key)
            adversarial = pgd(
                lambda x: F.cross_entropy(surrogate(x), labels), ciphertext, settings, generator=generator
            )
            seen = torch.round(adversarial * 255) / 255
        else:
            loss = attack_loss(surrogate, labels, keys, placement)
            adversarial = pgd(loss, to_float(images), settings, generator=generator)
            seen = model_input(adversarial, victim_key)
        with torch.no_grad():
            return model(seen).argmax(1)


KeyChooser = Callable[[BlockKey | None], Sequence[BlockKey | None] | KeySampler]
"""Given the victim's key for a batch, the keys the attacker differentiates through (or a sampler of them)."""


def random_keys(samples: int, seed: int, block_size: int = 4, channels: int = 3) -> KeyChooser:
    """An attacker who does not know the key: EOT over ``samples`` random keys, drawn afresh at every PGD
    step (one generator seeded ``seed`` for the whole evaluation, so a run is repeatable)."""
    check_int(samples, "samples", minimum=1)
    rng = np.random.default_rng(seed)

    def sampler() -> list[BlockKey]:
        return [BlockKey.random(rng, block_size, channels) for _ in range(samples)]

    return lambda _victim_key: sampler


def adversarial_mistakes(
    model: nn.Module,
    data: ImageData,
    victim_keys: KeyPolicy,
    placement: str,
    settings: PGDSettings,
    *,
    attacker_keys: KeyChooser | None = None,
    attacker_model: nn.Module | None = None,
    batch_size: int = 250,
    seed: int = 0,
) -> torch.Tensor:
    """Which images of ``data`` the model gets wrong under PGD (see :func:`adversarial_predictions`): a bool
    tensor on the CPU, one entry per image, so that attacks can be combined per image (:func:`worst_case`).

    Each batch is encrypted by the victim with the next key of ``victim_keys``. ``attacker_keys`` maps that
    key to the keys the attacker uses (default: the same key, a white-box attacker);
    ``attacker_model`` defaults to the victim (white box) or is the attacker's surrogate (transfer).
    """
    _check_evaluation_placement(placement)
    device = next(model.parameters()).device
    generator = torch.Generator(device).manual_seed(seed)
    mistakes = []
    batches = zip(
        data.images.split(batch_size), data.labels.split(batch_size), victim_keys.keys(), strict=False
    )
    for images, labels, victim_key in batches:
        keys = attacker_keys(victim_key) if attacker_keys is not None else None
        predictions = adversarial_predictions(
            model,
            images.to(device),
            labels.to(device),
            victim_key,
            placement,
            settings,
            attacker_keys=keys,
            attacker_model=attacker_model,
            generator=generator,
        )
        mistakes.append((predictions != labels.to(device)).cpu())
    return torch.cat(mistakes)


def adversarial_error(
    model: nn.Module,
    data: ImageData,
    victim_keys: KeyPolicy,
    placement: str,
    settings: PGDSettings,
    **options: object,
) -> float:
    """Error of ``model`` on PGD examples of every image of ``data``: the mean of
    :func:`adversarial_mistakes` (same arguments)."""
    return (
        adversarial_mistakes(model, data, victim_keys, placement, settings, **options).float().mean().item()
    )


def worst_case(mistakes: dict[str, torch.Tensor]) -> torch.Tensor:
    """Per image, whether **any** of the attacks fools the model (Carlini et al. 2019: a robustness claim is
    the worst case over the attacks of its threat model, image by image — stronger than the best single
    attack). ``mistakes`` maps attack names to :func:`adversarial_mistakes` results on the same images."""
    if not mistakes:
        raise ValueError("mistakes must name at least one attack")
    tensors = list(mistakes.values())
    if any(t.dtype != torch.bool or t.shape != tensors[0].shape for t in tensors):
        raise ValueError("mistakes must be bool tensors of one shape, one per attack, on the same images")
    return torch.stack(tensors).any(0)


def ciphertext_attack_plaintext_change(
    model: nn.Module, data: ImageData, key: BlockKey, settings: PGDSettings, *, seed: int = 0
) -> dict[str, float]:
    """What an ``encrypted_domain`` attack (PGD on the ciphertext, within ε) does to the **plain** image.

    The perturbed ciphertext is rounded to bytes and decrypted with the key; returned are the largest and the
    mean absolute change of the plain image in ``[0, 1]`` units (over all pixels of ``data``): a measurement
    of why that attack belongs to another threat model than an ε change of the plain image.
    """
    if not isinstance(key, BlockKey):
        raise TypeError(f"key must be a BlockKey, got {type(key).__name__}")
    device = next(model.parameters()).device
    generator = torch.Generator(device).manual_seed(seed)
    model.eval()
    largest, total = 0.0, 0.0
    for images, labels in zip(data.images.split(250), data.labels.split(250), strict=True):
        images, labels = images.to(device), labels.to(device)
        ciphertext = model_input(images, key)
        adversarial = pgd(
            lambda x, labels=labels: F.cross_entropy(model(x), labels),
            ciphertext,
            settings,
            generator=generator,
        )
        change = (to_float(decrypt(to_uint8(adversarial), key)) - to_float(images)).abs()
        largest = max(largest, change.max().item())
        total += change.sum().item()
    return {"linf": largest, "mean_abs": total / (len(data) * data.images[0].numel())}


ADVERSARIAL_ORDERS = ("augment_then_attack", "attack_then_augment")
"""In which order adversarial training augments (random crop and flip) and attacks a batch.

- ``augment_then_attack`` (the usual Madry recipe): crop and flip first, PGD with the true labels on the
  result — the model trains on the very examples PGD made.
- ``attack_then_augment``: PGD on the image as it is, then crop and flip of the (8-bit) adversarial image.
  A crop shifts the perturbation by up to ``padding`` pixels, off the block grid of a block-wise encryption
  (only a shift by whole blocks keeps it there), and a flip mirrors it inside every block: most training
  examples are far weaker attacks than PGD made them (notebook 03 measures it).
"""

BORDERS = ("zeros", "reflect")
"""What fills the border that a random crop brings into the image.

- ``zeros``: black pixels (:func:`helpers.training.augment_batch`). Attacked after the crop, the border
  carries no image content to hide the perturbation, so a training-time attack, which sees the true label,
  *can* write the label there and the model learn to read it: a **label leak** (Kurakin et al. 2017),
  measured by :func:`label_leak`.
- ``reflect``: the image mirrored at its edge (:func:`helpers.training.reflect_augment_batch`): every pixel
  has content, and there is no blank area to write into.
"""


@dataclass(frozen=True)
class AdversarialRecipe:
    """How adversarial training combines augmentation with the attack (:data:`ADVERSARIAL_ORDERS`,
    :data:`BORDERS`; ``padding``: the largest shift of a crop, in pixels)."""

    order: str = "augment_then_attack"
    border: str = "reflect"
    padding: int = 4

    def __post_init__(self) -> None:
        if self.order not in ADVERSARIAL_ORDERS:
            raise ValueError(f"order must be one of {ADVERSARIAL_ORDERS}, got {self.order!r}")
        if self.border not in BORDERS:
            raise ValueError(f"border must be one of {BORDERS}, got {self.border!r}")
        check_int(self.padding, "padding", minimum=1)

    @property
    def label(self) -> str:
        """A short name for tables, e.g. ``"augment → attack, reflected border"``."""
        steps = " → ".join(self.order.split("_then_"))
        return f"{steps}, {'zero' if self.border == 'zeros' else 'reflected'} border"

    def to_dict(self) -> dict[str, object]:
        return {"order": self.order, "border": self.border, "padding": self.padding}

    def augment(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Random crop with this recipe's border and flip of uint8 ``images``."""
        crop = augment_batch if self.border == "zeros" else reflect_augment_batch
        return crop(images, generator, self.padding)

    def training_examples(
        self, attack: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, generator: torch.Generator
    ) -> torch.Tensor:
        """The training examples of plain float ``images``: augmented and attacked (``attack``: float images
        to float adversarial images) in this recipe's order (attacking first, the adversarial image is
        rounded to 8 bits before it is cropped; either way the engine rounds when it encrypts)."""
        if self.order == "augment_then_attack":
            return attack(to_float(self.augment(to_uint8(images), generator)))
        return to_float(self.augment(to_uint8(attack(images)), generator))


def pgd_adversary(settings: PGDSettings, placement: str, seed: int = 0) -> Adversary:
    """PGD against the model being trained, as an :data:`helpers.training.Adversary`: the attack alone,
    through the batch's own key with the given placement, with the model in eval mode (batch-norm statistics
    are not updated by attack steps)."""
    _check_placement(placement)
    if placement == "encrypted_domain":
        raise ValueError("adversarial training perturbs plain images; use 'none', 'autograd' or 'bpda'")
    generators: dict[torch.device, torch.Generator] = {}

    def adversary(
        model: nn.Module, images: torch.Tensor, labels: torch.Tensor, key: BlockKey | None
    ) -> torch.Tensor:
        generator = generators.setdefault(images.device, torch.Generator(images.device).manual_seed(seed))
        model.eval()
        loss = expected_cross_entropy(model, labels, [key], placement)
        return pgd(loss, images, settings, generator=generator)

    return adversary


def madry_adversary(
    settings: PGDSettings, placement: str, seed: int = 0, *, recipe: AdversarialRecipe | None = None
) -> Adversary:
    """Madry et al. (2018) adversarial training: every training batch is replaced by its PGD examples.

    Plugs into :func:`helpers.training.train_classifier` (``adversary=``) with the engine's own augmentation
    off (``TrainingConfig(augment=False)``): the adversary augments each batch itself, as ``recipe`` says
    (default :class:`AdversarialRecipe`: reflect-padded crop and flip, then :func:`pgd_adversary`).
    """
    recipe = recipe or AdversarialRecipe()
    if not isinstance(recipe, AdversarialRecipe):
        raise TypeError(f"recipe must be an AdversarialRecipe, got {type(recipe).__name__}")
    attack = pgd_adversary(settings, placement, seed)
    generators: dict[torch.device, torch.Generator] = {}

    def adversary(
        model: nn.Module, images: torch.Tensor, labels: torch.Tensor, key: BlockKey | None
    ) -> torch.Tensor:
        generator = generators.setdefault(images.device, torch.Generator(images.device).manual_seed(seed + 1))
        return recipe.training_examples(lambda batch: attack(model, batch, labels, key), images, generator)

    return adversary


@dataclass(frozen=True)
class LabelLeak:
    """How much of a model's accuracy on its own training-time adversarial examples comes from augmentation.

    Per image of the measured set: ``correct_with`` — right on its training-time example, augmented and
    attacked as the recipe makes it; ``correct_without`` — right on the attack's example of the image as
    it is.
    """

    correct_with: torch.Tensor
    correct_without: torch.Tensor

    @property
    def with_augmentation(self) -> float:
        return self.correct_with.float().mean().item()

    @property
    def without_augmentation(self) -> float:
        return self.correct_without.float().mean().item()

    @property
    def gap(self) -> float:
        """``with_augmentation − without_augmentation``: near 0 when the recipe has no label channel."""
        return self.with_augmentation - self.without_augmentation

    def gap_interval(self) -> tuple[float, float]:
        """95 % interval of :attr:`gap` (both accuracies on the same images: Newcombe's paired interval)."""
        return paired_difference_interval(self.correct_with.tolist(), self.correct_without.tolist())


def label_leak(
    model: nn.Module,
    data: ImageData,
    attack: Adversary,
    key: BlockKey | None,
    recipe: AdversarialRecipe,
    *,
    batch_size: int = 250,
    seed: int = 0,
) -> LabelLeak:
    """Label leaking (Kurakin et al. 2017) in adversarial training, measured.

    A training-time attack sees the true labels. Where training crops images into a black border before
    attacking them, the perturbation of the border is not masked by any image content, so the attack can
    write the label there and the model can learn to read it: its accuracy on its training-time examples then
    measures the leak, not learning. ``attack`` is the attack alone (e.g. :func:`pgd_adversary`; it keeps its
    random generator between calls, so build a fresh one for each measurement that should not depend on the
    ones before it), ``recipe`` how training combined it with augmentation. Returned: per image of ``data``,
    whether the model is right on it made into a training-time example and made into an adversarial example
    of the image as it is (the victim encrypts with ``key``).
    """
    if not isinstance(recipe, AdversarialRecipe):
        raise TypeError(f"recipe must be an AdversarialRecipe, got {type(recipe).__name__}")
    check_int(batch_size, "batch_size", minimum=1)
    device = next(model.parameters()).device
    generator = torch.Generator(device).manual_seed(seed)
    correct: dict[str, list[torch.Tensor]] = {"with": [], "without": []}
    for images, labels in zip(data.images.split(batch_size), data.labels.split(batch_size), strict=True):
        images, labels = to_float(images.to(device)), labels.to(device)

        def attacked(batch: torch.Tensor, labels: torch.Tensor = labels) -> torch.Tensor:
            return attack(model, batch, labels, key)

        made = {"with": recipe.training_examples(attacked, images, generator), "without": attacked(images)}
        for name, examples in made.items():
            model.eval()
            with torch.no_grad():
                predictions = model(model_input(examples, key)).argmax(1)
            correct[name].append((predictions == labels).cpu())
    return LabelLeak(torch.cat(correct["with"]), torch.cat(correct["without"]))
