"""Tanaka's block-wise learnable image encryption (ICCE-TW 2018), as used by Maung Maung et al. (2019).

For one image (uint8, block size ``M``; CIFAR-10 uses ``M = 4``):

1. cut the image into ``M×M`` blocks and flatten each block in (row, column, channel) order into
   ``d = C·M·M`` bytes;
2. split every byte into its lower nibble ``v & 15`` and upper nibble ``v >> 4`` and concatenate them:
   all ``d`` lower nibbles, then all ``d`` upper ones — the paper's "6-channel block" of ``2d`` 4-bit values;
3. reverse the intensity where the key's mask says so (``v ← 15 − v``);
4. shuffle: output position ``i`` takes input position ``perm[i]``;
5. reverse again with the same mask;
6. recombine the nibbles into bytes (``16·upper + lower``) and put the block back.

The same key serves every block of every image, which is what lets a stride-``M`` convolution learn it
(notebook 02) — and what makes the key recoverable from one known plaintext (:mod:`helpers.cryptanalysis`).

Because ``15 − v = v XOR 15`` for 4-bit values, steps 3–5 collapse into one gather and one XOR:
``out[i] = in[perm[i]] XOR 15·(rev[perm[i]] XOR rev[i])``. :func:`encrypt` uses that identity on whole
batches through a precomputed per-image gather map; the step-by-step version lives in notebook 01 and in the
tests, which check that both agree.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from helpers.images import check_uint8_images, to_float, to_uint8
from helpers.storage import atomic_write_json
from helpers.validation import check_int

KEY_FORMAT = "tanaka2018-block-key"
KEY_FORMAT_VERSION = 1
_SEED_DOMAIN = b"ppic/tanaka-block-key/v1"


def block_length(block_size: int, channels: int = 3) -> int:
    """``d = C·M·M``: bytes in one flattened block (48 for ``M = 4`` and RGB)."""
    return check_int(channels, "channels", minimum=1) * check_int(block_size, "block_size", minimum=1) ** 2


def key_space_log2(block_size: int, channels: int = 3) -> float:
    """log2 of the number of keys, ``(2d)!`` — the mask is derived from the permutation.

    For ``M = 4`` and RGB: ``log2(96!) ≈ 498.3``.
    """
    return math.lgamma(2 * block_length(block_size, channels) + 1) / math.log(2)


def _seed_bytes(seed: int | bytes) -> bytes:
    if isinstance(seed, bool) or not isinstance(seed, (int, bytes)):
        raise TypeError(f"seed must be a non-negative int or bytes, got {type(seed).__name__}")
    if isinstance(seed, bytes):
        return seed
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return seed.to_bytes(max(1, (seed.bit_length() + 7) // 8), "big")


@dataclass(frozen=True, eq=False)
class BlockKey:
    """A key of the block-wise scheme: a permutation of the ``2d`` nibble positions and a reversal mask.

    Build one with :meth:`from_seed` (deterministic) or :meth:`random` (from a generator, e.g. a fresh key
    per mini-batch); the constructor accepts any valid pair, which is what key recovery returns.

    Attributes:
        block_size: ``M``, the side of a square block in pixels.
        channels: ``C``, colour channels of the images the key is for.
        permutation: ``perm``, a permutation of ``0..2d−1``; output nibble ``i`` takes input nibble
            ``perm[i]``.
        reversal: ``rev``, boolean mask of length ``2d``; ``True`` positions are reversed (``v ← 15 − v``)
            before and after the shuffle.
    """

    block_size: int
    channels: int
    permutation: np.ndarray
    reversal: np.ndarray

    def __post_init__(self) -> None:
        length = 2 * block_length(self.block_size, self.channels)
        permutation = np.asarray(self.permutation)
        reversal = np.asarray(self.reversal)
        if permutation.shape != (length,) or not np.issubdtype(permutation.dtype, np.integer):
            raise ValueError(
                f"permutation must be {length} integers for block_size={self.block_size} and "
                f"channels={self.channels}, got shape {permutation.shape} and dtype {permutation.dtype}"
            )
        if not np.array_equal(np.sort(permutation), np.arange(length)):
            raise ValueError(f"permutation must contain every position 0..{length - 1} exactly once")
        if reversal.shape != (length,) or reversal.dtype != np.bool_:
            raise ValueError(
                f"reversal must be a boolean mask of length {length}, got shape {reversal.shape} and dtype "
                f"{reversal.dtype}"
            )
        for name, array in (("permutation", permutation.astype(np.int64)), ("reversal", reversal.copy())):
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    @property
    def block_length(self) -> int:
        """``d = C·M·M``."""
        return block_length(self.block_size, self.channels)

    @classmethod
    def from_permutation(cls, permutation: np.ndarray, block_size: int, channels: int = 3) -> BlockKey:
        """The author's key: the permutation decides the mask, ``rev[i] = perm[i] > d``."""
        permutation = np.asarray(permutation, dtype=np.int64)
        return cls(block_size, channels, permutation, permutation > block_length(block_size, channels))

    @classmethod
    def random(cls, rng: np.random.Generator, block_size: int = 4, channels: int = 3) -> BlockKey:
        """A uniformly random key of the author's kind, drawn from ``rng``."""
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return cls.from_permutation(
            rng.permutation(2 * block_length(block_size, channels)), block_size, channels
        )

    @classmethod
    def from_seed(cls, seed: int | bytes, block_size: int = 4, channels: int = 3) -> BlockKey:
        """A key derived deterministically from ``seed`` (a non-negative int or bytes).

        Derivation (the course's choice, documented so anyone can re-implement it):
        ``digest = SHA-256(b"ppic/tanaka-block-key/v1" | M | C | seed bytes)`` with ``M`` and ``C`` as one
        byte each and an int seed in minimal big-endian bytes; then
        ``numpy.random.default_rng(int.from_bytes(digest, "big")).permutation(2d)`` gives ``perm`` and the
        author's rule gives ``rev = perm > d``.
        """
        length = block_length(block_size, channels)
        if block_size > 255 or channels > 255:
            raise ValueError("block_size and channels must be at most 255")
        material = _SEED_DOMAIN + bytes([block_size, channels]) + _seed_bytes(seed)
        digest = hashlib.sha256(material).digest()
        rng = np.random.default_rng(int.from_bytes(digest, "big"))
        return cls.from_permutation(rng.permutation(2 * length), block_size, channels)

    def fingerprint(self) -> str:
        """16 hex digits of SHA-256 over the key material: names a key in caches and logs, reveals nothing."""
        material = (
            bytes([self.block_size, self.channels]) + self.permutation.tobytes() + self.reversal.tobytes()
        )
        return hashlib.sha256(material).hexdigest()[:16]

    def effective_mask(self) -> np.ndarray:
        """Which output nibbles end up reversed: ``rev[perm[i]] XOR rev[i]`` (steps 3–5 as one XOR)."""
        return self.reversal[self.permutation] ^ self.reversal

    def with_swaps(self, swaps: int, rng: np.random.Generator) -> BlockKey:
        """A nearly right key: ``swaps`` random transpositions applied to the permutation, same mask.

        With ``swaps = 1`` two nibble positions trade places; the rest of the key stays correct.
        """
        check_int(swaps, "swaps", minimum=0)
        permutation = self.permutation.copy()
        for _ in range(swaps):
            first, second = rng.choice(len(permutation), size=2, replace=False)
            permutation[[first, second]] = permutation[[second, first]]
        return BlockKey(self.block_size, self.channels, permutation, self.reversal)

    def inverse(self) -> BlockKey:
        """The decryption key: the inverse permutation with the same mask (reversal is an involution)."""
        return BlockKey(self.block_size, self.channels, np.argsort(self.permutation), self.reversal)

    def equivalent(self, other: BlockKey) -> bool:
        """True when both keys encrypt every image identically (same permutation and effective mask)."""
        return (
            isinstance(other, BlockKey)
            and (self.block_size, self.channels) == (other.block_size, other.channels)
            and np.array_equal(self.permutation, other.permutation)
            and np.array_equal(self.effective_mask(), other.effective_mask())
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BlockKey):
            return NotImplemented
        return (
            (self.block_size, self.channels) == (other.block_size, other.channels)
            and np.array_equal(self.permutation, other.permutation)
            and np.array_equal(self.reversal, other.reversal)
        )

    def __hash__(self) -> int:
        return hash((self.block_size, self.channels, self.permutation.tobytes(), self.reversal.tobytes()))

    def __repr__(self) -> str:
        head = ", ".join(str(v) for v in self.permutation[:6])
        return f"BlockKey(block_size={self.block_size}, channels={self.channels}, permutation=[{head}, …])"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready description of the key."""
        return {
            "format": KEY_FORMAT,
            "version": KEY_FORMAT_VERSION,
            "block_size": self.block_size,
            "channels": self.channels,
            "permutation": self.permutation.tolist(),
            "reversal": self.reversal.astype(int).tolist(),
        }

    @classmethod
    def from_dict(cls, data: object) -> BlockKey:
        """Inverse of :meth:`to_dict`.

        Raises:
            TypeError: ``data`` is not a dict, or a field has the wrong type.
            ValueError: another format or version, a missing field, or an inconsistent key.
        """
        if not isinstance(data, dict):
            raise TypeError(f"a key description must be a JSON object (dict), got {type(data).__name__}")
        if data.get("format") != KEY_FORMAT:
            raise ValueError(f"not a {KEY_FORMAT} file (format field is {data.get('format')!r})")
        if data.get("version") != KEY_FORMAT_VERSION:
            raise ValueError(
                f"unsupported key version {data.get('version')!r}; expected {KEY_FORMAT_VERSION}"
            )
        missing = sorted({"block_size", "channels", "permutation", "reversal"} - set(data))
        if missing:
            raise ValueError(f"the key description lacks the fields {missing}")
        for name in ("block_size", "channels"):
            check_int(data[name], name, minimum=1)
        for name in ("permutation", "reversal"):
            values = data[name]
            if not isinstance(values, list) or not all(
                isinstance(value, int) and not isinstance(value, bool) for value in values
            ):
                raise TypeError(f"{name} must be a list of integers")
        reversal = np.asarray(data["reversal"], dtype=np.int64)
        if not np.isin(reversal, (0, 1)).all():
            raise ValueError("reversal entries must be 0 or 1")
        return cls(
            data["block_size"],
            data["channels"],
            np.asarray(data["permutation"], dtype=np.int64),
            reversal.astype(bool),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the key as JSON (atomically)."""
        return atomic_write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BlockKey:
        """Read a key written by :meth:`save`; a damaged or foreign file raises ``ValueError``/``TypeError``
        naming it."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{path} is not a block-key JSON file or is damaged ({error})") from error
        try:
            return cls.from_dict(data)
        except OverflowError as error:  # an entry too large for an int64
            raise ValueError(f"{path}: a permutation or reversal entry is out of range ({error})") from error
        except (TypeError, ValueError) as error:
            raise type(error)(f"{path}: {error}") from error


def _check_key(key: object, images: torch.Tensor) -> BlockKey:
    if not isinstance(key, BlockKey):
        raise TypeError(f"key must be a BlockKey (e.g. BlockKey.from_seed(0)), got {type(key).__name__}")
    channels, height, width = images.shape[-3:]
    if channels != key.channels:
        raise ValueError(f"the key was made for {key.channels}-channel images, the images have {channels}")
    if height % key.block_size or width % key.block_size:
        raise ValueError(
            f"image height and width ({height}×{width}) must be multiples of the key's block size "
            f"{key.block_size}; pad them with pad_to_block_multiple(images, {key.block_size}) first"
        )
    return key


def pad_to_block_multiple(images: torch.Tensor, block_size: int, value: int = 0) -> torch.Tensor:
    """Pad the bottom and right edges with ``value`` so that height and width become multiples of ``M``."""
    images = check_uint8_images(images)
    check_int(block_size, "block_size", minimum=1)
    height, width = images.shape[-2:]
    pad_bottom, pad_right = -height % block_size, -width % block_size
    return F.pad(images, (0, pad_right, 0, pad_bottom), value=value)


def _to_blocks(batch: torch.Tensor, m: int) -> torch.Tensor:
    n, channels, height, width = batch.shape
    grid = batch.reshape(n, channels, height // m, m, width // m, m).permute(0, 2, 4, 3, 5, 1)
    return grid.reshape(n, (height // m) * (width // m), m * m * channels)


def image_to_blocks(images: torch.Tensor, block_size: int) -> torch.Tensor:
    """Cut ``(N, C, H, W)`` images into ``(N, H/M·W/M, C·M·M)`` flattened blocks.

    Each block is flattened in (row, column, channel) order; blocks are numbered row-major over the block
    grid; a 3-D input is treated as one image.
    """
    images = check_uint8_images(images)
    check_int(block_size, "block_size", minimum=1)
    height, width = images.shape[-2:]
    if height % block_size or width % block_size:
        raise ValueError(f"image size {height}×{width} is not a multiple of block_size {block_size}")
    return _to_blocks(images.reshape(-1, *images.shape[-3:]), block_size)


def blocks_to_image(blocks: torch.Tensor, block_size: int, height: int, width: int) -> torch.Tensor:
    """Inverse of :func:`image_to_blocks`: ``(N, nb, C·M·M)`` blocks back to ``(N, C, H, W)`` images."""
    m = block_size
    n, _, length = blocks.shape
    channels = length // (m * m)
    grid = blocks.reshape(n, height // m, width // m, m, m, channels).permute(0, 5, 1, 3, 2, 4)
    return grid.reshape(n, channels, height, width)


def split_nibbles(blocks: torch.Tensor) -> torch.Tensor:
    """``(..., d)`` bytes → ``(..., 2d)`` 4-bit values: all lower nibbles, then all upper nibbles."""
    return torch.cat([blocks & 15, blocks >> 4], dim=-1)


def join_nibbles(nibbles: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`split_nibbles`: byte = 16·upper + lower."""
    length = nibbles.shape[-1] // 2
    return (nibbles[..., length:] << 4) | nibbles[..., :length]


