"""The ``escalation`` command: a thin layer that parses, calls one library function, prints.

Every user error (a bad scenario, a bad flag value) ends with one line on stderr naming the
file, the key and what is allowed, and exit status 2 -- never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import UsageError
from .scenario import ScenarioError, load_scenario


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        raise UsageError(f"{self.prog}: {message}")


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected a positive integer, got 0")
    return value


def cmd_run(args: argparse.Namespace) -> int:
    from .results import RunResult

    scenario = load_scenario(args.scenario)
    result = RunResult.simulate(scenario, seed=args.seed, run=args.run, days=args.days)
    if args.out:
        result.write(args.out)
    if args.json:
        print(result.to_json())
    else:
        print(result.report())
        if args.out:
            print(f"\nWrote events.csv, series.csv, run.json and ladder.png to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="escalation", description="Agent-based simulator of the October 2025 "
                     "Afghanistan-Pakistan crisis: single runs, batches, sweeps, calibration and a browser app.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one scenario once and print its timeline and outcome")
    run.add_argument("scenario", help="scenario TOML file")
    run.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")
    run.add_argument("--run", type=non_negative_int, default=0, help="run index within the seed (default 0)")
    run.add_argument("--days", type=positive_int, default=None, help="days to simulate (default: the horizon)")
    run.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    run.add_argument("--out", type=Path, default=None, help="also write events.csv, series.csv and a figure here")
    run.set_defaults(handler=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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
