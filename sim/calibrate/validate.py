"""``escalation validate``: how well the calibrated model predicts each episode's facts, beside baselines.

For every episode, the posterior predictive probability of each binary fact: ``particles``
posterior parameter sets, each run ``replicates`` times on fresh run indices (never those the
calibration used), the share of runs in which the fact held. A case of the file is known to be
an episode, so by default (``given="episode"``) only its runs in scope count
(``episodes.scoped_fact_matrix``): the probability of a fact is the posterior mixture of the
runs in which it held and the case was in scope, over the mixture of the runs in scope.
Conditioning on selection is needed where the trigger is not itself a fight or a closure (a TTP
attack, a threat): such a trigger is in the file only because one followed. ``given="trigger"``
scores every run, as if the trigger alone were known. With ``leave_one_out`` the
particles are reweighted to the posterior without that episode by Pareto-smoothed importance
sampling (PSIS-LOO, Vehtari, Gelman & Gabry 2017): weight 1 / L_e(theta), L_e the episode's
likelihood stored with the posterior, its largest weights smoothed by a fitted generalised
Pareto tail. The tail's shape k-hat says whether that approximation holds (k-hat above 0.7:
it does not, and the episode would need a calibration without it; the output says so).

Baselines, each fitted to the other episodes only:

* climatology: the rate of that fact over the other episodes that report it,
  (k + 1/2) / (n + 1);
* persistence: nothing changes after the trigger (``episodes.persistence_facts``), right with
  the probability persistence was right over the other episodes' facts;
* event model (``sim.calibrate.event_model``): a self-exciting model of the daily event
  sequences (``<id>.sequence.csv``), one penalised GLM per kind of event fitted to the other
  cases' sequences, simulated forward from the case's trigger; a fact that is not a function of
  a sequence (deaths, statements, third states) falls back to the trigger rates, and the
  output says which (``event_model_fallback``);
* trigger rates: an empirical-Bayes beta-binomial by kind of trigger (a TTP attack, an air
  strike, fire across the border, a closure or a threat): the rate of the fact among the other
  episodes with the same kind of trigger, shrunk towards its climatology with the weight of
  ``EVENT_MODEL_PRIOR`` episodes (the event model of earlier versions).

With ``leave_one_out``, also the model stacked with climatology (``_stack``): the mixture
w x model + (1 - w) x climatology, the model's weight w fitted on the other cases by nested
leave-one-out, so that it never reads the case it forecasts.

Scores are the Brier score and the log score (negative log-likelihood, natural log) from the
``scoringrules`` library; lower is better for both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import scoringrules as sr
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp

from ..batch.posterior import load_posterior
from ..batch.store import refuse_batch_folder
from ..errors import UsageError
from ..io import atomic_write_figure, atomic_write_text, check_output_folder, output_folder
from ..ladder import Action
from ..scenario import Scenario, load_scenario, resolve_scenario_path
from .episodes import EPISODES_DIR, MAIN_CASE, Episode, load_episodes, persistence_facts, scoped_fact_matrix
from .event_model import leave_one_out as event_leave_one_out
from .event_model import settings as event_model_settings
from .joint import GEN_STRIDE

FORECASTERS = ("model", "climatology", "persistence", "event_model", "trigger_rates")
EVENT_MODEL_PRIOR = 2.0  # named assumption: the climatology counts as two episodes of the same kind
VALIDATION_BLOCK = 1 << 20  # run-index block of validation, far above any calibration generation's
K_HAT_LIMIT = 0.7
GIVEN = ("episode", "trigger")  # what a case's score is conditioned on (module docstring)


def _se(value: float | None) -> str:
    """A standard error for the table: three decimals, or "n/a" for a single case."""
    return "n/a" if value is None else f"{value:.3f}"


def trigger_kind(episode: Episode) -> str:
    """The kind of the episode's trigger: its first scheduled act that is an attack or a closure."""
    for shock in sorted(episode.scenario.shocks, key=lambda s: s.day):
        if shock.action is Action.TTP_ATTACK:
            return "ttp_attack"
        if shock.action in (Action.AIRSTRIKE_BORDER_PROVINCE, Action.AIRSTRIKE_CAPITAL):
            return "air_strike"
        if shock.action.kinetic:
            return "fire_across_the_border"
    return "closure_or_threat"


