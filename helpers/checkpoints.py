"""Train-or-load: a checkpoint cache keyed by the configuration that produced each model.

A checkpoint is stored as ``<cache>/checkpoints/<name>-<fingerprint>.pt`` where the fingerprint hashes the
whole configuration — model, data (name, split, size, source), key (by fingerprint, never the key itself),
training settings, profile, seed, and the code that builds and trains it (:func:`code_fingerprint`: the
functions and classes named, and every function and class of ``helpers`` they use, found by reading their
code). Change any of them and the old file simply stops matching: a stale model is never reused silently.
The code enters as its syntax tree without docstrings (comments are not part of it), so editing prose
retrains nothing, and editing code the model does not depend on (another scenario, an attack) retrains
nothing either.

Files are written atomically and read with ``torch.load(..., weights_only=True)``. A file that cannot be read,
or whose stored configuration differs from the requested one, is reported and retrained.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import torch
from torch import nn

from helpers import paths
from helpers.storage import atomic_write_with

CHECKPOINT_FORMAT = 1
T = TypeVar("T")


class ConfigurationMismatch(Exception):
    """A readable cache file whose stored configuration is not the requested one."""


def canonical(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` as plain JSON types (what is hashed and what is stored beside the weights)."""
    return json.loads(json.dumps(config, sort_keys=True, allow_nan=False))


def fingerprint(config: Mapping[str, Any]) -> str:
    """16 hex digits of SHA-256 over the canonical JSON of ``config``."""
    return hashlib.sha256(json.dumps(canonical(config), sort_keys=True).encode()).hexdigest()[:16]


class _DropProse(ast.NodeTransformer):
    """Drops every statement that is only a string: docstrings and the strings documenting constants."""

    def visit_Expr(self, node: ast.Expr) -> ast.Expr | None:
        is_text = isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        return None if is_text else node


def normalised_code(source: str) -> str:
    """The program ``source`` expresses, without what does not change it: its syntax tree with every
    statement that is only a string removed (module, class and function docstrings, the strings documenting a
    constant), dumped without line numbers (comments and layout never reach it).

    The dump follows Python's ``ast`` module, which changes between Python versions: a new Python changes
    every fingerprint once (and retrains), which is the safe direction.
    """
    tree = _DropProse().visit(ast.parse(source))
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


PACKAGE = "helpers"
# Where results are stored, not how they are computed: never part of a code fingerprint.
STORAGE_MODULES = ("helpers.checkpoints", "helpers.paths", "helpers.storage")


def _is_ours(value: object) -> bool:
    """A function or class defined in this package (not a library's, not a constant, not storage)."""
    module = getattr(value, "__module__", "") or ""
    return (
        (inspect.isfunction(value) or inspect.isclass(value))
        and module.startswith(PACKAGE)
        and module not in STORAGE_MODULES
    )


def _used_names(tree: ast.AST, module: ModuleType) -> list[object]:
    """The package's functions and classes that ``tree`` refers to, by name (``name``) or through a module
    (``module.name``), resolved in ``module``'s namespace. Annotations are types for the reader, not code."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.append(vars(module).get(node.id))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = vars(module).get(node.value.id)
            if isinstance(owner, ModuleType):
                found.append(getattr(owner, node.attr, None))
    return [value for value in found if _is_ours(value)]


class _DropAnnotations(ast.NodeTransformer):
    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.returns = None
        self.generic_visit(node)
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AnnAssign:
        node.annotation = ast.Constant(None)
        self.generic_visit(node)
        return node


def _check_defines(source: str, item: object, name: str) -> None:
    """Raise unless ``source`` (the source read for ``item``) defines ``item`` itself.

    ``inspect`` reads a function's source from the file *as it is now* at the line where the function was
    when it was imported; a process that outlives an edit of its module (an open notebook kernel) would
    otherwise hash whatever now sits at that line, and store or look up results under a wrong name.
    """
    try:
        body = ast.parse(source).body
    except SyntaxError:
        body = []
    first = body[0] if body else None
    if not (
        isinstance(first, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and first.name == item.__name__
    ):
        raise RuntimeError(
            f"the source file of {name} has changed since this process imported it; restart the kernel "
            "(or the process) so that the code that runs is the code that names its results"
        )


def code_fingerprint(*objects: object) -> str:
    """A hash of the code of ``objects`` (functions, classes or modules of this package) and of every function
    and class of the package that they use, directly or through others — each as :func:`normalised_code`.

    This is the code a cached result depends on: a configuration includes it, so changing that code retrains,
    while editing prose anywhere, or code the result does not use, does not. Dependencies are found by
    reading names in the code; a method reached only through an argument (``model.forward``) is covered when
    its class is named here or used by name.
    """
    seen: dict[str, str] = {}
    pending = list(objects)
    while pending:
        item = pending.pop()
        if not (_is_ours(item) or (isinstance(item, ModuleType) and item.__name__.startswith(PACKAGE))):
            raise TypeError(
                f"code_fingerprint takes functions, classes or modules of {PACKAGE}, got {item!r}"
            )
        name = item.__name__ if isinstance(item, ModuleType) else f"{item.__module__}.{item.__qualname__}"
        if name in seen:
            continue
        source = textwrap.dedent(inspect.getsource(item))
        if not isinstance(item, ModuleType):
            _check_defines(source, item, name)
        tree = _DropAnnotations().visit(ast.parse(source))
        seen[name] = normalised_code(ast.unparse(tree))
        module = item if isinstance(item, ModuleType) else inspect.getmodule(item)
        pending.extend(_used_names(tree, module))
    digest = hashlib.sha256()
    for name in sorted(seen):
        digest.update(f"{name}\n{seen[name]}\n".encode())
    return digest.hexdigest()[:16]


def state_fingerprint(model: nn.Module) -> str:
    """A hash of a model's weights and buffers (names, shapes, dtypes, values): names a trained model."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        value = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{value.dtype}:{tuple(value.shape)}".encode())
        digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class CacheOutcome:
    """What :func:`train_or_load` did: ``status`` is ``hit``, ``miss``, ``corrupt`` or ``mismatch``."""

    status: str
    path: Path
    message: str


