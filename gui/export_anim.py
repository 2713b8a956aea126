"""Animations of the current scene, rendered frame by frame (not a screen recording):
for frame i the scene is moved to step k_i, drawn into an image of exactly the
requested size, and appended to a GIF (Pillow) or an MP4 (imageio + ffmpeg, the
optional ``video`` extra).

* **What is drawn.** A plot view (surface, loss, lr) is drawn by a *copy* of it on a
  copy of the controller (the same scene, so the same paths: the runner is seeded),
  laid out at the requested size and never shown on screen; the user's window is not
  touched. The surface copy keeps the range the user zoomed to. The window itself is
  drawn live (its own layout, docks and splitters) and scaled to fit the frame; its
  step is put back afterwards.
* **GIF.** One global palette, made once from the first and the last frame (the last
  holds every trail) plus the runs' exact colours; each frame is mapped to it through
  a 64x64x64 lookup table filled as colours appear (one NumPy gather per frame). Only the rectangle that changed
  since the previous frame is written, with unchanged pixels transparent, so a 300-frame
  animation costs little more than its first frame. Frames are streamed to disk as they
  are made (Pillow's ``GifImagePlugin.getdata`` encodes each one), so memory does not
  grow with the frame count. Frame delays are whole centiseconds in GIF: they are
  rounded cumulatively, so 30 fps stays 30 fps on average.
* **Files appear whole or not at all.** Everything is written to a temp file in the
  target folder and renamed at the end; cancelling or an error deletes the temp file.
"""

from __future__ import annotations

import importlib.util
import os
import struct
from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engine.files import WriteError, discard, publish, temp_for
from gui.caption import Caption, CaptionLayout

VIEWS = ("window", "surface", "loss", "lr")
VIEW_TITLES = {"window": "Whole window", "surface": "Surface", "loss": "Loss", "lr": "Learning rate"}
FORMATS = ("gif", "mp4")
MP4_MISSING = "MP4 export needs: pip install 'optimizer-playground[video]'"
GIF_MAX_FPS = 50.0      # browsers play delays under 2 cs as 10 cs
MAX_FRAMES = 5000
MIN_SIZE, MAX_SIZE = 64, 4096
TRANSPARENT = 255       # the GIF palette index that means "unchanged since the previous frame"


def mp4_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("imageio", "imageio_ffmpeg"))


def plan_frames(steps: int, frames: int | None = None) -> list[int]:
    """The step each frame shows: every step 0..steps, or ``frames`` steps evenly spaced
    from 0 to ``steps`` (both ends included; a step may repeat when frames > steps + 1)."""
    steps = max(int(steps), 0)
    if frames is None:
        return list(range(steps + 1))
    frames = int(frames)
    if frames < 1:
        raise ValueError(f"frames {frames}: expected at least 1")
    if frames == 1:
        return [steps]
    return [int(round(i * steps / (frames - 1))) for i in range(frames)]


@dataclass
class AnimationOptions:
    view: str = "surface"
    width: int = 800
    height: int = 600
    frames: int | None = None   # None: every step of the run
    fps: float = 30.0
    loop: bool = True           # GIF: play forever (else once)
    hold: float = 1.5           # seconds the last frame stays
    caption: bool = False
    counter: bool = True        # "t = k" in the corner of a plot view (the window shows its own)

    def check(self, fmt: str) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"view {self.view!r}: expected one of {', '.join(VIEWS)}")
        if not (MIN_SIZE <= self.width <= MAX_SIZE and MIN_SIZE <= self.height <= MAX_SIZE):
            raise ValueError(f"size {self.width}x{self.height}: width and height must be from "
                             f"{MIN_SIZE} to {MAX_SIZE} pixels")
        top = GIF_MAX_FPS if fmt == "gif" else 120.0
        if not 1.0 <= self.fps <= top:
            raise ValueError(f"fps {self.fps:g}: expected 1 to {top:g}")
        if self.frames is not None and not 1 <= self.frames <= MAX_FRAMES:
            raise ValueError(f"frames {self.frames}: expected 1 to {MAX_FRAMES}")
        if not 0.0 <= self.hold <= 60.0:
            raise ValueError(f"hold {self.hold:g} s: expected 0 to 60 seconds")


# -- drawing one frame ---------------------------------------------------------------------------