def _gpd_fit(x: np.ndarray) -> tuple[float, float]:
    """Shape and scale of a generalised Pareto fit to sorted exceedances (Zhang & Stephens 2009)."""
    n = len(x)
    m = 30 + int(n ** 0.5)
    b = 1 / x[-1] + (1 - np.sqrt(m / (np.arange(1, m + 1) - 0.5))) / (3 * x[int(n / 4 + 0.5) - 1])
    k = np.log1p(-b[:, None] * x).mean(axis=1)
    profile = n * (np.log(-b / k) - k - 1)
    w = 1 / np.exp(profile - profile[:, None]).sum(axis=1)
    b_post = np.sum(b * w / w.sum())
    k_post = np.log1p(-b_post * x).mean()
    sigma = -k_post / b_post
    return (n * k_post + 10 * 0.5) / (n + 10), sigma  # weakly regularised towards 0.5


def psis(log_ratios: np.ndarray) -> tuple[np.ndarray, float]:
    """Pareto-smoothed normalised log weights and the tail shape k-hat (Vehtari et al. 2017)."""
    x = np.asarray(log_ratios, dtype=float) - np.max(log_ratios)
    n = len(x)
    tail = int(np.ceil(min(0.2 * n, 3 * np.sqrt(n))))
    order = np.argsort(x)
    cutoff = x[order[-tail - 1]]
    tail_idx = order[-tail:]
    k = np.inf
    if tail > 4:
        exceed = np.exp(x[tail_idx]) - np.exp(cutoff)
        if exceed[-1] > 0:
            k, sigma = _gpd_fit(np.maximum(exceed, 1e-300))
            if np.isfinite(k) and sigma > 0:
                probs = (np.arange(tail) + 0.5) / tail
                smoothed = sigma * np.expm1(-k * np.log1p(-probs)) / k if abs(k) > 1e-12 else -sigma * np.log1p(-probs)
                x[tail_idx] = np.minimum(np.log(smoothed + np.exp(cutoff)), 0.0)
    return x - logsumexp(x), float(k)


