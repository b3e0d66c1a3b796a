"""CIFAR-10, SVHN and MNIST (and AT&T faces) as uint8 tensors, from torchvision or an offline folder.

Two ways to get data, chosen by the environment variable ``PPIC_DATA_DIR``:

- **unset** — torchvision downloads the official files into ``PPIC_DOWNLOAD_DIR`` (default ``<repo>/data``);
- **set** — the folder's ``.npz`` files are used and nothing is downloaded (air-gapped clusters, CI).

Offline folder format (``np.savez`` archives; images ``uint8``, labels ``int64``):

- ``<name>.npz`` with ``x_train``, ``y_train``, ``x_test``, ``y_test``; colour images ``(N, H, W, 3)``,
  grey images ``(N, H, W)``;
- ``<name>_jpeg.npz`` with ``jpeg_<split>`` (all JPEG files' bytes, concatenated), ``offsets_<split>``
  (``N + 1`` byte offsets) and ``y_<split>`` — a full-size but lossy copy;
- ``<name>_unlabeled.npz`` as ``<name>.npz`` with every label ``-1``, usable only with ``labelled=False``.

With both ``<name>.npz`` and ``<name>_jpeg.npz`` present, ``variant="auto"`` takes the exact file unless the
request needs more images than it holds. Every loaded split says where it came from
(:meth:`ImageData.describe`).
"""

from __future__ import annotations

import io
import itertools
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from helpers import paths
from helpers.runtime import resolve_device
from helpers.validation import check_int

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
DIGIT_CLASSES = tuple(str(digit) for digit in range(10))
FACES_ATT_CLASSES = tuple(f"s{subject}" for subject in range(1, 41))

DATASET_CLASSES: dict[str, tuple[str, ...]] = {
    "cifar10": CIFAR10_CLASSES,
    "svhn": DIGIT_CLASSES,
    "mnist": DIGIT_CLASSES,
    "faces_att": FACES_ATT_CLASSES,
}
SPLITS = ("train", "test")
VARIANTS = ("auto", "exact", "jpeg")


class DataUnavailableError(FileNotFoundError):
    """A data set could be found neither in the offline folder nor through torchvision."""


class DamagedDataError(ValueError):
    """An offline archive exists but cannot be used: unreadable, an array missing, wrong dtypes, sizes or
    labels. The message names the file and what is wrong with it."""


def _how_to_provide(name: str) -> str:
    return (
        f"Provide {name} in one of two ways: (1) set {paths.DATA_DIR_VARIABLE} to a folder holding "
        f"{name}.npz (or {name}_jpeg.npz) in the offline format described in README.md; or (2) leave "
        f"{paths.DATA_DIR_VARIABLE} unset on a machine with internet access, and torchvision downloads it "
        f"into "
        f"{paths.DOWNLOAD_DIR_VARIABLE} (default <repo>/data)."
    )


@dataclass(frozen=True)
class ImageData:
    """One split of a data set, resident on one device.

    Attributes:
        name: data set name (``"cifar10"``, ``"svhn"``, ``"mnist"``, ``"faces_att"``).
        split: ``"train"`` or ``"test"``.
        images: uint8 tensor ``(N, C, H, W)``.
        labels: int64 tensor ``(N,)``; ``-1`` where the source has no label.
        classes: class names, indexed by label.
        source: where the pixels came from, in words.
    """

    name: str
    split: str
    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]
    source: str

    def __post_init__(self) -> None:
        if not isinstance(self.images, torch.Tensor) or self.images.dtype != torch.uint8:
            found = self.images.dtype if isinstance(self.images, torch.Tensor) else type(self.images).__name__
            raise TypeError(f"images must be a torch.uint8 tensor, got {found}")
        if self.images.ndim != 4:
            raise ValueError(f"images must have shape (N, C, H, W), got {tuple(self.images.shape)}")
        if not isinstance(self.labels, torch.Tensor) or self.labels.dtype != torch.int64:
            found = self.labels.dtype if isinstance(self.labels, torch.Tensor) else type(self.labels).__name__
            raise TypeError(f"labels must be a torch.int64 tensor, got {found}")
        if self.labels.shape != (self.images.shape[0],):
            raise ValueError(
                f"labels must have shape ({self.images.shape[0]},) to match {self.images.shape[0]} images, "
                f"got {tuple(self.labels.shape)}"
            )
        if self.labels.device != self.images.device:
            raise ValueError(
                f"images ({self.images.device}) and labels ({self.labels.device}) must share a device"
            )
        if len(self.labels):
            problem = _label_range_problem(int(self.labels.min()), int(self.labels.max()), len(self.classes))
            if problem:
                raise ValueError(f"labels {problem}")

    def __len__(self) -> int:
        return self.images.shape[0]

    @property
    def has_labels(self) -> bool:
        return bool(len(self)) and bool((self.labels >= 0).all())

    def head(self, count: int | None) -> ImageData:
        """The first ``count`` images (all of them for ``None``), with the source noting the cut."""
        if count is None or count >= len(self):
            return self
        check_int(count, "count", minimum=1)
        source = f"{self.source}, first {count} used"
        return replace(self, images=self.images[:count], labels=self.labels[:count], source=source)

    def to(self, device: torch.device | str) -> ImageData:
        """The same split on ``device`` (``"cuda"`` without a GPU is a ``ValueError``)."""
        device = resolve_device(device)
        return replace(self, images=self.images.to(device), labels=self.labels.to(device))

    def describe(self) -> str:
        """One line: size, shape and provenance — printed by every notebook that loads data."""
        channels, height, width = self.images.shape[1:]
        labels = f"{len(self.classes)} classes" if self.has_labels else "no labels"
        return (
            f"{self.name}/{self.split}: {len(self)} images {channels}×{height}×{width} uint8, {labels}, "
            f"on {self.images.device.type} — {self.source}"
        )