class GatherMap(NamedTuple):
    """For every byte of a ``C×H×W`` image: where its two output nibbles come from.

    ``*_source`` is the flat index of the source byte, ``*_shift`` is 0 when the source nibble is that
    byte's lower nibble and 4 when it is the upper one, ``*_flip`` is 15 where the nibble is reversed.
    """

    lower_source: torch.Tensor
    lower_shift: torch.Tensor
    lower_flip: torch.Tensor
    upper_source: torch.Tensor
    upper_shift: torch.Tensor
    upper_flip: torch.Tensor


def gather_map(key: BlockKey, height: int, width: int, device: torch.device) -> GatherMap:
    """Where every byte of an encrypted ``C×H×W`` image takes its two nibbles from (see :class:`GatherMap`).

    This is the key expanded to image size; :func:`encrypt` applies it to uint8 batches, and the attacks of
    notebook 03 apply it to float images to differentiate through the encryption.
    """
    d = key.block_length
    numel = key.channels * height * width
    # positions[b, j]: flat (C, H, W) index of byte j of block b
    positions = _to_blocks(torch.arange(numel).reshape(1, key.channels, height, width), key.block_size)[0]
    n_blocks = positions.shape[0]
    targets = positions.reshape(-1)
    source = torch.tensor(key.permutation)
    flip = torch.from_numpy(key.effective_mask().astype(np.uint8) * 15)

    def spread(per_block: torch.Tensor) -> torch.Tensor:
        image_wide = torch.empty(numel, dtype=per_block.dtype)
        image_wide[targets] = per_block.expand(n_blocks, d).reshape(-1)
        return image_wide

    fields = []
    for half in (slice(0, d), slice(d, 2 * d)):
        fields += [
            spread(positions[:, source[half] % d]),
            spread((source[half] >= d).to(torch.uint8) * 4),
            spread(flip[half]),
        ]
    return GatherMap(*(field.to(device) for field in fields))


