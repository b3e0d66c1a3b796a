"""Known-plaintext key recovery against the block-wise scheme."""

import numpy as np
import pytest
import torch

from helpers.cryptanalysis import recover_key
from helpers.encryption import BlockKey, blocks_to_image, decrypt, encrypt, image_to_blocks


def test_one_known_image_reveals_the_exact_key(cifar_images):
    key = BlockKey.from_seed(2018)
    recovery = recover_key(cifar_images[0], encrypt(cifar_images[0], key), block_size=4)
    assert recovery.recovered and recovery.key == key
    assert 1 <= recovery.blocks_used <= 64
    others = cifar_images[1:]
    assert torch.equal(decrypt(encrypt(others, key), recovery.key), others)


def test_blocks_used_is_the_minimum(cifar_images):
    key = BlockKey.from_seed(5)
    blocks = image_to_blocks(cifar_images[1], 4)  # (1, 64, 48), all distinct in a textured image
    needed = recover_key(cifar_images[1], encrypt(cifar_images[1], key), 4).blocks_used

    def strip(count: int) -> torch.Tensor:  # the first `count` blocks laid out as a 4 × 4·count image
        return blocks_to_image(blocks[:, :count], 4, 4, 4 * count)[0]

    assert recover_key(strip(needed), encrypt(strip(needed), key), 4).recovered
    assert not recover_key(strip(needed - 1), encrypt(strip(needed - 1), key), 4).recovered


def test_keys_outside_the_authors_rule_are_recovered_up_to_equivalence(cifar_images):
    rng = np.random.default_rng(0)
    key = BlockKey(4, 3, rng.permutation(96), rng.random(96) < 0.5)
    recovery = recover_key(cifar_images[:2], encrypt(cifar_images[:2], key), 4)
    assert recovery.recovered and recovery.key.equivalent(key)
    assert torch.equal(decrypt(encrypt(cifar_images, key), recovery.key), cifar_images)


def test_uninformative_images_do_not_give_a_wrong_key(cifar_images):
    key = BlockKey.from_seed(1)
    flat = torch.full((3, 16, 16), 77, dtype=torch.uint8)
    recovery = recover_key(flat, encrypt(flat, key), 4)
    assert not recovery.recovered and recovery.key is None
    assert recovery.blocks_used == 1 and recovery.ambiguous_positions == 96
    grey = cifar_images[0, :1].expand(3, -1, -1).contiguous()  # R = G = B: channels indistinguishable
    assert not recover_key(grey, encrypt(grey, key), 4).recovered


def test_bad_inputs(cifar_images):
    with pytest.raises(ValueError, match="same shape"):
        recover_key(cifar_images[0], cifar_images[:2], 4)
    with pytest.raises(TypeError, match="uint8"):
        recover_key(cifar_images[0].float(), cifar_images[0], 4)
    with pytest.raises(ValueError, match="multiple of block_size"):
        recover_key(cifar_images[0], cifar_images[0], 5)


def test_double_encryption_is_recovered_only_when_one_key_makes_it(cifar_images):
    """Encrypting twice with two keys gives a nibble map whose mask may have a cycle of odd parity, which no
    single key produces. recover_key must then fail, never return a key that gets bytes wrong; when the
    composition is a key, it returns one that re-encrypts the pairs exactly."""
    images = cifar_images[:4]
    outcomes = []
    for seed in range(10):
        first, second = BlockKey.from_seed(2 * seed), BlockKey.from_seed(2 * seed + 1)
        twice = encrypt(encrypt(images, first), second)
        result = recover_key(images, twice, 4)
        if result.recovered:
            assert torch.equal(encrypt(images, result.key), twice) and result.failure is None
        else:
            assert "odd reversal parity" in result.failure
        outcomes.append(result.recovered)
    assert any(outcomes) and not all(outcomes)  # both kinds of composition occur among these pairs
