"""Device choice, seeding, timing and the versions a result was produced with."""

from __future__ import annotations

import platform
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata

import numpy as np
import torch

from helpers.validation import check_int

_DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn a device choice into a :class:`torch.device`.

    ``"auto"`` picks ``cuda`` when a GPU is visible and ``cpu`` otherwise; ``"cuda"`` without a GPU is an
    error rather than a silent fall-back, so a reader never believes a CPU run was a GPU run.
    """
    if isinstance(device, torch.device):
        device_type = device.type
    elif isinstance(device, str):
        device_type = device.split(":")[0]
        if device_type not in _DEVICE_CHOICES:
            raise ValueError(f"device must be one of {_DEVICE_CHOICES} (optionally 'cuda:N'), got {device!r}")
    else:
        raise TypeError(f"device must be a string or torch.device, got {type(device).__name__}")
    if device_type == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device_type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was requested but no CUDA GPU is visible; use 'auto' or 'cpu'")
    return torch.device(device)


def cpu_name() -> str:
    """The CPU's model name: the first "model name" of ``/proc/cpuinfo``, else :func:`platform.processor`."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def describe_device(device: torch.device) -> str:
    """A human-readable name that tells machines apart, e.g. ``"cpu (2 threads, x86_64, AMD EPYC 9R14)"``
    or ``"cuda:0 (NVIDIA H100 80GB HBM3)"``: two CPUs with the same core count can differ several-fold in
    speed and, in float32, train slightly different models."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    return f"cpu ({torch.get_num_threads()} threads, {platform.machine()}, {cpu_name()})"


PRECISIONS = ("auto", "fp32", "bf16")
_NATIVE_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 natively: a CUDA GPU that supports it, or a CPU with AVX-512 BF16
    or AMX (read from ``/proc/cpuinfo``; ``False`` where that file does not exist). Elsewhere bf16 is
    emulated and slower than float32."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            flags = {flag for line in handle if line.startswith("flags") for flag in line.split()}
    except OSError:
        return False
    return any(flag in flags for flag in _NATIVE_BF16_CPU_FLAGS)


def resolve_precision(precision: str, device: torch.device) -> str:
    """``"fp32"`` or ``"bf16"`` for a precision choice: ``"auto"`` picks bf16 (autocast) where the device
    computes it natively (:func:`native_bf16`) and float32 elsewhere."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    return precision


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's legacy and torch's global generators (all devices) with ``seed``.

    The helpers themselves take explicit generators; this only makes a notebook's own cells repeatable.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries that shape the numbers."""
    versions = {"python": platform.python_version()}
    for package in ("torch", "torchvision", "numpy", "matplotlib", "ppic-course"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    if torch.cuda.is_available():
        versions["cuda"] = str(torch.version.cuda)
    return versions


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run a block with ``count`` intra-op CPU threads, then restore the previous number."""
    check_int(count, "count", minimum=1)
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@dataclass
class Stopwatch:
    """Elapsed wall time of a ``with timed(...)`` block, in seconds."""

    seconds: float = float("nan")


@contextmanager
def timed(label: str, *, device: torch.device | None = None, quiet: bool = False) -> Iterator[Stopwatch]:
    """Measure the wall time of a block and print it (``label: 1.23 s``).

    On CUDA the device is synchronised before the clock starts and stops, so queued kernels are counted.
    """
    watch = Stopwatch()
    if device is not None and device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    try:
        yield watch
    finally:
        if device is not None and device.type == "cuda":
            torch.cuda.synchronize(device)
        watch.seconds = time.perf_counter() - start
        if not quiet:
            print(f"{label}: {watch.seconds:.2f} s")
