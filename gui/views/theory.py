"""Theory overlays (display key ``theory``): what the lectures predict, drawn next to
what the runs do. The numbers come from :mod:`engine.theory`; this module only draws.

* On the map of a quadratic-type surface (engine.theory.applies): the Hessian's two
  eigen-directions as double arrows through the minimum, labelled with their
  eigenvalues, and a corner note with kappa and the rates it implies.
* On the learning-rate slider of the selected run, when its rule is sgd, momentum or
  nesterov: marks at 1/L, at GD's best fixed rate 2/(l_min + l_max) and at GD's
  stability limit 2/l_max (the slider beyond the rule's own limit shaded), with a
  legend and a link that makes the run Polyak's optimal heavy ball.
* On the loss plot: seed 003's O(1/T) bound ||x0 - x*||^2 / (2 lr T) as a dashed curve
  for every run it holds for, or a grey note saying why it does not hold for the
  selected run.

Everything is recomputed from the scene on the controller's signals (a few eigen-
decompositions of a 2x2 matrix: nothing to cache).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from engine.endings import inside_view
from engine.theory import applies, gd_rate_bound, quadratic_theory
from gui import theme
from gui.panels.knob import SliderMark
from gui.views.overlays import arrow_segments

KEY = "theory"
HEAD_GAP_PX = 6  # between an arrow's tip and its label
EDGE_PX = 20  # about an ending label's height ("diverged at step 8" at the view's edge)
# Okabe-Ito, as the runs, but used only for marks and bounds
BLUE, GREEN, RED, PURPLE = "#0072B2", "#009E73", "#D55E00", "#CC79A7"


def theory_on(controller) -> bool:
    return bool(controller.display(KEY, False))


def rule_limit(optimizer, l_max: float) -> tuple[float, str]:
    """The largest stable constant lr of ``optimizer`` on a quadratic with top curvature
    ``l_max`` and how to say it, as its record states it (``OptimizerRecord.stability``,
    Jury's test per eigen-direction); GD's 2/l_max for rules that state none."""
    record = optimizer.record
    if record.stability is None:
        return 2.0 / l_max, "2/λmax"
    return record.stability(SimpleNamespace(**optimizer.params), l_max)


def speaks_about(optimizer) -> bool:
    """The quadratic theory's lr marks concern rules whose record states a stability limit."""
    return optimizer.record.stability is not None


def _swatch(color: str, glyph: str = "▲") -> str:
    return f"<span style='color:{color}'>{glyph}</span>"


def lr_marks(th, optimizer) -> tuple[list[SliderMark], str]:
    """Marks and legend for the lr slider of ``optimizer`` under theory ``th``. Coupled
    weight decay adds wd to every curvature (it is part of the objective GD sees)."""
    wd = float(optimizer.params.get("weight_decay", 0.0) or 0.0)
    l_min, l_max = th.l_min + wd, th.l_max + wd
    inv_l, best, stable = 1.0 / l_max, 2.0 / (l_min + l_max), 2.0 / l_max
    limit, limit_text = rule_limit(optimizer, l_max)
    gd = limit == stable  # the rule's limit is GD's own: one wall, not two
    marks = [SliderMark(inv_l, BLUE, "1/L (the O(1/T) bound holds below)", above=True),
             SliderMark(best, GREEN, "2/(λmin+λmax): GD's best fixed rate"),
             SliderMark(stable, RED, "2/λmax: GD stable below", wall=gd)]
    legend = [f"{_swatch(BLUE, '▼')} 1/L = {inv_l:.3g} (O(1/T) bound below)",
              f"{_swatch(GREEN)} GD's best fixed lr 2/(λmin+λmax) = {best:.3g}",
              f"{_swatch(RED, '▌' if gd else '▲')} GD stable below 2/λmax = {stable:.3g}"]
    if not gd:
        marks.append(SliderMark(limit, PURPLE, f"{limit_text}: {optimizer.key} stable below", wall=True))
        legend.append(f"{_swatch(PURPLE, '▌')} {optimizer.key} stable below {limit_text} = {limit:.3g}")
    action = "Make this run" if optimizer.key == "momentum" else "Add a run with"
    legend.append(f"<a href='polyak'>{action} Polyak's optimal momentum</a> "
                  f"(lr {th.polyak_lr:.3g}, ρ {th.polyak_rho:.3g})")
    return marks, "<span style='font-size:9pt'>" + "<br>".join(legend) + "</span>"


def apply_polyak(controller) -> bool:
    """Polyak's optimal heavy ball for the quadratic: the selected momentum run takes its
    lr and rho; otherwise a momentum run with them is added."""
    c = controller
    th = quadratic_theory(c.surface)
    if th is None:
        c.notify("Polyak's optimal momentum is known for quadratic surfaces (quadratic, ravine, parabola)")
        return False
    values = {"lr": th.polyak_lr, "momentum": th.polyak_rho}
    if c.runs and c.runs[c.selected].optimizer.key == "momentum":
        opt = c.runs[c.selected].optimizer
        if opt.params.get("momentum_schedule", "none") != "none":
            values["momentum_schedule"] = "none"
        ok = c.set_optimizer(c.selected, opt.replace(**values))
    else:
        ok = c.add_run("momentum", **values)
    if ok:
        c.notify(f"Polyak's heavy ball: lr = {th.polyak_lr:.4g}, ρ = {th.polyak_rho:.4g}, error ×"
                 f"{th.rate_heavy_ball:.3f} per step (GD at its best rate: ×{th.rate_gd:.3f})")
    return ok


def points_inside(points: np.ndarray, rect: QtCore.QRectF) -> int:
    """How many of ``points`` (N, 2) lie in ``rect`` (both in data coordinates)."""
    return int(np.count_nonzero((points[:, 0] >= rect.left()) & (points[:, 0] <= rect.right())
                                & (points[:, 1] >= rect.top()) & (points[:, 1] <= rect.bottom())))


MAX_HEIGHT = 0.3  # of its view box: a card taller than that is set in smaller type (down to 0.7x)


class NoteItem(pg.LabelItem):
    """A few lines of text on a translucent card, pinned to a corner of a view box (it
    follows resizes; the data range does not move it). The text wraps at ``width`` of
    the view box and the card is always as large as the text: it shrinks back when
    presentation mode's large type is left, and is never cut by the plot's edge."""

    PRESENT_MAX = 1.5  # a note is read from the desk as well: at 2x it would cover the paths

    def __init__(self, view_box, corner: tuple[float, float], offset=(8, 8), size=10, width=0.9):
        super().__init__("", color=theme.INK, size=f"{size}pt", justify="left")
        self.points = size  # at presentation scale 1; theme.SCALE is applied when the text is set
        self.width_fraction = width
        self.view_box = view_box
        self.setParentItem(view_box)
        self.offset = offset
        self.place(corner)
        self.setZValue(50)
        view_box.sigResized.connect(lambda *_: self._fit())
        self.hide()

    def place(self, corner: tuple[float, float]) -> None:
        cx, cy = corner
        self.corner = corner
        self.anchor(itemPos=corner, parentPos=corner,
                    offset=(self.offset[0] * (1 - 2 * cx), self.offset[1] * (1 - 2 * cy)))

    def place_clear_of(self, points: np.ndarray, corners=((0, 1), (1, 1), (0, 0), (1, 0)),
                       avoid=()) -> None:
        """The corner whose card would cover the fewest of ``points`` (data coordinates:
        the runs' paths) and none of ``avoid`` (scene rectangles: the endings written on
        the map), the first of ``corners`` on a tie."""
        vb = self.view_box
        if not self.isVisible() or vb.width() <= 0 or not len(points):
            return
        w, h = self.width(), self.height()
        ox, oy = self.offset
        # a path that leaves the view is drawn to the edge, where its ending is written
        # ("diverged at step 8"): count what lies outside at the edge it crossed
        (x0, x1), (y0, y1) = vb.viewRange()
        with np.errstate(invalid="ignore"):
            points = np.column_stack([np.clip(points[:, 0], x0, x1), np.clip(points[:, 1], y0, y1)])
        best = None
        for k, (cx, cy) in enumerate(corners):
            x = ox if cx == 0 else vb.width() - w - ox
            y = oy if cy == 0 else vb.height() - h - oy
            # the card's rect grown by what sits between it and the edge (an ending's label)
            area = vb.mapToView(QtCore.QRectF(x - ox - EDGE_PX, y - oy - EDGE_PX, w + 2 * (ox + EDGE_PX),
                                              h + 2 * (oy + EDGE_PX))).boundingRect()
            inside = points_inside(points, area)
            # "✗ diverged at step 8" under the card reads as "✗ diverged at st": worse than any path
            card = vb.mapRectToScene(QtCore.QRectF(x, y, w, h))
            inside += 10 ** 6 * sum(card.intersects(rect) for rect in avoid)
            if best is None or inside < best[0]:
                best = (inside, k)
        if corners[best[1]] != self.corner:
            self.place(corners[best[1]])

    def set_note(self, html: str, muted: bool = False) -> None:
        """Show ``html`` (in the theme's ink, or its muted grey), or hide on ''."""
        if not html:
            self.hide()
            return
        pt = round(self.points * min(theme.SCALE, self.PRESENT_MAX))
        self.setText(html, color=theme.MUTED if muted else theme.INK, size=f"{pt}pt")
        self.show()

    def setText(self, text, **args):
        if "size" in args and theme.SCALE > self.PRESENT_MAX:  # gui.restyle scales it by 2
            args["size"] = f"{round(self.points * self.PRESENT_MAX)}pt"
        super().setText(text, **args)
        self._fit()

    def _fit(self) -> None:
        """Wrap at the room the view box has, then make the card the text's size."""
        if getattr(self, "view_box", None) is None:  # LabelItem sets its text while being made
            return
        room = self.view_box.width() * self.width_fraction - 2 * self.offset[0]
        tall = self.view_box.height() * MAX_HEIGHT
        for scale in (1.0, 0.9, 0.8, 0.7):
            # wrapped into a narrow map (a projector's 1280x800 at presentation size) the
            # card grew to 7 lines over half the paths: smaller type before that
            self.item.setScale(scale)
            self.item.setTextWidth(-1)
            if room > 40 and self.item.boundingRect().width() * scale > room:
                self.item.setTextWidth(room / scale)
            if tall <= 0 or self.item.boundingRect().height() * scale <= tall:
                break
        self.updateMin()
        rect = self.itemRect()
        self.resize(rect.width(), rect.height())
        self.resizeEvent(None)

    def paint(self, painter, *args):
        edge, card = QtGui.QColor(theme.MUTED), QtGui.QColor(theme.BACKGROUND)  # read now: themes switch
        edge.setAlpha(70)
        card.setAlpha(215)
        painter.setPen(QtGui.QPen(edge))
        painter.setBrush(card)
        painter.drawRoundedRect(self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)


class CardText(pg.TextItem):
    """A TextItem on a card of the theme's background, read when painted (a theme switch
    maps the text's ink, gui.restyle, but not a fill chosen earlier). Its type grows with
    presentation mode only up to NoteItem.PRESENT_MAX, whoever sets the font (gui.restyle
    doubles every item's): at 2x the eigenvalue labels lay across the paths."""

    points = 11

    def setFont(self, font):
        font = QtGui.QFont(font)
        font.setPointSize(round(self.points * min(theme.SCALE, NoteItem.PRESENT_MAX)))
        super().setFont(font)

    def paint(self, painter, *args):
        card = QtGui.QColor(theme.BACKGROUND)
        card.setAlpha(200)
        self.fill = pg.mkBrush(card)
        super().paint(painter, *args)


class EigenOverlay:
    """The eigen-directions of the Hessian through the minimum and a note with kappa."""

    def __init__(self, contour_view, controller):
        self.view = contour_view
        self.controller = controller
        plot = contour_view.plot
        self.axes = pg.PlotCurveItem(connect="pairs")
        self.axes.setZValue(4)  # over the map and contours, under the minima stars and trails
        plot.addItem(self.axes, ignoreBounds=True)
        self.labels = []
        for _ in range(2):
            label = CardText()
            label.setZValue(4)
            plot.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        self.note = NoteItem(plot.vb, (0, 1), size=10, width=0.6)
        c = controller
        c.sceneChanged.connect(self.update)
        c.displayChanged.connect(lambda key, _v: key == KEY and self.update())
        c.tracesChanged.connect(self._place_note)  # a knob moved the paths
        plot.vb.sigRangeChanged.connect(self._place_note)  # framed or zoomed: other edges
        # resized (a dock, presentation): the note re-wraps to a new size, the labels follow
        plot.vb.sigResized.connect(self._place_note)
        self.update()

    @property
    def shown(self) -> bool:
        return self.axes.isVisible()

    def update(self) -> None:
        c = self.controller
        th = quadratic_theory(c.surface) if theory_on(c) else None
        two_d = th is not None and c.surface.dim == 2
        self.axes.setVisible(two_d)
        for label in self.labels:
            label.setVisible(two_d)
        if th is None:
            self.note.set_note("")
            return
        if two_d:
            self._style()
            self._draw_axes(th, c.surface.view)
        # a 1-D minimum sits at the bottom of its curve: the note goes above it, between the arms
        self.note.place((0, 1) if two_d else (0.5, 0))
        self.note.set_note(self.note_text(th, c.surface.dim))
        if two_d:
            self._place_note()

    def _shown_paths(self) -> np.ndarray:
        """Every run's points as the map shows them (data coordinates). A path that leaves
        the view is cut at the edge, where its ending is written ("diverged at step 8"):
        that spot weighs as much as a whole path, and the rows beyond it are not on screen."""
        (x0, x1), (y0, y1) = self.view.plot.vb.viewRange()
        paths = []
        for tr in self.controller.traces:
            if tr is None or not len(tr.xs):
                continue
            xs = tr.xs[:, :2]
            outside = np.flatnonzero(~inside_view(xs, (x0, x1, y0, y1)))
            if outside.size:  # the trail ends, and its label is written, at the last row inside
                shown = xs[: max(outside[0], 1)]
                paths += [shown, np.repeat(shown[-1:], max(len(xs), 50), axis=0)]
            else:
                paths.append(xs)
        return np.concatenate(paths) if paths else np.empty((0, 2))

    def _place_note(self, *_args) -> None:
        """The note in the corner the paths leave free, then the eigenvalue labels."""
        c = self.controller
        if not self.note.isVisible() or c.surface.dim != 2:
            return
        points = self._shown_paths()
        if len(points):
            self.note.place_clear_of(points, avoid=self._ending_areas())
        self._place_labels(points)

    def _ending_areas(self) -> list:
        """Scene rectangles where the runs' endings are written on the map ("✗ diverged at
        step 8"), or will be once the playback gets there: the card is placed from step 0
        and must not jump, or cover the words, when a run diverges mid-lecture. A mark not
        yet shown is given the room its text could take on either side of its point."""
        c, trails, vb = self.controller, self.view.trails, self.view.plot.vb
        metrics = QtGui.QFontMetricsF(theme.font(theme.LABEL_PT))
        areas = []
        for i, items in enumerate(trails.items[: len(c.runs)]):
            if items.label.isVisible():
                areas.append(items.label.sceneBoundingRect())
                continue
            if not trails.ends_on_map(i, c.runs[i]):
                continue
            ending, pts = trails.endings[i], trails.points[i]
            at = vb.mapViewToScene(QtCore.QPointF(float(pts[-1][0]), float(pts[-1][1])))
            w = metrics.horizontalAdvance(f"{ending.symbol} {ending.text}") + 12
            h = 2.5 * metrics.height()
            areas.append(QtCore.QRectF(at.x() - w, at.y() - h, 2 * w, 2 * h))
        return areas

    def _place_labels(self, points: np.ndarray) -> None:
        """Each eigenvalue's label at an end of its double arrow, where it covers the
        fewest path points: running back along the shaft (above or below it) or beyond
        the tip, at either end, inside the view and off the note and the minimum. Always
        at the + tip, "λ₂ = 50 (steep)" beside a short steep arrow lay across the paths
        and the star at presentation size (zigzag-momentum at 1280x800)."""
        vb = self.view.plot.vb
        arrows = getattr(self, "_arrows", ())
        if not arrows or vb.width() <= 0 or vb.height() <= 0:
            return
        box = vb.boundingRect()
        taken = [vb.mapFromScene(self.note.sceneBoundingRect()).boundingRect()] if self.note.isVisible() else []
        for label, (center, v, gap) in zip(self.labels, arrows):
            if not label.isVisible():
                continue
            size = label.textItem.boundingRect()
            w, h = size.width(), size.height()
            c_px = vb.mapFromView(QtCore.QPointF(*center))
            taken_here = taken + [QtCore.QRectF(c_px.x() - 12, c_px.y() - 12, 24, 24)]  # the minimum's star
            best = None
            for sign in (1.0, -1.0):
                tip = center + sign * v
                t_px = vb.mapFromView(QtCore.QPointF(*tip))
                ux, uy = t_px.x() - c_px.x(), t_px.y() - c_px.y()
                norm = math.hypot(ux, uy) or 1.0
                ux, uy = ux / norm, uy / norm
                x, y = t_px.x() + ux * gap, t_px.y() + uy * gap
                for ax, ay in _label_anchors(ux, uy):
                    rect = QtCore.QRectF(x - ax * w, y - ay * h, w, h)
                    area = vb.mapToView(rect).boundingRect()
                    covered = points_inside(points, area)
                    # outside the view (cut) or on the note or the star: only when nothing else fits
                    score = covered + 10 ** 6 * (not box.contains(rect)) \
                        + 10 ** 5 * sum(rect.intersects(r) for r in taken_here)
                    if best is None or score < best[0]:
                        best = (score, (ax, ay), vb.mapToView(QtCore.QPointF(x, y)), rect)
            _score, anchor, pos, rect = best
            label.setAnchor(anchor)
            label.setPos(pos.x(), pos.y())
            taken.append(rect)

    def _style(self) -> None:
        """Pens, fonts and the label cards from the theme as it is now (light or dark,
        presentation scale)."""
        self.axes.setPen(theme.pen(theme.INK, 2.0))
        for label in self.labels:
            label.setColor(theme.INK)
            label.setFont(theme.font(label.points, bold=True))  # CardText sizes it

    def _draw_axes(self, th, view) -> None:
        width, height = view[1] - view[0], view[3] - view[2]
        # half-lengths ~ 1/sqrt(l), the shape of a level set, the flat one 30% of the box
        half = 1.0 / np.sqrt(th.eigenvalues)
        half = half * (0.3 * min(width, height) / half.max())
        half = np.maximum(half, 0.06 * min(width, height))  # the steep arrow stays visible
        head = 0.03 * min(width, height)
        segs = []
        names = ("flattest", "steepest")
        center = np.asarray(th.center, dtype=float)
        self._arrows = []  # (centre, half-axis, gap to the label in px): _place_labels
        for i, h in enumerate(half):
            v = th.eigenvectors[:, i] * h
            segs += [arrow_segments(center, v, head), arrow_segments(center, -v, head)]
            self._arrows.append((center, v, HEAD_GAP_PX))
            # short: "λ₂ = 50 (steep)" at presentation size had no room beside a projector's
            # narrow map that was not on the paths; the arrows' lengths say flat and steep
            self.labels[i].setHtml(f"λ{'₁₂'[i]} = {th.eigenvalues[i]:.3g}")
            self.labels[i].setToolTip(f"the Hessian's {names[i]} direction")
        pts = np.concatenate(segs)
        self.axes.setData(pts[:, 0], pts[:, 1], connect="pairs")

    @staticmethod
    def note_text(th, dim: int) -> str:
        if dim == 1:
            return (f"f″ = λ = {th.l_max:.3g}: GD stable for lr &lt; 2/λ = {th.lr_stable:.3g}, "
                    f"one step to the minimum at lr = 1/λ = {1 / th.l_max:.3g}")
        return (f"<b>κ = λmax/λmin = {th.kappa:.3g}</b><br>"
                f"GD stable for lr &lt; 2/λmax = {th.lr_stable:.3g}<br>"
                f"GD's best lr 2/(λmin+λmax) = {th.lr_best:.3g}: error ×{th.rate_gd:.3f} a step<br>"
                f"Polyak's heavy ball lr {th.polyak_lr:.3g}, ρ {th.polyak_rho:.3g}: ×{th.rate_heavy_ball:.3f} a step")


def _label_anchors(ux: float, uy: float) -> list[tuple[float, float]]:
    """Anchors (pyqtgraph TextItem: the point of the text put at its position) for a label
    at the tip of an arrow pointing (ux, uy) in screen pixels (y down): running back along
    the shaft above it, beyond the tip, running back below it."""
    if abs(ux) > 0.3:
        back = 1.0 if ux > 0 else 0.0
        out = (0.0 if ux > 0 else 1.0, 0.5 if abs(uy) <= 0.3 else (0.0 if uy > 0 else 1.0))
        return [(back, 1.0 if uy <= 0.3 else 0.0), out, (back, 0.0 if uy <= 0.3 else 1.0)]
    out = (0.5, 0.0 if uy > 0 else 1.0)
    return [(1.0, 0.5), out, (0.0, 0.5)]  # vertical: beside the shaft near the tip, or beyond it


class BoundOverlay:
    """Seed 003's O(1/T) bound on the loss plot, dashed in the run's colour."""

    def __init__(self, loss_plot, controller):
        self.loss = loss_plot
        self.controller = controller
        self.curves: list[pg.PlotCurveItem] = []
        self.bounds: dict[int, np.ndarray] = {}  # run index -> bound on f(x_T) - f*, T = 1..steps
        self.reason = ""
        self.note = NoteItem(loss_plot.plot.vb, (0, 1), size=9)  # bottom left: curves start top left and fall
        c = controller
        loss_plot.curvesChanged.connect(self.update)
        c.selectionChanged.connect(lambda _i: self.update())
        c.runChanged.connect(lambda _i: self.update())
        c.displayChanged.connect(lambda key, _v: key == KEY and self.update())
        self.update()

    def update(self) -> None:
        c = self.controller
        n = len(c.runs)
        while len(self.curves) < n:
            curve = pg.PlotCurveItem()
            curve.setZValue(-5)
            self.loss.plot.addItem(curve)
            self.curves.append(curve)
        while len(self.curves) > n:
            self.loss.plot.removeItem(self.curves.pop())
        self.bounds, self.reason = {}, ""
        on = theory_on(c)
        for i, run in enumerate(c.runs):
            rb = None
            if on and c.surface.dim >= 1:
                rb = gd_rate_bound(c.surface, c.start, run.optimizer.params.get("lr", math.nan), c.scene.steps,
                                   optimizer=run.optimizer, schedule=run.schedule, noise=c.scene.noise)
                if rb.bound is not None and run.visible:
                    self.bounds[i] = rb.bound
                elif i == c.selected and rb.bound is None:
                    self.reason = rb.reason
            curve = self.curves[i]
            if i in self.bounds and len(rb.bound):
                T = np.arange(1, len(rb.bound) + 1)
                curve.setData(T, self.loss.gap_to_plot(rb.bound))
                width = 2.0 if i == c.selected else 1.0
                curve.setPen(theme.pen(run.color, width, QtCore.Qt.PenStyle.DashLine))
                curve.show()
            else:
                curve.hide()
        if not on or not n:
            self.note.set_note("")
        elif self.bounds:
            self.note.set_note("dashed: O(1/T) bound ‖x₀−x*‖² / (2·lr·T)" + (
                "" if c.selected in self.bounds else f"<br><span style='color:{theme.MUTED}'>run {c.selected + 1}: "
                f"{_short(self.reason)}</span>"))
        else:
            self.note.set_note(f"no O(1/T) bound for run {c.selected + 1}:<br>{_short(self.reason)}", muted=True)


def _short(reason: str) -> str:
    """The engine's reason one clause a line ('lr = 0.18 is above 1/L = 0.1' / 'the bound
    needs lr <= 1/L'), so it fits the corner of a narrow plot."""
    text = reason.replace("<=", "≤").replace("<", "&lt;")
    return "<br>".join(part.strip() for part in text.split(": "))


class TheoryOverlays:
    """The three overlays of one window, and the slider marks of its selected run."""

    def __init__(self, window):
        c = window.controller
        self.controller = c
        self.eigen = EigenOverlay(window.contour, c)
        self.bound = BoundOverlay(window.loss, c)
        self.hypers = window.hyper_controls
        self.marked = None  # the knob carrying marks now
        self._linked: set[int] = set()
        for signal in (c.selectionChanged, c.runChanged):
            signal.connect(lambda _i: self.update_marks())
        c.runsChanged.connect(self.update_marks)
        c.sceneChanged.connect(self.update_marks)
        c.displayChanged.connect(lambda key, _v: key == KEY and self.update_marks())
        self.update_marks()

    def update_marks(self) -> None:
        c = self.controller
        knob = self.hypers.knobs.get("lr")
        if self.marked is not None and self.marked is not knob:
            self.marked.set_marks([], "")
            self.marked = None
        if knob is None:
            return
        run = c.runs[c.selected] if c.runs else None
        th = quadratic_theory(c.surface) if theory_on(c) and applies(c.surface) else None
        if th is None or run is None or not speaks_about(run.optimizer):
            knob.set_marks([], "")
            return
        marks, legend = lr_marks(th, run.optimizer)
        knob.set_marks(marks, legend)
        self.marked = knob
        if id(knob) not in self._linked:
            knob.legendLink.connect(lambda href: href == "polyak" and apply_polyak(self.controller))
            self._linked.add(id(knob))
