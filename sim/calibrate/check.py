"""The predictive check: how often runs meet each target, and the whole ordered sequence.

Each run's parameters come from the scenario's posterior when it has one (drawn by seed and
run index, as batches do), from its priors when asked (the prior predictive), or are the
scenario's own values. Shares carry 95% Wilson intervals (at the effective number of runs when
runs share posterior draws).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..batch.engine import check_memory
from ..batch.posterior import RUNS_PER_DRAW, posterior_params
from ..batch.stats import share
from ..scenario import Scenario
from ..streams import LaneStreams
from .distance import sequence_rows, term_names
from .priors import PriorSpace
from .runner import TargetSimulator
from .targets import Targets


@dataclass
class CheckResult:
    """Shares of runs meeting each target (and the sequence), with 95% Wilson intervals."""

    runs: int
    source: str                                   # "posterior", "prior" or "point"
    targets: dict[str, tuple[float, float, float]]  # name -> (share, low, high)
    sequence: tuple[float, float, float]

    def to_json(self) -> dict:
        return {"runs": self.runs, "targets": {k: v[0] for k, v in self.targets.items()},
                "sequence": self.sequence[0]}

    def table(self) -> str:
        width = max(len(k) for k in self.targets) + 2
        lines = [f"{'target':{width}s} share [95% CI]   ({self.runs} runs, parameters: {self.source})"]
        for name, (p, lo, hi) in [*self.targets.items(), ("WHOLE ORDERED SEQUENCE", self.sequence)]:
            lines.append(f"{name:{width}s} {100 * p:5.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]")
        return "\n".join(lines)


def prior_params(scenario: Scenario, seed: int, run_index: np.ndarray) -> dict[str, np.ndarray]:
    """Per-run parameters drawn from the scenario's priors, deterministically by seed and run index."""
    space = PriorSpace.from_scenario(scenario)
    streams = LaneStreams(seed, np.asarray(run_index))
    u = np.column_stack([streams.uniform(f"prior.{key}") for key in space.keys])
    return space.columns(space.from_unit(u))


def uncertain_params(scenario: Scenario, seed: int, run_index: np.ndarray) -> tuple[dict[str, np.ndarray], str]:
    """Per-run values of every uncertain parameter: drawn from the scenario's posterior when it has
    one (a prior key the posterior lacks from its prior), else from its priors; and which it was."""
    params = prior_params(scenario, seed, run_index)
    if not scenario.posterior:
        return params, "prior"
    from ..batch.posterior import PosteriorSampler

    return params | PosteriorSampler(scenario).draw(seed, run_index), "posterior"


def check(scenario: Scenario, targets: Targets, runs: int = 10_000, seed: int = 0, prior: bool = False,
          workers: int | None = None) -> CheckResult:
    """Simulate ``runs`` runs over the targets' days; share meeting each target and the sequence."""
    check_memory(runs, 8 * (len(targets.targets) + len(targets.orders) + len(scenario.priors) + 4), f"--runs {runs:,}")
    run_index = np.arange(runs)
    if prior:
        params, source = prior_params(scenario, seed, run_index), "prior"
    elif scenario.posterior:
        params, source = posterior_params(scenario, seed, run_index), "posterior"
    else:
        params, source = {}, "point"
    with TargetSimulator(scenario, targets, seed, workers) as simulator:
        term_matrix = simulator.terms(run_index, params)
    return summarise_terms(term_matrix, targets, source)


def summarise_terms(term_matrix: np.ndarray, targets: Targets, source: str) -> CheckResult:
    """Shares of runs 0..runs-1 meeting each target; from a posterior, RUNS_PER_DRAW runs share a
    draw, which the intervals count (``sim.batch.stats.share``)."""
    met = term_matrix <= 1
    draws = np.arange(met.shape[1]) // RUNS_PER_DRAW if source == "posterior" else None
    shares = {name: share(row, draws) for name, row in zip(term_names(targets), met, strict=True)}
    sequence = met[sequence_rows(targets)].all(axis=0)
    return CheckResult(met.shape[1], source, shares, share(sequence, draws))
