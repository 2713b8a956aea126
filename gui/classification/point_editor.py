"""Your own points in classification mode: load a CSV, or click them in.

``PointEditor`` joins three places: the Dataset box (a "Your points" entry, Load /
Save CSV, the class a click adds, "edit points on the picture"), the decision-region
picture (mouse: click adds a point of the chosen class, drag moves one, right-click
deletes one) and the controller, which every edit goes through as a new scene
(``set_scene``: the problem is rebuilt, the race restarts, a refused edit leaves the
running scene alone). The points live in the scene, so sessions save them.

Choosing "Your points" starts from the scene's saved points, or else from the points
of the dataset on screen, so "move this one point of the moons" is two clicks.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from engine.hyper import HyperError
from engine.spec import split_spec
from gui import theme
from surfaces.classification.points import MAX_CLASSES, PointSet, read_points_file

from .decision_view import CLASS_COLORS

PICK_PX = 8  # a press this close to a point grabs it


def points_spec(current: str) -> str:
    """The dataset spec for the user's points, keeping the split's knobs if already set."""
    key, params = split_spec(current, "dataset")
    if key != "points":
        return "points"
    return "points" + (":" + ",".join(f"{k}={v}" for k, v in params.items()) if params else "")


class PointEditor(QtCore.QObject):
    def __init__(self, controller, panel, decision_view, parent=None):
        super().__init__(parent or panel)
        self.c = controller
        self.view = decision_view
        self._drag = None  # index of the point being dragged
        self._press = None  # where a press that hit no point happened (view coordinates)
        self.box = PointsBox(self)
        panel.add_dataset_widget(self.box)
        panel.pointsWanted.connect(self.start)
        decision_view.canvas.viewport().installEventFilter(self)
        self.marker = None
        controller.sceneChanged.connect(self.box.refresh)
        controller.sceneChanged.connect(self._cursor)
        self.box.edit.toggled.connect(lambda _on: self._cursor())
        self.box.refresh()

    def _cursor(self) -> None:
        """A cross over the picture while clicks edit the points."""
        viewport = self.view.canvas.viewport()
        if self.active and self.box.edit.isChecked():
            viewport.setCursor(QtCore.Qt.CursorShape.CrossCursor)
        else:
            viewport.unsetCursor()

    # -- state ------------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return split_spec(self.c.scene.dataset, "dataset")[0] == "points"

    def points(self) -> PointSet | None:
        return self.c.scene.point_set()

    def use(self, points: PointSet) -> bool:
        """Make ``points`` the scene's dataset (restarts the race)."""
        scene = self.c.scene
        return self.c.set_scene(scene.replace(dataset=points_spec(scene.dataset),
                                              points=tuple(tuple(p) for p in points.to_list()),
                                              classes=points.names))

    def start(self) -> None:
        """'Your points' chosen: the saved points, or the ones on screen."""
        saved = self.points()
        if saved is None and self.c.problem is None:
            return
        self.use(saved if saved is not None else PointSet.from_dataset(self.c.problem.dataset))
        self.box.edit.setChecked(True)

    def load(self, path: str) -> bool:
        try:
            points = read_points_file(path)
        except HyperError as err:
            self.c.message.emit(str(err))
            return False
        if self.use(points):
            self.c.message.emit(f"{len(points)} points in {points.n_classes} classes loaded")
            return True
        return False

    def save(self, path: str) -> bool:
        points = self.points()
        if points is None:
            return False
        from engine.cli_args import UsageError, write_output
        try:
            write_output(points.to_csv(), path)
        except UsageError as err:
            self.c.message.emit(str(err))
            return False
        return True

    def _edit(self, fn) -> bool:
        points = self.points()
        if points is None:
            return False
        try:
            return self.use(fn(points))
        except HyperError as err:
            self.c.message.emit(str(err))
            return False

    def add(self, x: float, y: float, label: int | None = None) -> bool:
        k = self.box.current_class() if label is None else label
        return self._edit(lambda p: p.added(x, y, k))

    def move(self, i: int, x: float, y: float) -> bool:
        return self._edit(lambda p: p.moved(i, x, y))

    def remove(self, i: int) -> bool:
        return self._edit(lambda p: p.removed(i))

    def add_class(self) -> bool:
        points = self.points()
        if points is None or points.n_classes >= MAX_CLASSES:
            return False
        name = next(str(k) for k in range(2 * MAX_CLASSES) if str(k) not in points.names)
        return self.use(PointSet(points.X, points.y, points.names + (name,)))

    # -- the mouse on the picture -----------------------------------------------------------------

    def _plot(self):
        """The big decision plot, when points can be edited on it."""
        if not (self.active and self.box.edit.isChecked() and self.view.mode == "selected"):
            return None
        return self.view.big

    def _to_view(self, plot, event):
        vb = plot.getViewBox()
        scene_pos = self.view.canvas.mapToScene(event.position().toPoint())
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None, None
        p = vb.mapSceneToView(scene_pos)
        return (p.x(), p.y()), vb.viewPixelSize()

    def eventFilter(self, obj, event):
        kind = event.type()
        T = QtCore.QEvent.Type
        if kind not in (T.MouseButtonPress, T.MouseMove, T.MouseButtonRelease):
            return False
        plot = self._plot()
        if plot is None:
            return False
        pos, px = self._to_view(plot, event)
        button = event.button()
        points = self.points()
        if kind == T.MouseButtonPress and pos is not None and points is not None:
            i, d = points.nearest(pos[0], pos[1], px)
            hit = i if d <= PICK_PX else None
            if button == QtCore.Qt.MouseButton.RightButton:
                if hit is not None:
                    self.remove(hit)
                return True
            if button == QtCore.Qt.MouseButton.LeftButton:
                self._drag, self._press = (hit, None) if hit is not None else (None, pos)
                return True
        if kind == T.MouseMove and self._drag is not None and pos is not None:
            self._show_marker(plot, pos, points.y[self._drag] if points is not None else 0)
            return True
        if kind == T.MouseButtonRelease and button == QtCore.Qt.MouseButton.LeftButton:
            drag, press = self._drag, self._press
            self._drag = self._press = None
            self._hide_marker(plot)
            if drag is not None and pos is not None:
                self.move(drag, *pos)
                return True
            if press is not None and pos is not None:
                self.add(*pos)
                return True
        return False

    def _show_marker(self, plot, pos, k) -> None:
        import pyqtgraph as pg
        if self.marker is None or self.marker.scene() is not plot.scene():
            self.marker = pg.ScatterPlotItem(size=12, symbol="o", pen=pg.mkPen("#1a1a1a", width=2))
            self.marker.setZValue(50)
            plot.addItem(self.marker)
        self.marker.setData(pos=[pos], brush=[pg.mkBrush(CLASS_COLORS[int(k) % len(CLASS_COLORS)])])
        self.marker.show()

    def _hide_marker(self, plot) -> None:
        if self.marker is not None:
            self.marker.hide()


