"""The custom surface's editor: the user types f(x, y) (or f(x)) and its view box.

Enter (or Apply, or leaving the field) sends the text through
:class:`surfaces.formula.CustomSurface` -- the safe parser, never ``eval`` -- first;
only a formula that parses reaches the controller, as the surface spec
``custom:xmin=..,xmax=..,ymin=..,ymax=..`` with ``Scene.formula`` holding the text, so
a saved session reloads it through the same parser. A refused formula turns the
field red and shows the parser's message with a caret under the offending
character; the previous surface stays.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from engine.hyper import HyperError
from gui import theme

# (menu text, formula, view box): a few shapes a lecture uses, to start from
EXAMPLES = (
    ("Elongated bowl", "x**2 + 10*y**2", (-3.0, 3.0, -3.0, 3.0)),
    ("Bumpy bowl", "sin(x)*cos(y) + 0.1*(x**2 + y**2)", (-6.0, 6.0, -6.0, 6.0)),
    ("Rosenbrock's banana", "(1 - x)**2 + 100*(y - x**2)**2", (-2.0, 2.0, -1.0, 3.0)),
    ("Rotated valley", "(x + y)**2 + 0.05*(x - y)**2", (-3.0, 3.0, -3.0, 3.0)),
    ("Monkey saddle", "x**3 - 3*x*y**2", (-1.5, 1.5, -1.5, 1.5)),
    ("Two wells", "(x**2 - 1)**2 + 0.5*y**2 + 0.2*x", (-2.0, 2.0, -2.0, 2.0)),
    ("Double well, 1-D", "x**4 - 3*x**2 + x", (-2.5, 2.5, -3.0, 3.0)),
    ("Wavy line, 1-D", "x*cos(3*x) + 0.1*x**2", (-4.0, 4.0, -3.0, 3.0)),
)
EDGES = ("xmin", "xmax", "ymin", "ymax")
INVALID_STYLE = "QLineEdit { border: 2px solid #C62828; background: #FDECEA; }"
CARET_WIDTH_PX = 280  # the controls column before it is laid out


def _num(v: float) -> str:
    return f"{v:.10g}"


class FormulaEditor(QtWidgets.QWidget):
    applied = QtCore.Signal(bool)  # after each attempt: did the scene take it?

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)

        self.formula = QtWidgets.QLineEdit()
        self.formula.setFont(theme.font(11, mono=True))
        self.formula.setPlaceholderText("f(x, y), e.g. x**2 + 10*y**2")
        self.formula.setToolTip("f(x, y) or f(x): numbers, x, y, + - * / ** ( ) and functions such as "
                                "sin cos tan exp log sqrt abs tanh.\nEnter applies it.")
        self.formula.setMaxLength(1000)
        self.formula.editingFinished.connect(self.apply)
        self.formula.textEdited.connect(lambda _t: self._set_invalid(False))
        layout.addWidget(self.formula)

        box = QtWidgets.QHBoxLayout()
        box.setSpacing(3)
        self.edges: dict[str, QtWidgets.QLineEdit] = {}
        for i, name in enumerate(EDGES):
            label = QtWidgets.QLabel(name[0] if i % 2 == 0 else "to")
            if i == 2:
                box.addSpacing(8)
            box.addWidget(label)
            edit = QtWidgets.QLineEdit()
            edit.setFixedWidth(46)
            edit.setToolTip(f"{name}: the view box (and the divergence limit) of the custom surface")
            edit.editingFinished.connect(self.apply)
            edit.textEdited.connect(lambda _t, e=edit: self._mark(e, False))
            self.edges[name] = edit
            box.addWidget(edit)
        box.addStretch(1)
        layout.addLayout(box)

        buttons = QtWidgets.QHBoxLayout()
        buttons.setSpacing(3)
        self.examples = QtWidgets.QToolButton()
        self.examples.setText("Examples")
        self.examples.setToolTip("Start from one of these formulas (and its view box)")
        self.examples.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QtWidgets.QMenu(self.examples)
        for title, text, box_ in EXAMPLES:
            action = menu.addAction(f"{title}:  {text}")
            action.triggered.connect(lambda _=False, t=text, b=box_: self.use_example(t, b))
        self.examples.setMenu(menu)
        buttons.addWidget(self.examples)
        buttons.addStretch(1)
        self.apply_button = QtWidgets.QPushButton("Apply")
        self.apply_button.setToolTip("Parse the formula and use it (Enter does the same)")
        self.apply_button.clicked.connect(self.apply)
        buttons.addWidget(self.apply_button)
        layout.addLayout(buttons)

        # where it went wrong: the formula with a caret under the character (monospace,
        # so they line up), then the parser's sentence
        self.caret = QtWidgets.QLabel()
        self.caret.setFont(theme.font(11, mono=True))
        self.caret.setStyleSheet("QLabel { color: #B71C1C; }")
        self.caret.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        # sized to the column (see _caret_columns): never let it widen the controls
        self.caret.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.caret.hide()
        layout.addWidget(self.caret)
        self.error = QtWidgets.QLabel()
        self.error.setStyleSheet("QLabel { color: #B71C1C; }")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)
        self.sync()

    # -- from the scene --------------------------------------------------------------------------

    def sync(self) -> None:
        """Show the scene's formula and box (not while the user is typing in a field)."""
        c = self.controller
        s = c.surface
        if s is None or s.key != "custom":
            for name, v in zip(EDGES, EXAMPLES[0][2]):  # a box to start from when custom is picked
                if not self.edges[name].text():
                    self.edges[name].setText(_num(v))
            return
        if not self.formula.hasFocus() and not self.formula.property("invalid"):
            self.formula.setText(c.scene.formula or s.formula_text)
        for name, edit in self.edges.items():
            if not edit.hasFocus() and not edit.property("invalid"):
                edit.setText(_num(s.params[name]))
        for name in ("ymin", "ymax"):
            self.edges[name].setEnabled(s.dim == 2)

    # -- to the scene ----------------------------------------------------------------------------

    def use_example(self, text: str, box) -> bool:
        self.formula.setText(text)
        for name, v in zip(EDGES, box):
            self.edges[name].setText(_num(v))
        return self.apply()

    def box(self) -> dict[str, float]:
        out = {}
        for name, edit in self.edges.items():
            try:
                v = float(edit.text().strip())
            except ValueError:
                v = math.nan
            if not math.isfinite(v):
                self._mark(edit, True)
                raise ValueError(f"{name} {edit.text()!r}: expected a number")
            out[name] = v
        return out

    def apply(self) -> bool:
        """Parse the formula and box; on success give them to the controller."""
        from surfaces.formula import CustomSurface, FormulaError, caret_lines

        text = self.formula.text().strip()
        try:
            box = self.box()
            surface = CustomSurface(formula=text, **box)
        except FormulaError as err:
            self._refuse(str(err), caret_lines(err.text, err.position, self._caret_columns()) if err.text else "")
            return False
        except (HyperError, ValueError) as err:
            self._refuse(str(err))
            return False
        c = self.controller
        hypers = {h.name: h for h in CustomSurface.hypers}
        spec = "custom:" + ",".join(f"{k}={hypers[k].format(box[k])}" for k in EDGES)
        if c.surface.key == "custom" and spec == c.scene.surface and text == (c.scene.formula or ""):
            self._clear()
            return True
        ok = self._give(spec, text, surface)
        if ok:
            self._clear()
            for edit in self.edges.values():
                self._mark(edit, False)
            self.sync()
        else:
            self._set_invalid(True)
        self.applied.emit(ok)
        return ok

    def _give(self, spec: str, text: str, surface) -> bool:
        c = self.controller
        scene = c.scene
        start = scene.start
        box = surface.view
        outside = start is not None and (len(start) != surface.dim or any(
            not box[2 * i] <= v <= box[2 * i + 1] for i, v in enumerate(start)))
        if scene.view is None and not outside:
            return c.set_surface(spec, text)
        # A session's saved view box, or a start left outside the new box: begin afresh
        # in the box just typed (set_surface keeps both when the kind stays 'custom').
        return c.set_scene(c.current_scene().replace(
            surface=spec, formula=text, view=None, start=None if outside else start))

    # -- showing the state -----------------------------------------------------------------------

    def _caret_columns(self) -> int:
        """How much of the formula the caret label shows: what fits the column."""
        char = QtGui.QFontMetrics(self.caret.font()).horizontalAdvance("M")
        width = self.width() if self.width() > 100 else CARET_WIDTH_PX
        return max(12, width // max(char, 1) - 7)  # room for "..." on both sides

    def _refuse(self, message: str, caret: str = "") -> None:
        self._set_invalid(True)
        self.caret.setText(caret)
        self.caret.setVisible(bool(caret))
        self.error.setText(message)
        self.error.show()
        self.controller.notify(f"formula refused: {message}")
        self.applied.emit(False)

    def _clear(self) -> None:
        self._set_invalid(False)

    def _set_invalid(self, on: bool) -> None:
        self._mark(self.formula, on)
        if not on:
            self.error.hide()
            self.caret.hide()

    @staticmethod
    def _mark(edit: QtWidgets.QLineEdit, on: bool) -> None:
        if bool(edit.property("invalid")) == on:
            return
        edit.setProperty("invalid", on)
        edit.setStyleSheet(INVALID_STYLE if on else "")

