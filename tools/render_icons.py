"""Render the app icon's PNG sizes from its SVG: ``python tools/render_icons.py``.

The PNGs are committed (resources/icons/), so neither an install nor the app needs
Qt's SVG support to show the icon; run this after editing the SVG (``make icons``)
and look at the small sizes: 16 and 32 px are what a task bar and a menu show.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6 import QtCore, QtGui, QtSvg  # noqa: E402

from optimizer_playground.desktop import ICON_NAME, ICON_SIZES  # noqa: E402

ICON_DIR = ROOT / "resources" / "icons"


def render(svg: Path, size: int, out: Path) -> None:
    renderer = QtSvg.QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QtCore.QRectF(0, 0, size, size))
    painter.end()
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"could not write {out}")


def main() -> int:
    QtGui.QGuiApplication.instance() or QtGui.QGuiApplication([])
    svg = ICON_DIR / f"{ICON_NAME}.svg"
    for size in ICON_SIZES:
        out = ICON_DIR / f"{ICON_NAME}-{size}.png"
        render(svg, size, out)
        print(out.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
