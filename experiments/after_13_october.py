"""Forecast the 60 days after 13 October 2025 from the article's events: a thin call of `escalation forecast`.

The events the seed article reports for 9-13 October 2025 are an events file
(`sim/scenarios/forecast/october_2025.events.csv`; the same in ACLED's layout:
`october_2025.acled.csv`), the six questions a questions file (`after_13_october.questions.toml`);
`sim.forecast` conditions the calibrated scenario on the five observed days (runs kept when they
reproduce every report within a day, with no unreported force, closure, reopening or ceasefire)
and follows the kept runs to 12 December 2025. This script adds only what the study reports
beside the command's output: who hosted the first ceasefire within 14 days.

Writes forecast.json (the six questions, each p with ci_low / ci_high and the separate
intervals; first_ceasefire_host_shares; conditioning; metadata), runs.csv, fan.png and
cumulative.png. Only the seed's facts, the episodes file and the calibration go in.

    python experiments/after_13_october.py [--runs 40000] [--seed 1013] [--out experiments/output/after_13_october]

The same from the command line:

    escalation forecast october_2025_calibrated --observed october_2025.events.csv \\
        --questions after_13_october.questions.toml --runs 40000 --seed 1013 --out DIR
"""

from __future__ import annotations

import argparse
import time

from _common import ROOT, base_scenario_path

from sim.batch.engine import default_workers
from sim.forecast.workflow import forecast_from_files, table, write_forecast
from sim.scenario import load_scenario

EVENTS = "october_2025.events.csv"
QUESTIONS = "after_13_october.questions.toml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40_000, help="runs simulated from 9 October (before matching)")
    parser.add_argument("--seed", type=int, default=1013)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--events", default=EVENTS, help="events file (default: the article's, shipped)")
    parser.add_argument("--out", default=str(ROOT / "experiments" / "output" / "after_13_october"))
    args = parser.parse_args()
    started = time.perf_counter()
    scenario = load_scenario(base_scenario_path())
    run = forecast_from_files(scenario, args.events, QUESTIONS, runs=args.runs, seed=args.seed, workers=args.workers)
    hosts = run.forecast.host_shares(within=14)
    write_forecast(run, args.out, extra={"first_ceasefire_host_shares": hosts})
    print(table(run))
    print("first ceasefire hosts (within 14 days):", {k: round(v, 3) for k, v in hosts.items()})
    print(f"{time.perf_counter() - started:.0f} s; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
