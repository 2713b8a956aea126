"""Hostile input, generated: specs, numbers, formulas and sessions either work or are
refused with the library's own error (one clear line at the CLI) -- never another
exception; a session that validates can always be computed. Plus a table of special
files and full disks. Runs in well under a minute (example counts are capped)."""

from __future__ import annotations

import copy
import json
import math
import os
import threading

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from robust_helpers import fill, full_disk, make_null_device

from engine.cli_args import UsageError, parse_float, parse_int, parse_start
from engine.files import ReadError, WriteError, read_limited, write_text
from engine.hyper import HyperError
from engine.registry import OPTIMIZERS
from engine.runner import run
from engine.schedules import SCHEDULES
from engine.session import MAX_FILE_BYTES, Scene, SessionError
from engine.spec import OptimizerSpec, ScheduleSpec, parse_surface
from surfaces import SURFACES
from surfaces.formula import FormulaError, parse_formula

FAST = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# digits that str.isdigit/int/float accept but our grammar does not
FOREIGN_DIGITS = "０１２３４５６７８９١٢٣٤٥٦٧٨٩٠۱۲३४५²³¹"
NUMBERISH = st.text(alphabet="0123456789.eE+-_ infnaINFNA" + FOREIGN_DIGITS, max_size=12)
HUGE = st.integers(min_value=10**18, max_value=10**400) | st.integers(min_value=-(10**400), max_value=-(10**18))


def _keys(registry) -> st.SearchStrategy:
    return st.sampled_from(sorted(registry))


@st.composite
def spec_text(draw, registry):
    name = draw(_keys(registry) | st.text(max_size=8))
    params = draw(st.lists(st.tuples(st.sampled_from(["lr", "momentum", "beta1", "warmup", "milestones", "gamma",
                                                      "T0", "kappa", "angle", "start", "formula", "x"]),
                                      NUMBERISH | st.integers().map(str) | HUGE.map(str)), max_size=4))
    sep = draw(st.sampled_from([",", ";", ""]))
    rest = sep.join(f"{k}={v}" for k, v in params)
    return f"{name}:{rest}" if rest or draw(st.booleans()) else name


@FAST
@given(spec_text(OPTIMIZERS))
def test_optimizer_specs_parse_or_say_why(text):
    try:
        spec = OptimizerSpec.parse(text)
    except HyperError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert OptimizerSpec.parse(spec.spec()) == spec  # what parses round-trips


@FAST
@given(spec_text(SCHEDULES), st.integers(1, 500))
def test_schedule_specs_parse_or_say_why_and_then_compute(text, steps):
    try:
        spec = ScheduleSpec.parse(text)
    except HyperError:
        return
    s = spec.multipliers(steps)  # a 400-digit milestone once overflowed only here
    assert len(s) == steps and all(math.isfinite(v) for v in s)


@FAST
@given(spec_text(SURFACES), st.sampled_from([None, "x**2 + y**2", "sin(x)"]))
def test_surface_specs_parse_or_say_why(text, formula):
    try:
        surface = parse_surface(text, formula)
    except HyperError:
        return
    assert len(surface.start) == surface.dim


@FAST
@given(NUMBERISH)
def test_numbers_in_any_script_are_refused_like_the_formula_parser_refuses_them(text):
    foreign = any(c in FOREIGN_DIGITS for c in text) or "_" in text
    results = []
    for parse in (lambda t: parse_float(t, "noise", 0, 1e6), lambda t: parse_int(t, "steps", 0, 10**6),
                  lambda t: parse_start(t, 1), lambda t: OptimizerSpec.parse(f"sgd:lr={t}")):
        try:
            results.append(parse(text))
        except HyperError:  # UsageError and SpecError are HyperErrors
            pass
    if foreign:
        assert results == []
    try:
        parse_formula(f"x**2 + {text}*y**2")
        formula_ok = True
    except FormulaError:
        formula_ok = False
    if foreign:
        assert not formula_ok


def test_the_examples_from_the_issue():
    for bad in (lambda: OptimizerSpec.parse("adam:lr=０.１"), lambda: parse_int("١٠", "steps", 0, 10),
                lambda: parse_float("1_0", "noise", 0, 100),
                lambda: ScheduleSpec.parse("step:milestones=" + "9" * 400)):
        with pytest.raises(HyperError):
            bad()
    assert parse_surface("custom:start=99", "x**2").start == (99.0,)
    assert parse_surface("custom:start=1.5/-2", "x**2 + y**2").start == (1.5, -2.0)
    with pytest.raises(HyperError, match="--formula"):
        parse_surface("custom:formula=x", "x**2")


FORMULA_TOKENS = ["x", "y", "1", "2.5", "1e300", "+", "-", "*", "/", "**", "(", ")", "sin", "exp", "log", "sqrt",
                  "abs", "pi", ",", " ", "__import__", "'a'", "[", "lambda", "9" * 40, "０", "max(", "tanh"]


@FAST
@given(st.lists(st.sampled_from(FORMULA_TOKENS), max_size=20).map("".join) | st.text(max_size=30))
def test_formulas_parse_or_say_where_and_then_evaluate(text):
    try:
        f = parse_formula(text)
    except FormulaError as err:
        assert str(err)
        return
    with_y = (0.3, -0.7)[: f.dim] if f.dim == 2 else (0.3,)
    value = f.value(*with_y)
    assert isinstance(float(value), float)


# -- sessions ------------------------------------------------------------------------------------

