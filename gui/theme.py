"""Look and feel shared by every view: fonts big enough for the back of a lecture
hall, the heat-map colours, and pens that stay fast.

Two themes, ``light`` (the default, and what projectors show best) and ``dark``, and a
``scale`` for presentation mode (fonts, markers and lines ~2x). They are module state:
views read ``theme.INK``, ``theme.LABEL_PT``, ``theme.pen(...)`` when they draw, so
anything drawn after a switch follows it, and :mod:`gui.restyle` updates what was
drawn before (axes, labels, legends, heat maps, contours, curves, Qt panels).

Pens are not antialiased by default: NOTES.md measured wide *path* strokes in Qt's
raster engine at a fifth of the frame rate: that is the stroking of a whole path.
Trails are stroked as separate segments instead (``drawLines``): at 1920x1080 a 3.5 px
trail then costs what a 1 px one does (benchmarks/bench_presentation.py).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

# Z[j, i] = f(xs[i], ys[j]) everywhere (surfaces.base.Surface.grid), so images are row-major.
pg.setConfigOptions(imageAxisOrder="row-major", antialias=False, background="w", foreground="#222222")

BASE_TICK_PT, BASE_LABEL_PT, BASE_TITLE_PT = 11, 12, 13
TICK_PT = 11      # axis numbers
LABEL_PT = 12     # axis titles, legend
TITLE_PT = 13     # plot titles
AXIS_TEXT_START = 30  # px: pyqtgraph's starting room for a y axis's numbers
MONO_FAMILY = "DejaVu Sans Mono"

# Low loss is light and high loss is a calm slate, so the Okabe-Ito trail colours
# (Scene.PALETTE) stay readable on every part of the map. The dark theme turns the
# map round: low loss is the darkest, the colours keep their contrast.
THEMES = {
    "light": {
        "background": "#ffffff", "ink": "#222222", "muted": "#666666", "curve": "#444444",
        "contour": (40, 40, 60, 110), "blank": "#000000",
        "heat": ["#ffffff", "#f1f3ee", "#e0e6ea", "#c9d3de", "#aebccc", "#93a4b9"],
    },
    "dark": {
        "background": "#15181c", "ink": "#e8e8e8", "muted": "#a0a6ad", "curve": "#d0d0d0",
        "contour": (225, 230, 240, 85), "blank": "#000000",
        "heat": ["#101215", "#171b20", "#1f252c", "#29313a", "#353f4a", "#424e5b"],
    },
}
THEME = "light"
SCALE = 1.0         # presentation mode: 2.0
LINE_SCALE = 1.0    # every theme.pen width is multiplied by this
MARKER_SCALE = 1.0  # heads, dots, minima

INK = "#222222"
MUTED = "#666666"
BACKGROUND = "#ffffff"
CURVE = "#444444"
GRID_ALPHA = 0.15
CONTOUR_COLOR = (40, 40, 60, 110)  # thin dark lines over the light heat map
HEAT_COLORS = THEMES["light"]["heat"]


def palette_of(name: str | None = None) -> dict:
    return THEMES[name or THEME]


def use_theme(name: str) -> dict:
    """Make ``name`` the current theme for everything drawn from now on; returns the
    previous theme's colours (gui.restyle maps old colours to new ones with them)."""
    global THEME, INK, MUTED, BACKGROUND, CURVE, CONTOUR_COLOR, HEAT_COLORS
    if name not in THEMES:
        raise ValueError(f"theme {name!r}: expected one of {', '.join(THEMES)}")
    old = THEMES[THEME]
    THEME = name
    t = THEMES[name]
    INK, MUTED, BACKGROUND, CURVE = t["ink"], t["muted"], t["background"], t["curve"]
    CONTOUR_COLOR = t["contour"]
    HEAT_COLORS = t["heat"]
    pg.setConfigOptions(background=BACKGROUND, foreground=INK)
    _OUTLINE.clear()
    return old


def set_scale(scale: float) -> float:
    """Fonts x scale, lines and markers a little less (a 2x line looks heavier than a
    2x letter); returns the previous scale."""
    global SCALE, TICK_PT, LABEL_PT, TITLE_PT, LINE_SCALE, MARKER_SCALE
    old = SCALE
    SCALE = float(scale)
    TICK_PT, LABEL_PT, TITLE_PT = (round(p * SCALE) for p in (BASE_TICK_PT, BASE_LABEL_PT, BASE_TITLE_PT))
    LINE_SCALE = 1.0 + 0.75 * (SCALE - 1.0)
    MARKER_SCALE = 1.0 + 0.6 * (SCALE - 1.0)
    _OUTLINE.clear()
    return old


