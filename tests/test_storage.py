import json
import os
import stat

import pytest

from helpers.storage import atomic_file, atomic_write_json, atomic_write_text


def test_atomic_write_creates_file_and_leaves_no_temporaries(tmp_path):
    target = tmp_path / "sub" / "result.json"
    atomic_write_json(target, {"b": 1, "a": [1, 2]})
    assert json.loads(target.read_text()) == {"a": [1, 2], "b": 1}
    assert [p.name for p in target.parent.iterdir()] == ["result.json"]
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask  # like open(), not mkstemp's 0600


def test_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "figure.png"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_file(target) as handle:
        handle.write(b"half a fig")
        raise RuntimeError("crash while writing")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]


def test_json_refuses_nan(tmp_path):
    with pytest.raises(ValueError):
        atomic_write_json(tmp_path / "x.json", {"psnr": float("nan")})
    assert not (tmp_path / "x.json").exists()


def test_an_explicit_mode_sets_the_permissions(tmp_path):
    path = atomic_write_text(tmp_path / "secret.txt", "hidden", mode=0o600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "hidden"
