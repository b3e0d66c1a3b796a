import json
import os
import stat

import pytest

from helpers import storage
from helpers.storage import atomic_file, atomic_write_json, atomic_write_text, remove_stale_temporaries


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


def test_a_killed_writer_leaves_a_temporary_that_the_next_write_removes(tmp_path):
    """A process killed mid-write (SIGKILL: no clean-up runs) leaves its temporary file; the next atomic
    write of the same destination removes it, and the destination keeps its last complete content."""
    import subprocess
    import sys
    import textwrap

    target = tmp_path / "model.pt"
    atomic_write_text(target, "complete")
    writer = textwrap.dedent(
        f"""
        import os, signal
        from helpers.storage import atomic_file
        with atomic_file({str(target)!r}) as handle:
            handle.write(b"x" * 1_000_000)
            handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    process = subprocess.run([sys.executable, "-c", writer], check=False)
    assert process.returncode == -9
    leftovers = [path for path in tmp_path.iterdir() if path.name != "model.pt"]
    assert len(leftovers) == 1 and leftovers[0].stat().st_size == 1_000_000
    assert target.read_text() == "complete"

    atomic_write_text(target, "next")
    assert [path.name for path in tmp_path.iterdir()] == ["model.pt"]
    assert target.read_text() == "next"


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    target = tmp_path / "results.json"
    host = storage._host()
    live = tmp_path / f".results.json.tmp-{host}-{os.getpid()}.abc.tmp"  # this process is alive
    live.write_text("in progress")
    elsewhere = tmp_path / ".results.json.tmp-another-machine-999999999.abc.tmp"  # cannot be checked here
    elsewhere.write_text("another machine's write")
    sibling = tmp_path / f".results.json.1.tmp-{host}-999999999.abc.tmp"  # the temporary of results.json.1
    sibling.write_text("not ours")
    assert remove_stale_temporaries(target) == []
    atomic_write_text(target, "done")
    assert live.exists() and elsewhere.exists() and sibling.exists()