@dataclass
class Validation:
    """Per episode and fact: the observed answer and every forecaster's probability, and the scores."""

    facts: pd.DataFrame          # episode, fact, observed, every forecaster's probability, event_model_fallback
    k_hat: dict[str, float]      # PSIS tail shape per episode (leave-one-out only)
    leave_one_out: bool
    particles: int
    replicates: int
    given: str = "episode"
    out_of_scope: tuple[str, ...] = ()  # cases none of whose runs was in scope: scored on every run
    runs_in_scope: dict[str, tuple[int, int]] = field(default_factory=dict)  # per case: (in scope, runs)
    stacking: dict | None = None  # leave-one-out only: the stacked forecaster's weights (``_stack``)
    refitted: tuple[str, ...] = ()  # cases scored exactly, under a calibration without them (``--refits``)
    reference: tuple[str, ...] = ()  # shipped cases the baselines were also fitted on (a folder of other cases)
    calibrated_on: tuple[str, ...] | None = None  # the cases the posterior saw (None: not known)

    def unseen(self) -> list[str]:
        """The scored cases the calibration did not see: out of sample even without leave-one-out."""
        if self.calibrated_on is None:
            return []
        return [e for e in dict.fromkeys(self.facts["episode"]) if e not in self.calibrated_on]

    @property
    def forecasters(self) -> tuple[str, ...]:
        """The forecasters scored: the model, the baselines, and under leave-one-out the stacked one."""
        return FORECASTERS + (("stacked",) if "stacked" in self.facts else ())

    def scores(self) -> pd.DataFrame:
        """Brier and log score of every forecaster per episode (mean over its facts)."""
        rows = []
        for episode, group in self.facts.groupby("episode", sort=False):
            obs = group["observed"].to_numpy(float)
            for name in self.forecasters:
                p = group[name].to_numpy(float)
                rows.append({"episode": episode, "forecaster": name,
                             "brier": float(np.mean(sr.brier_score(obs, p))),
                             "log_score": float(np.mean(sr.log_score(obs, p)))})
        return pd.DataFrame(rows)

    def differences(self) -> dict[str, dict[str, dict[str, float]]]:
        """Mean log score of the model (and the stacked forecaster) minus each baseline's over the
        cases, with its standard error over cases (the spread of the per-case differences / sqrt of
        their number: how far the comparison would move with other cases, not Monte Carlo error),
        and on how many cases it scored better."""
        table = self.scores().pivot(index="episode", columns="forecaster", values="log_score")
        out = {}
        for name in [n for n in ("model", "stacked") if n in table]:
            out[name] = {}
            for baseline in [b for b in FORECASTERS if b != "model"]:
                gap = (table[name] - table[baseline]).to_numpy(float)
                out[name][baseline] = {"mean": float(gap.mean()),
                                       "se": float(gap.std(ddof=1) / np.sqrt(len(gap))) if len(gap) > 1 else None,
                                       "cases_better": int((gap < 0).sum()), "cases": len(gap)}
        return out

    def to_json(self) -> dict:
        scores = self.scores()
        out: dict = {"episodes": {}, "leave_one_out": self.leave_one_out, "refitted": list(self.refitted),
                     "particles": self.particles,
                     "replicates": self.replicates, "given": self.given, "out_of_scope": list(self.out_of_scope),
                     "unseen_by_calibration": self.unseen(), "baselines_also_fitted_on": list(self.reference)}
        fallback = "event_model_fallback" in self.facts
        for episode, group in self.facts.groupby("episode", sort=False):
            s = scores[scores["episode"] == episode].set_index("forecaster")
            entry = {"facts": {row.fact: {"observed": int(row.observed), **{n: float(getattr(row, n))
                                                                             for n in self.forecasters},
                                          **({"event_model_fallback": bool(row.event_model_fallback)}
                                             if fallback else {})}
                               for row in group.itertuples()},
                     "brier": {n: float(s.loc[n, "brier"]) for n in self.forecasters},
                     "log_score": {n: float(s.loc[n, "log_score"]) for n in self.forecasters}}
            if self.stacking:
                entry["stacking_weight"] = self.stacking["weights"][episode]
            if episode in self.k_hat:
                entry["k_hat"] = self.k_hat[episode]
            if episode in self.runs_in_scope:
                entry["runs_in_scope"], entry["runs"] = self.runs_in_scope[episode]
            out["episodes"][episode] = entry
        mean = scores.groupby("forecaster")[["brier", "log_score"]].mean()
        out["mean"] = {"brier": {n: float(mean.loc[n, "brier"]) for n in self.forecasters},
                       "log_score": {n: float(mean.loc[n, "log_score"]) for n in self.forecasters}}
        out["log_score_differences"] = self.differences()
        if self.stacking:
            out["stacking"] = {k: v for k, v in self.stacking.items() if k != "weights"}
        if fallback:
            out["event_model"] = {**event_model_settings(),
                                  "facts": len(self.facts),
                                  "fallback_facts": int(self.facts["event_model_fallback"].sum())}
        return out

    def table(self) -> str:
        scores = self.scores()
        unseen = self.unseen()
        cases = list(dict.fromkeys(self.facts["episode"]))
        how = "leave-one-out (PSIS" + (f"; exact refits for {', '.join(self.refitted)})" if self.refitted else ")") \
            if self.leave_one_out else ("out of sample (the calibration did not see these cases)"
                                        if unseen and len(unseen) == len(cases) else
                                        f"in sample but for {', '.join(unseen)}, which the calibration did not see"
                                        if unseen else "in sample")
        given = ("given that each case is an episode (its runs in scope)" if self.given == "episode"
                 else "given the trigger alone (every run)")
        lines = [f"Posterior predictive of every episode's facts, {how}, {given}: {self.particles} posterior "
                 f"draws x {self.replicates} runs. Brier / log score per episode, lower is better.", "",
                 f"{'episode':14s} {'facts':>5s} " + " ".join(f"{n:>22s}" for n in self.forecasters)]
        for episode, group in scores.groupby("episode", sort=False):
            n = int((self.facts["episode"] == episode).sum())
            cells = " ".join(f"{r.brier:10.3f} / {r.log_score:9.3f}" for r in group.itertuples())
            flag = f"  (k-hat {self.k_hat[episode]:.2f}: PSIS unreliable)" \
                if self.k_hat.get(episode, 0) > K_HAT_LIMIT else ""
            inside, runs = self.runs_in_scope.get(episode, (0, 0))
            if inside < runs:
                flag += f"  ({inside} of {runs} runs in scope)"
            lines.append(f"{episode:14s} {n:5d} {cells}{flag}")
        mean = scores.groupby("forecaster", sort=False)[["brier", "log_score"]].mean()
        lines.append(f"{'mean':14s} {len(self.facts):5d} " + " ".join(
            f"{mean.loc[n, 'brier']:10.3f} / {mean.loc[n, 'log_score']:9.3f}" for n in self.forecasters))
        if self.out_of_scope:
            lines.append(f"\nno run in scope, scored on every run: {', '.join(self.out_of_scope)}")
        if self.reference:
            lines.append(f"\nbaselines fitted on the other cases of this folder and on the {len(self.reference)} "
                         f"shipped cases ({', '.join(self.reference)})")
        if "event_model_fallback" in self.facts:
            lines.append(f"\nevent_model: {int(self.facts['event_model_fallback'].sum())} of {len(self.facts)} facts "
                         "are not functions of an event sequence (deaths, statements, third states, ...) and fall "
                         "back to trigger_rates")
        for name, versus in self.differences().items():
            lines.append(f"\n{name} minus each baseline, mean log score over cases (se over cases; cases better): "
                         + "; ".join(f"{b} {d['mean']:+.3f} ({_se(d['se'])}; {d['cases_better']} of {d['cases']})"
                                     for b, d in versus.items()))
        if self.stacking:
            w = self.stacking["weights"].values()
            lines.append(f"\nstacked: the model mixed with climatology, the model's weight fitted on the other cases "
                         f"(nested leave-one-out): {min(w):.2f} to {max(w):.2f}; fitted on every case: "
                         f"{self.stacking['weight_all_cases']:.2f}; {self.stacking['inner_k_hat_above_limit']} of "
                         f"{self.stacking['inner_folds']} inner folds with k-hat above {K_HAT_LIMIT}")
        return "\n".join(lines)

    def reliability(self, bins: int = 5) -> pd.DataFrame:
        """Observed frequency of the facts against the model's probability, in equal-width bins."""
        edges = np.linspace(0, 1, bins + 1)
        p = self.facts["model"].to_numpy(float)
        which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
        rows = []
        for b in range(bins):
            sel = which == b
            rows.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "facts": int(sel.sum()),
                         "mean_forecast": float(p[sel].mean()) if sel.any() else np.nan,
                         "observed_frequency": float(self.facts["observed"][sel].mean()) if sel.any() else np.nan})
        return pd.DataFrame(rows)

    def write(self, out: Path) -> list[Path]:
        import json

        written = [atomic_write_text(out / "validation.json", json.dumps(self.to_json(), indent=2) + "\n"),
                   atomic_write_text(out / "facts.csv", self.facts.to_csv(index=False))]
        return [*written, self.plot_reliability(out / "reliability.png")]

    def plot_reliability(self, path: Path) -> Path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        table = self.reliability()
        fig, ax = plt.subplots(figsize=(5, 5))
        ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfectly reliable")
        ok = table["facts"] > 0
        ax.plot(table["mean_forecast"][ok], table["observed_frequency"][ok], marker="o", color="#d73027",
                label="model")
        for row in table[ok].itertuples():
            ax.annotate(f"{row.facts}", (row.mean_forecast, row.observed_frequency), textcoords="offset points",
                        xytext=(5, -12), fontsize=9)
        ax.set_xlabel("model probability of the fact")
        ax.set_ylabel("share of facts that held")
        ax.set_title("Reliability over all episodes' facts" + (" (leave-one-out)" if self.leave_one_out else ""))
        ax.legend(loc="upper left")
        fig.tight_layout()
        out = atomic_write_figure(path, fig)
        plt.close(fig)
        return out


