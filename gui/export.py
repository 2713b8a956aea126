"""Export what is on screen, for slides: the whole window or one plot as PNG at 1x, 2x
or 4x, any plot or the window as SVG, with an optional caption of the settings
(:mod:`gui.caption`). Animations are :mod:`gui.export_anim`, trajectories
:mod:`gui.export_data`; this module's :class:`ExportActions` is the File > Export menu
behind all of them.

* window PNG: the widget rendered into an image with ``devicePixelRatio`` = scale,
  so 2x and 4x are true high-resolution redraws (fonts and lines), not upscaled images;
* plot PNG: pyqtgraph's ImageExporter (antialiased) at the plot's width x scale;
* plot SVG: pyqtgraph's SVGExporter (works with the pinned PySide6 6.10.3, NOTES.md);
  text stays ``<text>``, curves are paths, the heat map an embedded image;
* window SVG: QSvgGenerator (text and curves stay vectors, the heat map is embedded).

``Ctrl+E`` saves a window PNG under a dated name in the last folder used (it asks
once). The folder, the scale and the caption switch are remembered in QSettings.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager, nullcontext

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine.files import write_bytes
from gui.caption import Caption, CaptionLayout, caption_for, svg_with_caption, with_caption

SETTINGS_FOLDER = "export/folder"
SETTINGS_SCALE = "export/scale"
SETTINGS_CAPTION = "export/caption"
SCALES = (1.0, 2.0, 4.0)
MAX_PIXELS = 16384  # QImage and most viewers refuse wider images


def settings() -> QtCore.QSettings:
    """The app's one settings store (gui.settings: tests redirect it to a temp file)."""
    from gui import settings as store
    return store.settings()


_RENDER_FLAGS = QtWidgets.QWidget.RenderFlag.DrawChildren | QtWidgets.QWidget.RenderFlag.DrawWindowBackground


@contextmanager
def drawn_for_export(widget: QtWidgets.QWidget, scale: float = 1.0):
    """The plots inside ``widget`` draw for an export while this lasts: no device-pixel
    caches (axes, heat map and contours are cached as 1x pixmaps on screen, which a 2x
    or 4x image, or an SVG, would only upscale) and scatter symbols drawn as shapes,
    not stamped from pyqtgraph's 1x symbol atlas; curves antialiased. Lines are drawn
    with cosmetic pens (a width in device pixels, whatever the zoom): at ``scale`` 2 or
    4 they are made that much wider, or trails and contours stayed hairlines while text
    and markers grew; so are the outlines of markers (heads, minima, the start square)."""
    views = widget.findChildren(QtWidgets.QGraphicsView)
    if isinstance(widget, QtWidgets.QGraphicsView):
        views.append(widget)
    cached, exporting, pens = [], [], []
    none = QtWidgets.QGraphicsItem.CacheMode.NoCache
    for view in views:
        scene = view.scene()
        for item in scene.items() if scene is not None else ():
            if item.cacheMode() != none:
                cached.append((item, item.cacheMode()))
                item.setCacheMode(none)
            if hasattr(item, "setExportMode"):
                item.setExportMode(True, {"antialias": True, "resolutionScale": 1.0})
                exporting.append(item)
            if scale != 1.0:
                pens += _widen(item, scale)
    try:
        yield
    finally:
        for set_pen, pen in reversed(pens):
            set_pen(pen)
        for item in exporting:
            item.setExportMode(False)
        for item, mode in cached:
            item.setCacheMode(mode)


def _widen(item, scale: float) -> list:
    """Scale the cosmetic pen of a curve, line or legend sample; (setter, old pen) pairs."""
    import pyqtgraph as pg

    if hasattr(item, "export_scale"):  # draws many pens itself (gui.views.overlays.ArrowLayer)
        def set_scale(value, item=item):
            item.export_scale = value
            item.update()

        old_scale = item.export_scale
        set_scale(scale)
        return [(set_scale, old_scale)]
    if isinstance(item, pg.ScatterPlotItem):
        return _widen_markers(item, scale)
    if isinstance(item, pg.TargetItem):  # the start square
        def set_pen(p, item=item):
            item.pen = item.currentPen = p
            item.update()

        pen = item.pen
    elif isinstance(item, pg.PlotCurveItem):
        pen, set_pen = item.opts.get("pen"), item.setPen
    elif isinstance(item, pg.InfiniteLine):
        pen, set_pen = item.pen, item.setPen
    elif type(item).__name__ == "ItemSample" and isinstance(getattr(item, "item", None), pg.PlotDataItem):
        sample = item.item

        def set_pen(p, sample=sample):
            sample.opts["pen"] = p

        pen = sample.opts.get("pen")
    else:
        return []
    wide = _wider(pen, scale)
    if wide is None:
        return []
    set_pen(wide)
    return [(set_pen, pen)]


