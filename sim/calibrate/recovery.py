"""Parameter recovery: targets made from one run at known parameters, to calibrate back on.

The synthetic targets keep the real targets' kinds, tolerances and order constraints, with
the facts replaced by what the planted run did: an event's window becomes the day it first
happened (an event that never happened becomes an absence over its days), a count's value
becomes the run's figure (a zero count is dropped, as a relative tolerance cannot hold it),
an absence that did not hold is dropped. If the calibration is right, the posterior's 90%
credible intervals cover the planted values about 90% of the time.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..model import EscalationModel
from ..scenario import Scenario
from .distance import first_days, observe, terms
from .targets import Order, Target, Targets


def synthetic_targets(scenario: Scenario, targets: Targets, truth: dict[str, float], seed: int,
                      run: int = 0) -> Targets:
    """The targets as run ``run`` of ``seed`` with parameters ``truth`` would have reported them."""
    model = EscalationModel(scenario, seed=seed, run_indices=np.array([run]), record_events=False,
                            collect_series=False, horizon=targets.horizon,
                            lane_params={k: np.array([v]) for k, v in truth.items()})
    obs = observe(model, targets)
    firsts = {name: int(day[0]) for name, day in first_days(obs, targets).items()}
    met = terms(obs, targets)[:, 0] <= 1
    kept: list[Target] = []
    for t, ok in zip(targets.targets, met, strict=False):
        if t.kind == "event":
            day = firsts[t.name]
            if day < targets.horizon:
                kept.append(dataclasses.replace(t, window=(day, day), min_count=1))
            else:
                kept.append(dataclasses.replace(t, kind="absent", window=(t.since, targets.horizon - 1)))
        elif t.kind == "absent":
            if ok:
                kept.append(t)
        elif t.kind == "count":
            a, b = t.window
            value = float(obs.levels[t.quantity][b + 1, 0] - obs.levels[t.quantity][a, 0])
            if value > 0:
                kept.append(dataclasses.replace(t, value=value, relation="about"))
        else:
            kept.append(t)
    events = {t.name for t in kept if t.kind == "event"}
    orders: list[Order] = [o for o in targets.orders if o.first in events and o.then in events]
    return Targets(f"{targets.name}_synthetic", targets.horizon, tuple(kept), tuple(orders),
                   f"{targets.source} (synthetic, seed {seed} run {run})", targets.scenario_path)
