"""The caption under an exported figure: the settings that made it, so a slide says
what it shows and the scene can be rebuilt from it.

It reads (one block, wrapped to the image's width)::

    Five optimizers on an ill-conditioned quadratic                     (the title, bold)
    Surface  Ill-conditioned quadratic  quadratic:kappa=10,angle=0
    ■ sgd:lr=0.18   ■ momentum:lr=0.03,momentum=0.8   ■ fast adam:lr=0.15 · cosine:total=300
    300 steps · start (-2.5, 1.5) · noise 0 · seed 0 · schedule constant (every run)

Optimizers and schedules are written as ``main.py`` specs (only the values that
differ from the defaults), the surface with every parameter, a custom surface
with its formula; each run's square is its colour in the figure, followed by the
run's own name when it has one (then the spec is grey).

One layout, three outputs: painted into a QImage (PNG, GIF and MP4 frames), painted
through any QPainter (the window as SVG via QSvgGenerator, where text stays text),
and written as SVG ``<text>`` elements appended to pyqtgraph's SVG of a plot.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from PySide6 import QtCore, QtGui

BODY_PX = 14          # caption text at 1x (the export scale multiplies it)
TITLE_PX = 15
MARGIN_PX = 10
FAMILY = "DejaVu Sans"
SVG_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"


@dataclass(frozen=True)
class Caption:
    title: str
    surface: str
    runs: tuple[tuple[str, str, str], ...]   # (colour, name, spec) per visible run; name may be ''
    settings: str

    def plain(self) -> str:
        """The caption as plain text, one section a line."""
        lines = [self.title] if self.title else []
        lines.append(f"Surface  {self.surface}")
        lines.append("   ".join(f"{name}: {spec}" if name else spec for _c, name, spec in self.runs))
        lines.append(self.settings)
        return "\n".join(lines)


def _num(v: float) -> str:
    return f"{v:.6g}"


def _optimizer_spec(optimizer) -> str:
    """The run's spec with its learning rate always shown (a spec leaves out defaults,
    but the rate is what a reader of a slide looks for first); still a valid spec."""
    spec = optimizer.spec()
    lr = optimizer.params.get("lr")
    if lr is None or ":lr=" in spec or ",lr=" in spec:
        return spec
    key, _, rest = spec.partition(":")
    return f"{key}:lr={lr:g}" + (f",{rest}" if rest else "")


def caption_for(controller) -> Caption:
    """The caption of the controller's scene (visible runs only: the figure's runs)."""
    scene = controller.scene
    s = controller.surface
    params = ",".join(f"{h.name}={h.format(s.params[h.name])}" for h in type(s).hypers)
    surface = f"{s.title} · {s.key}" + (f":{params}" if params else "")
    if s.key == "custom":
        surface += f"   f({'x, y' if s.dim == 2 else 'x'}) = {scene.formula or s.formula_text}"
    runs = [r for r in scene.runs if r.visible] or list(scene.runs)
    schedules = {r.schedule.spec() for r in runs}
    shared = len(schedules) == 1
    items = []
    for r in runs:
        spec = _optimizer_spec(r.optimizer) + ("" if shared else f" · {r.schedule.spec()}")
        items.append((r.color, r.name, spec))
    start = ", ".join(_num(v) for v in controller.start)
    parts = [f"{scene.steps} steps", f"start ({start})", f"noise {_num(scene.noise)}", f"seed {scene.seed}"]
    if shared and runs:
        parts.append(f"schedule {schedules.pop()}" + (" (every run)" if len(runs) > 1 else ""))
    return Caption(scene.title, surface, tuple(items), " · ".join(parts))


# -- layout --------------------------------------------------------------------------------------


def colors() -> dict[str, str]:
    """The caption's colours in the current theme (a dark figure gets a dark band)."""
    from gui import theme
    t = theme.palette_of()
    back = QtGui.QColor(t["background"])
    rule = back.darker(125) if back.lightness() > 128 else back.lighter(250)
    return {"ink": t["ink"], "muted": t["muted"], "background": t["background"], "rule": rule.name()}


@dataclass(frozen=True)
class _Piece:
    kind: str        # "text" or "swatch"
    x: float
    y: float         # text: baseline; swatch: top
    w: float
    h: float
    text: str = ""
    color: str = "#222222"
    style: str = "body"   # body | title | label


