"""Draw each run's parameters from a scenario's posterior (written by ``escalation calibrate``).

The posterior is a Parquet file with one column per parameter key (dotted, as in scenario
files) and an optional ``weight`` column. A what-if built on a calibrated scenario keeps the
values it sets itself (its ``pinned`` keys); every other parameter is drawn. Run k of seed s always draws the same sample (a
uniform from the counter-based streams, keyed by s and k), so batches, replays and workers agree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..scenario import Scenario, ScenarioError, parameter_specs
from ..streams import LaneStreams


def load_posterior(scenario: Scenario) -> pd.DataFrame:
    """The posterior samples of a scenario, checked against its parameters."""
    path = Path(scenario.posterior)
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise ScenarioError(scenario.source, "posterior", f"cannot read {path} ({err.__class__.__name__})") from None
    specs = parameter_specs(scenario.mediators, scenario.sites)
    absent = {f"mediators.{name}." for name in scenario.table.get("mediators", {}) if name not in scenario.mediators}
    # A what-if without some mediator reuses its base's posterior: that mediator's columns have no effect.
    frame = frame[[c for c in frame.columns if not any(c.startswith(prefix) for prefix in absent)
                   and c not in scenario.pinned]]
    for key in frame.columns:
        if key == "weight":
            continue
        if key not in specs or not specs[key].numeric:
            raise ScenarioError(scenario.source, "posterior", f"{path}: column {key!r} is not a numeric parameter")
    if frame.empty:
        raise ScenarioError(scenario.source, "posterior", f"{path}: no samples")
    return frame


def posterior_params(scenario: Scenario, seed: int, run_index: np.ndarray) -> dict[str, np.ndarray]:
    """Per-run parameter values drawn (with the posterior's weights) for these run indices."""
    frame = load_posterior(scenario)
    weights = frame["weight"].to_numpy(float) if "weight" in frame else np.ones(len(frame))
    cdf = np.cumsum(weights / weights.sum())
    u = LaneStreams(seed, np.asarray(run_index)).uniform("posterior.draw")
    pick = np.minimum(np.searchsorted(cdf, u, side="right"), len(frame) - 1)
    return {key: frame[key].to_numpy(float)[pick] for key in frame.columns if key != "weight"}
