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

The output-path policy, the same for every command that writes a workbook (``new``, ``template``,
``refresh``, ``update``, ``publish``), is here too and checked before any work:
:func:`check_new_output` (never the input, an existing folder, ``--force`` to replace a file, never
a read-only one), :func:`output_target` (``-o OUT``, ``--in-place`` or the default
``F.refreshed.xlsm``), then :func:`write_result` / :func:`write_built` (a numbered backup of
the file replaced, the atomic write).  ``bundle`` writes a folder and keeps its own rules.
"""
from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from ..ooxml.xml import WorkbookError

if os.name == "nt":
    import msvcrt
else:
    import fcntl

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
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    if os.name == "nt":
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
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


# --------------------------------------------------------------------------- the output-path policy

DONE = {"refresh": "refreshed", "update": "updated"}  # verb -> the default output's suffix


def default_output(path: str, suffix: str = "refreshed") -> str:
    """``F.refreshed.xlsm`` beside ``F.xlsm`` (``suffix`` names the verb's output)."""
    stem, ext = os.path.splitext(path)
    return f"{stem}.{suffix}{ext or '.xlsm'}"


def is_read_only(path: str) -> bool:
    """No write permission bit (checked on the mode: root may write anything, but should not here)."""
    real = real_target(path)
    return not (os.stat(real).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(real, os.W_OK)


def check_overwrite(output: str, force: bool) -> None:
    """``-o OUT`` onto an existing file needs ``--force`` (the old file is then kept as a numbered
    backup), and never replaces a read-only file."""
    if not os.path.lexists(output):
        return
    if not force:
        raise WorkbookError(f"{output} exists; give another name, or --force to replace it (a backup is kept)")
    if os.path.exists(output) and is_read_only(output):
        raise WorkbookError(f"{output} is read-only; it is not replaced")


def check_new_output(output: str, force: bool, source: str | None = None,
                     is_input: str = "{output} is the input", default: bool = False) -> None:
    """A file ``output`` a command may write: not its input ``source`` (else ``is_input``,
    formatted with ``output``), in a folder that exists, and, given as ``-o OUT`` (not the
    command's ``default`` output, replaced freely), :func:`check_overwrite`."""
    if source is not None and os.path.exists(output) and os.path.exists(source) and os.path.samefile(output, source):
        raise WorkbookError(is_input.format(output=output))
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise WorkbookError(f"the folder {folder} does not exist")
    if not default:
        check_overwrite(output, force)


def output_target(path: str, output: str | None, in_place: bool, verb: str, force: bool = False) -> str:
    """The file a command (``verb``: refresh, update) writes: ``-o OUT``, the input itself with
    ``--in-place``, else ``F.refreshed.xlsm`` (``F.updated.xlsm``); refused before any work when it would overwrite
    the input without ``--in-place``, lies in a missing folder, or is read-only, and when ``-o OUT``
    exists without ``force`` (see :func:`check_new_output`)."""
    if in_place and output and os.path.abspath(output) != os.path.abspath(path):
        raise WorkbookError("give either -o OUT or --in-place, not both")
    if in_place:
        folder = os.path.dirname(os.path.abspath(real_target(path)))
        if not os.path.isdir(folder):
            raise WorkbookError(f"the folder {folder} does not exist")
        if os.path.exists(path) and is_read_only(path):
            raise WorkbookError(f"{path} is read-only; {verb} it {'to' if verb == 'refresh' else 'into'} another "
                               "file with -o OUT")
        return path
    target = output or default_output(path, DONE[verb])
    is_input = f"{{output}} is the input; {verb} never overwrites its input unless --in-place"
    check_new_output(target, force, path, is_input, default=not output)
    return target


def write_result(path: str, target: str, data: bytes, in_place: bool) -> str | None:
    """Write a command's result: a numbered backup of the file replaced (the input with
    ``--in-place``, an existing ``-o`` target; not an earlier default output such as
    ``F.refreshed.xlsm``), then the atomic write; answers the backup."""
    saved = backup(target) if os.path.exists(target) and (in_place or not _is_default(path, target)) else None
    write_atomic(target, data)
    return saved


def _is_default(path: str, target: str) -> bool:
    return any(os.path.abspath(target) == os.path.abspath(default_output(path, v)) for v in DONE.values())


def write_built(output: str, make: Callable[[str], None], suffix: str = ".tmp.xlsm") -> str | None:
    """A file that a writer needing a path makes (``make(tmp)``: XlsxWriter's build) moved into
    place at ``output``: under its lock, made beside it, the user's umask, an existing file kept as a
    numbered backup; answers the backup."""
    target = real_target(output)
    with writer_lock(target), temp_beside(target, suffix) as tmp:
        make(tmp)
        os.chmod(tmp, new_file_mode())
        saved = backup(target) if os.path.exists(target) else None
        os.replace(tmp, target)
    return saved
