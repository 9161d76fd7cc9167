"""Forecast the 60 days after 13 October 2025, from the situation at the end of the reported events.

Method (a particle filter in its simplest form): simulate the calibrated scenario from 9 October
with every run's parameters drawn from the posterior; keep the runs whose first five days
(9-13 October) end in the reported situation -- the Taliban struck back, both crossings are
closed, a halt is in force, no formal ceasefire and no war yet; then follow those runs for
60 more days. So the starting state (grievances, losses, claims, costs, mediators' attention)
is the one the rules themselves produce from the reported events, not a hand-set guess.

As a check on that choice, the same questions are also answered from
scenarios/after_13_october.toml (a hand-stated starting state on the calibrated parameters).

Writes forecast.json (one entry per question: p with its 95% Wilson interval over runs, the
Monte Carlo precision, and param_low / param_high, the 95% range of the probability over the
calibrated parameters; the mediators hosting the first ceasefire; what is needed to reproduce
it) and forecast.png.

    python experiments/after_13_october.py [--runs 40000] [--seed 1013] [--out experiments/output/after_13_october]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from _common import ROOT, SCENARIOS, base_scenario_path, metadata, write_json

from sim.batch.engine import Replicates, default_workers
from sim.batch.posterior import RUNS_PER_DRAW
from sim.batch.stats import parameter_interval, proportion
from sim.ladder import Action
from sim.model import EscalationModel
from sim.outcomes import Outcome
from sim.scenario import Scenario, load_scenario

REPORTED_DAYS = 5          # days 0-4: Thursday 9 to Monday 13 October 2025
FORECAST_DAYS = 60
KINETIC_RUNG = Action.CROSS_BORDER_FIRE.rung   # daily rungs >= 5 are kinetic actions between the states
QUESTIONS = ("p_clash_within_7d", "p_clash_within_30d", "p_mediated_ceasefire_within_14d", "p_strike_on_kabul",
             "p_crossings_closed_after_30d", "p_war")


def forecast_chunk(args: tuple[Scenario, int, np.ndarray, dict[str, np.ndarray], int]) -> dict[str, np.ndarray]:
    """Simulate one chunk of runs; return, per run, whether it matched the reported days and the answers."""
    scenario, seed, runs, params, start = args
    model = EscalationModel(scenario, seed=seed, run_indices=runs, lane_params=params, record_events=False,
                            collect_series=False, horizon=start + FORECAST_DAYS)
    model.run(start)
    if start:
        afghan_struck = np.zeros(model.lanes, dtype=bool)
        for action in (Action.CROSS_BORDER_FIRE, Action.RAID_BORDER_POSTS, Action.SUSTAINED_CAMPAIGN):
            afghan_struck |= model.first_day_of("afghanistan", action) >= 0
        halt = model.pakistan.bound | model.afghanistan.bound
        matched = (afghan_struck & ~model.crossings_open.any(axis=1) & halt & ~model.ceasefire_in_force
                   & (model.first_ceasefire_day < 0) & (model.outcome() != Outcome.WAR.code))
    else:
        matched = np.ones(model.lanes, dtype=bool)
    kabul_before = model.count_of("pakistan", Action.AIRSTRIKE_CAPITAL).copy()
    model.run(30)
    closed_after_30 = ~model.crossings_open.any(axis=1)
    model.run()
    rungs = model.rung_history[start:]
    ceasefire = model.first_ceasefire_day
    return {
        "run": runs,
        "matched": matched,
        "p_clash_within_7d": (rungs[:7] >= KINETIC_RUNG).any(axis=0),
        "p_clash_within_30d": (rungs[:30] >= KINETIC_RUNG).any(axis=0),
        "p_mediated_ceasefire_within_14d": (ceasefire >= start) & (ceasefire < start + 14) & (model.ceasefire_host >= 0),
        "p_strike_on_kabul": model.count_of("pakistan", Action.AIRSTRIKE_CAPITAL) > kabul_before,
        "p_crossings_closed_after_30d": closed_after_30,
        "p_war": model.outcome() == Outcome.WAR.code,
        "host": np.where((ceasefire >= start) & (ceasefire < start + 14), model.ceasefire_host, -1),
        "first_clash": _first_day(rungs >= KINETIC_RUNG),
        "first_ceasefire": np.where(ceasefire >= start, ceasefire - start, -1),
    }


def _first_day(flags: np.ndarray) -> np.ndarray:
    return np.where(flags.any(axis=0), flags.argmax(axis=0), -1)


def simulate(scenario: Scenario, runs: int, seed: int, start: int, workers: int, chunk: int = 5000
             ) -> dict[str, np.ndarray]:
    jobs = Replicates(scenario, seed, runs)
    tasks = [(scenario, seed, task.run_index, task.params, start)
             for task in (jobs.slice(a, b) for a, b in jobs.chunk_bounds(chunk))]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(forecast_chunk, tasks))
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def answers(sim: dict[str, np.ndarray], mediators: list[str]) -> dict:
    keep = sim["matched"]
    n = int(keep.sum())
    out = {}
    for question in QUESTIONS:
        p, lo, hi = proportion(int(sim[question][keep].sum()), n)
        out[question] = {"p": p, "ci_low": lo, "ci_high": hi}
        interval = parameter_interval(sim[question][keep], sim["run"][keep] // RUNS_PER_DRAW)
        if interval is not None:  # the range over the calibrated parameters, beside the Monte Carlo interval
            out[question]["param_low"], out[question]["param_high"] = interval
    hosts = sim["host"][keep & sim["p_mediated_ceasefire_within_14d"]]
    total = max(len(hosts), 1)
    out["first_ceasefire_host_shares"] = {m: float((hosts == i).sum() / total) for i, m in enumerate(mediators)}
    out["runs_matching_reported_days"] = n
    return out


def plot(result: dict, sims: dict[str, np.ndarray], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.io import atomic_write_figure

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    labels = ["renewed clash\nwithin 7 days", "renewed clash\nwithin 30 days", "mediated ceasefire\nwithin 14 days",
              "strike on Kabul\n(60 days)", "crossings still\nclosed at day 30", "war\n(60 days)"]
    p = np.array([result[q]["p"] for q in QUESTIONS])
    lo = np.array([result[q]["ci_low"] for q in QUESTIONS])
    hi = np.array([result[q]["ci_high"] for q in QUESTIONS])
    bars = left.bar(range(len(p)), 100 * p, yerr=[100 * (p - lo), 100 * (hi - p)], capsize=4,
                    color=["#d73027", "#d73027", "#1a9850", "#3f007d", "#f46d43", "#000000"])
    for bar, value in zip(bars, p, strict=True):
        left.annotate(f"{100 * value:.1f}%", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                      va="bottom", xytext=(0, 3), textcoords="offset points", fontsize=8)
    left.set_xticks(range(len(p)), labels, fontsize=7)
    left.set_ylabel("probability (%), bars = 95% interval")
    left.set_ylim(0, 105)
    left.set_title(f"After 13 October 2025: {result['runs_matching_reported_days']:,} runs matching 9-13 Oct")
    keep = sims["matched"]
    days = np.arange(FORECAST_DAYS + 1)
    for key, label, colour in (("first_clash", "renewed clash between the states", "#d73027"),
                               ("first_ceasefire", "formal ceasefire (mediated)", "#1a9850")):
        first = sims[key][keep]
        curve = [100 * np.mean((first >= 0) & (first < d)) for d in days]
        right.step(days, curve, where="post", color=colour, label=label)
    right.set_xlabel("days after 13 October 2025")
    right.set_ylabel("share of runs by that day (%)")
    right.set_ylim(0, 100)
    right.grid(alpha=0.3)
    right.legend()
    right.set_title("When: cumulative share of runs")
    fig.tight_layout()
    atomic_write_figure(path, fig)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40_000, help="runs simulated from 9 October (before matching)")
    parser.add_argument("--seed", type=int, default=1013)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--out", default=str(ROOT / "experiments" / "output" / "after_13_october"))
    args = parser.parse_args()
    out = Path(args.out)
    started = time.perf_counter()
    base_path = base_scenario_path()
    scenario = load_scenario(base_path)
    sims = simulate(scenario, args.runs, args.seed, REPORTED_DAYS, args.workers)
    result = answers(sims, scenario.mediators)
    stated = load_scenario(SCENARIOS / "after_13_october.toml", base=base_path)
    stated_sims = simulate(stated, max(args.runs // 4, 1000), args.seed, 0, args.workers)
    variant = answers(stated_sims, stated.mediators)
    elapsed = time.perf_counter() - started
    forecast = {
        **{q: result[q] for q in QUESTIONS},
        "first_ceasefire_host_shares": result["first_ceasefire_host_shares"],
        "runs": int(result["runs_matching_reported_days"]),
        "variant_from_stated_state": {"scenario": "scenarios/after_13_october.toml", **variant},
        "metadata": metadata(seed=args.seed, runs_simulated=args.runs, runs=int(result["runs_matching_reported_days"]),
                             scenario=str(base_path.relative_to(ROOT)), scenario_hash=scenario.content_hash,
                             stated_state_hash=stated.content_hash, reported_days=REPORTED_DAYS,
                             forecast_days=FORECAST_DAYS, start_date="2025-10-14", seconds=round(elapsed, 1),
                             matching="Afghanistan struck back; both crossings closed; a halt in force; "
                                      "no formal ceasefire and no war by the end of 13 October"),
    }
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "forecast.json", forecast)
    plot(result, sims, out / "forecast.png")
    for q in QUESTIONS:
        r, v = forecast[q], variant[q]
        spread = f"({100 * r['param_low']:.0f}-{100 * r['param_high']:.0f}) " if "param_low" in r else ""
        print(f"{q:34s} {100 * r['p']:5.1f}% {spread}[{100 * r['ci_low']:.1f}, {100 * r['ci_high']:.1f}]"
              f"   (stated-state variant {100 * v['p']:.1f}%)")
    print("first ceasefire hosts:", {k: round(v, 3) for k, v in forecast["first_ceasefire_host_shares"].items()})
    print(f"{forecast['runs']:,} of {args.runs:,} runs matched 9-13 October; {elapsed:.0f} s; wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
