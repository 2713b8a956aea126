"""``main.py render``: the same window, built offscreen, exported to a file.

The scene comes from ``--preset``, ``--session`` or ``--surface`` + ``--optimizer``
(repeatable) + ``--schedule/--start/--steps/--noise/--seed/--formula``; the
animation jumps to the last step and ``--view`` (window, surface, loss or lr) is
written to ``-o`` as PNG or SVG at exactly ``--size``. A ``.gif`` (or ``.mp4`` with
the ``video`` extra) is the animation, one frame per step from 0 to ``--steps``, or
``--frames N`` evenly spaced, at ``--fps`` (30), drawn frame by frame
(gui.export_anim). ``--caption`` puts the settings under the image (gui.caption),
inside ``--size``. Bad input raises main.UsageError or HyperError (one line, exit 2,
printed by main).
"""

from __future__ import annotations

import os

from engine.files import WriteError
from engine.hyper import read_int
from engine.session import PALETTE, RunConfig, Scene
from engine.spec import OptimizerSpec, ScheduleSpec, parse_surface

FORMATS = (".png", ".svg", ".gif", ".mp4")
MIN_SIZE, MAX_SIZE = 64, 8000


def _usage(text: str):
    from engine.cli_args import UsageError
    return UsageError(text)


def parse_size(text: str) -> tuple[int, int]:
    parts = str(text).lower().replace("×", "x").split("x")
    try:
        w, h = (read_int(p) for p in parts)
    except ValueError:
        raise _usage(f"--size {text!r}: expected WIDTHxHEIGHT in pixels, e.g. 1600x900") from None
    if not (MIN_SIZE <= w <= MAX_SIZE and MIN_SIZE <= h <= MAX_SIZE):
        raise _usage(f"--size {text!r}: width and height must be from {MIN_SIZE} to {MAX_SIZE} pixels")
    return w, h


def output_format(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise _usage(f"-o {path!r}: expected a .png, .svg, .gif or .mp4 file name")
    if ext == ".mp4":
        from gui.export_anim import MP4_MISSING, mp4_available
        if not mp4_available():
            raise _usage(f"-o {path!r}: {MP4_MISSING}")
    return ext


def scene_from_args(args) -> Scene:
    from engine.cli_args import parse_start, parse_value
    from engine.limits import MAX_RUNS, NOISE, SEED, STEPS
    from gui.app import load_scene

    if args.preset or args.session:
        if args.surface or args.optimizer:
            raise _usage("give --preset/--session or --surface/--optimizer, not both")
        scene = load_scene(args.preset, args.session)
        if args.steps is not None:
            scene = scene.replace(steps=parse_value(args.steps, STEPS))
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
    if len(optimizers) > MAX_RUNS:
        raise _usage(f"--optimizer given {len(optimizers)} times: at most {MAX_RUNS} runs")
    runs = tuple(RunConfig(o, schedule, PALETTE[i % len(PALETTE)]) for i, o in enumerate(optimizers))
    steps = parse_value(args.steps, STEPS) if args.steps is not None else STEPS.default
    start = parse_start(args.start, surface.dim)
    return Scene(surface=args.surface, formula=args.formula, runs=runs, steps=steps, start=start,
                 noise=parse_value(args.noise or 0, NOISE), seed=parse_value(args.seed or 0, SEED))


def animation_options(args, view: str, width: int, height: int):
    from engine.cli_args import parse_float, parse_int
    from gui.export_anim import MAX_FRAMES, AnimationOptions

    frames = parse_int(args.frames, "frames", 1, MAX_FRAMES) if getattr(args, "frames", None) else None
    fps = parse_float(args.fps, "fps", 1.0, 50.0) if getattr(args, "fps", None) else 30.0
    return AnimationOptions(view=view, width=width, height=height, frames=frames, fps=fps,
                            caption=bool(args.caption))


def render_command(args) -> int:
    fmt = output_format(args.output)
    width, height = parse_size(args.size)
    view = args.view or "window"
    options = animation_options(args, view, width, height) if fmt in (".gif", ".mp4") else None
    scene = scene_from_args(args)
    from gui.app import make_application
    from gui.headless import Terminated, clean_exit_on_signals, quiet_qt_log, received, tear_down

    try:
        with quiet_qt_log(), clean_exit_on_signals():
            app = make_application()
            held: list = []  # every window and controller made, torn down in order (gui.headless)
            try:
                if scene.mode == "classification":  # decision regions + curves, trained headless
                    from gui.render_classification import render_classification
                    return render_classification(args, scene, fmt, width, height, view, held)
                return _render_surface(app, args, scene, fmt, width, height, view, options, held)
            finally:
                objects = tuple(held)
                held.clear()
                tear_down(app, *objects)
                del objects
    except Terminated as signalled:  # the temporary files are gone by now
        return signalled.code
    except Exception:
        # raised inside a Qt virtual, the Terminated reaches us wrapped ("Error calling
        # Python override of QObject::eventFilter()"): still the signal, still cleaned up
        if received() is None:
            raise
        return received()


def _render_surface(app, args, scene, fmt, width, height, view, options, held) -> int:
    from gui.app import build_window
    from gui.caption import band_height, caption_for
    from gui.export import export_plot_svg, export_widget_svg, save_image
    from gui.export_anim import FrameSource, write_animation
    from gui.headless import exit_if_signalled

    controller, window = build_window(scene.replace(step=scene.steps))
    held += [window, controller]
    controller.jump_to_end()
    caption = caption_for(controller) if args.caption else None
    body_height = height - (band_height(caption, width) if caption else 0)
    if body_height < MIN_SIZE:
        raise _usage(f"--size {args.size!r}: too small for the caption; try a larger size or no --caption")
    target = window if view == "window" else window.views[view]
    if view != "window":
        target.setParent(None)
        held.insert(0, target)
    target.resize(width, body_height)
    target.show()
    if view == "window":
        window.balance()
    for _ in range(3):
        app.processEvents()
    window.contour.refresh_grid()  # the surface over exactly the range shown
    window.statusBar().refresh()
    app.processEvents()
    # The window may not shrink to the size asked for: FrameSource then scales it to fit.
    source = FrameSource(controller, target, width, height, caption, fit=view == "window",
                         before_frame=window.statusBar().refresh if view == "window" else None,
                         counter=options is not None and view != "window")
    try:
        if options is not None:
            # between frames: a SIGTERM that pyqtgraph swallowed mid-frame still ends the render
            write_animation(source, args.output, options, progress=lambda done, total: exit_if_signalled())
        elif fmt == ".svg":
            if view != "window":
                export_plot_svg(target, args.output, caption)
            else:
                export_widget_svg(target, args.output, caption=caption)
        else:
            save_image(source.frame(controller.step), args.output)
        exit_if_signalled()
    except WriteError as err:
        raise _usage(str(err)) from None
    except (OSError, ValueError) as err:
        raise _usage(f"cannot write {args.output!r}: {err}") from None
    finally:
        controller.pause()
        source.close()
    return 0