# On a CPU, work through a batch in slices of about this many bytes so that they stay in cache.
_CPU_SLICE_BYTES = 2**21


def _apply_key(images: torch.Tensor, key: BlockKey) -> torch.Tensor:
    channels, height, width = images.shape[-3:]
    flat = images.reshape(-1, channels * height * width)
    plan = gather_map(key, height, width, images.device)
    rows = flat.shape[0] if images.is_cuda else max(1, _CPU_SLICE_BYTES // flat.shape[1])
    out = torch.empty_like(flat)
    for start in range(0, flat.shape[0], rows):
        part = flat[start : start + rows]
        lower = part.index_select(1, plan.lower_source)
        lower = lower.bitwise_right_shift_(plan.lower_shift).bitwise_and_(15).bitwise_xor_(plan.lower_flip)
        upper = part.index_select(1, plan.upper_source)
        upper = upper.bitwise_right_shift_(plan.upper_shift).bitwise_and_(15).bitwise_xor_(plan.upper_flip)
        out[start : start + rows] = upper.bitwise_left_shift_(4).bitwise_or_(lower)
    return out.reshape(images.shape)


def encrypt(images: torch.Tensor, key: BlockKey) -> torch.Tensor:
    """Encrypt uint8 images ``(N, C, H, W)`` or ``(C, H, W)`` block by block with ``key``.

    Returns a new tensor of the same shape, dtype and device. ``H`` and ``W`` must be multiples of the
    key's block size (see :func:`pad_to_block_multiple`), and ``C`` must match the key.
    """
    images = check_uint8_images(images)
    return _apply_key(images, _check_key(key, images))


def decrypt(images: torch.Tensor, key: BlockKey) -> torch.Tensor:
    """Undo :func:`encrypt`: the same routine with the inverse key. ``decrypt(encrypt(x, k), k) == x``."""
    images = check_uint8_images(images)
    return _apply_key(images, _check_key(key, images).inverse())


KEY_MODES = ("none", "fixed", "per_batch")


@dataclass(frozen=True)
class KeyPolicy:
    """Which key encrypts each mini-batch.

    - ``KeyPolicy.none()`` — plain images (the "Plain" scenario);
    - ``KeyPolicy.fixed(key)`` — one key for every batch ("Encrypted");
    - ``KeyPolicy.per_batch(seed)`` — a fresh random key for every batch ("DK"), drawn from a generator
      seeded with ``seed``, so a run is repeatable.
    """

    mode: str = "none"
    key: BlockKey | None = None
    seed: int = 0
    block_size: int = 4
    channels: int = 3

    def __post_init__(self) -> None:
        if self.mode not in KEY_MODES:
            raise ValueError(f"key mode must be one of {KEY_MODES}, got {self.mode!r}")
        if (self.mode == "fixed") != (self.key is not None):
            raise ValueError("a key is required for mode 'fixed' and not allowed otherwise")
        if self.key is not None and not isinstance(self.key, BlockKey):
            raise TypeError(f"key must be a BlockKey, got {type(self.key).__name__}")

    @classmethod
    def none(cls) -> KeyPolicy:
        return cls()

    @classmethod
    def fixed(cls, key: BlockKey) -> KeyPolicy:
        if not isinstance(key, BlockKey):
            raise TypeError(f"key must be a BlockKey, got {type(key).__name__}")
        return cls("fixed", key, block_size=key.block_size, channels=key.channels)

    @classmethod
    def per_batch(cls, seed: int, block_size: int = 4, channels: int = 3) -> KeyPolicy:
        return cls("per_batch", None, seed, block_size, channels)

    def keys(self) -> Iterator[BlockKey | None]:
        """An endless stream of per-batch keys (restarts from ``seed`` on every call)."""
        rng = np.random.default_rng(self.seed)
        while True:
            if self.mode == "none":
                yield None
            elif self.mode == "fixed":
                yield self.key
            else:
                yield BlockKey.random(rng, self.block_size, self.channels)

    def describe(self) -> dict[str, object]:
        """A JSON-ready description (for checkpoint configurations): never the key material itself."""
        description: dict[str, object] = {"mode": self.mode}
        if self.mode == "fixed":
            description["key_fingerprint"] = self.key.fingerprint()
        if self.mode == "per_batch":
            description.update(seed=self.seed, block_size=self.block_size, channels=self.channels)
        return description


def model_input(images: torch.Tensor, key: BlockKey | None) -> torch.Tensor:
    """What the classifier sees: the float image, encrypted with ``key`` when one is given.

    ``images`` may be uint8 or float in ``[0, 1]``; float images are rounded to 8 bits before encryption (the
    scheme works on bytes) — the same rounding a real client applies before sending an image.
    """
    if key is None:
        return images if images.is_floating_point() else to_float(images)
    as_bytes = images if images.dtype == torch.uint8 else to_uint8(images)
    return to_float(encrypt(as_bytes, key))
