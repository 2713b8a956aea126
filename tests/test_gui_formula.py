"""The custom surface editor (pytest-qt, the real window): a typed formula goes through
the safe parser into the scene, a refused one points at its offending character and
leaves the scene alone, and a session with a formula comes back through the same
parser."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")

from PySide6 import QtCore  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.session import Scene, SessionError  # noqa: E402
from gui.controller import PlaygroundController, default_scene  # noqa: E402
from gui.panels.formula_editor import EXAMPLES  # noqa: E402
from gui.window import MainWindow  # noqa: E402


def make_window(qtbot, scene=None):
    win = MainWindow(PlaygroundController(scene or default_scene()))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


def pick_custom(window):
    combo = window.scene_controls.surface
    combo.setCurrentIndex(combo.findData("custom"))
    return window.scene_controls.formula_editor


def type_formula(editor, text: str) -> None:
    """What a user does: select all, type, press Enter."""
    editor.formula.setFocus()
    editor.formula.selectAll()
    QTest.keyClicks(editor.formula, text)
    QTest.keyClick(editor.formula, QtCore.Qt.Key.Key_Return)


def test_picking_custom_shows_the_editor_and_uses_a_formula(window):
    c = window.controller
    editor = window.scene_controls.formula_editor
    assert editor.isHidden()
    pick_custom(window)
    assert c.surface.key == "custom" and c.scene.formula
    assert not editor.isHidden() and window.scene_controls.formula_label.isHidden()
    assert editor.formula.text() == c.scene.formula
    assert window.scene_controls.param_knobs == {}  # the box is edited in the editor


def test_a_valid_formula_changes_the_scene_and_the_paths(window):
    c = window.controller
    editor = pick_custom(window)
    before = [tr.xs.copy() for tr in c.traces]
    type_formula(editor, "sin(x)*cos(y) + 0.1*(x**2 + y**2)")
    assert c.surface.key == "custom"
    assert c.scene.formula == "sin(x)*cos(y) + 0.1*(x**2 + y**2)"
    assert c.scene.surface.startswith("custom:xmin=")
    assert c.surface.value(1.0, 2.0) == pytest.approx(np.sin(1) * np.cos(2) + 0.5)
    assert not any(np.array_equal(a, tr.xs) for a, tr in zip(before, c.traces))
    assert not editor.formula.property("invalid") and editor.error.isHidden()


def test_an_invalid_formula_shows_a_caret_and_keeps_the_surface(window, qtbot):
    c = window.controller
    editor = pick_custom(window)
    type_formula(editor, "x**2 + 3*y**2")
    surface, spec, paths = c.surface, c.scene.surface, [tr.xs.copy() for tr in c.traces]
    with qtbot.waitSignal(c.message) as blocker:
        type_formula(editor, "x**2 + 3*y**2 + $x")
    assert "$" in blocker.args[0] and "column 17" in blocker.args[0]
    assert editor.formula.property("invalid") and "C62828" in editor.formula.styleSheet()  # red
    assert not editor.error.isHidden() and "column 17" in editor.error.text()
    line, caret = editor.caret.text().split("\n")
    assert line == "x**2 + 3*y**2 + $x" and caret == " " * 16 + "^"  # under the '$'
    assert c.surface is surface and c.scene.surface == spec and c.scene.formula == "x**2 + 3*y**2"
    assert all(np.array_equal(a, tr.xs) for a, tr in zip(paths, c.traces))
    assert editor.formula.text() == "x**2 + 3*y**2 + $x"  # kept for the user to fix
    type_formula(editor, "x**2 + 3*y**2 + x")
    assert c.scene.formula == "x**2 + 3*y**2 + x" and not editor.formula.property("invalid")
    assert editor.error.isHidden() and editor.caret.isHidden()


@pytest.mark.parametrize("text, column", [
    ("__import__('os')", 1),        # names are not variables or functions
    ("x + exec(y)", 5),
    ("x ** 1000", 6),               # exponent too large
    ("sin(x", 6),                   # ends too early: the caret sits after the end
    ("x*y + lambda", 7),
])
def test_refused_input_never_reaches_the_scene(window, text, column):
    c = window.controller
    editor = pick_custom(window)
    formula = c.scene.formula
    type_formula(editor, text)
    assert c.scene.formula == formula
    caret = editor.caret.text().split("\n")[1]
    assert caret.index("^") == column - 1


def test_the_view_box_goes_with_the_formula_and_is_checked(window):
    c = window.controller
    editor = pick_custom(window)
    for name, value in zip(("xmin", "xmax", "ymin", "ymax"), ("-1", "2", "-0.5", "4")):
        editor.edges[name].setText(value)
    editor.apply_button.click()
    assert c.surface.view == (-1.0, 2.0, -0.5, 4.0)
    assert "xmin=-1" in c.scene.surface and "ymax=4" in c.scene.surface
    assert all(-1 <= x <= 2 for x in c.start[:1]) and -0.5 <= c.start[1] <= 4
    editor.edges["xmax"].setText("-3")  # below xmin
    assert not editor.apply()
    assert "xmin" in editor.error.text() and c.surface.view == (-1.0, 2.0, -0.5, 4.0)
    editor.edges["xmax"].setText("abc")
    assert not editor.apply()
    assert editor.edges["xmax"].property("invalid")


def test_a_1d_formula_makes_a_1d_surface(window):
    c = window.controller
    editor = pick_custom(window)
    type_formula(editor, "x**4 - 3*x**2 + x")
    assert c.surface.dim == 1 and len(c.start) == 1
    assert not editor.edges["ymin"].isEnabled()
    assert c.traces[0].xs.shape[1] == 1


def test_examples_menu(window):
    c = window.controller
    editor = pick_custom(window)
    for action, (_title, text, box) in zip(editor.examples.menu().actions(), EXAMPLES):
        action.trigger()
        assert c.scene.formula == text
        assert c.surface.view == box[: 2 * c.surface.dim]


@pytest.mark.parametrize("text", [e[1] for e in EXAMPLES])
def test_custom_gradients_and_hessians_match_central_differences(window, text):
    """Through the controller's surface: the exact derivatives of the parsed formula."""
    c = window.controller
    editor = pick_custom(window)
    box = next(b for _t, f, b in EXAMPLES if f == text)
    assert editor.use_example(text, box)
    s = c.surface
    rng = np.random.default_rng(7)
    h = 1e-5
    for _ in range(10):
        p = np.array([rng.uniform(box[0], box[1]), rng.uniform(box[2], box[3])])[: s.dim]
        g = np.array(s.grad(*p), dtype=float)
        num = np.empty(s.dim)
        hess = np.empty((s.dim, s.dim))
        for i in range(s.dim):
            e = np.zeros(s.dim)
            e[i] = h
            num[i] = (s.value(*(p + e)) - s.value(*(p - e))) / (2 * h)
            gp, gm = np.array(s.grad(*(p + e))), np.array(s.grad(*(p - e)))
            hess[:, i] = (gp - gm) / (2 * h)
        assert np.allclose(g, num, rtol=1e-6, atol=1e-6 * (1 + np.abs(g).max()))
        exact = np.array(s.hessian(*p), dtype=float)
        full = np.array([[exact[0]]]) if s.dim == 1 else np.array([[exact[0], exact[1]], [exact[1], exact[2]]])
        assert np.allclose(full, hess, rtol=1e-5, atol=1e-5 * (1 + np.abs(full).max()))


