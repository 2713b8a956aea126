"""The menu entry: ``optimizer-playground --install-desktop`` / ``--uninstall-desktop``.

Puts the freedesktop entry and the icon into the user's XDG data folder
(``$XDG_DATA_HOME``, else ``~/.local/share``), where menus and task bars look:
``applications/optimizer-playground.desktop`` and
``icons/hicolor/<N>x<N>/apps/optimizer-playground.png`` (plus the SVG under
``scalable``). Uninstall removes exactly those files and nothing else, not even the
folders, which other programs share. No Qt: the files are copied from package data.
"""

from __future__ import annotations

import os
import shutil
import sys
from importlib import resources
from pathlib import Path

ICON_NAME = "optimizer-playground"  # also the desktop file's name and Icon= key
DESKTOP_FILE = f"{ICON_NAME}.desktop"
ICON_SIZES = (16, 32, 48, 64, 128, 256)


def _resource(*parts: str) -> Path:
    # One level at a time: a PyInstaller bundle's files("resources") is a MultiplexedPath,
    # whose joinpath takes a single name and which has no file-system path of its own.
    node = resources.files("resources")
    for part in parts:
        node = node / part
    return Path(os.fspath(node))


def icon_png(size: int) -> Path:
    """The committed PNG of the app icon at ``size`` px (tools/render_icons.py draws them)."""
    return _resource("icons", f"{ICON_NAME}-{size}.png")


def icon_svg() -> Path:
    return _resource("icons", f"{ICON_NAME}.svg")


def desktop_template() -> Path:
    return _resource(DESKTOP_FILE)


def data_home() -> Path:
    # The XDG spec: an unset, empty or relative XDG_DATA_HOME means ~/.local/share.
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def _targets(base: Path) -> list[tuple[Path, Path]]:
    """(source, destination) for every file the entry consists of."""
    icons = base / "icons" / "hicolor"
    pairs = [(icon_png(n), icons / f"{n}x{n}" / "apps" / f"{ICON_NAME}.png") for n in ICON_SIZES]
    pairs.append((icon_svg(), icons / "scalable" / "apps" / f"{ICON_NAME}.svg"))
    return pairs


def desktop_path(base: Path | None = None) -> Path:
    return (base or data_home()) / "applications" / DESKTOP_FILE


def _quote_exec_arg(arg: str) -> str:
    # Desktop Entry spec, "The Exec key": reserved characters need the argument quoted,
    # and inside quotes ", `, $ and \ are escaped with a backslash; a literal % is %%.
    arg = arg.replace("%", "%%")
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'


def launch_command() -> list[str]:
    """How this very copy is started: the bundle's binary, the launcher beside this
    Python, or ``python -m optimizer_playground`` (menus do not see a shell's PATH)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    launcher = Path(sys.executable).parent / ("optimizer-playground" + (".exe" if os.name == "nt" else ""))
    if launcher.is_file():
        return [str(launcher)]
    return [sys.executable, "-m", "optimizer_playground"]


def desktop_entry(command: list[str] | None = None) -> str:
    """The shipped entry with its Exec= pointing at ``command`` (default: this copy)."""
    exec_line = " ".join(_quote_exec_arg(a) for a in (command or launch_command()))
    lines = desktop_template().read_text(encoding="utf-8").splitlines()
    return "\n".join(f"Exec={exec_line}" if line.startswith("Exec=") else line for line in lines) + "\n"


def install(base: Path | None = None) -> list[Path]:
    """Copy the entry and the icons into ``base`` (the XDG data folder); the paths written."""
    base = base or data_home()
    written = []
    for source, dest in _targets(base):
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        written.append(dest)
    entry = desktop_path(base)
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(desktop_entry(), encoding="utf-8")
    written.append(entry)
    return written


def uninstall(base: Path | None = None) -> list[Path]:
    """Remove what :func:`install` writes: those files, then the folders that are left
    empty (``64x64/apps`` ...), never a folder that still holds anything; the files removed."""
    base = base or data_home()
    removed = []
    for path in [dest for _, dest in _targets(base)] + [desktop_path(base)]:
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
            _remove_empty_parents(path.parent, stop=base)
    return removed


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()  # fails on a folder that is not empty: it is someone else's too
        except OSError:
            return
        folder = folder.parent


def run(action: str) -> int:
    """The command line's --install-desktop / --uninstall-desktop; prints what it did."""
    if sys.platform in ("win32", "darwin"):
        # Their menus do not read XDG folders: files there would only look like success.
        system = "Windows" if sys.platform == "win32" else "macOS"
        print(f"error: --{action}-desktop writes a freedesktop menu entry (Linux and BSD desktops); on {system}, "
              "pin the optimizer-playground launcher or the bundle from 'make bundle' instead", file=sys.stderr)
        return 1
    try:
        paths = install() if action == "install" else uninstall()
    except OSError as err:
        print(f"error: could not {action} the menu entry: {err}", file=sys.stderr)
        return 1
    verb = "installed" if action == "install" else "removed"
    if not paths:
        print("nothing to remove: the menu entry is not installed")
    for path in paths:
        print(f"{verb} {path}")
    return 0
