"""Subcommands ``forecast`` and ``score`` of ``escalation`` (``sim.cli`` registers them).

Each handler calls one library function and prints; user errors are ``UsageError`` /
``ScenarioError``, printed by ``sim.cli.main`` as one line with exit status 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..argtypes import cap_workers, days, positive_int, seed
from ..io import dumps
from ..scenario import load_scenario


def cmd_forecast(args: argparse.Namespace) -> int:
    from .workflow import forecast_from_files, table, write_forecast

    scenario = load_scenario(args.scenario)
    workers = cap_workers(args.workers)
    if args.out is not None:
        from ..batch.store import refuse_batch_folder
        from ..io import check_output_folder

        refuse_batch_folder(check_output_folder(args.out))  # an unusable --out is said before any run
    run = forecast_from_files(scenario, args.observed, args.questions, args.days, args.runs, args.seed,
                              args.tolerance, args.through, args.mapping, workers)
    summary = run.summary()
    if args.out is not None:
        write_forecast(run, args.out)
    if args.json:
        print(dumps(summary, indent=2))
    else:
        print(table(run, summary))
        if args.out is not None:
            print("\nwrote forecast.json, runs.csv" + (", fan.png and cumulative.png" if run.forecast.n_matched else "")
                  + f" to {args.out}")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from .score import score

    result = score(args.forecast, args.resolved)
    print(dumps(result.to_json(), indent=2) if args.json else result.table())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``forecast`` and ``score`` to ``escalation``'s subparsers."""
    fc = subparsers.add_parser("forecast", help="condition on the events observed so far and answer questions, "
                               "with intervals")
    fc.add_argument("scenario", help="calibrated scenario TOML or shipped name (e.g. october_2025_calibrated)")
    fc.add_argument("--observed", required=True, metavar="EVENTS.csv",
                    help="events so far: the project's event table (escalation run --out) or ACLED's column layout "
                    "(shipped samples: october_2025.events.csv, october_2025.acled.csv)")
    fc.add_argument("--questions", required=True, metavar="Q.toml",
                    help="questions file (shipped: after_13_october.questions.toml)")
    fc.add_argument("--mapping", default=None, metavar="MAP.toml",
                    help="how ACLED rows map onto the model (default: the shipped acled_mapping.toml)")
    fc.add_argument("--days", type=days, default=None,
                    help="days to forecast after the last observed one (default: the questions' horizon_days)")
    fc.add_argument("--through", default=None, metavar="DATE",
                    help="the last day observed, YYYY-MM-DD (default: the date of the last event)")
    fc.add_argument("--tolerance", type=int, default=1,
                    help="days by which a run may place a reported event earlier or later (default 1)")
    fc.add_argument("--runs", type=positive_int, default=40_000, help="runs simulated from day 0 (default 40000)")
    fc.add_argument("--seed", type=seed, default=0, help="random seed, 0 to 2**64 - 1 (default 0)")
    fc.add_argument("--workers", type=positive_int, default=None,
                    help="worker processes (default and most: the cores available)")
    fc.add_argument("--out", type=Path, default=None,
                    help="write forecast.json, runs.csv, fan.png and cumulative.png here")
    fc.add_argument("--json", action="store_true", help="print forecast.json instead of the table")
    fc.set_defaults(handler=cmd_forecast)

    sc = subparsers.add_parser("score", help="Brier and log scores of a forecast once its answers are known")
    sc.add_argument("forecast", metavar="FORECAST.json", help="forecast.json written by escalation forecast")
    sc.add_argument("--resolved", required=True, metavar="OUTCOMES.toml",
                    help="[answers] NAME = true/false per resolved question")
    sc.add_argument("--json", action="store_true", help="print one JSON object")
    sc.set_defaults(handler=cmd_score)