def _wider(pen, scale: float):
    """``pen`` ``scale`` times as wide, or None if it draws nothing or is not cosmetic."""
    import pyqtgraph as pg

    if pen is None:
        return None
    old = pg.mkPen(pen)
    if not old.isCosmetic() or old.style() == QtCore.Qt.PenStyle.NoPen:
        return None
    wide = QtGui.QPen(old)
    wide.setWidthF(max(old.widthF(), 1.0) * scale)
    return wide


def _widen_markers(item, scale: float) -> list:
    """The outlines of a scatter's symbols (run heads, minima, iterate dots): the default
    pen and each point's own. Swapped in place, not through setPen, which would re-render
    the on-screen symbol atlas twice for an image that does not use it."""
    old_default, old_column = item.opts["pen"], item.data["pen"].copy()
    wide_default = _wider(old_default, scale)
    column = np.empty(len(old_column), dtype=object)
    column[:] = [p if p is None else (_wider(p, scale) or p) for p in old_column]

    def set_pens(pens, item=item):
        item.opts["pen"], item.data["pen"] = pens
        item.update()

    set_pens((wide_default or old_default, column))
    return [(set_pens, (old_default, old_column))]


def render_widget(widget: QtWidgets.QWidget, scale: float = 1.0) -> QtGui.QImage:
    """The widget drawn at ``scale`` (2: twice the pixels, same layout; at 1x it is
    drawn as on screen, above that for export, see :func:`drawn_for_export`)."""
    size = widget.size()
    image = QtGui.QImage(int(size.width() * scale), int(size.height() * scale),
                         QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    from gui import theme
    image.fill(QtGui.QColor(theme.palette_of()["background"]))
    painter = QtGui.QPainter(image)
    try:
        with drawn_for_export(widget, scale) if scale > 1.0 else nullcontext():
            QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(0, 0), QtGui.QRegion(), _RENDER_FLAGS)
    finally:
        painter.end()
    image.setDevicePixelRatio(1.0)
    return image


def image_bytes(image: QtGui.QImage, fmt: str = "PNG") -> bytes:
    """The encoded image in memory: the file itself is written by engine.files (atomic,
    through links, with the cause of a failure), never by QImage.save."""
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if image.isNull() or not image.save(buffer, fmt):
        raise ValueError(f"the image could not be encoded as {fmt}")
    return bytes(buffer.data())


def save_image(image: QtGui.QImage, path: str) -> None:
    fmt = "JPG" if path.lower().endswith((".jpg", ".jpeg")) else "PNG"
    write_bytes(path, image_bytes(image, fmt))


def _check_scale(widget, scale: float) -> float:
    scale = float(scale)
    if not 0.1 <= scale <= 8.0:
        raise ValueError(f"scale {scale:g}: expected 1, 2 or 4")
    if max(widget.width(), widget.height()) * scale > MAX_PIXELS:
        raise ValueError(f"{widget.width()}x{widget.height()} at {scale:g}x is wider than "
                         f"{MAX_PIXELS} pixels: choose a smaller scale")
    return scale


def export_widget_png(widget, path: str, scale: float = 1.0, caption: Caption | None = None) -> str:
    scale = _check_scale(widget, scale)
    save_image(with_caption(render_widget(widget, scale), caption, scale), path)
    return path


def export_widget_svg(widget, path: str, title: str = "Optimizer Playground",
                      caption: Caption | None = None) -> str:
    from PySide6 import QtSvg

    size = widget.size()
    band = CaptionLayout(caption, size.width()) if caption is not None else None
    height = size.height() + (int(band.height) if band else 0)
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    gen = QtSvg.QSvgGenerator()
    gen.setOutputDevice(buffer)
    gen.setSize(QtCore.QSize(size.width(), height))
    gen.setViewBox(QtCore.QRect(0, 0, size.width(), height))
    gen.setTitle(title)
    gen.setDescription(caption.plain() if caption else "Optimizer Playground")
    painter = QtGui.QPainter(gen)
    try:
        with drawn_for_export(widget):  # vectors, not cached pixmaps
            QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(0, 0), QtGui.QRegion(), _RENDER_FLAGS)
        if band is not None:
            band.paint(painter, top=size.height())
    finally:
        painter.end()
    write_bytes(path, bytes(buffer.data()))
    return path


