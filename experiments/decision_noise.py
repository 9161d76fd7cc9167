"""How much does reproducing the article's sequence depend on the parties' decision noise?

The article cannot tell how noisy the parties' choices are: calibrated with a log-uniform prior,
the noise's posterior is its prior. ``october_2025.toml`` fixes it at 0.05 as a named
assumption. This study recalibrates the scenario at several fixed noise levels, and once with
the noise calibrated too, and measures each posterior's predictive share of runs that reproduce
the whole ordered sequence (fresh runs, parameters drawn from the posterior) beside the share
of de-escalated runs at 90 days. Each calibration is repeated with several sampler seeds, to
show how much the answer varies from one calibration to the next. Writes
``experiments/output/decision_noise/`` (JSON, CSV, figure); each calibration's result is kept
there as it finishes, so a killed study picks up where it stopped when run again.

    .venv/bin/python experiments/decision_noise.py [--sims 2000000] [--runs 10000] [--seeds 0 1 2] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _common import ROOT, UNCALIBRATED, metadata, variant, write_json  # noqa: E402

from sim.batch.stats import proportion  # noqa: E402
from sim.calibrate.abc import calibrate  # noqa: E402
from sim.calibrate.check import summarise_terms  # noqa: E402
from sim.calibrate.runner import TargetSimulator  # noqa: E402
from sim.calibrate.targets import load_targets  # noqa: E402
from sim.model import EscalationModel  # noqa: E402
from sim.outcomes import Outcome  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

LEVELS = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
NOISE_PRIOR = {"distribution": "loguniform", "low": 0.02, "high": 1.0}
FRESH_SEED = 77
OUT = ROOT / "experiments" / "output" / "decision_noise"


def posterior_draws(result, runs: int) -> dict[str, np.ndarray]:
    """``runs`` parameter sets drawn from the weighted particles (fixed generator)."""
    pick = np.random.default_rng(FRESH_SEED).choice(len(result.weights), runs, p=result.weights)
    return {k: v[pick] for k, v in result.space.columns(result.particles).items()}


def measure(scenario, targets, sims: int, runs: int, seed: int) -> dict:
    start = time.perf_counter()
    result = calibrate(scenario, targets, sims=sims, seed=seed)
    params = posterior_draws(result, runs)
    fresh = np.arange(runs)
    with TargetSimulator(scenario, targets, FRESH_SEED) as simulator:
        check = summarise_terms(simulator.terms(fresh, params), targets, "posterior")
    model = EscalationModel(scenario, seed=FRESH_SEED, run_indices=fresh, lane_params=params, record_events=False,
                            collect_series=False).run()
    deescalated = int((model.outcome() == Outcome.DEESCALATED.code).sum())
    row = {"sequence": check.sequence, "deescalated_90d": proportion(deescalated, runs),
           "seconds": time.perf_counter() - start}
    prior_sd = np.log(NOISE_PRIOR["high"] / NOISE_PRIOR["low"]) / np.sqrt(12)  # sd of log(noise) under the prior
    for key in ("pakistan.decision_noise", "afghanistan.decision_noise"):
        if key in result.space.keys:
            log_noise = np.log(result.particles[:, result.space.keys.index(key)])
            mean = np.average(log_noise, weights=result.weights)
            sd = np.sqrt(np.average((log_noise - mean) ** 2, weights=result.weights))
            row[key] = {"median": float(np.exp(np.median(log_noise))), "sd_of_log_over_prior": float(sd / prior_sd)}
    return row


def measured(scenario, targets, sims: int, runs: int, seed: int, label: str, out: Path) -> dict:
    """``measure``, kept in ``out/parts/`` (written atomically) so a killed study resumes where it
    stopped: each calibration is deterministic in its scenario, budget and seed."""
    part = out / "parts" / f"{label}-seed{seed}-sims{sims}-runs{runs}-{scenario.content_hash[:12]}.json"
    if part.is_file():
        return json.loads(part.read_text())
    part.parent.mkdir(parents=True, exist_ok=True)
    row = measure(scenario, targets, sims, runs, seed)
    write_json(part, row)
    return json.loads(part.read_text())  # as stored, so a resumed study reports exactly the same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=2_000_000, help="simulations per calibration")
    parser.add_argument("--runs", type=int, default=10_000, help="fresh runs per predictive check")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="sampler seeds per level")
    parser.add_argument("--out", type=Path, default=OUT, help="output directory")
    args = parser.parse_args()
    start = time.perf_counter()
    base = load_scenario(UNCALIBRATED)
    targets = load_targets(ROOT / "scenarios" / "targets" / "october_2025.toml", base)
    rows: dict[str, list[dict]] = {}
    variants = [(f"{level:g}", variant(base, f"noise_{level:g}", f"decision noise {level:g}",
                                       **{"pakistan.decision_noise": level, "afghanistan.decision_noise": level}))
                for level in LEVELS]
    variants.append(("calibrated", variant(base, "noise_calibrated", "decision noise calibrated",
                                           priors={**base.table["priors"], "pakistan.decision_noise": NOISE_PRIOR,
                                                   "afghanistan.decision_noise": NOISE_PRIOR})))
    for label, scenario in variants:
        rows[label] = [measured(scenario, targets, args.sims, args.runs, seed, label, args.out)
                       for seed in args.seeds]
        shares = ", ".join(f"{100 * r['sequence'][0]:.1f}%" for r in rows[label])
        print(f"noise {label}: sequence {shares} (seeds {args.seeds})", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame([{"decision_noise": k, "seed": seed, "sequence": r["sequence"][0],
                           "sequence_low": r["sequence"][1], "sequence_high": r["sequence"][2],
                           "deescalated_90d": r["deescalated_90d"][0], "deescalated_low": r["deescalated_90d"][1],
                           "deescalated_high": r["deescalated_90d"][2]}
                          for k, results in rows.items() for seed, r in zip(args.seeds, results, strict=True)])
    table.to_csv(args.out / "decision_noise.csv", index=False)
    write_json(args.out / "decision_noise.json", {"levels": rows, **metadata(
        seeds=args.seeds, fresh_seed=FRESH_SEED, sims=args.sims, runs=args.runs, scenario_hash=base.content_hash,
        seconds=time.perf_counter() - start)})
    plot(rows, args.out / "decision_noise.png")
    print(f"wrote {args.out} ({time.perf_counter() - start:.0f} s)")
    return 0


def plot(rows: dict, path) -> None:
    """Each calibration's share (one point per seed) against the noise; dotted: the noise calibrated."""
    fig, ax = plt.subplots(figsize=(7, 4))
    levels = [k for k in rows if k != "calibrated"]
    for key, label, colour in (("sequence", "reproduces the whole sequence (days 0-4)", "#4575b4"),
                               ("deescalated_90d", "de-escalated at 90 days", "#1a9850")):
        x = [float(k) for k in levels for _ in rows[k]]
        y = [100 * r[key][0] for k in levels for r in rows[k]]
        ax.plot(x, y, "o", color=colour, alpha=0.7, label=label)
        ax.plot([float(k) for k in levels], [100 * np.mean([r[key][0] for r in rows[k]]) for k in levels], "-",
                color=colour)
        for r in rows["calibrated"]:
            ax.axhline(100 * r[key][0], color=colour, ls=":", lw=1)
    ax.axhline(50, color="grey", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xlabel("decision noise of both parties (fixed; dotted: noise calibrated)")
    ax.set_ylabel("share of posterior predictive runs (%)")
    ax.set_ylim(0, 100)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title("Reproducing the article's sequence depends on how noisy the choices are", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
