"""The training engine: the one loop (fit), schedule, augmentation, key policies, the adversary hook,
precision, and real learning."""

import ast
from dataclasses import replace

import numpy as np
import pytest
import torch

from helpers.data import load_dataset
from helpers.encryption import BlockKey, KeyPolicy, encrypt, model_input
from helpers.images import to_float
from helpers.networks import MnistCNN, encrypted_resnet18
from helpers.paths import repository_root
from helpers.training import (
    TrainingConfig,
    accuracy,
    augment_batch,
    fit,
    prepare_model,
    reflect_augment_batch,
    train_classifier,
)


def test_paper_schedule():
    config = TrainingConfig.paper_schedule(100)
    assert config.lr_drop_epochs == (40,) and config.batch_size == 128 and config.optimizer == "sgd"
    assert config.learning_rate_at(39) == 0.1 and config.learning_rate_at(40) == pytest.approx(0.01)
    assert TrainingConfig.paper_schedule(10).lr_drop_epochs == (4,)
    assert TrainingConfig.paper_schedule(1).lr_drop_epochs == ()


def test_linear_schedule_falls_by_one_share_per_epoch():
    config = TrainingConfig(epochs=4, schedule="linear")
    assert [config.learning_rate_at(epoch) for epoch in range(4)] == pytest.approx([0.1, 0.075, 0.05, 0.025])
    assert TrainingConfig(epochs=4).learning_rate_at(3) == 0.1  # the default is the step schedule, no drops
    assert TrainingConfig.with_schedule("linear", 4, seed=3) == replace(config, seed=3)
    assert TrainingConfig.with_schedule("step", 10) == TrainingConfig.paper_schedule(10)
    with pytest.raises(ValueError, match="schedule must be one of"):
        TrainingConfig.with_schedule("cosine", 4)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"epochs": -1}, "epochs must be a positive int"),
        ({"epochs": 0}, "epochs must be a positive int"),
        ({"epochs": 2, "batch_size": 0}, "batch_size"),
        ({"epochs": 2, "optimizer": "rmsprop"}, "optimizer"),
        ({"epochs": 2, "learning_rate": 0}, "learning_rate"),
        ({"epochs": 5, "lr_drop_epochs": (5,)}, "lr_drop_epochs"),
        ({"epochs": 2, "schedule": "cosine"}, "schedule must be one of"),
        ({"epochs": 5, "schedule": "linear", "lr_drop_epochs": (2,)}, "lr_drop_epochs belong to the step"),
        ({"epochs": 2, "learning_rate": float("inf")}, "learning_rate must be a finite number"),
        ({"epochs": 2, "weight_decay": float("nan")}, "weight_decay must be a finite number"),
        ({"epochs": 2, "precision": "auto"}, "precision must be one of"),  # resolved before it gets here
    ],
)
def test_bad_training_configurations(overrides, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**overrides)


def _assert_crops_or_their_mirrors(results: torch.Tensor, padded: torch.Tensor) -> None:
    """Each result is a 32×32 window of its padded image (4 pixels each side), or that window flipped."""
    for image, result in zip(padded, results, strict=True):
        candidates = [image[:, top : top + 32, left : left + 32] for top in range(9) for left in range(9)]
        assert any(torch.equal(result, c) or torch.equal(result, c.flip(-1)) for c in candidates)


def test_augmentation_is_a_padded_crop_or_its_mirror(cifar_images):
    generator = torch.Generator().manual_seed(0)
    augmented = augment_batch(cifar_images[:6], generator)
    assert augmented.shape == (6, 3, 32, 32) and augmented.dtype == torch.uint8
    padded = torch.nn.functional.pad(cifar_images[:6], (4, 4, 4, 4))
    _assert_crops_or_their_mirrors(augmented, padded)
    again = augment_batch(cifar_images[:6], torch.Generator().manual_seed(0))
    assert torch.equal(augmented, again)


def test_reflected_augmentation_takes_the_same_crops_from_the_mirrored_image(cifar_images):
    images = cifar_images[:6]
    reflected = reflect_augment_batch(images, torch.Generator().manual_seed(0))
    zero_padded = augment_batch(images, torch.Generator().manual_seed(0))
    assert reflected.shape == images.shape and reflected.dtype == torch.uint8
    content = zero_padded != 0  # inside the image the two crops agree; the border is mirrored image
    assert torch.equal(reflected[content], zero_padded[content])
    mirrored = torch.nn.functional.pad(images.float(), (4, 4, 4, 4), mode="reflect").to(torch.uint8)
    _assert_crops_or_their_mirrors(reflected, mirrored)
    with pytest.raises(ValueError, match="padding"):
        reflect_augment_batch(images, torch.Generator(), padding=32)


