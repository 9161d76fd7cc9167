"""What drives the odds: Sobol indices (SALib) of P(de-escalated) and of days to the first ceasefire.

By default every parameter with a prior is varied. On a calibrated scenario each varies over the
central 90% of its posterior (its prior box if the posterior lacks it): Sobol indices need
independent inputs, so this reads the posterior's marginal ranges and ignores its correlations,
a stated approximation. Saltelli's scheme (SALib ``sobol`` sampler, no second-order terms)
draws N (D + 2) parameter sets over those boxes; each set is run ``replicates`` times over the full horizon, as
lanes of chunked models. Replicate r of every set uses run index r (common random numbers),
so two sets differ only by their parameters and the indices measure the parameters, not the
noise. Per set: P(de-escalated) = share of its replicates that de-escalated; days to the first
ceasefire = mean over replicates of the first ceasefire day, a run without one counting as
the horizon (a restricted mean). Indices carry SALib's bootstrap 95% confidence intervals.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..batch.engine import Jobs, check_memory, merge_columns, run_jobs
from ..batch.store import refuse_batch_folder
from ..errors import UsageError
from ..io import atomic_write_figure, atomic_write_text, output_folder
from ..outcomes import Outcome
from ..scenario import Scenario
from .priors import PriorSpace

OUTPUTS = ("p_deescalated", "days_to_first_ceasefire")


@dataclass
class SobolResult:
    """First-order (S1) and total (ST) indices with 95% intervals, per output and parameter."""

    frame: pd.DataFrame   # output, parameter, S1, S1_conf, ST, ST_conf, constant_value (NaN unless constant)
    samples: int
    replicates: int
    runs: int

    def table(self) -> str:
        lines = [f"Sobol indices ({self.samples} Saltelli base samples x {self.replicates} replicates = "
                 f"{self.runs:,} runs; +- 95% bootstrap interval)"]
        for output, group in self.frame.groupby("output", sort=False):
            if group["S1"].isna().all():
                lines += ["", f"{output}: {group['constant_value'].iloc[0]:g} in every sample; no parameter in "
                              "these ranges moved it, so its indices are undefined (widen the priors, add "
                              "replicates or lengthen the horizon)"]
                continue
            lines += ["", f"{output}:", f"  {'parameter':42s} {'first-order S1':>18s} {'total ST':>18s}"]
            for row in group.sort_values("ST", ascending=False).itertuples():
                lines.append(f"  {row.parameter:42s} {row.S1:8.3f} +- {row.S1_conf:5.3f}  {row.ST:8.3f} +- {row.ST_conf:5.3f}")
        return "\n".join(lines)

    def write(self, out: str | Path) -> list[Path]:
        out = Path(out)
        csv = atomic_write_text(out / "sobol.csv", self.frame.to_csv(index=False))
        return [csv, self.plot(out / "sobol.png")]

    def plot(self, path: Path) -> Path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        outputs = list(dict.fromkeys(self.frame["output"]))
        fig, axes = plt.subplots(1, len(outputs), figsize=(6 * len(outputs), 4.5), squeeze=False)
        for ax, output in zip(axes[0], outputs, strict=True):
            g = self.frame[self.frame["output"] == output].sort_values("ST")
            if g["S1"].isna().all():
                ax.text(0.5, 0.5, f"{output.replace('_', ' ')}\nthe same in every sample", ha="center",
                        va="center", transform=ax.transAxes)
                ax.set_axis_off()
                continue
            y = np.arange(len(g))
            ax.barh(y - 0.2, g["S1"], 0.38, xerr=g["S1_conf"], color="#4575b4", label="first-order S1")
            ax.barh(y + 0.2, g["ST"], 0.38, xerr=g["ST_conf"], color="#d73027", label="total ST")
            ax.set_yticks(y, g["parameter"], fontsize=8)
            ax.set_xlabel("Sobol index (95% interval)")
            ax.set_title(output.replace("_", " "))
            ax.legend(fontsize=8, loc="lower right")
        fig.tight_layout()
        out = atomic_write_figure(path, fig)
        plt.close(fig)
        return out


def sensitivity(scenario: Scenario, params: list[str] | None = None, samples: int = 64, replicates: int = 16,
                seed: int = 0, workers: int | None = None, progress: bool = False,
                out: str | Path | None = None) -> SobolResult:
    """Sobol indices of P(de-escalated) and days to the first ceasefire w.r.t. ``params`` (default: every
    prior; ranges: the posterior's central 90% on a calibrated scenario, else the priors).

    With ``out``, write ``sobol.csv`` and ``sobol.png`` there (the folder is checked and locked first).
    """
    keys = list(params or scenario.priors)
    space = PriorSpace.from_scenario(scenario, keys)  # an unknown key first: it is the mistake to name
    if scenario.posterior:
        from ..batch.posterior import PosteriorSampler

        sampler = PosteriorSampler(scenario)
        space = space.narrowed_to(sampler.values, weights=sampler.weights)
    if len(keys) < 2:
        raise UsageError("--params: give at least two different parameters (Sobol indices compare parameters)")
    runs = samples * (space.dim + 2) * replicates
    fits = (runs, 8 * (space.dim + 6), f"--samples {samples} x --replicates {replicates} ({runs:,} runs)")
    if out is None:
        check_memory(*fits)
        return _sensitivity(scenario, keys, space, samples, replicates, seed, workers, progress)
    with output_folder(out) as folder:  # a folder that cannot be written is the first thing to say
        refuse_batch_folder(folder)
        check_memory(*fits)
        result = _sensitivity(scenario, keys, space, samples, replicates, seed, workers, progress)
        result.write(folder)
    return result


def _sensitivity(scenario: Scenario, keys: list[str], space: PriorSpace, samples: int, replicates: int, seed: int,
                 workers: int | None, progress: bool) -> SobolResult:
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": space.dim, "names": keys, "bounds": [[0.0, 1.0]] * space.dim}
    unit = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    theta = space.from_unit(unit)
    n_sets = len(theta)
    run_index = np.tile(np.arange(replicates), n_sets)  # common random numbers across sets
    columns = {k: np.repeat(v, replicates) for k, v in space.columns(theta).items()}
    jobs = Jobs(scenario, seed, run_index, columns)
    merged = _run(jobs, workers, progress)
    horizon = scenario.horizon_days
    de = (merged["outcome"] == Outcome.DEESCALATED.code).reshape(n_sets, replicates).mean(axis=1)
    cf = merged["first_ceasefire_day"].reshape(n_sets, replicates)
    days = np.where(cf >= 0, cf, horizon).mean(axis=1)
    rows = []
    for name, y in zip(OUTPUTS, (de, days), strict=True):
        if np.ptp(y) == 0:  # no parameter moved it: the indices are undefined, and the table says why
            rows += [{"output": name, "parameter": key, "S1": np.nan, "S1_conf": np.nan, "ST": np.nan,
                      "ST_conf": np.nan, "constant_value": y[0]} for key in keys]
            continue
        # SALib's bootstrap takes seed 0 for "no seed": shift it so that every seed, 0 included, is reproducible
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed + 1)
        for i, key in enumerate(keys):
            rows.append({"output": name, "parameter": key, "S1": res["S1"][i], "S1_conf": res["S1_conf"][i],
                         "ST": res["ST"][i], "ST_conf": res["ST_conf"][i], "constant_value": np.nan})
    return SobolResult(pd.DataFrame(rows), samples, replicates, len(run_index))


def _run(jobs: Jobs, workers: int | None, progress: bool) -> dict[str, np.ndarray]:
    bar = None
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="run", file=sys.stderr, dynamic_ncols=True)
    parts = {}
    for bounds, cols in run_jobs(jobs, jobs.chunk_bounds(2048), workers):
        parts[bounds] = {k: cols[k] for k in ("outcome", "first_ceasefire_day", "peak_rung")}
        if bar is not None:
            bar.update(bounds[1] - bounds[0])
    if bar is not None:
        bar.close()
    return merge_columns(parts)
