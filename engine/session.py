"""The scene as plain data, and its session file (SPEC section 8).

A ``Scene`` is everything on screen that is not pixels: the mode, the surface or
the dataset + model, the runs (optimizer + schedule + colour + visibility), the
start point, steps, seed, noise, view box, speed and display toggles. The GUI's
controller owns one and changes it only through its methods; presets are scenes
shipped as files. Loading validates every field and names the bad one; nothing
in a file is ever executed (the custom formula goes through the safe parser).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from dataclasses import dataclass, field, replace

from engine.custom_rule import MAX_RULE_LENGTH, RuleError, install_rule, is_custom_key
from engine.files import ReadError, read_limited, read_stream_limited, write_text
from engine.hyper import HyperError
from engine.limits import (
    BATCH_SIZE,
    COORDINATE,
    LABEL_SMOOTHING,
    MAX_RUNS,
    MAX_STEPS,
    MIXUP,
    NOISE,
    SEED,
    SPEED,
    STEPS,
    check,
    check_point,
)
from engine.signals import check_display
from engine.spec import CONSTANT, OptimizerSpec, ScheduleSpec, SpecError, parse_surface, split_spec
from engine.training import check_spec

VERSION = 1
MAX_FILE_BYTES = 2_000_000  # a session is a few kB; refuse 50 MB files before reading them
VIEW_LIMIT = COORDINATE.hi  # |edge| of a view box: beyond it a plot's width overflows or loses every digit

# Okabe & Ito's colour-blind-safe palette, most distinct first.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#999999")

_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_DISPLAY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class SessionError(ValueError):
    """A session file or value that cannot be used; the message names the field."""


@dataclass(frozen=True)
class RunConfig:
    """One run of the scene: an optimizer with its hyperparameters and a schedule."""

    optimizer: OptimizerSpec
    schedule: ScheduleSpec = CONSTANT
    color: str = PALETTE[0]
    visible: bool = True
    name: str = ""  # shown in the legend; empty: the optimizer's own label
    polyak: float = 0.0  # Polyak averaging overlay a in [0, 1) (0: off), seed 004
    # a branch: the settings it followed before its own (engine.branching.Segment, until increasing)
    history: tuple = ()
    branched: bool = False  # a branch was made from this run: drawn dimmed and dashed

    @property
    def label(self) -> str:
        base = self.name or self.optimizer.label()
        return f"{base} ↳ t={self.history[-1].until}" if self.history else base

    @property
    def branched_at(self) -> int | None:
        return self.history[-1].until if self.history else None

    def to_dict(self) -> dict:
        out = {"optimizer": self.optimizer.spec(), "schedule": self.schedule.spec(), "color": self.color,
               "visible": self.visible, "name": self.name, "polyak": self.polyak}
        if self.history:  # only on branches: every other session file stays as it was
            out["history"] = [segment.to_dict() for segment in self.history]
        if self.branched:
            out["branched"] = True
        return out


@dataclass(frozen=True)
class Scene:
    mode: str = "surface"  # surface | classification
    surface: str = "quadratic"
    formula: str | None = None  # the custom surface's text (surface == "custom...")
    dataset: str = "spiral"
    model: str = "mlp"
    reg: str = "none"
    batch_size: int = 0  # 0: full batch
    label_smoothing: float = 0.0
    mixup: float = 0.0
    runs: tuple[RunConfig, ...] = ()
    start: tuple[float, ...] | None = None  # None: the surface's default start
    steps: int = 300
    seed: int = 0
    noise: float = 0.0
    view: tuple[float, ...] | None = None  # None: the surface's default box
    speed: float = 60.0  # updates per second while playing
    step: int = 0  # where the animation stands
    selected: int = 0
    display: dict = field(default_factory=dict)  # GUI toggles: arrows, log loss, theme, ...
    title: str = ""
    note: str = ""  # the lecturer's note (presets)
    # dataset "points": the user's points ((x1, x2, class), ...) and the classes' names
    points: tuple = ()
    classes: tuple[str, ...] = ()

    def replace(self, **changes) -> Scene:
        return replace(self, **changes)

    def point_set(self):
        """The user's points as a surfaces.classification.points.PointSet (None if none)."""
        if not self.points:
            return None
        from surfaces.classification.points import PointSet
        return PointSet.from_list(self.points, self.classes)

    def make_surface(self):
        surface = parse_surface(self.surface, self.formula)
        if self.view is not None:
            surface.with_view(self.view)
        return surface

    # -- files ------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "version": VERSION, "title": self.title, "note": self.note, "mode": self.mode,
            "surface": self.surface, "formula": self.formula,
            "dataset": self.dataset, "model": self.model, "reg": self.reg, "batch_size": self.batch_size,
            "label_smoothing": self.label_smoothing, "mixup": self.mixup,
            "runs": [r.to_dict() for r in self.runs],
            "start": list(self.start) if self.start is not None else None,
            "steps": self.steps, "seed": self.seed, "noise": self.noise,
            "view": list(self.view) if self.view is not None else None,
            "speed": self.speed, "step": self.step, "selected": self.selected,
            "display": dict(self.display),
            **({"rules": self.rules()} if self.rules() else {}),
            # only when there are points: every other session file stays as it was
            **({"points": [list(p) for p in self.points], "classes": list(self.classes)} if self.points else {}),
        }

    def rules(self) -> dict[str, str]:
        """{key: text} of the rules typed by the user that the runs use (saved with them)."""
        from engine.registry import OPTIMIZERS

        keys = [r.optimizer.key for r in self.runs if is_custom_key(r.optimizer.key)]
        return {k: OPTIMIZERS[k].rule_text for k in dict.fromkeys(keys) if k in OPTIMIZERS}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def save(self, path) -> None:
        """Atomic for a regular file (temp file beside it + fsync + rename, the old
        file's mode kept); through a symlink; directly into a device or FIFO
        (engine.files). Raises files.WriteError naming the cause."""
        write_text(path, self.to_json())

    @classmethod
    def load(cls, path) -> Scene:
        """Only a regular file of at most MAX_FILE_BYTES: a FIFO or a device is refused
        before it is opened, and no more than the limit is ever read (engine.files)."""
        path = os.fspath(path)
        try:
            data = read_limited(path, MAX_FILE_BYTES, "session file")
        except ReadError as err:
            raise SessionError(str(err)) from None
        return cls.from_bytes(data, path)

    @classmethod
    def read_stdin(cls) -> Scene:
        """``--session -``: a session piped in (a pipe is refused as a path: its stat
        says nothing of its size, so it is read here, bounded, instead)."""
        try:
            data = read_stream_limited(sys.stdin.buffer, MAX_FILE_BYTES, "session file")
        except ReadError as err:
            raise SessionError(str(err)) from None
        return cls.from_bytes(data, "standard input")

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> Scene:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise SessionError(f"cannot read {where!r}: not UTF-8 text ({err.reason} at byte {err.start})") from None
        return cls.from_json(text)

    @classmethod
    def from_json(cls, text: str) -> Scene:
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except (json.JSONDecodeError, ValueError) as err:
            raise SessionError(f"not valid JSON: {err}") from None
        except RecursionError:
            raise SessionError("not valid JSON: nested too deeply") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data) -> Scene:
        return _validate(data)


