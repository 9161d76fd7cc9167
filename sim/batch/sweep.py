"""Sweeps: a grid over one or two parameters, every grid point a block of lanes.

Per-lane parameters make a grid point cost no more than a replicate. Run r of every grid
point uses run index r, so neighbouring points share their random numbers (common random
numbers) and the curve is smooth where the model is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..errors import UsageError  # noqa: E402
from ..io import atomic_write_figure, atomic_write_text  # noqa: E402
from ..scenario import Scenario, parameter_specs  # noqa: E402
from .engine import DEFAULT_CHUNK, Jobs, default_workers  # noqa: E402
from .results import execute  # noqa: E402
from .stats import proportion  # noqa: E402
from .store import package_version  # noqa: E402


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
        raise UsageError(f"--param: unknown parameter '{key}' in {scenario.source}{hint}")
    if not specs[key].numeric:
        raise UsageError(f"--param: '{key}' is not a number and cannot be swept ({specs[key].allowed()})")
    parts = spec.split(":")
    try:
        start, stop, n = float(parts[0]), float(parts[1]), int(parts[2])
        if len(parts) != 3:
            raise ValueError
    except (ValueError, IndexError):
        raise UsageError(f"--param {text!r}: expected KEY=START:STOP:N with numbers, e.g. {key}=0:1:11") from None
    if n < 1 or (n > 1 and start == stop):
        raise UsageError(f"--param {text!r}: empty range (need N >= 1 points, and START != STOP when N > 1)")
    s = specs[key]
    for value in (start, stop):
        if (s.low is not None and value < s.low) or (s.high is not None and value > s.high):
            raise UsageError(f"--param {text!r}: {value:g} is outside {s.allowed()}")
    return Axis(key, tuple(float(v) for v in np.linspace(start, stop, n)))


@dataclass
class SweepResult:
    scenario: Scenario
    axes: list[Axis]
    frame: pd.DataFrame
    seed: int

    def points(self) -> pd.DataFrame:
        """One row per grid point: parameter values, runs, shares with 95% intervals, ceasefire day."""
        rows = []
        for point, group in self.frame.groupby("point", sort=True):
            row: dict[str, Any] = {"point": int(point)}
            for axis in self.axes:
                row[axis.key] = float(group[f"param:{axis.key}"].iloc[0])
            n = len(group)
            row["runs"] = n
            for key in ("deescalated", "contained", "war"):
                p, lo, hi = proportion(int((group["outcome"] == key).sum()), n)
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
    """Run ``runs`` replicates at every point of the grid spanned by ``axes`` (one or two)."""
    if not 1 <= len(axes) <= 2:
        raise UsageError("a sweep takes one or two --param axes")
    mesh = np.meshgrid(*[np.array(a.values) for a in axes], indexing="ij")
    points = mesh[0].size
    params = {a.key: np.repeat(m.reshape(-1), runs) for a, m in zip(axes, mesh, strict=True)}
    jobs = Jobs(scenario, seed, np.tile(np.arange(runs), points), params, np.repeat(np.arange(points), runs))
    manifest = {"kind": "sweep", "version": package_version(), "seed": seed, "runs": runs, "chunk_size": chunk_size,
                "horizon": None, "posterior": None,
                "sweep": [{"key": a.key, "values": list(a.values)} for a in axes],
                "scenarios": [{"name": scenario.name, "source": scenario.source, "content_hash": scenario.content_hash}]}
    frames = execute({scenario.name: jobs}, manifest, out, resume, default_workers() if workers is None else workers,
                     backend, scheduler, progress, chunk_size)
    result = SweepResult(scenario, axes, frames[scenario.name], seed)
    if out is not None:
        out = Path(out)
        table = result.points()
        atomic_write_text(out / "points.csv", table.to_csv(index=False))
        result.plot(out / "sweep.png")
        atomic_write_text(out / "summary.json", json.dumps({"metadata": manifest, "points": table.to_dict("records")},
                                                          indent=2) + "\n")
    return result