_OUTLINE: dict = {}


def outline_pen() -> QtGui.QPen:
    """The ink outline of head markers: one object per theme and scale (pyqtgraph caches
    symbol pictures by the identity of the pen)."""
    if "pen" not in _OUTLINE:
        _OUTLINE["pen"] = pg.mkPen(INK, width=1.5 * LINE_SCALE)
    return _OUTLINE["pen"]


def heat_colormap() -> pg.ColorMap:
    pos = np.linspace(0.0, 1.0, len(HEAT_COLORS))
    return pg.ColorMap(pos, [QtGui.QColor(c) for c in HEAT_COLORS], name=f"playground-heat-{THEME}")


def font(pt: int, bold: bool = False, mono: bool = False) -> QtGui.QFont:
    f = QtGui.QFont(MONO_FAMILY) if mono else QtGui.QFont()
    f.setPointSize(pt)
    f.setBold(bold)
    return f


def pen(color, width: float = 1.0, style=None, alpha: int | None = None) -> QtGui.QPen:
    c = QtGui.QColor(color)
    if alpha is not None:
        c.setAlpha(alpha)
    p = QtGui.QPen(c)
    p.setWidthF(width * LINE_SCALE)
    p.setCosmetic(True)
    if style is not None:
        p.setStyle(style)
    return p


