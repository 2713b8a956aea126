"""Undo and redo of scene edits (Ctrl+Z / Ctrl+Shift+Z), one history per mode.

A scene is immutable plain data (engine.session.Scene), so the history is a stack
of scenes, not of commands: whatever changed it — a knob, the start point, a run
added, removed or branched, the surface, a preset or a session loaded — is undone
by putting the previous scene back through the controller's own ``set_scene``.

The history listens to the controller's edit signals instead of wrapping each
setter, so an edit added later is undoable without touching this module. Edits that
arrive in a burst (a slider drag sends dozens) become one entry once the burst has
been quiet for :data:`QUIET_MS`. What playback owns — the step, the speed — and what
only frames the picture — the selection, the zoom, the display toggles — are not
edits: undo keeps them as they are.
"""

from __future__ import annotations

from PySide6 import QtCore

from engine.session import Scene

QUIET_MS = 400  # a drag's updates come every ~16 ms; a pause this long ends the edit
DEPTH = 100  # scenes are a few kB each


def _edit_part(scene: Scene) -> Scene:
    """The scene without what playback and framing own (compared and stored)."""
    return scene.replace(step=0, speed=60.0, selected=0, view=None, display={})


class SceneHistory(QtCore.QObject):
    changed = QtCore.Signal()  # can_undo / can_redo may have changed

    def __init__(self, controller, parent=None):
        super().__init__(parent or controller)
        self.controller = controller
        self._undo: list[Scene] = []
        self._redo: list[Scene] = []
        self._last = _edit_part(controller.current_scene())
        self._applying = False
        self._quiet = QtCore.QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(QUIET_MS)
        self._quiet.timeout.connect(self.commit)
        for signal in (controller.sceneChanged, controller.runsChanged, controller.runChanged,
                       controller.settingsChanged, controller.tracesChanged):
            signal.connect(self._edited)

    def forget(self) -> None:
        """Start the history at the scene on screen (the one the app opened on)."""
        self._quiet.stop()
        self._undo.clear()
        self._redo.clear()
        self._last = _edit_part(self.controller.current_scene())
        self.changed.emit()

    def can_undo(self) -> bool:
        self.commit()
        return bool(self._undo)

    def can_redo(self) -> bool:
        self.commit()
        return bool(self._redo)

    def _edited(self, *_):
        if not self._applying:
            self._quiet.start()

    def commit(self) -> None:
        """Close the edit in progress (if the scene really changed) as one entry."""
        self._quiet.stop()
        now = _edit_part(self.controller.current_scene())
        if now == self._last:
            return
        self._undo.append(self._last)
        del self._undo[:-DEPTH]
        self._redo.clear()
        self._last = now
        self.changed.emit()

    def undo(self) -> bool:
        self.commit()
        if not self._undo:
            self.controller.notify("nothing to undo")
            return False
        return self._go(self._undo, self._redo, "undone")

    def redo(self) -> bool:
        self.commit()
        if not self._redo:
            self.controller.notify("nothing to redo")
            return False
        return self._go(self._redo, self._undo, "redone")

    def _go(self, source: list[Scene], sink: list[Scene], word: str) -> bool:
        target = source.pop()
        now = self.controller.current_scene()
        # the step stays where playback is (within the target's length); framing stays too
        scene = target.replace(step=min(now.step, target.steps), speed=now.speed, view=now.view,
                               display=now.display,
                               selected=min(now.selected, max(len(target.runs) - 1, 0)))
        self._applying = True
        try:
            ok = self.controller.set_scene(scene)
        finally:
            self._applying = False
        if not ok:  # refused (its message is on screen): the history stays as it was
            source.append(target)
            return False
        sink.append(self._last)
        self._last = _edit_part(self.controller.current_scene())
        self.controller.notify(f"{word}: the scene is as it was")
        self.changed.emit()
        return True
