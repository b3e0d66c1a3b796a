"""Tanaka's block-wise encryption: exactness, determinism, known values and clear errors."""

import json
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers.encryption import (
    BlockKey,
    blocks_to_image,
    decrypt,
    encrypt,
    image_to_blocks,
    join_nibbles,
    key_space_log2,
    pad_to_block_multiple,
    split_nibbles,
)


def reference_encrypt(image_hwc: np.ndarray, permutation, reversal, block_size: int) -> np.ndarray:
    """The spec, literally: per block, per nibble, reverse → shuffle → reverse (slow, independent code)."""
    height, width, channels = image_hwc.shape
    d = channels * block_size * block_size
    out = image_hwc.copy()
    for top in range(0, height, block_size):
        for left in range(0, width, block_size):
            block = image_hwc[top : top + block_size, left : left + block_size, :].reshape(
                -1
            )  # row, col, channel
            nibbles = [int(v) & 15 for v in block] + [int(v) >> 4 for v in block]
            nibbles = [15 - v if reversal[i] else v for i, v in enumerate(nibbles)]
            nibbles = [nibbles[permutation[i]] for i in range(2 * d)]
            nibbles = [15 - v if reversal[i] else v for i, v in enumerate(nibbles)]
            recombined = np.array([16 * nibbles[d + j] + nibbles[j] for j in range(d)], dtype=np.uint8)
            out[top : top + block_size, left : left + block_size, :] = recombined.reshape(
                block_size, block_size, channels
            )
    return out


def to_tensor(image_hwc: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image_hwc.transpose(2, 0, 1)))


# --- known values ---------------------------------------------------------------------------------


def test_hand_computed_single_pixel():
    # M = 1, C = 1: d = 1, two nibbles. perm = [1, 0] swaps them; the author's mask rev = perm > 1 is empty.
    swap = BlockKey.from_permutation(np.array([1, 0]), block_size=1, channels=1)
    assert not swap.reversal.any()
    assert encrypt(torch.tensor([[[0x3A]]], dtype=torch.uint8), swap).item() == 0xA3
    # with rev = [True, False]: out_lower = 15 - in_upper = 15 - 3 = 0xC,
    #                           out_upper = 15 - in_lower = 15 - 0xA = 5
    swap_and_reverse = BlockKey(1, 1, np.array([1, 0]), np.array([True, False]))
    assert encrypt(torch.tensor([[[0x3A]]], dtype=torch.uint8), swap_and_reverse).item() == 0x5C


def test_key_space_matches_factorial():
    assert key_space_log2(4) == pytest.approx(math.log2(math.factorial(96)), abs=1e-9)
    assert key_space_log2(1, channels=1) == pytest.approx(1.0)  # 2! = 2 keys


def test_author_mask_rule():
    key = BlockKey.from_seed(3)
    assert np.array_equal(key.reversal, key.permutation > 48)
    assert key.reversal.sum() == 47  # values 49..95


@pytest.mark.parametrize("block_size", [1, 2, 4, 8])
def test_vectorised_equals_literal_reference_on_real_images(cifar_images, block_size):
    key = BlockKey.from_seed(11, block_size=block_size)
    ours = encrypt(cifar_images[:3], key)
    for image, cipher in zip(cifar_images[:3], ours, strict=True):
        expected = reference_encrypt(
            image.permute(1, 2, 0).numpy(), key.permutation, key.reversal, block_size
        )
        assert torch.equal(cipher, to_tensor(expected))


# --- properties -----------------------------------------------------------------------------------


@st.composite
def images_and_keys(draw):
    block_size = draw(st.sampled_from([1, 2, 4, 8]))
    channels = draw(st.sampled_from([1, 3]))
    rows, columns, batch = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape = (batch, channels, rows * block_size, columns * block_size)
    images = draw(arrays(np.uint8, shape))
    seed = draw(st.integers(0, 2**64) | st.binary(max_size=32))
    return torch.from_numpy(images), BlockKey.from_seed(seed, block_size=block_size, channels=channels)


