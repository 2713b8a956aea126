"""Every command of the window as a QAction with its shortcut, in the menus (so the
shortcut is shown next to it) and reachable from the keyboard anywhere in the
window. Actions only call controller methods (or the window's export/session
helpers); they hold no state of their own.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from gui.export import add_export_entries
from gui.panels.runs import optimizer_menu
from gui.views.signal import signal_menu
from gui.views.theory import apply_polyak

DISPLAY_TOGGLES = (
    ("gradient_arrows", "Gradient arrow (−lr g)", "G"),
    ("step_arrows", "Update arrow (next step)", "U"),
    ("velocity_arrows", "Velocity / first-moment arrow", "V"),
    ("adaptive_boxes", "Adaptive step box (lr/√v̂)", "A"),
    ("update_geometry", "Geometry of the update (selected run)", "Shift+U"),
    ("polyak", "Polyak-averaged trail (dashed)", "P"),
    ("iterate_dots", "Iterates as dots", "D"),
    ("contours", "Contour lines", "C"),
    ("theory", "Theory overlays (quadratics: eigen-directions, lr limits, O(1/T) bound)", "K"),
    ("log_loss", "Log-scale loss", "L"),
    ("loss_minus_min", "Plot loss minus the known minimum", None),
    ("log_lr", "Log-scale learning rate", None),
)


class WindowActions:
    def __init__(self, window):
        self.window = window
        c = window.controller
        self.by_name: dict[str, QtGui.QAction] = {}
        bar = window.menuBar()

        file = bar.addMenu("&File")
        self._add(file, "open", "Open session…", "Ctrl+O", window.open_session)
        self._add(file, "save", "Save session as…", "Ctrl+S", window.save_session)
        file.addSeparator()
        self._add(file, "screenshot", "Save screenshot (PNG)", "Ctrl+E", window.exporter.quick_screenshot)
        export = file.addMenu("Export")
        self._add(export, "export_window", "Window… (PNG or SVG)", "Ctrl+Shift+E", window.exporter.export_window)
        self._add(export, "export_surface", "Surface plot… (PNG or SVG)", None,
                  lambda: window.exporter.export_view("surface"))
        self._add(export, "export_loss", "Loss plot… (PNG or SVG)", None, lambda: window.exporter.export_view("loss"))
        self._add(export, "export_lr", "Learning-rate plot… (PNG or SVG)", None,
                  lambda: window.exporter.export_view("lr"))
        add_export_entries(self, export, window)  # animation, video, trajectories, PNG scale, caption
        file.addSeparator()
        self._add(file, "quit", "Quit", "Ctrl+Q", window.close)

        play = bar.addMenu("&Playback")
        # playback and runs act on the visible mode's controller (a gui.controller_base.Mode)
        act = self.active
        self._add(play, "play", "Play / pause", "Space", lambda: act().toggle_play())
        self._add(play, "step", "Step forward", ["Right", "N"], lambda: act().step_once())
        self._add(play, "back", "Step back", "Left", lambda: act().step_back())
        self._add(play, "reset", "Reset to step 0", ["R", "Home"], lambda: act().reset())
        self._add(play, "end", "Jump to the end", "End", lambda: act().jump_to_end())
        play.addSeparator()
        self._add(play, "faster", "Faster (×2)", ["+", "=", "Ctrl++"], lambda: act().faster())
        self._add(play, "slower", "Slower (÷2)", ["-", "Ctrl+-"], lambda: act().slower())

        runs = bar.addMenu("&Runs")
        add = optimizer_menu(runs, lambda key: act().add_run(key))
        add.setTitle("Add run")
        runs.addMenu(add)
        self._add(runs, "duplicate", "Duplicate selected run", "Ctrl+D", lambda: act().duplicate_run(act().selected))
        self._add(runs, "branch", "Branch selected run at this step", "Ctrl+B", lambda: branch_here(window))
        self._add(runs, "remove", "Remove selected run", "Delete", lambda: act().remove_run(act().selected))
        self._add(runs, "color", "Colour of selected run…", None,
                  lambda: window.modes.runs_panel.choose_color(act().selected))
        self._add(runs, "hide", "Show / hide selected run", "H",
                  lambda: act().runs and act().set_run_visible(act().selected, not act().runs[act().selected].visible))
        self._add(runs, "polyak_momentum", "Polyak-optimal momentum (quadratics)", None,
                  lambda: apply_polyak(c))
        self._add(runs, "rule_editor", "Write your own rule…", "Ctrl+R", self.open_rule_editor)
        runs.addSeparator()
        for k in range(1, 10):
            self._add(runs, f"select{k}", f"Select run {k}", str(k), lambda _=False, i=k - 1: act().select_run(i))

        view = bar.addMenu("&View")
        for key, text, shortcut in DISPLAY_TOGGLES:
            action = self._add(view, key, text, shortcut, lambda on, k=key: c.set_display(k, bool(on)),
                               checkable=True)
            action.setChecked(bool(c.display(key)))
        self._add(view, "thick", "Thick trails (for projectors)", "W",
                  lambda on: c.set_display("trail_width", 2.0 if on else 1.0), checkable=True)
        self.signal_menu = signal_menu(view, self.active)
        view.addSeparator()
        self._add(view, "zoom", "Reset zoom", "Ctrl+0", window.contour.reset_zoom)  # Home: back to step 0
        self._add(view, "fit", "Zoom to the paths", "F", window.contour.fit_paths)
        self._add(view, "inspector", "Inspector", "I", window.set_inspector_visible, checkable=True).setChecked(True)
        self._add(view, "arithmetic", "Step arithmetic", "Ctrl+Shift+A", self.show_arithmetic, checkable=True)
        view.addAction(window.controls_dock.toggleViewAction())
        window.controls_dock.toggleViewAction().setText("Controls panel")

        help_menu = bar.addMenu("&Help")
        self._add(help_menu, "about", "About Optimizer Playground", None, window.show_about)
        self.menus = {"file": file, "playback": play, "runs": runs, "view": view, "help": help_menu}

        c.displayChanged.connect(self._display_changed)
        c.sceneChanged.connect(self.sync)

    def show_arithmetic(self, on: bool = True):
        """The step-arithmetic dock (gui.panels.arithmetic), made the first time it is asked for."""
        from gui.panels.arithmetic import arithmetic_dock

        dock = getattr(self, "arithmetic_dock", None)
        if dock is None and on:
            dock = self.arithmetic_dock = arithmetic_dock(self.window)
            dock.visibilityChanged.connect(lambda v: self._set_checked("arithmetic", v))
        if dock is not None:
            dock.setVisible(on)
        return dock

    def open_rule_editor(self):
        from gui.panels.rule_editor import RuleEditor

        if getattr(self, "rule_editor", None) is None:
            self.rule_editor = RuleEditor(self.active, self.window)
        self.rule_editor.show()
        self.rule_editor.raise_()
        self.rule_editor.activateWindow()
        return self.rule_editor

    def active(self):
        """The visible mode's controller (gui.modes)."""
        return self.window.modes.active

    def _add(self, menu, name, text, shortcut, slot, checkable=False) -> QtGui.QAction:
        action = QtGui.QAction(text, self.window)
        if shortcut:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QtGui.QKeySequence(k) for k in keys])
        action.setCheckable(checkable)
        if checkable:
            action.toggled.connect(slot)
        else:
            action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        self.window.addAction(action)  # shortcuts work with the menu bar hidden too
        self.by_name[name] = action
        return action

    def sync(self) -> None:
        c = self.window.controller
        for key, _text, _shortcut in DISPLAY_TOGGLES:
            self._set_checked(key, bool(c.display(key)))
        self._set_checked("thick", float(c.display("trail_width")) > 1.0)

    def _display_changed(self, key: str, value) -> None:
        if key == "trail_width":
            self._set_checked("thick", float(value) > 1.0)
        elif key in self.by_name:
            self._set_checked(key, bool(value))

    def _set_checked(self, name: str, on: bool) -> None:
        action = self.by_name[name]
        if action.isChecked() != on:
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)


def shortcut_help(actions: WindowActions) -> str:
    lines = []
    for name in ("play", "step", "back", "reset", "end", "faster", "slower", "select1", "screenshot", "quit",
                 "mode_surface", "mode_classification", "open", "save", "browse_presets", "presentation",
                 "next_preset", "previous_preset", "blank", "note", "toggle_theme"):
        a = actions.by_name.get(name)
        if a is None:
            continue
        keys = ", ".join(s.toString(QtGui.QKeySequence.SequenceFormat.NativeText) for s in a.shortcuts())
        lines.append(f"{keys:>16}   {a.text()}")
    return "\n".join(lines)


def about_box(parent, text: str) -> None:
    QtWidgets.QMessageBox.about(parent, "Optimizer Playground", text)


def branch_here(window) -> bool:
    """Rewind and branch (gui.controller.branch_run) at the step shown; surface runs only."""
    if window.modes.mode != "surface":
        window.modes.active.notify("branching is for runs on a surface")
        return False
    c = window.controller
    return bool(c.runs) and c.branch_run(c.selected)
