"""The app icon and the menu entry (issue 12): what a desktop shows for the app.

The entry is checked by freedesktop's own validator (`desktop-file-validate`, Debian's
desktop-file-utils, which `make setup` installs), both as shipped and as
``--install-desktop`` writes it into a throw-away XDG data folder.
"""

import importlib.util
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from optimizer_playground import desktop

ROOT = Path(__file__).resolve().parents[1]


def validator() -> str:
    path = shutil.which("desktop-file-validate")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("desktop-file-validate is missing: make setup installs desktop-file-utils")
        pytest.skip("desktop-file-validate is not installed (Debian: desktop-file-utils)")
    return path


def validate(path: Path) -> None:
    # It prints hints (not errors) on stdout too; any line at all means something to fix.
    result = subprocess.run([validator(), str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == "", result.stdout + result.stderr


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def cli(data_home: Path, *args: str, home: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_DATA_HOME=str(data_home))
    if home is not None:
        env["HOME"] = str(home)
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def read_entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line and not line.startswith("#"))


# -- the shipped files ----------------------------------------------------------------------------


def test_shipped_desktop_entry_is_valid_and_names_the_launcher_and_icon():
    validate(desktop.desktop_template())
    entry = read_entry(desktop.desktop_template())
    assert entry["Exec"] == "optimizer-playground"  # the project script in pyproject.toml
    assert entry["Icon"] == desktop.ICON_NAME and entry["Type"] == "Application"
    # X11 shells match a window to its menu entry by WM_CLASS, whose class Qt takes from
    # the application name
    from gui.app import APP_NAME
    assert entry["StartupWMClass"] == APP_NAME


@pytest.mark.parametrize("size", desktop.ICON_SIZES)
def test_icon_png_has_its_size(size):
    assert png_size(desktop.icon_png(size)) == (size, size)


def _load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pixels(path: Path) -> np.ndarray:
    from PySide6 import QtGui

    image = QtGui.QImage(str(path)).convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
    assert not image.isNull(), path
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())[
        :, : image.width() * 4].astype(float)


@pytest.mark.parametrize("size", [16, 48, 256])
def test_committed_pngs_are_drawn_from_the_current_svg(qapp, tmp_path, size):
    # Someone who edits the SVG and forgets `make icons` ships a stale task-bar icon.
    render_icons = _load_tool("render_icons")
    fresh = tmp_path / f"{size}.png"
    render_icons.render(desktop.icon_svg(), size, fresh)
    diff = np.abs(_pixels(fresh) - _pixels(desktop.icon_png(size)))
    assert diff.mean() < 1.0, "resources/icons/*.png differ from the SVG: run `make icons`"


def test_application_and_window_icon_are_the_app_icon():
    code = ("from gui.app import make_application; app = make_application(); "
            "print(sorted(s.width() for s in app.windowIcon().availableSizes()), app.desktopFileName())")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == f"{sorted(desktop.ICON_SIZES)} {desktop.ICON_NAME}"


# -- --install-desktop / --uninstall-desktop ------------------------------------------------------


def _installed_files(base: Path) -> set[Path]:
    return {p for p in base.rglob("*") if p.is_file()}


def test_install_puts_entry_and_icons_into_xdg_data_home(tmp_path):
    result = cli(tmp_path, "--install-desktop")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    hicolor = tmp_path / "icons" / "hicolor"
    expected = {tmp_path / "applications" / "optimizer-playground.desktop",
                hicolor / "scalable" / "apps" / "optimizer-playground.svg"}
    expected |= {hicolor / f"{n}x{n}" / "apps" / "optimizer-playground.png" for n in desktop.ICON_SIZES}
    assert _installed_files(tmp_path) == expected
    assert result.stdout.splitlines() == [f"installed {p}" for p in sorted(expected, key=str)] or \
        {line.removeprefix("installed ") for line in result.stdout.splitlines()} == {str(p) for p in expected}
    for n in desktop.ICON_SIZES:
        installed = hicolor / f"{n}x{n}" / "apps" / "optimizer-playground.png"
        assert installed.read_bytes() == desktop.icon_png(n).read_bytes()
        assert png_size(installed) == (n, n)


def test_installed_entry_is_valid_and_starts_this_copy(tmp_path):
    assert cli(tmp_path, "--install-desktop").returncode == 0
    entry_path = tmp_path / "applications" / "optimizer-playground.desktop"
    validate(entry_path)
    exec_line = read_entry(entry_path)["Exec"]
    # a menu has no shell PATH: Exec names a program by its absolute path, and that program runs
    program, *rest = exec_line.split(" ")
    assert os.path.isabs(program) and os.access(program, os.X_OK)
    result = subprocess.run([program, *rest, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("optimizer-playground ")


def test_exec_path_with_spaces_and_dollar_is_quoted_so_the_validator_accepts_it(tmp_path):
    path = tmp_path / "optimizer-playground.desktop"
    path.write_text(desktop.desktop_entry(["/opt/My Apps/$x/optimizer-playground", "-m", "100%"]))
    validate(path)
    assert read_entry(path)["Exec"] == '"/opt/My Apps/\\$x/optimizer-playground" -m 100%%'


def test_uninstall_removes_exactly_what_install_added(tmp_path):
    # Another program's icon in the same folders stays, and so do the folders it needs.
    other = tmp_path / "icons" / "hicolor" / "48x48" / "apps" / "other-app.png"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"not ours")
    before = _installed_files(tmp_path)
    assert cli(tmp_path, "--install-desktop").returncode == 0
    assert len(_installed_files(tmp_path) - before) == len(desktop.ICON_SIZES) + 2

    result = cli(tmp_path, "--uninstall-desktop")
    assert result.returncode == 0 and result.stderr == ""
    assert len(result.stdout.splitlines()) == len(desktop.ICON_SIZES) + 2
    assert _installed_files(tmp_path) == before and other.read_bytes() == b"not ours"
    # the folders install created are gone again; the shared ones stay
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_dir()) == \
        ["icons", "icons/hicolor", "icons/hicolor/48x48", "icons/hicolor/48x48/apps"]

    again = cli(tmp_path, "--uninstall-desktop")
    assert again.returncode == 0 and "not installed" in again.stdout


def test_relative_xdg_data_home_is_ignored_as_the_spec_says(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = cli(Path("relative/share"), "--install-desktop", home=home)
    assert result.returncode == 0, result.stderr
    assert (home / ".local" / "share" / "applications" / "optimizer-playground.desktop").is_file()
    assert not (ROOT / "relative").exists()


def test_install_into_a_folder_that_cannot_be_written_is_one_clear_error(tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    result = cli(blocked, "--install-desktop")
    assert result.returncode == 1
    assert result.stderr.startswith("error: could not install the menu entry:") and "Traceback" not in result.stderr


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_install_on_windows_or_macos_says_so_and_writes_nothing(tmp_path, monkeypatch, capsys, platform):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", platform)
    assert desktop.run("install") == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: --install-desktop writes a freedesktop menu entry")
    assert list(tmp_path.iterdir()) == []


def test_the_started_app_freezes_its_start_up_objects_for_the_collector(tmp_path):
    """gui.app.main moves the start-up's objects out of the collector's way (settle_gc): a
    full collection walking ~80k of them was a 30-80 ms hitch during drags and playback."""
    code = ("import gc, os, sys\n"
            "from gui import app\n"
            "rc = app.main()\n"
            "print(rc, gc.get_freeze_count() > 20000, gc.get_threshold()[0])\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               HOME=str(tmp_path), OPTIMIZER_PLAYGROUND_EXIT_AFTER_FIRST_PAINT="1")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 True 10000", result.stdout
