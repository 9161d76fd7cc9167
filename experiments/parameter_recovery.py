"""Parameter recovery: do the ABC-SMC 90% credible intervals cover planted values ~90% of the time?

Each repeat plants parameter values drawn from the priors of the recovered keys, simulates
the article's targets from one run at those values (``sim.calibrate.recovery``), calibrates on
them, and records whether each 90% credible interval covers its planted value. Coverage is
pooled over repeats and parameters, with a 95% Wilson interval.

    .venv/bin/python experiments/parameter_recovery.py --repeats 100
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.batch.stats import proportion  # noqa: E402
from sim.calibrate.abc import calibrate  # noqa: E402
from sim.calibrate.priors import PriorSpace  # noqa: E402
from sim.calibrate.recovery import synthetic_targets  # noqa: E402
from sim.calibrate.targets import load_targets  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

KEYS = ["afghanistan.retaliation_delay", "mediators.united_states.response_lag", "mediators.china.response_lag",
        "lethality.raid_border_posts"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--sims", type=int, default=60_000)
    parser.add_argument("--population", type=int, default=500)
    parser.add_argument("--replicates", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)  # small budgets: a process pool costs more than it saves
    parser.add_argument("--out", type=Path, default=ROOT / "experiments" / "output" / "parameter_recovery.json")
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "october_2025.toml")
    targets = load_targets(ROOT / "scenarios" / "targets" / "october_2025.toml", scenario)
    space = PriorSpace.from_scenario(scenario, KEYS)
    covered = np.zeros((args.repeats, len(KEYS)), dtype=bool)
    start = time.perf_counter()
    for r in range(args.repeats):
        truth = dict(zip(KEYS, space.sample(np.random.default_rng([2025, r]), 1)[0], strict=True))
        synthetic = synthetic_targets(scenario, targets, truth, seed=1000 + r)
        result = calibrate(scenario, synthetic, sims=args.sims, population=args.population,
                           replicates=args.replicates, seed=r, keys=KEYS,
                           workers=args.workers)
        ci = result.interval(0.9)
        covered[r] = [ci[k][0] <= truth[k] <= ci[k][1] for k in KEYS]
        share, lo, hi = proportion(int(covered[: r + 1].sum()), covered[: r + 1].size)
        print(f"repeat {r + 1}/{args.repeats}: covered {covered[r].sum()}/{len(KEYS)}; pooled coverage "
              f"{100 * share:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]", flush=True)
    share, lo, hi = proportion(int(covered.sum()), covered.size)
    per_key = {k: proportion(int(covered[:, i].sum()), args.repeats) for i, k in enumerate(KEYS)}
    summary = {"repeats": args.repeats, "sims_per_calibration": args.sims, "population": args.population, "replicates": args.replicates,
               "level": 0.9, "coverage": share, "ci_low": lo, "ci_high": hi,
               "per_parameter": {k: {"coverage": v[0], "ci_low": v[1], "ci_high": v[2]} for k, v in per_key.items()},
               "seconds": time.perf_counter() - start}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
