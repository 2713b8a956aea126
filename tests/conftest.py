"""Test-wide setup that must happen before anything imports Qt."""

import os
import sys
import tempfile
from pathlib import Path

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
