"""``main.py render``: the same window, built offscreen, exported to a file.

The scene comes from ``--preset``, ``--session`` or ``--surface`` + ``--optimizer``
(repeatable) + ``--schedule/--start/--steps/--noise/--seed/--formula``; the
animation jumps to the last step and ``--view`` (window, surface, loss or lr) is
written to ``-o`` as PNG or SVG at exactly ``--size``. Bad input raises
main.UsageError or HyperError (one line, exit 2, printed by main).
"""

from __future__ import annotations

import os

from engine.session import MAX_STEPS, PALETTE, RunConfig, Scene
from engine.spec import OptimizerSpec, ScheduleSpec, parse_surface

FORMATS = (".png", ".svg")
MIN_SIZE, MAX_SIZE = 64, 8000
CAPTION_PX = 30


def _usage(text: str):
    from main import UsageError
    return UsageError(text)


def parse_size(text: str) -> tuple[int, int]:
    parts = str(text).lower().replace("×", "x").split("x")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise _usage(f"--size {text!r}: expected WIDTHxHEIGHT in pixels, e.g. 1600x900") from None
    if not (MIN_SIZE <= w <= MAX_SIZE and MIN_SIZE <= h <= MAX_SIZE):
        raise _usage(f"--size {text!r}: width and height must be from {MIN_SIZE} to {MAX_SIZE} pixels")
    return w, h


def output_format(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext == ".gif":
        raise _usage(f"-o {path!r}: GIF export is not yet supported; use .png or .svg")
    if ext not in FORMATS:
        raise _usage(f"-o {path!r}: expected a .png or .svg file name")
    return ext


def scene_from_args(args) -> Scene:
    from gui.app import load_scene
    from main import parse_float, parse_int, parse_start

    if args.preset or args.session:
        if args.surface or args.optimizer:
            raise _usage("give --preset/--session or --surface/--optimizer, not both")
        scene = load_scene(args.preset, args.session)
        if args.steps is not None:
            scene = scene.replace(steps=parse_int(args.steps, "steps", 1, MAX_STEPS))
        return scene
    if not args.surface:
        raise _usage("render needs --preset NAME, --session FILE or --surface SPEC with --optimizer SPEC")
    if not args.optimizer:
        raise _usage("render --surface needs at least one --optimizer SPEC (it may repeat)")
    surface = parse_surface(args.surface, args.formula)
    if args.formula is not None and surface.key != "custom":
        raise _usage("--formula goes with --surface custom")
    schedule = ScheduleSpec.parse(args.schedule or "constant")
    optimizers = [OptimizerSpec.parse(text) for text in args.optimizer]
    if len(optimizers) > 16:
        raise _usage(f"--optimizer given {len(optimizers)} times: at most 16 runs")
    runs = tuple(RunConfig(o, schedule, PALETTE[i % len(PALETTE)]) for i, o in enumerate(optimizers))
    steps = parse_int(args.steps, "steps", 1, MAX_STEPS) if args.steps is not None else 300
    start = parse_start(args.start, surface.dim)
    return Scene(surface=args.surface, formula=args.formula, runs=runs, steps=steps, start=start,
                 noise=parse_float(args.noise or 0, "noise", 0.0, 1e3),
                 seed=parse_int(args.seed or 0, "seed", 0, 2**31 - 1))


def caption_text(controller) -> str:
    scene = controller.scene
    runs = ", ".join(r.optimizer.spec() + ("" if r.schedule.key == "constant" else f" [{r.schedule.spec()}]")
                     for r in scene.runs)
    extra = f", noise {scene.noise:g}, seed {scene.seed}" if scene.noise else ""
    head = f"{scene.title} — " if scene.title else ""
    return f"{head}{controller.surface.spec()}: {runs}; {scene.steps} steps{extra}"


def render_command(args) -> int:
    fmt = output_format(args.output)
    width, height = parse_size(args.size)
    scene = scene_from_args(args)
    from PySide6 import QtWidgets

    from gui.app import build_window, make_application
    from gui.export import export_plot_svg, export_widget_svg

    app = make_application()
    messages: list[str] = []
    controller, window = build_window(scene.replace(step=scene.steps))
    controller.message.connect(messages.append)
    controller.jump_to_end()
    view = args.view or "window"
    target = window if view == "window" else window.views[view]
    body_height = height - (CAPTION_PX if args.caption else 0)
    if view != "window":
        target.setParent(None)
    container = None
    if args.caption:
        container = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(container)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(target, 1)
        label = QtWidgets.QLabel(caption_text(controller))
        label.setFixedHeight(CAPTION_PX)
        label.setStyleSheet("QLabel { background: white; color: #222; padding-left: 8px; font-size: 11pt; }")
        layout.addWidget(label)
        container.resize(width, height)
        container.show()
        shown = container
    else:
        target.resize(width, body_height)
        target.show()
        shown = target
    if view == "window":
        window.balance()
    for _ in range(3):
        app.processEvents()
    window.contour.refresh_grid()  # the surface over exactly the range shown
    window.statusBar().refresh()
    app.processEvents()
    try:
        if fmt == ".svg":
            if container is None and view != "window":
                export_plot_svg(target, args.output)
            else:
                export_widget_svg(shown, args.output)
        else:
            _write_png(shown, args.output, width, height)
    except OSError as err:
        raise _usage(f"cannot write {args.output!r}: {err}") from None
    finally:
        controller.pause()
    return 0


def _write_png(widget, path: str, width: int, height: int) -> None:
    """Exactly width x height, also when the window could not shrink that far."""
    from PySide6 import QtCore

    from gui.export import export_widget_png, render_widget, save_image

    if widget.width() == width and widget.height() == height:
        export_widget_png(widget, path)
        return
    image = render_widget(widget).scaled(width, height, QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                                         QtCore.Qt.TransformationMode.SmoothTransformation)
    save_image(image, path)
