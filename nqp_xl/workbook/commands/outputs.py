"""Writing the user's files safely: one atomic writer, numbered backups that are never
overwritten, and temporary files removed on errors, SIGTERM and SIGHUP.

A file is written to a temporary name in its own folder, flushed to disk and moved over
the target with ``os.replace`` (atomic on POSIX and Windows), so a failure or a kill
leaves the user's files as they were.  Symlinks are followed: the file a link names is
replaced and the link kept.
"""
from __future__ import annotations

import os
import signal
import stat
import tempfile
from contextlib import contextmanager
from typing import Iterator

from ..ooxml.xml import WorkbookError

_TEMPS: set[str] = set()


def _cleanup_and_reraise(signum, frame):
    for tmp in list(_TEMPS):
        try:
            os.unlink(tmp)
        except OSError:
            pass
    _TEMPS.clear()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


@contextmanager
def temp_beside(path: str, suffix: str = ".tmp") -> Iterator[str]:
    """A temporary file name in ``path``'s folder, removed on error, SIGINT and SIGTERM."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".nqp-", suffix=suffix, dir=folder)
    os.close(fd)
    _TEMPS.add(tmp)
    old = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            try:
                old[sig] = signal.signal(sig, _cleanup_and_reraise)
            except (ValueError, OSError):  # not the main thread
                pass
        yield tmp
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        _TEMPS.discard(tmp)
        if os.path.exists(tmp):
            os.unlink(tmp)


def real_target(path: str) -> str:
    """The file ``path`` names, symlinks followed (so --in-place replaces the file, not the link)."""
    return os.path.realpath(path)


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and os.replace
    (a symlink at ``path`` is followed: the file it names is replaced, the link kept)."""
    path = real_target(os.fspath(path))
    with temp_beside(path) as tmp:
        if os.path.exists(path):
            mode = stat.S_IMODE(os.stat(path).st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)


def backup_name(path: str) -> str:
    """``F.bak.xlsm``, or ``F.bak2.xlsm``, ``F.bak3.xlsm``… : an existing backup is never overwritten."""
    stem, ext = os.path.splitext(path)
    candidate, n = f"{stem}.bak{ext}", 1
    while os.path.lexists(candidate):
        n += 1
        candidate = f"{stem}.bak{n}{ext}"
    return candidate


def backup(path: str) -> str:
    """Copy ``path`` (symlinks followed) to a new backup file beside it, atomically."""
    real = real_target(path)
    target = backup_name(path)
    with open(real, "rb") as fh:
        data = fh.read()
    with temp_beside(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(os.stat(real).st_mode))
        try:
            os.link(tmp, target)  # fails if a backup appeared meanwhile: never overwritten
        except FileExistsError:
            raise WorkbookError(f"{target} appeared while writing the backup; nothing was changed") from None
        except OSError:
            os.replace(tmp, target)
    return target
