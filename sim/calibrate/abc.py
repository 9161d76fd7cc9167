"""Likelihood-free Bayesian calibration: ABC-SMC over lanes of one model.

Population Monte Carlo ABC (Toni et al. 2009; Beaumont et al. 2009) with an adaptive
tolerance schedule from distance quantiles (Del Moral et al. 2012):

* generation 0 draws ``proposals`` parameter sets from the prior;
* generation t > 0 resamples the previous population by weight and perturbs it with a
  Gaussian kernel of its weighted covariance times Silverman's bandwidth factor (as
  pyabc's default), in the logit space of ``sim.calibrate.priors`` (no proposal ever leaves
  the prior's support). A share ``DEFENSIVE`` of proposals comes from the prior itself
  (defensive importance sampling, Hesterberg 1995), which bounds every weight by
  1 / DEFENSIVE and keeps the ESS from collapsing over generations. Beaumont's twice-the-covariance kernel collapsed the ESS to ~1% of
  the population with ~20 parameters (measured), because proposals then spread far wider
  than a posterior that, in most dimensions, is still close to the prior;
* all proposals of a generation are simulated at once, as lanes of chunked model instances;
* the tolerance is the ``quantile`` of the proposals' distances (never above the previous
  one); the proposals within it form the population;
* importance weights: prior density / kernel mixture density of the previous population;
  their effective sample size (ESS) is reported per generation.

Proposal t, k is run ``t * proposals + k`` of the seed and the proposals come from
``numpy.random.default_rng([seed, t])``: the posterior is the same for any number of
workers or chunk size.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from ..errors import UsageError
from ..scenario import Scenario
from .distance import distance, sequence_rows
from .priors import PriorSpace
from .runner import TargetSimulator
from .targets import Targets

DEFENSIVE = 0.1


@dataclass
class Generation:
    """One generation's tolerance, size, acceptance and effective sample size."""

    index: int
    epsilon: float
    proposals: int
    accepted: int
    ess: float
    sequence_share: float  # share of this generation's accepted runs that reproduce the sequence
    seconds: float


@dataclass
class Calibration:
    """An ABC-SMC posterior: weighted particles, their distances, and the run history."""

    space: PriorSpace
    particles: np.ndarray     # (N, d) parameter values
    weights: np.ndarray       # (N,) normalised importance weights
    distances: np.ndarray     # (N,)
    generations: list[Generation] = field(default_factory=list)
    seed: int = 0
    sims: int = 0
    seconds: float = 0.0

    @property
    def ess(self) -> float:
        return effective_sample_size(self.weights)

    def point_estimate(self) -> dict[str, float]:
        """Weighted posterior median of every parameter."""
        return {k: weighted_quantile(self.particles[:, i], self.weights, 0.5) for i, k in enumerate(self.space.keys)}

    def interval(self, level: float = 0.9) -> dict[str, tuple[float, float]]:
        """Equal-tailed weighted credible interval of every parameter."""
        a = (1 - level) / 2
        return {k: (weighted_quantile(self.particles[:, i], self.weights, a),
                    weighted_quantile(self.particles[:, i], self.weights, 1 - a))
                for i, k in enumerate(self.space.keys)}


def effective_sample_size(weights: np.ndarray) -> float:
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w ** 2).sum()) if w.size else 0.0


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values, kind="stable")
    cdf = np.cumsum(weights[order])
    cdf /= cdf[-1]
    return float(values[order][min(np.searchsorted(cdf, q), len(values) - 1)])


