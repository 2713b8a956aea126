"""What a preset frames besides its runs (engine.session TABS, PLOTS): the tab that
opens and the plots shown beside it, applied whenever a whole scene is put on screen,
and the cue banners of both modes. A scene without these keys gets the default
layout back (the surface tab, every plot), so one preset's choice does not stick to
the next.
"""

from __future__ import annotations

from gui.cues import cue_at
from gui.views.cue_banner import CueBanner

SURFACE_TABS = {"surface": 0, "sweep": 1, "basins": 2, "3d": 3}
CLASSIFICATION_TABS = {"decision": 0, "landscape": 1, "memory": 2}
DEFAULT_PLOTS = "loss/lr/inspector"  # the signal plot shows itself when the scene names a signal


def plots_of(scene) -> set[str]:
    return set(str(scene.display.get("plots", DEFAULT_PLOTS)).split("/"))


def apply(window, scene) -> None:
    tab = scene.display.get("tab")
    if scene.mode == "classification":  # shown by modes.load_scene, so its pane exists
        window.modes.pane.tabs.setCurrentIndex(CLASSIFICATION_TABS.get(tab, 0))
        return
    window.analysis.setCurrentIndex(SURFACE_TABS.get(tab, 0))
    shown = plots_of(scene)
    window.loss.setVisible("loss" in shown)
    window.schedule.setVisible("lr" in shown)
    if not window.modes.presenting:  # presentation mode keeps the inspector closed
        window.set_inspector_visible("inspector" in shown)
        action = window.commands.by_name["inspector"]
        if action.isChecked() != ("inspector" in shown):
            action.blockSignals(True)
            action.setChecked("inspector" in shown)
            action.blockSignals(False)


def install_surface_banner(window) -> CueBanner:
    c = window.controller
    banner = CueBanner(window.contour)

    def update(*_):
        banner.show_cue(cue_at(c.scene.cues, c.step))

    c.stepChanged.connect(update)
    c.sceneChanged.connect(update)
    update()
    return banner


def install_classification_banner(pane) -> CueBanner:
    c = pane.controller
    banner = CueBanner(pane.tabs)

    def update(*_):
        banner.show_cue(cue_at(c.scene.cues, c.step))

    c.stepChanged.connect(update)
    c.restarted.connect(update)
    c.sceneChanged.connect(update)
    update()
    return banner
