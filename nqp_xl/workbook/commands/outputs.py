"""Writing the user's files safely: one atomic writer, numbered backups that are never
overwritten, temporary files removed on errors, SIGTERM and SIGHUP, and one writer at a time.

A file is written to a temporary name in its own folder, flushed to disk and moved over
the target with ``os.replace`` (atomic on POSIX and Windows), so a failure or a kill
leaves the user's files as they were.  Symlinks are followed: the file a link names is
replaced and the link kept.  New files take the user's umask.

:func:`writer_lock` serialises the commands that write one file: an advisory lock (``fcntl.flock``,
``msvcrt.locking`` on Windows) on ``.~F.nqp-lock`` beside it, held from reading to writing, so an
``update --in-place`` and a ``refresh --in-place`` of the same workbook run one after the other
(neither loses the other's work).  A second command waits up to ``NQP_XL_LOCK_TIMEOUT`` seconds
(default 120) and then refuses, naming the process that holds the file.
"""
from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
import time
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


def new_file_mode() -> int:
    """The mode a new file takes: 0666 less the user's umask (a temporary file is made 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def disk_full(path: str, err: OSError) -> WorkbookError | None:
    """The full-disk error naming the file that could not be written (None for other errors)."""
    if err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return WorkbookError(f"the disk is full: {path} was not written (no file was changed); free some space")
    return None


def write_synced(tmp: str, data: bytes, target: str, mode: int) -> None:
    """``data`` into the temporary file ``tmp`` beside ``target``, flushed to disk, with ``mode``;
    a full disk is an error naming ``target`` (the user's file, not the temporary one)."""
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        full = disk_full(target, err)
        if full:
            raise full from None
        raise
    os.chmod(tmp, mode)


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and os.replace
    (a symlink at ``path`` is followed: the file it names is replaced, the link kept)."""
    path = real_target(os.fspath(path))
    with temp_beside(path) as tmp:
        mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.exists(path) else new_file_mode()
        write_synced(tmp, data, path, mode)
        os.replace(tmp, path)


LOCK_TIMEOUT = 120.0


def lock_path(path: str) -> str:
    real = real_target(path)
    return os.path.join(os.path.dirname(real), f".~{os.path.basename(real)}.nqp-lock")


def _try_lock(fd: int) -> bool:
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def writer_lock(path: str, timeout: float | None = None) -> Iterator[None]:
    """Hold the advisory lock of the file ``path`` while the block runs (see the module notes);
    the lock file holds the pid and is removed when released."""
    if timeout is None:
        try:
            timeout = float(os.environ.get("NQP_XL_LOCK_TIMEOUT", LOCK_TIMEOUT))
        except ValueError:
            timeout = LOCK_TIMEOUT
    lock = lock_path(path)
    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        if _try_lock(fd):
            try:  # the file may have been removed by the holder that just let go: lock the current one
                same = os.path.samestat(os.fstat(fd), os.stat(lock))
            except OSError:
                same = False
            if same:
                break
            _unlock(fd)
        else:
            try:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() if hasattr(os, "pread") else ""
            except OSError:
                holder = ""
            if time.monotonic() >= deadline:
                os.close(fd)
                who = f"process {holder}" if holder.isdigit() else "another process"
                raise WorkbookError(f"{path} is being written by another nqp-xl command ({who}); "
                                    "run this again when it has finished")
        os.close(fd)
        time.sleep(0.1)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0) if hasattr(os, "pwrite") else os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        try:
            os.unlink(lock)
        except OSError:
            pass
        _unlock(fd)
        os.close(fd)


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
        write_synced(tmp, data, target, stat.S_IMODE(os.stat(real).st_mode))
        try:
            os.link(tmp, target)  # fails if a backup appeared meanwhile: never overwritten
        except FileExistsError:
            raise WorkbookError(f"{target} appeared while writing the backup; nothing was changed") from None
        except OSError:
            os.replace(tmp, target)
    return target