def jpeg_round_trip(data: ImageData, quality: int = 75) -> ImageData:
    """``data`` with every image encoded as a JPEG file of ``quality`` (Pillow, 4:2:0 chroma subsampling, as
    Pillow's default) and decoded again: the same images with JPEG's losses, for measuring what training on
    a lossy copy (such as the offline ``<name>_jpeg.npz``, quality about 75) costs. Colour images only."""
    if not isinstance(data, ImageData):
        raise TypeError(f"data must be an ImageData, got {type(data).__name__}")
    check_int(quality, "quality", minimum=1, maximum=95)
    if data.images.shape[1] != 3:
        raise ValueError(f"jpeg_round_trip takes colour images, got {data.images.shape[1]} channel(s)")

    def round_trip(image: np.ndarray) -> np.ndarray:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
        return np.asarray(Image.open(buffer).convert("RGB"))

    pixels = data.images.permute(0, 2, 3, 1).cpu().numpy()
    decoded = _as_nchw(np.stack([round_trip(image) for image in pixels])).to(data.images.device)
    return replace(data, images=decoded, source=f"{data.source}, JPEG round trip at quality {quality}")


def _as_nchw(images: np.ndarray) -> torch.Tensor:
    if images.ndim == 3:  # grey (N, H, W)
        images = images[:, None, :, :]
    elif images.ndim == 4 and images.shape[-1] in (1, 3):  # (N, H, W, C)
        images = images.transpose(0, 3, 1, 2)
    else:
        raise ValueError(f"expected images of shape (N, H, W) or (N, H, W, C), got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images, got {images.dtype}")
    return torch.from_numpy(np.ascontiguousarray(images))


def _label_range_problem(low: int, high: int, classes: int) -> str | None:
    """What is wrong with labels spanning ``[low, high]`` (``None`` when nothing): every label must be a class
    index, or every label ``-1`` (a split without labels) — never a mix."""
    if low == high == -1 or (low >= 0 and high < classes):
        return None
    return (
        f"must lie in [0, {classes}) (or be -1 throughout for unlabelled images), "
        f"got values in [{low}, {high}]"
    )


def _split_size(archive: np.lib.npyio.NpzFile, path: Path, split: str) -> int:
    """How many labelled images ``split`` of the archive at ``path`` holds (0 when it has no such split)."""
    if f"y_{split}" not in archive.files:
        return 0
    labels = _archive_array(archive, path, f"y_{split}")
    if labels.ndim != 1:
        raise DamagedDataError(f"{path}: y_{split} must be one-dimensional, got shape {labels.shape}")
    return len(labels)


def _choose_offline_file(
    folder: Path, name: str, split: str, limit: int | None, variant: str, labelled: bool
) -> Path:
    exact, jpeg, unlabeled = (folder / f"{name}{suffix}.npz" for suffix in ("", "_jpeg", "_unlabeled"))
    wanted = {"auto": [exact, jpeg], "exact": [exact], "jpeg": [jpeg]}[variant]
    if not labelled:
        wanted.append(unlabeled)
    present = [path for path in wanted if path.is_file()]
    if not present:
        only_unlabeled = labelled and unlabeled.is_file()
        detail = (
            f" It holds {unlabeled.name}, images without labels: pass labelled=False for label-free demos."
            if only_unlabeled
            else ""
        )
        names = ", ".join(path.name for path in wanted)
        raise DataUnavailableError(
            f"The offline folder {paths.display_path(folder)} ({paths.DATA_DIR_VARIABLE}) has none of "
            f"{names}."
            f"{detail} {_how_to_provide(name)}"
        )
    if variant == "auto" and exact in present and jpeg in present:
        with _open_archive(exact) as archive:
            exact_size = _split_size(archive, exact, split)
        return exact if limit is not None and limit <= exact_size else jpeg
    return present[0]