class CaptionLayout:
    """Where every word and colour square of ``caption`` goes in a band ``width`` px wide."""

    def __init__(self, caption: Caption, width: float, scale: float = 1.0):
        self.caption, self.width, self.scale = caption, float(width), float(scale)
        self.colors = colors()
        self.fonts = {"body": self._font(BODY_PX), "title": self._font(TITLE_PX, bold=True),
                      "label": self._font(BODY_PX)}
        self.metrics = {k: QtGui.QFontMetricsF(f) for k, f in self.fonts.items()}
        self.pieces: list[_Piece] = []
        self.height = 0.0
        self._lay_out()

    def _font(self, px: int, bold: bool = False) -> QtGui.QFont:
        f = QtGui.QFont(FAMILY)
        f.setPixelSize(max(1, round(px * self.scale)))
        f.setBold(bold)
        return f

    def _lay_out(self) -> None:
        c, s = self.caption, self.scale
        ink, muted = self.colors["ink"], self.colors["muted"]
        margin = MARGIN_PX * s
        right = self.width - margin
        body = self.metrics["body"]
        line_h = body.height() * 1.3
        space = body.horizontalAdvance(" ")
        gap = 2.2 * space
        sw = round(0.75 * body.ascent())
        y = margin

        def flow(words, style, color, x, baseline, first_indent=None):
            """Place words left to right, wrapping at the right margin; returns (x, baseline)."""
            m = self.metrics[style]
            for word in words:
                w = m.horizontalAdvance(word)
                if x > margin and x + w > right:
                    x, baseline = (first_indent if first_indent is not None else margin), baseline + line_h
                self.pieces.append(_Piece("text", x, baseline, w, m.height(), word, color, style))
                x += w + space
            return x, baseline

        if c.title:
            m = self.metrics["title"]
            baseline = y + m.ascent()
            _, baseline = flow(c.title.split(), "title", ink, margin, baseline)
            y = baseline + m.descent() + 0.35 * line_h
        baseline = y + body.ascent()
        x, baseline = flow(["Surface"], "label", muted, margin, baseline)
        x, baseline = flow(c.surface.split(), "body", ink, x + space, baseline)
        baseline += line_h
        x = margin
        for color, name, spec in c.runs:
            # a run's name (as in the legend) in ink, its spec muted; an entry starts a new
            # line rather than break, unless it is longer than a line by itself
            words = [(w, ink) for w in name.split()] + [(w, muted if name else ink) for w in spec.split()]
            width = sw + sum(body.horizontalAdvance(w) + space for w, _c in words)
            if x > margin and x + width > right:
                x, baseline = margin, baseline + line_h
            self.pieces.append(_Piece("swatch", x, baseline - sw, sw, sw, color=color))
            x += sw + space
            for w, color_w in words:
                x, baseline = flow([w], "body", color_w, x, baseline)
            x += gap - space
        baseline += line_h
        x, baseline = flow(c.settings.split(), "body", muted, margin, baseline)
        self.height = float(round(baseline + body.descent() + margin))

    # -- painting ------------------------------------------------------------------------------

    def paint(self, painter: QtGui.QPainter, top: float = 0.0, left: float = 0.0) -> None:
        painter.save()
        try:
            painter.fillRect(QtCore.QRectF(left, top, self.width, self.height),
                             QtGui.QColor(self.colors["background"]))
            painter.setPen(QtGui.QPen(QtGui.QColor(self.colors["rule"]), max(1.0, self.scale)))
            painter.drawLine(QtCore.QPointF(left + MARGIN_PX * self.scale, top + 0.5),
                             QtCore.QPointF(left + self.width - MARGIN_PX * self.scale, top + 0.5))
            painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
            for p in self.pieces:
                if p.kind == "swatch":
                    painter.fillRect(QtCore.QRectF(left + p.x, top + p.y, p.w, p.h), QtGui.QColor(p.color))
                else:
                    painter.setFont(self.fonts[p.style])
                    painter.setPen(QtGui.QColor(p.color))
                    painter.drawText(QtCore.QPointF(left + p.x, top + p.y), p.text)
        finally:
            painter.restore()

    def image(self) -> QtGui.QImage:
        img = QtGui.QImage(int(round(self.width)), int(self.height), QtGui.QImage.Format.Format_RGB32)
        img.fill(QtGui.QColor(self.colors["background"]))
        painter = QtGui.QPainter(img)
        try:
            self.paint(painter)
        finally:
            painter.end()
        return img

    def svg(self, top: float) -> str:
        """The band as SVG elements: one ``<text>`` per stretch of one colour and weight on
        a line (each placed by its own x: SVG Tiny renderers such as Qt's ignore a
        ``<tspan>``'s x), so it stays text that an editor can change."""
        out = [f'<g class="caption" font-family="{SVG_FAMILY}">',
               f'<rect x="0" y="{top:.2f}" width="{self.width:.2f}" height="{self.height:.2f}" '
               f'fill="{self.colors["background"]}"/>',
               f'<line x1="{MARGIN_PX * self.scale:.2f}" y1="{top + 0.5:.2f}" '
               f'x2="{self.width - MARGIN_PX * self.scale:.2f}" y2="{top + 0.5:.2f}" stroke="{self.colors["rule"]}"/>']
        lines: dict[float, list[list[_Piece]]] = {}
        for p in self.pieces:
            if p.kind == "swatch":
                out.append(f'<rect x="{p.x:.2f}" y="{top + p.y:.2f}" width="{p.w:.2f}" height="{p.h:.2f}" '
                           f'fill="{html.escape(p.color)}"/>')
                continue
            runs = lines.setdefault(round(p.y, 2), [])
            last = runs[-1][-1] if runs else None
            if last is not None and last.style == p.style and last.color == p.color:
                runs[-1].append(p)
            else:
                runs.append([p])
        for y, runs in lines.items():
            for run in runs:
                f = self.fonts[run[0].style]
                weight = ' font-weight="bold"' if f.bold() else ""
                words = html.escape(" ".join(p.text for p in run))
                out.append(f'<text x="{run[0].x:.2f}" y="{top + y:.2f}" font-size="{f.pixelSize()}" '
                           f'fill="{run[0].color}"{weight} xml:space="preserve">{words}</text>')
        out.append("</g>")
        return "\n".join(out)


