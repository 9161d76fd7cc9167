"""Statistics with intervals: proportions (Wilson), quantiles, paired differences."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


def proportion(successes: int, trials: int, confidence: float = CONFIDENCE,
               design_effect: float = 1.0) -> tuple[float, float, float]:
    """Share and its Wilson score interval (scipy's binomtest); (nan, nan, nan) with no trials.
    With a ``design_effect`` above 1 (runs that share a parameter draw are not independent) the
    interval is Wilson's at Kish's effective number of runs, trials / design_effect
    (statsmodels' ``proportion_confint``; Korn & Graubard 1998)."""
    if trials <= 0:
        return math.nan, math.nan, math.nan
    if design_effect > 1.0:
        from statsmodels.stats.proportion import proportion_confint  # 1-2 s to import: only when needed

        effective = trials / design_effect
        low, high = proportion_confint(successes / trials * effective, effective, alpha=1 - confidence,
                                       method="wilson")
        return successes / trials, float(low), float(high)
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=confidence, method="wilson")
    return successes / trials, float(ci.low), float(ci.high)


def design_effect(values: np.ndarray, groups: np.ndarray | None) -> float:
    """Kish's design effect of the mean of ``values`` when runs of one group share a parameter draw:
    the cluster-robust variance of the mean over the variance it would have were the runs
    independent (both with the small-sample factor of their own number of units), at least 1.
    Runs of one draw agree more than runs of different draws, so a Monte Carlo interval that
    counted them as independent would be too narrow. 1 without groups or with one run a group."""
    values = np.asarray(values, dtype=float)
    if groups is None or values.size < 2:
        return 1.0
    _, inverse = np.unique(np.asarray(groups), return_inverse=True)
    clusters = int(inverse.max()) + 1
    if clusters < 2 or clusters == values.size:
        return 1.0
    residuals = values - values.mean()
    independent = values.size / (values.size - 1) * float(residuals @ residuals)
    if independent <= 0:
        return 1.0
    sums = np.bincount(inverse, weights=residuals)
    clustered = clusters / (clusters - 1) * float(sums @ sums)
    return max(1.0, clustered / independent)


def share(mask: np.ndarray, groups: np.ndarray | None = None,
          confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Share of True in ``mask`` and its Monte Carlo interval: Wilson's, widened by the design
    effect of ``groups`` (the parameter draw of each run, when runs share draws)."""
    mask = np.asarray(mask, dtype=bool)
    return proportion(int(mask.sum()), mask.size, confidence, design_effect(mask, groups))


def quartiles(values: np.ndarray) -> dict[str, float | None]:
    """Median and quartiles (None when there are no values)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return {"median": None, "q1": None, "q3": None, "n": 0}
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return {"median": float(med), "q1": float(q1), "q3": float(q3), "n": int(values.size)}


def mean_interval(values: np.ndarray, confidence: float = CONFIDENCE,
                  groups: np.ndarray | None = None) -> tuple[float, float, float]:
    """Mean and a t interval (for paired differences); with ``groups`` (runs sharing a parameter
    draw) its standard error is widened by the square root of the design effect and its degrees
    of freedom are those of the draws."""
    values = np.asarray(values, dtype=float)
    n = values.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n == 1:
        return mean, math.nan, math.nan
    effect = design_effect(values, groups)
    dof = n - 1 if effect <= 1.0 else len(np.unique(np.asarray(groups))) - 1
    half = stats.t.ppf(0.5 + confidence / 2, dof) * values.std(ddof=1) / math.sqrt(n)
    if effect > 1.0:
        half *= math.sqrt(effect)
    return mean, mean - half, mean + half


def unpaired_halfwidth(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE,
                       groups: np.ndarray | None = None) -> float:
    """Half-width of the interval for mean(a) - mean(b) had a and b been independent samples (each
    variance widened by its design effect when runs of one group share a parameter draw)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 2 or b.size < 2:
        return math.nan
    z = stats.norm.ppf(0.5 + confidence / 2)
    return float(z * math.sqrt(a.var(ddof=1) / a.size * design_effect(a, groups)
                               + b.var(ddof=1) / b.size * design_effect(b, groups)))


def kaplan_meier(event_day: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Share of runs still without the event after each day (event_day < 0 = censored at the horizon)."""
    event_day = np.asarray(event_day)
    days = np.arange(horizon + 1)
    if event_day.size == 0:
        return days, np.ones_like(days, dtype=float)
    happened = event_day[event_day >= 0]
    counts = np.bincount(happened, minlength=horizon + 1)[: horizon + 1]
    at_risk = event_day.size - np.concatenate([[0], np.cumsum(counts)[:-1]])
    hazard = np.divide(counts, at_risk, out=np.zeros(horizon + 1), where=at_risk > 0)
    return days, np.cumprod(1 - hazard)


def parameter_interval(values: np.ndarray, groups: np.ndarray, confidence: float = CONFIDENCE
                       ) -> tuple[float, float] | None:
    """The range over the posterior of the mean of ``values`` given the parameters (an event's
    probability for 0/1 values, a paired effect for differences): the central ``confidence``
    interval of the per-draw means (runs of one group share a parameter draw), their Monte Carlo
    noise removed by moment matching: each mean is pulled towards the overall mean by
    sqrt(parameter variance / total variance), the parameter variance being the variance of the
    means minus the mean within-draw variance over the draw's size. Draws with a single run
    (e.g. after filtering) carry no within-draw variance and are left out; None with fewer
    than 10 draws of at least 2 runs."""
    values, groups = np.asarray(values, dtype=float), np.asarray(groups)
    _, inverse, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    keep = sizes[inverse] >= 2
    _, inverse, sizes = np.unique(groups[keep], return_inverse=True, return_counts=True)
    values = values[keep]
    if len(sizes) < 10:
        return None
    means = np.bincount(inverse, weights=values) / sizes
    within = (np.bincount(inverse, weights=values ** 2) - sizes * means ** 2) / (sizes - 1)
    overall = float(np.average(means, weights=sizes))
    total = float(np.average((means - overall) ** 2, weights=sizes))
    noise = float(np.average(np.maximum(within, 0) / sizes, weights=sizes))
    if total <= 0:
        return overall, overall
    shrunk = overall + (means - overall) * math.sqrt(max(total - noise, 0.0) / total)
    tail = (1 - confidence) / 2
    low, high = np.quantile(shrunk, [tail, 1 - tail])
    return float(low), float(high)
