"""Application setup and ``main(preset=None, session=None) -> exit code``.

Heavy imports (pyqtgraph, the window) happen after the QApplication exists and
nothing is computed before the window is shown, so the first frame appears fast
(benchmarks/bench_gui.py measures it). A plain launch starts the race at once.
"""

from __future__ import annotations

import os
import sys

APP_NAME = "OptimizerPlayground"
DESKTOP_NAME = "optimizer-playground"  # the .desktop file's and the icon's name
FIRST_PAINT_ENV = "OPTIMIZER_PLAYGROUND_EXIT_AFTER_FIRST_PAINT"  # benchmarks: print and quit
BASE_FONT_PT = 10
PIXMAP_CACHE_KB = 256 * 1024


def app_icon():
    """The app icon in every committed PNG size (package data, tools/render_icons.py draws them)."""
    from importlib import resources

    from PySide6 import QtGui

    icon = QtGui.QIcon()
    folder = resources.files("resources").joinpath("icons")
    for png in sorted(folder.iterdir(), key=lambda p: p.name):
        if png.name.startswith(f"{DESKTOP_NAME}-") and png.name.endswith(".png"):
            icon.addFile(os.fspath(png))
    return icon


def _usage_error(text: str):
    from engine.cli_args import UsageError
    return UsageError(text)


def make_application(argv=None):
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(list(argv if argv is not None else sys.argv[:1]))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    # no applicationDisplayName: Qt appends it to every window title, which already
    # names the app ("Optimizer Playground — <scene> — Optimizer Playground").
    #
    # The task bar and the window title use this icon; the desktop file name lets a
    # Wayland shell match the window to the installed menu entry (--install-desktop).
    app.setWindowIcon(app_icon())
    app.setDesktopFileName(DESKTOP_NAME)
    font = app.font()
    font.setPointSize(BASE_FONT_PT)
    app.setFont(font)
    from gui.theme import APP_STYLE
    app.setStyleSheet(APP_STYLE)
    from PySide6 import QtGui

    # Axes, heat map and contours are painted from device pixmaps (DeviceCoordinateCache);
    # at 1920x1080 they need ~30 MB and Qt's default 10 MB cache made them re-draw on every
    # frame (34 -> 15 ms a frame, benchmarks/bench_presentation.py). A limit, not an allocation.
    QtGui.QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)
    return app


def load_preset(name: str):
    """The scene of preset ``name`` (engine.presets.load_preset); a bad name is a usage error."""
    from engine.presets import load_preset as loader
    try:
        return loader(name)
    except (KeyError, LookupError, ValueError, OSError) as err:
        raise _usage_error(f"--preset {name!r}: {err}") from None


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
            scene = Scene.read_stdin() if session == "-" else Scene.load(session)
        except (SessionError, ValueError) as err:
            raise _usage_error(f"--session {session!r}: {err}{_pipe_hint(session)}") from None
    return scene


def _pipe_hint(path: str) -> str:
    import stat
    try:
        fifo = stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return ""
    return " (to pipe a session in, give --session -)" if fifo else ""


def build_window(scene=None):
    """The surface controller and the main window on ``scene`` (not shown yet); a
    classification scene opens in classification mode (the surface gets its default)."""
    from engine.session import SessionError
    from gui.controller import PlaygroundController
    from gui.window import MainWindow

    classification = scene is not None and scene.mode == "classification"
    try:
        controller = PlaygroundController(None if classification else scene)
    except SessionError as err:  # valid on paper, but its paths cannot be computed
        raise _usage_error(f"cannot open {scene.title or 'the scene'}: {err}") from None
    window = MainWindow(controller)
    from gui import framing, restyle

    if scene is not None and not classification:
        framing.apply(window, scene)
    restyle.adopt(window)  # started in the remembered dark theme: no light-only colours
    if classification and not window.modes.load_scene(scene):
        raise _usage_error(f"cannot open {scene.title or 'the classification scene'}: "
                           f"{window.statusBar().currentMessage()}")
    return controller, window


def settle_gc() -> None:
    """Once the window is built: the ~80k objects of the start-up (Qt wrappers, pyqtgraph
    items, modules) move to the permanent generation, so a full collection no longer walks
    them (measured: a 30-80 ms hitch every ~100 slider moves or frames), and young
    collections run every 10,000 allocations instead of 700 (a 1000-step path allocates
    thousands of small tuples): ~7% off a slider drag, and its p99 from 46 to 38 ms.
    No collection first: it would delay the first paint, and start-up leaves little garbage."""
    import gc

    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def main(preset=None, session=None) -> int:
    scene = load_scene(preset, session)  # refuse bad input before any window appears
    app = make_application()
    from gui import settings, shell

    shell.apply_saved_theme()  # before the window: it is drawn in it at once
    controller, window = build_window(scene)
    if preset:
        window.presets.mark(preset)
    if session and session != "-":  # stdin has no file for Ctrl+S to write back to
        window.sessions.path = os.path.abspath(session)
        settings.add_recent(window.sessions.path)
    first_paint = bool(os.environ.get(FIRST_PAINT_ENV))
    # a plain start reopens what was on screen at the last exit (File > Reopen ...)
    shell.restore(window, open_last=scene is None and not first_paint)
    window.modes.update_title()
    window.show()
    settle_gc()
    if not first_paint:
        from gui.shortcuts_window import first_start_hint

        first_start_hint(window)
    from PySide6 import QtCore

    if first_paint:
        _exit_after_first_paint(window)
    elif scene is None and window.modes.active.step == 0:
        # a plain start shows the race at once; a preset or a session opens paused at its
        # step, so the lecturer can ask "where will it go?" before pressing Space
        QtCore.QTimer.singleShot(250, window.modes.active.play)
    return int(app.exec())


def _exit_after_first_paint(window) -> None:
    """For the start-up benchmark: quit right after the first paint of the mode shown."""
    from PySide6 import QtCore, QtWidgets

    def check():
        painted = window.contour.frames.frames > 0 if window.modes.mode == "surface" else \
            window.modes.pane is not None and window.modes.pane.isVisible()
        if painted:
            print("first-paint", flush=True)
            QtWidgets.QApplication.instance().quit()
        else:
            QtCore.QTimer.singleShot(1, check)

    QtCore.QTimer.singleShot(0, check)