def _refuse_constant(name):
    raise ValueError(f"{name} is not allowed")


# -- validation -----------------------------------------------------------------------------------

_FIELDS = {"version", "title", "note", "mode", "surface", "formula", "dataset", "model", "reg", "batch_size",
           "label_smoothing", "mixup", "runs", "start", "steps", "seed", "noise", "view", "speed", "step",
           "selected", "display", "points", "classes", "rules"}
_RUN_FIELDS = {"optimizer", "schedule", "color", "visible", "name", "polyak", "history", "branched"}


def _need(cond, message):
    if not cond:
        raise SessionError(message)


def _finite(value) -> bool:
    """A JSON number that is a finite float64 (a 400-digit integer is not: math.isfinite
    would raise OverflowError on it)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _show(value) -> str:
    """A bad value as a message quotes it: short, whatever the file held."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a {len(str(abs(value)))}-digit number"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(data, key, lo, hi, default, integer=False):
    value = data.get(key, default)
    kind = "a whole number" if integer else "a number"
    ok = _finite(value)
    if ok and integer:
        ok = float(value).is_integer()
    _need(ok and lo <= value <= hi, f"field {key!r}: expected {kind} from {lo:g} to {hi:g}, got {_show(value)}")
    return int(value) if integer else float(value)


def _limited(data, hyper):
    """A scene number checked against its record in engine.limits (one source of limits)."""
    try:
        return check(hyper, data.get(hyper.name, hyper.default))
    except HyperError as err:
        raise SessionError(f"field {hyper.name!r}: {err}") from None


def _text(data, key, default, limit=4000, optional=False):
    value = data.get(key, default)
    if optional and value is None:
        return None
    _need(isinstance(value, str) and len(value) <= limit,
          f"field {key!r}: expected text of at most {limit} characters")
    return value


