"""Known-plaintext key recovery for the block-wise scheme (beyond the papers).

The scheme uses one key for every block, so every block of a known (plaintext, ciphertext) pair is one
more equation about the same key. In nibble form (see :mod:`helpers.encryption`) the ciphertext of a block
is ``c[i] = p[perm[i]] XOR 15·mask[i]``: output position ``i`` copies input position ``perm[i]``, reversed
or not. So for each output position we keep the input positions (and reversal bit) that agree with *every*
block seen so far; once each output position has a single candidate, the key is known.

See Sirichotedumrong & Kiya (arXiv 2010.06198) and the jigsaw-solver attacks (*Information* 14(6):311,
2023) for the wider visual-security literature on block-wise encryption.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from helpers.encryption import BlockKey, image_to_blocks, split_nibbles
from helpers.images import check_uint8_images

# Blocks examined per vectorised step; bounds memory to _BLOCKS_PER_STEP·(2d)² booleans.
_BLOCKS_PER_STEP = 64


@dataclass(frozen=True)
class KeyRecovery:
    """Outcome of :func:`recover_key`.

    Attributes:
        key: a key that encrypts every image exactly as the victim's does, or ``None`` when the pairs did
            not pin every position down.
        blocks_used: distinct plaintext blocks consumed until the key was unique (all of them if it never
            became unique).
        ambiguous_positions: nibble positions that still had more than one candidate at the end.
    """

    key: BlockKey | None
    blocks_used: int
    ambiguous_positions: int

    @property
    def recovered(self) -> bool:
        return self.key is not None


def _distinct_in_order(rows: np.ndarray) -> np.ndarray:
    _, first_index = np.unique(rows, axis=0, return_index=True)
    return rows[np.sort(first_index)]


def _mask_to_reversal(permutation: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A reversal mask ``rev`` with ``rev[perm[i]] XOR rev[i] == mask[i]`` for all ``i``.

    Only the effective mask is observable. The author's keys use ``rev = perm > d``; if that rule fits, it
    is the answer (the victim's exact key). Otherwise each cycle of the permutation is solved by fixing its
    first position to "not reversed" and walking the cycle — the XOR of ``mask`` around a cycle is always 0,
    so the walk closes consistently.
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
            position = successor
    return reversal


def recover_key(plaintexts: torch.Tensor, ciphertexts: torch.Tensor, block_size: int) -> KeyRecovery:
    """Recover an equivalent key from known (plaintext, ciphertext) image pairs.

    Args:
        plaintexts: uint8 images ``(C, H, W)`` or ``(N, C, H, W)``.
        ciphertexts: their encryptions under the unknown key, same shape.
        block_size: ``M`` of the scheme (an attacker tries the few plausible values).

    Blocks are taken in image order, duplicates skipped, until every output nibble position has exactly
    one consistent (input position, reversed?) candidate.
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
            reversal = _mask_to_reversal(permutation, reversed_[k].any(axis=1))
            return KeyRecovery(BlockKey(block_size, channels, permutation, reversal), int(start + k + 1), 0)
        still_straight, still_reversed = straight[-1], reversed_[-1]
    ambiguous = int(((still_straight.sum(axis=1) + still_reversed.sum(axis=1)) > 1).sum())
    return KeyRecovery(None, len(pairs), ambiguous)
