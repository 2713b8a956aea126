"""The selected run under the microscope: its rule as the lecture writes it
(``record.pseudo_code``) and the live values at the current step: t, lr_t, x, g,
each state slot (m, v, ...), m_hat / v_hat where they apply, the per-coordinate
effective learning rate and the step actually taken |x_t - x_{t-1}|.

The states come from the run recomputed with ``record_states=True`` (the
controller caches it), so scrubbing back and forth in time shows the exact values.
Updates are skipped while the panel is hidden.
"""

from __future__ import annotations

import html
import re

import numpy as np
from PySide6 import QtCore, QtWidgets

from engine.registry import resolve
from gui import theme
from gui.derived import derive


def fmt(v) -> str:
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    return f"{v:.4g}" if 1e-3 <= abs(v) < 1e5 else f"{v:.3e}"


def equations_only(code: str) -> str:
    """The pseudo-code without its parenthesised side remarks ("   (amsgrad=true: ...)"),
    so the equations stay large and readable; the remarks go to the tooltip. A remark
    that tells two updates of the same variable apart (RMSProp's plain and Nesterov
    forms) stays."""
    rows = [re.split(r"(\s{3,})", line.rstrip(), maxsplit=1) for line in code.splitlines()]
    lhs = [re.split(r"<-|=", r[0], maxsplit=1)[0].strip() for r in rows]
    lines, depth = [], 0
    for parts, name in zip(rows, lhs):
        line = "".join(parts)
        if len(parts) == 3 and (depth > 0 or parts[2].startswith("(")):
            remark = parts[2]
            depth = max(depth + remark.count("(") - remark.count(")"), 0)
            if lhs.count(name) == 1 or not name:
                line = parts[0]
        lines.append(line)
    return "\n".join(lines)


class InspectorPanel(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QtWidgets.QLabel()
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.code = QtWidgets.QPlainTextEdit()
        self.code.setReadOnly(True)
        self.code.setFont(theme.font(10, mono=True))
        self.code.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.code.setStyleSheet("QPlainTextEdit { background: #f6f6f2; }")
        layout.addWidget(self.code, 0)
        self.table = QtWidgets.QTableWidget(0, 2)
        self.table.setFont(theme.font(11, mono=True))
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 3)
        c = controller
        c.selectionChanged.connect(lambda _i: self.refresh(full=True))
        c.runChanged.connect(lambda i: i == c.selected and self.refresh(full=True))
        c.runsChanged.connect(lambda: self.refresh(full=True))
        c.sceneChanged.connect(lambda: self.refresh(full=True))
        c.tracesChanged.connect(lambda idx: c.selected in idx and self.refresh())
        c.stepChanged.connect(lambda _s: self.refresh())
        self._code_key = None
        self.refresh(full=True)

    def _fit_code_height(self) -> None:
        """As tall as the pseudo-code (SGD is one line, Adam six): the rest goes to the table."""
        lines = max(2, self.code.document().lineCount() + 1)
        height = int(lines * self.code.fontMetrics().lineSpacing() + 12)
        self.code.setMaximumHeight(height)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_code_height()

    def showEvent(self, event):
        super().showEvent(event)
        self.refresh(full=True)

    def refresh(self, full: bool = False) -> None:
        if not self.isVisible() and not full:
            return
        c = self.controller
        if not c.runs:
            self.title.setText("<i>No run selected</i>")
            self.code.setPlainText("")
            self.table.setRowCount(0)
            return
        i = c.selected
        run = c.runs[i]
        record = run.optimizer.record
        key = (run.optimizer.key, run.optimizer.params.get("base"))
        if full or key != self._code_key:
            code = record.pseudo_code
            stepping, _ = resolve(run.optimizer.key, run.optimizer.params)
            if stepping is not record:  # a wrapper (SAM): its own lines, then its base's
                code = code + "\n\n" + stepping.pseudo_code
            shown = equations_only(code)
            if self.code.toPlainText() != shown:
                self.code.setPlainText(shown)
                self.code.setToolTip(code)  # the side remarks, in full
                self._fit_code_height()
            title = (f"<b style='color:{run.color}'>■</b> <b>{html.escape(run.label)}</b>"
                     f"<br><span style='color:#666'>{html.escape(record.reference)}</span>")
            if self.title.text() != title:
                self.title.setText(title)
            self._code_key = key
        if not self.isVisible():
            return
        self._fill(i)

    def _fill(self, i: int) -> None:
        c = self.controller
        tr = c.states_trace(i)
        if tr is None:
            return
        t = c.row(i)
        dim = tr.xs.shape[1]
        rows = [("t", [t] + [None] * (dim - 1)), ("lr_t", [tr.lr[t]] + [None] * (dim - 1)),
                ("x", tr.xs[t]), ("g", tr.grads[t - 1] if t >= 1 else tr.grads[0])]
        if tr.states is not None and t < len(tr.states):
            if t >= 1:
                rows += derive(c.runs[i].optimizer, tr, t).rows
            else:  # the start: the slots update 1 shows (the record's diagnostics hide the rest)
                shown = {name for name, _ in derive(c.runs[i].optimizer, tr, 1).rows} if len(tr.xs) > 1 else ()
                rows += [(name, tr.states[0][k]) for k, name in enumerate(tr.state_names) if name in shown]
        step = np.abs(tr.xs[t] - tr.xs[t - 1]) if t >= 1 else np.zeros(dim)
        rows.append(("|Δx|", step))
        rows.append(("f(x)", [tr.loss[t]] + [None] * (dim - 1)))
        if c.status(i) == "diverged" and t >= len(tr.xs) - 1:
            rows.append(("status", [f"diverged at {tr.diverged_at}"] + [None] * (dim - 1)))
        headers = ["x", "y"][:dim] if dim <= 2 else [str(k) for k in range(dim)]
        if self.table.columnCount() != dim:
            self.table.setColumnCount(dim)
        self.table.setHorizontalHeaderLabels(headers)
        if self.table.rowCount() != len(rows):
            self.table.setRowCount(len(rows))
        for r, (name, values) in enumerate(rows):
            head = self.table.verticalHeaderItem(r)
            if head is None or head.text() != name:
                self.table.setVerticalHeaderItem(r, QtWidgets.QTableWidgetItem(name))
            for col in range(dim):
                v = values[col] if col < len(values) else None
                text = "" if v is None else (v if isinstance(v, str) else (str(v) if name == "t" else fmt(v)))
                item = self.table.item(r, col)
                if item is None:
                    item = QtWidgets.QTableWidgetItem()
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(r, col, item)
                if item.text() != text:
                    item.setText(text)