# -- joining a caption to an image or an SVG file --------------------------------------------------


def band_height(caption: Caption, width: float, scale: float = 1.0) -> int:
    return int(CaptionLayout(caption, width, scale).height)


def with_caption(image: QtGui.QImage, caption: Caption | None, scale: float = 1.0) -> QtGui.QImage:
    """``image`` with the caption band under it (the same image when ``caption`` is None)."""
    if caption is None:
        return image
    layout = CaptionLayout(caption, image.width(), scale)
    out = QtGui.QImage(image.width(), image.height() + int(layout.height), QtGui.QImage.Format.Format_RGB32)
    out.fill(QtGui.QColor(layout.colors["background"]))
    painter = QtGui.QPainter(out)
    try:
        painter.drawImage(0, 0, image)
        layout.paint(painter, top=image.height())
    finally:
        painter.end()
    return out


_VIEWBOX = re.compile(r'viewBox\s*=\s*"\s*([-\d.eE+]+)[\s,]+([-\d.eE+]+)[\s,]+([-\d.eE+]+)[\s,]+([-\d.eE+]+)\s*"')


def svg_with_caption(text: str, caption: Caption, path: str = "the SVG") -> str:
    """Grow the SVG's viewBox by the band and append the caption's elements (pyqtgraph's
    exporter writes a viewBox and no width/height; a white ``rect`` 100% fills it)."""
    m = _VIEWBOX.search(text)
    if m is None:
        raise ValueError(f"{path}: no viewBox to extend")
    x0, y0, w, h = (float(v) for v in m.groups())
    layout = CaptionLayout(caption, w)
    box = f'viewBox="{x0:g} {y0:g} {w:g} {h + layout.height:g}"'
    text = text[: m.start()] + box + text[m.end():]
    for attr, value in (("width", w), ("height", h + layout.height)):
        text = re.sub(rf'(<svg[^>]*\s){attr}="[\d.]+(px)?"', rf'\g<1>{attr}="{value:g}"', text, count=1)
    end = text.rfind("</svg>")
    if end < 0:
        raise ValueError(f"{path}: not a complete SVG file")
    return text[:end] + layout.svg(y0 + h) + "\n" + text[end:]
