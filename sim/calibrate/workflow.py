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

from ..batch.store import refuse_batch_folder
from ..errors import UsageError
from ..io import output_folder
from ..scenario import NAME_PATTERN, load_scenario, resolve_scenario_path
from .abc import Calibration, calibrate
from .check import CheckResult, check
from .posterior import write_calibrated_scenario, write_posterior
from .report import write_report
from .targets import load_targets

#: Shipped names (package data, see ``sim.scenario.shipped_scenarios``), not paths into a checkout.
DEFAULT_TARGETS = "october_2025"
DEFAULT_SCENARIO = "october_2025"
CHECKPOINT = "checkpoint.npz"


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
    with output_folder(out) as folder:
        refuse_batch_folder(folder)
        checkpoint = folder / CHECKPOINT
        if checkpoint.exists() and not resume:
            raise UsageError(f"{checkpoint}: an unfinished calibration is here; add --resume to continue it, or "
                             "delete the file (or choose another --out) to start afresh")
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
