"""Write your own rule (Runs > Write your own rule…): the user types an update in the
lectures' pseudo-code; Apply sends it through engine.custom_rule (the formula parser's
tokenizer and recursive descent, never eval) and makes it the optimizer ``custom``:
its runs are recomputed with the new rule (a first run is added when there is none),
its hyperparameters become the selected run's sliders. A refused rule shows the
offending line with a caret under the character and the parser's sentence; the rule
that ran before stays. "Compare with…" runs a built-in beside it over the current
scene and says, in one sentence, how far apart the two paths get.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from engine.custom_rule import CUSTOM_KEY, EXAMPLES, RuleError, install_rule
from engine.hyper import HyperError
from engine.registry import OPTIMIZERS
from engine.rule_compare import compare, matching_spec
from engine.spec import OptimizerSpec
from gui import theme

GRAMMAR = ("<b>state</b> NAME = start value &nbsp; <b>hyper</b> NAME = default in [lo, hi] &nbsp; "
           "NAME = expression<br>over <i>g</i> (gradient), <i>x</i>, <i>t</i> (update 1, 2, …), <i>lr</i> "
           "(lr<sub>t</sub>), your states, hypers and earlier names; + − * / ^, sqrt abs sign exp log min max. "
           "<i>#</i> starts a comment.")
ERROR_COLOR = "#B71C1C"


class RuleEditor(QtWidgets.QDialog):
    applied = QtCore.Signal(bool)

    def __init__(self, controller_of, parent=None):
        """``controller_of()`` gives the visible mode's controller (surface or classification)."""
        super().__init__(parent)
        self.controller_of = controller_of
        self.setWindowTitle("Your own rule")
        self.setModal(False)
        layout = QtWidgets.QVBoxLayout(self)

        intro = QtWidgets.QLabel(GRAMMAR)
        intro.setWordWrap(True)
        intro.setTextFormat(QtCore.Qt.TextFormat.RichText)
        layout.addWidget(intro)

        self.text = QtWidgets.QPlainTextEdit()
        self.text.setFont(theme.font(12, mono=True))
        self.text.setTabChangesFocus(True)
        self.text.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setMinimumSize(460, 200)
        installed = OPTIMIZERS.get(CUSTOM_KEY)
        self.text.setPlainText(installed.rule_text if installed else EXAMPLES["momentum (torch form)"])
        layout.addWidget(self.text, 1)

        # where it went wrong: the line with a caret under the character, then the sentence
        self.caret = QtWidgets.QLabel()
        self.caret.setFont(theme.font(12, mono=True))
        self.caret.setStyleSheet(f"QLabel {{ color: {ERROR_COLOR}; }}")
        self.caret.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caret.hide()
        layout.addWidget(self.caret)
        self.error = QtWidgets.QLabel()
        self.error.setStyleSheet(f"QLabel {{ color: {ERROR_COLOR}; }}")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)

        buttons = QtWidgets.QHBoxLayout()
        self.examples = QtWidgets.QToolButton()
        self.examples.setText("Examples")
        self.examples.setToolTip("Start from one of these rules")
        self.examples.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QtWidgets.QMenu(self.examples)
        for title, text in EXAMPLES.items():
            menu.addAction(title).triggered.connect(lambda _=False, t=text: self.use_example(t))
        self.examples.setMenu(menu)
        buttons.addWidget(self.examples)
        buttons.addStretch(1)
        self.apply_button = QtWidgets.QPushButton("Apply")
        self.apply_button.setToolTip("Parse the rule and run it (Ctrl+Enter)")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply)
        buttons.addWidget(self.apply_button)
        layout.addLayout(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QtGui.QShortcut(QtGui.QKeySequence(keys), self, activated=self.apply)

        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Compare with"))
        self.other = QtWidgets.QComboBox()
        for key, record in OPTIMIZERS.items():
            if not record.rule_text and not record.wraps:
                self.other.addItem(record.title, key)
        self.other.setCurrentIndex(max(self.other.findData("momentum"), 0))
        row.addWidget(self.other, 1)
        self.compare_button = QtWidgets.QPushButton("Compare")
        self.compare_button.setToolTip("Run the built-in beside your rule over the current scene "
                                       "(same lr, schedule, start, noise and seed; hyperparameters "
                                       "matched by name or symbol)")
        self.compare_button.clicked.connect(self.compare)
        row.addWidget(self.compare_button)
        layout.addLayout(row)
        self.result = QtWidgets.QLabel()
        self.result.setWordWrap(True)
        self.result.setFont(theme.font(11, bold=True))
        self.result.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result)
        self.text.textChanged.connect(self._clear)

    # -- to the scene ----------------------------------------------------------------------------

    def use_example(self, text: str) -> bool:
        self.text.setPlainText(text)
        return self.apply()

    def apply(self) -> bool:
        c = self.controller_of()
        try:
            record = install_rule(self.text.toPlainText())
        except RuleError as err:
            self.caret.setText(err.caret() if err.text else "")
            self.caret.setVisible(bool(err.text))
            self.error.setText(str(err))
            self.error.show()
            c.message.emit(f"rule refused: {err}")
            self.applied.emit(False)
            return False
        self._clear()
        ok, found = True, False
        for i, run in enumerate(c.runs):
            if run.optimizer.key == CUSTOM_KEY:
                found = True
                ok = c.set_optimizer(i, _carried_over(run.optimizer, record)) and ok
        if not found:
            ok = c.add_run(CUSTOM_KEY)
        if ok:
            c.message.emit("your rule runs: " + record.summary)
        self.applied.emit(ok)
        return ok

    def compare(self) -> str:
        c = self.controller_of()
        surface = getattr(c, "surface", None)
        mine = next((r for r in c.runs if r.optimizer.key == CUSTOM_KEY), None)
        if surface is None:
            text = "Compare works on surfaces: switch to Surface mode."
        elif mine is None:
            text = "Apply your rule first: no run uses it."
        else:
            other = matching_spec(mine.optimizer, self.other.currentData())
            scene = c.scene
            start = scene.start if scene.start is not None else surface.start
            try:
                result = compare(surface, mine.optimizer, other, mine.schedule, start, scene.steps,
                                 scene.noise, scene.seed)
                text = result.sentence()
            except Exception as err:  # noqa: BLE001 - a failing rule must never take the app down
                text = f"could not compare: {err}"
        self.result.setText(text)
        c.message.emit(text)
        return text

    def _clear(self) -> None:
        self.caret.hide()
        self.error.hide()


def _carried_over(spec: OptimizerSpec, record) -> OptimizerSpec:
    """The run's values for the hyperparameters the new rule still has, if they fit."""
    kept = {k: v for k, v in spec.params.items() if k in record.hyper_names}
    try:
        return OptimizerSpec.make(record.key, **kept)
    except HyperError:
        return OptimizerSpec.make(record.key)
