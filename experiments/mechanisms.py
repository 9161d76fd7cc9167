"""Do the mechanisms behave as the earlier episodes did? Four checks against base_rates.md.

    python experiments/mechanisms.py [--runs 20000] [--seed 0] [--scenario calm_2024] [--posterior] [--out DIR]

Starting from a calm period (``scenarios/calm_2024.toml``, or any scenario given):

1. a TTP attack killing 15 soldiers on day 0: the chance of a Pakistani strike inside
   Afghanistan within 7 days, against the same runs without it (common random numbers);
   episodes: 2 of 13 attacks that killed 5+ drew one (0.15 [0.04, 0.42]), 0 of 6 that killed 10+;
2. a Pakistani airstrike in a border province on day 0: the chance the Taliban strike back
   within 7 days; episodes: 1 of 3 widely reported strikes (0.33 [0.06, 0.79]);
3. a clash at Torkham on day 0: the chance Torkham closes within a day, and how long the
   closure lasts; episodes: the gate shut after 7 of 7 clashes at a crossing town, closures of
   2, 3, 4, 8 and 9 days after a clash (median 4);
4. the calm year itself: ground clashes between the states a year (a day of fighting after at
   least 7 quiet days, without a strike from the air); episodes: 11 in 4.15 years
   (2.65 a year, Poisson 95% interval [1.32, 4.74]).

Writes ``mechanisms.json`` (the figures with 95% Wilson intervals and what reproduces them).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from _common import CALIBRATED, ROOT, metadata, variant, write_json

from sim.batch import run_batch
from sim.batch.posterior import RUNS_PER_DRAW, posterior_params
from sim.batch.results import parameter_draws
from sim.batch.stats import proportion
from sim.batch.stats import share as share_interval
from sim.batch.store import rungs_matrix
from sim.ladder import Action
from sim.scenario import Scenario, load_scenario

EPISODES = {
    "strike_after_mass_casualty_attack": (2, 13),
    "taliban_answer_to_a_strike": (1, 3),
    "closure_after_clash_at_crossing": (7, 7),
}
EPISODE_CLOSURE_DAYS = [2, 3, 4, 8, 9]
EPISODE_CLASHES, EPISODE_YEARS = 11, 4.15


def with_shock(scenario: Scenario, name: str, horizon: int, **shock) -> Scenario:
    """The scenario with one act scheduled on day 0 (none if no shock is given), run for ``horizon`` days."""
    return variant(scenario, name, f"{scenario.name}, {name}", shocks=[{"day": 0, **shock}] if shock else [],
                   **{"scenario.horizon_days": horizon})


def share(hits: np.ndarray, draws: np.ndarray | None) -> dict:
    """A share of runs with its Monte Carlo interval (widened when runs share posterior draws)."""
    p, lo, hi = share_interval(hits, draws)
    return {"p": p, "ci_low": lo, "ci_high": hi, "runs": int(hits.size)}


def wilson(successes: int, trials: int) -> dict:
    p, lo, hi = proportion(successes, trials)
    return {"p": p, "ci_low": lo, "ci_high": hi, "observed": f"{successes} of {trials}"}


def first_kinetic(frame, actor_actions: list[str]) -> np.ndarray:
    """Per run, the first day of any of these actions (-1: never)."""
    days = np.stack([frame[f"first_{a}"].to_numpy() for a in actor_actions])
    days = np.where(days >= 0, days, 10**6).min(axis=0)
    return np.where(days < 10**6, days, -1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "calm_2024.toml"))
    parser.add_argument("--posterior", action="store_true",
                        help="apply the scenario as a what-if of the calibrated scenario: every run draws its "
                             "parameters from the posterior (a posterior predictive check of the mechanisms)")
    parser.add_argument("--out", type=Path, default=ROOT / "experiments" / "output" / "mechanisms")
    args = parser.parse_args(argv)
    calm = load_scenario(args.scenario, base=CALIBRATED) if args.posterior else load_scenario(args.scenario)
    runs, seed = args.runs, args.seed
    result: dict = {"metadata": metadata(scenario=calm.name, runs=runs, seed=seed, content_hash=calm.content_hash,
                                         posterior=calm.posterior or None)}

    # 1. a mass-casualty TTP attack, paired with the same runs without it
    attack = with_shock(calm, "ttp_attack_15", 8, actor="ttp", action="ttp_attack", deaths=15.0)
    quiet = with_shock(calm, "calm_week", 8)
    batch = run_batch([attack, quiet], runs, seed).frames
    strikes = ["airstrike_border_province", "airstrike_capital"]
    hit = {name: (first_kinetic(frame, strikes) >= 0) for name, frame in batch.items()}
    draws = parameter_draws(batch["ttp_attack_15"])
    result["strike_within_7_days_after_a_15_death_attack"] = share(hit["ttp_attack_15"], draws)
    result["strike_within_7_days_without_it"] = share(hit["calm_week"], draws)
    result["episodes_strike_after_attack_5_plus"] = wilson(*EPISODES["strike_after_mass_casualty_attack"])

    # 2. a Pakistani strike in a border province: the Taliban's answer within 7 days
    strike = with_shock(calm, "pakistani_strike", 8, actor="pakistan", action="airstrike_border_province",
                        target="afghanistan")
    result["taliban_answer_within_7_days"] = share(_afghan_answered(strike, runs, seed),
                                                   np.arange(runs) // RUNS_PER_DRAW if strike.posterior else None)
    result["episodes_taliban_answer"] = wilson(*EPISODES["taliban_answer_to_a_strike"])

    # 3. a clash at Torkham: closure and its length
    clash = with_shock(calm, "torkham_clash", 60, actor="afghanistan", action="cross_border_fire",
                       target="pakistan", location="torkham")
    frame = run_batch(clash, runs, seed).frames["torkham_clash"]
    closed_first = frame["first_close_crossing"].to_numpy()
    spell = frame["first_closure_days_torkham"].to_numpy()
    closed = (closed_first >= 0) & (closed_first <= 1) & (spell >= 0)
    draws = parameter_draws(frame)
    result["torkham_closed_within_a_day_of_a_clash"] = share(closed, draws)
    days = spell[closed]
    closed_draws = draws[closed] if draws is not None else None
    result["torkham_closure_days"] = {
        "median": float(np.median(days)) if days.size else None,
        "quartiles": [float(q) for q in np.percentile(days, [25, 75])] if days.size else None,
        "share_2_to_10_days": share((days >= 2) & (days <= 10), closed_draws) if days.size else None,
        "still_closed_after_60_days": share(days >= 60 - 1, closed_draws) if days.size else None,
        "episodes": {"days": EPISODE_CLOSURE_DAYS, "median": float(np.median(EPISODE_CLOSURE_DAYS))},
    }
    result["episodes_closure_after_clash"] = wilson(*EPISODES["closure_after_clash_at_crossing"])

    # 4. the calm year: ground clashes a year
    year = run_batch(calm, min(runs, 5000), seed).frames[calm.name]
    rungs = rungs_matrix(year)
    onsets = _clash_onsets(rungs)
    per_year = onsets.sum(axis=1) * 365 / rungs.shape[1]
    result["ground_clashes_per_year"] = {
        "mean": float(per_year.mean()), "ci_low": float(np.percentile(per_year, 2.5)),
        "ci_high": float(np.percentile(per_year, 97.5)), "runs": int(len(per_year)),
        "episodes": {"clashes": EPISODE_CLASHES, "years": EPISODE_YEARS, "per_year": EPISODE_CLASHES / EPISODE_YEARS,
                     "poisson_95": [1.32, 4.74]},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "mechanisms.json", result)
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


def _afghan_answered(scenario: Scenario, runs: int, seed: int) -> np.ndarray:
    """Per run: did Afghanistan use force within 7 days of day 0 (its own acts, from the event log)?
    A calibrated scenario's runs draw their parameters from its posterior, as a batch's do."""
    from sim.model import EscalationModel

    answered = []
    for start in range(0, runs, 2048):
        lanes = np.arange(start, min(start + 2048, runs))
        drawn = posterior_params(scenario, seed, lanes) if scenario.posterior else None
        model = EscalationModel(scenario, seed=seed, run_indices=lanes, lane_params=drawn, record_events=False,
                                collect_series=False)
        model.run(days=8)
        days = [model.first_day_of("afghanistan", a) for a in Action if a.kinetic and a is not Action.TTP_ATTACK]
        answered.append(np.any([(d >= 0) & (d <= 7) for d in days], axis=0))
    return np.concatenate(answered)


def _clash_onsets(rungs: np.ndarray) -> np.ndarray:
    """Per run and day: a day of ground fighting (rung 5-7) after at least 7 days without fighting."""
    kinetic = rungs >= Action.CROSS_BORDER_FIRE.rung
    ground = kinetic & (rungs <= Action.RAID_BORDER_POSTS.rung)
    quiet_before = np.ones_like(kinetic)
    for lag in range(1, 8):
        quiet_before[:, lag:] &= ~kinetic[:, :-lag]
    return ground & quiet_before


if __name__ == "__main__":
    sys.exit(main())
