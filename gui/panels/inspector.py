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
from PySide6 import QtCore, QtGui, QtWidgets

from engine.registry import resolve
from gui import theme
from gui.derived import derive
from gui.throttle import REFRESH_MS, Throttle


def fmt(v) -> str:
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    return f"{v:.4g}" if 1e-3 <= abs(v) < 1e5 else f"{v:.3e}"


_OPTION = re.compile(r"^\((\w+)=true:")


def equations_only(code: str, params: dict | None = None) -> str:
    """The pseudo-code without its parenthesised side remarks ("   (amsgrad=true: ...)"),
    so the equations stay large and readable; the remarks go to the tooltip. A remark
    that tells two updates of the same variable apart (RMSProp's plain and Nesterov
    forms) stays. A line that only runs with an option ("(amsgrad=true: ...)") is left
    out when ``params`` turn that option off."""
    params = params or {}
    kept = []
    for line in code.splitlines():
        parts = re.split(r"\s{3,}", line.strip(), maxsplit=1)
        option = _OPTION.match(parts[1]) if len(parts) == 2 else None
        if option and option.group(1) in params and not params[option.group(1)]:
            continue
        kept.append(line)
    rows = [re.split(r"(\s{3,})", line.rstrip(), maxsplit=1) for line in kept]
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
        # the title sits in a holder without a layout: a label in a layout asks the whole
        # window to lay out again on every new text (a slider drag renames the run ~60
        # times a second); the holder changes its height only when the line count does
        self.title_box = QtWidgets.QWidget()
        self.title_box.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Fixed)
        self.title = QtWidgets.QLabel(self.title_box)
        self.title.setWordWrap(True)
        layout.addWidget(self.title_box)
        self.code = QtWidgets.QPlainTextEdit()
        self.code.setReadOnly(True)
        self.code.setFont(theme.font(10, mono=True))
        # an equation is never broken in the middle: a narrow panel gets smaller type, and
        # below 8 pt a horizontal scroll bar
        self.code.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        # the palette's own shade, so it follows the theme (a fixed light grey kept the dark
        # theme's light text on it)
        self.code.setStyleSheet("QPlainTextEdit { background: palette(alternate-base); }")
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
        # A knob's new path follows with tracesChanged, which fills the table: here only
        # the title and code. While a slider drags or the playback runs the numbers follow
        # at most ~12 times a second (gui.throttle): nobody reads them faster, and
        # re-laying out the table and title cost ~1 ms of every move.
        self._wanted = (False, False)  # (full, fill) of the requests the throttle holds
        self.throttle = Throttle(REFRESH_MS, self._refresh_wanted, self)
        c.runChanged.connect(lambda i: i == c.selected and self._request(full=True, fill=False))
        c.runsChanged.connect(lambda: self.refresh(full=True))
        c.sceneChanged.connect(lambda: self.refresh(full=True))
        c.tracesChanged.connect(lambda idx: c.selected in idx and self._request())
        c.stepChanged.connect(lambda _s: self._request())
        self._code_key = None
        self.refresh(full=True)

    def _fit_code_height(self) -> None:
        """Type that fits the widest line (10 pt down to 8 pt), and as tall as the
        pseudo-code (SGD is one line, Adam six): the rest goes to the table."""
        lines = self.code.toPlainText().splitlines() or [""]
        room = self.code.viewport().width() - 2 * self.code.document().documentMargin() - 4
        for pt in (10, 9, 8):
            font = theme.font(pt, mono=True)
            if max(QtGui.QFontMetrics(font).horizontalAdvance(line) for line in lines) <= room:
                break
        if self.code.font().pointSize() != pt:
            self.code.setFont(font)
        scroll = self.code.horizontalScrollBar()
        extra = scroll.sizeHint().height() if scroll.maximum() > 0 else 0
        height = int((len(lines) + 1) * self.code.fontMetrics().lineSpacing() + 12 + extra)
        self.code.setFixedHeight(height)  # the whole rule, always: the table below scrolls

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_code_height()
        self._fit_title()

    def _fit_title(self) -> None:
        width = max(self.title_box.width(), 40)
        height = max(self.title.heightForWidth(width), self.title.fontMetrics().height())
        self.title.setGeometry(0, 0, width, height)
        if self.title_box.minimumHeight() != height:
            self.title_box.setFixedHeight(height)

    def showEvent(self, event):
        super().showEvent(event)
        self.refresh(full=True)

    def _request(self, full: bool = False, fill: bool = True) -> None:
        self._wanted = (self._wanted[0] or full, self._wanted[1] or fill)
        self.throttle.request()

    def _refresh_wanted(self) -> None:
        (full, fill), self._wanted = self._wanted, (False, False)
        self.refresh(full=full, fill=fill)

    def refresh(self, full: bool = False, fill: bool = True) -> None:
        if not self.isVisible() and not full:
            return
        c = self.controller
        if not c.runs:
            self.title.setText("<i>No run selected</i>")
            self._fit_title()
            self.code.setPlainText("")
            self.table.setRowCount(0)
            return
        i = c.selected
        run = c.runs[i]
        record = run.optimizer.record
        key = (run.optimizer.key, run.optimizer.params.get("base"), theme.THEME,
               tuple(sorted((k, v) for k, v in run.optimizer.params.items() if isinstance(v, bool))))
        if full or key != self._code_key:
            code = record.pseudo_code
            stepping, _ = resolve(run.optimizer.key, run.optimizer.params)
            if stepping is not record:  # a wrapper (SAM): its own lines, then its base's
                code = code + "\n\n" + stepping.pseudo_code
            shown = equations_only(code, run.optimizer.params)
            if self.code.toPlainText() != shown:
                self.code.setPlainText(shown)
                self.code.setToolTip(code)  # the side remarks, in full
                self._fit_code_height()
            title = (f"<b style='color:{run.color}'>■</b> <b>{html.escape(run.label)}</b>"
                     f"<br><span style='color:{theme.MUTED}'>{html.escape(record.reference)}</span>")
            if self.title.text() != title:
                self.title.setText(title)
                self._fit_title()
            self._code_key = key
        if not self.isVisible() or not fill:
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
        ending = c.ending(i)
        if ending is not None and ending.kind != "converged" and c.step >= ending.step:
            rows.append(("status", [ending.text] + [None] * (dim - 1)))
        headers = ["x", "y"][:dim] if dim <= 2 else [str(k) for k in range(dim)]
        if self.table.columnCount() != dim:
            self.table.setColumnCount(dim)
        if [self.table.horizontalHeaderItem(k).text() if self.table.horizontalHeaderItem(k) else ""
                for k in range(dim)] != headers:
            self.table.setHorizontalHeaderLabels(headers)  # re-lays the header out: only on a change
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
