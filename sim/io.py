"""Files in and out: atomic writes that honour the umask, bounded reads, and a locked output folder.

A reader (or a resumed batch) never sees a half-written file; a disk error is one line for the
user, not a traceback; an input file is never read without a limit (``/dev/zero`` given as a
scenario fails at once); and two commands never write into one output folder at the same time.
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .errors import UsageError

#: The lock file every writing command holds in its output folder (``flock``, released on exit).
LOCK_NAME = ".escalation.lock"
MiB = 1 << 20
_UMASK_LOCK = threading.Lock()


class OutputError(UsageError):
    """An output folder or file that cannot be written (one line for the user, exit status 2)."""


def _umask() -> int:
    """The process umask (read from /proc where possible: setting it, even briefly, is process-wide)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _write_failed(path: Path, err: OSError) -> OutputError:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "; free some space and run the command again (a batch continues with --resume)"
    else:
        hint = ""
    return OutputError(f"{path}: cannot write ({err.strerror or err}){hint}")


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, fsync it, then rename it into place.

    The file gets the permissions of any new file (0666 less the umask; ``mkstemp`` alone makes
    it private). An OSError (a full disk above all) leaves nothing behind and is an OutputError.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise _write_failed(path, err) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise _write_failed(path, err) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_figure(path: str | Path, figure) -> Path:
    """Save a matplotlib figure atomically (format from the path's suffix)."""
    suffix = Path(path).suffix.lstrip(".") or "png"
    return atomic_write(path, lambda tmp: figure.savefig(tmp, format=suffix, dpi=120, bbox_inches="tight"))


def read_limited(path: str | Path, limit: int, what: str) -> bytes:
    """The bytes of an input file, refusing (UsageError) one larger than ``limit`` or unreadable.

    Reads at most ``limit + 1`` bytes, so a device such as /dev/zero or a huge file fails at once.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such {what}") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder, not a {what}") from None
    except OSError as err:
        raise UsageError(f"{path}: cannot read the {what} ({err.strerror or err})") from None
    if len(data) > limit:
        raise UsageError(f"{path}: larger than {limit // MiB} MiB, too large for a {what}")
    return data


def check_output_folder(path: str | Path) -> Path:
    """Create the output folder if needed and make sure it can be written, before any work is done."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"--out {path}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"--out {path}: cannot create the folder ({err.strerror or err})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"--out {path}: the folder is not writable")
    return path


@contextmanager
def output_folder(path: str | Path) -> Iterator[Path]:
    """Hold an exclusive lock on an output folder for the whole command (created and checked first).

    A second command on the same folder is refused at once, so two batches can never mix their
    chunks. The lock is ``flock`` on ``LOCK_NAME``: the kernel releases it when the process ends,
    however it ends, so a killed command never leaves the folder locked.
    """
    path = check_output_folder(path)
    try:
        fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as err:
        raise OutputError(f"--out {path}: cannot write in the folder ({err.strerror or err})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"--out {path}: another escalation command is writing in this folder; "
                              "wait for it to finish or choose another --out") from None
        yield path
    finally:
        os.close(fd)


def folder_entries(path: Path) -> list[Path]:
    """What a folder holds, leaving out the lock file (which any writing command creates)."""
    return [p for p in path.iterdir() if p.name != LOCK_NAME] if path.is_dir() else []


def finite_json(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, infinity) replaced by None: strict JSON has neither."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    if isinstance(value, np.generic):
        return finite_json(value.item())
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """Strict JSON (no NaN or Infinity, which other JSON readers reject); non-finite numbers become null."""
    return json.dumps(finite_json(value), allow_nan=False, **kwargs)