def checkpoint_path(
    name: str, config: Mapping[str, Any], cache_dir: Path | None = None, subfolder: str = "checkpoints"
) -> Path:
    """Where the checkpoint (or cached tensors) for ``name`` and ``config`` lives."""
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"name must be letters, digits, '-' or '_', got {name!r}")
    folder = (cache_dir or paths.cache_dir()) / subfolder
    return folder / f"{name}-{fingerprint(config)}.pt"


def _cached_entry(
    path: Path,
    config: dict[str, Any],
    what: str,
    action: str,
    restore: Callable[[dict[str, Any]], T],
    produce: Callable[[], tuple[T, dict[str, Any]]],
    quiet: bool = False,
) -> tuple[T, CacheOutcome]:
    """The cache protocol shared by checkpoints and cached tensors (``quiet``: print nothing; the caller
    summarises the outcomes).

    A readable file with the requested configuration is ``restore``-d (``hit``); otherwise — no file
    (``miss``), another configuration (``mismatch``), or a file that cannot be read or restored (``corrupt``:
    truncated, foreign, wrong architecture) — ``produce()`` returns the value and the entries to store, which
    are written atomically beside the format and the configuration.
    """
    status, message = "miss", f"no {what} {path.name}: {action}"
    if path.exists():
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
            if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
                raise ValueError(f"not a format-{CHECKPOINT_FORMAT} file")
            if payload["config"] != config:
                raise ConfigurationMismatch("the stored configuration differs from the requested one")
            value = restore(payload)
        except ConfigurationMismatch as error:
            status, message = "mismatch", f"{what} {path.name} does not match ({error}): re{action}"
        except Exception as error:  # truncated, corrupt, foreign file or wrong architecture
            status, message = (
                "corrupt",
                f"{what} {path.name} is unreadable ({type(error).__name__}): re{action}",
            )
        else:
            outcome = CacheOutcome("hit", path, f"loaded {what} {path.name}")
            if not quiet:
                print(outcome.message)
            return value, outcome
    if not quiet:
        print(message)
    value, stored = produce()
    payload = {"format": CHECKPOINT_FORMAT, "config": config, **stored}
    atomic_write_with(path, lambda handle: torch.save(payload, handle))
    if not quiet:
        print(f"saved {what} {paths.display_path(path)}")
    return value, CacheOutcome(status, path, message)


def tensors_or_compute(
    name: str,
    config: Mapping[str, Any],
    compute: Callable[[], Mapping[str, torch.Tensor]],
    *,
    cache_dir: Path | None = None,
    subfolder: str = "tensors",
    quiet: bool = False,
) -> tuple[dict[str, torch.Tensor], CacheOutcome]:
    """Return the tensors that ``compute()`` makes for ``config``, from the cache when they are there.

    Same rules as :func:`train_or_load`: the file is ``<cache>/<subfolder>/<name>-<fingerprint>.pt``, written
    atomically, read with ``weights_only=True``, and recomputed when unreadable or when its stored
    configuration differs. Tensors are stored on the CPU and returned there. ``quiet``: no line per file
    (for callers that cache many entries and print one summary).
    """
    config = canonical(config)

    def produce() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        tensors = {key: value.detach().cpu().contiguous() for key, value in compute().items()}
        return tensors, {"tensors": tensors}

    return _cached_entry(
        checkpoint_path(name, config, cache_dir, subfolder),
        config,
        "cached tensors",
        "computing",
        lambda payload: dict(payload["tensors"]),
        produce,
        quiet,
    )


def train_or_load(
    name: str,
    config: Mapping[str, Any],
    build: Callable[[], nn.Module],
    train: Callable[[nn.Module], Mapping[str, Any]],
    *,
    cache_dir: Path | None = None,
    quiet: bool = False,
) -> tuple[nn.Module, dict[str, Any], CacheOutcome]:
    """Return a trained model for ``config``, from the cache when a matching checkpoint exists.

    Args:
        name: a short label for the file name (e.g. ``"plain"``).
        config: everything that determines the trained weights (JSON-serialisable).
        build: makes a fresh, untrained model (on the device it should end up on).
        train: trains that model in place and returns its history (JSON-serialisable).
        cache_dir: defaults to ``PPIC_CACHE_DIR`` or ``<repo>/.cache``.
        quiet: print nothing about the cache (for callers that load many models and summarise).

    Returns:
        ``(model, history, outcome)``; the model is in eval mode.
    """
    config = canonical(config)

    def restore(payload: dict[str, Any]) -> tuple[nn.Module, dict[str, Any]]:
        model = build()
        model.load_state_dict(payload["state_dict"])
        return model.eval(), payload["history"]

    def produce() -> tuple[tuple[nn.Module, dict[str, Any]], dict[str, Any]]:
        model = build()
        history = canonical(train(model))
        return (model.eval(), history), {"history": history, "state_dict": model.state_dict()}

    (model, history), outcome = _cached_entry(
        checkpoint_path(name, config, cache_dir), config, "checkpoint", "training", restore, produce, quiet
    )
    return model, history, outcome
