"""Classification mode (SPEC section 6): every optimizer trains its own copy of a small
classifier on a 2-D dataset, live, from the same initial weights.

The main window needs two lines::

    controller = ClassificationController(scene)   # scene.mode == "classification"
    pane = ClassificationPane(controller)

``controller.set_scene(scene)`` loads another scene (a session or a preset) and
``controller.scene`` is the scene to save. Modules: ``controller`` (the problem, the
Trainer and the problem's setters; what both modes share is gui.controller_base),
``timeline`` (training that grows, driven by gui.transport), ``live`` (the Trainer as the live view needs it), views
(``decision_view``, ``metrics_view``, ``memory_view``, ``landscape_view``), the problem
``panel`` and the ``pane`` that assembles them.
"""

from .controller import ClassificationController, default_scene
from .pane import ClassificationPane

__all__ = ["ClassificationController", "ClassificationPane", "default_scene"]
