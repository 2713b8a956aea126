"""Special files and full disks for the robustness tests, made inside temp folders only
(NOTES.md: never write to the system's /dev while testing writes)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def make_null_device(folder: Path, name: str = "null") -> Path | None:
    """A private copy of /dev/null (char 1:3) inside ``folder``; None without root."""
    path = folder / name
    if not is_root():
        return None
    try:
        os.mknod(path, 0o666 | 0o020000, os.makedev(1, 3))
    except OSError:
        return None
    return path


@contextlib.contextmanager
def full_disk(folder: Path, size: str = "300k"):
    """A small tmpfs mounted on ``folder`` and filled up; yields None where it cannot be
    mounted (not root, no tmpfs), so the caller can skip."""
    folder.mkdir(parents=True, exist_ok=True)
    if not is_root():
        yield None
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True)
    if done.returncode != 0:
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path, keep_bytes: int = 0) -> None:
    """Fill ``folder``'s file system, leaving about ``keep_bytes`` free."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass
    if keep_bytes:
        size = filler.stat().st_size
        os.truncate(filler, max(size - keep_bytes, 0))


def run_main(*args, stdin=None, stdout=subprocess.PIPE, timeout=120, env=None):
    """``python main.py ARGS`` in a fresh process (offscreen Qt, private settings)."""
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    full_env.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], input=stdin,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=timeout, env=full_env,
                          cwd=str(ROOT))
