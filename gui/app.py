"""Application setup and ``main(preset=None, session=None) -> exit code``.

Heavy imports (pyqtgraph, the window) happen after the QApplication exists and
nothing is computed before the window is shown, so the first frame appears fast
(benchmarks/bench_gui.py measures it). A plain launch starts the race at once.
"""

from __future__ import annotations

import os
import sys

APP_NAME = "OptimizerPlayground"
FIRST_PAINT_ENV = "OPTIMIZER_PLAYGROUND_EXIT_AFTER_FIRST_PAINT"  # benchmarks: print and quit
BASE_FONT_PT = 10


def _usage_error(text: str):
    from main import UsageError
    return UsageError(text)


def make_application(argv=None):
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(list(argv if argv is not None else sys.argv[:1]))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName("Optimizer Playground")
    font = app.font()
    font.setPointSize(BASE_FONT_PT)
    app.setFont(font)
    from gui.theme import APP_STYLE
    app.setStyleSheet(APP_STYLE)
    return app


def load_preset(name: str):
    """The scene of preset ``name`` (engine.presets, written by another part of the team)."""
    try:
        import engine.presets as presets
    except ImportError:
        raise _usage_error(f"--preset {name!r}: presets are not available in this version "
                           "(engine/presets.py is missing)") from None
    for attr in ("load_preset", "get_preset", "preset_scene", "load"):
        loader = getattr(presets, attr, None)
        if callable(loader):
            break
    else:
        raise _usage_error(f"--preset {name!r}: engine.presets has no loader")
    try:
        scene = loader(name)
    except (KeyError, LookupError, ValueError, OSError) as err:
        raise _usage_error(f"--preset {name!r}: {err}") from None
    from engine.session import Scene
    if isinstance(scene, Scene):
        return scene
    if isinstance(scene, dict):
        return Scene.from_dict(scene)
    raise _usage_error(f"--preset {name!r}: not a scene")


def load_scene(preset=None, session=None):
    """The Scene to open (None: the default scene). Bad input raises main.UsageError."""
    if preset and session:
        raise _usage_error("give either --preset or --session, not both")
    scene = None
    if preset:
        scene = load_preset(preset)
    elif session:
        from engine.session import Scene, SessionError
        try:
            scene = Scene.load(session)
        except (SessionError, ValueError) as err:
            raise _usage_error(f"--session {session!r}: {err}") from None
    if scene is not None and scene.mode != "surface":
        what = f"--preset {preset!r}" if preset else f"--session {session!r}"
        raise _usage_error(f"{what} is a {scene.mode} scene; this window shows loss surfaces "
                           "(classification mode is not part of it yet)")
    return scene


def build_window(scene=None):
    """The controller and the main window on ``scene`` (not shown yet)."""
    from gui.controller import PlaygroundController
    from gui.window import MainWindow

    controller = PlaygroundController(scene)
    window = MainWindow(controller)
    return controller, window


def main(preset=None, session=None) -> int:
    scene = load_scene(preset, session)  # refuse bad input before any window appears
    app = make_application()
    controller, window = build_window(scene)
    if scene is not None and scene.title:
        window.setWindowTitle(f"Optimizer Playground — {scene.title}")
    window.fit_to_screen()
    window.show()
    from PySide6 import QtCore

    if os.environ.get(FIRST_PAINT_ENV):
        _exit_after_first_paint(window)
    elif controller.step == 0:
        QtCore.QTimer.singleShot(250, controller.play)  # the race starts as soon as it is visible
    return int(app.exec())


def _exit_after_first_paint(window) -> None:
    """For the start-up benchmark: quit right after the surface is painted once."""
    from PySide6 import QtCore, QtWidgets

    def check():
        if window.contour.frames.frames > 0:
            print("first-paint", flush=True)
            QtWidgets.QApplication.instance().quit()
        else:
            QtCore.QTimer.singleShot(1, check)

    QtCore.QTimer.singleShot(0, check)
