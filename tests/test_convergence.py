"""Convergence table (STYLE.md): every optimizer, with settings chosen for it, reaches the
minimum of ``quadratic`` and of ``rosenbrock`` from the surface's default start.

"Reaches" means: no divergence and the last tenth of the rows (at least the last row) lie within the tolerance of the
minimiser (so a run that merely passes through, or bounces around it, does not count).
The step budgets were measured (the step after which each run stays inside, in the
comment) and given some headroom; they are not guesses. Rows marked xfail are measured
failures that the lectures talk about, kept so that they stay true.
"""

import numpy as np
import pytest

from engine.registry import OPTIMIZERS
from engine.runner import run
from engine.spec import OptimizerSpec, ScheduleSpec
from surfaces import make_surface

TOLERANCE = {"quadratic": 1e-3, "rosenbrock": 1e-2}
MINIMUM = {"quadratic": (0.0, 0.0), "rosenbrock": (1.0, 1.0)}


def xfail(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


# (surface, optimizer spec, schedule, steps)  # measured: inside the tolerance from step ...
TABLE = [
    ("quadratic", "sgd:lr=0.1", "constant", 100),  # 75
    ("quadratic", "momentum:lr=0.1,momentum=0.5", "constant", 50),  # 24
    ("quadratic", "nesterov:lr=0.1,momentum=0.5", "constant", 50),  # 29
    ("quadratic", "adagrad:lr=1.0", "constant", 50),  # 21
    # RMSProp and the Adam family move ~lr per step at constant lr: decay lr to land
    ("quadratic", "rmsprop:lr=0.1", "cosine", 300),  # 262
    ("quadratic", "adam:lr=0.1", "cosine", 300),  # 137
    ("quadratic", "adamw:lr=0.1", "cosine", 300),  # 147
    ("quadratic", "adadelta", "cosine", 3000),  # 1756
    ("quadratic", "adamax:lr=0.1", "constant", 200),  # 146
    ("quadratic", "nadam:lr=0.1", "constant", 150),  # 108
    ("quadratic", "radam:lr=0.1", "constant", 300),  # 228
    ("quadratic", "adafactor:lr=0.1", "constant", 150),  # 92
    # Lion moves lr_t per coordinate whatever |g| is: it needs a decaying lr to settle
    ("quadratic", "lion:lr=0.1", "exponential:gamma=0.99", 700),  # 507
    ("quadratic", "sam:lr=0.1,rho_sam=0.05", "exponential:gamma=0.98", 500),  # 171
    ("quadratic", "newton", "constant", 1),  # 1
    ("quadratic", "bfgs", "constant", 10),  # 3
    ("quadratic", "lbfgs", "constant", 15),  # 7
    ("quadratic", "random-search:sigma=0.03", "constant", 3000),  # 2145
    ("rosenbrock", "sgd:lr=0.001", "constant", 15000),  # 11942
    ("rosenbrock", "momentum:lr=0.001,momentum=0.9", "constant", 1500),  # 1125
    ("rosenbrock", "nesterov:lr=0.001,momentum=0.9", "constant", 1500),  # 1018
    ("rosenbrock", "adagrad:lr=1.0", "constant", 11000),  # 8910
    ("rosenbrock", "rmsprop:lr=0.001", "constant", 8000),  # 6597
    ("rosenbrock", "adam:lr=0.01", "constant", 4000),  # 2987
    ("rosenbrock", "adamw:lr=0.01,weight_decay=0.0001", "constant", 4000),  # 2987
    ("rosenbrock", "adadelta", "cosine", 10000),  # 7707
    ("rosenbrock", "adamax:lr=0.1", "constant", 3000),  # 2299
    ("rosenbrock", "nadam:lr=0.01", "constant", 6000),  # 4944
    ("rosenbrock", "radam:lr=0.01", "constant", 8000),  # 6218
    ("rosenbrock", "adafactor:lr=0.003", "constant", 10000),  # 7628
    ("rosenbrock", "lion:lr=0.01", "cosine", 3000),  # 2504
    ("rosenbrock", "sam:base=momentum,lr=0.001,rho_sam=0.002", "constant", 2000),  # 1362
    ("rosenbrock", "newton", "constant", 10),  # 5
    ("rosenbrock", "bfgs", "constant", 40),  # 31
    ("rosenbrock", "lbfgs", "constant", 50),  # 40
    ("rosenbrock", "random-search:sigma=0.03", "constant", 2000),  # 1360
    # -- measured failures ------------------------------------------------------------------
    pytest.param("quadratic", "lion:lr=0.01", "constant", 5000,
                 marks=xfail("lion moves exactly +-lr per coordinate: at constant lr it ends "
                             "in a cycle through the minimum, never settling inside lr/10")),
    pytest.param("quadratic", "rmsprop:lr=0.01", "constant", 5000,
                 marks=xfail("RMSProp's step ~lr g/|g| does not shrink with g: at constant lr "
                             "it hovers ~lr away (7e-3 after 5000 steps)")),
    pytest.param("quadratic", "sam:lr=0.1,rho_sam=0.05", "constant", 2000,
                 marks=xfail("the SAM perturbation has length rho_sam whatever |g| is: at "
                             "constant lr the run bounces ~rho_sam (5e-2) from the minimum")),
    pytest.param("quadratic", "adadelta", "constant", 20000,
                 marks=xfail("AdaDelta's step is sqrt(u)/sqrt(s) g: u shrinks with the steps, so "
                             "the run slows itself down (7e-2 away after 20000 steps)")),
    pytest.param("rosenbrock", "sgd:lr=0.001", "constant", 1000,
                 marks=xfail("SGD crawls along the banana valley: it needs ~12000 steps at "
                             "the largest stable lr")),
    pytest.param("rosenbrock", "adamw:lr=0.1", "constant", 2000,
                 marks=xfail("decoupled weight decay 0.01 moves AdamW's fixed point off (1, 1) "
                             "(7e-2 away); with weight_decay=0 the same run converges")),
    pytest.param("rosenbrock", "sam:base=momentum,lr=0.001", "constant", 20000,
                 marks=xfail("rho_sam = 0.05 is wide for the narrow valley: SAM's fixed point "
                             "is ~1 away from (1, 1)")),
    pytest.param("rosenbrock", "radam:lr=0.1", "cosine", 3000,
                 marks=xfail("RAdam's first ~5 steps are momentum SGD (no adaptive term): "
                             "lr 0.1 on |g| ~ 150 diverges at step 3")),
]


def _ids(row):
    values = row.values if hasattr(row, "values") else row
    return "{}-{}-{}-{}".format(*values)


def test_every_optimizer_has_a_row_on_both_surfaces():
    passing = {(r[0], r[1].split(":")[0]) for r in TABLE if not hasattr(r, "values")}
    assert passing == {(s, k) for s in TOLERANCE for k in OPTIMIZERS}


@pytest.mark.parametrize("surface_key,optimizer,schedule,steps", TABLE, ids=[_ids(r) for r in TABLE])
def test_reaches_the_minimum(surface_key, optimizer, schedule, steps):
    surface = make_surface(surface_key)
    trace = run(surface, OptimizerSpec.parse(optimizer), ScheduleSpec.parse(schedule), None, steps)
    assert trace.diverged_at is None, f"diverged at step {trace.diverged_at}"
    assert trace.steps == steps
    tail = max(1, steps // 10)
    distance = np.linalg.norm(trace.xs[-tail:] - np.array(MINIMUM[surface_key]), axis=1)
    assert np.all(distance < TOLERANCE[surface_key]), f"last {tail} rows: max distance {distance.max():.3g}"
