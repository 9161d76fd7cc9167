"""Condition the calibrated model on the days observed so far, follow the runs that match, answer questions.

**Method: rejection with a stated tolerance** (the study of 13 October generalised). Every run
starts on the scenario's day 0 with its parameters drawn from the posterior (blocks of
``FORECAST_RUNS_PER_DRAW`` runs share a draw); the model runs unchanged through the observed days,
recording what the observation targets look at; a run is *kept* when it meets every one of them
(``sim.forecast.observed``: each report matched within the tolerance, no unreported force,
closure, reopening or ceasefire); the same lanes then go on to the horizon, and each question is
answered in each kept run. The start of the forecast is thus the state the rules themselves
produce from the reported events, and every kept run reproduces the observation exactly in the
stated sense (``tests/test_forecast.py`` replays kept runs one by one to check it).

Why not sequential importance resampling. With an observation that a run either reproduces or
not, a particle filter's weights are 0 or 1, and resampling without new randomness after the
resampling day only duplicates runs: a lane's random numbers are a function of (seed, run index,
decision, day), so a copy of a kept run follows the same path to the end. SIR gains over
rejection only by rejuvenating copies (new random numbers from the resampling day on), which
needs a copy of a lane's state under new streams; the model has no supported state copy, and a
second implementation of the rules is not allowed. Rejection is therefore SIR with 0/1 weights,
done in one pass; the cost of a low match rate is paid in runs, and the output says how many
matched (``matched``) and how many posterior draws they carry (``effective_draws``).

**Intervals, kept apart** (``Forecast.summary``):

* ``param_low`` / ``param_high``: the 95% range of the question's probability over the calibrated
  parameters among the kept runs (``sim.batch.stats.parameter_interval``, per-draw shares with
  their Monte Carlo noise removed); the uncertainty the evidence leaves;
* ``conditioning_low`` / ``conditioning_high``: the probability under the neighbouring tolerances
  (one day tighter and one looser): how the model's days are read against the reports. The
  structures of a calibrated ensemble (docs/CALIBRATION.md, section 3) are in the range over the
  parameters already, each draw being a (structure, parameters) pair; structures never
  calibrated are in neither;
* ``mc_low`` / ``mc_high``: the 95% Wilson interval over the kept runs at their effective number
  (kept runs of one draw are not independent: ``sim.batch.stats.design_effect``), the Monte Carlo
  precision only (more runs shrink it, not the others);
* ``ci_low`` / ``ci_high``: the envelope of the three, the interval to read. The Monte Carlo
  interval is in it because with few matching runs per draw the range over the parameters is
  itself poorly estimated (it can collapse to a point), and that must not look like certainty.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

import numpy as np

from ..batch.engine import ChunkTask, JobList, check_memory, run_jobs, worker_count
from ..batch.posterior import RUNS_PER_DRAW, PosteriorSampler
from ..batch.stats import parameter_interval, share
from ..calibrate.distance import Observation, facts, observe, terms
from ..calibrate.targets import Targets
from ..errors import UsageError
from ..model import EscalationModel
from ..scenario import Scenario, parameter_specs

CHUNK = 2048
#: Runs that share one posterior draw in a forecast. More than a batch's RUNS_PER_DRAW: only a
#: few runs in a hundred may reproduce an observation, and the range over the parameters needs
#: draws with two or more matching runs (``parameter_interval``).
FORECAST_RUNS_PER_DRAW = 100
#: Below this many matching runs the output warns that the forecast rests on too few runs.
FEW_RUNS = 200
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Condition:
    """One way of reading the observation: its label and its targets (days 0 .. origin - 1)."""

    label: str
    targets: Targets


@dataclass
class ForecastJobs(JobList):
    """Runs 0 .. runs - 1 of a scenario, parameters drawn by ``sampler`` (only the keys the scenario has);
    runs k and j share a draw when k // per_draw == j // per_draw (their random numbers stay their own)."""

    scenario: Scenario
    seed: int
    runs: int
    horizon: int
    sampler: PosteriorSampler | None = None
    per_draw: int = FORECAST_RUNS_PER_DRAW

    def __post_init__(self) -> None:
        specs = parameter_specs(self.scenario.mediators, self.scenario.sites)
        self.keys = [k for k in (self.sampler.keys if self.sampler else []) if k in specs]

    def __len__(self) -> int:
        return self.runs

    def slice(self, start: int, stop: int) -> ChunkTask:
        run_index = np.arange(start, stop, dtype=np.int64)
        # the sampler's draw number is index // RUNS_PER_DRAW: give it index // per_draw instead
        drawn = (self.sampler.draw(self.seed, (run_index // self.per_draw) * RUNS_PER_DRAW)
                 if self.sampler is not None else {})
        params = {k: drawn[k] for k in self.keys}
        return ChunkTask(self.scenario, self.seed, run_index, params, None, self.horizon, start, stop)


def _window_truncated(questions: Targets, q: int, end: int) -> Targets:
    target = questions.targets[q]
    return dataclasses.replace(questions, targets=(dataclasses.replace(target, window=(target.window[0], end)),))


def forecast_chunk(task: ChunkTask, conditions: tuple[Condition, ...], questions: Targets,
                   origin: int) -> dict[str, np.ndarray]:
    """One chunk: run every lane from day 0 through the questions' horizon (the model as it is),
    check the observed days under each condition, answer the questions; return the runs kept
    under any condition."""
    model = EscalationModel(task.scenario, seed=task.seed, run_indices=task.run_index, lane_params=task.params,
                            record_events=False, collect_series=False, horizon=task.horizon)
    union = Targets("union", questions.horizon, tuple(t for c in conditions for t in c.targets.targets)
                    + questions.targets, (), "")
    obs = observe(model, union)
    # a run reproduces the observation when every fact holds as observed (an observation may say
    # that something did not happen: observed = false)
    matched = np.array([(facts(obs, c.targets) == np.array([t.observed for t in c.targets.targets])[:, None])
                        .all(axis=0) if c.targets.targets else np.ones(model.lanes, dtype=bool)
                        for c in conditions])
    keep = matched.any(axis=0)
    answers = facts(obs, questions)
    frozen_daily = obs.daily.copy()
    frozen_daily[:, origin:, :] = 0
    frozen_levels = {q: np.vstack([v[:origin + 1], np.repeat(v[origin:origin + 1], len(v) - origin - 1, axis=0)])
                     for q, v in obs.levels.items()}
    persistent = facts(Observation(frozen_daily, frozen_levels, obs.pair_index), questions)
    out = {"run": task.run_index[keep], "matched": matched[:, keep], "answers": answers[:, keep],
           "persistent": persistent[:, keep], "rungs": np.ascontiguousarray(model.rung_history[:, keep].T),
           "ceasefire_day": model.first_ceasefire_day[keep], "ceasefire_host": model.ceasefire_host[keep]}
    for q, target in enumerate(questions.targets):
        a, b = target.window
        out[f"curve:{q}"] = np.vstack([terms(obs, _window_truncated(questions, q, d))[0][keep] <= 1
                                       for d in range(a, b + 1)])
    return out


@dataclass
class Forecast:
    """The kept runs of a forecast and what they answer (``summary`` gives the probabilities)."""

    scenario: Scenario
    questions: Targets               # absolute days
    question_text: dict[str, str]
    conditions: tuple[Condition, ...]
    origin: int
    days: int
    runs: int
    seed: int
    run_index: np.ndarray            # kept under any condition
    matched: np.ndarray              # (conditions, kept)
    answers: np.ndarray              # (questions, kept)
    persistent: np.ndarray           # (questions, kept): the answer if nothing changed after the origin
    rungs: np.ndarray                # (kept, origin + days)
    ceasefire_day: np.ndarray
    ceasefire_host: np.ndarray
    curves: list[np.ndarray]         # per question (days of its window, kept)
    per_draw: int = FORECAST_RUNS_PER_DRAW
    metadata: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return self.questions.names()

    @property
    def main(self) -> np.ndarray:
        """Which kept runs reproduce the observation under the stated (first) condition."""
        return self.matched[0]

    @property
    def n_matched(self) -> int:
        return int(self.main.sum())

    def effective_draws(self) -> float:
        """Kish's effective number of posterior draws behind the matched runs (draws weighted by
        how many of their runs matched)."""
        _, sizes = np.unique(self.run_index[self.main] // self.per_draw, return_counts=True)
        return float(sizes.sum() ** 2 / (sizes ** 2).sum()) if sizes.size else 0.0

    def question(self, name: str) -> dict:
        """One question's probability with its intervals (module docstring: which is which)."""
        q = self.names.index(name)
        keep = self.main
        n = int(keep.sum())
        entry: dict = {"text": self.question_text.get(name, ""), "p": None, "ci_low": None, "ci_high": None}
        if n == 0:
            return entry
        values = self.answers[q][keep]
        draws = self.run_index[keep] // self.per_draw
        p, mc_low, mc_high = share(values, draws)
        interval = parameter_interval(values, draws)
        alternatives = [float(self.answers[q][m].mean()) for m in self.matched[1:] if m.sum() >= FEW_RUNS]
        # the interval to read covers all three: a range over the parameters estimated from few
        # matching runs may collapse below the Monte Carlo error, which it must not hide
        lows = [p, mc_low] + alternatives + ([interval[0]] if interval else [])
        highs = [p, mc_high] + alternatives + ([interval[1]] if interval else [])
        entry.update(p=p, ci_low=float(min(lows)), ci_high=float(max(highs)), mc_low=mc_low, mc_high=mc_high,
                     param_low=interval[0] if interval else None, param_high=interval[1] if interval else None,
                     conditioning_low=float(min([p] + alternatives)), conditioning_high=float(max([p] + alternatives)),
                     persistence_answer=bool(self.persistent[q][keep].mean() >= 0.5))
        if interval is None:
            entry["note"] = ("fewer than 10 posterior draws with 2 or more matching runs: no range over the "
                             "parameters; ci is the Monte Carlo interval and the conditioning range only")
        return entry

    def curve(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Days from the origin, and the probability that the answer is yes were the window to end that day."""
        q = self.names.index(name)
        a = self.questions.targets[q].window[0] - self.origin
        values = self.curves[q][:, self.main]
        share = values.mean(axis=1) if values.shape[1] else np.full(len(values), np.nan)
        return np.arange(a, a + len(values)), share

    def host_shares(self, within: int | None = None) -> dict[str, float]:
        """Who hosted the first ceasefire among the matched runs that had one after the origin
        (within ``within`` days of it, if given); the parties' own channel is a host too."""
        day = self.ceasefire_day[self.main]
        host = self.ceasefire_host[self.main]
        end = self.origin + (within if within is not None else self.days)
        had = (day >= self.origin) & (day < end)
        total = max(int(had.sum()), 1)
        return {m: float(((host == i) & had).sum() / total) for i, m in enumerate(self.scenario.mediators)}

    def summary(self) -> dict:
        """forecast.json: one entry per question, then the conditioning and the metadata."""
        out: dict = {name: self.question(name) for name in self.names}
        n = self.n_matched
        out["first_ceasefire_host_shares"] = self.host_shares()
        out["conditioning"] = {
            "method": "rejection: runs from day 0 with posterior parameters, kept when they reproduce every "
                      "observed day within the tolerance (sim/forecast/core.py)",
            "runs_simulated": self.runs, "matched": n, "share_matched": n / self.runs if self.runs else 0.0,
            "effective_draws": self.effective_draws(),
            "alternatives": {c.label: int(m.sum()) for c, m in zip(self.conditions, self.matched, strict=True)},
            "stated": self.conditions[0].label, "origin_day": self.origin, "days": self.days,
            "runs_per_draw": self.per_draw,
        }
        if n == 0:
            out["warning"] = (f"no run of {self.runs:,} reproduced the observed events ({self.conditions[0].label}): "
                              "no forecast; more --runs or a looser --tolerance may find some (never widened silently)")
        elif n < FEW_RUNS:
            out["warning"] = (f"only {n} of {self.runs:,} runs reproduced the observed events: the probabilities rest "
                              "on few runs; give more --runs")
        out["intervals"] = ("param_low/param_high: 95% range of the probability over the calibrated parameters "
                            "among the matched runs; conditioning_low/conditioning_high: the probability under the "
                            "neighbouring tolerances (the calibrated ensemble's structures are in the range over the "
                            "parameters); mc_low/mc_high: 95% Wilson interval over the matched runs at their effective "
                            "number (matched runs of one draw are not independent), Monte Carlo precision only; "
                            "ci_low/ci_high: the envelope of the three.")
        out["metadata"] = self.metadata
        return out


def run_forecast(scenario: Scenario, conditions: list[Condition], questions: Targets, origin: int, days: int,
                 runs: int, seed: int = 0, workers: int | None = 1, sampler: PosteriorSampler | None = None,
                 question_text: dict[str, str] | None = None, chunk: int = CHUNK,
                 per_draw: int = FORECAST_RUNS_PER_DRAW) -> Forecast:
    """Simulate ``runs`` runs (parameters from ``sampler``, default the scenario's posterior), keep those
    reproducing the observation, answer ``questions`` (absolute days, horizon origin + days)."""
    if not conditions:
        raise UsageError("a forecast needs an observation to condition on")
    if origin + days > 3650:
        raise UsageError(f"--days {days}: the forecast would end on day {origin + days}, beyond day 3650")
    # a kept run keeps its daily rungs and each question's daily curve; at worst every run is kept
    check_memory(runs, (origin + days) * (1 + len(questions.targets)) + 64, f"--runs {runs:,}")
    # a question asks whether its description holds (its answer, once known, is scored by `escalation score`)
    questions = dataclasses.replace(questions, targets=tuple(dataclasses.replace(t, observed=True)
                                                             for t in questions.targets))
    if sampler is None and scenario.posterior:
        sampler = PosteriorSampler(scenario)
    jobs = ForecastJobs(scenario, seed, runs, origin + days, sampler, per_draw)
    bounds = jobs.chunk_bounds(chunk)
    simulate = functools.partial(forecast_chunk, conditions=tuple(conditions), questions=questions, origin=origin)
    parts = dict(run_jobs(jobs, bounds, worker_count(workers, len(bounds)), simulate=simulate))
    ordered = [parts[b] for b in sorted(parts)]

    def cat(key: str, axis: int = 0) -> np.ndarray:
        return np.concatenate([p[key] for p in ordered], axis=axis)

    return Forecast(scenario, questions, question_text or {}, tuple(conditions), origin, days, runs, seed,
                    cat("run"), cat("matched", 1), cat("answers", 1), cat("persistent", 1), cat("rungs"),
                    cat("ceasefire_day"), cat("ceasefire_host"),
                    [cat(f"curve:{q}", 1) for q in range(len(questions.targets))], per_draw)

