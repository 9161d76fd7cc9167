"""How far a run is from the article: per-target terms and their distance, for all lanes at once.

Every term ``t`` is scaled so that ``t <= 1`` means the target is met within its tolerance
(docs/CALIBRATION.md lists them term by term):

* event:  0 in the window, else 1 + days from the window (a never-seen event counts as seen
          on the day after the observed days) + any shortfall from ``min_count``;
* absent: 0 if nothing happened in the window, else 1 + days on which something did;
* count:  |log(x / value)| / log(1 + tolerance)  (``at_least``: only a shortfall counts);
* rate:   (x - mu) / (hi - mu) above mu, (mu - x) / (mu - lo) below, with [lo, hi] the 95%
          Poisson band of the count at the rate give or take its tolerance;
* threshold: 0 if the figure rose by at least ``value`` over the window, else 1 + the shortfall
          as a share of ``value``;
* level:  0 if the figure is at least ``value`` at the end of the window, else 1 + the shortfall
          as a share of ``value`` (for states such as the crossings closed, not running totals);
* a target whose fact did not hold (``observed = false``) is met when the run does not meet
          it: its term is then 0, else 2;
* order:  0 if held, else 1 + days by which it is broken (0 if an event is missing: the event
          term already counts that).

The distance of a run adds the weighted squares of the terms of the ordered sequence (the
targets marked ``sequence`` and the orders) to the weighted mean square of the other terms,
and takes the square root. A met sequence term counts 0 (events and orders are 0 when met,
>= 2 when not) and sequence weights are at least 1, so a run is within distance 1 exactly
when it reproduces the whole sequence and the other facts are met on average (root mean
square <= 1); every target met implies distance <= 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..model import EscalationModel
from .targets import Target, Targets


@dataclass
class Observation:
    """What the targets look at, per lane: daily action counts and the figures' levels."""

    daily: np.ndarray               # (pairs, days, lanes): times the pair's actor took the action that day
    levels: dict[str, np.ndarray]   # quantity -> (days + 1, lanes): value before day 0, then at each day's end
    pair_index: dict[tuple, int]


def observe(model: EscalationModel, targets: Targets) -> Observation:
    """Run ``model`` over the targets' observed days, recording what they need day by day."""
    pairs = targets.pairs()
    days, n = targets.horizon, model.lanes
    daily = np.zeros((len(pairs), days, n), dtype=np.int32)
    zeros = np.zeros(n, dtype=np.int32)

    def counts() -> list[np.ndarray]:
        return [model.count_of(actor, action).copy() if actor in model.actor_index else zeros
                for actor, action in pairs]

    quantities = targets.quantities()
    levels = {q: np.zeros((days + 1, n)) for q in quantities}
    summary = model.summary()
    for q in quantities:
        levels[q][0] = quantity_value(model, summary, q)
    previous = counts()
    for day in range(days):
        model.step()
        now = counts()
        for p in range(len(pairs)):
            daily[p, day] = now[p] - previous[p]
        previous = now
        if quantities:
            summary = model.summary()
            for q in quantities:
                levels[q][day + 1] = quantity_value(model, summary, q)
    return Observation(daily, levels, {pair: i for i, pair in enumerate(pairs)})


def quantity_value(model: EscalationModel, summary: dict[str, np.ndarray], quantity: str) -> np.ndarray:
    """Per lane, the figure a target follows: a summary column, or one of the two states derived
    from it (``crossings_closed``: crossings closed now; ``at_war``: 1 once the run is a war)."""
    if quantity == "crossings_closed":
        return model.crossings_open.shape[1] - summary["crossings_open_end"]
    if quantity == "at_war":
        return (summary["war_day"] >= 0).astype(float)
    return summary[quantity]


def _occurrences(obs: Observation, target: Target) -> np.ndarray:
    """(days, lanes) count of the target's actions by its actors each day."""
    rows = [obs.daily[obs.pair_index[(actor, action)]] for actor in target.actors for action in target.actions]
    return np.sum(rows, axis=0)


def first_days(obs: Observation, targets: Targets) -> dict[str, np.ndarray]:
    """Per event target, the first day on or after ``since`` it happened (the horizon if never)."""
    out = {}
    for t in targets.targets:
        if t.kind != "event":
            continue
        occurred = _occurrences(obs, t)[t.since:] > 0
        first = np.argmax(occurred, axis=0) + t.since
        out[t.name] = np.where(occurred.any(axis=0), first, targets.horizon)
    return out


