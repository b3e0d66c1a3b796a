"""Throughput benchmarks, run from the command line (not from the test suite).

Usage::

    python -m helpers.benchmark encryption                  # 50,000 CIFAR-10 images, best of 5
    python -m helpers.benchmark encryption --device cuda --images 50000 --repeats 10
    python -m helpers.benchmark training --width 0.25       # Plain and Encrypted ResNet18 training steps

Each benchmark prints images per second and stores a record with the device's name in
``figures/benchmarks/<benchmark>_<device type>.json`` (atomically), for the README's performance table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable

import torch

from helpers import paths
from helpers.data import load_dataset
from helpers.encryption import BlockKey, decrypt, encrypt
from helpers.networks import ResNet18, encrypted_resnet18
from helpers.runtime import describe_device, library_versions, resolve_device
from helpers.storage import atomic_write_json
from helpers.training import KeyPolicy, TrainingConfig, prepare_model, train_classifier


def time_calls(function: Callable[[], object], device: torch.device, repeats: int) -> list[float]:
    """Wall times of ``repeats`` calls after one warm-up call (CUDA synchronised around each)."""
    function()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        function()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return times


def benchmark_encryption(images: int, device: torch.device, repeats: int) -> dict[str, object]:
    """Encrypt and decrypt ``images`` real CIFAR-10 training images with one key, on ``device``."""
    data = load_dataset("cifar10", "train", limit=images, device=device)
    key = BlockKey.from_seed(0)
    ciphertexts = encrypt(data.images, key)
    record: dict[str, object] = {"images": len(data), "data": data.source, "block_size": key.block_size}
    for name, call in (
        ("encrypt", lambda: encrypt(data.images, key)),
        ("decrypt", lambda: decrypt(ciphertexts, key)),
    ):
        times = time_calls(call, device, repeats)
        record[name] = {
            "best_seconds": min(times),
            "median_seconds": statistics.median(times),
            "images_per_s": len(data) / min(times),
        }
        print(
            f"{name}: {len(data)} images in {min(times):.3f} s (best of {repeats}) "
            f"→ {len(data) / min(times):,.0f} images/s"
        )
    return record


def benchmark_training(images: int, device: torch.device, repeats: int, width: float) -> dict[str, object]:
    """Training throughput of Plain and Encrypted ResNet18 (batch 128, augmentation, encryption, SGD step).

    Each model trains ``repeats + 1`` epochs over ``images`` real CIFAR-10 images; the first epoch is a
    warm-up and the best of the others is reported.
    """
    data = load_dataset("cifar10", "train", limit=images, device=device)
    record: dict[str, object] = {"images": len(data), "data": data.source, "width": width, "batch_size": 128}
    models = {
        "plain": (lambda: ResNet18(width=width), KeyPolicy.none()),
        "encrypted": (lambda: encrypted_resnet18(width=width), KeyPolicy.fixed(BlockKey.from_seed(0))),
    }
    for name, (build, keys) in models.items():
        model = prepare_model(build(), device)
        history = train_classifier(model, data, TrainingConfig(epochs=repeats + 1), keys, progress=False)
        best = min(history.epoch_seconds[1:])
        record[name] = {"best_epoch_seconds": best, "images_per_s": len(data) / best}
        print(
            f"{name}: {len(data) / best:,.0f} training images/s (ResNet18 ×{width}, best of {repeats} epochs)"
        )
    return record


BENCHMARKS: dict[str, Callable[[argparse.Namespace, int, torch.device], dict[str, object]]] = {
    "encryption": lambda args, images, device: benchmark_encryption(images, device, args.repeats),
    "training": lambda args, images, device: benchmark_training(images, device, args.repeats, args.width),
}
DEFAULT_IMAGES = {"encryption": 50_000, "training": 4_096}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("benchmark", choices=sorted(BENCHMARKS))
    parser.add_argument(
        "--images", type=int, help="images per call (default: 50,000 encryption, 4,096 training)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed calls or epochs after a warm-up (default 3)"
    )
    parser.add_argument(
        "--width", type=float, default=1.0, help="ResNet18 width multiplier (training; default 1)"
    )
    parser.add_argument("--device", default="auto", help="'auto', 'cpu' or 'cuda'")
    args = parser.parse_args(argv)
    images = args.images or DEFAULT_IMAGES[args.benchmark]
    if images < 1 or args.repeats < 1 or not args.width > 0:
        parser.error("--images, --repeats and --width must be positive")

    device = resolve_device(args.device)
    print(f"benchmark '{args.benchmark}' on {describe_device(device)}")
    record = BENCHMARKS[args.benchmark](args, images, device)
    record.update(
        benchmark=args.benchmark,
        device=describe_device(device),
        date_utc=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        versions=library_versions(),
    )
    variant = f"_width{args.width:g}" if args.benchmark == "training" else ""
    path = atomic_write_json(
        paths.figures_dir() / "benchmarks" / f"{args.benchmark}{variant}_{device.type}.json", record
    )
    print(f"wrote {paths.display_path(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
