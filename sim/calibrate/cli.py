"""Subcommands ``calibrate``, ``check``, ``sensitivity`` and ``discover`` of ``escalation``.

``register(subparsers)`` adds them to the main parser (``sim.cli`` calls it); each handler
parses nothing itself, calls one library function and prints. User errors are raised as
``ScenarioError`` / ``UsageError`` and printed by ``sim.cli.main`` (exit status 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..argtypes import cap_workers, final_moves, moves, positive_int, probability, seed
from ..errors import UsageError
from ..scenario import load_scenario


def _targets(args: argparse.Namespace, scenario):
    from .targets import load_targets
    from .workflow import DEFAULT_TARGETS

    targets = load_targets(args.targets or DEFAULT_TARGETS, scenario)
    targets.check_scenario(scenario)
    return targets


#: Options of `calibrate` that mean something only with --episodes (the joint calibration), with
#: their defaults there, and those that mean something only without it (one case, ABC-SMC).
JOINT_ONLY = {"exclude": None, "moves": 2, "refresh": 0.15, "final_moves": 4, "independent_facts": False,
              "structure": "shared", "weights_from": None, "attacks": None, "no_attacks": False}
ONE_CASE_ONLY = {"targets": None, "scenario": None, "sims": 1_000_000, "params": None, "check_runs": 20_000}


def _settle_calibrate_options(args: argparse.Namespace) -> None:
    """Refuse an option the chosen calibration would ignore; fill the defaults of the others."""
    ignored, used = (ONE_CASE_ONLY, JOINT_ONLY) if args.episodes is not None else (JOINT_ONLY, ONE_CASE_ONLY)
    for key, default in ignored.items():
        if getattr(args, key) not in (None, False):
            flag = "--" + key.replace("_", "-")
            raise UsageError(f"{flag}: " + ("does not apply with --episodes (it is for one case)"
                                            if args.episodes is not None else "only means something with --episodes"))
        setattr(args, key, default)
    for key, default in used.items():
        if getattr(args, key) is None:
            setattr(args, key, default)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from .episodes import ATTACKS_DIR
    from .workflow import calibrate_episodes_to_files, calibrate_to_files

    _settle_calibrate_options(args)
    if args.episodes is not None:
        joint = calibrate_episodes_to_files(None if args.episodes == "shipped" else args.episodes, args.out,
                                            args.population, args.replicates, args.seed, cap_workers(args.workers),
                                            progress=True, resume=args.resume, install=args.install,
                                            moves=args.moves, exclude=args.exclude, refresh=args.refresh,
                                            final_moves=args.final_moves, independent_facts=args.independent_facts,
                                            structure=args.structure, weights_from=args.weights_from,
                                            attacks_dir=None if args.no_attacks else args.attacks or ATTACKS_DIR)
        j = joint.calibration
        if j.resumed_after is not None:
            print(f"resumed from {args.out / 'checkpoint.npz'} after generation {j.resumed_after}")
        ident = j.identification()
        print(f"tempered SMC over {len(j.episodes)} episodes: {j.runs:,} runs, {len(j.history)} generations, "
              f"{j.seconds:.1f} s ({j.runs / max(j.seconds, 1e-9):,.0f} runs/s); "
              f"{j.distinct} of {len(j.theta)} final particles distinct; "
              f"{sum(v < 0.8 for v in ident.values())} of {len(ident)} parameters narrowed below 0.8 of the prior's sd "
              f"(unread controls: {', '.join(f'{v:.2f}' for v in j.null_sd_ratio)})")
        print(f"wrote {joint.posterior_path}, {joint.loglik_path}, {joint.scenario_path} and {joint.report_path}")
        if joint.installed:
            print(f"installed {', '.join(str(p) for p in joint.installed)}")
        return 0
    run = calibrate_to_files(args.scenario, args.targets, args.sims, args.seed, args.out, args.population,
                             args.check_runs, cap_workers(args.workers), progress=True, keys=args.params,
                             replicates=args.replicates, resume=args.resume, install=args.install)
    c = run.calibration
    if c.resumed_after is not None:
        print(f"resumed from {args.out / 'checkpoint.npz'} after generation {c.resumed_after}")
    print(f"ABC-SMC: {c.sims:,} runs, {len(c.generations)} generations, {c.seconds:.1f} s "
          f"({c.sims / c.seconds:,.0f} runs/s); final tolerance {c.generations[-1].epsilon:.3f}, ESS {c.ess:.0f}")
    for name, share in (("prior", run.prior.sequence), ("posterior", run.posterior.sequence)):
        print(f"whole ordered sequence, {name} predictive: {100 * share[0]:.1f}% "
              f"[{100 * share[1]:.1f}, {100 * share[2]:.1f}]")
    print(f"wrote {run.posterior_path}, {run.scenario_path} and {run.report_path}")
    if run.installed:
        print(f"installed {' and '.join(str(p) for p in run.installed)}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .check import check

    scenario = load_scenario(args.scenario)
    result = check(scenario, _targets(args, scenario), args.runs, args.seed, prior=args.prior,
                   workers=cap_workers(args.workers))
    print(json.dumps(result.to_json(), indent=2) if args.json else result.table())
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from .sensitivity import sensitivity

    result = sensitivity(load_scenario(args.scenario), args.params, args.samples, replicates=args.replicates,
                         seed=args.seed, workers=cap_workers(args.workers), progress=True, out=args.out)
    print(result.table())
    if args.out:
        print(f"\nwrote sobol.csv and sobol.png to {args.out}")
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    from .discovery import discover

    result = discover(load_scenario(args.scenario), args.runs, seed=args.seed, workers=cap_workers(args.workers),
                      progress=True, out=args.out)
    print(result.table())
    if args.out:
        print(f"\nwrote boxes.csv and boxes.png to {args.out}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate

    result = validate(args.episodes, args.posterior, args.leave_one_out, args.particles, args.replicates,
                      args.seed, args.out, args.refits, args.given)
    if result.particles < args.particles:
        print(f"note: --particles {args.particles:,} is more than the posterior holds; all its {result.particles:,} "
              "draws were used", file=sys.stderr)
    print(json.dumps(result.to_json(), indent=2) if args.json else result.table())
    if args.out and not args.json:
        print(f"\nwrote validation.json, facts.csv and reliability.png to {args.out}")
    return 0


def cmd_ensemble(args: argparse.Namespace) -> int:
    from .ensemble import ensemble_to_files

    ensemble, written = ensemble_to_files(args.calibrations, args.out, args.install)
    print(json.dumps(ensemble.to_json(), indent=2) if args.json else ensemble.table())
    if not args.json:
        print(f"\nwrote {len(written)} files under {args.out}" + (" and beside the scenario" if args.install else ""))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the calibration subcommands to ``escalation``'s subparsers."""
    cal = subparsers.add_parser("calibrate", help="ABC-SMC calibration of the priors to the seed article's facts")
    cal.add_argument("--targets", default=None, help="targets TOML or shipped name (default: the shipped october_2025)")
    cal.add_argument("--episodes", nargs="?", const="shipped", default=None, metavar="DIR",
                     help="calibrate jointly on every episode of DIR (default: the shipped scenarios/episodes/) "
                     "and the October 2025 case, by tempered SMC; --targets, --scenario, --sims and --params "
                     "do not apply")
    cal.add_argument("--scenario", default=None, help="scenario TOML or shipped name, with [priors] (default: the targets' scenario)")
    cal.add_argument("--sims", type=positive_int, default=None, help="simulated runs in all (default 1000000)")
    cal.add_argument("--population", type=positive_int, default=1000, help="particles (default 1000)")
    cal.add_argument("--replicates", type=positive_int, default=16,
                     help="runs per particle; a generation is population x replicates runs (default 16)")
    cal.add_argument("--params", nargs="+", default=None, metavar="KEY",
                     help="calibrate only these prior keys; the others keep their priors (default: all)")
    cal.add_argument("--exclude", nargs="+", default=None, metavar="ID",
                     help="with --episodes: leave these cases out (e.g. an exact leave-one-out refit)")
    cal.add_argument("--moves", type=moves, default=None,
                     help="with --episodes: Metropolis steps per particle and generation, alternating a random walk "
                          "and a prior refresh (default 2)")
    cal.add_argument("--refresh", type=probability, default=None,
                     help="with --episodes: chance that a prior refresh draws each parameter anew (default 0.15)")
    cal.add_argument("--final-moves", type=final_moves, default=None,
                     help="with --episodes: steps after the last tempering generation, to rejuvenate (default 4)")
    cal.add_argument("--independent-facts", action="store_true",
                     help="with --episodes: count every fact of a case as independent evidence (no dependence "
                          "weights; over-counts correlated facts)")
    cal.add_argument("--structure", default=None, metavar="NAME|FILE",
                     help="with --episodes: the structural alternative whose priors join the scenario's (a shipped "
                          "name of scenarios/structures/, or a file; default shared)")
    cal.add_argument("--weights-from", type=Path, default=None, metavar="DIR",
                     help="with --episodes: take the dependence weights of the calibration in DIR, so that the two "
                          "evidences can be weighed against each other (escalation ensemble)")
    attacks = cal.add_mutually_exclusive_group()
    attacks.add_argument("--attacks", type=Path, default=None, metavar="DIR",
                     help="with --episodes: add the cases of DIR, attacks that became no episode (default: the shipped "
                          "scenarios/attacks/, the attacks of Annex A that drew no strike within 7 days)")
    attacks.add_argument("--no-attacks", action="store_true", help="with --episodes: leave the attacks out")
    cal.add_argument("--check-runs", type=positive_int, default=None, help="runs per predictive check (default 20000)")
    cal.add_argument("--seed", type=seed, default=0, help="random seed, 0 to 2**64 - 1 (default 0)")
    cal.add_argument("--workers", type=positive_int, default=None, help="worker processes (default and most: the cores available)")
    cal.add_argument("--out", type=Path, default=Path("calibration"),
                     help="where everything is written: posterior, calibrated scenario, report (default calibration/)")
    cal.add_argument("--resume", action="store_true",
                     help="continue a killed calibration from --out/checkpoint.npz (same settings)")
    cal.add_argument("--install", action="store_true",
                     help="also write the posterior and the calibrated scenario beside the scenario file, "
                     "replacing the ones there (e.g. scenarios/october_2025_calibrated.toml)")
    cal.set_defaults(handler=cmd_calibrate)

    chk = subparsers.add_parser("check", help="share of runs meeting each target and the whole ordered sequence")
    chk.add_argument("scenario", help="scenario TOML (with a posterior, runs draw their parameters from it)")
    chk.add_argument("--targets", default=None, help="targets TOML or shipped name (default: the shipped october_2025)")
    chk.add_argument("--runs", type=positive_int, default=10_000, help="runs (default 10000)")
    chk.add_argument("--seed", type=seed, default=0, help="random seed, 0 to 2**64 - 1 (default 0)")
    chk.add_argument("--prior", action="store_true", help="draw parameters from the [priors] instead")
    chk.add_argument("--workers", type=positive_int, default=None, help="worker processes (default and most: the cores available)")
    chk.add_argument("--json", action="store_true", help='print {"runs", "targets": {name: share}, "sequence"}')
    chk.set_defaults(handler=cmd_check)

    sen = subparsers.add_parser("sensitivity", help="Sobol indices of P(de-escalated) and days to first ceasefire")
    sen.add_argument("scenario", help="scenario TOML (ranges: its posterior's central 90%% if calibrated, else its [priors])")
    sen.add_argument("--params", nargs="+", default=None, metavar="KEY",
                     help="parameters (default: every one with a prior)")
    sen.add_argument("--samples", type=positive_int, default=64, help="Saltelli base samples N (default 64)")
    sen.add_argument("--replicates", type=positive_int, default=16, help="runs per sample (default 16)")
    sen.add_argument("--seed", type=seed, default=0, help="random seed, 0 to 2**64 - 1 (default 0)")
    sen.add_argument("--workers", type=positive_int, default=None, help="worker processes (default and most: the cores available)")
    sen.add_argument("--out", type=Path, default=None, help="write sobol.csv and sobol.png here")
    sen.set_defaults(handler=cmd_sensitivity)

    val = subparsers.add_parser("validate", help="score the calibrated model on every episode's facts, beside baselines")
    val.add_argument("--episodes", default=None, metavar="DIR",
                     help="folder of <id>.toml / <id>.targets.toml pairs (default: the shipped scenarios/episodes/)")
    val.add_argument("--posterior", default=None, metavar="SCENARIO",
                     help="calibrated scenario whose posterior is scored (default: october_2025_calibrated)")
    val.add_argument("--leave-one-out", action="store_true",
                     help="score each episode under the posterior without it (Pareto-smoothed importance sampling), "
                          "and add the model stacked with climatology, its weight fitted on the other episodes")
    val.add_argument("--refits", type=Path, default=None, metavar="DIR",
                     help="with --leave-one-out: DIR/<id>/october_2025_calibrated.toml, calibrated without case <id> "
                     "(calibrate --episodes --exclude <id>), scores that case exactly instead of by PSIS")
    val.add_argument("--given", choices=("episode", "trigger"), default="episode",
                     help="episode (default): score each case on its runs in scope, as a case of the file is known "
                          "to be an episode; trigger: on every run, as if only the trigger were known")
    val.add_argument("--particles", type=positive_int, default=200, help="posterior draws (default 200)")
    val.add_argument("--replicates", type=positive_int, default=8, help="runs per draw and episode (default 8)")
    val.add_argument("--seed", type=seed, default=0, help="random seed, 0 to 2**64 - 1 (default 0)")
    val.add_argument("--out", type=Path, default=None, help="write validation.json, facts.csv and reliability.png here")
    val.add_argument("--json", action="store_true",
                     help='print {"episodes": {id: {"facts", "brier", "log_score"}}, "mean": {...}}')
    val.set_defaults(handler=cmd_validate)

    ens = subparsers.add_parser("ensemble", help="mix calibrations of alternative structures by their evidence")
    ens.add_argument("calibrations", nargs="+", type=Path, metavar="DIR",
                     help="output folders of `calibrate --episodes --structure NAME`, the later ones calibrated "
                          "--weights-from the first")
    ens.add_argument("--out", type=Path, default=Path("ensemble"),
                     help="write the mixed posterior, each member's calibrated scenario, ensemble.json and report.md "
                          "here (default ensemble/)")
    ens.add_argument("--install", action="store_true",
                     help="also write the mixed posterior and calibrated scenario beside the main scenario, where "
                          "batches, studies and forecasts draw from them")
    ens.add_argument("--json", action="store_true", help="print the members, evidences and probabilities as JSON")
    ens.set_defaults(handler=cmd_ensemble)

    dis = subparsers.add_parser("discover", help="PRIM boxes of parameters leading to war or to de-escalation")
    dis.add_argument("scenario", help="scenario TOML (parameters drawn from its posterior if calibrated, else its [priors])")
    dis.add_argument("--runs", type=positive_int, default=20_000, help="runs (default 20000)")
    dis.add_argument("--seed", type=seed, default=0, help="random seed, 0 to 2**64 - 1 (default 0)")
    dis.add_argument("--workers", type=positive_int, default=None, help="worker processes (default and most: the cores available)")
    dis.add_argument("--out", type=Path, default=None, help="write boxes.csv and boxes.png here")
    dis.set_defaults(handler=cmd_discover)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry for these subcommands (``python -m sim.calibrate.cli``), same errors and exit codes."""
    from ..errors import UsageError
    from ..scenario import ScenarioError

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:
            raise UsageError(f"{self.prog}: {message}")

    parser = Parser(prog="escalation")
    register(parser.add_subparsers(dest="command", required=True, parser_class=Parser))
    try:
        args = parser.parse_args(argv)
        return args.handler(args)
    except (ScenarioError, UsageError) as err:
        print(f"escalation: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
