"""Draw each run's parameters from a scenario's posterior (written by ``escalation calibrate``).

The posterior is a Parquet file with one column per parameter key (dotted, as in scenario
files) and an optional ``weight`` column. A what-if built on a calibrated scenario keeps the
values it sets itself (its ``pinned`` keys); every other parameter is drawn. Run k of seed s always draws the same sample (a
uniform from the counter-based streams, keyed by s and k // RUNS_PER_DRAW), so batches, replays
and workers agree, and every block of RUNS_PER_DRAW consecutive runs shares one parameter set.

The file is checked as any input is: read with a size limit, every column a real-valued
parameter with finite values in its range, weights finite, non-negative and not all zero.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import UsageError
from ..io import read_limited
from ..scenario import MAX_POSTERIOR_BYTES, Scenario, ScenarioError, parameter_specs
from ..streams import LaneStreams

#: Runs that share one posterior draw: run k uses draw number k // RUNS_PER_DRAW, so that a batch
#: shows how much its answer varies over the parameters (``sim.batch.stats.parameter_interval``),
#: not only its Monte Carlo precision.
RUNS_PER_DRAW = 20


def load_posterior(scenario: Scenario) -> pd.DataFrame:
    """The posterior samples of a scenario, checked against its parameters."""
    path = Path(scenario.posterior)

    def bad(message: str) -> ScenarioError:
        return ScenarioError(scenario.source, "posterior", f"{path}: {message}")

    try:
        data = read_limited(path, MAX_POSTERIOR_BYTES, "posterior file")
    except UsageError as err:
        raise ScenarioError(scenario.source, "posterior", str(err)) from None
    if scenario.posterior_digest and hashlib.sha256(data).hexdigest() != scenario.posterior_digest:
        raise bad("the file changed after the scenario was read; run the command again")
    try:
        frame = pq.read_table(pa.BufferReader(data)).to_pandas()
    except (OSError, ValueError, pa.ArrowException) as err:
        raise bad(f"not a readable Parquet file ({err.__class__.__name__})") from None
    specs = parameter_specs(scenario.mediators, scenario.sites)
    absent = {f"mediators.{name}." for name in scenario.table.get("mediators", {}) if name not in scenario.mediators}
    # A what-if without some mediator reuses its base's posterior: that mediator's columns have no effect.
    frame = frame[[c for c in frame.columns if not any(str(c).startswith(prefix) for prefix in absent)
                   and c not in scenario.pinned]]
    if len(frame) == 0:
        raise bad("no samples (the file has no rows)")
    for key in frame.columns:
        values = frame[key]
        if key != "weight" and (key not in specs or specs[key].kind is not float):
            raise bad(f"column {key!r} is not a real-valued parameter of the scenario")
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise bad(f"column {key!r} holds {values.dtype} values, expected numbers")
        array = values.to_numpy(float)
        if not np.isfinite(array).all():
            raise bad(f"column {key!r} holds a missing or infinite value")
        if key == "weight":
            if (array < 0).any() or array.sum() <= 0:
                raise bad("the weights must be >= 0 and not all zero")
            continue
        spec = specs[key]
        if (spec.low is not None and array.min() < spec.low) or (spec.high is not None and array.max() > spec.high):
            raise bad(f"column {key!r}: every value must be {spec.allowed()}")
    if frame.empty:
        raise bad("no samples (no parameter columns)")
    return frame


class PosteriorSampler:
    """A scenario's posterior, read and checked once, drawn from run by run."""

    def __init__(self, scenario: Scenario, exclude: Iterable[str] = (), reweight: np.ndarray | None = None) -> None:
        """``reweight``: a factor per posterior row multiplying its weight (e.g. the importance weights
        of the posterior without one case, for leave-one-out forecasts)."""
        frame = load_posterior(scenario)
        weights = frame["weight"].to_numpy(float) if "weight" in frame else np.ones(len(frame))
        if reweight is not None:
            reweight = np.asarray(reweight, dtype=float)
            if reweight.shape != weights.shape or not np.isfinite(reweight).all() or (reweight < 0).any():
                raise ValueError(f"reweight: expected {len(weights)} finite non-negative factors")
            weights = weights * reweight
        self.weights = weights / weights.sum()
        self.cdf = np.cumsum(self.weights)
        skip = {"weight", *exclude}
        self.values = {key: frame[key].to_numpy(float) for key in frame.columns if key not in skip}

    @property
    def keys(self) -> list[str]:
        return list(self.values)

    def draw(self, seed: int, run_index: np.ndarray) -> dict[str, np.ndarray]:
        """Per-run parameter values drawn (with the posterior's weights) for these run indices; runs
        k and j share a draw when k // RUNS_PER_DRAW == j // RUNS_PER_DRAW."""
        u = LaneStreams(seed, np.asarray(run_index) // RUNS_PER_DRAW).uniform("posterior.draw")
        pick = np.minimum(np.searchsorted(self.cdf, u, side="right"), len(self.cdf) - 1)
        return {key: values[pick] for key, values in self.values.items()}


def posterior_params(scenario: Scenario, seed: int, run_index: np.ndarray) -> dict[str, np.ndarray]:
    """Per-run parameter values drawn from the scenario's posterior for these run indices."""
    return PosteriorSampler(scenario).draw(seed, run_index)
