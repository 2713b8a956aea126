"""Every run's trajectory as data (File > Export > Trajectories…).

CSV: one long ("tidy") table for all runs, so a spreadsheet or
``pandas.read_csv(...).groupby("run")`` takes it as it is::

    run,label,optimizer,schedule,step,x,y,loss,lr      (1-D surfaces: no y)
    1,SGD (lr 0.18),sgd:lr=0.18,constant,0,-2.5,1.5,14.375,0.0
    ...

``run`` is the run's number in the window (1-based), ``optimizer`` and ``schedule``
are ``main.py`` specs (quoted when they hold commas), the rest is exactly the
columns of ``main.py trace``: row 0 is the start, ``lr`` is the rate of the update
that produced the row (0 on row 0), floats are written with ``repr`` so reading them
back gives the same float64 bits. A diverged run ends at its last finite row.

JSON: the scene as a session file would hold it (``"scene"``, reloadable with
``Scene.from_dict``) and, per run, its specs, colour, ``diverged_at`` and rows.
Both files are written atomically (temp file + rename).
"""

from __future__ import annotations

import csv
import io

from engine.files import write_text
from engine.trace import strict_json


def _columns(dim: int) -> list[str]:
    return ["step", "x", "loss", "lr"] if dim == 1 else ["step", "x", "y", "loss", "lr"]


def trajectories_csv(controller) -> str:
    dim = controller.surface.dim
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["run", "label", "optimizer", "schedule", *_columns(dim)])
    for i, (cfg, tr) in enumerate(zip(controller.runs, controller.traces), start=1):
        head = [i, cfg.label, cfg.optimizer.spec(), cfg.schedule.spec()]
        for row in tr.rows():
            writer.writerow(head + [row[0]] + [repr(v) for v in row[1:]])
    return buf.getvalue()


def trajectories_json(controller) -> str:
    scene = controller.current_scene()
    dim = controller.surface.dim
    names = _columns(dim)
    runs = []
    for i, (cfg, tr) in enumerate(zip(controller.runs, controller.traces), start=1):
        runs.append({"run": i, "label": cfg.label, "optimizer": cfg.optimizer.spec(),
                     "schedule": cfg.schedule.spec(), "color": cfg.color, "diverged_at": tr.diverged_at,
                     "rows": [dict(zip(names, row)) for row in tr.rows()]})
    doc = {"surface": controller.surface.spec(), "formula": scene.formula, "steps": scene.steps,
           "noise": scene.noise, "seed": scene.seed, "scene": scene.to_dict(), "runs": runs}
    return strict_json(doc, indent=1)


def read_trajectories_csv(text: str) -> dict[int, dict]:
    """The CSV read back: run number -> {"label", "optimizer", "schedule", "rows"} with rows
    as lists [step, x(, y), loss, lr] of int and floats (for checks and notebooks)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    runs: dict[int, dict] = {}
    for rec in reader:
        run = int(rec[0])
        entry = runs.setdefault(run, {"label": rec[1], "optimizer": rec[2], "schedule": rec[3], "rows": []})
        entry["rows"].append([int(rec[4])] + [float(v) for v in rec[5:]])
    if header[:5] != ["run", "label", "optimizer", "schedule", "step"]:
        raise ValueError("not a trajectories CSV (header starts with run,label,optimizer,schedule,step)")
    return runs


def write_trajectories(controller, path: str) -> str:
    """CSV or JSON by the file's extension."""
    text = trajectories_json(controller) if path.lower().endswith(".json") else trajectories_csv(controller)
    write_text(path, text)
    return path