class FrameSource:
    """Draws the scene at step ``k`` into a ``width`` x ``height`` RGB32 image: the
    widget on top, the caption band (drawn once) below it."""

    def __init__(self, controller, widget, width: int, height: int, caption: Caption | None = None,
                 fit: bool = False, owned=(), before_frame=None, counter: bool = False):
        self.controller, self.widget = controller, widget
        self.width, self.height = int(width), int(height)
        self.band = CaptionLayout(caption, width).image() if caption is not None else None
        self.body_height = self.height - (self.band.height() if self.band is not None else 0)
        self.fit = fit            # scale the widget (the live window) into the body, centred
        self.owned = list(owned)  # copies made for this animation, deleted by close()
        self.before_frame = before_frame
        self.counter = counter
        self._counter_font = QtGui.QFont("DejaVu Sans")
        self._counter_font.setPixelSize(14)
        self.restore_step = controller.step
        from gui import theme
        self._background = QtGui.QColor(theme.palette_of()["background"])
        self._counter_color = QtGui.QColor(theme.palette_of()["muted"])
        self._image = QtGui.QImage(self.width, self.height, QtGui.QImage.Format.Format_RGB32)

    def frame(self, k: int) -> QtGui.QImage:
        """The frame of step ``k`` (one image reused for every frame: copy it to keep it)."""
        self.controller.seek(k)
        if self.before_frame is not None:
            self.before_frame()
        image = self._image
        image.fill(self._background)
        painter = QtGui.QPainter(image)
        try:
            painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
            body = QtCore.QRectF(0, 0, self.width, self.body_height)
            w = self.widget
            if self.fit:
                s = min(self.width / max(w.width(), 1), self.body_height / max(w.height(), 1))
                painter.save()
                painter.translate((self.width - w.width() * s) / 2, (self.body_height - w.height() * s) / 2)
                painter.scale(s, s)
                QtWidgets.QWidget.render(w, painter, QtCore.QPoint(0, 0), QtGui.QRegion(),
                                         QtWidgets.QWidget.RenderFlag.DrawChildren
                                         | QtWidgets.QWidget.RenderFlag.DrawWindowBackground)
                painter.restore()
            elif isinstance(w, QtWidgets.QGraphicsView):
                w.render(painter, body, QtCore.QRect(0, 0, w.width(), w.height()))
            else:
                QtWidgets.QWidget.render(w, painter, QtCore.QPoint(0, 0), QtGui.QRegion(),
                                         QtWidgets.QWidget.RenderFlag.DrawChildren
                                         | QtWidgets.QWidget.RenderFlag.DrawWindowBackground)
            if self.counter:
                self._draw_counter(painter, k)
            if self.band is not None:
                painter.drawImage(0, self.body_height, self.band)
        finally:
            painter.end()
        return image

    def _draw_counter(self, painter: QtGui.QPainter, k: int) -> None:
        """The step in the bottom-right corner, where the plots leave room (below the
        colour bar, right of the axis title)."""
        painter.setFont(self._counter_font)
        painter.setPen(self._counter_color)
        text = f"t = {k}"
        fm = QtGui.QFontMetricsF(self._counter_font)
        w = fm.horizontalAdvance(f"t = {self.controller.scene.steps}")
        rect = QtCore.QRectF(self.width - w - 10, self.body_height - fm.height() - 4, w + 4, fm.height())
        painter.drawText(rect, int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter), text)

    def close(self) -> None:
        if not self.owned:
            self.controller.seek(self.restore_step)
        for obj in self.owned:
            if isinstance(obj, QtWidgets.QWidget):
                obj.hide()
            obj.deleteLater()
        self.owned = []


def _settle(widget) -> None:
    app = QtWidgets.QApplication.instance()
    for _ in range(3):
        app.processEvents()


def view_source(controller, view: str, width: int, height: int, caption: Caption | None = None,
                like=None, counter: bool = True) -> FrameSource:
    """A copy of plot ``view`` (surface, loss, lr) on a copy of ``controller``, laid out at
    the requested size off screen. ``like``: the on-screen view whose zoom it copies."""
    from gui.controller import PlaygroundController
    from gui.views.contour import ContourView
    from gui.views.loss import LossCurvePlot
    from gui.views.schedule import ScheduleView

    cls = {"surface": ContourView, "loss": LossCurvePlot, "lr": ScheduleView}[view]
    copy = PlaygroundController(controller.current_scene())
    widget = cls(copy)
    widget.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    overlay = _theory_overlay(view, widget, copy)
    source = FrameSource(copy, widget, width, height, caption, owned=(widget, copy), counter=counter)
    source.keep = overlay  # drawn with the copy, so alive as long as it
    widget.resize(width, source.body_height)
    widget.show()
    _settle(widget)
    if view == "surface":
        if like is not None:
            (x0, x1), (y0, y1) = like.plot.vb.viewRange()
            widget.plot.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
            _settle(widget)
        widget.refresh_grid()  # the heat map over exactly the range shown
    return source


