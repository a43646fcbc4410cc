"""File durability: one atomic write, the locked append, the set-aside of damaged files.

Everything the kit saves for a learner goes through these few functions, so
"on disk before it returns" and "never half-written, never clobbered" are
implemented once:

- :func:`atomic_write` writes a hidden temporary file, ``fsync``\\ s it and moves
  it into place (replacing, or only if nothing is there yet);
- :func:`lock` and :func:`append` add bytes to a log under an exclusive lock;
- :func:`set_aside` renames a damaged file to ``<name>.unreadable-<UTC time>``;
- :func:`open_log` opens (or creates, complete with its first line) a log;
- :func:`read_limited` opens an untrusted file read-only and reads at most a limit.

>>> import tempfile
>>> from pathlib import Path
>>> p = Path(tempfile.mkdtemp()) / "a.txt"
>>> atomic_write(p, b"one"), atomic_write(p, b"two", exclusive=True), p.read_bytes()
(True, False, b'one')
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import secrets
import stat
from pathlib import Path

from ..errors import KitDataError

import portalocker  # flock on Linux and macOS, the Windows file-locking API on Windows

ASIDE_MARK = ".unreadable-"
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows (no symlinks for learners there)


def fsync_dir(folder: Path) -> None:
    """Make a rename or link in ``folder`` durable (best effort: not every OS allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_all(fd, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_all(fd, limit) -> bytes:
    """Everything in ``fd`` from the start, stopping once more than ``limit`` bytes are read."""
    os.lseek(fd, 0, os.SEEK_SET)
    chunks, total = [], 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return b"".join(chunks)


def os_problem(err: OSError) -> str:
    """A plain-language reason for an OSError (a full disk is said so)."""
    if getattr(err, "errno", None) in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "the disk is full (no space left): free some space and try again"
    return str(err.strerror or err)


def _temp_beside(path: Path):
    """A new hidden file beside ``path``: (fd, name). Its mode follows the process umask
    (``tempfile.mkstemp`` would force 0600, so a teacher in the group could not read it)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path))


def atomic_write(path, data: bytes, exclusive=False) -> bool:
    """Put ``data`` at ``path``, complete and on disk; nobody ever sees half of it.

    The data goes to a hidden temporary file beside ``path`` (``fsync``\\ ed) and is
    then renamed over ``path``; with ``exclusive=True`` it is linked into place
    instead, and nothing already at ``path`` is touched (returns False then).
    The file is created with the process umask (0666 & ~umask), like any other file.
    Raises OSError when the folder cannot be written.
    """
    path = Path(path)
    fd, tmp = _temp_beside(path)
    try:
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if not exclusive:
            os.replace(tmp, path)
        elif not _link_exclusive(tmp, path, data):
            return False
        fsync_dir(path.parent)
        return True
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _link_exclusive(tmp, path: Path, data: bytes) -> bool:
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError:  # no hard links on this file system (FAT, some network drives)
        pass
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags, 0o666)
    except FileExistsError:
        return False
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def lock(fd) -> None:
    """Hold an exclusive lock on ``fd`` until it is closed, waiting for any other holder.

    portalocker picks the platform's lock (``flock`` on Linux and macOS, ``LockFileEx`` /
    ``msvcrt`` on Windows); the two-writer tests in tests/test_decisions.py run against
    whichever one the platform uses."""
    portalocker.lock(fd, portalocker.LOCK_EX)


def append(fd, data: bytes, keep=None) -> int:
    """Append ``data`` to the locked file ``fd`` and ``fsync`` it; return the new size.

    ``keep``: cut the file to this many bytes first (to drop an unconfirmed,
    torn last write). Call with the lock from :func:`lock` held.
    """
    if keep is not None:
        os.ftruncate(fd, keep)
    write_all(fd, data)
    os.fsync(fd)
    return os.fstat(fd).st_size


def aside_stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def aside_name(path: Path, n: int) -> Path:
    base = f"{path.name}{ASIDE_MARK}{aside_stamp()}"
    return path.with_name(base if n == 1 else f"{base}-{n}")


def set_aside(path: Path) -> Path:
    """Rename ``path`` to ``<name>.unreadable-<UTC time>``, never over an existing file."""
    for n in range(1, 1000):
        aside = aside_name(path, n)
        try:
            os.link(path, aside)
        except FileExistsError:
            continue
        except OSError:  # no hard links: rename (Windows refuses to rename over a file)
            if aside.exists():
                continue
            os.rename(path, aside)
        else:
            os.unlink(path)
        fsync_dir(path.parent)
        return aside
    raise KitDataError("cannot find a free name to set the unreadable file aside", file=str(path))


def keep_copy(path: Path, raw: bytes) -> Path:
    """Save ``raw`` (the bytes of ``path``) as a new ``<name>.unreadable-<UTC time>``; return it.

    The copy is complete and on disk before this returns, and never replaces a file.
    Raises OSError (e.g. a full disk) with nothing changed."""
    for n in range(1, 1000):
        aside = aside_name(path, n)
        if atomic_write(aside, raw, exclusive=True):
            return aside
    raise KitDataError("cannot find a free name to keep a copy of the file", file=str(path))


def read_limited(p, name, limit) -> bytes:
    """The bytes of the regular file ``p``, opened read-only; KitDataError over ``limit``."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(p, flags)
    except FileNotFoundError:
        raise KitDataError("there is no such file", file=name) from None
    except IsADirectoryError:
        raise KitDataError("this is a folder, not a decisions file", file=name) from None
    except PermissionError:
        raise KitDataError("the file cannot be opened (permission denied)", file=name) from None
    except (OSError, ValueError) as e:
        raise KitDataError(f"the file cannot be opened ({getattr(e, 'strerror', None) or e})",
                           file=name) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise KitDataError("this is a folder, not a decisions file", file=name)
        if not stat.S_ISREG(st.st_mode):
            raise KitDataError("this is not a regular file", file=name)
        if st.st_size > limit:
            raise KitDataError(f"the file is {st.st_size:,} bytes; a decisions file can be at "
                               f"most {limit:,} bytes", file=name)
        raw = read_all(fd, limit)
        if len(raw) > limit:
            raise KitDataError(f"the file is over {limit:,} bytes; a decisions file can "
                               f"be at most {limit:,} bytes", file=name)
        return raw
    except OSError as e:
        raise KitDataError(f"the file cannot be read ({e.strerror or e})", file=name) from None
    finally:
        os.close(fd)


def open_log(path: Path, write, first_bytes, make_folder=True):
    """An fd on the regular file ``path`` (read-only, or read-write appending), or None.

    When writing and nothing is at ``path``, the file is created holding
    ``first_bytes()`` (with :func:`atomic_write`, so a half-made file is never seen);
    its folder is created too when ``make_folder``, else a missing folder is a
    KitDataError (it was there when the log was opened: moved or deleted).
    A symbolic link at ``path`` is never followed (``O_NOFOLLOW``): KitDataError.
    Returns None when reading and there is no file.
    """
    flags = (os.O_RDWR | os.O_APPEND) if write else os.O_RDONLY
    flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0) | NOFOLLOW
    name = str(path)
    for _ in range(100):
        if not NOFOLLOW and os.path.islink(path):  # no O_NOFOLLOW (Windows): check first
            raise KitDataError("this is a symbolic link, not your decision file; the kit "
                               "does not follow links for a learner's own log: remove the "
                               "link", file=name)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            if not write:
                return None
            if not make_folder and not path.parent.is_dir():
                raise KitDataError("the decisions folder is gone (moved or deleted?), so "
                                   "nothing can be saved: ask your teacher, or run "
                                   "kit.my_log() again to start a new folder",
                                   file=str(path.parent)) from None
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, first_bytes(), exclusive=True)
            except OSError as e:
                raise KitDataError(f"cannot create the decision file ({os_problem(e)})",
                                   file=name) from None
            continue
        except IsADirectoryError:
            raise KitDataError("this is a folder, not a decision file", file=name) from None
        except PermissionError:
            raise KitDataError("cannot open the decision file (permission denied)",
                               file=name) from None
        except OSError as e:
            if e.errno == errno.ELOOP or (NOFOLLOW and os.path.islink(path)):
                raise KitDataError("this is a symbolic link, not your decision file; the kit "
                                   "does not follow links for a learner's own log: remove the "
                                   "link", file=name) from None
            raise KitDataError(f"cannot open the decision file ({os_problem(e)})",
                               file=name) from None
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise KitDataError("this is a folder, not a decision file" if stat.S_ISDIR(mode)
                               else "this is not a regular file", file=name)
        return fd
    raise KitDataError("cannot create the decision file (it keeps disappearing)", file=name)
