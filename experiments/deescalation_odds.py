"""How often does the October 2025 escalation end in de-escalation, and what changes that?

Runs the calibrated scenario and every what-if -- no mediators; each mediator alone; the
Saudi pact invoked; a Taliban crackdown on the TTP; no India factor; a Paktika strike only --
with at least 20,000 runs each, every run's parameters drawn from the posterior. Writes the
outcome shares with their 95% range over the calibrated parameters and their 95% Monte Carlo
intervals, days to the first ceasefire, deaths true and claimed
(odds.csv, summary.json), the paired effect of each what-if against the baseline (effects.csv,
common random numbers), a bar chart and survival curves.

    python experiments/deescalation_odds.py [--runs 20000] [--seed 2025] [--base SCENARIO] [--out experiments/output/deescalation_odds]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd
from _common import ROOT, base_scenario_path, metadata, variant, what_if, write_json

from sim.batch import run_batch
from sim.batch.compare import Comparison
from sim.batch.store import StoreError
from sim.io import atomic_write_text
from sim.scenario import load_scenario

WHAT_IFS = ("no_mediators.toml", "saudi_pact_invoked.toml", "taliban_crackdown.toml", "no_india_factor.toml",
            "paktika_only.toml")


def scenarios(base_path):
    base = load_scenario(base_path)
    out = [base] + [what_if(f, base_path) for f in WHAT_IFS]
    for keep in base.mediators:
        changes = {f"mediators.{m}.present": m == keep for m in base.mediators}
        out.append(variant(base, f"only_{keep}", f"Only {keep.replace('_', ' ')} mediates", **changes))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", default=str(ROOT / "experiments" / "output" / "deescalation_odds"))
    parser.add_argument("--base", default=None, metavar="SCENARIO",
                        help="the calibrated scenario every what-if builds on (default: the shipped one, the "
                             "structural ensemble; scenarios/ensemble/ holds each structure alone)")
    args = parser.parse_args()
    base_path = base_scenario_path(args.base)
    all_scenarios = scenarios(base_path)
    started = time.perf_counter()
    try:  # resume an interrupted study; a study of other scenarios or settings is refused, not mixed in
        result = run_batch(all_scenarios, args.runs, args.seed, args.workers, out=f"{args.out}/runs", resume=True,
                           progress=True)
    except StoreError as err:
        print(f"deescalation_odds: {str(err).split(' (')[0]}; delete {args.out}/runs to start afresh",
              file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    summary = result.summary()
    rows = []
    for name, s in summary.items():
        cf = s["days_to_first_ceasefire"]
        rows.append({"scenario": name, "runs": s["runs"],
                     **{f"{k}": s.get(k) for k in ("p_deescalated", "ci_low", "ci_high", "p_deescalated_param_low",
                                                    "p_deescalated_param_high", "p_contained",
                                                    "p_contained_ci_low", "p_contained_ci_high", "p_contained_param_low",
                                                    "p_contained_param_high", "p_war", "p_war_ci_low", "p_war_ci_high",
                                                    "p_war_param_low", "p_war_param_high")},
                     "p_ceasefire": cf["share"], "p_ceasefire_ci_low": cf["ci_low"], "p_ceasefire_ci_high": cf["ci_high"],
                     "first_ceasefire_day_median": cf["median"], "first_ceasefire_day_q1": cf["q1"],
                     "first_ceasefire_day_q3": cf["q3"],
                     "deaths_true_median": s["deaths_true"]["median"], "deaths_true_q1": s["deaths_true"]["q1"],
                     "deaths_true_q3": s["deaths_true"]["q3"], "deaths_claimed_median": s["deaths_claimed"]["median"],
                     "deaths_claimed_q1": s["deaths_claimed"]["q1"], "deaths_claimed_q3": s["deaths_claimed"]["q3"]})
    odds = pd.DataFrame(rows)
    atomic_write_text(Path(args.out) / "odds.csv", odds.to_csv(index=False, float_format="%.5g"))
    base_name = all_scenarios[0].name
    effects = []
    for other in all_scenarios[1:]:
        d = Comparison(other.name, base_name, result).differences()
        for key in ("p_deescalated", "p_war"):
            effects.append({"what_if": other.name, "quantity": key, "what_if_value": d[key]["a"],
                            "baseline": d[key]["b"], "difference": d[key]["diff"], "ci_low": d[key]["ci_low"],
                            "ci_high": d[key]["ci_high"], "param_low": d[key].get("param_low"),
                            "param_high": d[key].get("param_high"),
                            "unpaired_ci_halfwidth": d[key]["unpaired_halfwidth"]})
    effects_frame = pd.DataFrame(effects)
    atomic_write_text(Path(args.out) / "effects.csv", effects_frame.to_csv(index=False, float_format="%.5g"))
    result.plot(args.out)
    write_json(Path(args.out) / "summary.json",
               {"metadata": metadata(seed=args.seed, runs=args.runs, base=os.path.relpath(base_path.resolve(), ROOT),
                                     seconds=round(elapsed, 1),
                                     scenario_hashes={s.name: s.content_hash for s in all_scenarios}),
                "scenarios": summary, "effects": effects})
    print(result.table())
    print()
    print(effects_frame[effects_frame.quantity == "p_deescalated"].to_string(index=False, float_format="%.3f"))
    print(f"\n{len(all_scenarios)} scenarios x {args.runs:,} runs in {elapsed:.0f} s; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
