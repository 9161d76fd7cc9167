"""``escalation forecast``: files in (scenario, observed events, questions), forecast.json and figures out."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..batch.store import package_version, refuse_batch_folder
from ..errors import UsageError
from ..io import atomic_write_text, dumps, output_folder
from ..scenario import Scenario
from .baselines import episode_baselines
from .core import Condition, Forecast, run_forecast
from .observed import ObservedEvents, observation_targets, read_events
from .questions import Questions, load_questions

MAX_TOLERANCE = 7


@dataclass
class ForecastRun:
    """A forecast made from files, with what it was made from."""

    forecast: Forecast
    observed: ObservedEvents
    questions: Questions
    tolerance: int

    def summary(self) -> dict:
        out = self.forecast.summary()
        base = episode_baselines(self.questions.names(), {n: out[n].get("persistence_answer") for n in
                                                          self.questions.names()})
        for name in self.questions.names():
            out[name]["baselines"] = base[name]
        return out


def _date(scenario: Scenario, day: int) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(scenario.start_date) + dt.timedelta(days=day)).isoformat()


def forecast_from_files(scenario: Scenario, observed_path: str | Path, questions_path: str | Path,
                        days: int | None = None, runs: int = 20_000, seed: int = 0, tolerance: int = 1,
                        through: str | None = None, mapping: str | Path | None = None,
                        workers: int | None = 1) -> ForecastRun:
    """Read the files, condition on the observed days (stated tolerance and its neighbours), answer the questions."""
    if not 0 <= tolerance <= MAX_TOLERANCE:
        raise UsageError(f"--tolerance {tolerance}: expected whole days in [0, {MAX_TOLERANCE}]")
    if not scenario.posterior:
        print(f"escalation: note: {scenario.name} names no posterior; every run uses its fixed parameters, so the "
              "forecast carries no parameter uncertainty", file=sys.stderr)
    observed = read_events(observed_path, scenario, mapping)
    questions = load_questions(questions_path, scenario)
    last = observed.last_day
    if through is not None:
        from .observed import _date as parse_date

        last_observed = parse_date(through, scenario, f"--through {through}")
        if last_observed < last:
            row = max(observed.events, key=lambda e: e.day).row
            raise UsageError(f"--through {through}: {observed.source} row {row} reports an event after it")
        last = last_observed
    origin = last + 1
    days = questions.horizon if days is None else days
    absolute = questions.absolute(origin, days)
    tolerances = [tolerance] + [t for t in (tolerance - 1, tolerance + 1) if 0 <= t <= MAX_TOLERANCE]
    conditions = [Condition(f"tolerance {t} day{'s' if t != 1 else ''}", observation_targets(observed, origin, t))
                  for t in tolerances]
    forecast = run_forecast(scenario, conditions, absolute, origin, days, runs, seed, workers,
                            question_text={q.name: q.source for q in questions.questions})
    forecast.metadata = {
        "version": package_version(), "seed": seed, "runs": runs, "days": days, "tolerance": tolerance,
        "scenario": scenario.name, "scenario_source": scenario.source, "scenario_hash": scenario.content_hash,
        "observed": observed.source, "observed_layout": observed.layout, "observed_sha256": observed.sha256,
        "observed_events": len(observed.events), "mapping": observed.mapping, "mapping_sha256": observed.mapping_sha256,
        "questions": questions.source, "questions_sha256": questions.sha256,
        "first_day": _date(scenario, 0), "last_observed_day": last, "last_observed_date": _date(scenario, last),
        "origin_date": _date(scenario, origin),
        "reproduce": (f"escalation forecast {scenario.source} --observed {observed.source} --questions "
                      f"{questions.source} --days {days} --runs {runs} --seed {seed} --tolerance {tolerance}"
                      + (f" --mapping {observed.mapping}" if observed.mapping else "")
                      + (f" --through {through}" if through else "")),
    }
    return ForecastRun(forecast, observed, questions, tolerance)


def write_forecast(run: ForecastRun, out: str | Path, extra: dict | None = None) -> list[Path]:
    """forecast.json (with ``extra`` entries, e.g. a study's), runs.csv (the matched runs and their
    answers), fan.png and cumulative.png, each written atomically into ``out``."""
    from .figures import cumulative_figure, fan_figure

    with output_folder(out) as folder:
        refuse_batch_folder(folder)
        summary = {**run.summary(), **(extra or {})}
        written = [atomic_write_text(folder / "forecast.json", dumps(summary, indent=2) + "\n")]
        f = run.forecast
        keep = f.main
        lines = ["run,draw," + ",".join(f.names)]
        for k in np.flatnonzero(keep):
            lines.append(f"{f.run_index[k]},{f.run_index[k] // f.per_draw}," + ",".join(str(int(a)) for a in f.answers[:, k]))
        written.append(atomic_write_text(folder / "runs.csv", "\n".join(lines) + "\n"))
        if f.n_matched:
            written += [fan_figure(f, folder / "fan.png"), cumulative_figure(f, folder / "cumulative.png")]
    return written


def table(run: ForecastRun, summary: dict | None = None) -> str:
    """The forecast as text: one line per question, p (range over parameters) [Monte Carlo], then the counts."""
    summary = summary or run.summary()
    c = summary["conditioning"]
    lines = [f"Forecast from {summary['metadata']['origin_date']} (day {c['origin_day']}) for {c['days']} days: "
             f"{c['matched']:,} of {c['runs_simulated']:,} runs reproduce the {len(run.observed.events)} observed events "
             f"({c['stated']}; {c['effective_draws']:.0f} effective posterior draws)", ""]
    width = max(len(n) for n in run.questions.names())
    for name in run.questions.names():
        e = summary[name]
        if e["p"] is None:
            lines.append(f"{name:{width}s}  no forecast")
            continue
        param = (f"param {100 * e['param_low']:.1f}-{100 * e['param_high']:.1f}" if e.get("param_low") is not None
                 else "param n/a")
        lines.append(f"{name:{width}s}  {100 * e['p']:5.1f}%  ci [{100 * e['ci_low']:.1f}, {100 * e['ci_high']:.1f}]"
                     f"  ({param}; tolerances {100 * e['conditioning_low']:.1f}-{100 * e['conditioning_high']:.1f})"
                     f"  mc [{100 * e['mc_low']:.1f}, {100 * e['mc_high']:.1f}]")
    lines += ["", "ci: envelope of the range over the calibrated parameters (and structures, for an ensemble), the "
              "neighbouring tolerances and mc, the Monte Carlo precision.",
              "runs matched per tolerance: " + ", ".join(f"{k}: {v:,}" for k, v in c["alternatives"].items())]
    if "warning" in summary:
        lines.append(f"warning: {summary['warning']}")
    return "\n".join(lines)


def as_json(run: ForecastRun) -> str:
    return dumps(run.summary(), indent=2)



#: What the browser's forecast panel runs: a few thousand runs, one process, a few seconds.
PANEL_RUNS = 3000
PANEL_SCENARIO = "october_2025_calibrated"
PANEL_QUESTIONS = "after_13_october.questions.toml"


def panel_forecast(data: bytes, name: str = "events.csv", runs: int = PANEL_RUNS, seed: int = 0) -> dict:
    """The default questions forecast from an uploaded events file's bytes (the browser's panel):
    forecast.json's content; a bad file raises the same one-line ``UsageError`` as the command."""
    import tempfile

    from ..scenario import load_scenario, resolve_scenario_path
    from .observed import MAX_EVENTS_BYTES

    if len(data) > MAX_EVENTS_BYTES:
        raise UsageError(f"{name}: larger than {MAX_EVENTS_BYTES >> 20} MiB, too large for an events file")
    scenario = load_scenario(resolve_scenario_path(PANEL_SCENARIO))
    with tempfile.TemporaryDirectory(prefix="escalation-forecast-") as folder:
        path = Path(folder) / (Path(name).name or "events.csv")
        path.write_bytes(data)
        run = forecast_from_files(scenario, path, PANEL_QUESTIONS, runs=runs, seed=seed, workers=1)
        summary = run.summary()
    summary["conditioning"]["observed_file"] = Path(name).name
    return summary
