"""The checkpoint cache: miss, hit, corrupt and mismatching files; cache keys that follow code, not prose."""

import ast
import importlib
import inspect
import io
import pkgutil
import tokenize

import pytest
import torch
from torch import nn

import helpers
from helpers import attacks, checkpoints, training
from helpers.checkpoints import (
    CHECKPOINT_FORMAT,
    checkpoint_path,
    code_fingerprint,
    fingerprint,
    normalised_code,
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


def test_comments_and_docstrings_do_not_change_the_code_fingerprint_but_code_does():
    """Cache keys follow the code, not its prose: editing a comment or docstring anywhere in a module that
    shapes a checkpoint (here the training engine itself) leaves the name unchanged, while changing a
    hyper-parameter's default changes it."""
    source = inspect.getsource(training)
    prose_edited = (
        source.replace('"""', '"""Edited prose. ', 1)  # the module docstring
        .replace("def train_classifier(", "# a new comment\ndef train_classifier(", 1)
        .replace("    batch_size: int = 128\n", "    batch_size: int = 128  # a comment here too\n", 1)
    )
    code_edited = source.replace("    batch_size: int = 128\n", "    batch_size: int = 64\n", 1)
    assert prose_edited != source and code_edited != source
    assert normalised_code(prose_edited) == normalised_code(source)
    assert normalised_code(code_edited) != normalised_code(source)
    # the function docstring of a class method counts as prose too
    assert normalised_code('def f():\n    """one"""\n    return 1\n') == normalised_code(
        'def f():\n    """two, longer"""\n\n    return 1  # same\n'
    )
    assert normalised_code("def f():\n    return 1\n") != normalised_code("def f():\n    return 2\n")


def _with_prose_edited(source: str) -> str:
    """``source`` with every comment reworded and every statement that is only a string (docstrings, the
    strings documenting constants) extended — located through the syntax tree and tokens, not text search."""
    lines = source.splitlines(keepends=True)
    strings = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]
    for node in sorted(strings, key=lambda node: (node.lineno, node.col_offset), reverse=True):
        line = lines[node.lineno - 1]
        start = node.col_offset + next(i for i, char in enumerate(line[node.col_offset :]) if char in "'\"")
        quotes = 3 if line[start : start + 3] in ('"""', "'''") else 1
        lines[node.lineno - 1] = line[: start + quotes] + "Reworded. " + line[start + quotes :]
    edited = "".join(lines)
    tokens = [
        token._replace(string=token.string + " (reworded)") if token.type == tokenize.COMMENT else token
        for token in tokenize.generate_tokens(io.StringIO(edited).readline)
    ]
    return tokenize.untokenize(tokens)


@pytest.mark.parametrize(
    "name", [module.name for module in pkgutil.iter_modules(helpers.__path__)], ids=lambda name: name
)
def test_prose_edits_anywhere_in_helpers_leave_cache_keys_unchanged(name):
    source = inspect.getsource(importlib.import_module(f"helpers.{name}"))
    edited = _with_prose_edited(source)
    assert edited != source and "Reworded. " in edited
    assert normalised_code(edited) == normalised_code(source)


def _cache_code_fingerprints() -> dict[str, str]:
    """The ``code`` part of every cache key the course writes: each checkpoint family and the NAE cache."""
    from helpers import classifiers, nae, ric, ric_training, scenarios
    from helpers.attacks import madry_adversary

    return {
        "plain (and CIFAR-10's C)": code_fingerprint(training.plain_resnet18),
        "encrypted scenarios": code_fingerprint(
            scenarios.build_model, scenarios.key_policies, training.train_or_load_classifier
        ),
        "adversarial scenarios": code_fingerprint(
            scenarios.build_model, scenarios.key_policies, training.train_or_load_classifier, madry_adversary
        ),
        "digit classifiers": code_fingerprint(
            classifiers.InputNormalization, classifiers._digit_network, training.train_or_load_classifier
        ),
        "NAE cache": code_fingerprint(nae.class_naes),
        "RIC codecs": code_fingerprint(ric.RicCodec, ric_training.train_codec),
    }


def test_prose_edits_leave_every_cache_key_unchanged_and_code_edits_change_only_their_own(monkeypatch):
    original = _cache_code_fingerprints()
    real_getsource = inspect.getsource
    monkeypatch.setattr(
        checkpoints.inspect, "getsource", lambda item: _with_prose_edited(real_getsource(item))
    )
    assert _cache_code_fingerprints() == original

    def with_code_edit(owner: object, old: str, new: str):
        def getsource(item: object) -> str:
            source = real_getsource(item)
            return source.replace(old, new, 1) if item is owner else source

        monkeypatch.setattr(checkpoints.inspect, "getsource", getsource)
        assert old in real_getsource(owner)
        return _cache_code_fingerprints()

    # a training hyper-parameter's default: every classifier retrains, NAEs and codecs do not
    edited = with_code_edit(training.TrainingConfig, "momentum: float = 0.9", "momentum: float = 0.8")
    changed = {name for name in original if edited[name] != original[name]}
    assert changed == {
        "plain (and CIFAR-10's C)",
        "encrypted scenarios",
        "adversarial scenarios",
        "digit classifiers",
    }
    # the attack: only the adversarially trained models depend on it
    edited = with_code_edit(attacks.pgd, "settings.steps", "settings.steps + 1")
    assert {name for name in original if edited[name] != original[name]} == {"adversarial scenarios"}
    # layout is not code
    assert with_code_edit(attacks.pgd_adversary, "model.eval()", "model.eval( )") == original


def test_a_module_edited_under_a_running_process_is_refused_not_hashed(monkeypatch):
    """A kernel that outlives an edit of helpers reads the new file at the old line numbers: the text found
    there is not the function it runs, and must never name a result."""
    real_getsource = inspect.getsource

    def shifted(item: object) -> str:  # what inspect returns after lines were inserted above the function
        source = real_getsource(item)
        return source.split("\n", 2)[2] if item is training.plain_resnet18 else source

    monkeypatch.setattr(checkpoints.inspect, "getsource", shifted)
    with pytest.raises(RuntimeError, match="restart the kernel"):
        code_fingerprint(training.plain_resnet18)


def test_a_quiet_cache_prints_nothing_but_still_reports_what_it_did(tmp_path, capsys):
    counter = Counter()
    _, _, outcome = train_or_load("toy", CONFIG, counter.build, counter.train, cache_dir=tmp_path, quiet=True)
    _, _, again = train_or_load("toy", CONFIG, counter.build, counter.train, cache_dir=tmp_path, quiet=True)
    assert (outcome.status, again.status) == ("miss", "hit") and capsys.readouterr().out == ""
