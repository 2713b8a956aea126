"""Test-wide setup that must happen before anything imports Qt."""

import os
import sys
import tempfile
from pathlib import Path

import pytest

# Without a display and without this, the first QApplication aborts the whole run
# (exit 134). setdefault, so `QT_QPA_PLATFORM=xcb pytest` under Xvfb still works.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Tests never read or write a lecturer's real settings (window layout, theme, recent
# files): gui.settings uses this INI file, and anything that opens QSettings itself
# lands in a throw-away XDG config folder.
_SETTINGS_DIR = tempfile.mkdtemp(prefix="playground-test-settings-")
os.environ["OPTIMIZER_PLAYGROUND_SETTINGS"] = os.path.join(_SETTINGS_DIR, "settings.ini")
os.environ["XDG_CONFIG_HOME"] = _SETTINGS_DIR

# main.py, engine/, surfaces/ and gui/ are imported from the work tree, whether or not
# the editable install is present.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

try:
    from hypothesis import settings
except ImportError:  # hypothesis is in the `test` extra; plain pytest still runs
    pass
else:
    # Timing is the benchmarks' job: a per-example deadline only makes property tests
    # flaky on a loaded 2-core CI machine.
    settings.register_profile("playground", deadline=None)
    settings.load_profile("playground")



_EXIT_STATUS = {"code": 0}


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS["code"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """End the test process once pytest has reported, without Python's finalisation.

    After every test has passed and the summary is printed, the interpreter's exit
    destroys what the GUI tests left: thousands of pyqtgraph items whose C++ side Qt
    already deleted, collected in whatever order the garbage collector picks. With
    PySide6 6.10 that ended in SIGSEGV inside the collector (reproduced with three GUI
    test files, and on two full runs in a row), which CI reads as a failure. Closing the
    leftover windows first (gui.headless.tear_down, render's cure for the same crash)
    only moved it into that collection. The app does not take this path: it tears its
    window down in order and exits 0 (checked by closing it under Xvfb after presets,
    presentation mode and F5). Everything pytest writes is flushed first."""
    if "PySide6.QtWidgets" not in sys.modules:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_EXIT_STATUS["code"])
