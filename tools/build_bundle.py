"""Build the standalone app: ``make bundle`` or ``python tools/build_bundle.py``.

PyInstaller (the ``bundle`` extra) freezes ``main.py`` with Python, NumPy, Qt and
pyqtgraph into one folder, ``dist/optimizer-playground/``, whose
``optimizer-playground`` binary runs on a machine without Python: the app by
default, and the same sub-commands as ``main.py``. Copy the whole folder; build on
each operating system for that system (PyInstaller does not cross-compile).

Modules the command line imports lazily (the GUI, ``render``) and the package data
(presets, playlists, icons, the desktop entry) are named explicitly, so that a
bundle never depends on what PyInstaller happens to find by following imports.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "optimizer-playground"
PACKAGES = ("optimizer_playground", "engine", "surfaces", "gui")
# Never imported by the app, but found next to it in a development venv.
EXCLUDES = ("tkinter", "pytest", "_pytest", "hypothesis", "pytestqt", "ruff", "PyInstaller", "IPython",
            "matplotlib", "scipy", "pandas")


def pyinstaller_args(dist: Path, work: Path) -> list[str]:
    args = ["--noconfirm", "--clean", "--onedir", "--name", NAME,
            "--distpath", str(dist), "--workpath", str(work), "--specpath", str(work),
            "--collect-data", "resources"]
    for package in PACKAGES:
        args += ["--collect-submodules", package]
    for module in EXCLUDES:
        args += ["--exclude-module", module]
    icons = ROOT / "resources" / "icons"
    if sys.platform == "win32":
        args += ["--icon", str(icons / f"{NAME}-256.png")]  # PyInstaller turns it into .ico (Pillow)
    elif sys.platform == "darwin":
        args += ["--icon", str(icons / f"{NAME}-256.png"), "--osx-bundle-identifier", "org.optimizer-playground"]
    return [*args, str(ROOT / "main.py")]


def build(dist: Path, work: Path) -> Path:
    """Build into ``dist``; the path of the bundled binary."""
    try:
        import PyInstaller.__main__ as pyinstaller
    except ImportError:
        raise SystemExit("PyInstaller is not installed: pip install '.[bundle]' (make bundle does)") from None
    pyinstaller.run(pyinstaller_args(dist, work))
    binary = dist / NAME / (NAME + (".exe" if sys.platform == "win32" else ""))
    if not binary.is_file():
        raise SystemExit(f"PyInstaller finished but {binary} is missing")
    return binary


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's scratch folder (default: build/pyinstaller)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    binary = build(args.dist.resolve(), args.work.resolve())
    seconds = time.perf_counter() - start
    size = folder_size(binary.parent) / 2**20
    print(f"built {os.path.relpath(binary)} in {seconds:.0f} s; the folder holds {size:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
