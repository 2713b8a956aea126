"""Export what is on screen, for slides: the whole window or one plot, PNG at 1x or
2x, any plot as SVG, and the window as SVG.

* window PNG: the widget rendered into a pixmap with ``devicePixelRatio`` = scale,
  so 2x is a true high-resolution redraw (fonts and lines), not an upscaled image;
* plot PNG: pyqtgraph's ImageExporter (antialiased) at the plot's width x scale;
* plot SVG: pyqtgraph's SVGExporter (works with the pinned PySide6 6.10.3, NOTES.md);
* window SVG: QSvgGenerator (text and curves stay vectors, the heat map is embedded).

``Ctrl+E`` saves a window PNG under a dated name in the last folder used (it asks
once). The folder is remembered in QSettings.
"""

from __future__ import annotations

import os
import time

from PySide6 import QtCore, QtGui, QtWidgets

SETTINGS_FOLDER = "export/folder"
SETTINGS_SCALE = "export/scale"


def settings() -> QtCore.QSettings:
    return QtCore.QSettings("OptimizerPlayground", "OptimizerPlayground")


def render_widget(widget: QtWidgets.QWidget, scale: float = 1.0) -> QtGui.QImage:
    """The widget drawn at ``scale`` (2: twice the pixels, same layout)."""
    size = widget.size()
    image = QtGui.QImage(int(size.width() * scale), int(size.height() * scale),
                         QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(image)
    try:
        QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(0, 0), QtGui.QRegion(),
                      QtWidgets.QWidget.RenderFlag.DrawChildren | QtWidgets.QWidget.RenderFlag.DrawWindowBackground)
    finally:
        painter.end()
    image.setDevicePixelRatio(1.0)
    return image


def save_image(image: QtGui.QImage, path: str) -> None:
    if not image.save(path):
        raise OSError(f"cannot write {path!r}")


def export_widget_png(widget, path: str, scale: float = 1.0) -> str:
    save_image(render_widget(widget, scale), path)
    return path


def export_widget_svg(widget, path: str, title: str = "Optimizer Playground") -> str:
    from PySide6 import QtSvg

    size = widget.size()
    gen = QtSvg.QSvgGenerator()
    gen.setFileName(path)
    gen.setSize(size)
    gen.setViewBox(QtCore.QRect(0, 0, size.width(), size.height()))
    gen.setTitle(title)
    painter = QtGui.QPainter(gen)
    try:
        QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(0, 0), QtGui.QRegion(),
                      QtWidgets.QWidget.RenderFlag.DrawChildren | QtWidgets.QWidget.RenderFlag.DrawWindowBackground)
    finally:
        painter.end()
    if not os.path.exists(path):
        raise OSError(f"cannot write {path!r}")
    return path


def plot_item_of(view):
    """What pyqtgraph's exporters export for a view: the whole layout of the contour
    view (legend, plot, colour bar), the plot item of a PlotWidget."""
    if hasattr(view, "ci"):
        return view.ci
    return view.getPlotItem()


def export_plot_png(view, path: str, scale: float = 1.0) -> str:
    from pyqtgraph.exporters import ImageExporter

    exporter = ImageExporter(plot_item_of(view))
    width = int(round(exporter.getTargetRect().width() * scale))
    exporter.parameters()["width"] = max(width, 16)
    exporter.export(path)
    if not os.path.exists(path):
        raise OSError(f"cannot write {path!r}")
    return path


def export_plot_svg(view, path: str) -> str:
    from pyqtgraph.exporters import SVGExporter

    SVGExporter(plot_item_of(view)).export(path)
    if not os.path.exists(path):
        raise OSError(f"cannot write {path!r}")
    return path


def default_name(controller, what: str = "window", ext: str = "png") -> str:
    surface = controller.surface.key if controller.surface is not None else "scene"
    return f"playground-{surface}-{what}-{time.strftime('%Y%m%d-%H%M%S')}.{ext}"


class ExportActions(QtCore.QObject):
    """The File > Export dialogs of a MainWindow (remembers the folder)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window

    @property
    def folder(self) -> str:
        return str(settings().value(SETTINGS_FOLDER, "") or "")

    def _remember(self, path: str) -> None:
        settings().setValue(SETTINGS_FOLDER, os.path.dirname(os.path.abspath(path)))

    def _ask(self, title: str, name: str, filters: str) -> str:
        start = os.path.join(self.folder or os.getcwd(), name)
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, title, start, filters)
        return path

    def _done(self, path: str) -> None:
        self._remember(path)
        self.window.controller.notify(f"saved {path}")

    def _fail(self, err) -> None:
        self.window.controller.notify(f"export failed: {err}")

    def quick_screenshot(self) -> str | None:
        """Ctrl+E: a window PNG under a dated name in the last folder (asks the first time)."""
        name = default_name(self.window.controller)
        folder = self.folder
        path = os.path.join(folder, name) if folder and os.path.isdir(folder) else \
            self._ask("Save screenshot", name, "PNG image (*.png)")
        if not path:
            return None
        try:
            export_widget_png(self.window, path, self.scale)
        except OSError as err:
            self._fail(err)
            return None
        self._done(path)
        return path

    @property
    def scale(self) -> float:
        try:
            return float(settings().value(SETTINGS_SCALE, 1.0))
        except (TypeError, ValueError):
            return 1.0

    def set_scale(self, scale: float) -> None:
        settings().setValue(SETTINGS_SCALE, float(scale))

    def export_window(self) -> None:
        path = self._ask("Export window", default_name(self.window.controller),
                         "PNG image (*.png);;SVG drawing (*.svg)")
        if not path:
            return
        try:
            if path.lower().endswith(".svg"):
                export_widget_svg(self.window, path)
            else:
                export_widget_png(self.window, _with_ext(path, ".png"), self.scale)
        except OSError as err:
            self._fail(err)
            return
        self._done(path)

    def export_view(self, name: str) -> None:
        view = self.window.views[name]
        path = self._ask(f"Export the {name} plot", default_name(self.window.controller, name),
                         "PNG image (*.png);;SVG drawing (*.svg)")
        if not path:
            return
        try:
            if path.lower().endswith(".svg"):
                export_plot_svg(view, path)
            else:
                export_plot_png(view, _with_ext(path, ".png"), self.scale)
        except (OSError, ValueError) as err:
            self._fail(err)
            return
        self._done(path)


def _with_ext(path: str, ext: str) -> str:
    return path if os.path.splitext(path)[1] else path + ext
