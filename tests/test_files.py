"""engine.files: every write is atomic over regular files, goes through links and
straight into devices and FIFOs, keeps the mode and names its cause; session reads
refuse special files before opening them. Special files live in temp folders only."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import threading

import pytest
from robust_helpers import fill, full_disk, make_null_device, run_main

from engine import files
from engine.files import ReadError, WriteError, read_limited, write_text
from engine.session import MAX_FILE_BYTES, Scene, SessionError

SESSION = {"version": 1, "surface": "quadratic", "runs": [{"optimizer": "adam:lr=0.1"}], "steps": 40}


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if files.TEMP_TAG in p.name)


# -- writing -------------------------------------------------------------------------------------


def test_a_regular_file_is_replaced_whole_and_keeps_its_mode(tmp_path):
    path = tmp_path / "talk.json"
    path.write_text("old")
    os.chmod(path, 0o640)
    write_text(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # not mkstemp's 0600
    assert leftovers(tmp_path) == []


def test_a_new_file_gets_the_mode_open_would_give_it(tmp_path):
    mask = os.umask(0o022)
    try:
        write_text(tmp_path / "fresh.csv", "a,b\n")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "fresh.csv").stat().st_mode) == 0o644


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "data" / "real.csv"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    assert leftovers(tmp_path) == [] and leftovers(real.parent) == []


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "made.json")
    write_text(link, "{}")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "{}"


def test_a_fifo_gets_the_data_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    write_text(fifo, "through the pipe\n")
    reader.join(10)
    assert got == ["through the pipe\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_device_is_written_into_never_replaced(tmp_path):
    dev = make_null_device(tmp_path)
    if dev is None:
        pytest.skip("mknod needs root")
    write_text(dev, "gone\n")
    assert stat.S_ISCHR(os.stat(dev).st_mode)
    assert leftovers(tmp_path) == []


def test_a_folder_is_refused_with_the_reason(tmp_path):
    with pytest.raises(WriteError, match="it is a folder"):
        write_text(tmp_path, "x")


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.csv"
    path.write_text("precious")

    class Full:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def write(self, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files, "open", Full, raising=False)
    with pytest.raises(WriteError) as info:
        write_text(path, "new")
    assert str(info.value) == f"cannot write {str(path)!r}: No space left on device"
    assert path.read_text() == "precious"
    assert leftovers(tmp_path) == []


def test_a_full_disk_leaves_the_old_file(tmp_path):
    disk = tmp_path / "disk"
    with full_disk(disk) as folder:
        if folder is None:
            pytest.skip("a tmpfs needs root")
        path = folder / "keep.json"
        path.write_text("precious")
        fill(folder)
        with pytest.raises(WriteError, match="No space left on device"):
            write_text(path, "x" * 200_000)
        assert path.read_text() == "precious"
        assert leftovers(folder) == []


def test_a_temp_file_of_a_dead_process_is_removed_next_time(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".movie.gif.{dead}.abc123{files.TEMP_TAG}.gif"
    stale.write_bytes(b"GIF89a")
    other = tmp_path / f".other.gif.{dead}.abc123{files.TEMP_TAG}.gif"  # another file's: kept
    other.write_bytes(b"GIF89a")
    mine = tmp_path / f".movie.gif.{os.getpid()}.xyz{files.TEMP_TAG}.gif"  # alive: kept
    mine.write_bytes(b"")
    files.write_bytes(tmp_path / "movie.gif", b"GIF89a;")
    assert not stale.exists() and other.exists() and mine.exists()


def test_stdout_that_cannot_be_written_is_one_line_and_exit_2(tmp_path):
    with full_disk(tmp_path / "disk") as folder:
        if folder is None:
            pytest.skip("a tmpfs needs root")
        fill(folder)
        for args in (["list", "surfaces"], ["trace", "--surface", "quadratic", "--optimizer", "sgd", "--steps", "2000"],
                     ["train", "--dataset", "blobs", "--model", "softmax", "--optimizer", "sgd", "--steps", "300"]):
            with open(folder / "filler", "ab") as out:  # a stdout on a full disk (like > /dev/full)
                proc = run_main(*args, stdout=out)
            assert proc.returncode == 2, (args, proc.stderr)
            assert proc.stderr.strip().splitlines() == ["error: cannot write to standard output: "
                                                        "No space left on device"], args


# -- reading sessions ----------------------------------------------------------------------------


def test_a_fifo_as_a_session_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "s.json"
    os.mkfifo(fifo)
    with pytest.raises(SessionError, match="FIFO"):  # opening it would block forever
        Scene.load(fifo)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_as_a_session_is_refused_before_it_is_read(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    with pytest.raises(SessionError, match="character device"):
        Scene.load(device)


def test_a_folder_and_a_big_file_are_refused(tmp_path):
    with pytest.raises(SessionError, match="a folder"):
        Scene.load(tmp_path)
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: no real disk used
    with pytest.raises(SessionError, match="not a session file"):
        Scene.load(big)


def test_read_limited_never_reads_more_than_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "grows.json"
    path.write_bytes(b"x" * 100)
    reads = []
    real_read = os.read
    monkeypatch.setattr(files.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    monkeypatch.setattr(files.os, "stat", lambda p: os.lstat(p))  # as if st_size lied (0 for /proc files)
    with pytest.raises(ReadError):
        read_limited(path, 10)
    assert sum(reads) <= 11


def test_a_symlink_to_a_session_opens(tmp_path):
    real = tmp_path / "real.json"
    real.write_text(json.dumps(SESSION))
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert Scene.load(link).steps == 40


def test_a_session_save_keeps_the_mode_and_goes_through_links(tmp_path):
    real = tmp_path / "lecture.json"
    real.write_text(json.dumps(SESSION))
    os.chmod(real, 0o644)
    link = tmp_path / "current.json"
    link.symlink_to(real)
    Scene.from_dict(SESSION).replace(steps=41).save(link)
    assert link.is_symlink()
    assert Scene.load(real).steps == 41
    assert stat.S_IMODE(real.stat().st_mode) == 0o644


def test_system_devices_and_stdout_are_written_in_place_never_renamed_over():
    # decided from the path alone: nothing is written here (NOTES.md: /dev/null was replaced once)
    for path in ("/dev/null", "/dev/stdout", "/dev/full", "/proc/self/fd/1"):
        assert files.write_target(path) == (path, True)


def test_a_temp_file_for_a_device_goes_to_the_temp_folder_not_dev(tmp_path):
    tmp = files.temp_for("/dev/null", ".gif")
    try:
        assert not tmp.startswith("/dev/") and os.path.exists(tmp)
    finally:
        files.discard(tmp)
