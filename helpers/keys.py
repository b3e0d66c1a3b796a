"""Secret keys for RIC: at least 128 bits, expanded into generator seeds by a documented derivation.

In RIC (Liu et al.) the data provider's secret is the seed of the random noisy image (RNI) from which the
noise-like adversarial example (NAE) is grown. The paper draws that seed from ``[0, 2^32)`` — a key space a
laptop exhausts (notebook 07). This module's default key is **256 random bits from the operating system's
CSPRNG**; any key of at least 128 bits can be given as bytes, an int or hex. The paper's 32-bit seeds are
supported as an explicitly **weak** "paper" setting, for the brute-force study only.

Derivation (ours). A key never seeds a generator directly. For a *purpose* (e.g. ``"rni"``) and an *index*
(a class label, an image id), the generator seed is the first 8 bytes, big-endian, of ::

    SHA-256( b"ppic-key-v1" ‖ len(key) ‖ key ‖ len(purpose) ‖ purpose ‖ index )

with ``len`` as 2 big-endian bytes and ``index`` as 8 big-endian bytes. Distinct (purpose, index) pairs give
independent-looking streams, one flipped key bit gives an unrelated seed, and the seed is the same on every
machine. The random numbers are then drawn from a CPU ``torch.Generator`` so that they do not depend on the
device either.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import torch

from helpers.storage import atomic_write_text
from helpers.validation import check_int

MIN_KEY_BITS = 128
DEFAULT_KEY_BITS = 256
PAPER_SEED_BITS = 32
_DOMAIN = b"ppic-key-v1"
_FILE_FORMAT = "ppic-secret-key/v1"


@dataclass(frozen=True, eq=False, repr=False)
class SecretKey:
    """A secret key: raw bytes, at least 16 of them unless ``weak`` (a paper-style 32-bit seed).

    Create one with :meth:`generate`, :meth:`from_bytes`, :meth:`from_int`, :meth:`from_hex`,
    :meth:`paper_seed` or :meth:`load`. Its ``repr`` shows the size and :meth:`fingerprint`, never the
    material; caches and checkpoints name a key by its fingerprint only.
    """

    material: bytes
    weak: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.material, bytes):
            raise TypeError(f"key material must be bytes, got {type(self.material).__name__}")
        if not isinstance(self.weak, bool):
            raise TypeError(f"weak must be a bool, got {type(self.weak).__name__}")
        if self.weak and len(self.material) * 8 != PAPER_SEED_BITS:
            raise ValueError(f"a weak (paper) key has exactly {PAPER_SEED_BITS} bits, got {self.bits}")
        if not self.weak and self.bits < MIN_KEY_BITS:
            raise ValueError(
                f"key must have at least {MIN_KEY_BITS} bits, got {self.bits}; "
                "use SecretKey.paper_seed(seed) for the paper's 32-bit seeds"
            )

    @classmethod
    def generate(cls, bits: int = DEFAULT_KEY_BITS) -> SecretKey:
        """A fresh key of ``bits`` bits (a multiple of 8, at least 128) from the OS CSPRNG."""
        return cls.from_bytes(secrets.token_bytes(_byte_length(bits)))

    @classmethod
    def from_bytes(cls, material: bytes) -> SecretKey:
        """A key made of ``material`` (at least 16 bytes)."""
        return cls(material)

    @classmethod
    def from_int(cls, value: int, bits: int = MIN_KEY_BITS) -> SecretKey:
        """The ``bits``-bit big-endian encoding of ``value``, ``0 <= value < 2**bits``."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"key value must be an int, got {type(value).__name__}")
        length = _byte_length(bits)
        if not 0 <= value < 2**bits:
            raise ValueError(f"key value must lie in [0, 2**{bits}), got {value}")
        return cls(value.to_bytes(length, "big"))

    @classmethod
    def from_hex(cls, text: str) -> SecretKey:
        """A key written as hexadecimal digits (at least 32 of them)."""
        if not isinstance(text, str):
            raise TypeError(f"key text must be a str of hex digits, got {type(text).__name__}")
        try:
            material = bytes.fromhex(text.strip())
        except ValueError:
            raise ValueError("key text must be hexadecimal digits (0-9, a-f)") from None
        return cls(material)

    @classmethod
    def paper_seed(cls, seed: int) -> SecretKey:
        """The paper's setting: a **weak** key, one of 2^32 seeds. Only for the brute-force study."""
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        if not 0 <= seed < 2**PAPER_SEED_BITS:
            raise ValueError(f"a paper seed must lie in [0, 2**{PAPER_SEED_BITS}), got {seed}")
        return cls(seed.to_bytes(PAPER_SEED_BITS // 8, "big"), weak=True)

    @property
    def bits(self) -> int:
        return len(self.material) * 8

    def fingerprint(self) -> str:
        """16 hex digits naming the key in caches and logs.

        It reveals nothing about a strong key; a weak (32-bit) key can be found from its fingerprint by
        trying all 2^32 seeds, like from anything else it produced.
        """
        return self._digest("fingerprint", 0).hex()[:16]

    def derive_seed(self, purpose: str, index: int = 0) -> int:
        """The 64-bit generator seed for ``(purpose, index)`` (see the module docstring)."""
        return int.from_bytes(self._digest(purpose, index)[:8], "big")

    def generator(self, purpose: str, index: int = 0) -> torch.Generator:
        """A CPU ``torch.Generator`` seeded with :meth:`derive_seed` (device-independent draws)."""
        return torch.Generator(device="cpu").manual_seed(self.derive_seed(purpose, index))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the key to ``path`` (atomically, readable by the owner only) as one line::

            ppic-secret-key/v1:<strong|weak-paper-seed>:<bits>:<hex material>:<check>

        ``check`` is 16 hex digits of SHA-256 over the line's first four fields, so a file that was cut short
        or altered is refused by :meth:`load` instead of loading as another key.
        """
        path = Path(path)
        body = ":".join(
            (_FILE_FORMAT, "weak-paper-seed" if self.weak else "strong", str(self.bits), self.material.hex())
        )
        return atomic_write_text(path, f"{body}:{_file_check(body)}\n", mode=0o600)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SecretKey:
        """Read a key written by :meth:`save`.

        Raises:
            FileNotFoundError: no file at ``path``.
            ValueError: the file is not a key file of this format, or is damaged (cut short, altered); the
                message names the file.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8").strip()
        except UnicodeDecodeError:
            raise ValueError(f"{path} is not a key file (not UTF-8 text)") from None
        if re.fullmatch(r"(weak-paper-seed:)?[0-9a-fA-F]+", text):
            raise ValueError(
                f"{path} is a key file of an earlier version of the course, which had no integrity check, so "
                "a file cut short could not be told from a shorter key. If you trust it, read it with "
                "SecretKey.from_hex (SecretKey.paper_seed for a weak-paper-seed file) and save it again."
            )
        fields = text.split(":")
        if len(fields) != 5 or fields[0] != _FILE_FORMAT:
            raise ValueError(
                f"{path} is not a {_FILE_FORMAT} key file or is damaged (expected one line "
                f"'{_FILE_FORMAT}:<strength>:<bits>:<hex>:<check>')"
            )
        body, check = ":".join(fields[:4]), fields[4]
        if check != _file_check(body):
            raise ValueError(f"{path} is damaged: its integrity check does not match its content")
        strength, bits, material = fields[1:4]
        if (
            strength not in ("strong", "weak-paper-seed")
            or not bits.isdigit()
            or len(material) * 4 != int(bits)
        ):
            raise ValueError(f"{path} is damaged: its strength, size and material do not agree")
        try:
            return cls(bytes.fromhex(material), weak=strength == "weak-paper-seed")
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error

    def _digest(self, purpose: str, index: int) -> bytes:
        if not isinstance(purpose, str) or not purpose:
            raise ValueError(f"purpose must be a non-empty str, got {purpose!r}")
        check_int(index, "index", minimum=0, maximum=2**64 - 1)
        encoded = purpose.encode("utf-8")
        message = b"".join(
            (
                _DOMAIN,
                len(self.material).to_bytes(2, "big"),
                self.material,
                len(encoded).to_bytes(2, "big"),
                encoded,
                index.to_bytes(8, "big"),
            )
        )
        return hashlib.sha256(message).digest()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretKey):
            return NotImplemented
        return self.weak == other.weak and hmac.compare_digest(self.material, other.material)

    def __hash__(self) -> int:
        return hash(self.fingerprint())

    def __repr__(self) -> str:
        strength = "weak paper seed, " if self.weak else ""
        return f"SecretKey({strength}{self.bits} bits, fingerprint {self.fingerprint()})"


def _file_check(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def _byte_length(bits: int) -> int:
    if isinstance(bits, bool) or not isinstance(bits, int):
        raise TypeError(f"bits must be an int, got {type(bits).__name__}")
    if bits < MIN_KEY_BITS or bits % 8:
        raise ValueError(f"bits must be a multiple of 8 and at least {MIN_KEY_BITS}, got {bits}")
    return bits // 8
