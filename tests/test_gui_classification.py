"""Classification mode: the real ClassificationController and ClassificationPane,
offscreen. Change a control, assert the scene (and the restart) followed; play, assert
the step, the curves and the decision image moved; refuse bad input with a message."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from engine.session import PALETTE, RunConfig  # noqa: E402
from engine.spec import OptimizerSpec  # noqa: E402
from engine.training import Trainer, build_problem  # noqa: E402
from gui.classification.controller import ClassificationController, default_scene  # noqa: E402
from gui.classification.live import LiveTrainer, WeightPath  # noqa: E402
from gui.classification.pane import ClassificationPane  # noqa: E402

SMALL = "spiral:n=150"  # a quick problem for the tests; the default scene has 600 points


def small_scene(**changes):
    scene = default_scene().replace(dataset=SMALL, model="mlp:hidden=16", steps=400)
    return scene.replace(**changes)


@pytest.fixture
def pane(qtbot):
    c = ClassificationController(small_scene())
    p = ClassificationPane(c)
    qtbot.addWidget(p)
    p.resize(1600, 900)
    p.show()
    qtbot.waitExposed(p)
    yield p
    c.pause()


def messages(c):
    seen = []
    c.message.connect(seen.append)
    return seen


# -- the pane and its controls ---------------------------------------------------------------------


def test_pane_builds_with_the_default_scene(qtbot):
    c = ClassificationController()
    p = ClassificationPane(c)
    qtbot.addWidget(p)
    assert c.scene.mode == "classification"
    assert [r.optimizer.key for r in c.runs] == ["sgd", "momentum", "rmsprop", "adam"]
    assert c.problem.dataset.n_train + c.problem.dataset.n_val == 600 and c.problem.full_batch
    assert p.decision_view.big.image.qimage is not None  # step 0 is drawn at once
    assert len(p.metrics_view.curves) == 4


def test_dataset_model_and_batch_controls_change_the_scene_and_restart(pane):
    c = pane.controller
    c.trainer.advance(5)
    gen = c.generation
    panel = pane.problem_panel

    combo = panel.pickers["dataset"]
    combo.setCurrentIndex(combo.findData("moons"))
    combo.activated.emit(combo.currentIndex())
    assert c.scene.dataset.startswith("moons") and c.step == 0 and c.generation > gen
    assert c.problem.dataset.n_classes == 2

    hidden = panel.forms["model"].controls["hidden"]
    hidden.slider.setValue(hidden._to_pos(8))
    assert c.scene.model == "mlp:hidden=8" and c.problem.dim == 3 * 8 + 8 * 2 + 2

    noise = panel.forms["dataset"].controls["noise"]
    noise.box.setText("0.25")
    noise.box.editingFinished.emit()
    assert "noise=0.25" in c.scene.dataset

    c.trainer.advance(3)
    panel.batch.slider.setValue(20)  # a log slider: 1 .. full batch
    assert 1 <= c.scene.batch_size < c.problem.dataset.n_train and not c.problem.full_batch
    assert c.step == 0
    panel.batch.slider.setValue(panel.batch.slider.maximum())
    assert c.scene.batch_size == 0 and c.problem.full_batch


def test_a_run_knob_restarts_and_keeps_the_scene_consistent(pane):
    c = pane.controller
    c.trainer.advance(4)
    lr = pane.hyper_controls.knobs["lr"]  # surface mode's own panel, on this controller
    lr.edit.setText("0.05")
    lr.edit.editingFinished.emit()
    assert c.runs[0].optimizer.params["lr"] == 0.05 and c.step == 0
    lr.slider.setValue(lr.scale.to_pos(0.02))
    assert abs(c.runs[0].optimizer.params["lr"] - 0.02) < 5e-4 and c.step == 0
    c.set_display("same_lr", True)
    assert c.set_hyper(0, "lr", 0.004) and all(r.optimizer.params["lr"] == 0.004 for r in c.runs)
    c.set_display("same_lr", False)
    assert c.set_schedule_param(0, "warmup", 10) and c.runs[0].schedule.params["warmup"] == 10
    assert c.add_run("adafactor") and c.runs[-1].optimizer.key == "adafactor" and c.selected == len(c.runs) - 1
    assert c.duplicate_run(0) and len(c.runs) == 6 and c.runs[1].optimizer == c.runs[0].optimizer
    assert len({r.color for r in c.runs}) == 6
    assert c.remove_run(1) and len(c.runs) == 5
    c.set_run_visible(0, False)
    assert not c.runs[0].visible and not pane.metrics_view.curves[0]["train_loss"].isVisible()
    assert c.set_schedule(0, "cosine:warmup=10") and c.runs[0].schedule.key == "cosine"


# -- playing --------------------------------------------------------------------------------------


def test_play_advances_and_the_views_follow(pane, qtbot):
    c = pane.controller
    img0 = pane.decision_view.big.image._buf.copy()
    c.play()
    qtbot.waitUntil(lambda: c.step >= 40, timeout=10_000)
    c.pause()
    assert not c.playing
    qtbot.waitUntil(lambda: pane.metrics_view.series[0]["train_loss"].n >= 40, timeout=2000)
    x, y = pane.metrics_view.curves[0]["train_loss"].getData()
    assert len(x) >= 40 and y[-1] < y[0]  # the training loss went down
    xv, _ = pane.metrics_view.curves[0]["val_loss"].getData()
    assert 0 < len(xv) < len(x)  # validation every few steps only
    pane.decision_view.redraw(full=True)
    assert not np.array_equal(pane.decision_view.big.image._buf, img0)  # the regions moved


def test_step_once_and_reset(pane):
    c = pane.controller
    c.step_once()
    c.step_once()
    assert c.step == 2 and len(c.metric(0, "train_loss")) == 3
    c.reset()
    assert c.step == 0 and len(c.metric(0, "train_loss")) == 1


def test_small_multiples_show_every_run(pane):
    view = pane.decision_view
    view.set_mode("grid")
    assert len(view.cells) == len(pane.controller.runs)
    assert all(cell.image.qimage is not None for cell in view.cells)
    view.set_mode("selected")
    assert not view.cells


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("action, expect", [
    (lambda c: c.set_reg("l2:lam=-1"), "lam"),
    (lambda c: c.set_batch_size(5000), "batch_size"),
    (lambda c: c.set_model("mlp:hidden=0"), "hidden"),
    (lambda c: c.set_optimizer(0, "newton"), "newton"),
    (lambda c: c.set_dataset("spiral:n=abc"), "n="),
    (lambda c: c.set_hyper(0, "lr", -1), "lr"),
    (lambda c: c.set_scene(small_scene(model="mlp:hidden=0")), "hidden"),
])
def test_bad_input_gives_a_message_and_keeps_the_scene(pane, action, expect):
    c = pane.controller
    c.trainer.advance(3)
    before, gen = c.scene, c.generation
    seen = messages(c)
    assert action(c) is False
    assert seen and expect in seen[-1]
    assert c.scene == before and c.generation == gen and c.step == 3  # still the old race
    assert expect in pane.message.text()


def test_bfgs_with_minibatches_is_refused(pane):
    c = pane.controller
    assert c.set_batch_size(16)
    seen = messages(c)
    assert c.set_optimizer(0, "bfgs") is False and "full batch" in seen[-1]
    assert c.set_batch_size(0) and c.set_optimizer(0, "bfgs")  # fine on the full batch
    seen.clear()
    assert c.set_batch_size(16) is False and "bfgs" in seen[-1]


def test_a_refused_panel_value_snaps_back(pane):
    c = pane.controller
    assert c.set_reg("l2")
    lam = pane.problem_panel.forms["reg"].controls["lam"]
    seen = messages(c)
    lam.box.setText("-0.5")
    lam.box.editingFinished.emit()
    assert seen and "lam" in seen[-1] and c.scene.reg == "l2"
    assert lam.box.text() == "0.001"


def test_a_diverging_run_is_marked_and_the_others_go_on(pane, qtbot):
    c = pane.controller
    # momentum 0.999 with lr 100: the weights pass the 1e6 bound after ~65 updates
    assert c.set_hyper(1, "lr", 100.0) and c.set_hyper(1, "momentum", 0.999)
    seen = messages(c)
    for _ in range(80):
        c.step_once()
    assert c.diverged_at(1) is not None and c.step == 80
    assert all(c.diverged_at(i) is None for i in (0, 2, 3))
    assert len(c.metric(0, "train_loss")) == 81  # the others went on
    assert any("diverged" in m for m in seen)
    pane.metrics_view.update_curves(c.step)
    assert "diverged" in pane.metrics_view.legend.text()
    assert len(pane.metrics_view.crosses[1].data) == 1
    pane.runs_panel.throttle.flush()  # its rows follow at most ~12 times a second
    assert "diverged" in pane.runs_panel.list.item(1).text()
    assert "diverged" not in pane.runs_panel.list.item(0).text()


# -- memory and landscape -------------------------------------------------------------------------


def test_memory_view_shows_adam_two_per_weight_and_adafactor_less(pane):
    c = pane.controller
    c.add_run("adafactor")
    values = dict(zip([r.optimizer.key for r in c.runs], pane.memory_view.values))
    D = c.problem.dim
    assert values["sgd"] == 0 and values["momentum"] == D
    assert values["adam"] == 2 * D and values["rmsprop"] == D  # no momentum buffer at momentum 0
    rows_cols = sum(s[0] + s[1] if len(s) == 2 else s[0] for _, s in c.problem.layout)
    assert values["adafactor"] == rows_cols < D
    labels = [t.textItem.toPlainText() for t in pane.memory_view.labels]
    assert f"{2 * D:,}\n2 × D" in labels and f"{rows_cols}\nrows + cols" in labels
    assert f"= {rows_cols}" in pane.memory_view.caption.text()


def test_landscape_recomputes_and_projects_the_trajectory(pane):
    c = pane.controller
    view = pane.landscape_view
    for _ in range(30):
        c.step_once()
    pane.tabs.setCurrentWidget(view)
    assert view.slice is None
    assert view.recompute()  # trajectory PCA (Li et al. section 7) by default
    sl = view.slice
    assert sl.loss.shape == (41, 41) and np.isfinite(sl.loss).all()
    assert view.projected.shape == (31, 2)
    x, y = view.path.getData()
    assert len(x) == 31
    # the path ends where the slice is centred (the run's current weights) and starts
    # inside the drawn square: the PCA plane holds the path
    assert np.allclose(view.projected[-1], 0.0, atol=1e-8)
    start = view.projected[0]
    assert sl.alphas[0] < start[0] < sl.alphas[-1] and sl.betas[0] < start[1] < sl.betas[-1]
    assert np.hypot(*start) > 0.1 * (sl.alphas[-1] - sl.alphas[0])
    assert "PC 1" in view.plot.getAxis("bottom").labelText
    c.select_run(3)
    assert np.allclose(view.projected[-1], sl.project(c.weights(3)[None, :])[0])

    view.directions.setCurrentIndex(view.directions.findData("random"))
    c.select_run(0)
    assert view.recompute() and view.kind == "random"
    assert np.allclose(view.slice.alphas[[0, -1]], [-1.0, 1.0])
    assert np.allclose(view.projected[-1], 0.0, atol=1e-8)
    c.reset()
    assert view.slice is None  # another Trainer: the old slice is forgotten
    assert not view.recompute() or view.kind == "random"


def test_screenshot_is_a_real_image(pane, tmp_path):
    c = pane.controller
    for _ in range(20):
        c.step_once()
    path = tmp_path / "classification.png"
    assert pane.grab().save(str(path))
    from PySide6 import QtGui
    img = QtGui.QImage(str(path))
    assert (img.width(), img.height()) == (1600, 900)
    colors = {img.pixel(x, y) for x in range(0, 1600, 37) for y in range(0, 900, 23)}
    assert len(colors) > 50


# -- the live trainer (no Qt) ------------------------------------------------------------------------


def _runs(*keys):
    return [(OptimizerSpec.make(k), default_scene().runs[0].schedule) for k in keys]


def test_live_trainer_matches_the_engine_trainer():
    problem = build_problem(SMALL, "mlp:hidden=8")
    runs = _runs("sgd", "adam", "momentum")
    ref, live = Trainer(problem, runs, 12), LiveTrainer(problem, runs, 12, val_every=4)
    ref.advance(12)
    live.advance(12)
    assert live.step == 12 and live.done
    for a, b in zip(ref.runs, live.runs):
        for name in ("train_loss", "train_acc"):
            assert np.allclose(a.metrics[name], b.metrics[name])
        for name in ("val_loss", "val_acc"):
            va, vb = np.array(a.metrics[name]), np.array(b.metrics[name])
            rows = np.arange(len(va))
            assert np.allclose(va[rows % 4 == 0], vb[rows % 4 == 0])
            assert np.isnan(vb[rows % 4 != 0][:-1]).all() and np.isfinite(vb[-1])  # the last row has it
    adam = next(stepper for idx, stepper in ref.groups if idx == [1])
    assert np.allclose(live.weights(1), adam.X[0])


def test_live_trainer_keeps_counting_when_run_0_diverges():
    problem = build_problem(SMALL, "mlp:hidden=16")
    wild = OptimizerSpec.make("momentum", lr=100.0, momentum=0.999)
    runs = [(wild, default_scene().runs[0].schedule)] + _runs("adam")
    live = LiveTrainer(problem, runs, 120)
    while not live.done:
        assert live.advance(7) > 0
    assert live.runs[0].diverged_at is not None and live.step == 120
    assert len(live.runs[1].lr) == 121


def test_weight_path_thins_and_keeps_the_latest():
    path = WeightPath(cap=8)
    for row in range(100):
        path.add(row, np.full(3, float(row)))
    rows, W = path.trajectory()
    assert rows[0] == 0 and rows[-1] == 99 and len(rows) <= 10
    assert np.all(np.diff(rows) > 0) and np.allclose(W[:, 0], rows)
    assert path.stride == 16


def test_default_scene_is_a_fair_race():
    scene = default_scene()
    assert scene.mode == "classification" and scene.batch_size == 0
    assert [r.color for r in scene.runs] == list(PALETTE[:4])
    assert isinstance(scene.runs[0], RunConfig)


def test_a_tick_takes_what_fits_in_its_budget(pane):
    import time

    from gui.classification.timeline import TICK_BUDGET_MS

    c = pane.controller
    transport, timeline = c.transport, c.timeline
    c.set_speed(5000)
    timeline._step_ms, timeline._draw_ms, timeline._fit = 4.0, 2.0, 0.0  # as if one update cost 4 ms, drawing 2 ms
    transport._last_tick = time.perf_counter() - 0.05  # 50 ms at 5000 steps/s ask for 250 updates
    transport._tick()
    assert transport.steps_per_tick == int((TICK_BUDGET_MS - 2.0) / 4.0) and c.step == transport.steps_per_tick
    c.set_speed(60)
    transport._credit, transport._last_tick = 0.0, time.perf_counter() - 1 / 60
    before = c.step
    transport._tick()
    assert c.step - before == 1  # slow speeds are not rounded up to the budget


def test_the_scene_round_trips_through_a_session_file(pane, tmp_path):
    from engine.session import Scene

    c = pane.controller
    assert c.set_reg("l2:lam=0.001") and c.set_batch_size(32) and c.add_run("adafactor")
    path = tmp_path / "race.json"
    c.scene.save(path)
    other = ClassificationController(Scene.load(path))
    assert other.scene.replace(step=0) == c.scene.replace(step=0)
    assert other.problem.batch_size == 32 and len(other.runs) == 5
