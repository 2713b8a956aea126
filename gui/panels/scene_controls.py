"""The scene's own knobs: the surface (and its parameters, e.g. kappa on a log
slider and the valley's angle), a custom formula, gradient noise, seed, run length
and playback speed.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6 import QtCore, QtWidgets

from engine import limits
from gui.panels.formula_editor import FormulaEditor
from gui.panels.knob import Knob, refused_because
from gui.panels.start_fields import StartFields

# Ranges from engine.limits (the ones session files and the command line accept); the
# knobs only word the tooltips for this panel.
NOISE = replace(limits.NOISE, doc="g <- g + noise N(0, I): a stochastic gradient (seeded)")
SPEED = replace(limits.SPEED, doc="steps per second while playing (+ / -)")
STEPS = replace(limits.STEPS, doc="length of every run (updates)")
SEED = replace(limits.SEED, doc="seed of the gradient noise (and random search)")

class SceneControls(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        from surfaces import SURFACES  # imported here so the window's import stays light

        self.surfaces = SURFACES
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        self.surface = QtWidgets.QComboBox()
        for key, cls in SURFACES.items():
            self.surface.addItem(f"{cls.title}  ({cls.dim}-D)" if cls.dim == 1 else cls.title, key)
            self.surface.setItemData(self.surface.count() - 1, f"{cls.formula}\n{cls.reference}",
                                     QtCore.Qt.ItemDataRole.ToolTipRole)
        self.surface.currentIndexChanged.connect(self._surface_picked)
        layout.addWidget(self.surface)
        self.formula_label = QtWidgets.QLabel()
        self.formula_label.setWordWrap(True)
        self.formula_label.setStyleSheet("color: #444;")
        layout.addWidget(self.formula_label)
        # custom surface: the formula, its view box, examples, the parser's caret message
        self.formula_editor = FormulaEditor(controller)
        self.formula = self.formula_editor.formula  # the line edit itself
        layout.addWidget(self.formula_editor)
        self.params_box = QtWidgets.QVBoxLayout()
        self.params_box.setSpacing(3)
        layout.addLayout(self.params_box)
        self.param_knobs: dict[str, Knob] = {}
        self._params_key = None

        self.start_fields = StartFields(controller)
        layout.addWidget(self.start_fields)

        self.noise = Knob(NOISE, "noise σ")
        self.noise.edited.connect(lambda v: self._apply(self.noise, controller.set_noise, v))
        self.steps = Knob(STEPS, "steps")
        self.steps.edited.connect(lambda v: self._apply(self.steps, controller.set_steps, v))
        self.seed = Knob(SEED, "seed")
        self.seed.edited.connect(lambda v: self._apply(self.seed, controller.set_seed, v))
        self.speed = Knob(SPEED, "speed (steps/s)")
        self.speed.edited.connect(lambda v: controller.set_speed(v))
        for knob in (self.noise, self.steps, self.seed, self.speed):
            layout.addWidget(knob)

        c = controller
        c.sceneChanged.connect(self.sync)
        c.settingsChanged.connect(self.sync)
        self.sync()

    def _apply(self, knob, setter, value) -> None:
        why = refused_because(self.controller, lambda: setter(value))
        if why is not None:
            knob.set_invalid(True, why)

    def sync(self) -> None:
        c = self.controller
        s = c.surface
        with QtCore.QSignalBlocker(self.surface):
            self.surface.setCurrentIndex(max(self.surface.findData(s.key), 0))
        custom = s.key == "custom"
        self.formula_editor.setVisible(custom)
        self.formula_label.setVisible(not custom)
        self.formula_label.setText(f"f = {s.formula}" if not custom else "")
        if custom:
            self.formula_editor.sync()
        # the custom surface's view box is edited in the formula editor, with the formula
        hypers = () if custom else type(s).hypers
        key = (s.key, tuple(h.name for h in hypers))
        if key != self._params_key:
            for knob in self.param_knobs.values():
                self.params_box.removeWidget(knob)
                knob.hide()
                knob.deleteLater()
            self.param_knobs.clear()
            for h in hypers:
                knob = Knob(h)
                knob.edited.connect(lambda v, name=h.name, k=knob: self._apply(
                    k, lambda value: c.set_surface_param(name, value), v))
                self.params_box.addWidget(knob)
                self.param_knobs[h.name] = knob
            self._params_key = key
        for name, knob in self.param_knobs.items():
            knob.set_value(s.params[name])
        self.noise.set_value(c.scene.noise)
        self.steps.set_value(c.scene.steps)
        self.seed.set_value(c.scene.seed)
        self.speed.set_value(c.scene.speed)

    def _surface_picked(self, index: int) -> None:
        key = self.surface.itemData(index)
        if not key or key == self.controller.surface.key:
            return
        if key == "custom":
            if not self.formula.text().strip():
                self.formula.setText(getattr(self.surfaces[key], "default_formula", "x**2 + 10*y**2"))
            if not self.formula_editor.apply():
                self.controller.set_surface("custom", self.surfaces[key].default_formula)
        else:
            self.controller.set_surface(key)
        self.sync()  # a refused surface puts the combo back