def plot_item_of(view):
    """What pyqtgraph's exporters export for a view: the whole layout of the contour
    view (legend, plot, colour bar), the plot item of a PlotWidget."""
    if hasattr(view, "ci"):
        return view.ci
    return view.getPlotItem()


def plot_image(view, scale: float = 1.0) -> QtGui.QImage:
    """The view drawn at ``scale`` the way the window is (:func:`render_widget`): all of
    it scales together. pyqtgraph's ImageExporter drew the legend's text at half the
    tick numbers' size at 2x and 4x."""
    return render_widget(view, _check_scale(view, scale))


def export_plot_png(view, path: str, scale: float = 1.0, caption: Caption | None = None) -> str:
    save_image(with_caption(plot_image(view, scale), caption, scale), path)
    return path


def export_plot_svg(view, path: str, caption: Caption | None = None) -> str:
    from pyqtgraph.exporters import SVGExporter

    data = SVGExporter(plot_item_of(view)).export(toBytes=True)
    if caption is not None:
        data = svg_with_caption(data.decode("utf-8"), caption).encode("utf-8")
    write_bytes(path, data)
    return path


def default_name(controller, what: str = "window", ext: str = "png") -> str:
    surface = controller.surface.key if controller.surface is not None else "scene"
    return f"playground-{surface}-{what}-{time.strftime('%Y%m%d-%H%M%S')}.{ext}"


def _with_ext(path: str, ext: str) -> str:
    return path if os.path.splitext(path)[1] else path + ext


class ExportActions(QtCore.QObject):
    """The File > Export dialogs of a MainWindow (remembers the folder, the PNG scale
    and whether a caption goes under the figure)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.job = None  # the animation being written (gui.export_anim.AnimationJob)

    # -- remembered choices ---------------------------------------------------------------------

    @property
    def folder(self) -> str:
        return str(settings().value(SETTINGS_FOLDER, "") or "")

    def _remember(self, path: str) -> None:
        settings().setValue(SETTINGS_FOLDER, os.path.dirname(os.path.abspath(path)))

    @property
    def scale(self) -> float:
        try:
            value = float(settings().value(SETTINGS_SCALE, 1.0))
        except (TypeError, ValueError):
            return 1.0
        return value if value in SCALES else 1.0

    def set_scale(self, scale: float) -> None:
        settings().setValue(SETTINGS_SCALE, float(scale))

    @property
    def caption_on(self) -> bool:
        value = settings().value(SETTINGS_CAPTION, False)
        return value in (True, "true", "1", 1)

    def set_caption(self, on: bool) -> None:
        settings().setValue(SETTINGS_CAPTION, bool(on))
        action = getattr(self.window, "commands", None) and self.window.commands.by_name.get("export_caption")
        if action is not None and action.isChecked() != bool(on):
            action.blockSignals(True)
            action.setChecked(bool(on))
            action.blockSignals(False)

    def caption(self) -> Caption | None:
        return caption_for(self.window.controller) if self.caption_on else None

    # -- dialogs --------------------------------------------------------------------------------

    def _ask(self, title: str, name: str, filters: str) -> str:
        from gui import settings as store

        start = os.path.join(self.folder or store.start_folder(), name)
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, title, start, filters)
        store.remember_folder(path)
        return path

    def _done(self, path: str) -> None:
        self._remember(path)
        self.window.controller.notify(f"saved {path}")

    def _fail(self, err) -> None:
        self.window.controller.notify(f"export failed: {err}")
        sessions = getattr(self.window, "sessions", None)
        if sessions is not None:  # a notice that stays, not only a status message
            sessions.warn("Export failed", f"Export failed: {err}", "No file was written or changed.")

    def quick_screenshot(self) -> str | None:
        """Ctrl+E: a window PNG under a dated name in the last folder (asks the first time)."""
        name = default_name(self.window.controller)
        folder = self.folder
        path = os.path.join(folder, name) if folder and os.path.isdir(folder) else \
            self._ask("Save screenshot", name, "PNG image (*.png)")
        if not path:
            return None
        try:
            export_widget_png(self.window, path, self.scale, self.caption())
        except (OSError, ValueError) as err:
            self._fail(err)
            return None
        self._done(path)
        return path

    def export_window(self, path: str | None = None) -> str | None:
        path = path or self._ask("Export window", default_name(self.window.controller),
                                 "PNG image (*.png);;SVG drawing (*.svg)")
        if not path:
            return None
        try:
            if path.lower().endswith(".svg"):
                export_widget_svg(self.window, path, caption=self.caption())
            else:
                path = _with_ext(path, ".png")
                export_widget_png(self.window, path, self.scale, self.caption())
        except (OSError, ValueError) as err:
            self._fail(err)
            return None
        self._done(path)
        return path

    def export_view(self, name: str, path: str | None = None) -> str | None:
        view = self.window.views[name]
        path = path or self._ask(f"Export the {name} plot", default_name(self.window.controller, name),
                                 "PNG image (*.png);;SVG drawing (*.svg)")
        if not path:
            return None
        try:
            if path.lower().endswith(".svg"):
                export_plot_svg(view, path, self.caption())
            else:
                path = _with_ext(path, ".png")
                export_plot_png(view, path, self.scale, self.caption())
        except (OSError, ValueError) as err:
            self._fail(err)
            return None
        self._done(path)
        return path

    def export_animation(self, fmt: str = "gif"):
        """File > Export > Animation (GIF) / Video (MP4): options, file name, then the
        frames are written in the background with a progress dialog."""
        from gui import export_anim

        if fmt == "mp4" and not export_anim.mp4_available():
            QtWidgets.QMessageBox.information(self.window, "MP4 export", export_anim.MP4_MISSING)
            self.window.controller.notify(export_anim.MP4_MISSING)
            return None
        if self.job is not None and self.job.running:
            self.window.controller.notify("an animation is already being written")
            return None
        from gui.export_anim_ui import AnimationDialog

        dialog = AnimationDialog(self.window, fmt, caption=self.caption_on)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        options = dialog.options()
        self.set_caption(options.caption)
        what = "animation" if options.view == "window" else options.view
        path = self._ask("Export animation" if fmt == "gif" else "Export video",
                         default_name(self.window.controller, what, fmt),
                         "GIF animation (*.gif)" if fmt == "gif" else "MP4 video (*.mp4)")
        if not path:
            return None
        return self.start_animation(_with_ext(path, "." + fmt), options)

    def start_animation(self, path: str, options):
        """Write ``path`` frame by frame in the background (tests call this directly)."""
        from gui.export_anim_ui import AnimationJob

        self.job = AnimationJob(self.window, path, options)
        self.job.finished.connect(self._animation_finished)
        self.job.start()
        return self.job

    def _animation_finished(self, path: str, error: str) -> None:
        if error:
            self.window.controller.notify(error)
        elif path:
            self._done(path)

    def export_trajectories(self, path: str | None = None) -> str | None:
        """Every run's path as one long CSV (a ``run`` column) or one JSON file."""
        from gui.export_data import write_trajectories

        path = path or self._ask("Export trajectories", default_name(self.window.controller, "runs", "csv"),
                                 "CSV, one row per run and step (*.csv);;JSON with the scene (*.json)")
        if not path:
            return None
        path = _with_ext(path, ".csv")
        try:
            write_trajectories(self.window.controller, path)
        except (OSError, ValueError) as err:
            self._fail(err)
            return None
        self._done(path)
        return path


