"""The animation export's dialogs: the options (view, size, frames, fps, loop, hold,
caption; remembered) and the job that writes the frames from a timer, a few at a
time, behind a progress dialog with Cancel, so the window stays responsive.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gui.export import settings
from gui.export_anim import (
    GIF_MAX_FPS,
    MAX_FRAMES,
    MAX_SIZE,
    MIN_SIZE,
    VIEW_TITLES,
    VIEWS,
    Animation,
    AnimationOptions,
    make_source,
    plan_frames,
)

KEY = "export/animation/"
TICK_BUDGET_S = 0.04  # frames per timer tick: ~25 UI updates a second while writing


class AnimationDialog(QtWidgets.QDialog):
    def __init__(self, window, fmt: str = "gif", caption: bool = False):
        super().__init__(window)
        self.window, self.fmt = window, fmt
        self.setWindowTitle("Export animation (GIF)" if fmt == "gif" else "Export video (MP4)")
        s = settings()
        form = QtWidgets.QFormLayout(self)

        self.view = QtWidgets.QComboBox()
        for key in VIEWS:
            self.view.addItem(VIEW_TITLES[key], key)
        self.view.setCurrentIndex(max(self.view.findData(str(s.value(KEY + "view", "surface"))), 0))
        self.view.setToolTip("A plot is drawn by a copy of it laid out at the size below; "
                             "the whole window is drawn as it is and scaled to fit")
        form.addRow("View", _left(self.view))

        self.width_box, self.height_box = (QtWidgets.QSpinBox() for _ in range(2))
        for box, key, default in ((self.width_box, "width", 800), (self.height_box, "height", 600)):
            box.setRange(MIN_SIZE, MAX_SIZE)
            box.setSuffix(" px")
            box.setMinimumWidth(100)
            box.setValue(_int(s.value(KEY + key, default), default))
        size = QtWidgets.QHBoxLayout()
        size.addWidget(self.width_box)
        size.addWidget(QtWidgets.QLabel("×"))
        size.addWidget(self.height_box)
        self.window_size = QtWidgets.QPushButton("Window's size")
        self.window_size.setToolTip("The window's own size: drawn 1:1")
        self.window_size.clicked.connect(self._window_size)
        size.addWidget(self.window_size)
        size.addStretch(1)
        form.addRow("Size", size)

        steps = window.controller.scene.steps
        self.every = QtWidgets.QRadioButton(f"every step ({steps + 1} frames)")
        self.spaced = QtWidgets.QRadioButton("evenly spaced:")
        self.count = QtWidgets.QSpinBox()
        self.count.setRange(2, MAX_FRAMES)
        self.count.setValue(_int(s.value(KEY + "frames", 150), 150))
        self.count.setSuffix(" frames")
        every = str(s.value(KEY + "every", "true")).lower() == "true" and steps + 1 <= MAX_FRAMES
        (self.every if every else self.spaced).setChecked(True)
        frames = QtWidgets.QHBoxLayout()
        frames.addWidget(self.every)
        frames.addWidget(self.spaced)
        frames.addWidget(self.count)
        frames.addStretch(1)
        form.addRow("Frames", frames)

        self.fps = QtWidgets.QDoubleSpinBox()
        self.fps.setRange(1.0, GIF_MAX_FPS if fmt == "gif" else 120.0)
        self.fps.setDecimals(0)
        self.fps.setValue(min(_float(s.value(KEY + "fps", 30.0), 30.0), self.fps.maximum()))
        self.fps.setSuffix(" frames/s")
        form.addRow("Speed", _left(self.fps))
        self.hold = QtWidgets.QDoubleSpinBox()
        self.hold.setRange(0.0, 60.0)
        self.hold.setSingleStep(0.5)
        self.hold.setSuffix(" s")
        self.hold.setValue(_float(s.value(KEY + "hold", 1.5), 1.5))
        self.hold.setToolTip("How long the last frame (the whole paths) stays before the loop starts again")
        form.addRow("Hold the end", _left(self.hold))
        self.loop = QtWidgets.QCheckBox("Loop forever (else play once)")
        self.loop.setChecked(str(s.value(KEY + "loop", "true")).lower() == "true")
        self.loop.setVisible(fmt == "gif")
        form.addRow("", self.loop)
        self.caption = QtWidgets.QCheckBox("Caption with the settings under the frames")
        self.caption.setChecked(bool(caption))
        form.addRow("", self.caption)
        self.summary = QtWidgets.QLabel()
        form.addRow("", self.summary)

        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Choose file…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        for w in (self.every, self.spaced):
            w.toggled.connect(self._update)
        for w in (self.count, self.fps, self.hold):
            w.valueChanged.connect(self._update)
        self._update()

    def _window_size(self) -> None:
        self.view.setCurrentIndex(self.view.findData("window"))
        self.width_box.setValue(min(self.window.width(), MAX_SIZE))
        self.height_box.setValue(min(self.window.height(), MAX_SIZE))

    def _update(self, *_):
        self.count.setEnabled(self.spaced.isChecked())
        n = len(plan_frames(self.window.controller.scene.steps,
                            None if self.every.isChecked() else self.count.value()))
        seconds = n / self.fps.value() + self.hold.value()
        self.summary.setText(f"{n} frames, {seconds:.1f} s")

    def options(self) -> AnimationOptions:
        opts = AnimationOptions(
            view=self.view.currentData(), width=self.width_box.value(), height=self.height_box.value(),
            frames=None if self.every.isChecked() else self.count.value(), fps=self.fps.value(),
            loop=self.loop.isChecked(), hold=self.hold.value(), caption=self.caption.isChecked())
        s = settings()
        for key, value in (("view", opts.view), ("width", opts.width), ("height", opts.height),
                           ("every", "true" if opts.frames is None else "false"),
                           ("frames", self.count.value()), ("fps", opts.fps), ("hold", opts.hold),
                           ("loop", "true" if opts.loop else "false")):
            s.setValue(KEY + key, value)
        return opts


def _left(widget: QtWidgets.QWidget) -> QtWidgets.QHBoxLayout:
    widget.setMinimumWidth(120)
    row = QtWidgets.QHBoxLayout()
    row.addWidget(widget)
    row.addStretch(1)
    return row


def _int(value, default: int) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _float(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


class AnimationJob(QtCore.QObject):
    """Writes one animation from a zero-interval timer, a few frames per tick, with a
    window-modal progress dialog; Cancel deletes the temp file. ``finished(path, error)``:
    path is '' when nothing was written."""

    finished = QtCore.Signal(str, str)

    def __init__(self, window, path: str, options: AnimationOptions):
        super().__init__(window)
        self.window, self.path, self.options = window, path, options
        self.anim: Animation | None = None
        self.running = False
        self.progress = QtWidgets.QProgressDialog("Rendering frames…", "Cancel", 0, 1, window)
        self.progress.setWindowTitle("Export animation")
        self.progress.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.canceled.connect(self.cancel)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        from gui.caption import caption_for

        caption = caption_for(self.window.controller) if self.options.caption else None
        try:
            source = make_source(self.window, self.options, caption)
            self.anim = Animation(source, self.path, self.options)
        except (OSError, ValueError) as err:
            if "source" in locals():
                source.close()
            self._end("", f"animation not written: {err}")
            return
        self.running = True
        self.progress.setMaximum(self.anim.total)
        self.progress.setValue(0)
        self.progress.show()
        self.timer.start()

    def _tick(self) -> None:
        import time

        t0 = time.perf_counter()
        try:
            while self.running and time.perf_counter() - t0 < TICK_BUDGET_S:
                if not self.anim.step():
                    self._end(self.path, "")
                    return
        except (OSError, ValueError, RuntimeError) as err:
            self._end("", f"animation not written: {err}")
            return
        self.progress.setValue(self.anim.done)
        self.progress.setLabelText(f"Rendering frame {self.anim.done} of {self.anim.total}…")

    def cancel(self) -> None:
        if self.running and self.anim is not None:
            self.anim.cancel()
            self._end("", "animation cancelled: nothing was written")

    def _end(self, path: str, error: str) -> None:
        self.running = False
        self.timer.stop()
        self.progress.canceled.disconnect(self.cancel)
        self.progress.close()
        self.progress.deleteLater()
        self.finished.emit(path, error)