def terms(obs: Observation, targets: Targets) -> np.ndarray:
    """(targets + orders, lanes) array of terms; ``<= 1`` means met (module docstring)."""
    firsts = first_days(obs, targets)
    rows = []
    for t in targets.targets:
        a, b = t.window
        if t.kind == "event":
            first = firsts[t.name]
            gap = np.maximum(a - first, 0) + np.maximum(first - b, 0)
            in_window = _occurrences(obs, t)[a:b + 1].sum(axis=0)
            short = np.maximum(t.min_count - in_window, 0) * (gap == 0)
            rows.append(np.where((gap == 0) & (short == 0), 0.0, 1.0 + gap + short))
        elif t.kind == "absent":
            busy = (_occurrences(obs, t)[a:b + 1] > 0).sum(axis=0)
            rows.append(np.where(busy == 0, 0.0, 1.0 + busy))
        elif t.kind == "count":
            x = np.maximum(obs.levels[t.quantity][b + 1] - obs.levels[t.quantity][a], 0.5)
            ratio = np.log(x / t.value)
            if t.relation == "at_least":
                ratio = np.minimum(ratio, 0.0)
            rows.append(np.abs(ratio) / np.log1p(t.tolerance))
        elif t.kind == "threshold":
            x = obs.levels[t.quantity][b + 1] - obs.levels[t.quantity][a]
            rows.append(np.where(x >= t.value, 0.0, 1.0 + (t.value - x) / t.value))
        elif t.kind == "level":
            x = obs.levels[t.quantity][b + 1]
            rows.append(np.where(x >= t.value, 0.0, 1.0 + (t.value - x) / t.value))
        else:
            x = obs.levels[t.quantity][b + 1] - obs.levels[t.quantity][a]
            mu, lo, hi = rate_band(t)
            rows.append(np.where(x < mu, (mu - x) / max(mu - lo, 1e-9), (x - mu) / max(hi - mu, 1e-9)))
        if not t.observed:
            rows[-1] = np.where(rows[-1] <= 1, 2.0, 0.0)
    for order in targets.orders:
        first, then = firsts[order.first], firsts[order.then]
        broken = first - then + int(order.strict)
        seen = (first < targets.horizon) & (then < targets.horizon)
        rows.append(np.where(seen & (broken > 0), 1.0 + broken, 0.0))
    return np.vstack(rows)


def facts(obs: Observation, targets: Targets) -> np.ndarray:
    """(targets, lanes) booleans: whether each target's fact held in each run, whatever the sources say."""
    held = terms(obs, targets)[:len(targets.targets)] <= 1
    observed = np.array([t.observed for t in targets.targets])
    return np.where(observed[:, None], held, ~held)


def rate_band(target: Target) -> tuple[float, float, float]:
    """Expected count of a rate target over its window and the 95% Poisson band around it."""
    days = target.window[1] - target.window[0] + 1
    mu = target.value * days
    lo = float(stats.poisson.ppf(0.025, mu / (1 + target.tolerance)))
    hi = float(stats.poisson.ppf(0.975, mu * (1 + target.tolerance)))
    return mu, lo, hi


def term_names(targets: Targets) -> list[str]:
    return targets.names() + [f"order:{o.first}{'<' if o.strict else '<='}{o.then}" for o in targets.orders]


def term_weights(targets: Targets) -> np.ndarray:
    return np.array([t.weight for t in targets.targets] + [1.0] * len(targets.orders))


def sequence_rows(targets: Targets) -> np.ndarray:
    """Indices of the terms that make up the whole ordered sequence (sequence targets and orders)."""
    k = len(targets.targets)
    return np.array([i for i, t in enumerate(targets.targets) if t.sequence] + list(range(k, k + len(targets.orders))),
                    dtype=int)


def distance_parts(term_matrix: np.ndarray, targets: Targets) -> tuple[np.ndarray, np.ndarray]:
    """Per lane: (weighted sum of the squared missed sequence terms, weighted mean of the
    squared other terms). The first is 0 exactly when the whole sequence is reproduced and
    above 1 otherwise; ``distance`` is the square root of their sum."""
    w = term_weights(targets)
    seq = np.zeros(len(term_matrix), dtype=bool)
    seq[sequence_rows(targets)] = True
    missed = np.where(term_matrix[seq] <= 1, 0.0, term_matrix[seq])  # a met step costs nothing, whatever its term
    sequence = (w[seq, None] * missed ** 2).sum(axis=0)
    rest = (w[~seq, None] * term_matrix[~seq] ** 2).sum(axis=0) / w[~seq].sum() if (~seq).any() \
        else np.zeros(term_matrix.shape[1])
    return sequence, rest


def distance(term_matrix: np.ndarray, targets: Targets) -> np.ndarray:
    """Per lane: sqrt(sum of the weighted squared terms of the ordered sequence + the squared
    weighted root mean square of the other terms).

    A met sequence term counts 0 and a missed one its square (> 1; sequence weights are >= 1),
    so the distance is <= 1 exactly when the run reproduces the whole sequence and the other facts (casualty figures,
    statements, rates) are met on average: one figure outside its tolerance can be made up
    by others inside theirs, a missed event cannot. Below that, every missed event and every
    day off adds to the distance, which is what lets the sampler move towards the sequence.
    """
    sequence, rest = distance_parts(term_matrix, targets)
    return np.sqrt(sequence + rest)