def _validate(data) -> Scene:
    _need(isinstance(data, dict), "a session file must hold a JSON object")
    version = data.get("version")
    _need(isinstance(version, int) and not isinstance(version, bool),
          "field 'version': expected a whole number (1)")
    shown = version if version < 10**6 else "this version"
    _need(version <= VERSION, f"field 'version': {shown} was written by a newer Optimizer Playground "
                              f"(this one reads version {VERSION})")
    _need(version >= 1, f"field 'version': {version} is not a session version (expected 1)")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise SessionError(f"unknown field {unknown[0]!r} (accepted: {', '.join(sorted(_FIELDS))})")

    mode = data.get("mode", "surface")
    _need(mode in ("surface", "classification"),
          f"field 'mode': expected 'surface' or 'classification', got {_show(mode)}")
    surface_spec = _text(data, "surface", "quadratic", 2000)
    formula = _text(data, "formula", None, 500, optional=True)
    try:
        surface = parse_surface(surface_spec, formula)
    except (HyperError, ValueError) as err:
        raise SessionError(f"field 'surface': {err}") from None
    for key in ("dataset", "model", "reg"):
        text = _text(data, key, {"dataset": "spiral", "model": "mlp", "reg": "none"}[key], 2000)
        try:
            split_spec(text, key)
            _check_classification_spec(key, text)
        except (HyperError, ValueError) as err:
            raise SessionError(f"field {key!r}: {err}") from None

    _install_rules(data.get("rules", {}))
    runs_data = data.get("runs", [])
    _need(isinstance(runs_data, list), "field 'runs': expected a list of runs")
    _need(len(runs_data) <= MAX_RUNS, f"field 'runs': at most {MAX_RUNS} runs, got {len(runs_data)}")
    runs = tuple(_validate_run(i, r) for i, r in enumerate(runs_data))

    start = data.get("start")
    if start is not None:
        _need(isinstance(start, list) and all(_finite(v) for v in start),
              f"field 'start': expected {surface.dim} finite number(s) for surface {surface.key!r}, or null")
        try:
            start = check_point(start, surface.dim)
        except HyperError as err:
            raise SessionError(f"field 'start': {err} for surface {surface.key!r}, or null") from None
    view = data.get("view")
    if view is not None:
        n = 2 * surface.dim
        _need(isinstance(view, list) and len(view) == n
              and all(_finite(v) and COORDINATE.lo <= v <= COORDINATE.hi for v in view),
              f"field 'view': expected {n} numbers from {COORDINATE.lo:g} to {COORDINATE.hi:g} "
              f"[xmin, xmax{', ymin, ymax' if n == 4 else ''}], or null")
        # a box narrower than float64 can resolve draws as NaN ranges in the plots
        _need(all(view[i + 1] - view[i] >= 1e-9 * max(1.0, abs(view[i])) for i in range(0, n, 2)),
              "field 'view': each min must be below its max")
        view = tuple(float(v) for v in view)
    display = data.get("display", {})
    _need(isinstance(display, dict) and len(display) <= 64, "field 'display': expected an object of settings")
    for key, value in display.items():
        _need(isinstance(key, str) and _DISPLAY_KEY.match(key) is not None,
              f"field 'display': bad setting name {key!r}")
        _need(isinstance(value, (bool, int, float, str)) and (not isinstance(value, str) or len(value) <= 200)
              and (isinstance(value, (bool, str)) or _finite(value)),
              f"field 'display.{key}': expected true/false, a number or a short text")
    try:
        check_display(display, mode)  # the signal plot's series and x axis (engine.signals)
    except ValueError as err:
        raise SessionError(str(err)) from None
    steps = _limited(data, STEPS)
    points, classes = _validate_points(data)
    return Scene(
        mode=mode, surface=surface_spec, formula=formula,
        dataset=data.get("dataset", "spiral"), model=data.get("model", "mlp"), reg=data.get("reg", "none"),
        batch_size=_limited(data, BATCH_SIZE), label_smoothing=float(_limited(data, LABEL_SMOOTHING)),
        mixup=float(_limited(data, MIXUP)),
        runs=runs, start=start, steps=steps,
        seed=_limited(data, SEED), noise=float(_limited(data, NOISE)),
        view=view, speed=float(_limited(data, SPEED)),
        step=min(_number(data, "step", 0, MAX_STEPS, 0, integer=True), steps),
        selected=_number(data, "selected", 0, max(len(runs) - 1, 0), 0, integer=True),
        display=dict(display), title=_text(data, "title", ""), note=_text(data, "note", "", 8000),
        points=points, classes=classes,
    )


def _install_rules(rules) -> None:
    """The rules typed by the user, made optimizers before the runs name them; each text
    goes through the safe rule parser (engine.custom_rule), never eval."""
    _need(isinstance(rules, dict) and len(rules) <= 8, "field 'rules': expected an object of at most 8 rules")
    for key, text in rules.items():
        _need(isinstance(key, str) and len(key) <= 40 and is_custom_key(key),
              f"field 'rules': bad key {key!r} (expected 'custom' or 'custom-NAME')")
        _need(isinstance(text, str) and len(text) <= MAX_RULE_LENGTH,
              f"field 'rules.{key}': expected text of at most {MAX_RULE_LENGTH} characters")
        try:
            install_rule(text, key)
        except (RuleError, HyperError) as err:
            raise SessionError(f"field 'rules.{key}': {err}") from None


