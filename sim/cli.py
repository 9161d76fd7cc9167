"""The ``escalation`` command: a thin layer that parses, calls one library function, prints.

Every user error (a bad scenario, a bad flag value, an output folder that cannot be written, a
worker the system killed) ends with one line on stderr naming the file, the key or the option
and what is allowed, and exit status 2 -- never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import argtypes
from .errors import UsageError
from .io import dumps
from .scenario import ScenarioError, load_scenario


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        raise UsageError(f"{self.prog}: {message}")


def cmd_run(args: argparse.Namespace) -> int:
    from .results import run_once

    result = run_once(load_scenario(args.scenario), seed=args.seed, run=args.run, days=args.days, out=args.out)
    if args.json:
        print(result.to_json())
    else:
        print(result.report())
        if args.out:
            print(f"\nWrote events.csv, series.csv, run.json and ladder.png to {args.out}")
    return 0


def _batch_checks(args: argparse.Namespace) -> None:
    """Checks that must pass before anything is written (so nothing half-made is left behind)."""
    if args.backend == "dask":
        if not args.scheduler:
            raise UsageError("--backend dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
        from .batch.engine import check_scheduler

        try:
            check_scheduler(args.scheduler)
        except ConnectionError as err:
            raise UsageError(str(err)) from None
    elif args.scheduler:
        raise UsageError("--scheduler is only used with --backend dask")
    if args.resume and args.out is None:
        raise UsageError("--resume continues the batch in --out DIR: give --out")
    args.workers = argtypes.cap_workers(args.workers)


def _progress_wanted(args: argparse.Namespace) -> bool:
    return not getattr(args, "json", False) and sys.stderr.isatty()


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import run_batch

    scenarios = [load_scenario(path) for path in args.scenarios]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise UsageError(f"two scenario files share a [scenario] name: {', '.join(names)}")
    _batch_checks(args)
    result = run_batch(scenarios, args.runs, args.seed, args.workers, args.backend, args.scheduler, args.out,
                       args.resume, _progress_wanted(args), args.chunk_size)
    if args.json:
        print(dumps(result.summary(), indent=2))
    else:
        print(result.table())
        if args.out:
            print(f"\nWrote runs (Parquet), summary.json and figures to {args.out}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from .batch.sweep import parse_axes, run_sweep

    scenario = load_scenario(args.scenario)
    axes = parse_axes(args.param, scenario)
    _batch_checks(args)
    result = run_sweep(scenario, axes, args.runs, args.seed, args.workers, args.out, args.resume,
                       _progress_wanted(args), args.backend, args.scheduler)
    table = result.points()
    if args.json:
        print(dumps(table.to_dict("records"), indent=2))
    else:
        if result.drawn:
            print(f"The other {len(result.drawn)} parameters of {scenario.name}'s posterior are drawn run by run "
                  "from it (run k the same draw at every point).\n")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        if args.out:
            print(f"\nWrote points.csv, sweep.png, runs (Parquet) and summary.json to {args.out}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .batch.compare import compare

    a, b = load_scenario(args.a), load_scenario(args.b)
    _batch_checks(args)
    result = compare(a, b, args.runs, args.seed, args.workers, out=args.out, resume=args.resume,
                     progress=_progress_wanted(args), backend=args.backend, scheduler=args.scheduler)
    if args.json:
        print(dumps(result.differences(), indent=2))
    else:
        print(result.table())
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from .batch.replay import replay

    result = replay(args.directory, args.run, args.scenario)
    print(result.to_json() if args.json else result.report())
    return 0


def cmd_viz(args: argparse.Namespace) -> int:
    from . import viz

    if (args.replay is None) != (args.run is None):
        raise UsageError("--replay DIR and --run K go together")
    return viz.serve(args.scenario, host=args.host, port=args.port, replay=args.replay, run=args.run)


def _add_batch_options(parser: argparse.ArgumentParser, runs: int) -> None:
    parser.add_argument("--runs", type=argtypes.positive_int, default=runs,
                        help=f"runs per scenario or grid point (default {runs})")
    parser.add_argument("--seed", type=argtypes.seed, default=0, help="random seed, 0 to 2**64 - 1 (default 0)")
    parser.add_argument("--workers", type=argtypes.positive_int, default=None,
                        help="worker processes (default and most: the cores available)")
    parser.add_argument("--backend", choices=("local", "dask"), default="local", help="where chunks run")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address, with --backend dask")
    parser.add_argument("--out", type=Path, default=None, help="write runs (Parquet), summary.json, figures here")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted batch in --out")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table (no progress bar)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="escalation", description="Agent-based simulator of the October 2025 "
                     "Afghanistan-Pakistan crisis: single runs, batches, sweeps, calibration and a browser app.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one scenario once and print its timeline and outcome")
    run.add_argument("scenario", help="scenario TOML file, or a shipped scenario's name (e.g. october_2025)")
    run.add_argument("--seed", type=argtypes.seed, default=0, help="random seed, 0 to 2**64 - 1 (default 0)")
    run.add_argument("--run", type=argtypes.run_index, default=0, help="run index within the seed (default 0)")
    run.add_argument("--days", type=argtypes.days, default=None,
                     help=f"days to simulate, 1 to {argtypes.MAX_DAYS} (default: the horizon)")
    run.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    run.add_argument("--out", type=Path, default=None, help="also write events.csv, series.csv and a figure here")
    run.set_defaults(handler=cmd_run)

    batch = sub.add_parser("batch", help="many runs of one or more scenarios: outcome shares with intervals")
    batch.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario TOML files or shipped names")
    _add_batch_options(batch, 10_000)
    batch.add_argument("--chunk-size", type=argtypes.chunk_size, default=2048,
                       help=f"lanes per model instance, 1 to {argtypes.MAX_CHUNK} (default 2048)")
    batch.set_defaults(handler=cmd_batch)

    sweep = sub.add_parser("sweep", help="P(de-escalated) over a grid of one or two parameters")
    sweep.add_argument("scenario", help="scenario TOML file or shipped name")
    sweep.add_argument("--param", action="append", required=True, metavar="KEY=START:STOP:N",
                       help="a parameter axis, e.g. pakistan.retaliation_propensity=0:2:9 (once or twice)")
    _add_batch_options(sweep, 1000)
    sweep.set_defaults(handler=cmd_sweep)

    comp = sub.add_parser("compare", help="two scenarios paired run by run (common random numbers)")
    comp.add_argument("a", metavar="A.toml")
    comp.add_argument("b", metavar="B.toml")
    _add_batch_options(comp, 10_000)
    comp.set_defaults(handler=cmd_compare)

    replay = sub.add_parser("replay", help="replay one run of a stored batch, exactly as counted")
    replay.add_argument("directory", type=Path, metavar="DIR", help="a batch's --out directory")
    replay.add_argument("--run", type=argtypes.run_index, required=True, help="run index (row, for a sweep)")
    replay.add_argument("--scenario", default=None, help="scenario name, when the batch holds several")
    replay.add_argument("--json", action="store_true", help="print one JSON object")
    replay.set_defaults(handler=cmd_replay)

    viz = sub.add_parser("viz", help="the browser app (Mesa SolaraViz) for one scenario, or a replayed run")
    viz.add_argument("scenario", nargs="?", default=None, help="scenario TOML file or shipped name (default: october_2025)")
    viz.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    viz.add_argument("--port", type=argtypes.port, default=8765, help="port, 1 to 65535 (default 8765)")
    viz.add_argument("--replay", type=Path, default=None, metavar="DIR", help="a batch's --out directory")
    viz.add_argument("--run", type=argtypes.run_index, default=None, help="run to replay, with --replay")
    viz.set_defaults(handler=cmd_viz)

    from .calibrate.cli import register as register_calibrate

    register_calibrate(sub)
    from .forecast.cli import register as register_forecast

    register_forecast(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # A pure C locale (PYTHONUTF8=0) gives ASCII streams: a name like "Türkiye" must not crash the output.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except (ScenarioError, UsageError) as err:
        print(f"escalation: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("escalation: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
