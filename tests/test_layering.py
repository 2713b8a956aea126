"""Direction of dependencies (SPEC section 1): engine and surfaces import NumPy only,
and `main.py trace|train|list` work on a machine where Qt is not installed.

Each check runs in a fresh interpreter, because this test session itself may already
have imported Qt (pytest-qt does).
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT_PREFIXES = ("PySide6", "shiboken6", "pyqtgraph", "PyQt")


def run_python(code: str) -> subprocess.CompletedProcess:
    prelude = f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nQT_PREFIXES = {QT_PREFIXES!r}\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_engine_and_surfaces_never_load_qt():
    """Import every module under engine/ and surfaces/; none may pull in Qt or pyqtgraph."""
    proc = run_python(
        """
        import importlib, json, pkgutil

        def loaded_qt():
            return sorted(m for m in sys.modules if m.startswith(QT_PREFIXES))

        def fail(name):
            raise ImportError(f"cannot import {name}")

        imported, culprit = [], None
        for top in ("engine", "surfaces"):
            package = importlib.import_module(top)
            names = [top] + [
                info.name for info in pkgutil.walk_packages(package.__path__, top + ".", onerror=fail)
            ]
            for name in names:
                importlib.import_module(name)
                imported.append(name)
                if culprit is None and loaded_qt():
                    culprit = name
        print(json.dumps({"imported": imported, "qt": loaded_qt(), "culprit": culprit}))
        """
    )
    assert proc.returncode == 0, f"importing engine/surfaces failed:\n{proc.stderr}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(report["imported"]) > 2, f"walked too few modules: {report['imported']}"
    assert report["qt"] == [], f"{report['culprit']} loaded {report['qt']}"


# Qt made unimportable: a meta-path finder that refuses every Qt module, as on a
# machine where PySide6 and pyqtgraph are not installed.
NO_QT = """
import importlib.abc, runpy

class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.startswith(QT_PREFIXES):
            raise ModuleNotFoundError(f"No module named {name!r} (Qt blocked by the test)", name=name)
        return None

sys.meta_path.insert(0, NoQt())
"""


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "surfaces"],
        ["list", "optimizers"],
        ["list", "schedules"],
        ["list", "datasets"],
        ["trace", "--surface", "quadratic", "--optimizer", "adam", "--steps", "5"],
        ["train", "--dataset", "blobs", "--model", "softmax", "--optimizer", "sgd", "--steps", "3"],
    ],
    ids=" ".join,
)
def test_cli_runs_without_qt(argv):
    proc = run_python(
        NO_QT
        + f"""
sys.argv = ["main.py", *{argv!r}]
runpy.run_path("main.py", run_name="__main__")
"""
    )
    assert proc.returncode == 0, f"main.py {' '.join(argv)} failed without Qt:\n{proc.stderr}"
    assert proc.stdout.strip(), f"main.py {' '.join(argv)} printed nothing"
