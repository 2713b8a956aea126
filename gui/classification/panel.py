"""The problem's knobs: dataset, model and regularization pickers with their parameter
sliders (built from the records' Hyper lists), the batch size (1 = pure SGD .. full
batch), label smoothing, mixup alpha, the seed and the run length.

Every edit becomes a spec string or a number sent to the controller; the panel then
re-reads the scene, so a refused value snaps back to what is running.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from engine.hyper import HyperError, validate_values
from engine.session import MAX_STEPS
from engine.spec import split_spec
from surfaces.classification import DATASETS, MODELS, PROBLEM_HYPERS, REGULARIZERS
from surfaces.classification.points import POINTS

from .widgets import LABEL_WIDTH, HyperControl, HyperForm

_PROBLEM = {h.name: h for h in PROBLEM_HYPERS}
BATCH_POSITIONS = 60


DATASET_CHOICES = {**DATASETS, POINTS.key: POINTS}  # the generators, then the user's own points


def spec_values(spec: str, records: dict, kind: str) -> tuple[str, dict]:
    """'spiral:n=600' -> ('spiral', every parameter's value, defaults filled in)."""
    key, raw = split_spec(spec, kind)
    record = records[key]
    try:
        return key, validate_values(record.hypers, raw, owner=f"{kind} {key!r}")
    except HyperError:
        return key, {h.name: h.default for h in record.hypers}


def with_param(spec: str, records: dict, kind: str, name: str, value) -> str:
    """``spec`` with parameter ``name`` set to ``value`` (given as the user typed it);
    parameters at their defaults are left out, so specs stay short."""
    key, raw = split_spec(spec, kind)
    raw = dict(raw)
    raw[name] = value
    hypers = {h.name: h for h in records[key].hypers}
    parts = []
    for k, v in raw.items():
        h = hypers.get(k)
        try:
            parsed = h.parse(v) if h is not None else None
        except HyperError:
            parts.append(f"{k}={v}")  # let the controller name the bad value
            continue
        if h is None:
            parts.append(f"{k}={v}")
        elif parsed != h.default:
            parts.append(f"{k}={h.format(parsed)}")
    return key + (":" + ",".join(parts) if parts else "")


class BatchSizeControl(QtWidgets.QWidget):
    """A log slider from 1 (pure SGD) to the training-set size (full batch)."""

    edited = QtCore.Signal(int)  # 0 = full batch

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        label = QtWidgets.QLabel("batch size")
        label.setFixedWidth(LABEL_WIDTH)
        lay.addWidget(label)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, BATCH_POSITIONS)
        lay.addWidget(self.slider, 1)
        self.readout = QtWidgets.QLabel()
        self.readout.setMinimumWidth(96)
        lay.addWidget(self.readout)
        self.setToolTip(f"<b>batch_size</b>: {_PROBLEM['batch_size'].doc}")
        self.n = 1
        self.slider.valueChanged.connect(self._moved)
        self.slider.sliderReleased.connect(lambda: self.edited.emit(self._batch(self.slider.value())))

    def _batch(self, pos: int) -> int:
        if pos >= BATCH_POSITIONS or self.n <= 1:
            return 0
        return max(1, min(self.n - 1, int(round(math.exp(pos / BATCH_POSITIONS * math.log(self.n))))))

    def _text(self, b: int) -> str:
        if b == 0 or b >= self.n:
            return f"full ({self.n})"
        return "1 (pure SGD)" if b == 1 else str(b)

    def _moved(self, pos: int) -> None:
        b = self._batch(pos)
        self.readout.setText(self._text(b))
        if not self.slider.isSliderDown():
            self.edited.emit(b)

    def set_value(self, batch: int, n_train: int) -> None:
        self.n = max(int(n_train), 1)
        b = batch if 0 < batch < self.n else 0
        pos = BATCH_POSITIONS if b == 0 else int(round(math.log(b) / math.log(self.n) * BATCH_POSITIONS))
        self.slider.blockSignals(True)
        self.slider.setValue(min(pos, BATCH_POSITIONS - 1) if b else BATCH_POSITIONS)
        self.slider.blockSignals(False)
        self.readout.setText(self._text(b))