def test_key_policies():
    key = BlockKey.from_seed(1)
    assert next(KeyPolicy.none().keys()) is None
    fixed = KeyPolicy.fixed(key).keys()
    assert next(fixed) == key and next(fixed) == key
    stream = KeyPolicy.per_batch(seed=3).keys()
    first, second = next(stream), next(stream)
    assert first != second and next(KeyPolicy.per_batch(seed=3).keys()) == first
    description = KeyPolicy.fixed(key).describe()
    assert description == {"mode": "fixed", "key_fingerprint": key.fingerprint()}  # no key material
    with pytest.raises(ValueError, match="key mode"):
        KeyPolicy("sometimes")
    with pytest.raises(ValueError, match="required"):
        KeyPolicy("fixed")
    with pytest.raises(TypeError, match="BlockKey"):
        KeyPolicy.fixed(123)


def test_model_input(cifar_images):
    key = BlockKey.from_seed(2)
    assert torch.equal(model_input(cifar_images, None), to_float(cifar_images))
    assert torch.equal(model_input(cifar_images, key), to_float(encrypt(cifar_images, key)))
    assert torch.equal(model_input(to_float(cifar_images), key), to_float(encrypt(cifar_images, key)))


def test_training_reduces_loss_on_real_digits():
    train = load_dataset("mnist", "train", limit=1024)
    test = load_dataset("mnist", "test", limit=500)
    torch.manual_seed(0)
    model = prepare_model(MnistCNN(), torch.device("cpu"))
    config = TrainingConfig(
        epochs=3, batch_size=64, optimizer="adam", learning_rate=1e-3, weight_decay=0, augment=False
    )
    before = accuracy(model, test, KeyPolicy.none())
    history = train_classifier(
        model, train, config, KeyPolicy.none(), evaluate_on={"test": (test, KeyPolicy.none())}, progress=False
    )
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert before < 0.3 and history.eval_accuracy["test"][-1] > 0.7  # chance is 0.1
    assert history.images_per_epoch == 1024 and len(history.epoch_seconds) == 3 and history.images_per_s > 0


def test_encrypted_model_is_bound_to_its_key():
    """Permutation awareness: trained on key A, the adapter + ResNet loses accuracy on key B."""
    train = load_dataset("cifar10", "train", limit=2048)
    test = load_dataset("cifar10", "test", limit=500)
    key_a, key_b = BlockKey.from_seed(10), BlockKey.from_seed(11)
    torch.manual_seed(0)
    model = prepare_model(encrypted_resnet18(width=0.125), torch.device("cpu"))
    config = TrainingConfig(epochs=3, batch_size=64, optimizer="adam", learning_rate=2e-3, weight_decay=0)
    train_classifier(model, train, config, KeyPolicy.fixed(key_a), progress=False)
    right, wrong = (
        accuracy(model, test, KeyPolicy.fixed(key_a)),
        accuracy(model, test, KeyPolicy.fixed(key_b)),
    )
    assert right > 0.3 and right - wrong > 0.12, (right, wrong)


def test_adversary_hook_sees_plain_images_and_the_batch_key(cifar_test):
    calls = []
    key = BlockKey.from_seed(4)

    def adversary(model, images, labels, batch_key):
        calls.append((images.dtype, float(images.min()), float(images.max()), batch_key))
        return torch.zeros_like(images)

    model = prepare_model(encrypted_resnet18(width=0.125), torch.device("cpu"))
    config = TrainingConfig(epochs=1, batch_size=16)
    train_classifier(model, cifar_test, config, KeyPolicy.fixed(key), adversary=adversary, progress=False)
    assert len(calls) == len(cifar_test) // 16
    assert all(
        dtype == torch.float32 and low >= 0 and high <= 1 and k == key for dtype, low, high, k in calls
    )


def test_engine_rejects_bad_inputs(cifar_test):
    model = prepare_model(MnistCNN(), torch.device("cpu"))
    with pytest.raises(TypeError, match="TrainingConfig"):
        train_classifier(model, cifar_test, {"epochs": 1}, KeyPolicy.none())
    unlabelled = type(cifar_test)(
        "x", "train", cifar_test.images, -torch.ones_like(cifar_test.labels), (), "test"
    )
    with pytest.raises(ValueError, match="no labels"):
        train_classifier(model, unlabelled, TrainingConfig(epochs=1), KeyPolicy.none())
    with pytest.raises(ValueError, match="swaps"):
        BlockKey.from_seed(0).with_swaps(-1, np.random.default_rng(0))


