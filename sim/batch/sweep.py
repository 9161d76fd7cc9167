"""Sweeps: a grid over one or two parameters, every grid point a block of lanes.

A grid point is the scenario with the swept values set (``Scenario.with_params``), run as
blocks of lanes, so a point costs no more than a replicate, and any parameter can be swept,
an integer one included (with whole-number points). Run r of every grid point uses run index
r, so neighbouring points share their random numbers (common random numbers) and the curve is
smooth where the model is. A calibrated scenario's runs draw every other parameter from its
posterior, run r the same draw at every point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..errors import UsageError  # noqa: E402
from ..io import atomic_write_figure, atomic_write_text, dumps, output_folder  # noqa: E402
from ..scenario import Scenario, parameter_specs  # noqa: E402
from .engine import DEFAULT_CHUNK, ChunkTask, JobList, batch_bytes_per_run, check_memory  # noqa: E402
from .posterior import RUNS_PER_DRAW, PosteriorSampler  # noqa: E402
from .results import check_batch_settings, execute, scenario_entry  # noqa: E402
from .stats import share  # noqa: E402
from .store import package_version  # noqa: E402

#: Points of a grid: each costs at least one model instance, and the figure labels each.
MAX_POINTS_PER_AXIS = 200
MAX_POINTS = 10_000


@dataclass(frozen=True)
class Axis:
    key: str
    values: tuple[float, ...]


def parse_axis(text: str, scenario: Scenario) -> Axis:
    """Parse KEY=START:STOP:N and check the key is a sweepable numeric parameter and the range valid."""
    if "=" not in text:
        raise UsageError(f"--param {text!r}: expected KEY=START:STOP:N")
    key, _, spec = text.partition("=")
    specs = parameter_specs(scenario.mediators, scenario.sites)
    numeric = [k for k, s in specs.items() if s.numeric]
    if key not in specs:
        import difflib

        close = difflib.get_close_matches(key, numeric, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "; see docs/ODD.md for the numeric keys"
        raise UsageError(f"--param {text!r}: unknown parameter '{key}' (for scenario {scenario.name}){hint}")
    s = specs[key]
    if not s.numeric:
        raise UsageError(f"--param: '{key}' is not a number and cannot be swept ({s.allowed()})")
    parts = spec.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        start, stop, n = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise UsageError(f"--param {text!r}: expected KEY=START:STOP:N with numbers, e.g. {key}=0:1:11") from None
    if not (math.isfinite(start) and math.isfinite(stop)):
        raise UsageError(f"--param {text!r}: START and STOP must be finite numbers")
    if n < 1 or (n > 1 and start == stop):
        raise UsageError(f"--param {text!r}: empty range (need N >= 1 points, and START != STOP when N > 1)")
    if n > MAX_POINTS_PER_AXIS:
        raise UsageError(f"--param {text!r}: {n:,} points; at most {MAX_POINTS_PER_AXIS} per axis")
    for value in (start, stop):
        if (s.low is not None and value < s.low) or (s.high is not None and value > s.high):
            raise UsageError(f"--param {text!r}: {value:g} is not {s.allowed()}")
    values = tuple(float(v) for v in np.linspace(start, stop, n))
    if s.kind is int:
        if not all(abs(v - round(v)) < 1e-9 for v in values):
            raise UsageError(f"--param {text!r}: '{key}' is an integer and these points are not all whole "
                             f"numbers; choose START:STOP:N so they are (e.g. {key}=1:9:5)")
        values = tuple(float(round(v)) for v in values)
    return Axis(key, values)


def parse_axes(texts: list[str], scenario: Scenario) -> list[Axis]:
    """One or two ``--param`` axes, with different keys and a grid of bounded size."""
    if not 1 <= len(texts) <= 2:
        raise UsageError("a sweep takes one or two --param axes")
    axes = [parse_axis(text, scenario) for text in texts]
    if len({a.key for a in axes}) != len(axes):
        raise UsageError("--param: the same key twice")
    return axes


@dataclass
class GridJobs(JobList):
    """``runs`` replicates at every grid point, cut chunk by chunk (a chunk never spans two points).

    Row i is run ``i % runs`` of point ``i // runs``; a chunk's scenario has its point's values
    set, and with a posterior every other parameter is drawn for the run index (the same at
    every point).
    """

    scenario: Scenario
    seed: int
    axes: list[Axis]
    runs: int
    horizon: int | None = None
    sampler: PosteriorSampler | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.shape = tuple(len(a.values) for a in self.axes)
        self._point_scenarios: dict[int, Scenario] = {}

    def __len__(self) -> int:
        return self.runs * math.prod(self.shape)

    def chunk_bounds(self, chunk_size: int) -> list[tuple[int, int]]:
        return [(p * self.runs + a, p * self.runs + min(a + chunk_size, self.runs))
                for p in range(math.prod(self.shape)) for a in range(0, self.runs, chunk_size)]

    def values_at(self, point: int) -> dict[str, float]:
        index = np.unravel_index(point, self.shape)
        return {a.key: a.values[i] for a, i in zip(self.axes, index, strict=True)}

    def slice(self, start: int, stop: int) -> ChunkTask:
        point = start // self.runs
        if (stop - 1) // self.runs != point:
            raise ValueError(f"rows {start}-{stop - 1} span two grid points")
        values = self.values_at(point)
        if point not in self._point_scenarios:
            self._point_scenarios = {point: self.scenario.with_params(**values)}  # keep one: chunks come in order
        run_index = np.arange(start - point * self.runs, stop - point * self.runs, dtype=np.int64)
        params = self.sampler.draw(self.seed, run_index) if self.sampler is not None else {}
        return ChunkTask(self._point_scenarios[point], self.seed, run_index, params,
                         np.full(stop - start, point, dtype=np.int64), self.horizon, start, stop, fixed=values)


@dataclass
class SweepResult:
    """The runs of a sweep; ``points()`` per grid point, ``plot()``; ``drawn``: keys drawn from a posterior."""

    scenario: Scenario
    axes: list[Axis]
    frame: pd.DataFrame
    seed: int
    drawn: list[str] = field(default_factory=list)

    def points(self) -> pd.DataFrame:
        """One row per grid point: parameter values, runs, shares with 95% intervals, ceasefire day."""
        rows = []
        for point, group in self.frame.groupby("point", sort=True):
            row: dict[str, Any] = {"point": int(point)}
            for axis in self.axes:
                row[axis.key] = float(group[f"param:{axis.key}"].iloc[0])
            row["runs"] = len(group)
            draws = group["run"].to_numpy() // RUNS_PER_DRAW if self.drawn else None
            for key in ("deescalated", "contained", "war"):
                p, lo, hi = share(group["outcome"].to_numpy() == key, draws)
                row[f"p_{key}"], row[f"p_{key}_ci_low"], row[f"p_{key}_ci_high"] = p, lo, hi
            cf = group["first_ceasefire_day"]
            row["median_first_ceasefire_day"] = float(cf[cf >= 0].median()) if (cf >= 0).any() else None
            rows.append(row)
        return pd.DataFrame(rows)

    def plot(self, path: str | Path) -> Path:
        table = self.points()
        if len(self.axes) == 1:
            key = self.axes[0].key
            fig, ax = plt.subplots(figsize=(7, 4.5))
            x = table[key]
            ax.fill_between(x, 100 * table["p_deescalated_ci_low"], 100 * table["p_deescalated_ci_high"],
                            color="#1a9850", alpha=0.25, label="95% Wilson interval")
            ax.plot(x, 100 * table["p_deescalated"], "o-", color="#1a9850", label="P(de-escalated)")
            ax.plot(x, 100 * table["p_war"], "s--", color="#a50026", label="P(war)")
            ax.set_xlabel(key)
            ax.set_ylabel("share of runs (%)")
            ax.set_ylim(0, 100)
            ax.legend()
            ax.grid(alpha=0.3)
            ax.set_title(f"{self.scenario.name}: P(de-escalated) against {key} ({int(table['runs'].iloc[0])} runs/point)")
        else:
            kx, ky = self.axes[0].key, self.axes[1].key
            grid = table.pivot(index=ky, columns=kx, values="p_deescalated")
            fig, ax = plt.subplots(figsize=(8, 6))
            image = ax.imshow(100 * grid.to_numpy(), origin="lower", cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
            ax.set_xticks(range(grid.shape[1]), [f"{v:.3g}" for v in grid.columns], rotation=45)
            ax.set_yticks(range(grid.shape[0]), [f"{v:.3g}" for v in grid.index])
            for (i, j), value in np.ndenumerate(grid.to_numpy()):
                ax.text(j, i, f"{100 * value:.0f}", ha="center", va="center", fontsize=7)
            ax.set_xlabel(kx)
            ax.set_ylabel(ky)
            fig.colorbar(image, ax=ax, label="P(de-escalated) (%)")
            ax.set_title(f"{self.scenario.name}: P(de-escalated), {int(table['runs'].iloc[0])} runs per cell")
        fig.tight_layout()
        atomic_write_figure(path, fig)
        plt.close(fig)
        return Path(path)


def run_sweep(scenario: Scenario, axes: list[Axis], runs: int, seed: int = 0, workers: int | None = None,
              out: str | Path | None = None, resume: bool = False, progress: bool = False,
              backend: str = "local", scheduler: str | None = None, chunk_size: int = DEFAULT_CHUNK) -> SweepResult:
    """Run ``runs`` replicates at every point of the grid spanned by ``axes`` (one or two).

    With ``out`` (locked for the whole sweep, checked before any run): the runs, ``points.csv``,
    ``sweep.png`` and ``summary.json``.
    """
    if not 1 <= len(axes) <= 2:
        raise UsageError("a sweep takes one or two --param axes")
    points = math.prod(len(a.values) for a in axes)
    if points > MAX_POINTS:
        raise UsageError(f"--param: a grid of {points:,} points; at most {MAX_POINTS:,}")
    check_batch_settings(runs, chunk_size, None)
    check_memory(points * runs, batch_bytes_per_run(scenario.horizon_days), f"--runs {runs:,} at {points:,} points",
                 "runs in all")
    sampler = PosteriorSampler(scenario, exclude=[a.key for a in axes]) if scenario.posterior else None
    jobs = GridJobs(scenario, seed, axes, runs, sampler=sampler)
    manifest = {"kind": "sweep", "version": package_version(), "seed": seed, "runs": runs, "chunk_size": chunk_size,
                "horizon": None, "posterior": scenario.posterior or None,
                "sweep": [{"key": a.key, "values": list(a.values)} for a in axes],
                "scenarios": [scenario_entry(scenario)]}
    drawn = sampler.keys if sampler is not None else []
    if out is None:
        frames = execute({scenario.name: jobs}, manifest, None, resume, workers, backend, scheduler, progress,
                         chunk_size)
        return SweepResult(scenario, axes, frames[scenario.name], seed, drawn)
    with output_folder(out) as folder:
        frames = execute({scenario.name: jobs}, manifest, folder, resume, workers, backend, scheduler, progress,
                         chunk_size)
        result = SweepResult(scenario, axes, frames[scenario.name], seed, drawn)
        table = result.points()
        atomic_write_text(folder / "points.csv", table.to_csv(index=False))
        result.plot(folder / "sweep.png")
        atomic_write_text(folder / "summary.json", dumps({"metadata": manifest, "points": table.to_dict("records")},
                                                         indent=2) + "\n")
    return result