def calibrate(scenario: Scenario, targets: Targets, sims: int = 100_000, population: int = 2000, seed: int = 0,
              quantile: float = 0.2, keys: list[str] | None = None, workers: int | None = None,
              progress: bool = False) -> Calibration:
    """Calibrate the scenario's priors to the targets with ABC-SMC on a budget of ``sims`` runs.

    Each generation simulates ``population / quantile`` proposals and keeps about
    ``population`` of them; the number of generations is what the budget allows (at least 2).
    """
    if not 0 < quantile < 1:
        raise UsageError(f"quantile must be in (0, 1), got {quantile}")
    space = PriorSpace.from_scenario(scenario, keys)
    proposals = max(1, int(round(population / quantile)))
    n_gen = sims // proposals
    if n_gen < 2:
        raise UsageError(f"--sims {sims} allows fewer than 2 generations of {proposals} proposals; "
                         f"give at least {2 * proposals} simulations or a smaller population")
    seq = sequence_rows(targets)
    bar = _bar(n_gen * proposals, progress)
    start = time.perf_counter()
    history: list[Generation] = []
    z_prev = w_prev = None
    epsilon = np.inf
    with TargetSimulator(scenario, targets, seed, workers) as simulator:
        for t in range(n_gen):
            t0 = time.perf_counter()
            rng = np.random.default_rng([seed, t])
            if z_prev is None:
                theta = space.sample(rng, proposals)
                z = space.to_z(theta)
            else:
                z, chol = _perturb(rng, z_prev, w_prev, proposals)
                from_prior = rng.random(proposals) < DEFENSIVE
                z[from_prior] = space.to_z(space.sample(rng, int(from_prior.sum())))
                theta = space.from_z(z)
            run_index = np.arange(t * proposals, (t + 1) * proposals)
            term_matrix = simulator.terms(run_index, space.columns(theta))
            d = distance(term_matrix, targets)
            epsilon = min(epsilon, float(np.quantile(d, quantile)))
            keep = d <= epsilon
            if z_prev is None:
                w = np.ones(keep.sum())
            else:
                w = _weights(space, z[keep], z_prev, w_prev, chol)
            w = w / w.sum()
            sequence = (term_matrix[seq][:, keep] <= 1).all(axis=0)
            history.append(Generation(t, epsilon, proposals, int(keep.sum()), effective_sample_size(w),
                                      float(sequence.mean()), time.perf_counter() - t0))
            z_prev, w_prev = z[keep], w
            particles, dists = theta[keep], d[keep]
            if bar is not None:
                bar.update(proposals)
                bar.set_postfix(eps=f"{epsilon:.3f}", ess=f"{history[-1].ess:.0f}")
    if bar is not None:
        bar.close()
    return Calibration(space, particles, w_prev, dists, history, seed, n_gen * proposals,
                       time.perf_counter() - start)


def _perturb(rng: np.random.Generator, z: np.ndarray, w: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Resample by weight and add Gaussian noise: weighted covariance x Silverman's factor squared."""
    d, ess = z.shape[1], effective_sample_size(w)
    silverman = (4 / (d + 2)) ** (1 / (d + 4)) * ess ** (-1 / (d + 4))
    cov = silverman ** 2 * np.atleast_2d(np.cov(z, rowvar=False, aweights=w)) + 1e-8 * np.eye(d)
    chol = np.linalg.cholesky(cov)
    parents = rng.choice(len(z), size=n, p=w)
    return z[parents] + rng.standard_normal((n, z.shape[1])) @ chol.T, chol


def _weights(space: PriorSpace, z: np.ndarray, z_prev: np.ndarray, w_prev: np.ndarray,
             chol: np.ndarray) -> np.ndarray:
    """Prior density over the kernel mixture density of the previous population (log-safe)."""
    inv = np.linalg.inv(chol)
    log_norm = -np.log(np.diag(chol)).sum() - 0.5 * z.shape[1] * np.log(2 * np.pi)
    y, y_prev = z @ inv.T, z_prev @ inv.T  # whitened: the kernel is a unit Gaussian here
    sq = (y ** 2).sum(axis=1)[:, None] + (y_prev ** 2).sum(axis=1)[None, :] - 2 * y @ y_prev.T
    log_mix = special.logsumexp(-0.5 * np.maximum(sq, 0), axis=1, b=w_prev)
    log_prior = space.log_prior_z(z)
    log_w = log_prior - np.logaddexp(np.log(DEFENSIVE) + log_prior, np.log1p(-DEFENSIVE) + log_mix + log_norm)
    return np.exp(log_w - log_w.max())


def _bar(total: int, enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="sim", file=sys.stderr, dynamic_ncols=True, desc="ABC-SMC")
