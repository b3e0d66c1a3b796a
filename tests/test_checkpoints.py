"""The checkpoint cache: miss, hit, corrupt and mismatching files."""

import pytest
import torch
from torch import nn

from helpers.checkpoints import (
    CHECKPOINT_FORMAT,
    checkpoint_path,
    fingerprint,
    state_fingerprint,
    tensors_or_compute,
    train_or_load,
)


class Counter:
    def __init__(self):
        self.trainings = 0

    def build(self) -> nn.Module:
        torch.manual_seed(0)
        return nn.Linear(3, 2)

    def train(self, model: nn.Module) -> dict:
        self.trainings += 1
        with torch.no_grad():
            model.weight.add_(1.0)
        return {"loss": [1.0, 0.5]}


CONFIG = {"model": "linear", "epochs": 2, "lr": 0.1}


def test_miss_then_hit(tmp_path):
    counter = Counter()
    first, history, outcome = train_or_load("toy", CONFIG, counter.build, counter.train, cache_dir=tmp_path)
    assert outcome.status == "miss" and counter.trainings == 1 and history == {"loss": [1.0, 0.5]}
    second, history, outcome = train_or_load("toy", CONFIG, counter.build, counter.train, cache_dir=tmp_path)
    assert outcome.status == "hit" and counter.trainings == 1 and history == {"loss": [1.0, 0.5]}
    assert torch.equal(first.weight, second.weight) and not second.training
    payload = torch.load(outcome.path, weights_only=True)
    assert payload["format"] == CHECKPOINT_FORMAT and payload["config"] == CONFIG


def test_a_different_configuration_is_a_different_checkpoint(tmp_path):
    counter = Counter()
    train_or_load("toy", CONFIG, counter.build, counter.train, cache_dir=tmp_path)
    _, _, outcome = train_or_load(
        "toy", {**CONFIG, "epochs": 3}, counter.build, counter.train, cache_dir=tmp_path
    )
    assert outcome.status == "miss" and counter.trainings == 2
    assert fingerprint(CONFIG) != fingerprint({**CONFIG, "epochs": 3})
    assert fingerprint({"b": 1, "a": 2}) == fingerprint({"a": 2, "b": 1})


def test_corrupt_checkpoint_is_reported_and_retrained(tmp_path, capsys):
    counter = Counter()
    path = checkpoint_path("toy", CONFIG, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a checkpoint")
    _, _, outcome = train_or_load("toy", CONFIG, counter.build, counter.train, cache_dir=tmp_path)
    assert outcome.status == "corrupt" and counter.trainings == 1 and "unreadable" in capsys.readouterr().out
    assert train_or_load("toy", CONFIG, counter.build, counter.train, cache_dir=tmp_path)[2].status == "hit"


def test_checkpoint_with_another_configuration_is_not_reused(tmp_path, capsys):
    counter = Counter()
    path = checkpoint_path("toy", CONFIG, tmp_path)
    path.parent.mkdir(parents=True)
    torch.save(
        {"format": CHECKPOINT_FORMAT, "config": {"model": "other"}, "history": {}, "state_dict": {}}, path
    )
    _, _, outcome = train_or_load("toy", CONFIG, counter.build, counter.train, cache_dir=tmp_path)
    assert (
        outcome.status == "mismatch"
        and counter.trainings == 1
        and "does not match" in capsys.readouterr().out
    )


def test_bad_names_and_configurations(tmp_path):
    with pytest.raises(ValueError, match="name"):
        checkpoint_path("../escape", CONFIG, tmp_path)
    with pytest.raises(ValueError):
        fingerprint({"lr": float("nan")})


def test_cached_tensors_miss_hit_and_corrupt_file(tmp_path, capsys):
    calls = []

    def compute():
        calls.append(1)
        return {"values": torch.arange(5.0)}

    first, outcome = tensors_or_compute("toy", CONFIG, compute, cache_dir=tmp_path)
    second, again = tensors_or_compute("toy", CONFIG, compute, cache_dir=tmp_path)
    assert (outcome.status, again.status, len(calls)) == ("miss", "hit", 1)
    assert torch.equal(first["values"], second["values"])
    assert outcome.path.parent.name == "tensors"
    outcome.path.write_bytes(b"truncated")
    third, repaired = tensors_or_compute("toy", CONFIG, compute, cache_dir=tmp_path)
    assert repaired.status == "corrupt" and len(calls) == 2 and torch.equal(third["values"], first["values"])
    assert "unreadable" in capsys.readouterr().out


def test_state_fingerprint_follows_the_weights():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    before = state_fingerprint(model)
    assert state_fingerprint(model) == before
    with torch.no_grad():
        model.bias[0] += 1e-6
    assert state_fingerprint(model) != before


def test_state_fingerprint_covers_zero_dimensional_buffers():
    model = nn.BatchNorm2d(3)  # num_batches_tracked is a 0-d int64 buffer
    before = state_fingerprint(model)
    model.num_batches_tracked += 1
    assert state_fingerprint(model) != before
