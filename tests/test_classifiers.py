"""The cloud's classifiers: normalisation inside the model, frozen weights, clear errors."""

from dataclasses import replace

import pytest
import torch

from helpers.classifiers import ClassifierBudget, InputNormalization, cloud_classifier, format_classifier
from helpers.data import ImageData
from helpers.profiles import get_profile


def fake_split(name: str, split: str, channels: int = 1, count: int = 8) -> ImageData:
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (count, channels, 28, 28), dtype=torch.uint8, generator=generator)
    return ImageData(name, split, images, torch.arange(count) % 10, tuple(map(str, range(10))), "synthetic")


def test_input_normalization_standardises_its_training_data():
    data = fake_split("mnist", "train", channels=3, count=64)
    normalise = InputNormalization.of(data)
    normalised = normalise(data.images.float() / 255)
    assert torch.allclose(normalised.mean((0, 2, 3)), torch.zeros(3), atol=1e-5)
    assert torch.allclose(normalised.std((0, 2, 3)), torch.ones(3), atol=1e-3)
    assert set(dict(normalise.named_buffers())) == {"mean", "std"}  # saved with the weights


def test_a_digit_classifier_is_trained_once_and_frozen():
    profile = get_profile("smoke")
    train, test = fake_split("mnist", "train"), fake_split("mnist", "test")
    first = cloud_classifier("mnist", train, test, ClassifierBudget.from_profile(profile), progress=False)
    second = cloud_classifier("mnist", train, test, ClassifierBudget.from_profile(profile), progress=False)
    assert (first.cache.status, second.cache.status) == ("miss", "hit")
    assert not second.model.training
    assert not any(parameter.requires_grad for parameter in second.model.parameters())
    assert 0 <= second.test_accuracy <= 1
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        second.logits(torch.full((1, 1, 28, 28), 2.0))


def test_bad_arguments_give_clear_errors():
    profile = get_profile("smoke")
    with pytest.raises(ValueError, match="dataset"):
        cloud_classifier(
            "imagenet",
            fake_split("mnist", "train"),
            fake_split("mnist", "test"),
            ClassifierBudget.from_profile(profile),
        )
    with pytest.raises(ValueError, match="expected mnist"):
        cloud_classifier(
            "mnist",
            fake_split("svhn", "train"),
            fake_split("mnist", "test"),
            ClassifierBudget.from_profile(profile),
        )
    with pytest.raises(ValueError, match="std"):
        InputNormalization(torch.zeros(3), torch.zeros(3))


def test_a_format_classifier_takes_the_codecs_shape_and_has_its_own_checkpoint():
    budget = ClassifierBudget.from_profile(get_profile("smoke"))
    train, test = fake_split("cifar10", "train", channels=3), fake_split("cifar10", "test", channels=3)
    grey = format_classifier("cifar10", train, test, (1, 28, 28), budget, progress=False)
    colour = format_classifier("cifar10", train, test, (3, 32, 32), budget, progress=False)
    assert grey.cache.status == colour.cache.status == "miss"  # one checkpoint per format
    assert grey.model(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    assert colour.model(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    with pytest.raises(RuntimeError):
        grey.model(torch.rand(2, 3, 32, 32))  # made for grey 28×28 only
    again = format_classifier("cifar10", train, test, (1, 28, 28), budget, progress=False)
    assert again.cache.status == "hit" and not again.model.training


def test_a_format_classifier_refuses_bad_formats_and_data_by_name():
    budget = ClassifierBudget.from_profile(get_profile("smoke"))
    train, test = fake_split("mnist", "train"), fake_split("mnist", "test")
    with pytest.raises(ValueError, match="shape"):
        format_classifier("mnist", train, test, (3, 64, 64), budget)
    with pytest.raises(TypeError, match="shape"):
        format_classifier("mnist", train, test, (3, 32.0, 32), budget)
    with pytest.raises(ValueError, match="expected mnist"):
        format_classifier("mnist", fake_split("cifar10", "train", 3), test, (3, 32, 32), budget)
    with pytest.raises(ValueError, match="dataset"):
        format_classifier("imagenet", train, test, (3, 32, 32), budget)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("schedule", "cosine", "schedule must be one of"), ("precision", "fp16", "precision must be one of")],
)
def test_the_classifier_budget_refuses_an_unknown_schedule_or_precision_by_name(field, value, message):
    budget = ClassifierBudget.from_profile(get_profile("smoke"))
    with pytest.raises(ValueError, match=message):
        replace(budget, **{field: value})