def _theory_overlay(view: str, widget, controller):
    """The window's theory overlay of this view (gui.views.theory), on the copy too."""
    try:
        from gui.views import theory
    except ImportError:
        return None
    cls = {"surface": getattr(theory, "EigenOverlay", None), "loss": getattr(theory, "BoundOverlay", None)}.get(view)
    return cls(widget, controller) if cls is not None else None


def window_source(window, width: int, height: int, caption: Caption | None = None,
                  fit: bool = True) -> FrameSource:
    """The window itself, scaled into the frame (``fit``) or drawn 1:1 (the render
    command sizes its offscreen window to the frame)."""
    bar = window.statusBar()
    refresh = getattr(bar, "refresh", None)
    window.controller.pause()
    return FrameSource(window.controller, window, width, height, caption, fit=fit, before_frame=refresh)


def make_source(window, options: AnimationOptions, caption: Caption | None) -> FrameSource:
    if options.view == "window":
        return window_source(window, options.width, options.height, caption)
    return view_source(window.controller, options.view, options.width, options.height, caption,
                       like=window.views.get(options.view), counter=options.counter)


def image_rgb32(image: QtGui.QImage) -> np.ndarray:
    """The pixels as a (h, w) uint32 array 0xffRRGGBB (a view: copy before the image changes)."""
    if image.format() not in (QtGui.QImage.Format.Format_RGB32, QtGui.QImage.Format.Format_ARGB32,
                              QtGui.QImage.Format.Format_ARGB32_Premultiplied):
        image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    h, w, bpl = image.height(), image.width(), image.bytesPerLine()
    return np.frombuffer(image.constBits(), np.uint32, count=h * bpl // 4).reshape(h, bpl // 4)[:, :w]


def image_rgb(image: QtGui.QImage) -> np.ndarray:
    """(h, w, 3) uint8 RGB copy of ``image``."""
    px = image_rgb32(image)
    out = np.empty(px.shape + (3,), np.uint8)
    out[..., 0] = (px >> 16) & 0xFF
    out[..., 1] = (px >> 8) & 0xFF
    out[..., 2] = px & 0xFF
    return out


# -- GIF ---------------------------------------------------------------------------------------


def build_palette(samples: list[np.ndarray], exact=()) -> np.ndarray:
    """255 colours (index 255 is kept for transparency): ``exact`` first (the runs'
    colours, white, ink, so trails keep their true colour), then a median-cut palette
    of the sample frames."""
    from PIL import Image

    fixed = []
    for c in exact:
        q = QtGui.QColor(c)
        rgb = (q.red(), q.green(), q.blue())
        if q.isValid() and rgb not in fixed:
            fixed.append(rgb)
    fixed = fixed[:64]
    stack = np.concatenate([s.reshape(-1, 3) for s in samples], axis=0)
    width = samples[0].shape[1]
    rows = stack.shape[0] // width
    img = Image.fromarray(np.ascontiguousarray(stack[: rows * width].reshape(rows, width, 3)), "RGB")
    n = 255 - len(fixed)
    quant = img.quantize(colors=n, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    pal = np.array(quant.getpalette()[: 3 * n], dtype=np.int32).reshape(-1, 3)
    colors = np.array(fixed + [tuple(c) for c in pal.tolist() if tuple(c) not in fixed], dtype=np.int32)
    colors = colors[:255]
    if len(colors) < 255:  # a flat image: pad with copies (never chosen twice, harmless)
        colors = np.concatenate([colors, np.repeat(colors[-1:], 255 - len(colors), axis=0)])
    return colors, len(fixed)


class PaletteIndex:
    """Palette index of every pixel, through a lookup table over the 2^18 colours with 6
    bits per channel. A bin is filled the first time a frame uses it (nearest palette
    colour, distance weighted 2:4:3 for R:G:B, roughly as the eye weighs them): frames
    share their colours, so after the first frame almost nothing is left to compute
    (the full table would cost ~4 s). The first ``exact`` palette colours own their bin
    outright, so white stays 255 white and a trail keeps its exact colour."""

    WEIGHTS = np.array([2, 4, 3], dtype=np.int32)
    LEVELS = np.round(np.arange(64) * 255.0 / 63.0).astype(np.int32)  # bin centres, 0 and 255 included

    def __init__(self, colors: np.ndarray, exact: int = 0):
        self.colors = colors.astype(np.int32)
        self.lut = np.full(1 << 18, -1, dtype=np.int16)
        for i in range(exact - 1, -1, -1):  # earlier (run) colours win a shared bin
            r, g, b = (int(v) >> 2 for v in self.colors[i])
            self.lut[(r << 12) | (g << 6) | b] = i

    def _fill(self, keys: np.ndarray) -> None:
        lv = self.LEVELS
        bins = np.stack([lv[keys >> 12], lv[(keys >> 6) & 63], lv[keys & 63]], axis=1)
        for i in range(0, len(keys), 4096):
            d = bins[i:i + 4096, None, :] - self.colors[None, :, :]
            self.lut[keys[i:i + 4096]] = np.argmin((d * d * self.WEIGHTS).sum(axis=2), axis=1)

    def __call__(self, px: np.ndarray) -> np.ndarray:
        """Palette indices (uint8) of a (h, w) 0xffRRGGBB frame."""
        key = ((px >> 6) & 0x3F000) | ((px >> 4) & 0xFC0) | ((px >> 2) & 0x3F)
        idx = self.lut[key]
        missing = idx < 0
        if missing.any():
            self._fill(np.unique(key[missing]).astype(np.int64))
            idx = self.lut[key]
        return idx.astype(np.uint8)


def frame_delays(count: int, fps: float, hold: float = 0.0) -> list[int]:
    """Delays in centiseconds whose running sum follows ``i / fps`` (GIF stores whole
    centiseconds); the last frame also holds ``hold`` seconds."""
    edges = [round(i * 100.0 / fps) for i in range(count + 1)]
    delays = [max(2, b - a) for a, b in zip(edges, edges[1:])]
    if delays:
        delays[-1] += int(round(hold * 100))
    return delays


class GifWriter:
    """Streams palette-indexed frames into a GIF: ``start(samples)``, ``add(image)`` per
    frame, then ``finish()`` (renames into place) or ``abort()`` (deletes)."""

    def __init__(self, path: str, width: int, height: int, fps: float, count: int, loop: bool = True,
                 hold: float = 0.0, exact_colors=()):
        self.path, self.width, self.height = path, int(width), int(height)
        self.delays = frame_delays(count, fps, hold)
        self.loop, self.exact = loop, tuple(exact_colors)
        self.tmp = temp_for(path, ".gif")
        try:
            self.fh = open(self.tmp, "wb")
        except OSError as err:
            discard(self.tmp)
            raise WriteError(path, err) from None
        self.index = None
        self.prev = None
        self.count = 0

    def start(self, samples: list[QtGui.QImage]) -> None:
        colors, exact = build_palette([image_rgb(s) for s in samples], self.exact)
        self.index = PaletteIndex(colors, exact)
        table = np.zeros((256, 3), np.uint8)
        table[:255] = colors
        table[TRANSPARENT] = (255, 255, 255)
        self.fh.write(b"GIF89a" + struct.pack("<HHBBB", self.width, self.height, 0xF7, 0, 0))
        self.fh.write(table.tobytes())
        if self.loop:
            self.fh.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", 0) + b"\x00")

    def add(self, image: QtGui.QImage) -> None:
        from PIL import GifImagePlugin, Image

        if self.index is None:
            self.start([image])
        idx = self.index(image_rgb32(image))
        delay = self.delays[min(self.count, len(self.delays) - 1)] * 10
        params = {"duration": delay, "disposal": 1}
        if self.prev is None:
            sub, offset = idx, (0, 0)
        else:
            changed = idx != self.prev
            rows = np.flatnonzero(changed.any(axis=1))
            if rows.size == 0:  # nothing moved: one transparent pixel keeps the frame and its delay
                sub, offset = np.full((1, 1), TRANSPARENT, np.uint8), (0, 0)
            else:
                cols = np.flatnonzero(changed.any(axis=0))
                y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
                sub = idx[y0:y1, x0:x1].copy()
                sub[~changed[y0:y1, x0:x1]] = TRANSPARENT
                offset = (int(x0), int(y0))
            params["transparency"] = TRANSPARENT
        frame = Image.fromarray(np.ascontiguousarray(sub), "L")
        for chunk in GifImagePlugin.getdata(frame, offset, **params):
            self.fh.write(chunk)
        self.prev = idx
        self.count += 1

    def finish(self) -> str:
        self.fh.write(b";")
        self.fh.close()
        return publish(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self.fh.close()
        finally:
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)


class Mp4Writer:
    """H.264 (yuv420p, plays in browsers and PowerPoint) through imageio's ffmpeg."""

    def __init__(self, path: str, width: int, height: int, fps: float, count: int, loop: bool = True,
                 hold: float = 0.0, exact_colors=()):
        import imageio.v2 as imageio

        self.path, self.fps, self.hold = path, float(fps), float(hold)
        self.tmp = temp_for(path, ".mp4")
        # yuv420p needs even sizes: an odd edge gets one white pixel more
        self.pad = (height % 2, width % 2)
        self.writer = imageio.get_writer(self.tmp, format="FFMPEG", mode="I", fps=self.fps, codec="libx264",
                                         quality=8, pixelformat="yuv420p", macro_block_size=1,
                                         ffmpeg_log_level="error")
        self.last = None

    def start(self, samples) -> None:
        pass

    def add(self, image: QtGui.QImage) -> None:
        rgb = image_rgb(image)
        if any(self.pad):
            rgb = np.pad(rgb, ((0, self.pad[0]), (0, self.pad[1]), (0, 0)), constant_values=255)
        self.writer.append_data(rgb)
        self.last = rgb

    def finish(self) -> str:
        if self.last is not None:
            for _ in range(int(round(self.hold * self.fps))):
                self.writer.append_data(self.last)
        self.writer.close()
        return publish(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self.writer.close()
        except Exception:  # noqa: BLE001 - ffmpeg may already be gone; the temp file goes anyway
            pass
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)


def make_writer(path: str, options: AnimationOptions, count: int, exact_colors=()):
    fmt = os.path.splitext(path)[1].lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"{path!r}: expected a .gif or .mp4 file name")
    options.check(fmt)
    if fmt == "mp4" and not mp4_available():
        raise ValueError(MP4_MISSING)
    cls = GifWriter if fmt == "gif" else Mp4Writer
    return cls(path, options.width, options.height, options.fps, count, loop=options.loop,
               hold=options.hold, exact_colors=exact_colors)


def run_colors(controller) -> list[str]:
    from gui import theme
    t = theme.palette_of()
    return [r.color for r in controller.runs if r.visible] + [t["background"], t["ink"], t["muted"],
                                                               "#ffffff", "#000000"]


class Animation:
    """One animation being written: ``step()`` draws and appends the next frame (the UI
    calls it from a timer, scripts in a loop); ``cancel()`` leaves no file."""

    def __init__(self, source: FrameSource, path: str, options: AnimationOptions):
        self.source, self.path, self.options = source, path, options
        self.steps = plan_frames(source.controller.scene.steps, options.frames)
        self.writer = make_writer(path, options, len(self.steps), run_colors(source.controller))
        self.done = 0
        self.started = False
        self.closed = False

    @property
    def total(self) -> int:
        return len(self.steps)

    def step(self) -> bool:
        """One more frame; False when every frame is written and the file is in place."""
        if self.closed:
            return False
        try:
            if not self.started:
                # the palette comes from the first and the last frame (the last holds every trail)
                first = self.source.frame(self.steps[0]).copy()
                last = self.source.frame(self.steps[-1]).copy()
                self.writer.start([first, last])
                self.started = True
            if self.done < self.total:
                self.writer.add(self.source.frame(self.steps[self.done]))
                self.done += 1
                return True
            self.writer.finish()
        except WriteError:
            self.cancel()
            raise
        except OSError as err:  # the temp file's disk is full: say so, leave nothing behind
            self.cancel()
            raise WriteError(self.path, err) from None
        except BaseException:  # a cancel, Ctrl+C or SIGTERM (render) leaves no temp file either
            self.cancel()
            raise
        self._close()
        return False

    def cancel(self) -> None:
        if not self.closed:
            self.writer.abort()
            self._close()

    def _close(self) -> None:
        self.closed = True
        self.source.close()


def write_animation(source: FrameSource, path: str, options: AnimationOptions, progress=None) -> str:
    """Every frame at once (the render command, benchmarks); ``progress(done, total)``."""
    anim = Animation(source, path, options)
    try:
        while anim.step():
            if progress is not None:
                progress(anim.done, anim.total)
    except BaseException:
        # SIGTERM (render's Terminated) or Ctrl+C can land between two frames, outside
        # step()'s own clean-up: the temp file must go then too
        anim.cancel()
        raise
    return path
