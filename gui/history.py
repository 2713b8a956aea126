"""Undo and redo of scene edits, one stack of scenes per mode.

The scene is immutable plain data (engine.session.Scene), so the history keeps whole
scenes: undo puts the previous one back through the mode's own ``set_scene`` and
nothing else needs to know how to reverse an edit. Edits are noticed from the mode's
signals and committed after a short quiet spell, so a slider drag or a run of typed
digits becomes one entry. The step, the selection, the speed, the zoom and the display
toggles are not edits: they stay out of the comparison (playback never fills the stack).
"""

from __future__ import annotations

from PySide6 import QtCore

from engine.session import Scene

QUIET_MS = 400  # a drag's last move and the commit of the whole drag
DEPTH = 100


def edit_part(scene: Scene) -> Scene:
    """What an undo restores: the scene without playback, selection, zoom and display."""
    return scene.replace(step=0, selected=0, speed=60.0, view=None, display={})


class SceneHistory(QtCore.QObject):
    changed = QtCore.Signal()  # can_undo / can_redo / modified may have changed

    def __init__(self, mode):
        super().__init__(mode)
        self.mode = mode
        self._undo: list[Scene] = []
        self._redo: list[Scene] = []
        self._base: Scene | None = None     # the scene as last committed
        self._clean: Scene | None = None    # the edit part when loaded or saved
        self._restoring = False
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(QUIET_MS)
        self._timer.timeout.connect(self.commit)
        for name in ("sceneChanged", "runsChanged", "runChanged", "settingsChanged"):  # not per-tick signals
            getattr(mode, name).connect(self.touch)

    def touch(self, *_args) -> None:
        if not self._restoring:
            self._timer.start()

    def commit(self) -> None:
        """Record the edits made since the last commit as one entry."""
        self._timer.stop()
        current = self.mode.current_scene()
        if self._base is None:
            self._base = current
            self._clean = edit_part(current)
        elif edit_part(current) != edit_part(self._base):
            self._undo.append(self._base)  # in place: undo() holds this list
            del self._undo[:-DEPTH]
            self._redo.clear()
            self._base = current
        else:
            return
        self.changed.emit()

    def can_undo(self) -> bool:
        self.commit()
        return bool(self._undo)

    def can_redo(self) -> bool:
        self.commit()
        return bool(self._redo)

    def undo(self) -> bool:
        return self._move(self._undo, self._redo, "undo")

    def redo(self) -> bool:
        return self._move(self._redo, self._undo, "redo")

    def _move(self, source: list, target: list, word: str) -> bool:
        self.commit()
        if not source:
            self.mode.message.emit(f"nothing to {word}")
            return False
        scene = source.pop()
        self._restoring = True
        try:
            ok = self.mode.set_scene(scene.replace(step=0))
        finally:
            self._restoring = False
        if not ok:
            source.append(scene)
            return False
        target.append(self._base)
        self._base = self.mode.current_scene()
        self._timer.stop()
        self.changed.emit()
        return True

    # -- edited since loaded or saved (the title's mark, "Discard your changes?") ---------------

    def mark_clean(self) -> None:
        """The scene on screen was just loaded or saved."""
        self.commit()
        self._clean = edit_part(self.mode.current_scene())
        self.changed.emit()

    def modified(self) -> bool:
        return self._clean is not None and edit_part(self.mode.current_scene()) != self._clean