def _decode_jpegs(encoded: np.ndarray, offsets: np.ndarray) -> torch.Tensor:
    """Decode concatenated JPEG files to ``(N, 3, H, W)``; file ``i`` is ``encoded[offsets[i]:offsets[i+1]]``.

    A one-off cost when a split is loaded (about 3 s for 50,000 CIFAR-10 images on one core), with Pillow.
    """
    buffer = memoryview(encoded)
    decoded = [
        np.asarray(Image.open(io.BytesIO(buffer[start:end])).convert("RGB"))
        for start, end in itertools.pairwise(offsets)
    ]
    return _as_nchw(np.stack(decoded)) if decoded else torch.empty(0, 3, 0, 0, dtype=torch.uint8)


def _archive_array(archive: np.lib.npyio.NpzFile, path: Path, array: str) -> np.ndarray:
    if array not in archive.files:
        raise DamagedDataError(
            f"{path}: the array {array!r} is missing (the archive holds {sorted(archive.files)}); see the "
            "offline format in README.md"
        )
    try:
        return archive[array]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DamagedDataError(
            f"{path}: the array {array!r} cannot be read ({error}); the file is damaged"
        ) from error


def _checked_labels(labels: np.ndarray, path: Path, split: str, classes: int, count: int) -> torch.Tensor:
    """``y_<split>`` as int64 after checking its dtype, shape and values against the images."""
    array = f"y_{split}"
    if not np.issubdtype(labels.dtype, np.integer):
        raise DamagedDataError(f"{path}: {array} must hold integer labels, got dtype {labels.dtype}")
    if labels.shape != (count,):
        raise DamagedDataError(
            f"{path}: {array} has shape {labels.shape} but there are {count} images; they must match"
        )
    if count:
        problem = _label_range_problem(int(labels.min()), int(labels.max()), classes)
        if problem:
            raise DamagedDataError(f"{path}: the labels in {array} {problem}")
    return torch.from_numpy(labels.astype(np.int64))