def test_fit_visits_every_example_once_per_epoch_and_averages_as_asked():
    generator = torch.Generator().manual_seed(0)
    model = torch.nn.Linear(1, 1)
    seen, modes, epochs_begun = [], [], []

    def step(batch: torch.Tensor) -> torch.Tensor:
        seen.append(batch.clone())
        modes.append(model.training)
        return torch.stack([batch.float().sum(), torch.tensor(float(len(batch)))])

    curves = fit(
        step,
        10,
        epochs=3,
        batch_size=4,
        generator=generator,
        metrics=("index", "count"),
        models=(model,),
        begin_epoch=epochs_begun.append,
        evaluate=lambda: {"held_out": float(len(epochs_begun))},
        report="none",
    )
    per_epoch = [torch.cat(seen[i : i + 3]) for i in range(0, 9, 3)]  # 3 batches of ≤ 4 per epoch
    assert all(sorted(order.tolist()) == list(range(10)) for order in per_epoch)
    assert not torch.equal(per_epoch[0], per_epoch[1])  # a new order each epoch
    assert curves.train == {"index": [4.5] * 3, "count": [1.0] * 3}  # sums divided by the 10 examples
    assert curves.evaluation == {"held_out": [1.0, 2.0, 3.0]} and epochs_begun == [0, 1, 2]
    assert all(modes) and not model.training and len(curves.epoch_seconds) == 3
    again = fit(
        lambda batch: torch.ones(1),
        10,
        epochs=1,
        batch_size=4,
        generator=generator,
        metrics=("one",),
        average="batches",
        report="none",
    )
    assert again.train == {"one": [1.0]}  # three batches, each returning its mean 1


def test_fit_is_repeatable_from_its_generator():
    def orders(seed: int) -> list[list[int]]:
        seen = []
        fit(
            lambda batch: seen.append(batch.tolist()) or torch.zeros(1),
            7,
            epochs=2,
            batch_size=3,
            generator=torch.Generator().manual_seed(seed),
            metrics=("zero",),
            report="none",
        )
        return seen

    assert orders(1) == orders(1) and orders(1) != orders(2)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"average": "images"}, "average must be one of"),
        ({"report": "quiet"}, "report must be one of"),
        ({"metrics": ()}, "metrics must name"),
        ({"epochs": 0}, "epochs must be a positive int"),
        ({"batch_size": 1.5}, "batch_size must be"),
    ],
)
def test_fit_rejects_bad_settings(overrides, message):
    settings = {"epochs": 1, "batch_size": 2, "metrics": ("loss",), "report": "none"} | overrides
    with pytest.raises((TypeError, ValueError), match=message):
        fit(lambda batch: torch.zeros(1), 4, generator=torch.Generator(), **settings)


def test_bf16_training_runs_learns_and_differs_from_fp32():
    """The bf16 path (autocast around forward and loss) trains a real model; its weights are not fp32's."""
    train = load_dataset("mnist", "train", limit=512)
    weights = {}
    for precision in ("fp32", "bf16"):
        torch.manual_seed(0)
        model = prepare_model(MnistCNN(), torch.device("cpu"))
        config = TrainingConfig(
            epochs=2, batch_size=64, optimizer="adam", learning_rate=1e-3, weight_decay=0, augment=False
        )
        history = train_classifier(
            model, train, replace(config, precision=precision), KeyPolicy.none(), progress=False
        )
        assert history.loss[-1] < history.loss[0] and all(np.isfinite(history.loss)), precision
        weights[precision] = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert weights["bf16"].dtype == torch.float32 and not torch.equal(weights["fp32"], weights["bf16"])


def _optimiser_steps(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "step"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id.endswith("optimizer")
    ]


def test_every_model_of_the_course_trains_in_the_one_loop():
    """The only epoch shuffle is ``fit``'s, and every optimiser step in ``helpers`` is inside a ``step`` that
    its enclosing function hands to ``fit`` — except NAE growth, which optimises an image, not a model."""
    handed_to_fit, outside = [], []
    for path in sorted((repository_root() / "helpers").glob("*.py")):
        tree = ast.parse(path.read_text())
        for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
            steps = [
                node
                for node in ast.walk(function)
                if isinstance(node, ast.FunctionDef) and node.name == "step"
            ]
            calls_fit = any(
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "fit"
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id == "step"
                for node in ast.walk(function)
            )
            inside = {id(call) for step in steps for call in _optimiser_steps(step)}
            for call in _optimiser_steps(function):
                (handed_to_fit if id(call) in inside and calls_fit else outside).append(
                    f"{path.stem}.{function.name}"
                )
        if path.stem != "training":
            assert "randperm" not in path.read_text(), f"{path.stem} shuffles epochs outside fit"
    assert set(outside) == {"nae.grow_naes"}, outside
    assert set(handed_to_fit) == {
        "training.train_classifier",
        "ric_training.train_codec",
        "ric_attacks.train_known_plaintext",
        "ric_attacks.train_cloud_attack",
    }