@settings(max_examples=150, deadline=None)
@given(images_and_keys())
def test_round_trip_is_exact(case):
    images, key = case
    ciphertext = encrypt(images, key)
    assert ciphertext.shape == images.shape and ciphertext.dtype == torch.uint8
    assert torch.equal(decrypt(ciphertext, key), images)
    assert torch.equal(encrypt(decrypt(images, key), key), images)


@settings(max_examples=50, deadline=None)
@given(images_and_keys())
def test_encryption_is_deterministic_and_batch_independent(case):
    images, key = case
    batch = encrypt(images, key)
    assert torch.equal(batch, encrypt(images, key))
    assert torch.equal(batch[0], encrypt(images[0], key))  # a single image is the batch's first row


def test_different_keys_give_different_ciphertexts(cifar_images):
    first, second = BlockKey.from_seed(1), BlockKey.from_seed(2)
    assert first != second
    differing = (encrypt(cifar_images, first) != encrypt(cifar_images, second)).float().mean()
    assert differing > 0.9
    assert (encrypt(cifar_images, first) != cifar_images).float().mean() > 0.9


def test_seed_derivation_is_stable_and_sensitive():
    assert BlockKey.from_seed(42) == BlockKey.from_seed(42)
    assert BlockKey.from_seed(42) != BlockKey.from_seed(43)
    assert BlockKey.from_seed(b"secret") != BlockKey.from_seed(b"secres")
    assert BlockKey.from_seed(42, block_size=2).permutation.shape == (24,)
    # the derivation is documented, so it is pinned: a change would silently change every reader's keys
    assert BlockKey.from_seed(0).permutation[:6].tolist() == [44, 49, 63, 22, 5, 18]


def test_random_keys_from_a_generator():
    rng = np.random.default_rng(0)
    keys = [BlockKey.random(rng) for _ in range(3)]
    assert len(set(keys)) == 3
    assert BlockKey.random(np.random.default_rng(0)) == keys[0]


def test_blocks_and_nibbles_invert(cifar_images):
    blocks = image_to_blocks(cifar_images, 4)
    assert blocks.shape == (len(cifar_images), 64, 48)
    assert torch.equal(blocks_to_image(blocks, 4, 32, 32), cifar_images)
    assert torch.equal(join_nibbles(split_nibbles(blocks)), blocks)
    # (row, column, channel) order: the second byte of block 0 is pixel (0, 0) channel 1
    assert blocks[0, 0, 1] == cifar_images[0, 1, 0, 0]


def test_key_inverse_and_equivalence():
    key = BlockKey.from_seed(9)
    assert np.array_equal(key.inverse().inverse().permutation, key.permutation)
    assert key.equivalent(key)
    flipped = BlockKey(4, 3, key.permutation, ~key.reversal)  # flipping every bit keeps the effective mask
    assert flipped != key and flipped.equivalent(key)


def test_key_save_and_load(tmp_path):
    key = BlockKey.from_seed(7, block_size=2, channels=1)
    path = key.save(tmp_path / "key.json")
    assert BlockKey.load(path) == key


def test_padding_to_block_multiple(cifar_images):
    cropped = cifar_images[:, :, :30, :29]
    padded = pad_to_block_multiple(cropped, 4)
    assert padded.shape[-2:] == (32, 32)
    assert torch.equal(padded[:, :, :30, :29], cropped) and padded[:, :, 30:, :].eq(0).all()
    key = BlockKey.from_seed(1)
    assert torch.equal(decrypt(encrypt(padded, key), key), padded)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_and_cpu_agree(cifar_images):
    key = BlockKey.from_seed(5)
    assert torch.equal(encrypt(cifar_images.cuda(), key).cpu(), encrypt(cifar_images, key))