class PointsBox(QtWidgets.QWidget):
    """Under the Dataset picker while "Your points" is the dataset."""

    def __init__(self, editor: PointEditor, parent=None):
        super().__init__(parent)
        self.editor = editor
        lay = QtWidgets.QGridLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        load = QtWidgets.QPushButton("Load CSV…")
        load.setToolTip("Lines x1,x2,label; labels 0..K-1 or names")
        load.clicked.connect(self._load)
        save = QtWidgets.QPushButton("Save CSV…")
        save.clicked.connect(self._save)
        self.save_button = save
        self.edit = QtWidgets.QCheckBox("edit on the picture")
        self.edit.setToolTip("Click: add a point of the chosen class · drag: move · right-click: delete")
        self.classes = QtWidgets.QComboBox()
        self.classes.setToolTip("The class a click adds")
        more = QtWidgets.QPushButton("+ class")
        more.clicked.connect(editor.add_class)
        self.more = more
        self.hint = QtWidgets.QLabel("click adds · drag moves · right-click deletes")
        self.hint.setWordWrap(True)
        lay.addWidget(load, 0, 0)
        lay.addWidget(save, 0, 1)
        lay.addWidget(self.edit, 1, 0, 1, 2)
        lay.addWidget(self.classes, 2, 0)
        lay.addWidget(more, 2, 1)
        lay.addWidget(self.hint, 3, 0, 1, 2)
        self.count = QtWidgets.QLabel()
        lay.addWidget(self.count, 4, 0, 1, 2)

    def current_class(self) -> int:
        return max(self.classes.currentIndex(), 0)

    def refresh(self) -> None:
        editor = self.editor
        active = editor.active
        points = editor.points() if active else None
        for w in (self.save_button, self.edit, self.classes, self.more, self.hint, self.count):
            w.setVisible(active)
        if points is None:
            return
        keep = self.current_class()
        with QtCore.QSignalBlocker(self.classes):
            self.classes.clear()
            for k, name in enumerate(points.names):
                self.classes.addItem(theme.swatch_icon(CLASS_COLORS[k % len(CLASS_COLORS)]), f"class {name}")
            self.classes.setCurrentIndex(min(keep, points.n_classes - 1))
        self.more.setEnabled(points.n_classes < MAX_CLASSES)
        data = editor.c.problem.dataset if editor.c.problem is not None else None
        split = f" ({data.n_train} train / {data.n_val} validation)" if data is not None else ""
        self.count.setText(f"{len(points)} points, {points.n_classes} classes{split}")

    def _load(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Load points", "",
                                                        "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.editor.load(path)

    def _save(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save points", "points.csv", "CSV files (*.csv)")
        if path:
            self.editor.save(path)
