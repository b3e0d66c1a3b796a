"""Shared fixtures. Figures, results and executed notebooks already go to a temporary folder (the repository's
``conftest.py`` sees to that for every pytest session); the tests also get a checkpoint cache of their own, so
that no test reads a checkpoint another run left behind."""

from __future__ import annotations

import dataclasses
import os

import pytest
import torch
from torch import nn

from helpers.classifiers import ClassifierBudget, cloud_classifier
from helpers.data import ImageData, load_dataset
from helpers.paths import CACHE_DIR_VARIABLE
from helpers.profiles import get_profile


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_VARIABLE, str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="session")
def cifar_test() -> ImageData:
    """The first 64 real CIFAR-10 test images (exact pixels when the offline folder is used)."""
    return load_dataset(
        "cifar10", "test", limit=64, variant="exact" if os.environ.get("PPIC_DATA_DIR") else "auto"
    )


@pytest.fixture()
def cifar_images(cifar_test: ImageData) -> torch.Tensor:
    return cifar_test.images.clone()


@pytest.fixture(scope="session")
def mnist_classifier() -> nn.Module:
    """A small MNIST CNN trained for one epoch on 3,000 real images (≈ 90 % test accuracy)."""
    budget = dataclasses.replace(
        ClassifierBudget.from_profile(get_profile("smoke")), digit_train_images=3_000, digit_epochs=1
    )
    train = load_dataset("mnist", "train", limit=3_000)
    test = load_dataset("mnist", "test", limit=500)
    classifier = cloud_classifier("mnist", train, test, budget, progress=False)
    assert classifier.test_accuracy > 0.8
    return classifier.model
