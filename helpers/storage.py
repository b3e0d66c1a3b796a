"""Atomic file writes: a reader never sees half a figure, key, checkpoint or ``results.json``.

Each writer goes to a temporary file in the destination folder, is flushed to disk, and is then renamed
over the destination with :func:`os.replace`, which is atomic on POSIX and Windows file systems.

A temporary file is named ``.<name>.tmp-<host>-<pid>.<random>.tmp`` after the machine and process that write
it. A process that is killed mid-write (``kill -9``, a power cut) cannot remove its own; the next write to
the same destination from the same machine removes every such leftover whose process is gone
(:func:`remove_stale_temporaries`), so an interrupted checkpoint never occupies the disk for good. Leftovers
of other machines (a folder shared over the network) are left alone: their processes cannot be checked here.
"""

from __future__ import annotations

import json
import os
import re
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

_TEMPORARY_SUFFIX = ".tmp"


def _host() -> str:
    """This machine's name, reduced to letters, digits and ``-`` (it becomes part of a file name)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}.tmp-{_host()}-{os.getpid()}."


def _permissions_for_new_files() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _process_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except OverflowError:  # a PID no process can have
        return False
    return True


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files that interrupted writes of ``path`` left behind; return what was removed.

    Only files named like this module's temporaries (``.<name>.tmp-<host>-<pid>.<random>.tmp``), written on
    this machine by a process that no longer exists, are removed; a write in progress is left alone.
    """
    path = Path(path)
    if os.name == "nt" or not path.parent.is_dir():  # os.kill(pid, 0) is no liveness test on Windows
        return []
    pattern = re.compile(rf"\.{re.escape(path.name)}\.tmp-(?P<host>[A-Za-z0-9-]+)-(?P<pid>\d+)\.[^.]*\.tmp")
    removed = []
    for candidate in path.parent.iterdir():
        match = pattern.fullmatch(candidate.name)
        if match and match["host"] == _host() and not _process_is_alive(int(match["pid"])):
            try:
                candidate.unlink(missing_ok=True)
            except OSError:  # best effort: a leftover that cannot be removed must not stop the write
                continue
            removed.append(candidate)
    return removed


@contextmanager
def atomic_file(path: str | os.PathLike[str], mode: int | None = None) -> Iterator[BinaryIO]:
    """Open a temporary binary file next to ``path``; on success rename it to ``path``.

    The file gets permission bits ``mode`` (e.g. ``0o600`` for a secret) or, by default, what ``open()``
    would give under the current umask. If the block raises, the temporary file is removed and ``path`` is
    left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    # delete=False: the file must outlive its handle to be renamed; the except clause cleans up
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115
        dir=path.parent, prefix=_temporary_prefix(path), suffix=_TEMPORARY_SUFFIX, delete=False
    )
    try:
        # mkstemp creates 0600; use the umask like open() unless told otherwise
        os.chmod(handle.name, _permissions_for_new_files() if mode is None else mode)
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def atomic_write_with(path: str | os.PathLike[str], write: Callable[[BinaryIO], Any]) -> Path:
    """Call ``write(file_object)`` on a temporary file and move the result to ``path`` atomically."""
    with atomic_file(path) as handle:
        write(handle)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, mode: int | None = None) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (with permission bits ``mode`` when given)."""
    with atomic_file(path, mode) as handle:
        handle.write(text.encode("utf-8"))
    return Path(path)


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented, key-sorted JSON to ``path`` atomically."""
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n")
