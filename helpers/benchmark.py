"""Throughput benchmarks, run from the command line (not from the test suite).

Usage::

    python -m helpers.benchmark encryption                  # 50,000 CIFAR-10 images, best of 5
    python -m helpers.benchmark encryption --device cuda --images 50000 --repeats 10

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
from helpers.runtime import describe_device, library_versions, resolve_device
from helpers.storage import atomic_write_json


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


BENCHMARKS = {"encryption": benchmark_encryption}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("benchmark", choices=sorted(BENCHMARKS))
    parser.add_argument("--images", type=int, default=50_000, help="images per call (default 50,000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls after one warm-up (default 5)")
    parser.add_argument("--device", default="auto", help="'auto', 'cpu' or 'cuda'")
    args = parser.parse_args(argv)
    if args.images < 1 or args.repeats < 1:
        parser.error("--images and --repeats must be positive")

    device = resolve_device(args.device)
    print(f"benchmark '{args.benchmark}' on {describe_device(device)}")
    record = BENCHMARKS[args.benchmark](args.images, device, args.repeats)
    record.update(
        benchmark=args.benchmark,
        device=describe_device(device),
        date_utc=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        versions=library_versions(),
    )
    path = atomic_write_json(
        paths.figures_dir() / "benchmarks" / f"{args.benchmark}_{device.type}.json", record
    )
    print(f"wrote {paths.display_path(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