# --- clear errors -----------------------------------------------------------------------------------


def test_bad_images_are_rejected():
    key = BlockKey.from_seed(0)
    with pytest.raises(TypeError, match=r"torch\.Tensor"):
        encrypt(np.zeros((1, 3, 32, 32), np.uint8), key)
    with pytest.raises(TypeError, match="uint8"):
        encrypt(torch.rand(1, 3, 32, 32), key)
    with pytest.raises(ValueError, match="shape"):
        encrypt(torch.zeros(32, 32, dtype=torch.uint8), key)
    with pytest.raises(ValueError, match="shape"):
        encrypt(torch.zeros(1, 1, 3, 32, 32, dtype=torch.uint8), key)
    with pytest.raises(ValueError, match=r"multiples of the key's block size 4.*pad_to_block_multiple"):
        encrypt(torch.zeros(1, 3, 30, 32, dtype=torch.uint8), key)
    with pytest.raises(ValueError, match="3-channel"):
        encrypt(torch.zeros(1, 1, 32, 32, dtype=torch.uint8), key)


def test_bad_keys_are_rejected(tmp_path):
    images = torch.zeros(1, 3, 32, 32, dtype=torch.uint8)
    with pytest.raises(TypeError, match="BlockKey"):
        encrypt(images, 1234)
    with pytest.raises(TypeError, match="BlockKey"):
        decrypt(images, "key")
    # a key made for another block size: the permutation has the wrong length
    with pytest.raises(ValueError, match="permutation must be 384 integers"):
        BlockKey(8, 3, BlockKey.from_seed(0).permutation, BlockKey.from_seed(0).reversal)
    # an M = 8 key on images whose size is a multiple of 4 but not of 8
    with pytest.raises(ValueError, match="block size 8"):
        encrypt(torch.zeros(1, 3, 12, 12, dtype=torch.uint8), BlockKey.from_seed(0, block_size=8))
    with pytest.raises(ValueError, match="every position"):
        BlockKey(1, 1, np.array([0, 0]), np.array([False, False]))
    with pytest.raises(ValueError, match="boolean mask"):
        BlockKey(1, 1, np.array([1, 0]), np.array([0, 1]))
    with pytest.raises(TypeError, match="seed"):
        BlockKey.from_seed(1.5)
    with pytest.raises(ValueError, match="non-negative"):
        BlockKey.from_seed(-1)
    with pytest.raises(ValueError, match="block_size must be a positive int"):
        BlockKey.from_seed(0, block_size=0)
    with pytest.raises(TypeError, match="Generator"):
        BlockKey.random(0)
    bad_file = tmp_path / "bad.json"
    bad_file.write_text('{"format": "something-else"}')
    with pytest.raises(ValueError, match="format"):
        BlockKey.load(bad_file)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("", ValueError),  # empty file
        ('{"format": "ppic-block-key", ', ValueError),  # cut short: not JSON
        ("[1, 2, 3]", TypeError),  # JSON, but not an object
        (None, ValueError),  # a field missing
        ("wrong-type", TypeError),  # a field of the wrong type
        ("huge-entry", ValueError),  # an entry no int64 holds
    ],
    ids=["empty", "truncated", "not-an-object", "missing-field", "wrong-type", "huge-entry"],
)
def test_damaged_block_key_files_raise_type_or_value_errors_naming_the_file(tmp_path, content, error):
    path = tmp_path / "key.json"
    good = BlockKey.from_seed(3).to_dict()
    if content is None:
        good.pop("reversal")
        content = json.dumps(good)
    elif content == "wrong-type":
        good["permutation"] = "0 1 2"
        content = json.dumps(good)
    elif content == "huge-entry":
        good["permutation"][0] = 2**70
        content = json.dumps(good)
    path.write_text(content)
    with pytest.raises(error) as raised:
        BlockKey.load(path)
    assert str(path) in str(raised.value)
