"""Installed as a user installs it (issue 12): a wheel in a fresh venv, and the bundle.

Both run from a folder outside the checkout with a clean environment, so nothing can
come from the work tree: presets, playlists and icons must travel as package data.
Slow (the wheel: ~25 s; the bundle: ~1 min to build on 2 cores, built once into
build/bundle-cache/<hash of its inputs>/ and reused while nothing changed) but run by
`make test`, so CI proves the install and the bundle on every change.
"""

import hashlib
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from engine.presets import list_presets
from gui.app import FIRST_PAINT_ENV  # set: the app quits after its first painted frame

ROOT = Path(__file__).resolve().parents[1]
PRESET_KEYS = [key for key, _ in list_presets()]
TRACE_ARGS = ["trace", "--surface", "rosenbrock", "--optimizer", "adam:lr=0.05", "--steps", "50"]

pytestmark = pytest.mark.slow


def clean_env(home: Path, path: str) -> dict[str, str]:
    """A user's environment: no PYTHONPATH, no venv, no checkout on any path."""
    return {"PATH": path, "HOME": str(home), "XDG_DATA_HOME": str(home / "share"),
            "XDG_CONFIG_HOME": str(home / "config"), "QT_QPA_PLATFORM": "offscreen", "LC_ALL": "C.UTF-8"}


def run(argv, cwd, env, timeout=300) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{argv} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def checkout(*argv) -> str:
    return run([sys.executable, "main.py", *argv], ROOT, dict(os.environ)).stdout


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def listed_keys(stdout: str) -> list[str]:
    return [line.split()[0] for line in stdout.splitlines()]


# -- a wheel in a fresh virtual environment -------------------------------------------------------


def _copy_source(dest: Path) -> Path:
    # Built from a copy: setuptools reuses build/lib, where a file deleted from the
    # checkout could linger and hide a missing package-data entry.
    ignore = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis",
                                    ".ruff_cache", ".pytest_cache", "screenshots")
    return Path(shutil.copytree(ROOT, dest, ignore=ignore))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv/bin, a home folder outside the checkout) after `pip install <wheel>`."""
    base = tmp_path_factory.mktemp("wheel")
    pip_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    source = _copy_source(base / "source")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "wheels", source], base, pip_env)
    (wheel,) = (base / "wheels").glob("optimizer_playground-*.whl")
    # A venv without --system-site-packages; the dependencies come from pip's cache.
    run([sys.executable, "-m", "venv", base / "venv"], base, pip_env)
    bin_dir = base / "venv" / "bin"
    run([bin_dir / "python", "-m", "pip", "install", "-q", wheel], base, pip_env, timeout=900)
    home = base / "home"
    (home / "elsewhere").mkdir(parents=True)
    return bin_dir, home


def _launcher(installed, *argv, timeout=120):
    bin_dir, home = installed
    env = clean_env(home, f"{bin_dir}:/usr/bin:/bin")
    return run([bin_dir / "optimizer-playground", *argv], home / "elsewhere", env, timeout)


def test_wheel_launcher_lists_every_preset(installed):
    out = _launcher(installed, "list", "presets").stdout
    assert listed_keys(out) == PRESET_KEYS and len(PRESET_KEYS) >= 30
    assert out == checkout("list", "presets")


def test_wheel_launcher_traces_like_the_checkout(installed):
    assert _launcher(installed, *TRACE_ARGS).stdout == checkout(*TRACE_ARGS)


def test_wheel_launcher_renders_a_preset(installed):
    _, home = installed
    _launcher(installed, "render", "--preset", "optimizer-race", "--size", "800x600", "-o", "race.png")
    assert png_size(home / "elsewhere" / "race.png") == (800, 600)


def test_wheel_launcher_opens_the_app(installed):
    # the window itself (offscreen): the benchmark hook quits right after its first paint
    bin_dir, home = installed
    env = clean_env(home, f"{bin_dir}:/usr/bin:/bin") | {FIRST_PAINT_ENV: "1"}
    out = run([bin_dir / "optimizer-playground"], home / "elsewhere", env, timeout=120).stdout
    assert out.splitlines()[-1] == "first-paint"


def test_wheel_installs_no_main_module_and_runs_its_own_copy(installed):
    bin_dir, home = installed
    code = ("import importlib.util, engine, resources; "
            "print(importlib.util.find_spec('main')); print(engine.__file__); print(resources.__file__)")
    out = run([bin_dir / "python", "-c", code], home / "elsewhere", clean_env(home, "/usr/bin:/bin")).stdout
    no_main, engine_file, resources_file = out.splitlines()
    assert no_main == "None"
    site = str(bin_dir.parent)
    assert engine_file.startswith(site) and resources_file.startswith(site)
    version = _launcher(installed, "--version").stdout
    assert version == "optimizer-playground 0.1.0\n"


def test_wheel_installs_the_menu_entry_pointing_at_its_launcher(installed):
    bin_dir, home = installed
    out = _launcher(installed, "--install-desktop").stdout
    entry = home / "share" / "applications" / "optimizer-playground.desktop"
    assert f"installed {entry}" in out.splitlines()
    assert f"Exec={bin_dir / 'optimizer-playground'}" in entry.read_text().splitlines()
    assert (home / "share" / "icons" / "hicolor" / "256x256" / "apps" / "optimizer-playground.png").is_file()
    _launcher(installed, "--uninstall-desktop")
    assert not entry.exists()


# -- the PyInstaller bundle -----------------------------------------------------------------------


def _bundle_inputs_hash() -> str:
    import PyInstaller

    digest = hashlib.sha256(f"{sys.version} {PyInstaller.__version__}".encode())
    files = [ROOT / "main.py", ROOT / "pyproject.toml", ROOT / "tools" / "build_bundle.py"]
    for folder in ("optimizer_playground", "engine", "surfaces", "gui", "resources"):
        files += sorted(p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="module")
def bundle():
    """The bundled binary, built once per change of its inputs (~1 min, ~230 MB)."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("PyInstaller is missing: make setup installs the 'bundle' extra")
        pytest.skip("PyInstaller is not installed (pip install -e '.[bundle]')")
    cache = ROOT / "build" / "bundle-cache"
    folder = cache / _bundle_inputs_hash()
    binary = folder / "dist" / "optimizer-playground" / "optimizer-playground"
    if not binary.is_file():
        shutil.rmtree(cache, ignore_errors=True)  # an old bundle is ~230 MB: keep only the current one
        run([sys.executable, ROOT / "tools" / "build_bundle.py", "--dist", folder / "dist", "--work", folder / "work"],
            ROOT, dict(os.environ), timeout=1200)
        shutil.rmtree(folder / "work", ignore_errors=True)
    return binary


