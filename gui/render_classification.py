"""``main.py render`` for a classification scene (a preset or session whose mode is
"classification"): the window is built offscreen in classification mode, every run
trains the scene's steps headless, and the pane is written to ``-o``.

``--view window`` (default): decision regions and the curves side by side (the pane
without its controls column and transport bar); ``surface``: the decision regions;
``loss`` or ``lr``: the loss / accuracy / learning-rate curves.
"""

from __future__ import annotations


def _usage(text: str):
    from engine.cli_args import UsageError
    return UsageError(text)


def render_classification(args, scene, fmt: str, width: int, height: int, view: str, held: list) -> int:
    """``held`` collects the windows made, for the caller's teardown (gui.headless)."""
    if fmt in (".gif", ".mp4"):
        raise _usage(f"-o {args.output!r}: animations are made of surface scenes; "
                     "a classification scene renders to .png or .svg")
    if getattr(args, "caption", False):
        raise _usage("--caption describes a surface scene; leave it out for a classification scene")
    from PySide6 import QtCore, QtWidgets

    from engine.files import WriteError
    from gui.app import build_window, make_application
    from gui.export import export_widget_svg, render_widget, save_image
    from gui.throttle import Throttle

    app = make_application()
    _surface, window = build_window(scene.replace(step=0))
    held += [window, _surface]
    c = window.modes.classification
    c.transport.go_to(scene.steps)
    pane = window.modes.pane
    if view == "window":
        side = pane.findChild(QtWidgets.QScrollArea)  # the controls column
        if side is not None:
            side.hide()
        pane.message.hide()
        target = pane
    else:
        target = pane.decision_view if view == "surface" else pane.metrics_view
    target.setParent(None)
    held.insert(0, target)
    target.resize(width, height)
    target.show()
    for _ in range(3):
        app.processEvents()
    for throttle in window.findChildren(Throttle) + target.findChildren(Throttle):
        throttle.fire()  # the last state, not the one ~100 ms ago
    app.processEvents()
    try:
        if fmt == ".svg":
            export_widget_svg(target, args.output)
        else:
            image = render_widget(target)
            if image.width() != width or image.height() != height:
                image = image.scaled(width, height, QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                                     QtCore.Qt.TransformationMode.SmoothTransformation)
            save_image(image, args.output)
    except WriteError as err:
        raise _usage(str(err)) from None
    except (OSError, ValueError) as err:
        raise _usage(f"cannot write {args.output!r}: {err}") from None
    finally:
        c.pause()
    return 0