def _validate_points(data) -> tuple[tuple, tuple]:
    """The user's points (dataset "points"): checked point by point, named in the message."""
    points, classes = data.get("points"), data.get("classes")
    uses_points = split_spec(data.get("dataset", "spiral"), "dataset")[0] == "points"
    if points is None and classes is None:
        _need(not uses_points, "field 'points': the dataset 'points' needs its points")
        return (), ()
    try:
        from surfaces.classification.points import PointSet
    except ImportError:  # pragma: no cover - surfaces ships with the engine
        return (), ()
    try:
        point_set = PointSet.from_list(points, classes if classes is not None else [])
    except HyperError as err:
        field_name = "classes" if str(err).startswith("classes") else "points"
        raise SessionError(f"field {field_name!r}: {err}") from None
    return tuple(tuple(p) for p in point_set.to_list()), point_set.names


def _validate_run(i, data) -> RunConfig:
    where = f"runs[{i}]"
    _need(isinstance(data, dict), f"field '{where}': expected an object")
    unknown = sorted(set(data) - _RUN_FIELDS)
    if unknown:
        raise SessionError(f"field '{where}.{unknown[0]}': unknown (accepted: {', '.join(sorted(_RUN_FIELDS))})")
    opt_text = data.get("optimizer")
    _need(isinstance(opt_text, str), f"field '{where}.optimizer': expected a spec such as 'adam:lr=0.01'")
    try:
        optimizer = OptimizerSpec.parse(opt_text)
    except SpecError as err:
        raise SessionError(f"field '{where}.optimizer': {err}") from None
    sched_text = data.get("schedule", "constant")
    _need(isinstance(sched_text, str), f"field '{where}.schedule': expected a spec such as 'cosine:warmup=20'")
    try:
        schedule = ScheduleSpec.parse(sched_text)
    except SpecError as err:
        raise SessionError(f"field '{where}.schedule': {err}") from None
    color = data.get("color", PALETTE[i % len(PALETTE)])
    _need(isinstance(color, str) and _COLOR.match(color) is not None,
          f"field '{where}.color': expected a colour like '#0072B2', got {_show(color)}")
    visible = data.get("visible", True)
    _need(isinstance(visible, bool), f"field '{where}.visible': expected true or false")
    name = data.get("name", "")
    _need(isinstance(name, str) and len(name) <= 80, f"field '{where}.name': expected text of at most 80 characters")
    polyak = data.get("polyak", 0.0)
    _need(_finite(polyak) and 0.0 <= polyak < 1.0,
          f"field '{where}.polyak': expected a number from 0 (off) to below 1")
    branched = data.get("branched", False)
    _need(isinstance(branched, bool), f"field '{where}.branched': expected true or false")
    return RunConfig(optimizer, schedule, color, visible, name, float(polyak), _validate_history(where, data),
                     branched)


MAX_SEGMENTS = 16


def _validate_history(where, data) -> tuple:
    """A branch's earlier settings: at most MAX_SEGMENTS, ``until`` increasing from 0."""
    from engine.branching import Segment

    history = data.get("history", [])
    _need(isinstance(history, list) and len(history) <= MAX_SEGMENTS,
          f"field '{where}.history': expected a list of at most {MAX_SEGMENTS} segments")
    out, last = [], 0
    for j, seg in enumerate(history):
        at = f"{where}.history[{j}]"
        _need(isinstance(seg, dict) and set(seg) <= {"optimizer", "schedule", "until"} and "optimizer" in seg
              and "until" in seg, f"field '{at}': expected {{\"optimizer\": ..., \"schedule\": ..., \"until\": k}}")
        until = seg["until"]
        _need(isinstance(until, int) and not isinstance(until, bool) and last <= until <= MAX_STEPS,
              f"field '{at}.until': expected a whole number from {last} to {MAX_STEPS}, increasing")
        try:
            optimizer = OptimizerSpec.parse(seg["optimizer"]) if isinstance(seg["optimizer"], str) else None
            schedule = ScheduleSpec.parse(seg.get("schedule", "constant")) \
                if isinstance(seg.get("schedule", "constant"), str) else None
        except SpecError as err:
            raise SessionError(f"field '{at}': {err}") from None
        _need(optimizer is not None and schedule is not None, f"field '{at}': optimizer and schedule are specs")
        out.append(Segment(optimizer, schedule, until))
        last = until
    return tuple(out)


def _check_classification_spec(key, text):
    """Full validation of dataset/model/reg specs when the classification problem is present."""
    check_spec(key, text)
