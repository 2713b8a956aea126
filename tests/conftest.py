"""Test-wide setup that must happen before anything imports Qt."""

import os
import sys
from pathlib import Path

# Without a display and without this, the first QApplication aborts the whole run
# (exit 134). setdefault, so `QT_QPA_PLATFORM=xcb pytest` under Xvfb still works.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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
