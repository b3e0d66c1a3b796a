"""Known-plaintext key recovery for the block-wise scheme (beyond the papers).

The scheme uses one key for every block, so every block of a known (plaintext, ciphertext) pair is one
more equation about the same key. In nibble form (see :mod:`helpers.encryption`) the ciphertext of a block
is ``c[i] = p[perm[i]] XOR 15·mask[i]``: output position ``i`` copies input position ``perm[i]``, reversed
or not. So for each output position we keep the input positions (and reversal bit) that agree with *every*
block seen so far; once each output position has a single candidate, the nibble map is known.

A nibble map is a key only if it can be written as ``(perm, rev)``: its mask must be ``rev[perm[i]] XOR
rev[i]``, whose XOR around every cycle of ``perm`` is 0. Maps that no single key produces exist — encrypting
twice with two keys usually gives one — so a candidate key is accepted only after it **re-encrypts every given
plaintext to its ciphertext exactly**; otherwise recovery reports failure and why.

See Sirichotedumrong & Kiya (arXiv 2010.06198) and the jigsaw-solver attacks (*Information* 14(6):311,
2023) for the wider visual-security literature on block-wise encryption.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from helpers.encryption import BlockKey, encrypt, image_to_blocks, split_nibbles
from helpers.images import check_uint8_images

# Blocks examined per vectorised step; bounds memory to _BLOCKS_PER_STEP·(2d)² booleans.
_BLOCKS_PER_STEP = 64


@dataclass(frozen=True)
class KeyRecovery:
    """Outcome of :func:`recover_key`.

    Attributes:
        key: a key that re-encrypts every given plaintext to its ciphertext exactly, or ``None`` when there
            is none (see ``failure``).
        blocks_used: distinct plaintext blocks consumed until the nibble map was unique (all of them if it
            never became unique).
        ambiguous_positions: nibble positions that still had more than one candidate at the end.
        failure: why no key was returned (``None`` on success): the pairs did not pin every position down,
            or the nibble map they pin down is not one that a single key produces.
    """

    key: BlockKey | None
    blocks_used: int
    ambiguous_positions: int
    failure: str | None = None

    @property
    def recovered(self) -> bool:
        return self.key is not None


def _distinct_in_order(rows: np.ndarray) -> np.ndarray:
    _, first_index = np.unique(rows, axis=0, return_index=True)
    return rows[np.sort(first_index)]


def _mask_to_reversal(permutation: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """A reversal mask ``rev`` with ``rev[perm[i]] XOR rev[i] == mask[i]`` for all ``i``, or ``None``.

    Only the effective mask is observable. The author's keys use ``rev = perm > d``; if that rule fits, it
    is the answer (the victim's exact key). Otherwise each cycle of the permutation is solved by fixing its
    first position to "not reversed" and walking the cycle. For a map made by one key the XOR of ``mask``
    around every cycle is 0 and the walk closes consistently; a cycle with XOR 1 (e.g. after double
    encryption) has no solution, and ``None`` is returned.
    """
    d = len(permutation) // 2
    authors_rule = permutation > d
    if np.array_equal(authors_rule[permutation] ^ authors_rule, mask):
        return authors_rule
    reversal = np.zeros(len(permutation), dtype=bool)
    visited = np.zeros(len(permutation), dtype=bool)
    for start in range(len(permutation)):
        position = start
        while not visited[position]:
            visited[position] = True
            successor = permutation[position]
            if not visited[successor]:
                reversal[successor] = reversal[position] ^ mask[position]
            elif reversal[successor] != reversal[position] ^ mask[position]:
                return None  # the cycle's mask has odd parity: no single key makes this map
            position = successor
    return reversal


def recover_key(plaintexts: torch.Tensor, ciphertexts: torch.Tensor, block_size: int) -> KeyRecovery:
    """Recover an equivalent key from known (plaintext, ciphertext) image pairs.

    Args:
        plaintexts: uint8 images ``(C, H, W)`` or ``(N, C, H, W)``.
        ciphertexts: their encryptions under the unknown key, same shape.
        block_size: ``M`` of the scheme (an attacker tries the few plausible values).

    Blocks are taken in image order, duplicates skipped, until every output nibble position has exactly
    one consistent (input position, reversed?) candidate. The key built from them is returned only if it
    re-encrypts every plaintext to its ciphertext exactly; otherwise ``key`` is ``None`` and ``failure``
    says why.
    """
    plaintexts = check_uint8_images(plaintexts, "plaintexts")
    ciphertexts = check_uint8_images(ciphertexts, "ciphertexts")
    if plaintexts.shape != ciphertexts.shape:
        raise ValueError(
            f"plaintexts and ciphertexts must have the same shape, got {tuple(plaintexts.shape)} and "
            f"{tuple(ciphertexts.shape)}"
        )
    channels = plaintexts.shape[-3]
    plain = split_nibbles(image_to_blocks(plaintexts, block_size)).reshape(-1, 2 * channels * block_size**2)
    cipher = split_nibbles(image_to_blocks(ciphertexts, block_size)).reshape(plain.shape)
    pairs = _distinct_in_order(torch.cat([plain, cipher], dim=1).cpu().numpy())
    plain_nibbles, cipher_nibbles = np.split(pairs, 2, axis=1)

    length = plain_nibbles.shape[1]
    # still_*[i, j]: every block so far allows output position i to copy input position j (straight/reversed)
    still_straight = np.ones((length, length), dtype=bool)
    still_reversed = np.ones((length, length), dtype=bool)
    for start in range(0, len(pairs), _BLOCKS_PER_STEP):
        p, c = (
            plain_nibbles[start : start + _BLOCKS_PER_STEP],
            cipher_nibbles[start : start + _BLOCKS_PER_STEP],
        )
        straight = still_straight & np.logical_and.accumulate(c[:, :, None] == p[:, None, :], axis=0)
        reversed_ = still_reversed & np.logical_and.accumulate(c[:, :, None] == 15 - p[:, None, :], axis=0)
        unique_after = np.flatnonzero(((straight.sum(axis=2) + reversed_.sum(axis=2)) == 1).all(axis=1))
        if len(unique_after):
            k = unique_after[0]
            permutation = np.where(
                straight[k].any(axis=1), straight[k].argmax(axis=1), reversed_[k].argmax(axis=1)
            )
            used = int(start + k + 1)
            return _verified(permutation, reversed_[k].any(axis=1), plaintexts, ciphertexts, block_size, used)
        still_straight, still_reversed = straight[-1], reversed_[-1]
    ambiguous = int(((still_straight.sum(axis=1) + still_reversed.sum(axis=1)) > 1).sum())
    return KeyRecovery(None, len(pairs), ambiguous, f"{ambiguous} nibble positions stay ambiguous")


def _verified(
    permutation: np.ndarray,
    mask: np.ndarray,
    plaintexts: torch.Tensor,
    ciphertexts: torch.Tensor,
    block_size: int,
    blocks_used: int,
) -> KeyRecovery:
    """The key for a uniquely determined nibble map, if one exists and re-encrypts every pair exactly."""
    if not np.array_equal(np.sort(permutation), np.arange(len(permutation))):
        return KeyRecovery(None, blocks_used, 0, "the pairs fit no permutation of the nibble positions")
    reversal = _mask_to_reversal(permutation, mask)
    if reversal is None:
        return KeyRecovery(
            None, blocks_used, 0, "the nibble map has a cycle of odd reversal parity: no single key makes it"
        )
    key = BlockKey(block_size, plaintexts.shape[-3], permutation, reversal)
    if not torch.equal(encrypt(plaintexts, key), ciphertexts):
        return KeyRecovery(None, blocks_used, 0, "the candidate key does not re-encrypt the given pairs")
    return KeyRecovery(key, blocks_used, 0)