def _picker(records: dict) -> QtWidgets.QComboBox:
    combo = QtWidgets.QComboBox()
    for key, r in records.items():
        combo.addItem(r.title, key)
        combo.setItemData(combo.count() - 1, getattr(r, "description", ""), QtCore.Qt.ItemDataRole.ToolTipRole)
    return combo


class ProblemPanel(QtWidgets.QWidget):
    """Dataset / model / regularization and the training knobs of SPEC section 6."""

    pointsWanted = QtCore.Signal()  # "Your points" picked: gui.classification.point_editor takes over

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.c = controller
        self.dataset_box = None
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.pickers: dict[str, QtWidgets.QComboBox] = {}
        self.forms: dict[str, HyperForm] = {}
        for kind, title, records in (("dataset", "Dataset", DATASET_CHOICES), ("model", "Model", MODELS),
                                     ("reg", "Regularization", REGULARIZERS)):
            box = QtWidgets.QGroupBox(title)
            form = QtWidgets.QVBoxLayout(box)
            form.setSpacing(3)
            combo = _picker(records)
            combo.activated.connect(lambda _i, k=kind, c=combo: self._pick(k, c.currentData()))
            form.addWidget(combo)
            hf = HyperForm()
            hf.edited.connect(lambda name, v, k=kind, r=records: self._param(k, r, name, v))
            form.addWidget(hf)
            self.pickers[kind], self.forms[kind] = combo, hf
            if kind == "dataset":
                self.dataset_box = form
            lay.addWidget(box)

        box = QtWidgets.QGroupBox("Training")
        form = QtWidgets.QVBoxLayout(box)
        form.setSpacing(3)
        self.batch = BatchSizeControl()
        self.batch.edited.connect(self.c.set_batch_size)
        form.addWidget(self.batch)
        self.smoothing = HyperControl(_PROBLEM["label_smoothing"], label="label smooth ε")
        self.smoothing.edited.connect(lambda _n, v: self.c.set_label_smoothing(v))
        self.mixup = HyperControl(_PROBLEM["mixup"], label="mixup α")
        self.mixup.edited.connect(lambda _n, v: self.c.set_mixup(v))
        self.seed = HyperControl(_PROBLEM["seed"], label="batch seed")
        self.seed.edited.connect(lambda _n, v: self.c.set_seed(v))
        from engine.hyper import Hyper
        self.steps = HyperControl(Hyper("steps", 1500, 10, 20_000, log=True, kind="int",
                                        doc=f"length of the race in updates (a session may ask for up to {MAX_STEPS})"))
        self.steps.edited.connect(lambda _n, v: self.c.set_steps(v))
        for w in (self.smoothing, self.mixup, self.seed, self.steps):
            form.addWidget(w)
        lay.addWidget(box)
        lay.addStretch(1)

        self.c.sceneChanged.connect(self.refresh)
        self.refresh()

    def add_dataset_widget(self, widget) -> None:
        self.dataset_box.addWidget(widget)

    def _pick(self, kind: str, key: str) -> None:
        current = split_spec(getattr(self.c.scene, kind), kind)[0]
        if kind == "dataset" and key == "points" and key != current:
            self.pointsWanted.emit()
        elif key != current:
            {"dataset": self.c.set_dataset, "model": self.c.set_model, "reg": self.c.set_reg}[kind](key)
        self.refresh()

    def _param(self, kind: str, records: dict, name: str, value) -> None:
        spec = with_param(getattr(self.c.scene, kind), records, kind, name, value)
        {"dataset": self.c.set_dataset, "model": self.c.set_model, "reg": self.c.set_reg}[kind](spec)
        self.refresh()  # a refused value snaps back

    def refresh(self) -> None:
        scene = self.c.scene
        for kind, records in (("dataset", DATASET_CHOICES), ("model", MODELS), ("reg", REGULARIZERS)):
            key, values = spec_values(getattr(scene, kind), records, kind)
            combo = self.pickers[kind]
            combo.setCurrentIndex(max(combo.findData(key), 0))
            self.forms[kind].set_hypers(records[key].hypers, values)
        n_train = self.c.problem.dataset.n_train if self.c.problem is not None else 1
        self.batch.set_value(scene.batch_size, n_train)
        self.smoothing.set_value(scene.label_smoothing)
        self.mixup.set_value(scene.mixup)
        self.seed.set_value(scene.seed)
        self.steps.set_value(scene.steps)
