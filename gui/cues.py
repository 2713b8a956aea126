"""Cues: a preset's stops ("pause at step k and show this line").

Playback stops at each cue's step and the line appears over the plot (gui.views.cue_banner);
in presentation mode PageDown plays on to the next cue, then to the end, and only then
opens the next preset, so a lecturer can ask "where will it go?" before revealing it.
Plain functions of (cues, step), shared by both modes' controllers.
"""

from __future__ import annotations


def next_cue(cues, step: int):
    """The first cue after ``step`` (None when there is none)."""
    return next((c for c in cues if c.step > step), None)


def cue_at(cues, step: int):
    """The cue whose stop is ``step`` (None between stops)."""
    return next((c for c in cues if c.step == step), None)


def stop_before(cues, step: int, target: int) -> int:
    """How far playing from ``step`` may go towards ``target``: up to the next cue."""
    cue = next_cue(cues, step)
    return min(target, cue.step) if cue is not None else target


def advance(controller) -> bool:
    """PageDown in presentation mode: play on to the next cue, or to the end after the last
    one; False when there is nothing left to reveal (then the next preset opens). While it
    plays, PageDown lets it play on to that stop."""
    cues = controller.scene.cues
    if not cues:
        return False
    timeline = controller.timeline
    if stop_before(cues, timeline.step, timeline.end) <= timeline.step:
        return False
    controller.play()
    return True
