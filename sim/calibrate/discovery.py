"""Scenario discovery with PRIM: which parameter combinations lead to war, which to de-escalation.

Runs draw every uncertain parameter from the scenario's posterior when it is calibrated, else
from its ``[priors]`` (deterministically by seed and run index), and run to the horizon. For each outcome, PRIM (Friedman & Fisher 1999)
peels the prior box: at each step it removes the ``alpha`` share of the remaining runs at the
low or high end of one parameter, whichever leaves the highest share of that outcome inside,
until fewer than ``min_mass`` of the runs remain. Along this trajectory a box has a
*coverage* (share of all runs with the outcome that fall in the box) and a *density* (share
of the runs in the box that have the outcome). The box reported is the densest one that
still covers at least ``min_coverage`` of the outcome. Written on numpy: the EMA Workbench
would pull in a large dependency tree for ~60 lines of peeling.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..batch.engine import Jobs, check_memory, merge_columns, run_jobs
from ..batch.stats import proportion
from ..batch.store import refuse_batch_folder
from ..io import atomic_write_figure, atomic_write_text, output_folder
from ..outcomes import Outcome
from ..scenario import Scenario
from .check import uncertain_params
from .priors import PriorSpace


@dataclass
class Box:
    """A PRIM box for one outcome: limits (parameter units) on the restricted parameters."""

    outcome: str
    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    base_rate: float
    trajectory: np.ndarray  # (steps, 3): coverage, density, mass


@dataclass
class DiscoveryResult:
    boxes: list[Box]
    runs: int
    space: PriorSpace

    def frame(self) -> pd.DataFrame:
        rows = []
        for box in self.boxes:
            for key, (lo, hi) in box.limits.items():
                rows.append({"outcome": box.outcome, "parameter": key, "low": lo, "high": hi,
                             "coverage": box.coverage, "density": box.density, "mass": box.mass,
                             "base_rate": box.base_rate})
        return pd.DataFrame(rows)

    def table(self) -> str:
        lines = [f"PRIM boxes over {self.runs:,} runs with parameters drawn from the priors"]
        for box in self.boxes:
            lines += ["", f"{box.outcome}: base rate {100 * box.base_rate:.1f}%; box holds {100 * box.mass:.1f}% of "
                      f"runs, coverage {100 * box.coverage:.1f}%, density {100 * box.density:.1f}%"]
            i = {k: n for n, k in enumerate(self.space.keys)}
            for key, (lo, hi) in box.limits.items():
                full_lo, full_hi = self.space.low[i[key]], self.space.high[i[key]]
                lines.append(f"  {key:42s} [{lo:.4g}, {hi:.4g}]   (prior [{full_lo:g}, {full_hi:g}])")
            if not box.limits:
                lines.append("  (no restriction: the outcome is spread over the whole prior box)")
        return "\n".join(lines)

    def write(self, out: str | Path) -> list[Path]:
        out = Path(out)
        csv = atomic_write_text(out / "boxes.csv", self.frame().to_csv(index=False))
        return [csv, self.plot(out / "boxes.png")]

    def plot(self, path: Path) -> Path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, len(self.boxes), figsize=(6 * len(self.boxes), 8), squeeze=False)
        index = {k: n for n, k in enumerate(self.space.keys)}
        for c, box in enumerate(self.boxes):
            ax = axes[0][c]
            ax.plot(box.trajectory[:, 0], box.trajectory[:, 1], ".-", color="#4575b4")
            ax.plot([box.coverage], [box.density], "o", color="#d73027", ms=10, label="chosen box")
            ax.set_xlabel("coverage")
            ax.set_ylabel("density")
            ax.set_title(f"PRIM peeling trajectory: {box.outcome}")
            ax.legend()
            ax = axes[1][c]
            keys = list(box.limits)
            for r, key in enumerate(keys):
                lo, hi = box.limits[key]
                u = self.space.to_unit(np.array([[lo if k == key else self.space.low[j] for j, k in
                                                  enumerate(self.space.keys)],
                                                 [hi if k == key else self.space.high[j] for j, k in
                                                  enumerate(self.space.keys)]]))[:, index[key]]
                ax.barh(r, u[1] - u[0], left=u[0], color=Outcome[box.outcome.upper()].colour, alpha=0.7)
                ax.text(1.01, r, f"[{lo:.3g}, {hi:.3g}]", va="center", fontsize=7)
            ax.set_yticks(range(len(keys)), keys, fontsize=7)
            ax.set_xlim(0, 1)
            ax.set_xlabel("position in the prior range")
            ax.set_title(f"box: coverage {box.coverage:.0%}, density {box.density:.0%} "
                         f"(base {box.base_rate:.0%})")
        fig.tight_layout()
        out = atomic_write_figure(path, fig)
        plt.close(fig)
        return out


def prim(x: np.ndarray, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05
         ) -> list[tuple[np.ndarray, np.ndarray, float, float, float]]:
    """PRIM peeling on unit-space ``x`` (runs x parameters) for the boolean ``y``.

    Returns the trajectory: (low, high, coverage, density, mass) per step, the full box first.
    """
    n, d = x.shape
    total = max(int(y.sum()), 1)
    low, high = np.zeros(d), np.ones(d)
    inside = np.ones(n, dtype=bool)
    steps = [(low.copy(), high.copy(), y.sum() / total, y.mean(), 1.0)]
    while inside.sum() > max(min_mass * n, 2):
        xi, yi = x[inside], y[inside]
        best = None
        for j in range(d):
            lo_cut, hi_cut = np.quantile(xi[:, j], [alpha, 1 - alpha])
            for side, keep in (("low", xi[:, j] >= lo_cut), ("high", xi[:, j] <= hi_cut)):
                if keep.all() or not keep.any():
                    continue
                score = yi[keep].mean()
                if best is None or score > best[0]:
                    best = (score, j, side, lo_cut if side == "low" else hi_cut, keep)
        if best is None:
            break
        _, j, side, cut, keep = best
        if side == "low":
            low[j] = cut
        else:
            high[j] = cut
        inside[np.flatnonzero(inside)[~keep]] = False
        steps.append((low.copy(), high.copy(), y[inside].sum() / total, y[inside].mean(), inside.mean()))
    return steps


def discover(scenario: Scenario, runs: int = 20_000, seed: int = 0, min_coverage: float = 0.5,
             workers: int | None = None, progress: bool = False, out: str | Path | None = None) -> DiscoveryResult:
    """PRIM boxes for war and for de-escalation, over runs drawn from the scenario's posterior (or priors).

    With ``out``, write ``boxes.csv`` and ``boxes.png`` there (the folder is checked and locked first).
    """
    space = PriorSpace.from_scenario(scenario)
    check_memory(runs, 8 * (4 * space.dim + 4), f"--runs {runs:,}")
    if out is None:
        return _discover(scenario, space, runs, seed, min_coverage, workers, progress)
    with output_folder(out) as folder:
        refuse_batch_folder(folder)
        result = _discover(scenario, space, runs, seed, min_coverage, workers, progress)
        result.write(folder)
    return result


def _discover(scenario: Scenario, space: PriorSpace, runs: int, seed: int, min_coverage: float,
              workers: int | None, progress: bool) -> DiscoveryResult:
    run_index = np.arange(runs)
    params, _ = uncertain_params(scenario, seed, run_index)
    jobs = Jobs(scenario, seed, run_index, params)
    bar = None
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=runs, unit="run", file=sys.stderr, dynamic_ncols=True)
    parts = {}
    for bounds, cols in run_jobs(jobs, jobs.chunk_bounds(2048), workers):
        parts[bounds] = {"outcome": cols["outcome"]}
        if bar is not None:
            bar.update(bounds[1] - bounds[0])
    if bar is not None:
        bar.close()
    outcome = merge_columns(parts)["outcome"]
    x = space.to_unit(np.column_stack([params[k] for k in space.keys]))
    boxes = []
    for kind in (Outcome.WAR, Outcome.DEESCALATED):
        y = outcome == kind.code
        steps = prim(x, y)
        eligible = [s for s in steps if s[2] >= min_coverage] or steps[:1]
        low, high, coverage, density, mass = max(eligible, key=lambda s: s[3])
        theta_lo, theta_hi = space.from_unit(low), space.from_unit(high)
        limits = {k: (float(theta_lo[i]), float(theta_hi[i])) for i, k in enumerate(space.keys)
                  if low[i] > 0 or high[i] < 1}
        boxes.append(Box(kind.key, limits, float(coverage), float(density), float(mass),
                         proportion(int(y.sum()), runs)[0], np.array([s[2:] for s in steps])))
    return DiscoveryResult(boxes, runs, space)