def _open_archive(path: Path) -> np.lib.npyio.NpzFile:
    """``np.load(path)``, with a damaged or foreign file reported as :class:`DamagedDataError` naming it."""
    try:
        archive = np.load(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DamagedDataError(
            f"{path} is not a readable .npz archive ({error}); the file is damaged or of another format"
        ) from error
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DamagedDataError(f"{path} holds a single array, not an .npz archive of named arrays")
    return archive


def _read_offline(
    path: Path, split: str, limit: int | None, classes: int
) -> tuple[torch.Tensor, torch.Tensor, str]:
    with _open_archive(path) as archive:
        if f"jpeg_{split}" in archive.files:
            offsets = _archive_array(archive, path, f"offsets_{split}").astype(np.int64)
            encoded = _archive_array(archive, path, f"jpeg_{split}")
            if offsets.ndim != 1 or len(offsets) < 1 or offsets[0] != 0 or (np.diff(offsets) <= 0).any():
                raise DamagedDataError(f"{path}: offsets_{split} must start at 0 and increase strictly")
            total = len(offsets) - 1
            if offsets[-1] > encoded.size:
                raise DamagedDataError(
                    f"{path}: offsets_{split} point past the end of jpeg_{split} "
                    f"({offsets[-1]} > {encoded.size} bytes); the file is cut short"
                )
            labels = _checked_labels(_archive_array(archive, path, f"y_{split}"), path, split, classes, total)
            count = total if limit is None else min(limit, total)
            try:
                images = _decode_jpegs(encoded, offsets[: count + 1])
            except OSError as error:  # Pillow's UnidentifiedImageError is an OSError
                raise DamagedDataError(
                    f"{path}: a JPEG in jpeg_{split} cannot be decoded ({error})"
                ) from error
            labels = labels[:count]
            kind = "lossy JPEG copy"
        else:
            if f"x_{split}" not in archive.files and f"y_{split}" not in archive.files:
                raise DataUnavailableError(
                    f"{path.name} has no '{split}' split (arrays x_{split}, y_{split})"
                )
            pixels = _archive_array(archive, path, f"x_{split}")
            total = len(pixels)
            labels = _checked_labels(_archive_array(archive, path, f"y_{split}"), path, split, classes, total)
            try:
                images = _as_nchw(pixels[:limit])
            except ValueError as error:
                raise DamagedDataError(f"{path}: x_{split}: {error}") from error
            labels = labels[:limit]
            kind = "exact pixels"
    return images, labels, f"offline {path.name} ({kind}; first {len(labels)} of {total})"


def _read_torchvision(name: str, split: str, limit: int | None) -> tuple[torch.Tensor, torch.Tensor, str]:
    import torchvision.datasets as tv  # imported here: only this path needs it

    root = paths.download_dir()
    train = split == "train"
    try:
        if name == "cifar10":
            dataset = tv.CIFAR10(root, train=train, download=True)
            images, labels = _as_nchw(dataset.data), np.asarray(dataset.targets)
        elif name == "mnist":
            dataset = tv.MNIST(root, train=train, download=True)
            images, labels = _as_nchw(dataset.data.numpy()), dataset.targets.numpy()
        elif name == "svhn":
            dataset = tv.SVHN(root / "svhn", split=split, download=True)
            images, labels = torch.from_numpy(dataset.data), np.asarray(dataset.labels)
        else:
            raise DataUnavailableError(
                f"{name} is not distributed through torchvision; it is available only from an offline "
                f"folder. "
                f"{_how_to_provide(name)}"
            )
    except (OSError, RuntimeError) as error:  # no internet, checksum failure, partial download …
        raise DataUnavailableError(
            f"torchvision could not provide {name}: {error}. {_how_to_provide(name)}"
        ) from error
    total = len(labels)
    labels = torch.from_numpy(np.asarray(labels[:limit], dtype=np.int64))
    return images[:limit].contiguous(), labels, f"torchvision download (first {len(labels)} of {total})"


def load_dataset(
    name: str,
    split: str = "train",
    *,
    limit: int | None = None,
    device: torch.device | str = "cpu",
    variant: str = "auto",
    labelled: bool = True,
) -> ImageData:
    """Load the first ``limit`` images of a split (all when ``None``) as uint8 ``(N, C, H, W)`` on ``device``.

    Args:
        name: ``"cifar10"``, ``"svhn"``, ``"mnist"`` or ``"faces_att"`` (offline only).
        split: ``"train"`` or ``"test"``.
        limit: how many images, taken in the source's official order; ``None`` for all.
        device: where the tensors live.
        variant: offline only: ``"exact"`` (``<name>.npz``), ``"jpeg"`` (``<name>_jpeg.npz``) or ``"auto"``.
        labelled: when ``False``, an offline ``<name>_unlabeled.npz`` may serve (labels ``-1``).

    Raises:
        TypeError: for a limit that is not an int.
        ValueError: for an unknown name, split or variant, a non-positive limit, or ``"cuda"`` without a GPU.
        DamagedDataError: (a ``ValueError``) when an offline archive is damaged or inconsistent — unreadable,
            an array missing, non-integer or out-of-range labels, images and labels of different lengths;
            the message names the file.
        DataUnavailableError: when neither the offline folder nor torchvision can provide the data; the
            message says how to provide it.
    """
    if name not in DATASET_CLASSES:
        raise ValueError(f"unknown data set {name!r}; expected one of {sorted(DATASET_CLASSES)}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    if limit is not None:
        check_int(limit, "limit", minimum=1)
    device = resolve_device(device)

    folder = paths.offline_data_dir()
    if folder is not None:
        if not folder.is_dir():
            raise DataUnavailableError(
                f"{paths.DATA_DIR_VARIABLE} points to {paths.display_path(folder)}, which is not a folder. "
                f"{_how_to_provide(name)}"
            )
        path = _choose_offline_file(folder, name, split, limit, variant, labelled)
        images, labels, source = _read_offline(path, split, limit, len(DATASET_CLASSES[name]))
    else:
        images, labels, source = _read_torchvision(name, split, limit)
    if len(labels) == 0:
        raise DataUnavailableError(f"{name}/{split} is empty in {source}. {_how_to_provide(name)}")
    data = ImageData(name, split, images, labels, DATASET_CLASSES[name], source)
    if labelled and not data.has_labels:
        raise DataUnavailableError(
            f"{name}/{split} from {source} has no labels; pass labelled=False to use it"
        )
    return data.to(device)


def labelled_data_available(name: str) -> bool:
    """Whether a labelled ``name`` can be loaded (offline folder or torchvision): tries one test image."""
    try:
        load_dataset(name, "test", limit=1)
    except DataUnavailableError:
        return False
    return True