def _bundled(bundle, tmp_path, *argv):
    # PATH holds only an empty folder: no python3, no venv; the binary must bring everything.
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    env = clean_env(tmp_path, str(empty))
    assert shutil.which("python3", path=env["PATH"]) is None
    return run([bundle, *argv], tmp_path, env, timeout=120)


def test_bundle_lists_every_preset_without_python(bundle, tmp_path):
    assert _bundled(bundle, tmp_path, "list", "presets").stdout == checkout("list", "presets")


def test_bundle_renders_a_preset_offscreen_without_python(bundle, tmp_path):
    _bundled(bundle, tmp_path, "render", "--preset", "optimizer-race", "-o", "x.png")
    assert png_size(tmp_path / "x.png") == (1600, 900)


def test_bundle_traces_like_the_checkout(bundle, tmp_path):
    assert _bundled(bundle, tmp_path, *TRACE_ARGS).stdout == checkout(*TRACE_ARGS)


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (make setup installs xvfb)")
def test_bundle_opens_its_window_on_an_x_server_without_python(bundle, tmp_path):
    # a real X11 window through the bundled xcb plugin, on a virtual screen
    empty = tmp_path / "bin"
    empty.mkdir()
    script = ('exec env -i PATH="$1" HOME="$2" XDG_CONFIG_HOME="$2/config" XDG_DATA_HOME="$2/share" '
              'DISPLAY="$DISPLAY" XAUTHORITY="$XAUTHORITY" LC_ALL=C.UTF-8 QT_QPA_PLATFORM=xcb '
              f'{FIRST_PAINT_ENV}=1 "$3"')
    out = run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "bash", "-c", script, "_", empty, tmp_path, bundle],
              tmp_path, dict(os.environ), timeout=120).stdout
    assert out.splitlines()[-1] == "first-paint"


def test_bundle_carries_both_qt_platform_plugins(bundle):
    # offscreen for render and CI, xcb for a window on an X11 (or XWayland) desktop
    plugins = {p.name for p in bundle.parent.rglob("platforms/libq*.so")}
    assert {"libqoffscreen.so", "libqxcb.so"} <= plugins
