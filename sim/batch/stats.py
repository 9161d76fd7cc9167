"""Statistics with intervals: proportions (Wilson), quantiles, paired differences."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


def proportion(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Share and its Wilson score interval (scipy's binomtest); (nan, nan, nan) with no trials."""
    if trials <= 0:
        return math.nan, math.nan, math.nan
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=confidence, method="wilson")
    return successes / trials, float(ci.low), float(ci.high)


def quartiles(values: np.ndarray) -> dict[str, float | None]:
    """Median and quartiles (None when there are no values)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return {"median": None, "q1": None, "q3": None, "n": 0}
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return {"median": float(med), "q1": float(q1), "q3": float(q3), "n": int(values.size)}


def mean_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and a t interval (for paired differences)."""
    values = np.asarray(values, dtype=float)
    n = values.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n == 1:
        return mean, math.nan, math.nan
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half


def unpaired_halfwidth(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> float:
    """Half-width of the interval for mean(a) - mean(b) had a and b been independent samples."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 2 or b.size < 2:
        return math.nan
    z = stats.norm.ppf(0.5 + confidence / 2)
    return float(z * math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))


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


def parameter_interval(hits: np.ndarray, groups: np.ndarray, confidence: float = CONFIDENCE
                       ) -> tuple[float, float] | None:
    """The range of P(event | parameters) over the posterior: the central ``confidence`` interval of
    the per-draw shares (runs of one group share a parameter draw), their binomial noise removed
    by moment matching: each share is pulled towards the mean by sqrt(parameter variance / total
    variance), the parameter variance being the total minus the mean binomial variance.
    None with fewer than 10 groups of at least 2 runs each."""
    hits = np.asarray(hits, dtype=float)
    _, inverse, sizes = np.unique(np.asarray(groups), return_inverse=True, return_counts=True)
    if len(sizes) < 10 or sizes.min() < 2:
        return None
    shares = np.bincount(inverse, weights=hits) / sizes
    mean = float(np.average(shares, weights=sizes))
    total = float(np.average((shares - mean) ** 2, weights=sizes))
    noise = float(np.average(shares * (1 - shares) / (sizes - 1), weights=sizes))
    if total <= 0:
        return mean, mean
    shrunk = mean + (shares - mean) * math.sqrt(max(total - noise, 0.0) / total)
    tail = (1 - confidence) / 2
    low, high = np.quantile(np.clip(shrunk, 0, 1), [tail, 1 - tail])
    return float(low), float(high)