def test_a_session_with_a_formula_round_trips_and_reloads_in_the_window(window, qtbot, tmp_path):
    c = window.controller
    editor = pick_custom(window)
    editor.edges["xmin"].setText("-2")
    type_formula(editor, "(1 - x)**2 + 100*(y - x**2)**2")
    path = tmp_path / "custom.json"
    assert window.save_session(str(path))
    scene = Scene.load(str(path))
    assert scene.formula == "(1 - x)**2 + 100*(y - x**2)**2" and scene.surface == c.scene.surface
    other = make_window(qtbot, scene)
    d = other.controller
    assert d.surface.key == "custom" and d.scene.formula == c.scene.formula
    assert d.surface.view == c.surface.view
    assert all(np.array_equal(a.xs, b.xs) for a, b in zip(c.traces, d.traces))
    ed = other.scene_controls.formula_editor
    assert not ed.isHidden() and ed.formula.text() == c.scene.formula
    assert ed.edges["xmin"].text() == "-2"
    # and through File > Open in a running window
    third = make_window(qtbot)
    assert third.open_session(str(path))
    assert third.controller.scene.formula == c.scene.formula
    assert third.scene_controls.formula_editor.formula.text() == c.scene.formula


def test_a_session_cannot_smuggle_code_in_the_formula(window, tmp_path):
    path = tmp_path / "evil.json"
    scene = window.controller.current_scene().replace(surface="custom", formula="x**2")
    text = scene.to_json().replace('"x**2"', '"__import__(\\"os\\").system(\\"echo hi\\")"')
    path.write_text(text)
    with pytest.raises(SessionError) as err:
        Scene.load(str(path))
    assert "formula" in str(err.value) or "__import__" in str(err.value)
    formula = window.controller.scene.formula
    assert not window.open_session(str(path))
    assert window.controller.scene.formula == formula