BASE = {"version": 1, "title": "t", "surface": "quadratic", "runs": [{"optimizer": "adam:lr=0.05"},
        {"optimizer": "lbfgs", "schedule": "step:milestones=10/20"}], "start": [1.0, -1.0], "steps": 60,
        "seed": 3, "noise": 0.1, "view": [-3, 3, -2, 2], "speed": 30, "step": 5, "display": {}}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.integers() | HUGE
    | st.text(max_size=20) | st.sampled_from(["sgd:lr=1e9", "step:milestones=" + "9" * 400, "custom", "-1", "1e308"]),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=8)
FIELDS = sorted(set(BASE) | {"formula", "batch_size", "mixup", "selected", "mode"})
RUN_FIELDS = ["optimizer", "schedule", "color", "visible", "name", "polyak"]


@st.composite
def hostile_session(draw):
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            data[draw(st.sampled_from(FIELDS))] = draw(JSON_VALUES)
        elif isinstance(data.get("runs"), list) and data["runs"] and isinstance(data["runs"][0], dict):
            data["runs"][0][draw(st.sampled_from(RUN_FIELDS))] = draw(JSON_VALUES)
    return data


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_session())
def test_a_session_validates_and_computes_or_is_refused_with_a_field(data):
    try:
        text = json.dumps(data)
    except ValueError:
        assume(False)
    try:
        scene = Scene.from_json(text)
    except SessionError as err:
        assert str(err) and "\n" not in str(err) and len(str(err)) < 600
        return
    # valid on paper: then every run's path can be computed (a window never falls back)
    surface = scene.make_surface()
    for cfg in scene.runs:
        trace = run(surface, cfg.optimizer, cfg.schedule, scene.start or surface.start, min(scene.steps, 30),
                    scene.noise, scene.seed)
        assert len(trace.xs) >= 1
    assert Scene.from_json(scene.to_json()) == scene  # and what was read saves back the same


# -- special files and full disks: what each operation does with each kind of target ---------------


def _fifo(folder):
    os.mkfifo(folder / "fifo")
    return folder / "fifo"


def _device(folder):
    return make_null_device(folder) or pytest.skip("mknod needs root")


def _loop(folder):
    (folder / "a").symlink_to(folder / "b")
    (folder / "b").symlink_to(folder / "a")
    return folder / "a"


def _link_to_fifo(folder):
    (folder / "l").symlink_to(_fifo(folder))
    return folder / "l"


SPECIAL = {"fifo": _fifo, "device": _device, "folder": lambda f: f, "symlink loop": _loop,
           "link to a fifo": _link_to_fifo, "missing": lambda f: f / "nothing.json"}


@pytest.mark.parametrize("kind", list(SPECIAL))
def test_special_files_are_never_read_as_sessions(tmp_path, kind):
    path = SPECIAL[kind](tmp_path)
    done = []
    worker = threading.Thread(target=lambda: done.append(_refused(path)), daemon=True)
    worker.start()
    worker.join(5)
    assert done == [True], f"{kind}: hung or was read"


def _refused(path) -> bool:
    try:
        Scene.load(path)
    except SessionError as err:
        return bool(str(err))
    return False


@pytest.mark.parametrize("kind, outcome", [("fifo", "written"), ("device", "written"), ("folder", "refused"),
                                           ("symlink loop", "refused"), ("link to a fifo", "written")])
def test_special_files_as_write_targets(tmp_path, kind, outcome):
    path = SPECIAL[kind](tmp_path)
    got = []
    reader = None
    if "fifo" in kind:
        reader = threading.Thread(target=lambda: got.append(open(path).read()), daemon=True)
        reader.start()
    try:
        write_text(path, "data\n")
        result = "written"
    except WriteError as err:
        assert str(err).startswith("cannot write ")
        result = "refused"
    if reader is not None:
        reader.join(5)
        assert got == ["data\n"]
    assert result == outcome
    assert os.path.lexists(path) or kind == "missing"


@pytest.mark.parametrize("size", [0, 1, 4096, 150_000])
def test_a_full_disk_refuses_every_write_and_keeps_the_file(tmp_path, size):
    with full_disk(tmp_path / "disk", size="100k") as folder:
        if folder is None:
            pytest.skip("a tmpfs needs root")
        old = folder / "old.json"
        old.write_text(json.dumps(BASE))
        fill(folder, keep_bytes=2048)
        try:
            write_text(old, "x" * size)
        except WriteError as err:
            assert "No space left on device" in str(err)
            assert json.loads(old.read_text()) == BASE
        else:
            assert old.read_text() == "x" * size  # it fitted: whole, never half
        assert sorted(p.name for p in folder.iterdir()) == ["filler", "old.json"]


def test_read_limited_reads_a_session_at_the_limit(tmp_path):
    path = tmp_path / "s.json"
    path.write_bytes(b" " * (MAX_FILE_BYTES - 2) + b"{}")
    assert len(read_limited(path, MAX_FILE_BYTES)) == MAX_FILE_BYTES
    path.write_bytes(b" " * (MAX_FILE_BYTES + 1))
    with pytest.raises(ReadError):
        read_limited(path, MAX_FILE_BYTES)


def test_usage_errors_are_single_lines():
    for text in ("9" * 5000, "1e309", "nan", "-inf", "0x10", "1 2", ""):
        for parse in (lambda t: parse_int(t, "steps", 0, 10), lambda t: parse_float(t, "noise", 0, 10)):
            with pytest.raises(UsageError) as info:
                parse(text)
            assert "\n" not in str(info.value) and len(str(info.value)) < 200
