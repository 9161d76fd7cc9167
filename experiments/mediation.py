"""What do mediators change? P(de-escalated) over mediator leverage x retaliation propensity,
and the effect of removing each mediator in turn.

1. A grid: every present mediator's leverage over both parties scaled by a factor L (capped at 1)
   and both parties' retaliation propensity scaled by a factor R. Every run draws its parameters
   from the posterior; run k uses the same draw and random numbers at every grid point (common
   random numbers), so the surface is smooth where the model is.
2. Removal: the calibrated scenario against the same scenario without one mediator, paired run
   by run; the paired 95% interval of the difference in P(de-escalated) and P(war).

Writes grid.csv, heatmap.png, removal.csv, removal.png and summary.json.

    python experiments/mediation.py [--runs 2000] [--removal-runs 20000] [--seed 7] [--out experiments/output/mediation]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _common import ROOT, base_scenario_path, metadata, variant, write_json  # noqa: E402

from sim.batch.compare import compare  # noqa: E402
from sim.batch.engine import Jobs, Replicates, default_workers  # noqa: E402
from sim.batch.posterior import RUNS_PER_DRAW  # noqa: E402
from sim.batch.results import execute  # noqa: E402
from sim.batch.stats import share  # noqa: E402
from sim.io import atomic_write_figure, atomic_write_text  # noqa: E402
from sim.parameters import PARTIES  # noqa: E402
from sim.scenario import Scenario, load_scenario  # noqa: E402

LEVERAGE_FACTORS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
RETALIATION_FACTORS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def grid_jobs(scenario: Scenario, runs: int, seed: int) -> tuple[Jobs, list[tuple[float, float]]]:
    """Jobs for every (leverage factor, retaliation factor) point, runs x points lanes."""
    draws = Replicates(scenario, seed, runs).slice(0, runs).params  # posterior draws per run (none without one)

    def base(key: str) -> np.ndarray:
        return draws[key] if key in draws else np.full(runs, float(scenario.params[key]))

    points = [(lev, ret) for lev in LEVERAGE_FACTORS for ret in RETALIATION_FACTORS]
    params: dict[str, list[np.ndarray]] = {k: [] for k in draws}
    leverage_keys = [f"mediators.{m}.leverage.{p}" for m in scenario.mediators for p in PARTIES]
    retaliation_keys = [f"{p}.retaliation_propensity" for p in PARTIES]
    for key in leverage_keys + retaliation_keys:
        params.setdefault(key, [])
    for lev, ret in points:
        for key in params:
            value = base(key)
            if key in leverage_keys:
                value = np.minimum(value * lev, 1.0)
            elif key in retaliation_keys:
                value = np.minimum(value * ret, 10.0)
            params[key].append(value)
    flat = {k: np.concatenate(v) for k, v in params.items()}
    jobs = Jobs(scenario, seed, np.tile(np.arange(runs), len(points)), flat, np.repeat(np.arange(len(points)), runs))
    return jobs, points


def heatmap(table: pd.DataFrame, path: Path, runs: int) -> None:
    grid = table.pivot(index="retaliation_factor", columns="leverage_factor", values="p_deescalated")
    fig, ax = plt.subplots(figsize=(8.5, 6))
    image = ax.imshow(100 * grid.to_numpy(), origin="lower", cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [f"x{v:g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"x{v:g}" for v in grid.index])
    for (i, j), value in np.ndenumerate(grid.to_numpy()):
        ax.text(j, i, f"{100 * value:.0f}", ha="center", va="center", fontsize=8)
    ax.set_xlabel("every mediator's leverage, times the calibrated value (capped at 1)")
    ax.set_ylabel("both parties' retaliation propensity, times the calibrated value")
    fig.colorbar(image, ax=ax, label="P(de-escalated) (%)")
    widest = 100 * float(((table["ci_high"] - table["ci_low"]) / 2).max())  # Monte Carlo, shared draws counted
    ax.set_title(f"P(de-escalated) over leverage x retaliation ({runs:,} runs per cell; up to +-{widest:.1f} points)")
    fig.tight_layout()
    atomic_write_figure(path, fig)
    plt.close(fig)


def removal_chart(table: pd.DataFrame, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    rows = table[table.quantity == "p_deescalated"]
    y = np.arange(len(rows))
    diff = 100 * rows["difference"].to_numpy()
    ax.barh(y, diff, xerr=[diff - 100 * rows["ci_low"], 100 * rows["ci_high"] - diff], capsize=4,
            color=np.where(diff < 0, "#d73027", "#1a9850"))
    ax.set_yticks(y, [f"without {m.replace('_', ' ')}" for m in rows["mediator"]])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("change in P(de-escalated), percentage points (paired 95% interval)")
    ax.set_title("Removing one mediator at a time (common random numbers)")
    fig.tight_layout()
    atomic_write_figure(path, fig)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000, help="runs per grid cell")
    parser.add_argument("--removal-runs", type=int, default=20_000, help="paired runs per removal")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--out", default=str(ROOT / "experiments" / "output" / "mediation"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    base_path = base_scenario_path()
    scenario = load_scenario(base_path)

    jobs, points = grid_jobs(scenario, args.runs, args.seed)
    frame = execute({scenario.name: jobs}, {}, None, False, args.workers, "local", None, True, 2048)[scenario.name]
    rows = []
    for point, group in frame.groupby("point"):
        lev, ret = points[int(point)]
        n = len(group)
        draws = group["run"].to_numpy() // RUNS_PER_DRAW if scenario.posterior else None  # runs of a draw
        p, lo, hi = share(group["outcome"].to_numpy() == "deescalated", draws)
        pw, wlo, whi = share(group["outcome"].to_numpy() == "war", draws)
        rows.append({"leverage_factor": lev, "retaliation_factor": ret, "runs": n, "p_deescalated": p,
                     "ci_low": lo, "ci_high": hi, "p_war": pw, "p_war_ci_low": wlo, "p_war_ci_high": whi})
    grid = pd.DataFrame(rows)
    atomic_write_text(out / "grid.csv", grid.to_csv(index=False, float_format="%.5g"))
    heatmap(grid, out / "heatmap.png", args.runs)

    removal = []
    for mediator in scenario.mediators:
        without = variant(scenario, f"without_{mediator}", f"without {mediator}",
                          **{f"mediators.{mediator}.present": False})
        d = compare(scenario, without, args.removal_runs, args.seed, args.workers).differences()
        for key in ("p_deescalated", "p_war"):
            removal.append({"mediator": mediator, "quantity": key, "with": d[key]["a"], "without": d[key]["b"],
                            "difference": d[key]["b"] - d[key]["a"], "ci_low": -d[key]["ci_high"],
                            "ci_high": -d[key]["ci_low"],
                            "param_low": -d[key]["param_high"] if "param_high" in d[key] else None,
                            "param_high": -d[key]["param_low"] if "param_low" in d[key] else None,
                            "unpaired_ci_halfwidth": d[key]["unpaired_halfwidth"]})
    removal_table = pd.DataFrame(removal)
    atomic_write_text(out / "removal.csv", removal_table.to_csv(index=False, float_format="%.5g"))
    removal_chart(removal_table, out / "removal.png")
    elapsed = time.perf_counter() - started
    write_json(out / "summary.json", {
        "metadata": metadata(seed=args.seed, runs_per_cell=args.runs, removal_runs=args.removal_runs,
                             scenario=str(base_path.relative_to(ROOT)), scenario_hash=scenario.content_hash,
                             seconds=round(elapsed, 1)),
        "grid": grid.to_dict("records"), "removal": removal})
    pivot = grid.pivot(index="retaliation_factor", columns="leverage_factor", values="p_deescalated")
    print("P(de-escalated), rows: retaliation factor, columns: leverage factor")
    print((100 * pivot).round(1).to_string())
    print()
    print(removal_table[removal_table.quantity == "p_deescalated"].to_string(index=False, float_format="%.3f"))
    print(f"\n{elapsed:.0f} s; wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
