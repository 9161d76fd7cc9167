"""Which conclusions hold across the structural ensemble?

Runs the de-escalation odds study (``deescalation_odds.py``: the calibrated scenario and every
what-if, paired runs) once on the ensemble's posterior and once on each structure alone
(``scenarios/ensemble/october_2025_<structure>_calibrated.toml``), then tabulates the headline
shares and the paired effects side by side. A conclusion *holds across the ensemble* when its
range over the parameters excludes zero under every structure, with one sign; it *holds under*
some structures *only* when it excludes zero under those alone; it is *opposite under the
structures* when it excludes zero under two with opposite signs; otherwise the evidence cannot
tell.

    python experiments/structures.py [--runs 10000] [--seed 2025] [--out experiments/output/structures]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from _common import ROOT, SCENARIOS, metadata, write_json

from sim.io import atomic_write_text

ENSEMBLE = SCENARIOS / "ensemble"


def verdict(rows: pd.DataFrame) -> str:
    """What the structures say of one effect (module docstring): its range over the parameters
    excludes zero under every structure, with one sign (holds), under some only, with opposite
    signs, or under none (cannot tell)."""
    sure = rows[(rows["param_low"] > 0) | (rows["param_high"] < 0)]
    if sure.empty:
        return "cannot tell"
    if len({d > 0 for d in sure["difference"]}) > 1:
        return "opposite under the structures"
    if len(sure) == len(rows):
        return "holds across the ensemble"
    return "holds under " + ", ".join(sure["structure"]) + " only"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", default=str(ROOT / "experiments" / "output" / "structures"))
    args = parser.parse_args()
    members = sorted(ENSEMBLE.glob("october_2025_*_calibrated.toml"))
    if not members:
        print(f"structures: no member of a structural ensemble in {ENSEMBLE} (escalation ensemble --install)",
              file=sys.stderr)
        return 2
    bases = {"ensemble": SCENARIOS / "october_2025_calibrated.toml",
             **{p.stem.removeprefix("october_2025_").removesuffix("_calibrated"): p for p in members}}
    odds, effects = [], []
    for name, base in bases.items():
        out = Path(args.out) / name
        command = [sys.executable, str(ROOT / "experiments" / "deescalation_odds.py"), "--runs", str(args.runs),
                   "--seed", str(args.seed), "--base", str(base), "--out", str(out)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        if subprocess.run(command, stdout=subprocess.DEVNULL).returncode != 0:
            return 2
        odds.append(pd.read_csv(out / "odds.csv").assign(structure=name))
        effects.append(pd.read_csv(out / "effects.csv").assign(structure=name))
    odds_frame, effects_frame = pd.concat(odds), pd.concat(effects)
    effects_frame = effects_frame[effects_frame.quantity == "p_deescalated"]
    table = []
    for what_if, rows in effects_frame.groupby("what_if", sort=False):
        members_only = rows[rows.structure != "ensemble"]
        table.append({"what_if": what_if, "verdict": verdict(members_only),
                      **{f"{r.structure}": f"{100 * r.difference:+.1f} ({100 * r.param_low:+.1f} to "
                                           f"{100 * r.param_high:+.1f})" for r in rows.itertuples()}})
    holds = pd.DataFrame(table)
    headline = odds_frame.groupby("structure", sort=False).head(1)  # each study's first scenario is its base
    atomic_write_text(Path(args.out) / "holds.csv", holds.to_csv(index=False))
    atomic_write_text(Path(args.out) / "headline.csv", headline.to_csv(index=False, float_format="%.5g"))
    write_json(Path(args.out) / "summary.json", {"metadata": metadata(seed=args.seed, runs=args.runs,
                                                                      bases={k: str(v) for k, v in bases.items()}),
                                                 "holds": table})
    for row in headline.itertuples():
        print(f"{row.structure:18s} de-escalated {100 * row.p_deescalated:.1f}% ({100 * row.p_deescalated_param_low:.0f}-"
              f"{100 * row.p_deescalated_param_high:.0f}) [{100 * row.ci_low:.1f}, {100 * row.ci_high:.1f}], "
              f"war {100 * row.p_war:.1f}%")
    print()
    print(holds.to_string(index=False))
    print(json.dumps({"wrote": args.out}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
