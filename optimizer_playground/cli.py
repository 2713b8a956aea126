"""Optimizer Playground: the app by default, headless sub-commands for scripts (SPEC section 7).

``list``, ``trace`` and ``train`` import NumPy only; the GUI (and ``render``) are
imported lazily, so they work on a machine without Qt.
"""

from __future__ import annotations

import argparse
import os
import sys

# Options whose value may start with '-' (``--start -1.5,2``): argparse would take
# "-1.5,2" for an option, so such pairs are joined into ``--start=-1.5,2`` first.
_VALUE_OPTIONS = {"--start", "--noise", "--seed", "--steps", "--formula", "--batch-size", "--size"}

from engine.cli_args import UsageError, parse_start, parse_value, write_output  # noqa: E402
from engine.limits import NOISE, RUN_STEPS, SEED  # noqa: E402

LIST_KINDS = ("surfaces", "optimizers", "schedules", "datasets", "presets")
_RULE_HELP = "a file holding your own rule in pseudo-code, run as --optimizer custom[:lr=...,NAME=...]"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line, no usage block (SPEC section 7)
        raise UsageError(f"{self.prog}: {message}")


def _join_negative_values(argv: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(argv):
        arg = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else ""
        # a formula may start with a minus too ("-cos(x)*cos(y)"); it is never an option
        negative = nxt[1:2] in set("0123456789.") | {"i", "n"} or (arg == "--formula" and nxt[1:2] != "-")
        if arg in _VALUE_OPTIONS and nxt.startswith("-") and negative:
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def _program_name() -> str:
    # "main.py" from a checkout, "optimizer-playground" from the launcher or `python -m`
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return name if name and name not in ("__main__.py", "-c", "-m") else "optimizer-playground"


class _VersionAction(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from optimizer_playground import version

        sys.stdout.write(f"{parser.prog} {version()}\n")  # stdout, as argparse's own version action does
        parser.exit()


class _DesktopAction(argparse.Action):
    """--install-desktop / --uninstall-desktop: act on the menu entry and exit, like --version."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help=kwargs.get("help"))

    def __call__(self, parser, namespace, values, option_string=None):
        from optimizer_playground import desktop

        parser.exit(desktop.run("install" if option_string == "--install-desktop" else "uninstall"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=_program_name(), description="Optimizer Playground")
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--install-desktop", action=_DesktopAction,
                        help="add the app to your desktop's menu (entry + icon in the XDG data folder)")
    parser.add_argument("--uninstall-desktop", action=_DesktopAction, help="remove what --install-desktop added")
    parser.add_argument("--preset", help="open the app on a preset (see: main.py list presets)")
    parser.add_argument("--session", help="open a saved session file ('-': read it from standard input)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("list", help="list surfaces, optimizers, schedules, datasets or presets")
    p.add_argument("kind", nargs="?", choices=LIST_KINDS)

    p = sub.add_parser("trace", help="run one optimizer on a surface and print its path")
    p.add_argument("--surface", required=True)
    p.add_argument("--optimizer", required=True)
    p.add_argument("--schedule", default="constant")
    p.add_argument("--steps", required=True)
    p.add_argument("--start")
    p.add_argument("--noise", default="0")
    p.add_argument("--seed", default="0")
    p.add_argument("--formula")
    p.add_argument("--rule", help=_RULE_HELP)
    p.add_argument("--format", choices=("csv", "json", "table"), default="csv")
    p.add_argument("-o", "--output")

    p = sub.add_parser("train", help="train a model on a toy dataset and print the learning curves")
    p.add_argument("--dataset", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--optimizer", required=True)
    p.add_argument("--schedule", default="constant")
    p.add_argument("--steps", required=True)
    p.add_argument("--batch-size")
    p.add_argument("--reg", default="none")
    p.add_argument("--seed", default="0")
    p.add_argument("--rule", help=_RULE_HELP)
    p.add_argument("--format", choices=("csv", "json", "table"), default="csv")
    p.add_argument("-o", "--output")

    p = sub.add_parser("sweep", help="run one optimizer over a grid of one or two hyperparameters")
    p.add_argument("--surface", required=True)
    p.add_argument("--optimizer", required=True)
    p.add_argument("--vary", action="append", required=True, help="NAME=LO:HI:N[:log]; once or twice")
    p.add_argument("--steps", required=True)
    p.add_argument("--start")
    p.add_argument("--schedule", default="constant")
    p.add_argument("--noise", default="0")
    p.add_argument("--seed", default="0")
    p.add_argument("--tol", default="1e-6")
    p.add_argument("--formula")
    p.add_argument("--rule", help=_RULE_HELP)
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("-o", "--output")

    p = sub.add_parser("render", help="draw a scene to PNG, SVG or GIF without a display")
    p.add_argument("--preset")
    p.add_argument("--session")
    p.add_argument("--surface")
    p.add_argument("--optimizer", action="append")
    p.add_argument("--schedule", default="constant")
    p.add_argument("--start")
    p.add_argument("--noise", default="0")
    p.add_argument("--seed", default="0")
    p.add_argument("--formula")
    p.add_argument("--steps")
    p.add_argument("--rule", help=_RULE_HELP)
    p.add_argument("--view", choices=("window", "surface", "loss", "lr"), default="window")
    p.add_argument("--size", default="1600x900")
    p.add_argument("--caption", action="store_true", help="add a caption with the settings")
    p.add_argument("--frames", help="GIF/MP4: this many frames evenly spaced (default: every step)")
    p.add_argument("--fps", help="GIF/MP4: frames per second (default 30)")
    p.add_argument("-o", "--output", required=True)
    return parser


# -- commands -----------------------------------------------------------------------------------


def cmd_list(args) -> int:
    from engine.registry import OPTIMIZERS
    from engine.schedules import SCHEDULES

    kind = args.kind
    lines = []
    if kind is None:
        lines = [f"{k}" for k in LIST_KINDS]
    elif kind == "surfaces":
        from surfaces import SURFACES
        lines = [f"{key:16s} {cls.title}: {cls.formula}" for key, cls in SURFACES.items()]
    elif kind == "optimizers":
        lines = [f"{key:16s} {r.title}: {r.summary}" for key, r in OPTIMIZERS.items()]
    elif kind == "schedules":
        lines = [f"{key:16s} {r.title}: {r.formula}" for key, r in SCHEDULES.items()]
    elif kind == "datasets":
        from surfaces.classification import DATASETS
        lines = [f"{key:16s} {getattr(r, 'title', key)}" for key, r in DATASETS.items()]
    elif kind == "presets":
        from engine.presets import list_presets
        lines = [f"{key:28s} {title}" for key, title in list_presets()]
    if lines:
        write_output("\n".join(lines) + "\n", None)
    return 0


def cmd_trace(args) -> int:
    from engine.runner import run
    from engine.spec import OptimizerSpec, ScheduleSpec, parse_surface

    surface = parse_surface(args.surface, args.formula)
    if args.formula is not None and surface.key != "custom":
        raise UsageError("--formula goes with --surface custom")
    optimizer = OptimizerSpec.parse(args.optimizer)
    schedule = ScheduleSpec.parse(args.schedule)
    steps = parse_value(args.steps, RUN_STEPS)
    start = parse_start(args.start, surface.dim)
    noise = parse_value(args.noise, NOISE)
    seed = parse_value(args.seed, SEED)
    trace = run(surface, optimizer, schedule, start, steps, noise, seed)
    if args.format == "table":  # the results table's row (engine.results), for slides
        from engine.results import surface_results, to_markdown
        text = to_markdown(surface_results(surface, [(optimizer.spec(), optimizer, schedule)], start, steps,
                                           noise, seed))
    elif args.format == "json":
        text = trace.to_json(surface.spec(), optimizer.spec(), schedule=schedule.spec(), steps=steps,
                             noise=noise, seed=seed) + "\n"
    else:
        text = trace.to_csv()
    write_output(text, args.output)
    note = trace.stop_note()
    if note:
        print(note, file=sys.stderr)
    return 0


def cmd_train(args) -> int:
    from engine.training import train_command
    return train_command(args)


def cmd_sweep(args) -> int:
    from engine.phase import sweep_command
    return sweep_command(args)


def cmd_render(args) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # SPEC: render needs no display
    try:
        from gui.render import render_command
    except ImportError as err:
        raise UsageError(f"render needs PySide6 and pyqtgraph ({err}); run 'make run' to install them") from None
    return render_command(args)


def cmd_gui(args) -> int:
    try:
        from gui.app import main as gui_main
    except ImportError as err:
        raise UsageError(f"the app needs PySide6 and pyqtgraph ({err}); run 'make run' to install them") from None
    return gui_main(preset=args.preset, session=args.session)


def _install_rule(args) -> None:
    """--rule FILE makes the optimizer 'custom' before any spec names it."""
    from engine.registry import CUSTOM_KEY

    path = getattr(args, "rule", None)
    specs = getattr(args, "optimizer", None) or []
    specs = [specs] if isinstance(specs, str) else specs
    if path is None:
        if any(s.split(":", 1)[0].strip() == CUSTOM_KEY for s in specs):
            raise UsageError("--optimizer custom needs --rule FILE (a file holding your rule's pseudo-code)")
        return
    from engine.custom_rule import RuleError, install_rule, read_rule_file  # its parser: only for a rule

    try:
        install_rule(read_rule_file(path))
    except RuleError as err:
        raise UsageError(f"--rule {path}: {err}") from None


COMMANDS = {"list": cmd_list, "trace": cmd_trace, "train": cmd_train, "sweep": cmd_sweep,
            "render": cmd_render}
# Commands whose arrays are a few thousand numbers at most, far below where OpenBLAS splits
# work between threads. Its worker thread, started when NumPy loads, busy-waits for work
# that never comes: ~100 ms of CPU per process on these 2-core machines, taken from the
# command itself whenever the other core is busy.
_ONE_BLAS_THREAD = ("list", "trace")


def _one_blas_thread() -> None:
    """Ask OpenBLAS (NumPy's BLAS in its wheels) for one thread, unless the user set a
    number. Only before NumPy is loaded -- it reads the variable once, when it loads -- so
    a process that already has NumPy (the tests calling main) is left as it is."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main(argv: list[str] | None = None) -> int:
    from engine.hyper import HyperError

    argv = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    try:
        args = build_parser().parse_args(argv)
        if args.command in _ONE_BLAS_THREAD:
            _one_blas_thread()
        _install_rule(args)
        return COMMANDS.get(args.command, cmd_gui)(args)
    except (UsageError, HyperError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        # engine.session (and the ~25 ms of modules it validates with) is imported only by
        # the commands that read scenes: `trace` and `list` must start fast
        session = sys.modules.get("engine.session")
        if session is None or not isinstance(err, session.SessionError):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `main.py trace ... | head` closed the pipe: not an error
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except KeyboardInterrupt:
        return 130
    except OSError as err:  # a file or stream of the system's: one line, never a traceback
        print(f"error: {err.strerror or err}" + (f": {err.filename!r}" if err.filename else ""), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
