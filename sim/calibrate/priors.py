"""Priors from a scenario's ``[priors]`` table, and the unit box ABC moves in.

Every prior is uniform or log-uniform on [low, high], i.e. uniform in ``u`` in [0, 1] after
an affine (or log-affine) map. ABC-SMC moves particles in ``u`` with a random walk folded
back at the faces of the box (``sim.calibrate.abc.reflect``): symmetric, never outside the
prior's support, and the prior density in ``u`` is constant, so the acceptance ratio needs
no prior term. ``from_z`` maps logit(u) back, for searches that prefer an unbounded space.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
from scipy import special

from ..errors import UsageError
from ..scenario import Prior, Scenario


def weighted_quantiles(values: np.ndarray, q: list[float], weights: np.ndarray | None = None) -> np.ndarray:
    """Quantiles of weighted draws (numpy's own, linear, when the weights are equal or absent);
    weighted, by linear interpolation between the draws' mid-cumulative weights."""
    x = np.asarray(values, dtype=float)
    if weights is None or np.allclose(weights, np.mean(weights)):
        return np.quantile(x, q)
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    order = np.argsort(x, kind="stable")
    return np.interp(q, np.cumsum(w[order]) - w[order] / 2, x[order])


@dataclass(frozen=True)
class PriorSpace:
    """The calibrated parameters (in order) and their prior boxes."""

    keys: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    log: np.ndarray  # True where the prior is log-uniform

    @classmethod
    def from_scenario(cls, scenario: Scenario, keys: list[str] | None = None) -> PriorSpace:
        """The scenario's priors (all of them, or the named ones)."""
        return cls.from_priors(scenario.priors, scenario.source, keys)

    @classmethod
    def from_priors(cls, priors: dict[str, Prior], source: str, keys: list[str] | None = None) -> PriorSpace:
        """These priors (all of them, or the named ones); ``source`` names them in errors."""
        if not priors:
            raise UsageError(f"{source}: the scenario has no [priors] table to calibrate or vary")
        keys = list(priors) if keys is None else keys
        for key in keys:
            if key not in priors:
                close = difflib.get_close_matches(key, list(priors), n=1)
                hint = f"did you mean '{close[0]}'?" if close else (
                    f"priors: {', '.join(priors)}" if len(priors) <= 8 else f"see its [priors] ({len(priors)} keys)")
                raise UsageError(f"{source}: no prior for {key!r}; {hint}")
        if len(set(keys)) != len(keys):  # the keys come from --params: a column each, named once
            twice = sorted(k for k in set(keys) if keys.count(k) > 1)
            raise UsageError(f"--params: a parameter named twice ({', '.join(twice)})")
        ps = [priors[k] for k in keys]
        return cls(tuple(keys), np.array([p.low for p in ps]), np.array([p.high for p in ps]),
                   np.array([p.distribution == "loguniform" for p in ps]))

    def narrowed_to(self, values: dict[str, np.ndarray], level: float = 0.9,
                    weights: np.ndarray | None = None) -> PriorSpace:
        """The same parameters on the central ``level`` range of ``values`` (e.g. posterior draws,
        with their ``weights``) where they have any, the prior's box elsewhere."""
        low, high = self.low.copy(), self.high.copy()
        tail = (1 - level) / 2
        for i, key in enumerate(self.keys):
            if key in values:
                lo, hi = weighted_quantiles(values[key], [tail, 1 - tail], weights)
                if hi > lo:
                    low[i], high[i] = max(lo, self.low[i]), min(hi, self.high[i])
        return PriorSpace(self.keys, low, high, self.log)

    @property
    def dim(self) -> int:
        return len(self.keys)

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lo = np.where(self.log, np.log(np.where(self.log, self.low, 1.0)), self.low)
        hi = np.where(self.log, np.log(np.where(self.log, self.high, 1.0)), self.high)
        return lo, hi

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        lo, hi = self._bounds()
        x = lo + np.asarray(u) * (hi - lo)
        return np.clip(np.where(self.log, np.exp(x), x), self.low, self.high)

    def to_unit(self, theta: np.ndarray) -> np.ndarray:
        lo, hi = self._bounds()
        x = np.where(self.log, np.log(np.maximum(theta, 1e-300)), theta)
        return (x - lo) / (hi - lo)

    def from_z(self, z: np.ndarray) -> np.ndarray:
        return self.from_unit(special.expit(z))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.from_unit(rng.random((n, self.dim)))

    def columns(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Per-run parameter arrays, keyed as the model's ``lane_params``."""
        return {k: np.ascontiguousarray(theta[:, i]) for i, k in enumerate(self.keys)}
