"""Every file the app writes or reads as a session goes through here (no Qt).

Writing: a regular file (or a new one) is written to a temporary file beside it,
fsync'ed and renamed into place, so a full disk or a crash never leaves half a
file where the user's file was; the old file's permission mode is kept. A symlink
is written THROUGH (the file it points to is replaced, the link stays). Anything
that is not a regular file -- a device such as /dev/null, a FIFO, /dev/stdout --
is written directly: renaming over it would replace the device, and a FIFO's
reader would never get the data. Failures raise :class:`WriteError`, whose one
line says the cause ("cannot write 'x.png': No space left on device").

Temporary files are named ``.NAME.PID.part.EXT``: one left by a process that was
killed (SIGKILL cannot be caught) is removed the next time NAME is written.

Reading: :func:`read_limited` refuses anything that is not a regular file before
opening it (a FIFO would block, /dev/zero never ends) and reads at most
``limit + 1`` bytes, so a size check cannot be fooled by ``st_size == 0``.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from contextlib import contextmanager

TEMP_TAG = ".part"
STDOUT = "-"
_DIRECT_PREFIXES = ("/dev/", "/proc/")  # never rename anything into these


class WriteError(OSError):
    """A file could not be written; ``str()`` is one line naming the file and the cause."""

    def __init__(self, path: str, cause):
        reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
        super().__init__(getattr(cause, "errno", None) or errno.EIO, reason)
        self.path, self.reason = path, reason

    def __str__(self) -> str:
        where = "to standard output" if self.path == STDOUT else repr(self.path)
        return f"cannot write {where}: {self.reason}"


class ReadError(OSError):
    """A file that must not or cannot be read as a small text file."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


# -- where a write goes ----------------------------------------------------------------------


def write_target(path) -> tuple[str, bool]:
    """(the path to write, whether to write it in place). Symlinks are followed to
    the file they name; a target that exists and is not a regular file, or lives
    under /dev or /proc, is written in place."""
    path = os.fspath(path)
    if path.startswith(_DIRECT_PREFIXES):
        return path, True
    try:
        st = os.stat(path)  # follows links
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise WriteError(path, err) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise WriteError(path, "it is a folder")
        return path, True
    real = os.path.realpath(path) if os.path.islink(path) else path
    if real.startswith(_DIRECT_PREFIXES):
        return real, True
    return real, False


def temp_beside(path: str, ext: str = "") -> str:
    """A new empty temp file in ``path``'s folder, named so a later write of the same
    file can recognise it when its process died (see :func:`clean_stale_temps`)."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    clean_stale_temps(path)
    prefix = f".{os.path.basename(path)}.{os.getpid()}."
    import tempfile  # here: ~3 ms to import, and `trace` to standard output never needs it

    try:
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=TEMP_TAG + ext, dir=folder)
    except OSError as err:
        raise WriteError(path, err) from None
    os.close(fd)
    return tmp


def temp_for(path, ext: str = "") -> str:
    """Where to write ``path``'s content first: beside the file a symlink names, or in
    the system's temp folder for a device or FIFO (never a temp file in /dev)."""
    target, direct = write_target(path)
    if not direct:
        return temp_beside(target, ext)
    import tempfile  # as in temp_beside

    try:
        fd, tmp = tempfile.mkstemp(prefix=".optimizer-playground.", suffix=TEMP_TAG + ext)
    except OSError as err:
        raise WriteError(os.fspath(path), err) from None
    os.close(fd)
    return tmp


