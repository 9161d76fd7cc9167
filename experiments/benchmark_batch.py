"""Benchmark: this project's batch engine against Mesa's own ``mesa.batch_run``, in one process.

Both run the same model (``sim.model.EscalationModel``, the same rules and scenario, 90 days):
``mesa.batch_run`` with one run per model instance (R = 1), the engine with many runs per
instance (lanes) in chunks over worker processes. Prints runs per second for each and the ratio.

    python experiments/benchmark_batch.py                       # 10,000 engine runs, 300 via batch_run
    python experiments/benchmark_batch.py --runs 100000         # the 100,000-run target
    python experiments/benchmark_batch.py --mesa-runs 1000 --workers 2

``mesa.batch_run`` is timed on fewer runs (its cost per run is constant, so runs per second
is what compares); the number is printed next to each figure.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import mesa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.batch import run_batch  # noqa: E402
from sim.batch.engine import default_workers  # noqa: E402
from sim.model import EscalationModel  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "october_2025.toml"


def time_mesa_batch_run(scenario, runs: int, workers: int) -> float:
    """Mesa's batch_run, one run (seed) per model instance; returns seconds."""
    start = time.perf_counter()
    results = mesa.batch_run(EscalationModel, parameters={"scenario": scenario, "seed": range(runs)},
                             number_processes=workers, iterations=1, data_collection_period=-1,
                             max_steps=scenario.horizon_days + 1, display_progress=False)
    elapsed = time.perf_counter() - start
    assert len({r["RunId"] for r in results}) == runs
    return elapsed


def time_engine(scenario, runs: int, workers: int) -> float:
    start = time.perf_counter()
    result = run_batch(scenario, runs, seed=0, workers=workers)
    elapsed = time.perf_counter() - start
    assert len(result.to_frame()) == runs
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default=str(DEFAULT_SCENARIO))
    parser.add_argument("--runs", type=int, default=10_000, help="runs for the batch engine")
    parser.add_argument("--mesa-runs", type=int, default=300, help="runs for mesa.batch_run")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)

    time_engine(scenario, min(args.runs, 2048), args.workers)  # warm imports and caches for both
    mesa_seconds = time_mesa_batch_run(scenario, args.mesa_runs, args.workers)
    engine_seconds = time_engine(scenario, args.runs, args.workers)
    mesa_rate = args.mesa_runs / mesa_seconds
    engine_rate = args.runs / engine_seconds
    report = {
        "scenario": scenario.name, "horizon_days": scenario.horizon_days, "workers": args.workers,
        "machine": f"{platform.machine()}, {default_workers()} cores, Python {platform.python_version()}",
        "mesa_batch_run": {"runs": args.mesa_runs, "seconds": round(mesa_seconds, 2), "runs_per_s": round(mesa_rate, 1)},
        "engine": {"runs": args.runs, "seconds": round(engine_seconds, 2), "runs_per_s": round(engine_rate, 1)},
        "ratio": round(engine_rate / mesa_rate, 1),
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"scenario {scenario.name}, {scenario.horizon_days} days, {args.workers} worker(s); {report['machine']}")
        print(f"mesa.batch_run : {args.mesa_runs:>7,} runs in {mesa_seconds:7.2f} s = {mesa_rate:9.1f} runs/s")
        print(f"batch engine   : {args.runs:>7,} runs in {engine_seconds:7.2f} s = {engine_rate:9.1f} runs/s")
        print(f"ratio          : {report['ratio']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
