"""Backtest of `escalation forecast` on the 16 earlier episodes, from rolling origins, out of sample.

For every episode (each records 30 days of facts) and every origin o of ORIGINS (day 1: after the
trigger day; day 2: after the first answer could come; day 4: after the first closures; day 8:
after a week):

* the observation is the episode's facts whose window ends before o, with the answers its
  sources give (conditioning on facts rather than on an events file: the episodes are recorded
  as facts; the trigger itself is the scenario's scheduled act);
* the questions are its facts whose window ends on or after o (a window that began before o is
  asked whole: the kept runs carry the days before o);
* the parameters come from the calibration that excludes that episode: the shipped posterior
  reweighted by Pareto-smoothed importance sampling with the stored per-case log-likelihoods
  (``<name>.loglik.parquet``; ``sim.calibrate.validate.psis``), the tail shape k-hat reported.
  Where k-hat > 0.7 the weights are not to be trusted and an exact refit (`escalation calibrate
  --episodes --exclude ID`, a calibration each) would be needed: not done here, flagged;
* each forecast is scored against the answers the episode file records, beside climatology and
  persistence fitted without that episode (``sim.forecast.baselines``).

Writes backtest.json (per episode and origin: matched runs, k-hat, every question's p and
baselines; mean scores by origin and overall), questions.csv and reliability.png.

    python experiments/backtest.py [--runs 2000] [--seed 0] [--out experiments/output/backtest]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import scoringrules as sr
from _common import ROOT, metadata, write_json

from sim.batch.engine import default_workers
from sim.batch.posterior import PosteriorSampler
from sim.calibrate.episodes import load_episodes
from sim.calibrate.targets import Targets
from sim.calibrate.validate import K_HAT_LIMIT, psis
from sim.calibrate.workflow import loglik_path_for
from sim.forecast.baselines import episode_baselines
from sim.forecast.core import Condition, run_forecast
from sim.forecast.score import reliability_table
from sim.scenario import load_scenario, resolve_scenario_path

ORIGINS = (1, 2, 4, 8)
FORECASTERS = ("model", "climatology", "persistence")


def backtest(runs: int, seed: int, workers: int) -> tuple[pd.DataFrame, list[dict]]:
    calibrated = load_scenario(resolve_scenario_path("october_2025_calibrated"))
    loglik = pq.read_table(loglik_path_for(Path(calibrated.posterior))).to_pandas()
    own = PosteriorSampler(calibrated).weights  # the posterior's own (a structural ensemble's are unequal)
    rows, cases = [], []
    for e, episode in enumerate(load_episodes(main_case=False)):
        log_w, k_hat = psis(np.log(own) - loglik[episode.id].to_numpy(float))
        sampler = PosteriorSampler(calibrated, reweight=np.exp(log_w) / own)
        horizon = episode.targets.horizon
        for o in ORIGINS:
            seen = tuple(t for t in episode.targets.targets if t.window[1] < o)
            asked = tuple(t for t in episode.targets.targets if t.window[1] >= o)
            if not asked:
                continue
            observation = Targets(f"{episode.id} facts before day {o}", o, seen, (), episode.targets.source)
            questions = Targets(f"{episode.id} from day {o}", horizon,
                                tuple(dataclasses.replace(t, observed=True) for t in asked), (), "")
            f = run_forecast(episode.scenario, [Condition("facts before the origin", observation)], questions,
                             o, horizon - o, runs, seed + 1000 * e + o, workers, sampler=sampler)
            answers = {t.name: f.question(t.name) for t in asked}
            base = episode_baselines([t.name for t in asked],
                                     {n: a.get("persistence_answer") for n, a in answers.items()}, exclude=episode.id)
            cases.append({"episode": episode.id, "origin": o, "observed_facts": len(seen), "matched": f.n_matched,
                          "effective_draws": f.effective_draws(), "k_hat": k_hat,
                          "psis_reliable": bool(k_hat <= K_HAT_LIMIT)})
            floor = 1 / (2 * (f.n_matched + 1))
            for t in asked:
                p = answers[t.name]["p"]
                rows.append({"episode": episode.id, "origin": o, "fact": t.name, "outcome": bool(t.observed),
                             "model": np.nan if p is None else float(np.clip(p, floor, 1 - floor)),
                             "param_low": answers[t.name].get("param_low"),
                             "param_high": answers[t.name].get("param_high"),
                             "climatology": base[t.name]["climatology"],
                             "persistence": base[t.name].get("persistence", np.nan), "k_hat": k_hat})
            print(f"{episode.id} from day {o}: {len(seen)} facts observed, {f.n_matched:,} of {runs:,} runs match, "
                  f"{len(asked)} questions (k-hat {k_hat:.2f})", flush=True)
    return pd.DataFrame(rows), cases


def scores(frame: pd.DataFrame) -> dict:
    obs = frame["outcome"].to_numpy(float)
    out = {}
    for name in FORECASTERS:
        p = frame[name].to_numpy(float)
        ok = ~np.isnan(p)
        out[name] = {"brier": float(np.mean(sr.brier_score(obs[ok], p[ok]))),
                     "log_score": float(np.mean(sr.log_score(obs[ok], p[ok]))), "questions": int(ok.sum())}
    return out


def plot(frame: pd.DataFrame, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.io import atomic_write_figure

    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfectly reliable")
    for name, colour in (("model", "#d73027"), ("climatology", "#4575b4"), ("persistence", "#1a9850")):
        ok = frame[name].notna()
        table = reliability_table(frame[name][ok].to_numpy(float), frame["outcome"][ok].to_numpy(bool))
        table = table[table["questions"] > 0]
        ax.plot(table["mean_forecast"], table["observed_frequency"], marker="o", color=colour, label=name)
        if name == "model":
            for row in table.itertuples():
                ax.annotate(f"{row.questions}", (row.mean_forecast, row.observed_frequency),
                            textcoords="offset points", xytext=(5, -12), fontsize=8, color=colour)
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("share of questions answered yes")
    ax.set_title(f"Backtest: {len(frame)} questions, 16 episodes, origins {', '.join(map(str, ORIGINS))}",
                 fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    atomic_write_figure(path, fig)
    plt.close(fig)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000, help="runs per episode and origin (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--out", default=str(ROOT / "experiments" / "output" / "backtest"))
    args = parser.parse_args()
    started = time.perf_counter()
    frame, cases = backtest(args.runs, args.seed, args.workers)
    out = Path(args.out)
    by_origin = {int(o): scores(g) for o, g in frame.groupby("origin")}
    reliable = frame[frame["k_hat"] <= K_HAT_LIMIT]
    result = {"overall": scores(frame), "by_origin": by_origin,
              "overall_psis_reliable_only": scores(reliable) if len(reliable) else None,
              "reliability": reliability_table(frame["model"].dropna().to_numpy(float),
                                               frame["outcome"][frame["model"].notna()].to_numpy(bool))
              .to_dict("records"),
              "cases": cases,
              "metadata": metadata(seed=args.seed, runs_per_forecast=args.runs, origins=list(ORIGINS),
                                   seconds=round(time.perf_counter() - started, 1))}
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "backtest.json", result)
    from sim.io import atomic_write_text

    atomic_write_text(out / "questions.csv", frame.to_csv(index=False))
    plot(frame, out / "reliability.png")
    print(f"\n{len(frame)} questions scored; Brier / log score (lower is better):")
    for label, block in [("all origins", result["overall"])] + [(f"from day {o}", s) for o, s in by_origin.items()]:
        print(f"  {label:12s} " + "  ".join(f"{n} {block[n]['brier']:.3f} / {block[n]['log_score']:.3f}"
                                             for n in FORECASTERS))
    print(f"{time.perf_counter() - started:.0f} s; wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