def clean_stale_temps(path: str) -> list[str]:
    """Remove ``.NAME.PID.*.part*`` files beside ``path`` whose process is gone."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    pattern = re.compile(r"^\." + re.escape(os.path.basename(path)) + r"\.(\d+)\.[^/]*" + re.escape(TEMP_TAG))
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = pattern.match(name)
        if m is None or _alive(int(m.group(1))):
            continue
        try:
            os.unlink(os.path.join(folder, name))
            removed.append(name)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process: leave its file alone
    return True


def discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def publish(tmp: str, path: str) -> str:
    """Put the finished temp file ``tmp`` in place of ``path`` (see the module doc):
    fsync + rename over a regular file, keeping its mode; copy into anything else.
    ``tmp`` is gone afterwards, whatever happens."""
    try:
        target, direct = write_target(path)
        if direct:
            with open(tmp, "rb") as src:
                _copy_into(src, target, path)
            return path
        _fsync(tmp, path)
        _set_mode(tmp, target)
        try:
            os.replace(tmp, target)
        except OSError as err:
            raise WriteError(path, err) from None
        _fsync_folder(target)
        return path
    finally:
        discard(tmp)


def _copy_into(src, target: str, shown: str) -> None:
    try:
        with open(target, "wb") as out:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
    except OSError as err:
        raise WriteError(shown, err) from None


def _fsync(tmp: str, shown: str) -> None:
    try:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as err:
        raise WriteError(shown, err) from None


def _fsync_folder(target: str) -> None:
    try:
        fd = os.open(os.path.dirname(os.path.abspath(target)) or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the rename is done
    finally:
        os.close(fd)


def _set_mode(tmp: str, target: str) -> None:
    """The replaced file's mode (and owner when root), else what a plain open() gives."""
    try:
        st = os.stat(target)
    except OSError:
        st = None
    try:
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                os.chown(tmp, st.st_uid, st.st_gid)
        else:
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)
    except OSError:
        pass  # the data matters more than the mode


@contextmanager
def writing(path, ext: str = ""):
    """``with writing(path) as tmp:`` write ``tmp`` (any way you like), and it is
    published to ``path`` when the block ends; an exception removes it."""
    path = os.fspath(path)
    tmp = temp_for(path, ext)
    try:
        yield tmp
    except BaseException:
        discard(tmp)
        raise
    publish(tmp, path)


def write_bytes(path, data: bytes) -> str:
    """The one write helper: ``data`` into ``path`` (atomically for regular files)."""
    path = os.fspath(path)
    target, direct = write_target(path)
    if direct:
        try:
            with open(target, "wb") as fh:
                fh.write(data)
        except OSError as err:
            raise WriteError(path, err) from None
        return path
    with writing(path) as tmp:
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
        except OSError as err:
            raise WriteError(path, err) from None
    return path


def write_text(path, text: str) -> str:
    return write_bytes(path, text.encode("utf-8"))


def write_stdout(text: str) -> None:
    """``text`` to standard output, flushed; a failure (a full disk behind ``>``) is a
    WriteError and stdout is pointed at /dev/null so the exit does not fail again."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as err:
        silence_stdout()
        raise WriteError(STDOUT, err) from None


def silence_stdout() -> None:
    """Point stdout at /dev/null (what is left in its buffer cannot be written anyway)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


# -- reading ---------------------------------------------------------------------------------


def read_limited(path, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path`` if it holds at most ``limit`` bytes.

    Special files are refused from their ``stat`` before ``open`` (opening a FIFO
    blocks until a writer appears); the read stops at ``limit + 1`` bytes, so
    /proc files or a file growing meanwhile cannot blow up memory."""
    path = os.fspath(path)
    name = os.path.basename(path) or path
    try:
        st = os.stat(path)
    except OSError as err:
        raise ReadError(err.errno, f"cannot open {path!r}: {err.strerror or err}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = _kind(st.st_mode)
        raise ReadError(errno.EINVAL, f"{name} is {kind}, not a {what}")
    if st.st_size > limit:
        raise ReadError(errno.EFBIG, _too_big(name, st.st_size, limit, what))
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the stat, open does not hang
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise ReadError(err.errno, f"cannot open {path!r}: {err.strerror or err}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ReadError(errno.EINVAL, f"{name} is not a regular file, not a {what}")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except BlockingIOError:
        raise ReadError(errno.EINVAL, f"{name} cannot be read now, not a {what}") from None
    except OSError as err:
        raise ReadError(err.errno, f"cannot read {path!r}: {err.strerror or err}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise ReadError(errno.EFBIG, _too_big(name, None, limit, what))
    return data


def read_stream_limited(stream, limit: int, what: str = "file") -> bytes:
    """At most ``limit`` bytes from an open binary stream (``--session -``: stdin)."""
    try:
        data = stream.read(limit + 1)
    except OSError as err:
        raise ReadError(err.errno, f"cannot read standard input: {err.strerror or err}") from None
    if len(data) > limit:
        raise ReadError(errno.EFBIG, _too_big("standard input", None, limit, what))
    return data


def _too_big(name: str, size, limit: int, what: str) -> str:
    says = f"is {size / 1e6:.1f} MB" if size is not None else f"is larger than {limit / 1e6:g} MB"
    return f"{name} {says}: not a {what} (the limit is {limit / 1e6:g} MB)"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
