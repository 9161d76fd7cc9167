"""``escalation calibrate`` end to end: calibrate, write the posterior and the calibrated
scenario, check prior vs posterior predictive, write the report.

Everything is written under ``out``, which is locked for the whole calibration and checked before
it starts: a trial calibration never touches the shipped files. ``install`` also copies the
posterior and the calibrated scenario beside the scenario file (``posteriors/<name>.parquet``,
``<name>_calibrated.toml``), replacing the ones there: what a user asks for when the result is
to become the calibrated scenario.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..batch.store import refuse_batch_folder
from ..errors import UsageError
from ..io import atomic_write, atomic_write_text, output_folder
from ..scenario import NAME_PATTERN, load_scenario, resolve_scenario_path
from .abc import Calibration, calibrate
from .check import CheckResult, check
from .ensemble import CALIBRATION_RECORD, read_calibration_record, write_calibration_record
from .episodes import ATTACKS_DIR, MAIN_CASE, load_episodes
from .joint import JointCalibration, calibrate_joint
from .posterior import write_calibrated_scenario, write_posterior
from .priors import PriorSpace
from .report import write_report
from .structures import DEFAULT_STRUCTURE, load_structure
from .targets import load_targets

#: Shipped names (package data, see ``sim.scenario.shipped_scenarios``), not paths into a checkout.
DEFAULT_TARGETS = "october_2025"
DEFAULT_SCENARIO = "october_2025"
CHECKPOINT = "checkpoint.npz"


def _checkpoint_in(folder: Path, resume: bool) -> Path:
    """The sampler's checkpoint in a calibration's (locked) output folder; an unfinished one is
    continued only with ``resume``, never silently replaced."""
    refuse_batch_folder(folder)
    checkpoint = folder / CHECKPOINT
    if checkpoint.exists() and not resume:
        raise UsageError(f"{checkpoint}: an unfinished calibration is here; add --resume to continue it, or "
                         "delete the file (or choose another --out) to start afresh")
    return checkpoint


@dataclass
class CalibrationRun:
    calibration: Calibration
    prior: CheckResult
    posterior: CheckResult
    posterior_path: Path
    scenario_path: Path
    report_path: Path
    seconds: float
    installed: list[Path]


def calibrate_to_files(scenario_path: str | Path | None, targets_path: str | Path | None, sims: int, seed: int,
                       out: str | Path, population: int = 1000, check_runs: int = 20_000,
                       workers: int | None = None, progress: bool = False,
                       keys: list[str] | None = None, replicates: int = 16, resume: bool = False,
                       install: bool = False) -> CalibrationRun:
    """Calibrate, then write ``out/posteriors/<name>.parquet``, ``out/<name>_calibrated.toml`` and
    ``out/report.md`` with its figures (with ``install``, the first two beside the scenario too).

    The sampler's state goes to ``out/checkpoint.npz`` after every generation; ``resume``
    continues a killed calibration from it, and without ``resume`` an existing one is refused
    (never silently deleted). It is removed once the outputs are written."""
    start = time.perf_counter()
    targets_path = resolve_scenario_path(targets_path or DEFAULT_TARGETS, kind="targets")
    targets = load_targets(targets_path)
    scenario_path = resolve_scenario_path(scenario_path or targets.scenario_path or DEFAULT_SCENARIO)
    scenario = load_scenario(scenario_path)
    targets = load_targets(targets_path, scenario)
    calibrated_name = f"{scenario.name}_calibrated"
    if not NAME_PATTERN.fullmatch(calibrated_name):
        raise UsageError(f"{scenario.source}: key 'scenario.name': {scenario.name!r} is too long to name its calibrated "
                         f"scenario {calibrated_name!r} (at most {64 - len('_calibrated')} characters)")
    PriorSpace.from_scenario(scenario, keys)  # a bad --params is said before the folder is made
    with output_folder(out) as folder:
        checkpoint = _checkpoint_in(folder, resume)
        result = calibrate(scenario, targets, sims=sims, population=population, seed=seed, workers=workers,
                           progress=progress, keys=keys, replicates=replicates, checkpoint=checkpoint, resume=resume)
        note = (f"{result.sims:,} simulations, seed {seed}, population {population}, targets "
                f"{targets_path.name}, {replicates} runs per particle, {dt.date.today().isoformat()}")
        posterior_path = write_posterior(result, folder / "posteriors" / f"{scenario.name}.parquet", scenario)
        calibrated_path = write_calibrated_scenario(scenario, result, posterior_path,
                                                    folder / f"{scenario.name}_calibrated.toml", note)
        prior = check(scenario, targets, check_runs, seed, prior=True, workers=workers)
        posterior = check(load_scenario(calibrated_path), targets, check_runs, seed, workers=workers)
        header = [f"Scenario `{scenario_path.name}`, targets `{targets_path.name}` ({len(targets.targets)} targets, "
                  f"{len(targets.orders)} order constraints), seed {seed}.",
                  f"ABC-SMC: {result.sims:,} simulated runs in {len(result.generations)} generations of "
                  f"{population:,} particles x {replicates} runs, "
                  f"{result.seconds:.1f} s ({result.sims / result.seconds:,.0f} runs/s).",
                  f"Outputs: `{posterior_path.name}` (posterior samples), `{calibrated_path.name}` (calibrated scenario)."]
        report = write_report(result, prior, posterior, folder, header)
        installed = []
        if install:
            beside = scenario_path.parent
            installed.append(write_posterior(result, beside / "posteriors" / f"{scenario.name}.parquet", scenario))
            installed.append(write_calibrated_scenario(scenario, result, installed[0],
                                                       beside / f"{scenario.name}_calibrated.toml", note))
        checkpoint.unlink(missing_ok=True)
    return CalibrationRun(result, prior, posterior, posterior_path, calibrated_path, report,
                          time.perf_counter() - start, installed)


@dataclass
class JointRun:
    calibration: JointCalibration
    posterior_path: Path
    loglik_path: Path
    scenario_path: Path
    report_path: Path
    installed: list[Path]


def calibrate_episodes_to_files(episodes_dir: str | Path | None, out: str | Path, population: int = 500,
                                replicates: int = 16, seed: int = 0, workers: int | None = None,
                                progress: bool = False, resume: bool = False, install: bool = False,
                                moves: int = 2, exclude: list[str] | None = None, refresh: float = 0.15,
                                final_moves: int = 4, independent_facts: bool = False,
                                structure: str | Path = DEFAULT_STRUCTURE,
                                weights_from: str | Path | None = None,
                                attacks_dir: str | Path | None = ATTACKS_DIR) -> JointRun:
    """Calibrate the main scenario's priors, with those ``structure`` adds, on every episode and
    the October case at once (``sim.calibrate.joint``), then write under ``out``:
    ``posteriors/<name>.parquet`` (the particles), ``posteriors/<name>.loglik.parquet`` (each
    particle's log-likelihood per episode, for leave-one-out validation),
    ``<name>_calibrated.toml``, ``report.md`` and ``calibration.json`` (the structure, its log
    evidence, the dependence weights and the settings: what ``escalation ensemble`` reads).
    ``exclude`` leaves cases out (an exact leave-one-out refit); ``weights_from`` (a calibration
    folder) takes its dependence weights, so that the two evidences are of one likelihood.
    ``attacks_dir`` adds its cases (default: the shipped attacks that drew no strike; None: none)."""
    main = load_scenario(resolve_scenario_path(MAIN_CASE[0]))  # the October 2025 case, whose priors are calibrated
    chosen = load_structure(structure, main)  # a mistake in it is named before the episodes are read
    episodes = load_episodes(episodes_dir)
    if attacks_dir is not None:
        episodes += load_episodes(attacks_dir, main_case=False, flag="--attacks")
    ids = [e.id for e in episodes]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise UsageError(f"--attacks {attacks_dir}: case {', '.join(twice)} is also an episode; every case needs "
                         "an id of its own")
    unknown = sorted(set(exclude or ()) - {e.id for e in episodes})
    if unknown:
        raise UsageError(f"--exclude: no episode {', '.join(unknown)}; the episodes are "
                         f"{', '.join(e.id for e in episodes)}")
    episodes = [e for e in episodes if e.id not in set(exclude or ())]
    if not episodes:
        raise UsageError("--exclude: nothing left to calibrate on")
    space = PriorSpace.from_priors(chosen.priors_of(main), main.source)
    given = None
    if weights_from is not None:
        if independent_facts:
            raise UsageError("--weights-from: takes another calibration's dependence weights; "
                             "--independent-facts drops them: choose one")
        given = read_calibration_record(weights_from).weights_for([e.id for e in episodes])
    with output_folder(out) as folder:
        checkpoint = _checkpoint_in(folder, resume)
        result = calibrate_joint(episodes, space, population, replicates, seed, moves, workers, checkpoint, progress,
                                 refresh, final_moves, independent_facts, given)
        as_abc = Calibration(space, result.theta, np.full(len(result.theta), 1 / len(result.theta)),
                             np.zeros((len(result.theta), 1)), seed=seed, sims=result.runs, seconds=result.seconds)
        left_out = f", left out: {', '.join(exclude)}" if exclude else ""
        note = (f"structure {chosen.name}; {result.runs:,} simulations, seed {seed}, population {population}, "
                f"{len(episodes)} cases "
                f"({', '.join(e.id for e in episodes)}){left_out}, {replicates} runs per particle "
                f"and case, {moves} moves a generation (refresh {refresh}) and {final_moves} at the end, "
                f"{'facts as independent' if independent_facts else 'facts weighted for their dependence'}, "
                f"{dt.date.today().isoformat()}")
        posterior_path = write_posterior(as_abc, folder / "posteriors" / f"{main.name}.parquet", main)
        loglik_path = write_loglik(result, loglik_path_for(posterior_path))
        scenario_path = write_calibrated_scenario(
            main, as_abc, posterior_path, folder / f"{main.name}_calibrated.toml", note,
            evidence=f"the facts of {len(episodes)} cases ({', '.join(e.id for e in episodes)})",
            method="the facts of the earlier episodes (scenarios/episodes/) and of the seed article at once, "
                   "by tempered SMC on a synthetic likelihood")
        report = write_joint_report(result, folder / "report.md", note)
        write_calibration_record(folder / CALIBRATION_RECORD, result, chosen, note, replicates)
        installed = []
        if install:
            beside = Path(main.source).parent
            installed.append(write_posterior(as_abc, beside / "posteriors" / f"{main.name}.parquet", main))
            installed.append(write_loglik(result, loglik_path_for(installed[0])))
            installed.append(write_calibrated_scenario(
                main, as_abc, installed[0], beside / f"{main.name}_calibrated.toml", note,
                evidence=f"the facts of {len(episodes)} cases ({', '.join(e.id for e in episodes)})",
                method="the facts of the earlier episodes (scenarios/episodes/) and of the seed article at once, "
                       "by tempered SMC on a synthetic likelihood"))
        checkpoint.unlink(missing_ok=True)
    return JointRun(result, posterior_path, loglik_path, scenario_path, report, installed)


def loglik_path_for(posterior_path: Path) -> Path:
    """Where the per-episode log-likelihoods of a posterior's particles are kept: beside it."""
    return posterior_path.with_name(posterior_path.name.removesuffix(".parquet") + ".loglik.parquet")


def write_loglik(result: JointCalibration, path: Path) -> Path:
    frame = pd.DataFrame(result.loglik.T, columns=result.episodes)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def write_joint_report(result: JointCalibration, path: Path, note: str) -> Path:
    """How the joint calibration went and what it identified (posterior sd / prior sd per parameter)."""
    lines = ["# Joint calibration on the earlier episodes and the October 2025 case", "", note, "",
             f"{result.runs:,} simulated runs in {result.seconds:.0f} s ({result.runs / max(result.seconds, 1e-9):,.0f} "
             f"runs/s), {len(result.history)} tempering generations; {result.distinct} of {len(result.theta)} final "
             f"particles distinct. Log evidence (SMC estimate): {result.log_evidence:.2f}.", "",
             "| generation | stage | beta | ESS before resampling | walks accepted | refreshes accepted | "
             "mean log-likelihood | runs | seconds |", "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {h['generation']} | {h.get('stage', 'tempering')} | {h['beta']:.4f} | "
              f"{h['ess_before_resampling']:.0f} | {h['acceptance']:.2f} | {h.get('refresh_acceptance', 0):.2f} | "
              f"{h['mean_loglik']:.1f} | {h['runs']:,} | {h['seconds']:.0f} |" for h in result.history]
    lines += ["", "## Dependence weights of the cases' facts (Kish's design effect; 1 = independent)", "",
              "| case | facts | weight | counted as facts |", "|---|---|---|---|"]
    for case, weight, facts in zip(result.episodes, result.weights, result.facts, strict=True):
        lines.append(f"| {case} | {facts} | {weight:.2f} | {weight * facts:.1f} |")
    nulls = ", ".join(f"{v:.2f}" for v in result.null_sd_ratio)
    lines += ["", "## Identification: posterior sd / prior sd (in the prior's unit box; 1 = nothing learnt)", "",
              f"The unread controls (coordinates no fact can inform) come out at {nulls}: the sampler's own "
              "narrowing, against which the ratios below are read.", "",
              "| parameter | sd ratio | posterior median | 90% interval |", "|---|---|---|---|"]
    ident = result.identification()
    for i, key in sorted(enumerate(result.space.keys), key=lambda kv: ident[kv[1]]):
        q = np.quantile(result.theta[:, i], [0.05, 0.5, 0.95])
        lines.append(f"| `{key}` | {ident[key]:.2f} | {q[1]:.4g} | [{q[0]:.4g}, {q[2]:.4g}] |")
    return atomic_write_text(path, "\n".join(lines) + "\n")
