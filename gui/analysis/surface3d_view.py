"""The "3-D" tab: the surface as a shaded mesh with the runs' paths on it, rotatable.

pyqtgraph.opengl draws it (GLViewWidget, GLSurfacePlotItem, GLLinePlotItem), so it
needs a working OpenGL context. The team measured that Qt's offscreen platform has
none (GLViewWidget fails and renderToArray segfaults there), so the GL widget is made
only when the tab is first shown, only after a throw-away context has been created
and made current; otherwise the tab says why and every other view works as before.

Heights: ``f - f_min`` compressed with ``log1p(d / s)`` (s = a low quantile of d) when
the surface spans decades (Rosenbrock: 0 to 2500), so the valley floor and the walls
both show; linear otherwise; clipped at the 99th percentile and scaled to a third of
the view box's width. Paths use the same mapping, lifted a hair above the mesh.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from gui import theme
from gui.views.isolines import ColorScale, isolines, levels_for

GRID_3D = 120  # vertices per side: ~10 ms a frame under llvmpipe (200 x 200: ~17 ms)
NO_GL_TEXT = ("3-D view needs OpenGL, which this display does not provide (e.g. offscreen rendering). "
              "Everything else works.")
NO_GL_PLATFORMS = ("offscreen", "minimal", "vnc")
HINT = "Drag to rotate, wheel to zoom, Ctrl+drag to pan."


def opengl_problem() -> str:
    """'' when an OpenGL context can be created and made current here, else why not.
    Never touches OpenGL on a platform known to have none (it can crash there)."""
    app = QtGui.QGuiApplication.instance()
    platform = app.platformName() if app is not None else ""
    if platform in NO_GL_PLATFORMS:
        return f"the Qt platform {platform!r} has no OpenGL"
    try:
        import OpenGL.GL  # noqa: F401  (PyOpenGL: pyqtgraph.opengl draws with it)
        import pyqtgraph.opengl  # noqa: F401
    except Exception as err:  # noqa: BLE001 - a missing or broken PyOpenGL is reported, not raised
        return f"PyOpenGL is not usable ({err})"
    context = QtGui.QOpenGLContext()
    if not context.create():
        return "no OpenGL context could be created"
    surface = QtGui.QOffscreenSurface()
    surface.create()
    ok = surface.isValid() and context.makeCurrent(surface)
    if ok:
        context.doneCurrent()
    surface.destroy()
    return "" if ok else "the OpenGL context could not be made current"


def surface_colormap():
    """Light and low to a calm slate and high, as the 2-D map, a little deeper so the
    shading reads; the Okabe-Ito trails stay readable on all of it."""
    import pyqtgraph as pg

    colors = ["#fbfbf7", "#e4ebe6", "#c8d6de", "#a4b8cc", "#7f95b3", "#5f7196"]
    if theme.THEME == "dark":  # low loss darkest, as the dark theme's 2-D map
        colors = ["#1b2026", "#27303a", "#34404d", "#435262", "#556779", "#6a7e92"]
    return pg.ColorMap(np.linspace(0.0, 1.0, len(colors)), [QtGui.QColor(c) for c in colors])


def lit_shader():
    """pyqtgraph's 'shaded' program with more ambient light and two-sided diffuse light:
    its own darkens the whole mesh to a fifth where a face turns from the light, and
    the light slate of the map went muddy."""
    from pyqtgraph.opengl import shaders

    if "playground_lit" not in shaders.ShaderProgram.names:
        vertex = shaders.getShaderProgram("shaded").shaders[0].code
        shaders.ShaderProgram("playground_lit", [shaders.VertexShader(vertex), shaders.FragmentShader("""
            #ifdef GL_ES
            precision mediump float;
            #endif
            varying vec4 v_color;
            varying vec3 v_normal;
            void main() {
                float p = abs(dot(normalize(v_normal), normalize(vec3(0.3, -0.6, -1.0))));
                vec3 rgb = v_color.rgb * (0.5 + 0.55 * p);
                gl_FragColor = vec4(min(rgb, vec3(1.0)), v_color.a);
            }
        """)])
    return shaders.getShaderProgram("playground_lit")


class HeightMap:
    """f -> z for the mesh and the paths (see the module docstring)."""

    def __init__(self, surface):
        xs, ys, Z = surface.grid(GRID_3D, GRID_3D)
        self.xs, self.ys = xs, ys
        scale = ColorScale(Z, surface.min_value)
        self.zmin = scale.zmin
        d = np.maximum(np.where(np.isfinite(Z), Z, scale.top) - self.zmin, 0.0)
        self.log = scale.use_log
        positive = d[d > 0]
        self.s = float(np.quantile(positive, 0.05)) if self.log and positive.size else 1.0
        self.top = float(np.quantile(self._compress(d), 0.99)) or 1.0
        x0, x1, y0, y1 = surface.view
        self.height = 0.25 * max(x1 - x0, y1 - y0)
        self.Z = self.z(Z)

    def _compress(self, d):
        return np.log1p(d / self.s) if self.log else d

    def z(self, f) -> np.ndarray:
        with np.errstate(all="ignore"):
            d = np.maximum(np.asarray(f, dtype=float) - self.zmin, 0.0)
            u = np.minimum(self._compress(d) / self.top, 1.0)
        return np.where(np.isfinite(u), u, 1.0) * self.height


class Surface3DView(QtWidgets.QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.gl = None  # the GLViewWidget, made on first show when OpenGL works
        self.problem = None  # why there is no 3-D view ('' once it exists)
        self.heights = None
        self.paths: list = []
        self._dirty = {"surface": True, "paths": True}
        self._drawn_theme = None
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.label = QtWidgets.QLabel("The 3-D view is made when this tab is first shown.")
        self.label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.label.setFont(theme.font(13))
        self._layout.addWidget(self.label)
        c = controller
        c.sceneChanged.connect(lambda: self._changed("surface"))
        c.runsChanged.connect(lambda: self._changed("paths"))
        c.runChanged.connect(lambda _i: self._changed("paths"))
        c.tracesChanged.connect(lambda _idx: self._changed("paths"))
        c.settingsChanged.connect(lambda: self._changed("paths"))
        c.stepChanged.connect(self._step)

    # -- lazily made -----------------------------------------------------------------------------

    def showEvent(self, event):
        super().showEvent(event)
        if self.problem is None:
            self._make()
        self._refresh()

    def _make(self) -> None:
        self.problem = opengl_problem()
        if not self.problem:
            try:
                self._make_gl()
            except Exception as err:  # noqa: BLE001 - no 3-D view is better than no window
                self.gl, self.problem = None, f"the 3-D view could not be made ({err})"
        if self.problem:
            self.label.setText(f"{NO_GL_TEXT}\n\n({self.problem})")

    def _make_gl(self) -> None:
        import pyqtgraph.opengl as gl

        self.gl_module = gl
        view = gl.GLViewWidget()
        view.setBackgroundColor("w")
        self.mesh = gl.GLSurfacePlotItem(shader=lit_shader(), computeNormals=True, smooth=True)
        view.addItem(self.mesh)
        self.contours = gl.GLLinePlotItem(mode="lines", color=(0.15, 0.17, 0.25, 0.45), width=1.0, antialias=True)
        self.contours.setGLOptions("translucent")
        view.addItem(self.contours)
        from OpenGL import GL

        # minima and heads stay visible behind a hill when the view is turned (like labels)
        on_top = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True,
                  "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}
        self.markers = gl.GLScatterPlotItem(pxMode=True)
        self.markers.setGLOptions(on_top)
        view.addItem(self.markers)
        self.heads = gl.GLScatterPlotItem(pxMode=True)
        self.heads.setGLOptions(on_top)
        view.addItem(self.heads)
        self.label.setText(HINT)
        self.label.setFont(theme.font(10))
        self.label.setForegroundRole(QtGui.QPalette.ColorRole.PlaceholderText)
        self.gl = view  # before it is shown: showing it re-enters showEvent
        self._layout.insertWidget(0, view, 1)

    @property
    def available(self) -> bool:
        return self.gl is not None

    def _changed(self, what: str) -> None:
        self._dirty[what] = True
        if self.gl is not None and self.isVisible():
            self._refresh()

    def _refresh(self) -> None:
        if self.gl is None:
            return
        if self.controller.surface.dim != 2:
            self.label.setText("The 3-D view shows 2-D surfaces; this one is 1-D (the Surface tab draws it).")
            self.gl.hide()
            return
        self.gl.show()
        self.label.setText(HINT)
        if self._drawn_theme != theme.THEME:  # colours and background follow a theme switch
            self._dirty["surface"] = True
        if self._dirty["surface"]:
            self._draw_surface()
            self._dirty["paths"] = True
        if self._dirty["paths"]:
            self._draw_paths()
        self._step(self.controller.step)

    # -- drawing ------------------------------------------------------------------------------------

    def _draw_surface(self) -> None:
        self._dirty["surface"] = False
        self._drawn_theme = theme.THEME
        s = self.controller.surface
        self.heights = h = HeightMap(s)
        self.gl.setBackgroundColor(theme.BACKGROUND)
        cmap = surface_colormap()
        colors = cmap.map(h.Z.T.ravel() / h.height, mode="float").reshape(len(h.xs), len(h.ys), 4)
        # GLSurfacePlotItem indexes z[i, j] at (x[i], y[j]); the grid is Z[j, i]
        self.mesh.setData(x=h.xs, y=h.ys, z=h.Z.T, colors=colors)
        # the 2-D map's contour lines drawn on the mesh: the two views read alike
        Zraw = s.grid(GRID_3D, GRID_3D)[2]
        scale = ColorScale(Zraw, s.min_value)
        segs = isolines(h.xs, h.ys, Zraw, levels_for(Zraw, scale.zmin, scale.use_log))
        if len(segs):
            z = h.z(s.value_at(segs)) + 0.006 * h.height
            ink = (0.85, 0.88, 0.95, 0.4) if theme.THEME == "dark" else (0.15, 0.17, 0.25, 0.45)
            self.contours.setData(pos=np.column_stack([segs, z]), color=ink)
        else:
            self.contours.setData(pos=np.zeros((0, 3)))
        x0, x1, y0, y1 = s.view
        cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        self.gl.opts["center"] = QtGui.QVector3D(cx, cy, h.height * 0.25)
        self.gl.setCameraPosition(distance=1.5 * max(x1 - x0, y1 - y0), elevation=38, azimuth=-65)
        minima = np.array([m.point for m in s.minima() if m.kind in ("global", "local")], dtype=float)
        if len(minima):
            z = h.z(s.value_at(minima)) + 0.02 * h.height
            self.markers.setData(pos=np.column_stack([minima, z]), color=(1.0, 0.78, 0.1, 1.0), size=16)
        else:
            self.markers.setData(pos=np.zeros((0, 3)))

    def _draw_paths(self) -> None:
        self._dirty["paths"] = False
        c, h, gl = self.controller, self.heights, self.gl_module
        for item in self.paths:
            self.gl.removeItem(item)
        self.paths = []
        x0, x1, y0, y1 = c.surface.view
        lift = 0.012 * h.height
        for run, tr in zip(c.runs, c.traces):
            xs = np.asarray(tr.xs, dtype=float)
            # a diverged run is drawn while it is on the map
            inside = np.all(np.isfinite(xs), axis=1) & (xs[:, 0] >= x0) & (xs[:, 0] <= x1) \
                & (xs[:, 1] >= y0) & (xs[:, 1] <= y1)
            n = int(np.argmin(inside)) if not inside.all() else len(xs)
            xs = xs[:n]
            pos = np.column_stack([xs, h.z(np.asarray(tr.loss[:n], dtype=float)) + lift]) if n else np.zeros((0, 3))
            item = gl.GLLinePlotItem(pos=pos, color=QtGui.QColor(run.color), width=2.5, antialias=True)
            item.full = pos
            item.setVisible(run.visible)
            self.gl.addItem(item)
            self.paths.append(item)

    def _step(self, step: int) -> None:
        if self.gl is None or not self.isVisible() or self.heights is None or self._dirty["paths"]:
            return
        heads, colors = [], []
        for i, item in enumerate(self.paths):
            full = item.full
            k = min(self.controller.row(i), len(full) - 1)
            item.setData(pos=full[: k + 1] if k >= 1 else full[:1])
            if k >= 0 and item.visible():
                heads.append(full[k])
                colors.append(QtGui.QColor(self.controller.runs[i].color).getRgbF())
        if heads:
            self.heads.setData(pos=np.array(heads), color=np.array(colors), size=11)
        else:
            self.heads.setData(pos=np.zeros((0, 3)))

    def grab_frame(self) -> QtGui.QImage | None:
        """The rendered GL frame (Xvfb or a real display only: never offscreen)."""
        return self.gl.grabFramebuffer() if self.gl is not None else None