def _loglik_frame(scenario: Scenario) -> pd.DataFrame:
    from .workflow import loglik_path_for

    path = loglik_path_for(Path(scenario.posterior))
    if not path.is_file():
        raise UsageError(f"{scenario.source}: --leave-one-out needs {path.name} beside its posterior "
                         "(written by `escalation calibrate --episodes`)")
    try:
        return pq.read_table(path).to_pandas()
    except (OSError, ValueError) as err:
        raise UsageError(f"{path}: not a readable Parquet file ({err.__class__.__name__})") from None


def _draws(scenario: Scenario, particles: int, seed: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Up to ``particles`` rows of the posterior (chosen uniformly, without replacement): their
    parameters, which rows they are, and their posterior weights (normalised; equal unless the
    posterior is weighted, as a structural ensemble's is)."""
    if not scenario.posterior:
        raise UsageError(f"{scenario.source}: not a calibrated scenario (it names no posterior)")
    posterior = load_posterior(scenario)
    weight = posterior.pop("weight").to_numpy(float) if "weight" in posterior else np.ones(len(posterior))
    rng = np.random.default_rng([seed, 7])
    pick = np.sort(rng.choice(len(posterior), size=min(particles, len(posterior)), replace=False))
    return ({k: posterior[k].to_numpy(float)[pick] for k in posterior.columns}, pick,
            weight[pick] / weight[pick].sum())


@dataclass
class _Posterior:
    """A posterior's draws as validation uses them, and each case's runs under them (cached)."""

    draws: dict[str, np.ndarray]
    pick: np.ndarray
    base: np.ndarray                      # the draws' posterior weights, normalised
    loglik: pd.DataFrame | None           # per-case log-likelihoods of the drawn rows (leave-one-out only)
    runs: dict[str, _CaseRuns] = field(default_factory=dict)

    @classmethod
    def load(cls, scenario: Scenario, particles: int, seed: int, leave_one_out: bool) -> _Posterior:
        draws, pick, base = _draws(scenario, particles, seed)
        loglik = _loglik_frame(scenario).iloc[pick].reset_index(drop=True) if leave_one_out else None
        return cls(draws, pick, base, loglik)

    def without(self, cases: tuple[str, ...]) -> tuple[np.ndarray, float]:
        """PSIS weights of the draws with those of ``cases`` this posterior was calibrated on removed,
        and the largest tail shape k-hat (0 if none is removed: the weights are exact)."""
        removed = [c for c in cases if self.loglik is not None and c in self.loglik.columns]
        if not removed:
            return self.base, 0.0
        log_w, k = psis(np.log(self.base) - self.loglik[removed].to_numpy(float).sum(axis=1))
        return np.exp(log_w), k

    def case_runs(self, episode: Episode, index: int, replicates: int, seed: int, given: str) -> _CaseRuns:
        """The case's facts and scope over ``replicates`` runs of every draw, on run indices of the
        validation block that depend on the case's place in the file only."""
        if episode.id not in self.runs:
            n = len(self.pick)
            runs = VALIDATION_BLOCK * GEN_STRIDE + index * (1 << 32) + np.arange(n * replicates)
            held, in_scope = scoped_fact_matrix(episode, seed, runs,
                                                {k: np.repeat(v, replicates) for k, v in self.draws.items()})
            if given == "trigger":
                in_scope = np.ones_like(in_scope)
            self.runs[episode.id] = _CaseRuns(
                (held & in_scope).reshape(len(held), n, replicates).mean(axis=2),
                in_scope.reshape(n, replicates).mean(axis=1),
                held.reshape(len(held), n, replicates).mean(axis=2),
                replicates, (int(in_scope.sum()), int(in_scope.size)))
        return self.runs[episode.id]


@dataclass
class _CaseRuns:
    """One case's runs under one posterior's draws: per fact and draw, the share of runs in which
    the fact held and the case was in scope; per draw, the share in scope; and the facts on every run."""

    share: np.ndarray         # (facts, draws)
    scope_share: np.ndarray   # (draws,)
    everywhere: np.ndarray    # (facts, draws), every run counted
    replicates: int
    counted: tuple[int, int]  # (runs in scope, runs)

    def predictive(self, weights: np.ndarray) -> tuple[np.ndarray, bool]:
        """Each fact's probability under the draws' ``weights``, among the runs in scope, clipped to
        half a run of those that count; and whether no run was in scope (then every run counts)."""
        share, scope = self.share, self.scope_share
        unscoped = bool(scope @ weights <= 0)
        if unscoped:  # the model never makes this case an episode: score every run
            share, scope = self.everywhere, np.ones_like(scope)
        floor = 0.5 / max(len(scope) * self.replicates * float(scope @ weights), 1.0)
        return np.clip((share @ weights) / (scope @ weights), floor, 1 - floor), unscoped


def validate(episodes_dir: str | Path | None = None, posterior_scenario: str | Path | None = None,
             leave_one_out: bool = False, particles: int = 200, replicates: int = 8, seed: int = 0,
             out: str | Path | None = None, refits: str | Path | None = None, given: str = "episode") -> Validation:
    """Score the calibrated model and the baselines on every episode (module docstring).

    With ``refits``, a folder holding ``<id>/october_2025_calibrated.toml`` (written by
    ``calibrate --episodes --exclude <id> --out <refits>/<id>``), that case is scored exactly under
    the calibration that left it out instead of by PSIS (its k-hat is then reported as 0)."""
    if refits is not None and (not leave_one_out or not Path(refits).is_dir()):
        raise UsageError(f"--refits {refits}: " + ("only means something with --leave-one-out" if not leave_one_out
                         else "not a folder (it holds <id>/october_2025_calibrated.toml per refitted case)"))
    if given not in GIVEN:
        raise UsageError(f"--given {given}: expected one of {', '.join(GIVEN)}")
    if out is not None:
        refuse_batch_folder(check_output_folder(out))  # before the work, not after it
    scenario = load_scenario(resolve_scenario_path(posterior_scenario or "october_2025_calibrated"))
    full = _Posterior.load(scenario, particles, seed, leave_one_out)
    shipped = episodes_dir is None or Path(episodes_dir).resolve() == EPISODES_DIR.resolve()
    episodes = load_episodes(episodes_dir, main_case=shipped)
    scored = {e.id for e in episodes}
    # a folder of other cases: the baselines are fitted on the shipped cases too, as the model was
    reference = [] if shipped else [e for e in load_episodes(None) if e.id not in scored]
    if leave_one_out:
        missing = [e.id for e in episodes if e.id not in full.loglik.columns]
        if missing:
            raise UsageError(f"episode {missing[0]}: the posterior was not calibrated on it, so it is out of "
                             "sample already: score it without --leave-one-out")
    refitted = {}
    for episode in episodes if refits is not None else ():
        path = Path(refits) / episode.id / f"{MAIN_CASE[0]}_calibrated.toml"
        if path.is_file():
            refitted[episode.id] = _Posterior.load(load_scenario(path), particles, seed, leave_one_out)
    sequences = event_leave_one_out(episodes + reference, seed, given_episode=given == "episode",
                                    held_out=scored).probabilities
    rows, k_hat, out_of_scope, counted = [], {}, [], {}
    for e, episode in enumerate(episodes):
        source = refitted.get(episode.id, full)
        runs = source.case_runs(episode, e, replicates, seed, given)
        weights, k = source.without((episode.id,)) if leave_one_out else (source.base, 0.0)
        if leave_one_out:
            k_hat[episode.id] = k  # 0 when scored under a calibration without it: exact
        model, unscoped = runs.predictive(weights)
        if unscoped:
            out_of_scope.append(episode.id)
        counted[episode.id] = runs.counted
        persist = persistence_facts(episode)
        for f, name in enumerate(episode.fact_names):
            rows.append({"episode": episode.id, "fact": name, "observed": bool(episode.observed[f]),
                         "model": float(model[f]), "persistent": bool(persist[f]), "kind": trigger_kind(episode),
                         "count_model": float(sequences[episode.id][f])})
    for episode in reference:  # data for the baselines only, not scored
        persist = persistence_facts(episode)
        rows += [{"episode": episode.id, "fact": name, "observed": bool(episode.observed[f]), "model": np.nan,
                  "persistent": bool(persist[f]), "kind": trigger_kind(episode), "count_model": np.nan}
                 for f, name in enumerate(episode.fact_names)]
    frame = _baselines(pd.DataFrame(rows))
    frame = frame[frame["episode"].isin(scored)].reset_index(drop=True)
    stacking = None
    if leave_one_out:
        frame, stacking = _stack(frame, episodes, full, refitted, replicates, seed, given)
    forecasters = FORECASTERS + (("stacked",) if stacking else ())
    result = Validation(frame[["episode", "fact", "observed", *forecasters, "event_model_fallback"]], k_hat,
                        leave_one_out, len(full.pick), replicates, given, tuple(out_of_scope), counted, stacking,
                        tuple(refitted), tuple(e.id for e in reference), _calibrated_cases(scenario))
    if out is not None:
        with output_folder(out) as folder:
            result.write(folder)
    return result


def _calibrated_cases(scenario: Scenario) -> tuple[str, ...] | None:
    """The cases the posterior was calibrated on (its per-case log-likelihoods' columns), None if unknown."""
    from .workflow import loglik_path_for

    path = loglik_path_for(Path(scenario.posterior)) if scenario.posterior else None
    try:
        return tuple(pq.read_schema(path).names) if path is not None and path.is_file() else None
    except (OSError, ValueError):
        return None


def _climatology(frame: pd.DataFrame, fact: str, without: set[str]) -> float:
    """The rate of ``fact`` over the cases not in ``without`` that report it, (k + 1/2) / (n + 1)."""
    same = frame[(frame["fact"] == fact) & ~frame["episode"].isin(without)]
    return (float(same["observed"].sum()) + 0.5) / (len(same) + 1)


def _mixture_log_score(weight: float, cases: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> float:
    """Mean over cases of the mean log score of ``weight`` x model + (1 - weight) x climatology."""
    return float(np.mean([np.mean(sr.log_score(obs, weight * model + (1 - weight) * clim))
                          for obs, model, clim in cases]))


def _stacking_weight(cases: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> float:
    """The model's weight in [0, 1] that minimises the mean log score of the mixture over ``cases``:
    the score is convex in the weight, so a bounded search finds the optimum inside, and the ends
    (one forecaster alone), which the search never evaluates, are compared with it."""
    found = minimize_scalar(_mixture_log_score, bounds=(0.0, 1.0), args=(cases,), method="bounded",
                            options={"xatol": 1e-4})
    return min((float(found.x), 0.0, 1.0), key=lambda w: _mixture_log_score(w, cases))


def _stack(frame: pd.DataFrame, episodes: list[Episode], full: _Posterior, refitted: dict[str, _Posterior],
           replicates: int, seed: int, given: str) -> tuple[pd.DataFrame, dict]:
    """The model stacked with climatology (Yao, Vehtari, Simpson & Gelman 2018, *Bayesian Analysis*
    13:917): for each held-out case e, the mixture w_e x model + (1 - w_e) x climatology, w_e the
    weight that scores best over the *other* cases, each forecast as if neither it nor e had been
    seen (nested leave-one-out: the model's draws reweighted by PSIS without both, or a refit's
    without the other; climatology over the remaining cases). Also the weight fitted on every case's
    leave-one-out forecast: the one to use on a case outside the file."""
    index = {episode.id: e for e, episode in enumerate(episodes)}
    observed = {episode.id: episode.observed.astype(float) for episode in episodes}
    inner_k, weights_by_case = [], {}
    for held_out in episodes:
        training = []
        for case in episodes:
            if case.id == held_out.id:
                continue
            source = refitted.get(case.id) or refitted.get(held_out.id) or full
            w, k = source.without((case.id, held_out.id))
            inner_k.append(k)
            model, _ = source.case_runs(case, index[case.id], replicates, seed, given).predictive(w)
            clim = np.array([_climatology(frame, name, {case.id, held_out.id}) for name in case.fact_names])
            training.append((observed[case.id], model, clim))
        weights_by_case[held_out.id] = _stacking_weight(training)
    w_case = frame["episode"].map(weights_by_case).to_numpy(float)
    stacked = w_case * frame["model"].to_numpy(float) + (1 - w_case) * frame["climatology"].to_numpy(float)
    every = [(observed[c], frame.loc[frame["episode"] == c, "model"].to_numpy(float),
              frame.loc[frame["episode"] == c, "climatology"].to_numpy(float)) for c in index]
    summary = {"partner": "climatology", "weights": weights_by_case, "weight_all_cases": _stacking_weight(every),
               "inner_k_hat_above_limit": int(np.sum(np.array(inner_k) > K_HAT_LIMIT)), "inner_folds": len(inner_k)}
    return frame.assign(stacked=stacked), summary


def _baselines(frame: pd.DataFrame) -> pd.DataFrame:
    """Climatology, persistence, the trigger rates and the event model of each fact, from the other
    episodes only. The event model is the column ``count_model`` (``event_model.leave_one_out``)
    where it is a number, else the trigger rates (``event_model_fallback``)."""
    clim, persist, event = [], [], []
    for row in frame.itertuples():
        others = frame[frame["episode"] != row.episode]
        same = others[others["fact"] == row.fact]
        p_clim = _climatology(frame, row.fact, {row.episode})
        clim.append(p_clim)
        right = float((others["persistent"] == others["observed"]).sum())
        p_right = (right + 0.5) / (len(others) + 1)
        persist.append(p_right if row.persistent else 1 - p_right)
        kin = same[same["kind"] == row.kind]
        event.append((float(kin["observed"].sum()) + EVENT_MODEL_PRIOR * p_clim) / (len(kin) + EVENT_MODEL_PRIOR))
    counted = frame["count_model"].to_numpy(float) if "count_model" in frame else np.full(len(frame), np.nan)
    fallback = np.isnan(counted)
    return frame.assign(climatology=clim, persistence=persist, trigger_rates=event,
                        event_model=np.where(fallback, event, counted), event_model_fallback=fallback)