class EdgeAxis(pg.AxisItem):
    """A bottom axis whose last tick number has room: pyqtgraph hides a number that
    reaches past the axis's end (with a grid, whatever ``hideOverlappingLabels`` says),
    and a plot at the window's right edge then shows no number at its last step. The
    plot keeps a right margin of half a wide number (re-measured when the tick font
    changes, e.g. in presentation mode) and the number may reach into it."""

    def room(self) -> int:
        # measured once per font: Qt asks for the bounding rect many times a frame
        font = self.style.get("tickFont") or QtGui.QFont()
        key = (font.family(), font.pointSizeF(), font.pixelSize())
        if getattr(self, "_room", (None, 0))[0] != key:
            self._room = (key, QtGui.QFontMetrics(font).horizontalAdvance("00000") // 2 + 2)
        return self._room[1]

    def setTickFont(self, font) -> None:
        super().setTickFont(font)
        plot = self.parentItem()
        if isinstance(plot, pg.PlotItem):
            left, top, _right, bottom = plot.layout.getContentsMargins()
            plot.layout.setContentsMargins(left, top, self.room(), bottom)

    def boundingRect(self):
        return super().boundingRect().adjusted(0, 0, self.room(), 0)


class FitTitle(pg.LabelItem):
    """A plot title that never widens its plot: pyqtgraph makes the title's text width
    the plot's minimum width (a long title at presentation size pushed the plot past the
    window's edge) and fixes the title row at 30 px (a 26 pt title ran into the plot).
    Here the row is as tall as the text, and text wider than the plot is drawn smaller."""

    def updateMin(self):
        natural = self.item.boundingRect()
        self.setMinimumWidth(0)
        self.setMinimumHeight(natural.height())
        self.setMaximumHeight(natural.height())
        plot = self.parentItem()
        if isinstance(plot, pg.PlotItem) and self.isVisible():
            plot.layout.setRowFixedHeight(0, natural.height())
        self._sizeHint = {QtCore.Qt.SizeHint.MinimumSize: (0, natural.height()),
                          QtCore.Qt.SizeHint.PreferredSize: (natural.width(), natural.height()),
                          QtCore.Qt.SizeHint.MaximumSize: (-1, -1),
                          QtCore.Qt.SizeHint.MinimumDescent: (0, 0)}
        self.updateGeometry()

    def resizeEvent(self, ev):
        natural = self.item.boundingRect().width()
        room = self.rect().width()
        fit = min(1.0, room / natural) if natural > 0 and room > 0 else 1.0
        if abs(self.item.scale() - fit) > 1e-3:
            self.item.setScale(fit)
        super().resizeEvent(ev)


def _fit_title(plot: pg.PlotItem) -> None:
    if isinstance(plot.titleLabel, FitTitle):
        return
    old = plot.titleLabel
    plot.layout.removeItem(old)
    old.setParentItem(None)
    if old.scene() is not None:
        old.scene().removeItem(old)
    plot.titleLabel = FitTitle("", size="11pt", parent=plot)
    plot.layout.addItem(plot.titleLabel, 0, 1)


def style_plot(plot: pg.PlotItem, bottom: str = "", left: str = "", title: str = "") -> None:
    """Readable axes: large tick numbers, labelled axes, a light grid, a right margin,
    a title that fits."""
    if not isinstance(plot.getAxis("bottom"), EdgeAxis):
        plot.setAxisItems({"bottom": EdgeAxis("bottom")})
    _fit_title(plot)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTickFont(font(TICK_PT))
        axis.setTextPen(pg.mkPen(INK))
        axis.setPen(pg.mkPen(MUTED))
        axis.enableAutoSIPrefix(False)  # "(x0.001)" next to a label is easy to miss from afar
        roomy_ticks(axis)
        # Trails next to an axis mark it dirty on every frame; re-drawing its text costs
        # ~0.7 ms an axis, blitting a cached pixmap almost nothing.
        axis.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
    label_style = {"color": INK, "font-size": f"{LABEL_PT}pt"}
    if bottom:
        plot.setLabel("bottom", bottom, **label_style)
    if left:
        plot.setLabel("left", left, **label_style)
    if title:
        plot.setTitle(title, color=INK, size=f"{TITLE_PT}pt")
    plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    if not getattr(plot, "_fits_left_label", False):
        plot._fits_left_label = True
        plot.vb.sigResized.connect(functools.partial(fit_left_label, plot))
    fit_left_label(plot)


def equal_scales(plot: pg.PlotItem, locked: bool = True) -> None:
    """Equal x and y scales (a map), for new content (another surface): the y axis's
    numbers take the room they need now, and then that room only grows until the next
    call. Locked, the numbers decide the plot's width and the width the y range: "3"
    and "2.5" took turns (28 px apart when presenting) and the map was laid out again on
    every pass of the event loop, for good."""
    plot.setAspectLocked(locked, ratio=1.0)
    axis = plot.getAxis("left")
    axis.setStyle(autoReduceTextSpace=not locked)
    axis.textWidth = AXIS_TEXT_START


def settle_range(plot: pg.PlotItem, lo: float, hi: float, padding: float = 0.05) -> None:
    """Set the y range only when the data left it or fills less than 60% of it: a slider
    being dragged should not make the axis (and its text) jump on every move."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    if plot.vb.state["autoRange"][1] is not False:
        # the range is kept here: left on, pyqtgraph's auto-range re-measured every curve
        # and repainted the whole plot on every slider move (the rate plot: ~1.4 ms a move,
        # its line's two strips instead)
        plot.vb.disableAutoRange(pg.ViewBox.YAxis)
    pad = (hi - lo) * padding
    (cur_lo, cur_hi) = plot.vb.viewRange()[1]
    inside = cur_lo <= lo and hi <= cur_hi
    if inside and (hi - lo) >= 0.6 * (cur_hi - cur_lo - 2 * pad):
        return
    plot.setYRange(lo - pad, hi + pad, padding=0.0)


def set_x_range(plot: pg.PlotItem, lo: float, hi: float, padding: float = 0.02) -> None:
    """setXRange unless it is already that range (setting it again re-draws both axes)."""
    pad = (hi - lo) * padding
    cur = plot.vb.viewRange()[0]
    if abs(cur[0] - (lo - pad)) > 1e-9 * (abs(hi) + 1) or abs(cur[1] - (hi + pad)) > 1e-9 * (abs(hi) + 1):
        plot.setXRange(lo - pad, hi + pad, padding=0.0)


def set_log_axis(plot: pg.PlotItem, side: str, log: bool) -> None:
    axis = plot.getAxis(side)
    tidy_log_ticks(axis)
    if bool(axis.logMode) != bool(log):  # setting it again throws away the axis drawing
        axis.setLogMode(log)


def tidy_log_ticks(axis: pg.AxisItem) -> None:
    """Log ticks at 1, 2 and 5 times powers of ten, as many as have room. pyqtgraph
    labels every minor tick 1..9 when fewer than three decades show, which piles up
    ("1 0.9 0.8 0.7 ...") on an axis over one or two decades. pyqtgraph's documented
    hook for this is ``logTickValues``; it is set on the axis, whatever made it."""
    axis.logTickValues = functools.partial(log_tick_values, axis)
    axis.logTickStrings = log_tick_strings


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_tick_strings(values, scale: float, _spacing=None) -> list:
    """0.01 ... 1000 as plain numbers, beyond as powers of ten ("10⁻⁵", "2·10⁴").
    pyqtgraph writes 0.0001 in full (6 characters) but 1e-05 as a power: a colour bar's
    fixed-width axis lost its "10⁻⁴" and ran "0.001" into its own title."""
    out = []
    for x in values:
        v = 10.0 ** float(x) * scale
        if not math.isfinite(v) or v <= 0:
            out.append("")
            continue
        e = math.floor(math.log10(v) + 1e-9)
        m = round(v / 10.0 ** e, 6)
        m = int(m) if m == int(m) else m
        if -2 <= e <= 3:
            out.append(f"{v:.{max(0, -e)}f}" if m == int(m) else f"{v:g}")
        else:
            out.append(("" if m == 1 else f"{m}·") + "10" + str(e).translate(SUPERSCRIPT))
    return out


def log_tick_values(axis, lo: float, hi: float, size: float, _std=None) -> list:
    font = axis.style.get("tickFont") or QtGui.QFont()
    metrics = QtGui.QFontMetrics(font)
    need = metrics.height() * 1.5 if axis.orientation in ("left", "right") else metrics.horizontalAdvance("2·10⁻⁸")
    room = max(int(size / max(need, 1.0)), 1)  # a short plot: one number rather than two on top of each other
    first, last = math.floor(lo), math.ceil(hi)
    decades = [float(d) for d in range(first, last + 1) if lo <= d <= hi]
    minor = [d + math.log10(m) for d in range(first, last + 1) for m in (2, 5) if lo <= d + math.log10(m) <= hi]
    if room == 1 and axis.orientation in ("left", "right") and size > 0:
        # room for one number: the round one nearest the middle whose text stays on the
        # axis (the first decade sat on the edge of a 60-px rate plot and was not drawn)
        half = metrics.height() / 2 * (hi - lo) / size
        fits = [v for v in decades or decades + minor if lo + half <= v <= hi - half] \
            or [v for v in decades + minor if lo + half <= v <= hi - half]
        if fits:
            return [(1.0, [min(fits, key=lambda v: abs(v - (lo + hi) / 2))])]
    if len(decades) >= room:
        return [(1.0, decades[:: math.ceil(len(decades) / room)])]
    if len(decades) + len(minor) <= room:
        if len(decades) + len(minor) >= 2:
            return [(1.0, sorted(decades + minor))]
        # less than a decade: every 1..9 multiple that has room, else the ends only
        fine = [d + math.log10(m) for d in range(first, last + 1) for m in range(1, 10)
                if lo <= d + math.log10(m) <= hi]
        return [(1.0, fine if len(fine) <= room else fine[:: math.ceil(len(fine) / room)])]
    return [(1.0, decades), (None, [])]


def roomy_ticks(axis: pg.AxisItem) -> None:
    """Linear tick numbers spaced by their own size. pyqtgraph spaces major ticks by the
    axis's length alone (about log(pixels) of them) and always draws their numbers, so
    presentation-size type on a short axis piled up ("200400600800", "0.02" over "0.04"
    on a projector's small rate plot). Set on the axis, whatever made it, like
    ``tidy_log_ticks``; log axes take ``logTickValues`` and are not affected."""
    if not getattr(axis, "_roomy", False):
        axis._roomy = True
        axis.tickSpacing = functools.partial(roomy_tick_spacing, axis, axis.tickSpacing)


def roomy_tick_spacing(axis, spacing, lo: float, hi: float, size: float) -> list:
    levels = spacing(lo, hi, size)
    if not levels or not hi > lo or size <= 0:
        return levels
    metrics = QtGui.QFontMetricsF(axis.style.get("tickFont") or QtGui.QFont())
    major = levels[0][0]
    per_px = (hi - lo) / size
    vertical = axis.orientation in ("left", "right")
    e = math.floor(math.log10(major) + 1e-9)
    # round spacings from a tenth of pyqtgraph's up; 2.5 only up the side, where a number's
    # width does not count and a short plot may have room for one number between two
    ladder = [m * 10.0 ** k for k in range(e - 1, e + 4) for m in ((1, 2, 2.5, 5) if vertical else (1, 2, 5))]

    def ticks(step):
        first = math.ceil(lo / step - 1e-9) * step
        return [first + k * step for k in range(int((hi - first) / step + 1e-9) + 1)]

    if vertical:
        h = metrics.height()
        half = h / 2 * per_px

        def inside(step):  # a number centred on one of its ticks stays within the axis
            return any(lo + half <= v <= hi - half for v in ticks(step))

        step = next((s for s in ladder if s >= major and s / per_px >= 1.2 * h and inside(s)), None) \
            or next((s for s in ladder if s / per_px >= 1.0 * h and inside(s)), None)
        if step is None:
            return _one_tick(lo + half, hi - half, hi - lo, ladder) or levels
    else:
        def need(step):  # the widest number this spacing prints, and a gap of two digits
            strings = axis.tickStrings(ticks(step) or [lo], axis.autoSIPrefixScale * axis.scale, step)
            return max(metrics.horizontalAdvance(text) for text in strings) + metrics.horizontalAdvance("00")

        step = next((s for s in ladder if s >= major and s / per_px >= need(s)), major)
    if math.isclose(step, major):
        return levels
    minor = step / (2.0 if round(step / 10.0 ** math.floor(math.log10(step) + 1e-9)) == 2 else 5.0)
    return [(step, 0.0), (minor, 0.0)]


def _one_tick(lo: float, hi: float, span: float, ladder) -> list | None:
    """A single round number in [lo, hi], for an axis too short for two (a 60-px rate plot
    under 22-pt numbers): a spacing wider than the axis, offset onto that number. The
    spacing is a multiple of the number's own round step with as many decimals, since
    pyqtgraph prints as many decimals as the spacing has."""
    for step in sorted((s for s in ladder if round(s / 10.0 ** math.floor(math.log10(s) + 1e-9), 1) != 2.5),
                       reverse=True):
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        if first > last:
            continue
        middle = (lo + hi) / 2
        k = min(range(first, last + 1), key=lambda j: abs(j * step - middle))
        wide = step * (math.floor(span / step) + 1)
        if math.ceil(-math.log10(wide)) == math.ceil(-math.log10(step)):
            return [(wide, k * step)]
    return None


def set_label(plot: pg.PlotItem, side: str, text: str) -> None:
    axis = plot.getAxis(side)
    if axis.labelText != text:
        plot.setLabel(side, text, color=INK, **{"font-size": f"{LABEL_PT}pt"})
        fit_left_label(plot)


# y-axis titles with a short form for a plot too short for them even in small type
SHORT_LABELS = {"accuracy": "acc."}


def fit_left_label(plot: pg.PlotItem, *_args) -> None:
    """The y-axis title no longer than its axis: smaller type on a short plot (a
    projector's 1280 x 800 in presentation mode, four plots stacked), rather than a title
    running into the plot above; below the smallest type, its short form (SHORT_LABELS).
    Back to the theme's size and the whole title when there is room again."""
    axis = plot.getAxis("left")
    full = getattr(axis, "full_label", None)
    if full is None or axis.labelText not in (full, SHORT_LABELS.get(full)):
        full = axis.full_label = axis.labelText  # set_label gave it a new title
    room = plot.vb.height()
    if not full or room <= 0 or not axis.isVisible():
        return

    def need(text, pt):
        return QtGui.QFontMetricsF(font(pt)).horizontalAdvance(text) + 12  # + the label's margins

    text, pt = full, LABEL_PT
    if need(text, pt) > room:
        # down to 0.45 of the theme's size: at presentation scale that is still ~9 pt, and a
        # title running past its axis (1366x768, "accuracy" on a 60-px plot) reads worse
        least = max(7, round(LABEL_PT * 0.45))
        if need(text, least) > room and full in SHORT_LABELS:
            text = SHORT_LABELS[full]  # its short form, rather than past the plot's end
        pt = max(min(int(pt * room / need(text, pt)), pt), least)
    want = f"{pt}pt"
    if axis.labelStyle.get("font-size") != want or axis.labelText != text:
        axis.setLabel(text=text, units=axis.labelUnits, unitPrefix=axis.labelUnitPrefix,
                      **dict(axis.labelStyle, **{"font-size": want}))


_SWATCHES: dict[tuple[str, int, str], QtGui.QIcon] = {}


def swatch_icon(color: str, size: int = 16) -> QtGui.QIcon:
    """One icon per colour, kept: a new pixmap on every refresh of the runs list would
    fill Qt's pixmap cache (each pixmap has its own cache key) while sliders move."""
    key = (str(color).upper(), size, INK)  # the border follows the theme
    icon = _SWATCHES.get(key)
    if icon is None:
        pix = QtGui.QPixmap(size, size)
        pix.fill(QtGui.QColor(color))
        painter = QtGui.QPainter(pix)
        painter.setPen(QtGui.QColor(INK))
        painter.drawRect(0, 0, size - 1, size - 1)
        painter.end()
        icon = _SWATCHES[key] = QtGui.QIcon(pix)
    return icon


_ICONS: dict[tuple[int, str], QtGui.QIcon] = {}
ICON_PROPERTY = "playground_std_icon"  # gui.restyle re-tints what carries it


def std_icon(which: QtWidgets.QStyle.StandardPixmap) -> QtGui.QIcon:
    """One of the style's standard icons (play, step, ...) painted in the theme's ink:
    the style draws them black, which vanishes on the dark theme's grey."""
    key = (int(which.value if hasattr(which, "value") else which), INK)
    icon = _ICONS.get(key)
    if icon is None:
        app = QtWidgets.QApplication.instance()
        source = app.style().standardIcon(which)
        icon = QtGui.QIcon()
        for size in (16, 24, 32, 48):
            pix = source.pixmap(size, size)
            tinted = QtGui.QPixmap(pix.size())
            tinted.setDevicePixelRatio(pix.devicePixelRatio())
            tinted.fill(QtCore.Qt.GlobalColor.transparent)
            painter = QtGui.QPainter(tinted)
            painter.drawPixmap(0, 0, pix)
            painter.setCompositionMode(QtGui.QPainter.CompositionMode.CompositionMode_SourceIn)
            painter.fillRect(tinted.rect(), QtGui.QColor(INK))
            painter.end()
            icon.addPixmap(tinted)
        _ICONS[key] = icon
    return icon


def set_std_icon(target, which: QtWidgets.QStyle.StandardPixmap) -> None:
    """``target.setIcon`` (a QAction or a button) with :func:`std_icon`, remembered so a
    theme switch re-tints it (gui.restyle). Any transport bar can use it."""
    target.setIcon(std_icon(which))
    target.setProperty(ICON_PROPERTY, int(which.value if hasattr(which, "value") else which))


def _luminance(color: QtGui.QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((_luminance(QtGui.QColor(a)), _luminance(QtGui.QColor(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@functools.lru_cache(maxsize=512)  # the status bar asks ~12 times a second per run
def readable(color: str, background: str | None = None, minimum: float = 4.5) -> str:
    """``color`` for text on ``background`` (the theme's): a run's colour as it is when it
    reads well, else mixed towards white (dark background) or black until it does (run 1's dark blue on the dark
    theme's grey was unreadable in the status bar)."""
    bg = background or BACKGROUND
    c = QtGui.QColor(color)
    ink = QtGui.QColor("#ffffff" if _luminance(QtGui.QColor(bg)) < 0.2 else "#000000")
    for k in range(11):
        t = k / 10
        mixed = QtGui.QColor.fromRgbF(c.redF() + (ink.redF() - c.redF()) * t,
                                      c.greenF() + (ink.greenF() - c.greenF()) * t,
                                      c.blueF() + (ink.blueF() - c.blueF()) * t)
        if contrast(mixed, bg) >= minimum:
            return mixed.name()
    return ink.name()


APP_STYLE = """
QToolTip { font-size: 11pt; }
QGroupBox { font-weight: bold; margin-top: 14px; }
QGroupBox::title { subcontrol-origin: margin; left: 6px; padding: 0 3px; }
QLineEdit[invalid="true"] { border: 2px solid #D55E00; }
QStatusBar QLabel { padding: 0 6px; }
"""

# The dark theme's check boxes: Fusion outlines the indicator a shade darker than the
# window, invisible on dark grey ("Same learning rate", "amsgrad"). The check mark is
# resources/icons/check.svg (url filled in by gui.restyle.apply_palette).
DARK_STYLE = """
QCheckBox::indicator { width: 14px; height: 14px; border: 1px solid #a0a6ad; border-radius: 2px;
                       background: #1d2126; }
QCheckBox::indicator:hover { border-color: #e8e8e8; }
QCheckBox::indicator:checked { background: #3d6fa8; border-color: #79b8ff; image: url(%CHECK%); }
QCheckBox::indicator:disabled { border-color: #5a6069; background: #262b31; }
"""
