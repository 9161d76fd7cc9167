"""One calibration over every episode at once: a synthetic likelihood of the observed facts,
sampled by tempered sequential Monte Carlo.

Likelihood. For a parameter set theta, each episode is run ``replicates`` times (each
particle, episode and generation with run indices of its own) and each fact's probability is estimated as p = (k + 1/2) / (R + 1), k of R runs
holding it (the Jeffreys-smoothed share, never 0 or 1). An episode's log-likelihood is
sum_f [o_f log p_f + (1 - o_f) log(1 - p_f)] over its facts f with observed answers o_f;
the joint log-likelihood is the sum over episodes of w_e times that, w_e an episode's weight for
the dependence of its facts. Facts of one episode are correlated within a run (a run that fights
three days also has dead), so summing their terms as if independent counts shared evidence more
than once and narrows the posterior. The weight is Kish's design effect applied to the facts:
w_e = F_e / (1' C_e 1), C_e the correlation matrix of the F_e indicators "the run agrees with
fact f as observed", pooled within particles (the dependence for a given theta, not the spread
between thetas) over the prior-predictive runs of generation 0, and held fixed after (so the
sampler has one target). Perfectly correlated facts count as one (w = 1/F), independent ones
each as one (w = 1); negative correlations are not taken to add evidence (w <= 1, a named
assumption). ``independent_facts=True`` drops the weights (w = 1), the version 4 likelihood.

Sampler. Particles start from the prior (uniform in the unit box of ``PriorSpace``). Each
generation raises the tempering exponent beta as far as keeps the effective sample size at
half the population (bisection), resamples (systematic), re-estimates every particle's
likelihood by fresh runs, then makes ``moves`` Metropolis steps targeting prior x
likelihood^beta that alternate two proposals:

* a random walk in the unit box (folded back at the faces), scaled from the particles'
  covariance, the scale adapted each generation towards a quarter of the walks accepted;
* a prior refresh: each coordinate, with probability ``refresh``, is drawn anew from its prior
  (an independence proposal, so the prior cancels and only the likelihood ratio decides). A
  parameter the facts do not inform is accepted back anywhere in its prior, which resampling
  alone would narrow: the random walk, whose steps follow the particles' shrunken spread,
  measured too slow to undo that (version 4 of the posterior: every parameter at 0.3-0.6 of
  its prior sd, the unread controls below included).

The proposal's likelihood is estimated by new runs; the current one's estimate is renewed once
per generation and kept across that generation's steps (pseudo-marginal within a generation).
Renewing it at every step ("Monte Carlo within Metropolis") doubles the cost; never renewing it
(pseudo-marginal throughout) was measured to let lucky estimates stick: acceptance 7%, 218 of
600 final particles distinct. After beta reaches 1, ``final_moves`` more steps (no resampling)
rejuvenate the population. The posterior is the final particles, equally weighted, and each
particle's per-episode log-likelihood is kept beside it so that
``escalation validate --leave-one-out`` can remove one episode by importance weighting. Those
are estimated afresh at the end, by runs no step saw and twice the replicates: the estimates the
sampler carries were selected for being high (an accepted proposal is often a lucky one), which
would bias the leave-one-out weights and fatten their tail.

Unread controls. ``NULL_CONTROLS`` extra coordinates travel with the particles and are never
given to the model: no fact can inform them, so their posterior sd / prior sd measures the
sampler's own narrowing, the floor against which every parameter's identification is read.

A generation's random numbers depend only on (seed, generation), and the state is written
atomically after each one, so a killed calibration resumes to the same posterior.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..batch.engine import WORKER_DIED, WorkerError
from ..errors import UsageError
from ..io import atomic_write
from .abc import reflect
from .checkpoint import fingerprint
from .episodes import Episode, fact_matrix
from .priors import PriorSpace
from .runner import PooledSimulator

#: Run-index blocks: generation block g, episode e, particle i, replicate r use run
#: g * GEN_STRIDE + e * EPISODE_STRIDE + i * replicates + r: no two ever share a run.
GEN_STRIDE = 1 << 40
TARGET_ACCEPTANCE = 0.25
EPISODE_STRIDE = 1 << 32
#: Coordinates that move with the particles but that the model never reads (module docstring).
NULL_CONTROLS = 2
#: Likelihood calls per generation have run blocks of their own: at most this many (moves + 1).
BLOCKS_PER_GENERATION = 64
#: The version of the sampler, in every checkpoint's fingerprint: a change of kernel starts afresh.
KERNEL = 2


def fact_log_likelihood(held: np.ndarray, observed: np.ndarray, replicates: int) -> np.ndarray:
    """(facts, particles) counts of runs holding each fact -> per particle log-likelihood."""
    p = (held + 0.5) / (replicates + 1.0)
    return np.where(observed[:, None], np.log(p), np.log1p(-p)).sum(axis=0)


def dependence_weight(scatter: np.ndarray) -> float:
    """Kish's design effect of a case's facts from the pooled within-particle scatter matrix of
    their agreement indicators: F / (1' C 1), in [1/F, 1] (module docstring). A fact that never
    varies for a given theta correlates with nothing."""
    sd = np.sqrt(np.diag(scatter))
    varies = sd > 0
    corr = np.eye(len(sd))
    corr[np.ix_(varies, varies)] = scatter[np.ix_(varies, varies)] / np.outer(sd[varies], sd[varies])
    return float(np.clip(len(sd) / corr.sum(), 1.0 / len(sd), 1.0))


@dataclass
class _Task:
    episode: Episode
    seed: int
    first_run: int
    replicates: int
    columns: dict[str, np.ndarray]


def _held(task: _Task) -> tuple[np.ndarray, np.ndarray]:
    """(facts, particles) counts of runs holding each fact, and the (facts, facts) scatter of the
    agreement indicators about each particle's own means (for ``dependence_weight``)."""
    n = len(next(iter(task.columns.values())))
    runs = task.first_run + np.arange(n * task.replicates)
    columns = {k: np.repeat(v, task.replicates) for k, v in task.columns.items()}
    held = fact_matrix(task.episode, task.seed, runs, columns).reshape(-1, n, task.replicates)
    agree = np.where(task.episode.observed[:, None, None], held, ~held).astype(float)
    centred = agree - agree.mean(axis=2, keepdims=True)
    return held.sum(axis=2), np.einsum("fnr,gnr->fg", centred, centred)


class EpisodeLikelihood(PooledSimulator):
    """Per-episode log-likelihoods of parameter sets; a context manager keeps the process pool."""

    def __init__(self, episodes: list[Episode], space: PriorSpace, seed: int, replicates: int,
                 workers: int | None = None, chunk: int = 128) -> None:
        super().__init__(workers)
        self.episodes, self.space, self.seed, self.replicates = episodes, space, seed, replicates
        self.chunk = chunk  # particles per task (chunk x replicates lanes per model)
        self.runs = 0
        self.weights = np.ones(len(episodes))  # each case's dependence weight w_e
        self.scatter = [np.zeros((len(e.observed),) * 2) for e in episodes]  # of the last call

    def __call__(self, unit: np.ndarray, generation: int) -> np.ndarray:
        """(episodes, particles) weighted log-likelihoods w_e log L_e of the particles at ``unit``."""
        columns = self.space.columns(self.space.from_unit(unit[:, :self.space.dim]))
        n = len(unit)
        tasks, where = [], []
        for e, episode in enumerate(self.episodes):
            for start in range(0, n, self.chunk):
                stop = min(n, start + self.chunk)
                first = generation * GEN_STRIDE + e * EPISODE_STRIDE + start * self.replicates
                tasks.append(_Task(episode, self.seed, first, self.replicates,
                                   {k: v[start:stop] for k, v in columns.items()}))
                where.append((e, start, stop))
        if self._pool is None:
            parts = [_held(t) for t in tasks]
        else:
            try:
                parts = list(self._pool.map(_held, tasks))
            except BrokenProcessPool:
                raise WorkerError(WORKER_DIED) from None
        out = np.zeros((len(self.episodes), n))
        self.scatter = [np.zeros((len(e.observed),) * 2) for e in self.episodes]
        for (e, start, stop), (held, scatter) in zip(where, parts, strict=True):
            out[e, start:stop] = fact_log_likelihood(held, self.episodes[e].observed, self.replicates)
            self.scatter[e] += scatter
        self.runs += n * self.replicates * len(self.episodes)
        return self.weights[:, None] * out


def ess(log_weights: np.ndarray) -> float:
    w = np.exp(log_weights - log_weights.max())
    return float(w.sum() ** 2 / (w ** 2).sum())


def next_beta(loglik: np.ndarray, beta: float, target: float) -> float:
    """The largest exponent above ``beta`` (at most 1) whose incremental weights keep ESS >= target."""
    if ess((1.0 - beta) * loglik) >= target:
        return 1.0
    lo, hi = beta, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ess((mid - beta) * loglik) >= target else (lo, mid)
    return max(lo, beta + 1e-6)


def systematic_resample(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    positions = (rng.random() + np.arange(len(weights))) / len(weights)
    return np.minimum(np.searchsorted(np.cumsum(weights / weights.sum()), positions), len(weights) - 1)


@dataclass
class JointState:
    """Everything the next generation starts from."""

    generation: int
    beta: float
    unit: np.ndarray        # (N, D) particles in the unit box
    loglik: np.ndarray      # (episodes, N)
    runs: int
    seconds: float
    history: list[dict] = field(default_factory=list)
    scale: float = 1.0      # the random walk's step, relative to 2.38^2 / d x the particles' covariance
    weights: np.ndarray = field(default_factory=lambda: np.ones(0))  # (episodes,) dependence weights

    @property
    def log_evidence(self) -> float:
        """log p(facts) estimated so far (0 before the first tempering step)."""
        return self.history[-1]["log_evidence"] if self.history else 0.0


def _save(path: Path, state: JointState, key: str) -> None:
    meta = {"generation": state.generation, "beta": state.beta, "runs": state.runs, "seconds": state.seconds,
            "history": state.history, "scale": state.scale, "fingerprint": key}

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            np.savez(handle, meta=np.array(json.dumps(meta)), unit=state.unit, loglik=state.loglik,
                     weights=state.weights)

    atomic_write(path, write)


def _load(path: Path, key: str) -> JointState | None:
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            unit, loglik, weights = data["unit"], data["loglik"], data["weights"]
    except (OSError, ValueError, KeyError, EOFError) as err:
        raise UsageError(f"{path}: damaged calibration checkpoint ({err.__class__.__name__}); "
                         "delete it to start afresh") from None
    if not isinstance(meta, dict) or meta.pop("fingerprint", None) != key:
        raise UsageError(f"{path}: the checkpoint is of a calibration with other settings, scenario or episodes; "
                         "delete it or choose another --out to start afresh")
    if unit.ndim != 2 or loglik.ndim != 2 or loglik.shape[1] != unit.shape[0] or weights.shape != loglik.shape[:1]:
        raise UsageError(f"{path}: damaged calibration checkpoint (arrays of inconsistent shapes)")
    return JointState(meta["generation"], meta["beta"], unit, loglik, meta["runs"], meta["seconds"], meta["history"],
                      meta["scale"], weights)


@dataclass
class JointCalibration:
    """The posterior particles (equally weighted) and how they were found."""

    space: PriorSpace
    episodes: list[str]
    theta: np.ndarray       # (N, D) in the parameters' units
    loglik: np.ndarray      # (episodes, N) per-episode weighted log-likelihood w_e log L_e of each particle
    history: list[dict]
    runs: int
    seconds: float
    null: np.ndarray = field(default_factory=lambda: np.zeros((0, NULL_CONTROLS)))  # (N, NULL_CONTROLS)
    weights: np.ndarray = field(default_factory=lambda: np.ones(0))  # (episodes,) dependence weights w_e
    facts: list[int] = field(default_factory=list)  # facts per episode
    resumed_after: int | None = None

    @property
    def distinct(self) -> int:
        """Distinct parameter sets among the final particles (resampling duplicates, moves renew)."""
        return len(np.unique(self.theta, axis=0))

    @property
    def log_evidence(self) -> float:
        """The SMC estimate of log p(facts | the model's structure and priors): what weighs
        structural alternatives calibrated on the same episodes against each other."""
        return self.history[-1]["log_evidence"] if self.history else 0.0

    def identification(self) -> dict[str, float]:
        """Posterior sd / prior sd per parameter, in the unit box (1: the data told nothing)."""
        sd = self.space.to_unit(self.theta).std(axis=0)
        return dict(zip(self.space.keys, (sd / np.sqrt(1 / 12)).tolist(), strict=True))

    @property
    def null_sd_ratio(self) -> list[float]:
        """Posterior sd / prior sd of the unread controls: the sampler's own narrowing (1 ideally)."""
        return (self.null.std(axis=0) / np.sqrt(1 / 12)).tolist()


def _step(unit: np.ndarray, loglik: np.ndarray, beta: float, chol: np.ndarray | None, refresh: float,
          likelihood: EpisodeLikelihood, block: int, rng: np.random.Generator,
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Metropolis step of every particle: a folded random walk (``chol`` given) or a prior
    refresh of each coordinate with probability ``refresh``; returns unit, loglik, accepted."""
    if chol is not None:
        proposal = reflect(unit + rng.standard_normal(unit.shape) @ chol.T)
    else:
        renew = rng.random(unit.shape) < refresh
        proposal = np.where(renew, rng.random(unit.shape), unit)
    new = likelihood(proposal, block)
    accept = np.log(rng.random(len(unit))) < beta * (new.sum(axis=0) - loglik.sum(axis=0))
    return np.where(accept[:, None], proposal, unit), np.where(accept[None, :], new, loglik), accept


def fresh_loglik(likelihood: EpisodeLikelihood, unit: np.ndarray, generation: int) -> np.ndarray:
    """Each case's weighted log-likelihood of the final particles from new runs, twice the
    replicates (module docstring: the carried estimates are biased upwards by selection)."""
    replicates = likelihood.replicates
    likelihood.replicates = 2 * replicates
    try:
        return likelihood(unit, generation * BLOCKS_PER_GENERATION)
    finally:
        likelihood.replicates = replicates


def calibrate_joint(episodes: list[Episode], space: PriorSpace, population: int = 500, replicates: int = 16,
                    seed: int = 0, moves: int = 2, workers: int | None = None, checkpoint: Path | None = None,
                    progress: bool = False, refresh: float = 0.15, final_moves: int = 4,
                    independent_facts: bool = False, dependence_weights: np.ndarray | None = None,
                    ) -> JointCalibration:
    """Tempered SMC over the joint synthetic likelihood of every episode's facts (module docstring).

    ``dependence_weights`` (one per case) replaces the weights measured in generation 0: a
    structural alternative takes those of the calibration it is to be weighed against, so that
    both evidences are of one likelihood."""
    if population < 20:
        raise UsageError(f"--population {population}: at least 20 particles are needed to move and resample")
    if max(moves, final_moves) >= BLOCKS_PER_GENERATION:
        raise UsageError(f"--moves {max(moves, final_moves)}: at most {BLOCKS_PER_GENERATION - 1} steps a generation")
    if not 0.0 <= refresh <= 1.0:
        raise UsageError(f"--refresh {refresh}: a probability per coordinate is needed, between 0 and 1")
    if dependence_weights is not None:
        dependence_weights = np.asarray(dependence_weights, dtype=float)
        if dependence_weights.shape != (len(episodes),) or not np.all((dependence_weights > 0)
                                                                      & (dependence_weights <= 1)):
            raise UsageError(f"dependence weights: expected {len(episodes)} weights in (0, 1], one per case")
    key = fingerprint(episodes=[(e.id, e.scenario.content_hash, e.targets.names(), e.observed.tolist())
                                for e in episodes],
                      given_weights=None if dependence_weights is None else dependence_weights.tolist(),
                      keys=space.keys, low=space.low, high=space.high, population=population,
                      replicates=replicates, seed=seed, moves=moves, refresh=refresh, final_moves=final_moves,
                      independent_facts=independent_facts, kernel=KERNEL)
    state = _load(checkpoint, key) if checkpoint is not None else None
    resumed = None if state is None else state.generation
    started = time.perf_counter()
    dim = space.dim + NULL_CONTROLS
    with EpisodeLikelihood(episodes, space, seed, replicates, workers) as likelihood:
        if state is None:
            rng = np.random.default_rng([seed, 0])
            unit = rng.random((population, dim))
            loglik = likelihood(unit, 0)
            if dependence_weights is not None:
                likelihood.weights = dependence_weights
            elif not independent_facts:
                likelihood.weights = np.array([dependence_weight(s) for s in likelihood.scatter])
            state = JointState(0, 0.0, unit, likelihood.weights[:, None] * loglik, likelihood.runs,
                               time.perf_counter() - started, weights=likelihood.weights)
            if checkpoint is not None:
                _save(checkpoint, state, key)
        likelihood.weights = state.weights
        base_runs = state.runs - likelihood.runs  # the runs before this process (0 unless resumed)
        base_seconds = state.seconds - (time.perf_counter() - started)
        while state.beta < 1.0 or (final_moves and state.history[-1]["stage"] != "rejuvenation"):
            g = state.generation + 1
            rng = np.random.default_rng([seed, g])
            total = state.loglik.sum(axis=0)
            rejuvenation = state.beta >= 1.0
            steps = final_moves if rejuvenation else moves
            if rejuvenation:
                beta, log_w, log_evidence = 1.0, np.zeros(population), state.log_evidence
                unit = state.unit
            else:
                beta = next_beta(total, state.beta, population / 2)
                log_w = (beta - state.beta) * total
                w = np.exp(log_w - log_w.max())
                # the SMC estimate of the log evidence grows by the log mean incremental weight
                log_evidence = state.log_evidence + float(np.log(w.mean()) + log_w.max())
                unit = state.unit[systematic_resample(w, rng)]
            block = g * BLOCKS_PER_GENERATION
            loglik = likelihood(unit, block)  # renewed once per generation (module docstring)
            cov = np.cov(unit, rowvar=False) + 1e-8 * np.eye(dim)
            chol = np.linalg.cholesky(state.scale * (2.38 ** 2 / dim) * cov)
            walked = walks = refreshed = refreshes = 0
            for m in range(steps):
                walk = m % 2 == 0
                unit, loglik, accept = _step(unit, loglik, beta, chol if walk else None, refresh, likelihood,
                                             block + 1 + m, rng)
                if walk:
                    walked, walks = walked + int(accept.sum()), walks + population
                else:
                    refreshed, refreshes = refreshed + int(accept.sum()), refreshes + population
            seconds = base_seconds + time.perf_counter() - started
            runs = base_runs + likelihood.runs
            acceptance = walked / max(walks, 1)
            history = [*state.history, {"generation": g, "beta": beta, "ess_before_resampling": ess(log_w),
                                        "acceptance": acceptance, "refresh_acceptance": refreshed / max(refreshes, 1),
                                        "mean_loglik": float(loglik.sum(axis=0).mean()), "runs": runs,
                                        "seconds": seconds, "log_evidence": log_evidence, "scale": state.scale,
                                        "stage": "rejuvenation" if rejuvenation else "tempering"}]
            # steps grow while more than a quarter are accepted and shrink below: small steps in
            # many dimensions mix slowly and let resampling narrow what the facts do not inform
            scale = state.scale
            if walks:
                scale = float(np.clip(scale * np.exp(2.0 * (acceptance - TARGET_ACCEPTANCE)), 0.05, 20.0))
            state = JointState(g, beta, unit, loglik, runs, seconds, history, scale, state.weights)
            if checkpoint is not None:
                _save(checkpoint, state, key)
            if progress:
                h = history[-1]
                print(f"generation {g} ({h['stage']}): beta {beta:.4f}, walks accepted {h['acceptance']:.2f}, "
                      f"refreshes accepted {h['refresh_acceptance']:.2f}, mean log-likelihood "
                      f"{h['mean_loglik']:.1f}, {runs:,} runs, {seconds:.0f} s", file=sys.stderr)
        loglik = fresh_loglik(likelihood, state.unit, state.generation + 1)
        runs, seconds = base_runs + likelihood.runs, base_seconds + time.perf_counter() - started
    return JointCalibration(space, [e.id for e in episodes], space.from_unit(state.unit[:, :space.dim]),
                            loglik, state.history, runs, seconds,
                            state.unit[:, space.dim:], state.weights, [len(e.observed) for e in episodes], resumed)