def add_export_entries(actions, menu: QtWidgets.QMenu, window) -> None:
    """The File > Export entries after the still images: animation, video, trajectories,
    the PNG resolution and the caption switch (``actions`` is the window's WindowActions)."""
    from gui.export_anim import MP4_MISSING, mp4_available

    exporter = window.exporter
    add = actions._add
    menu.setToolTipsVisible(True)
    menu.addSeparator()
    add(menu, "export_gif", "Animation (GIF)…", None, lambda: exporter.export_animation("gif"))
    if mp4_available():
        add(menu, "export_mp4", "Video (MP4)…", None, lambda: exporter.export_animation("mp4"))
    else:
        mp4 = add(menu, "export_mp4", "Video (MP4)… — needs the video extra", None,
                  lambda: exporter.export_animation("mp4"))
        mp4.setToolTip(MP4_MISSING)
        mp4.setStatusTip(MP4_MISSING)
    add(menu, "export_data", "Trajectories… (CSV or JSON)", None, exporter.export_trajectories)
    menu.addSeparator()
    resolution = menu.addMenu("PNG resolution")
    group = QtGui.QActionGroup(resolution)
    group.setExclusive(True)
    for scale in SCALES:
        action = add(resolution, f"scale_{scale:g}x", f"{scale:g}× ({'screen' if scale == 1 else 'high'} resolution)",
                     None, lambda on, s=scale: on and exporter.set_scale(s), checkable=True)
        group.addAction(action)
        action.setChecked(exporter.scale == scale)
    caption = add(menu, "export_caption", "Caption with the settings", None, exporter.set_caption, checkable=True)
    caption.setChecked(exporter.caption_on)
    caption.setToolTip("A band under every export: surface, optimizers and schedules as specs, steps, noise, seed")
