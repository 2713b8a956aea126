"""Switch theme or presentation scale on a window that is already drawn.

Views read :mod:`gui.theme` whenever they draw, so whatever they draw after the switch
follows it. What they drew before (axes, titles, legends, heat maps, contour lines,
curves, text) is walked here once and mapped from the old theme's colours to the new
one's (only the theme's own inks: run colours are never touched), with fonts and pens
scaled by ``new scale / old scale`` (the trails' markers scale themselves, gui.views.trails).
Qt panels follow the application palette.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gui import theme
from gui.panels.runs import RunsPanel

HEAT_PREFIX = "playground-heat-"


def switch(roots, name: str | None = None, scale: float | None = None, label_root=None) -> None:
    """Make ``name``/``scale`` current and restyle every plot under ``roots`` (widgets);
    Qt labels under ``label_root`` (the plots' titles and legends) and the other widgets
    on the slide there (``SCALED``: the results table, its buttons and field) are scaled too."""
    old_theme = theme.palette_of()
    old_scale = theme.SCALE
    if name is not None and name != theme.THEME:
        theme.use_theme(name)
        apply_palette()
    if scale is not None and scale != theme.SCALE:
        theme.set_scale(scale)
    restyle(roots, old_theme, old_scale, label_root)


def apply_palette() -> None:
    """The Qt panels (controls, inspector, menus, dialogs) in the theme's colours."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        return
    if theme.THEME == "light":
        app.setPalette(app.style().standardPalette())
        app.setStyleSheet(theme.APP_STYLE)
        return
    t = theme.palette_of()
    pal = QtGui.QPalette()
    base, window, text = QtGui.QColor("#1d2126"), QtGui.QColor("#262b31"), QtGui.QColor(t["ink"])
    role = QtGui.QPalette.ColorRole
    for r, c in ((role.Window, window), (role.WindowText, text), (role.Base, base),
                 (role.AlternateBase, QtGui.QColor("#2b3137")), (role.Text, text), (role.Button, window),
                 (role.ButtonText, text), (role.ToolTipBase, QtGui.QColor("#30363d")), (role.ToolTipText, text),
                 (role.Highlight, QtGui.QColor("#3d6fa8")), (role.HighlightedText, QtGui.QColor("#ffffff")),
                 (role.Link, QtGui.QColor("#79b8ff")), (role.PlaceholderText, QtGui.QColor(t["muted"])),
                 (role.BrightText, QtGui.QColor("#ff6b6b"))):
        pal.setColor(r, c)
    for r in (role.Text, role.WindowText, role.ButtonText):
        pal.setColor(QtGui.QPalette.ColorGroup.Disabled, r, QtGui.QColor("#7a8088"))
    app.setPalette(pal)
    # setting the sheet also re-polishes: with an application style sheet, widgets keep
    # their old palette until it is set again
    app.setStyleSheet(theme.APP_STYLE + theme.DARK_STYLE.replace("%CHECK%", CHECK_MARK))


# Package data, not a path into a checkout: an installed copy or a bundle has it too.
CHECK_MARK = Path(os.fspath(resources.files("resources") / "icons" / "check.svg")).as_posix()


def adopt(root: QtWidgets.QWidget) -> None:
    """Widgets made while the dark theme is already current (a start in the remembered
    theme): their hard-coded light colours get the dark counterparts a switch gives."""
    if theme.THEME != "light":
        _restyle_widgets(root, theme.palette_of("light"), theme.palette_of())


# -- colours ---------------------------------------------------------------------------------------


def _key(color) -> tuple:
    c = QtGui.QColor(*color) if isinstance(color, tuple) else QtGui.QColor(color)
    return c.red(), c.green(), c.blue(), c.alpha()


def color_map(old: dict, new: dict) -> dict:
    """(r, g, b, a) of the old theme's inks -> the new theme's QColor."""
    out = {}
    for name in ("ink", "muted", "curve", "contour"):
        out[_key(old[name])] = QtGui.QColor(*new[name]) if isinstance(new[name], tuple) else QtGui.QColor(new[name])
    if new is not old and theme.THEME == "dark":
        out.setdefault(_key("#000000"), QtGui.QColor(new["ink"]))  # plain black paths (landscape view)
    return out


def _mapped(color: QtGui.QColor, cmap: dict) -> QtGui.QColor | None:
    return cmap.get((color.red(), color.green(), color.blue(), color.alpha()))


def _new_pen(pen: QtGui.QPen | None, cmap: dict, factor: float) -> QtGui.QPen | None:
    if pen is None:
        return None
    color = _mapped(pen.color(), cmap)
    if color is None and factor == 1.0:
        return None
    p = QtGui.QPen(pen)
    if color is not None:
        p.setColor(color)
    if factor != 1.0 and p.style() != pg.QtCore.Qt.PenStyle.NoPen:
        p.setWidthF(max(p.widthF(), 1.0) * factor if p.widthF() > 0 else factor)
    return p


_PT = re.compile(r"([0-9.]+)\s*pt")


def _scaled_size(text, factor: float):
    if not isinstance(text, str):
        return text
    m = _PT.search(text)
    if not m or factor == 1.0:
        return text
    return _PT.sub(f"{max(round(float(m.group(1)) * factor), 6)}pt", text, count=1)


def _scaled_font(font: QtGui.QFont | None, factor: float) -> QtGui.QFont:
    f = QtGui.QFont(font) if font is not None else QtGui.QFont(QtWidgets.QApplication.font())
    if factor != 1.0:
        pt = f.pointSizeF() if f.pointSizeF() > 0 else 10.0
        f.setPointSizeF(max(round(pt * factor), 6))
    return f


def _text_color(value, cmap: dict):
    if value is None:
        return None
    try:
        mapped = _mapped(pg.mkColor(value), cmap)
    except Exception:  # noqa: BLE001 - an odd colour spec stays what it is
        return value
    return mapped.name() if mapped is not None else value


# -- the walk --------------------------------------------------------------------------------------


def restyle(roots, old: dict, old_scale: float, label_root=None) -> None:
    new = theme.palette_of()
    cmap = color_map(old, new) if old is not new else {}
    font_f = theme.SCALE / old_scale
    line_f = (1.0 + 0.75 * (theme.SCALE - 1.0)) / (1.0 + 0.75 * (old_scale - 1.0))
    views = []
    for root in roots:
        if root is None:
            continue
        if isinstance(root, pg.GraphicsView):
            views.append(root)
        views.extend(root.findChildren(pg.GraphicsView))
        if cmap:
            _restyle_widgets(root, old, new)
            _retint_icons(root)
            for panel in root.findChildren(RunsPanel):  # list items carry the ink as their foreground
                panel.rebuild()
    for view in dict.fromkeys(views):
        view.setBackground(theme.BACKGROUND)
        for item in view.scene().items():
            _restyle_item(item, cmap, font_f, line_f)
    if label_root is not None:
        _scale_slide_text(label_root, font_f, old_scale)


def _retint_icons(root) -> None:
    for obj in [root, *root.findChildren(QtCore.QObject)]:
        which = obj.property(theme.ICON_PROPERTY)
        if which is not None:
            theme.set_std_icon(obj, QtWidgets.QStyle.StandardPixmap(which))


_PT_ALL = re.compile(r"font-size:\s*([0-9.]+)pt")


def _scaled_pts(text: str, factor: float) -> str:
    return _PT_ALL.sub(lambda m: f"font-size:{max(round(float(m.group(1)) * factor), 6)}pt", text)


def _in_scroll_area(w: QtWidgets.QWidget, root: QtWidgets.QWidget) -> bool:
    p = w.parentWidget()
    while p is not None and p is not root:
        if isinstance(p, QtWidgets.QScrollArea):
            return True
        p = p.parentWidget()
    return False


# On the slide besides the labels: the results table and the buttons and fields beside
# it, the signal plot's choosers. At presentation size a doubled "tolerance" beside a
# small field and a table in 10 pt read as a mistake from the back row. Not the tab bars:
# at 2x classification's three tabs no longer fit at 1280 px and scroll.
SCALED = (QtWidgets.QLabel, QtWidgets.QAbstractItemView, QtWidgets.QPushButton,
          QtWidgets.QRadioButton, QtWidgets.QCheckBox, QtWidgets.QLineEdit, QtWidgets.QComboBox,
          QtWidgets.QAbstractSpinBox)


def _scale_slide_text(root: QtWidgets.QWidget, factor: float, old_scale: float) -> None:
    """Titles and legends the views draw as Qt labels (classification mode), and the other
    widgets on the slide (``SCALED``): their size goes in their style sheet, which
    survives the re-polish a theme switch does (a setFont would be undone by the
    application style sheet), and a label's rich-text font sizes are scaled in place."""
    # the controls columns (hidden while presenting) keep their size
    widgets = [w for w in root.findChildren(QtWidgets.QWidget)
               if isinstance(w, SCALED) and not _in_scroll_area(w, root)]
    for w in widgets:  # every size before any is set: a table's sheet reaches its header
        if w.property(BASE_PT) is None:
            w.setProperty(BASE_PT, (w.font().pointSizeF() if w.font().pointSizeF() > 0 else 10.0) / old_scale)
    for w in widgets:
        base = w.property(BASE_PT)
        sheet = _strip_scale(w.styleSheet())
        if theme.SCALE != 1.0:
            pt = max(round(float(base) * theme.SCALE), 6)
            sheet += f"{SCALE_MARK} {_qt_class(w)} {{ font-size: {pt}pt; }}" if "{" in sheet else \
                f"{SCALE_MARK} font-size: {pt}pt;"
        if sheet != w.styleSheet():
            w.setStyleSheet(sheet)
        if not isinstance(w, QtWidgets.QLabel):
            continue
        text = w.text()
        if factor != 1.0 and "font-size" in text:
            w.setText(_scaled_pts(text, factor))
            light = w.property(LIGHT_TEXT)
            if light is not None:
                w.setProperty(LIGHT_TEXT, _scaled_pts(light, factor))


def _qt_class(w: QtWidgets.QWidget) -> str:
    """The Qt class a style sheet selector names for ``w`` (a Python subclass's own name
    matches nothing)."""
    meta = w.metaObject()
    while meta is not None and not meta.className().startswith("Q"):
        meta = meta.superClass()
    return meta.className() if meta is not None else "QWidget"


BASE_PT = "playground_base_pt"
SCALE_MARK = " /*playground-scale*/"


def _strip_scale(sheet: str) -> str:
    k = sheet.find(SCALE_MARK)
    return sheet if k < 0 else sheet[:k]


# hard-coded light-theme colours in the panels' style sheets and rich text, and what the
# dark theme shows instead
_DARK_TEXT = {"#222222": "#e8e8e8", "#222": "#e8e8e8", "#444444": "#cfd3d8", "#444": "#cfd3d8",
              "#666666": "#a0a6ad", "#666": "#a0a6ad", "#f6f6f2": "#1d2126", "#ffffff": "#15181c"}
_HEX = re.compile("|".join(sorted((re.escape(k) for k in _DARK_TEXT), key=len, reverse=True)) + r"(?![0-9a-fA-F])",
                  re.IGNORECASE)
LIGHT_SHEET, LIGHT_TEXT = "playground_light_sheet", "playground_light_text"


def _darken(text: str) -> str:
    return _HEX.sub(lambda m: _DARK_TEXT[m.group(0).lower()], text)


def _restyle_widgets(root: QtWidgets.QWidget, old: dict, new: dict) -> None:
    """Qt widgets whose style sheet or rich text names a light-theme colour: the dark
    theme gets its counterpart, the light theme the original back."""
    dark = theme.THEME == "dark"
    for w in [root, *root.findChildren(QtWidgets.QWidget)]:
        sheet = w.property(LIGHT_SHEET)
        if sheet is None:
            sheet = _strip_scale(w.styleSheet())
            if sheet and _HEX.search(sheet):
                w.setProperty(LIGHT_SHEET, sheet)
            else:
                sheet = None
        if sheet is not None:
            w.setStyleSheet(_darken(sheet) if dark else sheet)
        if isinstance(w, QtWidgets.QLabel) and "color" in w.text():
            text = w.text()
            light = w.property(LIGHT_TEXT)
            if light is None or _darken(light) != text and light != text:
                light = text  # the view wrote new text since: that is the light original
                w.setProperty(LIGHT_TEXT, light)
            w.setText(_darken(light) if dark else light)


def _restyle_item(item, cmap: dict, font_f: float, line_f: float) -> None:
    if isinstance(item, pg.AxisItem):
        _restyle_axis(item, cmap, font_f, line_f)
    elif isinstance(item, pg.LabelItem):
        opts = dict(item.opts)
        color = _text_color(opts.get("color"), cmap) if opts.get("color") is not None else theme.INK
        item.setText(item.text, color=color, size=_scaled_size(opts.get("size", f"{theme.BASE_LABEL_PT}pt"), font_f)
                     if "size" in opts or font_f != 1.0 else opts.get("size"))
    elif isinstance(item, pg.TextItem):
        color = _mapped(item.color, cmap) if hasattr(item, "color") else None
        if color is not None:
            item.setColor(color)
        if font_f != 1.0:
            item.setFont(_scaled_font(item.textItem.font(), font_f))
    elif isinstance(item, pg.ColorBarItem):
        cm = item.colorMap()
        if cm is not None and str(getattr(cm, "name", "")).startswith(HEAT_PREFIX):
            item.setColorMap(theme.heat_colormap())
    elif isinstance(item, pg.ImageItem):
        cm = item.getColorMap()
        if cm is not None and str(getattr(cm, "name", "")).startswith(HEAT_PREFIX):
            item.setColorMap(theme.heat_colormap())
    elif isinstance(item, pg.PlotDataItem):
        pen = _new_pen(item.opts.get("pen") and pg.mkPen(item.opts["pen"]), cmap, line_f)
        if pen is not None:
            item.setPen(pen)
    elif isinstance(item, pg.PlotCurveItem):
        if isinstance(item.parentItem(), pg.PlotDataItem):
            return  # its PlotDataItem sets it
        pen = _new_pen(item.opts.get("pen"), cmap, line_f)
        if pen is not None:
            item.setPen(pen)
    elif isinstance(item, pg.InfiniteLine):
        pen = _new_pen(item.pen, cmap, line_f)
        if pen is not None:
            item.setPen(pen)
    elif isinstance(item, pg.IsocurveItem):
        pen = _new_pen(item.pen, cmap, line_f)
        if pen is not None:
            item.setPen(pen)
    elif isinstance(item, pg.LegendItem):
        item.opts["labelTextColor"] = theme.INK
        size = item.opts.get("labelTextSize")
        if size:
            item.opts["labelTextSize"] = _scaled_size(size, font_f)
        brush = item.opts.get("brush")
        if brush is not None:
            b = pg.mkBrush(brush)
            if b.color().alpha() > 0:
                c = QtGui.QColor(theme.BACKGROUND)
                c.setAlpha(b.color().alpha())
                item.setBrush(pg.mkBrush(c))
    elif type(item).__name__ == "ItemSample":
        sample = getattr(item, "item", None)
        if isinstance(sample, pg.PlotDataItem) and sample.opts.get("pen") is not None:
            pen = _new_pen(pg.mkPen(sample.opts["pen"]), cmap, line_f)
            if pen is not None:
                sample.opts["pen"] = pen
                item.update()


def _restyle_axis(axis: pg.AxisItem, cmap: dict, font_f: float, line_f: float) -> None:
    tick_font = axis.style.get("tickFont")
    if font_f != 1.0 or tick_font is None:
        axis.setTickFont(_scaled_font(tick_font, font_f))
    text_pen = _new_pen(axis.textPen(), cmap, 1.0)
    if text_pen is not None:
        axis.setTextPen(text_pen)
    pen = _new_pen(axis.pen(), cmap, line_f)
    if pen is not None:
        axis.setPen(pen)
    style = dict(axis.labelStyle or {})
    if style or axis.labelText:
        style["color"] = _text_color(style.get("color"), cmap) if style.get("color") else theme.INK
        style["font-size"] = _scaled_size(style.get("font-size", f"{theme.BASE_LABEL_PT}pt"), font_f)
        axis.labelStyle = style
        axis._updateLabel()  # pyqtgraph's own re-layout of the label (text, units, style)
    if font_f != 1.0:
        # the tick labels' room: pyqtgraph measures it from the text it drew last time
        axis.textWidth, axis.textHeight = 30, 18  # pyqtgraph's starting values
        # fixed sizes (a colour bar's axis, plots lined up on one step axis) were chosen for
        # 1x fonts: scaled from that, with a little room for the larger tick numbers
        room = 1.1 if theme.SCALE > 1.0 else 1.0
        for attr in ("fixedWidth", "fixedHeight"):
            base_attr = f"_playground_base_{attr}"
            if getattr(axis, attr) is not None:
                base = axis.__dict__.setdefault(base_attr, getattr(axis, attr))  # set for 1x by the view
                setattr(axis, attr, round(base * theme.SCALE * room))
        axis._adjustSize()
        _pad_ticks(axis, theme.SCALE > 1.0 and axis.fixedWidth is None)
        axis.picture = None
        axis.update()


def _pad_ticks(axis: pg.AxisItem, on: bool) -> None:
    """pyqtgraph leaves 0.8 x the label's height for a left axis title beside the tick
    numbers: enough at 11 pt, touching at 22 pt. A leading space in each tick string is
    measured (so the axis gets wider) but not seen (the text is right-aligned)."""
    if axis.orientation != "left":
        return
    original = axis.__dict__.get("_playground_tick_strings")
    if on and original is None:
        original = axis.tickStrings
        axis._playground_tick_strings = original
        axis.tickStrings = lambda values, scale, spacing: ["  " + t for t in original(values, scale, spacing)]
    elif not on and original is not None:
        axis.tickStrings = original
        del axis._playground_tick_strings
