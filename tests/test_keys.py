"""RIC keys: sizes, derivation, save/load, and a repr that never shows the material."""

import hashlib
import stat

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.keys import MIN_KEY_BITS, SecretKey


def test_generated_keys_are_256_bit_and_distinct():
    first, second = SecretKey.generate(), SecretKey.generate()
    assert first.bits == 256 and not first.weak
    assert first != second


def test_the_derivation_matches_its_documented_formula():
    key = SecretKey.from_hex("00112233445566778899aabbccddeeff")
    message = (
        b"ppic-key-v1"
        + (16).to_bytes(2, "big")
        + key.material
        + len(b"rni/class").to_bytes(2, "big")
        + b"rni/class"
        + (3).to_bytes(8, "big")
    )
    expected = int.from_bytes(hashlib.sha256(message).digest()[:8], "big")
    assert key.derive_seed("rni/class", 3) == expected


def test_a_generator_is_deterministic_per_key_purpose_and_index():
    key = SecretKey.from_int(2**100 + 5)
    draw = lambda purpose, index: torch.rand(8, generator=key.generator(purpose, index))  # noqa: E731
    assert torch.equal(draw("rni/class", 1), draw("rni/class", 1))
    assert not torch.equal(draw("rni/class", 1), draw("rni/class", 2))
    assert not torch.equal(draw("rni/class", 1), draw("rni/image", 1))


@settings(max_examples=30, deadline=None)
@given(value=st.integers(0, 2**128 - 1), bit=st.integers(0, 127))
def test_one_flipped_key_bit_gives_an_unrelated_seed(value, bit):
    key, flipped = SecretKey.from_int(value), SecretKey.from_int(value ^ (1 << bit))
    seeds = key.derive_seed("rni/class", 0), flipped.derive_seed("rni/class", 0)
    assert seeds[0] != seeds[1]
    assert 10 <= bin(seeds[0] ^ seeds[1]).count("1") <= 54  # ~32 of 64 bits differ (avalanche)


def test_int_and_hex_spellings_agree():
    assert SecretKey.from_int(0xABCDEF, bits=128) == SecretKey.from_hex("00" * 13 + "abcdef")


def test_save_and_load_round_trip_with_owner_only_permissions(tmp_path):
    for key in (SecretKey.generate(), SecretKey.paper_seed(123_456)):
        path = key.save(tmp_path / f"{key.fingerprint()}.key")
        assert SecretKey.load(path) == key
        assert SecretKey.load(path).weak == key.weak
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_repr_and_fingerprint_hide_the_material():
    key = SecretKey.from_hex("deadbeef" * 4)
    assert "deadbeef" not in repr(key) and "deadbeef" not in str(key)
    assert key.fingerprint() not in key.material.hex()


def test_paper_seeds_are_labelled_weak():
    key = SecretKey.paper_seed(2**32 - 1)
    assert key.weak and key.bits == 32 and "weak" in repr(key)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: SecretKey.from_bytes(b"short"), ValueError, "at least 128 bits"),
        (lambda: SecretKey.from_bytes("a string"), TypeError, "bytes"),
        (lambda: SecretKey.from_int(-1), ValueError, "key value"),
        (lambda: SecretKey.from_int(2**128), ValueError, "key value"),
        (lambda: SecretKey.from_int(1.5), TypeError, "int"),
        (lambda: SecretKey.from_int(5, bits=64), ValueError, f"at least {MIN_KEY_BITS}"),
        (lambda: SecretKey.from_hex("xyz" * 11), ValueError, "hexadecimal"),
        (lambda: SecretKey.from_hex(1234), TypeError, "hex"),
        (lambda: SecretKey.paper_seed(2**32), ValueError, "paper seed"),
        (lambda: SecretKey.paper_seed("7"), TypeError, "seed"),
        (lambda: SecretKey.generate(bits=100), ValueError, "multiple of 8"),
        (lambda: SecretKey.from_int(1).derive_seed("", 0), ValueError, "purpose"),
        (lambda: SecretKey.from_int(1).derive_seed("rni", -1), ValueError, "index"),
    ],
)
def test_bad_keys_give_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def _saved(tmp_path):
    key = SecretKey.generate()
    return key, key.save(tmp_path / "mine.key")


def test_a_key_file_cut_short_is_refused_naming_the_file(tmp_path):
    _, path = _saved(tmp_path)
    text = path.read_text()
    for cut in (len(text) - 3, len(text) // 2, 30):  # check cut, material cut, header only
        path.write_text(text[:cut])
        with pytest.raises(ValueError, match="damaged") as error:
            SecretKey.load(path)
        assert str(path) in str(error.value)


def test_an_altered_key_file_is_refused(tmp_path):
    key, path = _saved(tmp_path)
    text = path.read_text()
    position = text.index(key.material.hex()) + 5
    flipped = "0" if text[position] != "0" else "1"
    path.write_text(text[:position] + flipped + text[position + 1 :])
    with pytest.raises(ValueError, match="integrity check"):
        SecretKey.load(path)


@pytest.mark.parametrize("content", [b"", b"\xff\xfe binary", b"not a key", b"ppic-secret-key/v1:strong"])
def test_other_files_are_not_key_files(tmp_path, content):
    path = tmp_path / "other.key"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=str(path)):
        SecretKey.load(path)


@pytest.mark.parametrize("content", ["00" * 32, "weak-paper-seed:0000002a"])
def test_key_files_of_the_earlier_format_are_refused_with_a_way_forward(tmp_path, content):
    path = tmp_path / "old.key"
    path.write_text(content + "\n")
    with pytest.raises(ValueError, match="earlier version") as error:
        SecretKey.load(path)
    assert str(path) in str(error.value) and "save it again" in str(error.value)
